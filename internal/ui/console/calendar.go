package console

import (
	"fmt"
	"net/http"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/calendar"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/ui/core"
)

// The publishing calendar: a month of mass sends (sent and scheduled) in
// the account's time zone with the month's quota after them and, for
// Service accounts, how many followers would miss each send because they
// already had their 4 that month; the unscheduled drafts beside it. A
// month grid on wide screens, a list of weeks on phones. See
// docs/publishing.md (The calendar's quota arithmetic).

func (u *UI) registerCalendar(h core.Route) {
	if u.Publish == nil {
		return
	}
	h("GET /mp/a/{account}/calendar", u.calendarPage)
	u.AddNav(core.NavItem{Label: "Calendar", Path: "calendar", Action: account.ActPublish, Order: 24})
}

type calDay struct {
	Date    time.Time
	InMonth bool
	Today   bool
	Entries []calendar.Entry
}

type calendarData struct {
	Month     *calendar.Month
	Rules     calendar.Rules
	Title     string // "December 2026"
	Zone      string
	Prev      string // month keys
	Next      string
	Weeks     [][]calDay
	Entries   []calendar.Entry
	Drafts    []*publish.Publication
	IsService bool
}

func (u *UI) calendarPage(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActPublish)
	if err != nil {
		return err
	}
	a := c.Account
	loc := a.Location()
	now := u.Clock.Now().In(loc)
	at := now
	if m := r.URL.Query().Get("month"); m != "" {
		t, err := time.ParseInLocation("2006-01", m, loc)
		if err == nil && t.Year() >= 2000 && t.Year() < 3000 {
			at = t
		}
	}
	store := calendar.NewStore(u.Publish.DB(), u.Settings)
	entries, month, rules, err := store.Month(r.Context(), a, at)
	if err != nil {
		return err
	}
	d := &calendarData{Month: month, Rules: rules, Entries: entries, Zone: loc.String(), IsService: a.IsService(),
		Title: month.Start.Format("January 2006"), Prev: month.Start.AddDate(0, -1, 0).Format("2006-01"), Next: month.End.Format("2006-01")}
	// Weeks from the Monday on or before the 1st to the Sunday on or after
	// the last day.
	first := month.Start
	start := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
	byDay := map[string][]calendar.Entry{}
	for _, e := range entries {
		k := e.At.In(loc).Format("2006-01-02")
		byDay[k] = append(byDay[k], e)
	}
	for day := start; day.Before(month.End); {
		var week []calDay
		for i := 0; i < 7; i++ {
			k := day.Format("2006-01-02")
			week = append(week, calDay{Date: day, InMonth: !day.Before(month.Start) && day.Before(month.End), Today: k == now.Format("2006-01-02"), Entries: byDay[k]})
			day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
		}
		d.Weeks = append(d.Weeks, week)
	}
	if d.Drafts, err = u.Publish.List(r.Context(), a.ID, []string{publish.StateDraft}, 0, 20); err != nil {
		return err
	}
	p := u.NewPage(w, r, fmt.Sprintf("Calendar · %s", d.Title), d)
	p.Console = c
	return u.Render(w, r, http.StatusOK, "mp/calendar", p)
}
