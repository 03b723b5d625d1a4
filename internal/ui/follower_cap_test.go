package ui_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/user"
)

// A Service account's fifth mass send of the month: the console's report
// and calendar show that the follower who had 4 was skipped.
func TestConsoleShowsFollowersSkippedAtTheMonthlyCap(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip(err)
	}
	s.Clock.Advance(time.Until(time.Date(2031, 3, 10, 10, 0, 0, 0, sh)) - time.Until(s.Clock.Now()))
	a, owner := pubOwner(t, s, "hana", "Harbour Bank", account.Service)
	cfg, _ := s.App.Settings.Get(ctx)
	cfg.ServiceMassSendsPerMonth = 6
	if err := s.App.Settings.Save(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	members, _ := s.App.Accounts.Members(ctx, a.ID)
	me := members[0].PersonID
	fan := s.CreatePerson(t, "mei", pubPW, user.RoleNone)
	if _, err := s.App.Follows.Follow(ctx, a.ID, fan.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		d, err := s.App.Publish.SaveDraft(ctx, a.ID, me, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: fmt.Sprint("Rates ", i), Body: "x"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Publish.Send(ctx, a.ID, me, d.ID, publish.SendOptions{Mode: publish.ModeMass}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.App.PublishEngine.RunDue(ctx); n != 1 || err != nil {
			t.Fatalf("engine ran %d jobs: %v", n, err)
		}
	}
	res := owner.Get(fmt.Sprintf("/mp/a/%d/publish", a.ID))
	if !res.Contains("1 total · 0 after filtering · 0 sent · errors: 0") || !res.Contains("1 skipped: they had their 4 mass sends this month") {
		t.Errorf("the fifth send's report:\n%s", res.Body)
	}
	res = owner.Get(fmt.Sprintf("/mp/a/%d/calendar?month=2031-03", a.ID))
	if !res.Contains(`data-testid="cal-atcap">1 missed it<`) {
		t.Errorf("the calendar:\n%s", res.Body)
	}
}
