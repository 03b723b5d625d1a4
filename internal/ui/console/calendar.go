package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/calendar"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// The publishing calendar: a month of mass sends (sent and scheduled) in
// the account's time zone with the month's quota after them and, for
// Service accounts, how many followers would miss each send because they
// already had their 4 that month; the unscheduled drafts beside it. A
// month grid on wide screens, a list of weeks on phones.
//
// A draft is scheduled by dropping it on a day (calendar.js: HTML5 drag
// and drop with a mouse, pointer events with a finger), by picking a day
// with the keyboard, or with the plain form under the drafts; all of them
// post the same form to calendar/schedule. The server weighs the send with
// calendar.Check (the month's quota after the scheduled sends, followers
// at their monthly cap, the account's quiet hours) and any restriction in
// force, and asks before scheduling when there is something to accept.
// See docs/publishing.md (The publishing calendar).

func (u *UI) registerCalendar(h core.Route) {
	if u.Publish == nil {
		return
	}
	view := core.View{Title: "Calendar", Template: "mp/calendar", Load: u.calendarLoad}
	h("GET /mp/a/{account}/calendar", u.Get(u.Member(account.ActPublish), view))
	h("POST /mp/a/{account}/calendar/schedule", core.Post(u.UI, u.Member(account.ActMassSend),
		core.Form[*calSchedule]{View: view, Parse: u.calScheduleParse, Ask: u.calScheduleAsk, Do: u.calScheduleDo}))
	h("POST /mp/a/{account}/calendar/quiet", core.Post(u.UI, u.Member(account.ActMassSend),
		core.Form[core.None]{View: view, Do: u.calQuietHours}))
	u.AddNav(core.NavItem{Label: "Calendar", Path: "calendar", Action: account.ActPublish, Order: 24})
}

type calDay struct {
	Date       time.Time
	Key        string // 2026-12-14
	Label      string // the day as the schedule picker names it: "Mon 14 Dec", "12月14日 周一"
	Day        string // the day in the list of weeks: "Mon 14", "12月14日 周一"
	Short      string // "14 Dec", "12月14日"
	InMonth    bool
	Today      bool
	Past       bool // before today: nothing can be scheduled on it
	Restricted bool // a restriction in force covers the whole day
	Entries    []calEntry
}

type calEntry struct {
	calendar.Entry
	Local   time.Time // At in the account's zone
	Refused bool      // scheduled inside a restriction: it will be refused when it is due
}

type calendarData struct {
	Month           *calendar.Month
	Rules           calendar.Rules
	Title           string   // "December 2026"
	WeekdayNames    []string // Monday to Sunday, short, in the viewer's language
	Zone            string
	Key             string // this month, 2026-12
	Prev            string // month keys
	Next            string
	Today           string // 2026-12-05 in the account's zone
	Weeks           [][]calDay
	Entries         []calendar.Entry
	Drafts          []*publish.Publication
	Tags            []tagOption
	IsService       bool
	CanSend         bool // the member may mass-send (schedule)
	Quiet           calendar.QuietHours
	QuietFrom       string // the quiet hours form's values
	QuietTo         string
	Penalty         string    // the restriction in force that refuses sends, in the account's zone
	PenaltyEnd      time.Time // zero: permanent
	PenaltyRule     string    // the rule broken, as the reviewer wrote it
	PenaltyRuleLang string
	Date, Time      string // the schedule form's defaults
	loc             *time.Location
	l               *i18n.Locale
}

// Local is t in the account's zone, as "2 Jan 2006 15:04" (in Chinese
// "2026年1月2日 15:04").
func (d *calendarData) Local(t time.Time) string {
	return calWhen(d.l, t, d.loc, "2 Jan 2006 15:04", "datetime")
}

// calWhen writes t in the account's zone: English pages in the calendar's
// own layout, others in the language's format of that kind.
func calWhen(l *i18n.Locale, t time.Time, loc *time.Location, layout, kind string) string {
	if l == nil || !l.Chinese() {
		return calLocal(t, loc, layout)
	}
	return l.Format(t, loc, kind)
}

// calWeekdays are the short names of the days, Monday first.
var calWeekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// calWeekday is the short name of t's day in l's language.
func calWeekday(l *i18n.Locale, t time.Time) string {
	return l.Text(calWeekdays[(int(t.Weekday())+6)%7])
}

