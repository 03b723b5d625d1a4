// Package dbtest gives each test a fresh, migrated database: PostgreSQL when
// HERALD_TEST_DATABASE_URL is set (a new database per test, cloned from a
// migrated template, mostly ahead of time by a background helper; see
// maxSpares), SQLite in a temporary directory otherwise. The same tests
// therefore run on both engines; CI runs them twice.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db"
)

// EnvURL names the variable that selects PostgreSQL for tests.
const EnvURL = "HERALD_TEST_DATABASE_URL"

// New returns a migrated database that is dropped when the test ends.
func New(t testing.TB) *db.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := os.Getenv(EnvURL)
	if base == "" {
		d, err := db.Open(ctx, "", t.TempDir())
		if err != nil {
			t.Fatalf("dbtest: %v", err)
		}
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatalf("dbtest: migrate: %v", err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	tpl, err := template(ctx, base)
	if err != nil {
		t.Fatalf("dbtest: template database: %v", err)
	}
	name, err := ownedName(ctx, base, "herald_t_")
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer admin.Close()
	// A spare made ahead of time from the same template is taken by renaming
	// it (a rename is atomic: two takers cannot get the same spare); without
	// one the database is made here. Either way the next spare is made in the
	// background while this test runs.
	if !takeSpare(ctx, admin, tpl, name) {
		if _, err := admin.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tpl)); err != nil {
			t.Fatalf("dbtest: create database: %v", err)
		}
	}
	kickHelper(base, tpl)
	d, err := db.Open(ctx, withDatabase(base, name), "")
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() {
		d.Close()
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// Renamed for the background helper to drop, unless too many wait
		// already or the rename fails (a connection still open): then
		// dropped here, as before.
		if trashWaiting.Load() < maxTrash {
			if _, err := admin.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, name, trashPrefix+randHex(8))); err == nil {
				trashWaiting.Add(1)
				kickHelper(base, tpl)
				return
			}
		}
		_, _ = admin.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	return d
}

// Making a database from the template and dropping one each take seconds
// on a loaded machine (a copy of some 600 relations), several per test
// package; a helper goroutine per test process does both while tests run:
//
//   - it keeps spares named TEMPLATE_s_RANDOM (at most maxSpares per
//     template) that New takes by renaming;
//   - it drops databases named herald_trash_RANDOM, which a test's cleanup
//     made by renaming the test's database once its connections were closed;
//   - beside it, once a process, a goroutine drops the templates and
//     spares of other migrations that no test process has used for a day
//     (dropOldSets), and the tests' own databases left by processes that
//     were killed (dropAbandoned, abandoned.go).
//
// What the helper has not done when the process exits is left on the
// server: spares serve the next test process of the same migrations, and
// the next process drops the trash (of any process: a database is renamed
// to trash only once nobody is connected to it). At most maxTrash databases
// of a process wait to be dropped; beyond that cleanups drop their own.
const (
	maxSpares   = 2
	maxTrash    = 4
	trashPrefix = "herald_trash_"
)

var (
	helperOnce   sync.Once
	helperKick   = make(chan struct{}, 1)
	trashWaiting atomic.Int64
)

// spareLike is the LIKE pattern of tpl's spares (_ matches any character
// unless escaped).
func spareLike(tpl string) string { return strings.ReplaceAll(tpl, "_", `\_`) + `\_s\_%` }

