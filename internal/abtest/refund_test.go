package abtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/abtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/publish"
)

// A test none of whose variants could be sent is treated as a failed mass
// send: the month's quota is as if it never happened, the winner is never
// sent, and the owner cannot send one. A test of which one variant failed
// and the others went out has been sent: its send of the quota stays
// spent, as a mass send that reached somebody's does.
func TestAFailedTestGivesTheQuotaBack(t *testing.T) {
	for _, typ := range []string{account.Subscription, account.Service} {
		t.Run(typ, func(t *testing.T) {
			failing := map[int64]bool{}
			restricted := false
			e := newEnvWith(t, func(ctx context.Context, accountID int64, feature string) error {
				if restricted {
					return errs.Forbiddenf("Mass sending is restricted.")
				}
				return nil
			}, publish.EngineOptions{BatchHook: func(ctx context.Context, j *publish.Job, batch int) error {
				if failing[j.ID] {
					return errs.Invalidf("The delivery failed.")
				}
				return nil
			}})
			a, _ := e.account(typ, 40)
			start := e.clock.Now()
			before := e.used(a, start)

			// An ordinary mass send that fails (here: mass sending was
			// restricted before it ran) gives its quota back.
			d := e.draft(a.ID)
			if _, err := e.pub.Send(e.ctx, a.ID, e.owner, d.ID, publish.SendOptions{Mode: publish.ModeMass}); err != nil {
				t.Fatal(err)
			}
			restricted = true
			e.runDue()
			restricted = false
			if got := e.used(a, start); got != before {
				t.Fatalf("a failed mass send left the quota at %d, want %d", got, before)
			}

			// A test whose variants all fail: the same.
			test, err := e.tests.Create(e.ctx, a.ID, e.owner, input(e.draft(a.ID).ID, true))
			if err != nil {
				t.Fatal(err)
			}
			if got := e.used(a, start); got != before+1 {
				t.Fatalf("quota %d after creating the test", got)
			}
			for _, v := range test.Variants {
				failing[v.JobID] = true
			}
			e.runDue()
			if got := e.used(a, start); got != before {
				t.Errorf("the quota is %d after every variant failed, want %d", got, before)
			}
			test, err = e.tests.Test(e.ctx, a.ID, test.ID)
			if err != nil {
				t.Fatal(err)
			}
			if test.State != abtest.StateStopped || test.WinnerJobState != publish.JobCancelled {
				t.Errorf("test %s, roll-out %s: want stopped and cancelled", test.State, test.WinnerJobState)
			}
			e.clock.Advance(5 * time.Hour)
			e.runDue()
			if n := len(e.received(a)); n != 0 {
				t.Errorf("%d followers received something", n)
			}
			if _, err := e.tests.SendWinner(e.ctx, a.ID, test.ID, 0); errs.KindOf(err) != errs.KindConflict {
				t.Errorf("sending the winner of a stopped test: %v", err)
			}
			if got := e.used(a, start); got != before {
				t.Errorf("the quota is %d after the window, want %d", got, before)
			}
			// A job ending again (a second node's failure report) gives
			// nothing more back.
			if err := e.db.Tx(e.ctx, func(tx *db.Tx) error {
				return e.tests.Finished(e.ctx, tx, &publish.Job{ID: test.Variants[0].JobID, AccountID: a.ID, State: publish.JobFailed})
			}); err != nil {
				t.Fatal(err)
			}
			if got := e.used(a, start); got != before {
				t.Errorf("the quota is %d after a repeated end, want %d", got, before)
			}

			// One variant fails, the others go out: the test was sent.
			test, err = e.tests.Create(e.ctx, a.ID, e.owner, input(e.draft(a.ID).ID, true))
			if err != nil {
				t.Fatal(err)
			}
			failing[test.Variants[1].JobID] = true
			e.runDue()
			test, err = e.tests.Test(e.ctx, a.ID, test.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.used(a, e.clock.Now()); got != before+1 {
				t.Errorf("the quota is %d after one variant of three failed, want %d", got, before+1)
			}
			if test.State != abtest.StateTesting || test.Variants[1].JobState != publish.JobFailed || test.Variants[0].JobState != publish.JobDone {
				t.Errorf("test %s, variant B %s, A %s", test.State, test.Variants[1].JobState, test.Variants[0].JobState)
			}
		})
	}
}

// A variant that reached nobody cannot win, and its sample is sent the
// winner with the rest of the audience: every follower in the audience
// still gets exactly one variant.
func TestAFailedVariantsSampleGetsTheWinner(t *testing.T) {
	for _, typ := range []string{account.Subscription, account.Service} {
		t.Run(typ, func(t *testing.T) {
			failing := map[int64]bool{}
			e := newEnvWith(t, nil, publish.EngineOptions{BatchHook: func(ctx context.Context, j *publish.Job, batch int) error {
				if failing[j.ID] {
					return errs.Invalidf("The delivery failed.")
				}
				return nil
			}})
			a, audience := e.account(typ, 60)
			test, err := e.tests.Create(e.ctx, a.ID, e.owner, input(e.draft(a.ID).ID, true))
			if err != nil {
				t.Fatal(err)
			}
			// Variant A fails; with no opens anywhere A would lead as the
			// first of equals.
			failing[test.Variants[0].JobID] = true
			e.runDue()
			if test, err = e.tests.Test(e.ctx, a.ID, test.ID); err != nil {
				t.Fatal(err)
			}
			if !test.Variants[0].Undelivered() || test.Variants[1].Undelivered() {
				t.Fatalf("variant A %s (sent %d), B %s", test.Variants[0].JobState, test.Variants[0].Sent, test.Variants[1].JobState)
			}
			if _, err := e.tests.SendWinner(e.ctx, a.ID, test.ID, 0); errs.KindOf(err) != errs.KindConflict {
				t.Errorf("choosing the variant that reached nobody: %v", err)
			}
			e.clock.Advance(5 * time.Hour)
			e.runDue()
			if test, err = e.tests.Test(e.ctx, a.ID, test.ID); err != nil {
				t.Fatal(err)
			}
			if test.State != abtest.StateDone || test.Winner != 1 {
				t.Fatalf("test %s with winner %d, want done with B (1)", test.State, test.Winner)
			}
			got := e.received(a)
			for _, p := range audience {
				if len(got[p]) != 1 {
					t.Errorf("follower %d received %d variants, want 1", p, len(got[p]))
				}
			}
			if len(got) != len(audience) {
				t.Errorf("%d followers received a variant, want %d", len(got), len(audience))
			}
		})
	}
}