// calLocal formats t in the account's zone.
func calLocal(t time.Time, loc *time.Location, layout string) string { return t.In(loc).Format(layout) }

// calRestriction returns the penalty in force that refuses mass sends
// (a suspension, or a restriction of publishing or mass sending), the one
// lasting longest, or nil.
func (u *UI) calRestriction(r *http.Request, accountID int64) (*review.Penalty, error) {
	if u.Review == nil {
		return nil, nil
	}
	var worst *review.Penalty
	for _, f := range []string{review.FeaturePublishing, review.FeatureMassSend} {
		p, err := u.Review.Restricted(r.Context(), accountID, f)
		if err != nil {
			return nil, err
		}
		if p != nil && (worst == nil || p.ExpiresAt.IsZero() || (!worst.ExpiresAt.IsZero() && p.ExpiresAt.After(worst.ExpiresAt))) {
			worst = p
		}
	}
	return worst, nil
}

// calPenaltyText explains a penalty that refuses sends, with its end in the
// account's zone.
func calPenaltyText(l *i18n.Locale, p *review.Penalty, a *account.Account) string {
	until := l.T("permanently")
	if !p.ExpiresAt.IsZero() {
		until = l.T("until %s (%s)", calWhen(l, p.ExpiresAt, a.Location(), "2 Jan 2006 15:04", "datetime"), a.Timezone)
	}
	what := l.T("Mass sends are restricted")
	switch {
	case p.Kind == review.Suspend:
		what = l.T("The account is suspended")
	case p.Kind == review.Terminate:
		what = l.T("The account is terminated")
	case p.Feature == review.FeaturePublishing:
		what = l.T("Publishing is restricted")
	}
	return l.T("%s %s. Nothing can be scheduled meanwhile, and scheduled sends that fall due then are refused. Rule broken:", what, until)
}

