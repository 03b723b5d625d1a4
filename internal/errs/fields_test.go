package errs_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/heraldoa/herald/internal/errs"
)

// coded is a refusal with a WeChat errcode around a domain error, as the
// domain packages make them.
type coded struct {
	code int
	err  error
}

func (c *coded) Error() string { return c.err.Error() }
func (c *coded) Unwrap() error { return c.err }
func (c *coded) WXCode() int   { return c.code }

func TestFieldsReportEveryErrorAndReadAsTheFirst(t *testing.T) {
	var none errs.Fields
	if none.Err() != nil {
		t.Fatal("no errors recorded, yet an error")
	}
	var one errs.Fields
	only := errs.FieldInvalid("name", "Enter a name.")
	one.Add(nil)
	one.Add(only)
	if one.Err() != only {
		t.Fatalf("one error comes back as %v", one.Err())
	}

	var fe errs.Fields
	fe.Add(&coded{40035, errs.FieldInvalid("title", "Give it a title.")})
	fe.Add(errs.FieldInvalid("content", "Add a keyword."))
	fe.Add(fmt.Errorf("checking the example: %w", errs.FieldInvalid("example", "Too long.")))
	err := fe.Err()
	if !fe.Has("content") || fe.Has("industry") {
		t.Error("Has does not say which fields failed")
	}
	// Callers that report one error see the first: message, kind, errcode.
	if errs.Message(err) != "Give it a title." || errs.KindOf(err) != errs.KindInvalid || !errors.Is(err, errs.Invalid) {
		t.Errorf("the list reads as %q (kind %v)", errs.Message(err), errs.KindOf(err))
	}
	var wx interface{ WXCode() int }
	if !errors.As(err, &wx) || wx.WXCode() != 40035 {
		t.Error("the first error's errcode is lost")
	}
	// A form gets them all, in order, with their fields.
	all := errs.All(err)
	var got []string
	for _, e := range all {
		got = append(got, e.Field+": "+e.Message)
	}
	if want := "[title: Give it a title. content: Add a keyword. example: Too long.]"; fmt.Sprint(got) != want {
		t.Errorf("All = %v, want %s", got, want)
	}
	if all := errs.All(only); len(all) != 1 || all[0] != only {
		t.Errorf("All of one error: %v", all)
	}
	if errs.All(errors.New("disk on fire")) != nil {
		t.Error("All of an internal error is not empty")
	}
}