// takeSpare renames one of tpl's spares to name and reports whether it did.
func takeSpare(ctx context.Context, admin *sql.DB, tpl, name string) bool {
	rows, err := admin.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname LIMIT $2`, spareLike(tpl), maxSpares+2)
	if err != nil {
		return false
	}
	var spares []string
	for rows.Next() {
		var s string
		if rows.Scan(&s) == nil {
			spares = append(spares, s)
		}
	}
	rows.Close()
	for _, s := range spares {
		if _, err := admin.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, s, name)); err == nil {
			return true
		}
	}
	return false
}

// kickHelper starts the process's helper on first use and asks it to look
// for work.
func kickHelper(base, tpl string) {
	helperOnce.Do(func() {
		go helper(base, tpl)
		go dropOld(base, tpl)
	})
	select {
	case helperKick <- struct{}{}:
	default:
	}
}

func helper(base, tpl string) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return
	}
	defer admin.Close()
	for range helperKick {
		// Spares first: the next test waits for one; trash waits for nobody.
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			var n int
			err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_database WHERE datname LIKE $1`, spareLike(tpl)).Scan(&n)
			if err == nil && n < maxSpares {
				spare := tpl + "_s_" + randHex(8)
				_, err = admin.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, spare, tpl))
				if err == nil {
					_ = stamp(ctx, admin, spare)
				}
			}
			cancel()
			if err != nil || n+1 >= maxSpares {
				break
			}
		}
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			var trash string
			err := admin.QueryRowContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE $1 LIMIT 1`, strings.ReplaceAll(trashPrefix, "_", `\_`)+"%").Scan(&trash)
			if err == nil {
				_, err = admin.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, trash))
			}
			cancel()
			if err != nil {
				break
			}
			if trashWaiting.Load() > 0 {
				trashWaiting.Add(-1)
			}
		}
	}
}

// Postgres reports whether tests run on PostgreSQL.
func Postgres() bool { return os.Getenv(EnvURL) != "" }

var (
	tplOnce sync.Once
	tplName string
	tplErr  error
)

// template returns the name of a migrated template database for the current
// migrations, creating it (once, under an advisory lock shared by concurrent
// test processes) when missing.
func template(ctx context.Context, base string) (string, error) {
	tplOnce.Do(func() { tplName, tplErr = buildTemplate(ctx, base) })
	return tplName, tplErr
}

// templateLock is the advisory lock (shared by every test process on the
// server, of any checkout) held while a template is looked for, built or
// marked as used, and while dropOldSets drops templates.
const templateLock = 727274

func buildTemplate(ctx context.Context, base string) (string, error) {
	ms, err := db.Migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d\x00%s\x00", m.Version, m.SQL[db.Postgres])
	}
	name := tplPrefix + hex.EncodeToString(h.Sum(nil))[:16]

	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, templateLock); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, templateLock)

	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		// Marked as used (once an hour at most), under the lock, so that
		// dropOldSets in another checkout's process sees it in use.
		if err := stampIfOlder(ctx, conn, name, restampAfter); err != nil {
			return "", err
		}
		return name, nil
	}
	// Build under a temporary name so a half-built template is never used.
	_, _ = conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s_b WITH (FORCE)`, name))
	building := name + "_b"
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s`, building)); err != nil {
		return "", err
	}
	d, err := db.Open(ctx, withDatabase(base, building), "")
	if err != nil {
		return "", err
	}
	_, err = d.Migrate(ctx)
	d.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, building, name)); err != nil {
		return "", err
	}
	if err := stamp(ctx, conn, name); err != nil {
		return "", err
	}
	return name, nil
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + strings.TrimPrefix(name, "/")
	return u.String()
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Empty returns a database without any table (PostgreSQL or SQLite, as New
// chooses), dropped when the test ends: for tests that apply migrations one
// by one over rows made before a migration.
func Empty(t testing.TB) *db.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := os.Getenv(EnvURL)
	if base == "" {
		d, err := db.Open(ctx, "", t.TempDir())
		if err != nil {
			t.Fatalf("dbtest: %v", err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	name, err := ownedName(ctx, base, "herald_e_")
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s`, name)); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	d, err := db.Open(ctx, withDatabase(base, name), "")
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() {
		d.Close()
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	return d
}

// Reopen opens a second handle on the database d (its own connections, as
// another Herald node on the same database has), closed when the test ends.
func Reopen(t testing.TB, d *db.DB) *db.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d2, err := db.Open(ctx, d.URL(), "")
	if err != nil {
		t.Fatalf("dbtest: reopen: %v", err)
	}
	t.Cleanup(func() { d2.Close() })
	return d2
}

// MigrateBelow applies to d, in its dialect, every migration older than
// version and records each as applied, so that a test can put rows in the
// schema as it was before a migration and then run d.Migrate to check
// what that migration does to them.
func MigrateBelow(t testing.TB, d *db.DB, version int) {
	t.Helper()
	ctx := context.Background()
	ms, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version >= version {
			break
		}
		err := d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL[d.Dialect()]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			t.Fatalf("migration %04d: %v", m.Version, err)
		}
	}
}

// Plan returns how d would run query with args, a line per step: the
// detail column of SQLite's EXPLAIN QUERY PLAN, or the lines of
// PostgreSQL's EXPLAIN. Tests that hold a statement to an index read it.
func Plan(t testing.TB, d *db.DB, query string, args ...any) []string {
	t.Helper()
	explain := "EXPLAIN QUERY PLAN "
	if d.Dialect() == db.Postgres {
		explain = "EXPLAIN "
	}
	rows, err := d.Query(context.Background(), explain+query, args...)
	lines, err := db.Collect(rows, err, func(r *sql.Rows) (string, error) {
		if d.Dialect() == db.Postgres {
			var line string
			return line, r.Scan(&line)
		}
		var id, parent, unused int
		var detail string
		return detail, r.Scan(&id, &parent, &unused, &detail)
	})
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	return lines
}

// Exec returns a function that runs a statement on d and fails t (from
// the caller's line) when it fails: for tests that seed rows by hand.
func Exec(t testing.TB, d *db.DB) func(q string, args ...any) {
	return func(q string, args ...any) {
		t.Helper()
		if _, err := d.Exec(context.Background(), q, args...); err != nil {
			t.Fatal(err)
		}
	}
}