func (u *UI) calendarLoad(r *http.Request, p *core.Page) error {
	a := p.Console.Account
	loc := a.Location()
	now := u.Clock.Now().In(loc)
	at := now
	m := r.URL.Query().Get("month")
	if m == "" && p.Form != nil {
		m = p.Form.Get("month")
	}
	if m != "" {
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
	l := u.Locale(r)
	d := &calendarData{Month: month, Rules: rules, Entries: entries, Zone: loc.String(), IsService: a.IsService(),
		Title: calWhen(l, month.Start, loc, "January 2006", "month"), Key: month.Key, Prev: month.Start.AddDate(0, -1, 0).Format("2006-01"), Next: month.End.Format("2006-01"),
		Today: now.Format("2006-01-02"), CanSend: p.Console.Can(account.ActMassSend), loc: loc, l: l}
	for _, w := range calWeekdays {
		d.WeekdayNames = append(d.WeekdayNames, l.Text(w))
	}
	if d.Quiet, err = store.QuietHours(r.Context(), a.ID); err != nil {
		return err
	}
	if d.Quiet.Set() {
		d.QuietFrom, d.QuietTo = calendar.Clock(d.Quiet.From), calendar.Clock(d.Quiet.To)
	}
	pen, err := u.calRestriction(r, a.ID)
	if err != nil {
		return err
	}
	inPenalty := func(t time.Time) bool { return pen != nil && (pen.ExpiresAt.IsZero() || t.Before(pen.ExpiresAt)) }
	if pen != nil {
		d.Penalty, d.PenaltyEnd = calPenaltyText(l, pen, a), pen.ExpiresAt
		d.PenaltyRule, d.PenaltyRuleLang = pen.Rule, core.ContentLang(pen.Rule)
	}
	// Weeks from the Monday on or before the 1st to the Sunday on or after
	// the last day.
	first := month.Start
	start := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
	byDay := map[string][]calEntry{}
	for _, e := range entries {
		lt := e.At.In(loc)
		k := lt.Format("2006-01-02")
		byDay[k] = append(byDay[k], calEntry{Entry: e, Local: lt, Refused: e.Scheduled && inPenalty(e.At)})
	}
	for day := start; day.Before(month.End); {
		var week []calDay
		for range 7 {
			k := day.Format("2006-01-02")
			next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
			label, dayName, short := day.Format("Mon 2 Jan"), day.Format("Mon 2"), day.Format("2 Jan")
			if l.Chinese() {
				short = l.Format(day, loc, "day")
				label = short + " " + calWeekday(l, day)
				dayName = label
			}
			week = append(week, calDay{Date: day, Key: k, Label: label, Day: dayName, Short: short, InMonth: !day.Before(month.Start) && day.Before(month.End),
				Today: k == d.Today, Past: k < d.Today, Restricted: inPenalty(next.Add(-time.Second)), Entries: byDay[k]})
			day = next
		}
		d.Weeks = append(d.Weeks, week)
	}
	if d.Drafts, err = u.Publish.List(r.Context(), a.ID, []string{publish.StateDraft}, 0, 20); err != nil {
		return err
	}
	if d.CanSend {
		d.Tags = u.accountTags(r, a.ID)
	}
	// The plain form proposes the next full hour at least MinScheduleAhead
	// from now, on the shown month's first day from today.
	def := now.Add(publish.MinScheduleAhead).Truncate(time.Minute)
	def = time.Date(def.Year(), def.Month(), def.Day(), def.Hour()+1, 0, 0, 0, loc)
	if month.Start.After(def) {
		def = time.Date(month.Start.Year(), month.Start.Month(), 1, 9, 0, 0, 0, loc)
	}
	d.Date, d.Time = def.Format("2006-01-02"), def.Format("15:04")
	p.Title, p.Data = l.T("Calendar")+" · "+d.Title, d
	return nil
}

// calSchedule is the schedule form: a draft, a day and a time of day in
// the account's zone, and the audience.
type calSchedule struct {
	Draft     *publish.Publication
	At        time.Time
	Target    string
	TagID     int64
	Audience  string // "all followers" or "the followers tagged “VIP”"
	Confirmed bool
}

func (u *UI) calScheduleParse(r *http.Request, c *core.ConsoleCtx) (*calSchedule, error) {
	f := r.PostForm
	in := &calSchedule{Target: publish.TargetAll, Audience: u.T(r, "all followers"), Confirmed: f.Get("confirmed") == "1"}
	id, _ := strconv.ParseInt(f.Get("draft"), 10, 64)
	if id > 0 {
		pub, err := u.Publish.Publication(r.Context(), c.Account.ID, id)
		if err != nil && !errors.Is(err, errs.NotFound) {
			return nil, err
		}
		in.Draft = pub
	}
	in.At, _ = time.ParseInLocation("2006-01-02 15:04", f.Get("date")+" "+f.Get("time"), c.Account.Location())
	if t := f.Get("target"); strings.HasPrefix(t, "tag:") {
		in.Target = publish.TargetTag
		in.TagID, _ = strconv.ParseInt(strings.TrimPrefix(t, "tag:"), 10, 64)
	}
	return in, nil
}

// calValidate reports the form's own mistakes, all of them.
func (u *UI) calValidate(r *http.Request, c *core.ConsoleCtx, in *calSchedule) error {
	var fe errs.Fields
	if in.Draft == nil || in.Draft.State != publish.StateDraft {
		fe.Add(errs.FieldInvalid("draft", "Choose a draft to schedule."))
	}
	if in.At.IsZero() {
		fe.Add(errs.FieldInvalid("date", "Choose a day and a time of day (hh:mm)."))
	}
	if in.Target == publish.TargetTag {
		found := false
		for _, tag := range u.accountTags(r, c.Account.ID) {
			if tag.ID == in.TagID {
				found, in.Audience = true, u.T(r, "the followers tagged “%s”", tag.Name)
			}
		}
		if !found {
			fe.Add(errs.FieldInvalid("target", "Choose a tag of this account."))
		}
	}
	return fe.Err()
}

// calConfirm is the page that shows what to accept before scheduling.
type calConfirm struct {
	Draft    *publish.Publication
	When     string // in the account's zone
	Zone     string
	Audience string
	Problems []calendar.Problem
	Step     calendar.Step
}

// calScheduleAsk checks the send before it is scheduled: mistakes in the
// form and problems that would have it refused re-show the calendar with
// their messages; warnings (followers at their cap, quiet hours) get a
// page that asks to confirm them, unless the form says they were.
func (u *UI) calScheduleAsk(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx, in *calSchedule) (bool, error) {
	if err := u.calValidate(r, c, in); err != nil {
		return false, err
	}
	a := c.Account
	pen, err := u.calRestriction(r, a.ID)
	if err != nil {
		return false, err
	}
	// Only a penalty still in force when the send goes out refuses it.
	if pen != nil && (pen.ExpiresAt.IsZero() || in.At.Before(pen.ExpiresAt)) {
		return false, errs.Forbiddenf("%s", calPenaltyText(u.Locale(r), pen, a))
	}
	step, problems, err := calendar.NewStore(u.Publish.DB(), u.Settings).Check(r.Context(), a, calendar.Proposal{At: in.At, Target: in.Target, TagID: in.TagID})
	if err != nil {
		return false, err
	}
	l := u.Locale(r)
	for i, pr := range problems {
		problems[i].Message = calProblemText(l, pr)
	}
	for _, pr := range problems {
		if pr.Blocking {
			return false, errs.TooManyf("%s", pr.Message)
		}
	}
	if len(problems) == 0 || in.Confirmed {
		return false, nil
	}
	d := &calConfirm{Draft: in.Draft, When: calWhen(l, in.At, a.Location(), "Mon 2 Jan 2006 15:04", "datetime"), Zone: a.Timezone, Audience: in.Audience, Problems: problems, Step: step}
	p := u.NewPage(w, r, l.T("Schedule “%s”?", in.Draft.Title), d)
	p.Console, p.Form = c, r.PostForm
	return true, u.Render(w, r, http.StatusOK, "mp/calendar_confirm", p)
}

// calScheduleDo schedules the mass send through the ordinary scheduled
// send, which checks the schedule window, the quota and the account again.
func (u *UI) calScheduleDo(r *http.Request, c *core.ConsoleCtx, in *calSchedule) (core.Done, error) {
	j, err := u.Publish.Send(r.Context(), c.Account.ID, web.Person(r).ID, in.Draft.ID,
		publish.SendOptions{Mode: publish.ModeMass, Target: in.Target, TagID: in.TagID, At: in.At})
	if err != nil {
		var e *errs.Error
		if core.AsErr(err, &e) && e.Field == "at" {
			err = errs.FieldInvalid("date", "%s", e.Message)
		}
		return core.Done{}, err
	}
	loc := c.Account.Location()
	return core.Done{To: "calendar?month=" + calLocal(j.RunAt, loc, "2006-01"),
		Flash: u.T(r, "Scheduled “%s” for %s (%s) to %s.", in.Draft.Title, calWhen(u.Locale(r), j.RunAt, loc, "Mon 2 Jan 2006 15:04", "datetime"), c.Account.Timezone, in.Audience)}, nil
}

// calQuietHours saves the account's quiet hours (both empty: none).
func (u *UI) calQuietHours(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	f := r.PostForm
	var q calendar.QuietHours
	if from, to := strings.TrimSpace(f.Get("quiet_from")), strings.TrimSpace(f.Get("quiet_to")); from != "" || to != "" {
		var err1, err2 error
		q.From, err1 = calendar.ParseClock(from)
		q.To, err2 = calendar.ParseClock(to)
		if err1 != nil || err2 != nil {
			return core.Done{}, errs.FieldInvalid("quiet_from", "Enter both times as hh:mm, or neither for no quiet hours.")
		}
	}
	if err := calendar.NewStore(u.Publish.DB(), u.Settings).SetQuietHours(r.Context(), c.Account.ID, q, u.Clock.Now()); err != nil {
		return core.Done{}, err
	}
	msg := "Quiet hours removed."
	if q.Set() {
		msg = u.T(r, "Quiet hours: %s (%s). Scheduling a mass send in them asks first.", q.String(), c.Account.Timezone)
	}
	return core.Done{To: "calendar", Flash: msg}, nil
}

// calProblemText is a problem of a proposed send in l's language, from the
// format it was written with; the month it names in l's way of writing it.
func calProblemText(l *i18n.Locale, pr calendar.Problem) string {
	if pr.Format == "" {
		return pr.Message
	}
	args := append([]any(nil), pr.Args...)
	for i, a := range args {
		if m, ok := a.(calendar.MonthName); ok && l.Chinese() {
			args[i] = l.Format(time.Time(m), time.Time(m).Location(), "month")
		}
	}
	return l.T(pr.Format, args...)
}
