package db

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestRebindLeavesQuotedTextAndComments(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		{`SELECT '?' , ? FROM t`, `SELECT '?' , $1 FROM t`},
		{`SELECT 'it''s ?', ? FROM t`, `SELECT 'it''s ?', $1 FROM t`},
		{`SELECT "odd?name" FROM t WHERE x = ?`, `SELECT "odd?name" FROM t WHERE x = $1`},
		{"SELECT ? -- why?\nFROM t WHERE y = ?", "SELECT $1 -- why?\nFROM t WHERE y = $2"},
		{`SELECT ? /* what? */ , ?`, `SELECT $1 /* what? */ , $2`},
		{`SELECT 'unterminated ?`, `SELECT 'unterminated ?`},
		{`SELECT ? -- trailing?`, `SELECT $1 -- trailing?`},
	} {
		if got, _ := rebindPostgres(tc.in); got != tc.want {
			t.Errorf("rebind %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRebindCacheKeepsConstantsNotLongINLists(t *testing.T) {
	d := &DB{dialect: Postgres}
	d.rebind(`SELECT a FROM t WHERE b = ?`)
	for n := 1; n <= 300; n++ {
		q := `SELECT a FROM t WHERE b IN (?` + strings.Repeat(", ?", n-1) + `)`
		if got := d.rebind(q); !strings.HasSuffix(got, fmt.Sprintf("$%d)", n)) {
			t.Fatalf("IN list of %d: %s", n, got)
		}
	}
	if got := d.rebindCount.Load(); got != 1+maxCachedPlaceholders {
		t.Fatalf("%d queries cached, want the constant one and the IN lists of up to %d", got, maxCachedPlaceholders)
	}
	for i := 0; i < maxRebinds+10; i++ {
		d.rebind(fmt.Sprintf(`SELECT %d FROM t WHERE b = ?`, i))
	}
	if got := d.rebindCount.Load(); got != maxRebinds {
		t.Fatalf("%d queries cached, want at most %d", got, maxRebinds)
	}
}

func TestBusyByErrorCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		busy bool
	}{
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "40P01"}, true},
		{fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "40P01"}), true},
		{&pgconn.PgError{Code: "23505"}, false},
		{fmt.Errorf("database is locked, said a message"), false},
		{nil, false},
	} {
		if got := isBusy(tc.err); got != tc.busy {
			t.Errorf("isBusy(%v) = %v, want %v", tc.err, got, tc.busy)
		}
	}
	if !IsUniqueViolation(&pgconn.PgError{Code: "23505"}) || IsUniqueViolation(fmt.Errorf("UNIQUE constraint failed: people.username")) {
		t.Error("IsUniqueViolation does not go by the error code")
	}
}
