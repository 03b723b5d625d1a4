package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"
)

// dropOldSets drops the templates and spares of other migrations that no
// process has used for a day, and keeps the current migrations' set
// whatever its age, sets of which any database is younger, and databases
// whose age it does not know (stamping them now).
func TestDropOldSets(t *testing.T) {
	if !Postgres() {
		t.Skip("PostgreSQL test databases; SQLite's are temporary directories")
	}
	New(t) // the real template of these migrations exists, stamped
	realTpl := tplName
	ctx := context.Background()
	admin, err := sql.Open("pgx", os.Getenv(EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() }) // after the drops below (cleanups run last first)
	now, err := serverNow(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	var made []string
	t.Cleanup(func() {
		for _, name := range made {
			_, _ = admin.ExecContext(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
		}
	})
	// The databases are made stamped now, so that no other test process's
	// dropOldSets drops them meanwhile, and given their ages below under
	// templateLock, which the dropOldSets of every process takes.
	ages := map[string]time.Duration{}
	mk := func(name string, age time.Duration) string {
		t.Helper()
		if _, err := admin.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s`, name)); err != nil {
			t.Fatal(err)
		}
		made = append(made, name)
		if err := stampAt(ctx, admin, name, now); err != nil {
			t.Fatal(err)
		}
		ages[name] = age
		return name
	}
	set := func() string { return tplPrefix + randHex(8) }
	day := 24 * time.Hour
	const unstamped = -1

	oldTpl := set()
	gone := []string{
		mk(oldTpl, 2*day), mk(oldTpl+"_s_"+randHex(8), 3*day), // unused for two days
		mk(set()+"_s_"+randHex(8), 2*day), // an old spare without its template
		mk(set()+"_b", unstamped),         // a build that died
	}
	youngTpl, youngSpare, unknown, current := set(), set(), set(), set()
	kept := []string{
		realTpl,
		mk(youngTpl, 2*time.Hour), mk(youngTpl+"_s_"+randHex(8), 3*day), // template used two hours ago
		mk(youngSpare, 3*day), mk(youngSpare+"_s_"+randHex(8), time.Hour), // spare made an hour ago
		mk(unknown, unstamped),
		mk(current, 5*day), mk(current+"_s_"+randHex(8), 5*day),
		mk(tplPrefix+"not_ours", 5*day),
	}

	conn, err := admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, templateLock); err != nil {
		t.Fatal(err)
	}
	for name, age := range ages {
		if age == unstamped {
			_, err = conn.ExecContext(ctx, fmt.Sprintf(`COMMENT ON DATABASE %s IS NULL`, name))
		} else {
			err = stampAt(ctx, conn, name, now-int64(age/time.Second))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	err = dropOldSetsLocked(ctx, conn, current)
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, templateLock); err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	exists := func(name string) bool {
		var n int
		if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	for _, name := range gone {
		if exists(name) {
			t.Errorf("%s was kept", name)
		}
	}
	for _, name := range kept {
		if !exists(name) {
			t.Errorf("%s was dropped", name)
		}
	}
	var comment string
	if err := admin.QueryRowContext(ctx, `SELECT COALESCE(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = $1`, unknown).Scan(&comment); err != nil {
		t.Fatal(err)
	}
	if at, ok := stamped(comment); !ok || at < now {
		t.Errorf("a template of unknown age has the comment %q, want a stamp of now", comment)
	}
}

// A process stamps its template as used when it takes it.
func TestTemplateStampedWhenUsed(t *testing.T) {
	if !Postgres() {
		t.Skip("PostgreSQL test databases; SQLite's are temporary directories")
	}
	New(t)
	ctx := context.Background()
	admin, err := sql.Open("pgx", os.Getenv(EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	stampOf := func(name string) int64 {
		var comment string
		if err := admin.QueryRowContext(ctx, `SELECT COALESCE(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = $1`, name).Scan(&comment); err != nil {
			t.Fatal(err)
		}
		at, ok := stamped(comment)
		if !ok {
			t.Fatalf("%s has the comment %q", name, comment)
		}
		return at
	}
	now, err := serverNow(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if at := stampOf(tplName); now-at > int64(restampAfter/time.Second) {
		t.Errorf("the template in use was last stamped %d s ago", now-at)
	}
	// An old stamp is renewed by the next process that takes the template
	// (buildTemplate, as template runs it once a process).
	if err := stampAt(ctx, admin, tplName, now-int64(2*restampAfter/time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := buildTemplate(ctx, os.Getenv(EnvURL)); err != nil {
		t.Fatal(err)
	}
	if at := stampOf(tplName); at < now {
		t.Errorf("the template's stamp was not renewed: %d, now %d", at, now)
	}
}
