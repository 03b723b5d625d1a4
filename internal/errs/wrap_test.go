package errs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/wxclient"
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

// A store's failures, as a log shows them: the operation and its ids first,
// then the cause; and every test a caller makes of the cause still holds.
func TestWrappedStoreErrorsSayWhereAndKeepWhatTheyAre(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	follows := follow.NewStore(d, clock.Real{})

	// A missing row is a domain error: it comes out as it went in.
	_, err := follows.Get(ctx, 12, 34)
	if !errors.Is(err, errs.NotFound) || errs.KindOf(err) != errs.KindNotFound || strings.Contains(err.Error(), "follow.Store") {
		t.Errorf("missing follow: %q (kind %v)", err, errs.KindOf(err))
	}

	// A duplicate key names the operation and is still a unique violation.
	insert := func(key string) (err error) {
		defer errs.Wrap(&err, "settings.Store.Insert(%q)", key)
		_, err = d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)`, key, "v", 1)
		return err
	}
	if err := insert("site"); err != nil {
		t.Fatal(err)
	}
	err = insert("site")
	if !db.IsUniqueViolation(err) || !strings.HasPrefix(err.Error(), `settings.Store.Insert("site"): `) {
		t.Errorf("duplicate key: %q (unique violation: %v)", err, db.IsUniqueViolation(err))
	}
	if errs.KindOf(err) != errs.KindInternal || errs.Message(err) != errs.Message(errors.New("any")) {
		t.Errorf("a database failure shows %q (kind %v), not the generic message", errs.Message(err), errs.KindOf(err))
	}

	// A cancelled request: the context error is still there.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = follows.Follow(cancelled, 12, 34, follow.SourceSearch, "")
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "follow.Store.Follow(12, 34): ") {
		t.Errorf("cancelled follow: %q", err)
	}

	// An upstream WeChat errcode is still found by errors.As; a domain
	// refusal with an errcode comes out as it went in.
	upstream := func() (err error) {
		defer errs.Wrap(&err, "portability.Import(%d)", 12)
		return &wxclient.APIError{Path: "/cgi-bin/menu/get", Code: 46003, Message: "menu no exist"}
	}
	var ae *wxclient.APIError
	if err := upstream(); !errors.As(err, &ae) || ae.Code != 46003 || wxclient.Code(err) != 46003 ||
		err.Error() != "portability.Import(12): /cgi-bin/menu/get: errcode 46003: menu no exist" {
		t.Errorf("upstream errcode: %q", err)
	}
	refusal := &coded{40035, errs.Invalidf("Too long.")}
	var wx interface{ WXCode() int }
	if err := op(refusal); err != error(refusal) || !errors.As(err, &wx) || wx.WXCode() != 40035 {
		t.Errorf("coded refusal came out as %q", err)
	}

	// The database gone: the log line says which call failed, and why.
	d.Close()
	_, err = follows.Follow(ctx, 12, 34, follow.SourceSearch, "")
	if err == nil || !strings.HasPrefix(err.Error(), "follow.Store.Follow(12, 34): ") || !strings.Contains(err.Error(), "sql: database is closed") {
		t.Errorf("closed database: %q", err)
	}
}
