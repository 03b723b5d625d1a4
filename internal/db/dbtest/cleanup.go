package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A template and its spares are named after a hash of the migrations, so a
// new migration makes a new set and the old one would stay on the server
// for good. Each test process drops the sets of other hashes once
// nobody has used them for a day (dropOldSets). PostgreSQL keeps no time of
// creation or use of a database, so dbtest writes one in the database's
// comment, in the server's clock: a template's when it is built and when a
// test process takes it (at most once per restampAfter), a spare's when it
// is made. A test process runs for far less than dropAfter-restampAfter,
// so a set any process (of any checkout) uses now is never that old.
// Checkouts whose dbtest predates the stamps write none: a database of
// theirs is stamped when a newer process first sees it, so their set goes a
// day after the newest spare they made was first seen (should that fall in
// the first seconds of a run of theirs, before it makes a spare, that run
// fails and the next builds the set again).
const (
	tplPrefix    = "herald_tpl_"
	stampText    = "herald dbtest: made or last used at unix time "
	restampAfter = time.Hour
	dropAfter    = 24 * time.Hour
)

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// serverNow is the server's clock, in unix seconds.
func serverNow(ctx context.Context, q querier) (int64, error) {
	var now int64
	err := q.QueryRowContext(ctx, `SELECT CAST(extract(epoch FROM now()) AS BIGINT)`).Scan(&now)
	return now, err
}

// stamp writes the server's time into the comment of database name.
func stamp(ctx context.Context, q querier, name string) error {
	now, err := serverNow(ctx, q)
	if err != nil {
		return err
	}
	return stampAt(ctx, q, name, now)
}

func stampAt(ctx context.Context, q querier, name string, unix int64) error {
	// Names are dbtest's own (letters, digits, underscores): no quoting.
	_, err := q.ExecContext(ctx, fmt.Sprintf(`COMMENT ON DATABASE %s IS '%s%d'`, name, stampText, unix))
	return err
}

// stamped is the time in a comment written by stamp; ok is false for
// another comment or none.
func stamped(comment string) (unix int64, ok bool) {
	rest, found := strings.CutPrefix(comment, stampText)
	if !found {
		return 0, false
	}
	unix, err := strconv.ParseInt(rest, 10, 64)
	return unix, err == nil
}

// stampIfOlder stamps database name unless its stamp is younger than age.
func stampIfOlder(ctx context.Context, q querier, name string, age time.Duration) error {
	var comment string
	var now int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(shobj_description(oid, 'pg_database'), ''), CAST(extract(epoch FROM now()) AS BIGINT) FROM pg_database WHERE datname = $1`,
		name).Scan(&comment, &now); err != nil {
		return err
	}
	if t, ok := stamped(comment); ok && now-t < int64(age/time.Second) {
		return nil
	}
	return stampAt(ctx, q, name, now)
}

// dropOld runs dropOldSets for a process whose template is current.
func dropOld(base, current string) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	_ = dropOldSets(ctx, admin, current)
	if self, err := owner(ctx, base); err == nil {
		_ = dropAbandoned(ctx, admin, self)
	}
}

// dropOldSets drops the templates and spares of migrations other than
// current's (a template's name) whose every database (template and spares)
// carries a stamp older than dropAfter, and the half-built templates
// (TEMPLATE_b) of other migrations left by a process killed while building.
// A database of such a set without a stamp (made before dbtest wrote them,
// or by a process that died before stamping) is stamped now, and so is
// kept for another dropAfter. It holds templateLock, which a process holds
// while it looks for its template and stamps it as used: a set is either
// seen as used or already dropped (and then rebuilt) by such a process.
// Databases it may not comment on or drop (another user's) are kept; a
// database someone is connected to is not dropped either.
func dropOldSets(ctx context.Context, admin *sql.DB, current string) error {
	conn, err := admin.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, templateLock); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, templateLock)
	return dropOldSetsLocked(ctx, conn, current)
}

// dropOldSetsLocked is dropOldSets on conn, which holds templateLock.
func dropOldSetsLocked(ctx context.Context, conn *sql.Conn, current string) error {
	rows, err := conn.QueryContext(ctx, `SELECT datname, COALESCE(shobj_description(oid, 'pg_database'), ''), CAST(extract(epoch FROM now()) AS BIGINT)
		FROM pg_database WHERE datname LIKE $1 ORDER BY datname`, strings.ReplaceAll(tplPrefix, "_", `\_`)+"%")
	if err != nil {
		return err
	}
	type member struct {
		name  string
		spare bool
	}
	sets := map[string][]member{}
	old := map[string]bool{} // hash: every member's stamp is older than dropAfter
	var building []string
	var unstamped []string
	var now int64
	curHash := strings.TrimPrefix(current, tplPrefix)
	for rows.Next() {
		var name, comment string
		if err := rows.Scan(&name, &comment, &now); err != nil {
			rows.Close()
			return err
		}
		hash, kind, ok := parseTplName(name)
		if !ok || hash == curHash {
			continue
		}
		if kind == "_b" {
			building = append(building, name)
			continue
		}
		if _, seen := old[hash]; !seen {
			old[hash] = true
		}
		sets[hash] = append(sets[hash], member{name, kind != ""})
		t, ok := stamped(comment)
		if !ok {
			unstamped = append(unstamped, name)
		}
		if !ok || now-t < int64(dropAfter/time.Second) {
			old[hash] = false
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var errs []string
	note := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	for _, name := range unstamped {
		note(stampAt(ctx, conn, name, now))
	}
	// No process builds under templateLock but the holder: these are left
	// by one that died.
	for _, name := range building {
		_, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s`, name))
		note(err)
	}
	for hash, members := range sets {
		if !old[hash] {
			continue
		}
		// Spares first: a set whose template is gone but a spare is left
		// is dropped by the next process all the same.
		for _, spares := range []bool{true, false} {
			for _, m := range members {
				if m.spare == spares {
					_, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s`, m.name))
					note(err)
				}
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("dbtest: dropping old templates: %s", strings.Join(errs, "; "))
	}
	return nil
}

// parseTplName splits a name dbtest gives a template, a spare or a template
// being built into the migrations' hash and "" (template), "_s" (spare) or
// "_b" (being built); ok is false for any other name.
func parseTplName(name string) (hash, kind string, ok bool) {
	rest, found := strings.CutPrefix(name, tplPrefix)
	if !found || len(rest) < 16 || !isHex(rest[:16]) {
		return "", "", false
	}
	hash, rest = rest[:16], rest[16:]
	switch {
	case rest == "":
		return hash, "", true
	case rest == "_b":
		return hash, "_b", true
	case strings.HasPrefix(rest, "_s_") && len(rest) == 3+16 && isHex(rest[3:]):
		return hash, "_s", true
	}
	return "", "", false
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
