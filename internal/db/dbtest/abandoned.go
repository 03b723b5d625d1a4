package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A test's own databases (herald_t_*, made by New, and herald_e_*, made by
// Empty) are dropped by the test's cleanup; a test process killed midway
// (a timeout, ^C) leaves them. Each test process therefore holds, for its
// whole life, a session advisory lock (ownerLockSpace, its owner id) on a
// connection of its own, and names its databases after that id:
// herald_t_OWNER_RANDOM. PostgreSQL lets the lock go when that session
// ends, which it does when the process dies, so another process that can
// take an owner's lock knows the owner is gone and drops its databases
// (dropAbandoned, once a process, beside dropOldSets). Whether anyone is
// connected to a database says less: a live test's pool closes connections
// idle for five minutes.
//
// Databases named the way older dbtest named them (herald_t_RANDOM, no
// owner) are dropped once stamped (cleanup.go) more than abandonedAfter ago
// and nobody is connected to them; one seen for the first time is stamped
// now.
const (
	ownerLockSpace = 727275
	abandonedAfter = time.Hour
)

var (
	ownerOnce sync.Once
	ownerID   string // 8 hex digits; "" when no lock could be taken
	ownerErr  error
)

// owner returns this process's owner id, taking its lock on first use.
func owner(ctx context.Context, base string) (string, error) {
	ownerOnce.Do(func() {
		// The connection outlives the caller's context.
		ctx := context.WithoutCancel(ctx)
		admin, err := sql.Open("pgx", base)
		if err != nil {
			ownerErr = err
			return
		}
		conn, err := admin.Conn(ctx)
		if err != nil {
			admin.Close()
			ownerErr = err
			return
		}
		for range 10 {
			id := rand.Int32()
			var ok bool
			if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, $2)`, ownerLockSpace, id).Scan(&ok); err != nil {
				ownerErr = err
				break
			}
			if ok {
				// conn and admin stay open until the process exits.
				ownerID = fmt.Sprintf("%08x", uint32(id))
				return
			}
		}
		if ownerErr == nil {
			ownerErr = fmt.Errorf("dbtest: no free owner id")
		}
		conn.Close()
		admin.Close()
	})
	return ownerID, ownerErr
}

// ownedName is a name for a test database of this process: prefix,
// owner id, random part.
func ownedName(ctx context.Context, base, prefix string) (string, error) {
	id, err := owner(ctx, base)
	if err != nil {
		return "", err
	}
	return prefix + id + "_" + randHex(8), nil
}

// parseTestName splits a name New or Empty gives a database: ok is false
// for any other name; owner is "" for the names without one.
func parseTestName(name string) (owner string, ok bool) {
	var rest string
	for _, prefix := range []string{"herald_t_", "herald_e_"} {
		if r, found := strings.CutPrefix(name, prefix); found {
			rest, ok = r, true
		}
	}
	if !ok {
		return "", false
	}
	switch {
	case len(rest) == 16 && isHex(rest):
		return "", true
	case len(rest) == 8+1+16 && isHex(rest[:8]) && rest[8] == '_' && isHex(rest[9:]):
		return rest[:8], true
	}
	return "", false
}

// dropAbandoned drops the test databases of processes that are gone: those
// of an owner whose lock it can take (holding it while it drops them, so no
// new process takes that id meanwhile), and those without an owner stamped
// more than abandonedAfter ago that nobody is connected to. It never
// forces a drop: a database someone is connected to stays. self is this
// process's owner id, whose databases it leaves alone.
func dropAbandoned(ctx context.Context, admin *sql.DB, self string) error {
	rows, err := admin.QueryContext(ctx, `SELECT datname, COALESCE(shobj_description(oid, 'pg_database'), ''), CAST(extract(epoch FROM now()) AS BIGINT),
			EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datid = d.oid)
		FROM pg_database d WHERE datname LIKE 'herald\_t\_%' OR datname LIKE 'herald\_e\_%' ORDER BY datname`)
	if err != nil {
		return err
	}
	byOwner := map[string][]string{}
	var unstamped, old []string
	var now int64
	for rows.Next() {
		var name, comment string
		var connected bool
		if err := rows.Scan(&name, &comment, &now, &connected); err != nil {
			rows.Close()
			return err
		}
		who, ok := parseTestName(name)
		switch {
		case !ok || who == self:
		case who != "":
			byOwner[who] = append(byOwner[who], name)
		default:
			at, stampedOK := stamped(comment)
			if !stampedOK {
				unstamped = append(unstamped, name)
			} else if now-at > int64(abandonedAfter/time.Second) && !connected {
				old = append(old, name)
			}
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
		note(stampAt(ctx, admin, name, now))
	}
	for _, name := range old {
		_, err := admin.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s`, name))
		note(err)
	}
	if len(byOwner) > 0 {
		conn, err := admin.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		for who, names := range byOwner {
			id, err := strconv.ParseUint(who, 16, 32)
			if err != nil {
				continue
			}
			var free bool
			if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, $2)`, ownerLockSpace, int32(uint32(id))).Scan(&free); err != nil {
				note(err)
				continue
			}
			if !free {
				continue // the owner lives
			}
			for _, name := range names {
				_, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s`, name))
				note(err)
			}
			_, err = conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1, $2)`, ownerLockSpace, int32(uint32(id)))
			note(err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("dbtest: dropping abandoned test databases: %s", strings.Join(errs, "; "))
	}
	return nil
}
