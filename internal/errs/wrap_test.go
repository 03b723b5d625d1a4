package errs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/heraldoa/herald/internal/errs"
)

var errMissing = errs.NotFoundf("There is no such template.")

// op fails as it is told, with its context added on the way out.
func op(fail error) (err error) {
	defer errs.Wrap(&err, "store.Op(%d)", 7)
	return fail
}

func TestWrapSaysWhereAndKeepsDomainErrors(t *testing.T) {
	if err := op(nil); err != nil {
		t.Fatalf("success wrapped: %v", err)
	}
	err := op(context.DeadlineExceeded)
	if err.Error() != "store.Op(7): context deadline exceeded" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("machinery failure: %q", err)
	}
	if errs.KindOf(err) != errs.KindInternal {
		t.Fatalf("machinery failure of kind %v", errs.KindOf(err))
	}
	// Domain errors come out as they went in: the same value, kind and message.
	for _, in := range []error{errMissing, errs.Invalidf("Too long."), fmt.Errorf("context: %w", errs.Forbiddenf("No."))} {
		out := op(in)
		if out != in {
			t.Errorf("domain error %q came out as %q", in, out)
		}
		if errs.KindOf(out) != errs.KindOf(in) || errs.Message(out) != errs.Message(in) {
			t.Errorf("domain error %q lost its kind or message", in)
		}
	}
	if !errors.Is(op(errMissing), errs.NotFound) {
		t.Error("a wrapped not-found is not found")
	}
}
