package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/publish"
)

func TestCalendarMonthShowsSendsAndQuota(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	a, owner := pubOwner(t, s, "lin", "Lotus Tea House", account.Service)
	members, _ := s.App.Accounts.Members(ctx, a.ID)
	me := members[0].PersonID
	now := s.Clock.Now()
	loc := a.Location()
	at := now.Add(10 * time.Minute)
	if at.In(loc).Month() != now.In(loc).Month() {
		t.Skip("too close to the end of the month")
	}
	d, err := s.App.Publish.SaveDraft(ctx, a.ID, me, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Winter rates", Body: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Publish.Send(ctx, a.ID, me, d.ID, publish.SendOptions{Mode: publish.ModeMass, At: at}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Publish.SaveDraft(ctx, a.ID, me, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Spring plans", Body: "x"}}}); err != nil {
		t.Fatal(err)
	}
	res := owner.Get(fmt.Sprintf("/mp/a/%d/calendar", a.ID))
	if res.Status != 200 || strings.Count(res.Body, "Winter rates") != 2 || !res.Contains("<strong>3</strong> of 4 mass sends left") ||
		!res.Contains(">Scheduled<") || !res.Contains("Spring plans") || !res.Contains(now.In(loc).Format("January 2006")) {
		t.Fatalf("calendar: %d\n%s", res.Status, res.Body)
	}
	prev := now.In(loc).AddDate(0, 0, -now.In(loc).Day()).Format("2006-01")
	res = owner.Get(fmt.Sprintf("/mp/a/%d/calendar?month=%s", a.ID, prev))
	if res.Status != 200 || res.Contains("Winter rates") || !res.Contains("<strong>4</strong> of 4") {
		t.Errorf("previous month: %d", res.Status)
	}
}
