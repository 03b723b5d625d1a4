package review

import (
	"reflect"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/errs"
)

// A detail stored as a phrase reads back as the same phrase, its typed
// values too; prose (an entry written before phrases) is not a phrase.
func TestAuditDetailKeepsItsPhrase(t *testing.T) {
	end := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	p := phrase("%s (%d days)", phrase("%s ended at %s.", kindText(Restrict, FeatureMassSend), errs.Moment(end)), int64(7))
	p = phrase("%s Note: %s %s", p, errs.Content("a note"), errs.Quote("a rule"))
	got, ok := decodeDetail(encodeDetail(p))
	if !ok || !reflect.DeepEqual(got, p) {
		t.Fatalf("decoded %#v, %v; want %#v", got, ok, p)
	}
	if got.String() != "Restricted: mass send ended at 2026-12-06 07:00 UTC. (7 days) Note: a note “a rule”" {
		t.Errorf("in English: %q", got.String())
	}
	for _, prose := range []string{"round 2", `{"not":"a phrase"}`, `{"phrase":`, ""} {
		if _, ok := decodeDetail(prose); ok {
			t.Errorf("%q read as a phrase", prose)
		}
	}
	if encodeDetail(typedNote("  ")) != "" {
		t.Error("an empty note is stored as a detail")
	}
}
