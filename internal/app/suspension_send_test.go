package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/user"
)

// TestSendScheduledAfterSuspension: a suspended account cannot publish
// now, nor schedule a send while the suspension lasts, but may schedule
// one for after it ends; that send then runs at its time, even before the
// background sweep has made the account active again.
func TestSendScheduledAfterSuspension(t *testing.T) {
	h := heraldtest.New(t)
	s := h.Internal()
	ctx := context.Background()
	a := h.Service
	owner := s.CreatePerson(t, "olga", "correct horse battery", user.RoleNone)
	rv := s.CreatePerson(t, "rui", "correct horse battery", user.RoleReviewer)
	draft := func(title string) int64 {
		p, err := s.App.Publish.SaveDraft(ctx, a.ID, 0, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: title, Body: "About " + title + "."}}})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	first := draft("Reopening") // written before the suspension
	if _, err := s.App.Review.ApplyPenalty(ctx, rv, review.NewPenalty{AccountID: a.ID, Kind: review.Suspend, Days: 3,
		Rule: "Fraud", Evidence: "Asked followers for deposits."}); err != nil {
		t.Fatal(err)
	}
	end := s.Clock.Now().AddDate(0, 0, 3)
	if _, err := s.App.Publish.Send(ctx, a.ID, owner.ID, first, publish.SendOptions{}); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("publishing now while suspended: %v", err)
	}
	if _, err := s.App.Publish.Send(ctx, a.ID, owner.ID, first, publish.SendOptions{At: end.Add(-time.Minute)}); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("scheduling a minute before the suspension ends: %v", err)
	}
	j, err := s.App.Publish.Send(ctx, a.ID, owner.ID, first, publish.SendOptions{At: end.Add(time.Hour)})
	if err != nil {
		t.Fatalf("scheduling an hour after the suspension ends: %v", err)
	}
	if j.State != publish.JobScheduled {
		t.Fatalf("job state %q, want scheduled", j.State)
	}
	h.Advance(end.Add(time.Hour + time.Minute).Sub(s.Clock.Now()))
	if n := h.RunJobs(); n != 1 {
		t.Fatalf("%d jobs ran at the scheduled time, want 1", n)
	}
	if j, err = s.App.Publish.Job(ctx, a.ID, j.ID); err != nil || j.State != publish.JobDone {
		t.Fatalf("the scheduled send after the suspension: %+v, %v", j, err)
	}
	if p, err := s.App.Publish.Publication(ctx, a.ID, first); err != nil || p.State != publish.StatePublished {
		t.Fatalf("the publication after its send: %+v, %v", p, err)
	}
}
