//go:build emulator

package db

import (
	"context"
	"errors"
	"testing"
)

// The emulator's build refuses a PostgreSQL URL with a sentence saying why,
// rather than database/sql's "unknown driver".
func TestEmulatorBuildRefusesPostgres(t *testing.T) {
	d, err := Open(context.Background(), "postgres://postgres@127.0.0.1:5432/postgres", t.TempDir())
	if !errors.Is(err, errNoPostgres) {
		if d != nil {
			d.Close()
		}
		t.Fatalf("Open(postgres://...) = %v, want the no-PostgreSQL error", err)
	}
}
