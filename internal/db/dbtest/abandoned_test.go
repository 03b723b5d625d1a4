package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db"
)

// dropAbandoned drops the databases of test processes that are gone (their
// owner lock is free; older names: stamped over an hour ago and nobody
// connected) and keeps those of live processes, this one's, ones it has
// just seen for the first time, and names not dbtest's, whether or not
// anyone is connected to them.
func TestDropAbandoned(t *testing.T) {
	if !Postgres() {
		t.Skip("PostgreSQL test databases; SQLite's are temporary directories")
	}
	mine := New(t)
	ctx := context.Background()
	base := os.Getenv(EnvURL)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var made []string
	t.Cleanup(func() {
		for _, name := range made {
			_, _ = admin.ExecContext(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
		}
	})
	mk := func(name string) string {
		t.Helper()
		if _, err := admin.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s`, name)); err != nil {
			t.Fatal(err)
		}
		made = append(made, name)
		return name
	}
	now, err := serverNow(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	// Another live process: its owner lock held on a session of its own,
	// its database with nobody connected (its pool idle).
	other, err := admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var live int32
	for {
		live = int32(time.Now().UnixNano() & 0x7fffffff)
		var ok bool
		if err := other.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, $2)`, ownerLockSpace, live).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
	}
	// A process that died: an owner id whose lock nobody holds (taken
	// and let go here).
	dead := live ^ 0x5a5a5a5
	var free bool
	if err := admin.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, $2) AND pg_advisory_unlock($1, $2)`, ownerLockSpace, dead).Scan(&free); err != nil || !free {
		t.Fatalf("the owner lock %d is held: %v", dead, err)
	}
	hexID := func(id int32) string { return fmt.Sprintf("%08x", uint32(id)) }
	gone := []string{
		mk("herald_t_" + hexID(dead) + "_" + randHex(8)),
		mk("herald_e_" + hexID(dead) + "_" + randHex(8)),
		mk("herald_t_" + randHex(8)), // an older name, stamped two hours ago
	}
	oldConnected := mk("herald_e_" + randHex(8)) // the same, someone connected
	oldYoung := mk("herald_t_" + randHex(8))     // stamped ten minutes ago
	oldUnseen := mk("herald_e_" + randHex(8))    // not stamped yet
	kept := []string{
		mk("herald_t_" + hexID(live) + "_" + randHex(8)),
		mk("herald_e_" + hexID(live) + "_" + randHex(8)),
		oldConnected, oldYoung, oldUnseen,
		mk("herald_t_not_ours"),
	}
	exists := func(name string) bool {
		var n int
		if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	// Stamped again before each call below: another process starting now
	// may stamp as first seen a database it saw before it was stamped here.
	age := func() {
		t.Helper()
		for name, age := range map[string]time.Duration{gone[2]: 2 * time.Hour, oldConnected: 2 * time.Hour, oldYoung: 10 * time.Minute} {
			if err := stampAt(ctx, admin, name, now-int64(age/time.Second)); err != nil && exists(name) {
				t.Fatal(err)
			}
		}
	}
	conn, err := db.Open(ctx, withDatabase(base, oldConnected), "")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(ctx, `SELECT 1`); err != nil {
		t.Fatal(err)
	}
	self, err := owner(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	// This process's databases are named after its owner id, whose lock
	// it holds (another session cannot take it).
	u, err := url.Parse(mine.URL())
	if err != nil {
		t.Fatal(err)
	}
	if who, ok := parseTestName(strings.TrimPrefix(u.Path, "/")); !ok || who != self {
		t.Errorf("this test's database %s is not named after the process's owner id %s", u.Path, self)
	}
	id, err := strconv.ParseUint(self, 16, 32)
	if err != nil {
		t.Fatal(err)
	}
	var selfFree bool
	if err := other.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, $2)`, ownerLockSpace, int32(uint32(id))).Scan(&selfFree); err != nil || selfFree {
		t.Errorf("this process's owner lock %s is free (%v)", self, err)
	}
	// Another test process starting now may be dropping the dead owner's
	// databases (holding its lock, which this call then finds taken): a
	// few more calls, until none is left or it is clear they stay.
	for range 20 {
		age()
		_ = dropAbandoned(ctx, admin, self) // errors: the connected database's drop
		if !slices.ContainsFunc(gone, exists) {
			break
		}
		time.Sleep(100 * time.Millisecond)
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
	if _, err := mine.Exec(ctx, `SELECT 1`); err != nil {
		t.Errorf("this test's own database: %v", err)
	}
	var comment string
	if err := admin.QueryRowContext(ctx, `SELECT COALESCE(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = $1`, oldUnseen).Scan(&comment); err != nil {
		t.Fatal(err)
	}
	if at, ok := stamped(comment); !ok || at < now {
		t.Errorf("a test database seen for the first time has the comment %q, want a stamp of now", comment)
	}
}

func TestParseTestName(t *testing.T) {
	for name, want := range map[string]string{
		"herald_t_0123456789abcdef":          "",
		"herald_e_0a1b2c3d_0123456789abcdef": "0a1b2c3d",
		"herald_t_0a1b2c3d_0123456789abcdef": "0a1b2c3d",
	} {
		if got, ok := parseTestName(name); !ok || got != want {
			t.Errorf("%s: owner %q %v, want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"herald_t_not_ours", "herald_tpl_0123456789abcdef", "herald_t_0123456789ABCDEF", "herald_trash_0123456789abcdef",
		"herald_t_0a1b2c3d_0123456789abcde", "herald_x_0123456789abcdef"} {
		if _, ok := parseTestName(name); ok {
			t.Errorf("%s read as a test database's name", name)
		}
	}
}
