package portability_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/portability"
)

// A refused archive reads as it did (the file and line at fault, nothing
// before it); a failure of the database names the operation and its ids.
func TestErrorsNameTheOperation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	junk := strings.NewReader("not a zip")
	_, err := portability.Import(ctx, d, nil, 42, junk, junk.Size(), portability.ImportOptions{})
	var ae *portability.ArchiveError
	if !errors.As(err, &ae) || !strings.HasPrefix(err.Error(), "archive: not a zip file") {
		t.Errorf("a refused archive: %q", err)
	}
	exports := &portability.Exports{DB: d}
	if _, err := exports.Get(ctx, 42, 7); !errors.Is(err, errs.NotFound) || strings.HasPrefix(err.Error(), "portability.") {
		t.Errorf("a missing export: %q", err)
	}

	d.Close()
	_, err = portability.ImportFollowerCSV(ctx, d, 42, strings.NewReader("openid,remark\no1,x\n"), true)
	if err == nil || !strings.HasPrefix(err.Error(), "portability.ImportFollowerCSV(42): ") {
		t.Errorf("follower CSV on a closed database: %q", err)
	}
	if _, err := exports.List(ctx, 42, 5); err == nil || !strings.HasPrefix(err.Error(), "portability.Exports.List(42, 5): ") {
		t.Errorf("exports on a closed database: %q", err)
	}
	moves := &portability.Moves{DB: d, Clock: clock.Real{}}
	if err := moves.OptOut(ctx, 9, 42); err == nil || !strings.HasPrefix(err.Error(), "portability.Moves.OptOut(9, 42): ") {
		t.Errorf("opt-out on a closed database: %q", err)
	}
}
