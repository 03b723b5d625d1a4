package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"net/url"
	"strconv"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/calendar"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/user"
)

func TestCalendarMonthShowsSendsAndQuota(t *testing.T) {
	t.Parallel()
	s, a, owner := lotusTea(t, account.Service)
	ctx := context.Background()
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

// calPin moves the app's clock to 08:00 Shanghai on the next 10th of a
// month, so the days the test schedules on (the 12th to the 16th) are in
// one month and ahead, whenever the test runs.
func calPin(t *testing.T, s *apptest.Server) time.Time {
	t.Helper()
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip(err)
	}
	now := s.Clock.Now().In(sh)
	pin := time.Date(now.Year(), now.Month(), 10, 8, 0, 0, 0, sh)
	if !pin.After(now) {
		pin = pin.AddDate(0, 1, 0)
	}
	s.Clock.Advance(pin.Sub(s.Clock.Now()))
	return pin
}

// Scheduling from the calendar: the plain form (what the drag and the
// keyboard fill in) schedules a mass send in the account's zone; quiet
// hours and followers at their monthly cap ask first, a full month and a
// restriction refuse with the reason, and nothing is scheduled until
// confirmed.
func TestCalendarScheduleChecksBeforeScheduling(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	st, err := s.App.Settings.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.ServiceMassSendsPerMonth = 6 // more than a follower may receive (4)
	if err := s.App.Settings.Save(ctx, st); err != nil {
		t.Fatal(err)
	}
	a, owner := pubOwner(t, s, "lin", "Lotus Tea House", account.Service)
	members, _ := s.App.Accounts.Members(ctx, a.ID)
	me := members[0].PersonID
	for _, name := range []string{"ann", "ben"} {
		p := s.CreatePerson(t, name, pubPW, user.RoleNone)
		if _, err := s.App.Follows.Follow(ctx, a.ID, p.ID, follow.SourceSearch, ""); err != nil {
			t.Fatal(err)
		}
	}
	pin := calPin(t, s)
	loc := a.Location()
	base := fmt.Sprintf("/mp/a/%d/calendar", a.ID)
	draft := func(title string) string {
		t.Helper()
		d, err := s.App.Publish.SaveDraft(ctx, a.ID, me, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: title, Body: "x"}}})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(d.ID)
	}
	scheduled := func() []string {
		t.Helper()
		entries, _, _, err := calendar.NewStore(s.App.DB, s.App.Settings).Month(ctx, a, pin)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Title+" "+e.At.In(loc).Format("02 15:04"))
		}
		return out
	}
	day := func(d int) string { return pin.AddDate(0, 0, d-10).Format("2006-01-02") }
	form := func(draftID string, d int, at string) url.Values {
		return url.Values{"draft": {draftID}, "date": {day(d)}, "time": {at}, "target": {"all"}, "month": {pin.Format("2006-01")}}
	}

	// Quiet hours 22:00–08:00 in the account's zone.
	res := owner.PostForm(base+"/quiet", url.Values{"quiet_from": {"22:00"}, "quiet_to": {"08:00"}})
	if res.Status != 303 {
		t.Fatalf("quiet hours: %d %s", res.Status, res.Body)
	}
	if res = owner.Get(base); !res.Contains("Quiet hours: 22:00–08:00") {
		t.Fatalf("the calendar does not show the quiet hours:\n%s", res.Body)
	}

	// 23:00 on the 12th is in the quiet hours: the server asks and
	// schedules nothing yet.
	late := draft("Late tea")
	res = owner.PostForm(base+"/schedule", form(late, 12, "23:00"))
	if res.Status != 200 || !res.Contains(`data-testid="cal-warnings"`) || !res.Contains("inside the account") || !res.Contains("22:00–08:00") {
		t.Fatalf("quiet hours warning: %d\n%s", res.Status, res.Body)
	}
	if got := scheduled(); len(got) != 0 {
		t.Fatalf("scheduled before confirming: %v", got)
	}
	f := form(late, 12, "23:00")
	f.Set("confirmed", "1")
	res = owner.PostForm(base+"/schedule", f)
	if res.Status != 303 || res.Location != base+"?month="+pin.Format("2006-01") {
		t.Fatalf("confirmed: %d %q %s", res.Status, res.Location, res.Body)
	}
	if got := scheduled(); len(got) != 1 || got[0] != "Late tea 12 23:00" {
		t.Fatalf("scheduled %v, want Late tea at 23:00 on the 12th in Shanghai", got)
	}
	if res = owner.Get(res.Location); !res.Contains("Scheduled “Late tea” for") || !res.Contains("23:00 (Asia/Shanghai)") {
		t.Errorf("the calendar after scheduling:\n%s", res.Body)
	}

	// Daytime sends with nothing to accept are scheduled at once: four
	// sends to everyone in the month.
	for i, title := range []string{"Morning", "Noon", "Evening"} {
		res = owner.PostForm(base+"/schedule", form(draft(title), 13+i, "10:00"))
		if res.Status != 303 {
			t.Fatalf("%s: %d %s", title, res.Status, res.Body)
		}
	}
	// The fifth reaches followers who will already have had 4: it asks.
	fifth := draft("Fifth")
	res = owner.PostForm(base+"/schedule", form(fifth, 16, "10:00"))
	if res.Status != 200 || !res.Contains("2 of its recipients (2 in all) will already have had 4 mass sends") {
		t.Fatalf("per-follower cap warning: %d\n%s", res.Status, res.Body)
	}
	f = form(fifth, 16, "10:00")
	f.Set("confirmed", "1")
	if res = owner.PostForm(base+"/schedule", f); res.Status != 303 {
		t.Fatalf("fifth confirmed: %d %s", res.Status, res.Body)
	}
	sixth := draft("Sixth")
	f = form(sixth, 16, "11:00")
	f.Set("confirmed", "1")
	if res = owner.PostForm(base+"/schedule", f); res.Status != 303 {
		t.Fatalf("sixth: %d %s", res.Status, res.Body)
	}
	// The seventh is past the month's quota of 6: refused with the reason,
	// however confirmed, and the calendar shows it over the form.
	seventh := draft("Seventh")
	f = form(seventh, 14, "09:00")
	f.Set("confirmed", "1")
	res = owner.PostForm(base+"/schedule", f)
	if res.Status != 429 || !res.Contains("No mass sends left for "+pin.Format("January 2006")) || !res.Contains(`data-testid="cal-grid"`) {
		t.Fatalf("over the quota: %d\n%s", res.Status, res.Body)
	}
	if got := scheduled(); len(got) != 6 {
		t.Fatalf("scheduled %v", got)
	}

	// 00:30 on the 1st of next month in Shanghai is the previous evening in
	// UTC, but it is next month's send: it fits next month's quota, and
	// the calendar shows it there, not in this month.
	next := time.Date(pin.Year(), pin.Month()+1, 1, 0, 30, 0, 0, loc)
	f = url.Values{"draft": {seventh}, "date": {next.Format("2006-01-02")}, "time": {"00:30"}, "target": {"all"}, "confirmed": {"1"}}
	if res = owner.PostForm(base+"/schedule", f); res.Status != 303 || res.Location != base+"?month="+next.Format("2006-01") {
		t.Fatalf("the 1st at 00:30: %d %q %s", res.Status, res.Location, res.Body)
	}
	if res = owner.Get(res.Location); !res.Contains(`00:30</span> <span translate="no">Seventh</span>`) || !res.Contains("<strong>5</strong> of 6 mass sends left") {
		t.Errorf("next month:\n%s", res.Body)
	}
	if res = owner.Get(base + "?month=" + pin.Format("2006-01")); res.Contains("Seventh") || !res.Contains("<strong>0</strong> of 6") {
		t.Errorf("this month shows the 1st's send:\n%s", res.Body)
	}
	seventh = draft("Eighth")

	// Mistakes in the form are shown on their fields.
	res = owner.PostForm(base+"/schedule", url.Values{"draft": {seventh}, "date": {day(14)}, "time": {""}})
	if res.Status != 422 || !res.Contains("Choose a day and a time of day") {
		t.Errorf("no time: %d\n%s", res.Status, res.Body)
	}

	// A restriction of mass sends for 3 days (to 08:00 on the 13th)
	// refuses scheduling a send inside it, and the calendar says so and
	// marks the scheduled send it will refuse (the 12th's, in the grid and
	// in the week list); a send after it ends may be scheduled, from the
	// calendar and through publish.Store.Send.
	rv := s.CreatePerson(t, "rui", pubPW, user.RoleReviewer)
	if _, err := s.App.Review.ApplyPenalty(ctx, rv, review.NewPenalty{AccountID: a.ID, Kind: review.Restrict, Feature: review.FeatureMassSend,
		Days: 3, Rule: "Spam", Evidence: "Forty identical sends."}); err != nil {
		t.Fatal(err)
	}
	res = owner.PostForm(base+"/schedule", form(seventh, 12, "10:00"))
	if res.Status != 403 || !res.Contains("Mass sends are restricted until "+pin.AddDate(0, 0, 3).Format("2 Jan 2006 15:04")+" (Asia/Shanghai)") {
		t.Errorf("restricted: %d\n%s", res.Status, res.Body)
	}
	end := pin.AddDate(0, 0, 3)
	if _, err := s.App.Publish.Send(ctx, a.ID, me, mustInt(t, seventh), publish.SendOptions{Mode: publish.ModeMass, At: end.Add(-time.Minute)}); errs.KindOf(err) != errs.KindForbidden {
		t.Errorf("a send a minute before the restriction ends: %v", err)
	}
	f = url.Values{"draft": {seventh}, "date": {next.AddDate(0, 0, 1).Format("2006-01-02")}, "time": {"10:00"}, "target": {"all"}, "confirmed": {"1"}}
	if res = owner.PostForm(base+"/schedule", f); res.Status != 303 {
		t.Errorf("a send after the restriction, from the calendar: %d\n%s", res.Status, res.Body)
	}
	ninth := draft("Ninth")
	if _, err := s.App.Publish.Send(ctx, a.ID, me, mustInt(t, ninth), publish.SendOptions{Mode: publish.ModeMass, At: end.Add(time.Minute)}); err == nil || errs.KindOf(err) == errs.KindForbidden {
		t.Errorf("a send a minute after the restriction ends is refused for the restriction (want only the full month): %v", err)
	}
	if _, err := s.App.Publish.Send(ctx, a.ID, me, mustInt(t, ninth), publish.SendOptions{Mode: publish.ModeMass, At: next.AddDate(0, 0, 2)}); err != nil {
		t.Errorf("a send after the restriction: %v", err)
	}
	res = owner.Get(base + "?month=" + pin.Format("2006-01"))
	if !res.Contains(`data-testid="cal-penalty"`) || strings.Count(res.Body, `data-testid="cal-refused"`) != 2 {
		t.Errorf("the calendar under a restriction: %d refused marks\n%s", strings.Count(res.Body, `data-testid="cal-refused"`), res.Body)
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
