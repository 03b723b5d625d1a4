package console

import (
	"github.com/heraldoa/herald/internal/i18n"
	"net/http"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// mpHomeData is the console home: the person's accounts and applications.
type mpHomeData struct {
	Memberships  []account.Membership
	Applications []*review.Application // unfinished ones, and refusals
	Invitations  int                   // open invitations to join a team
}

func (u *UI) mpHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := web.Person(r)
	d := &mpHomeData{}
	var err error
	if d.Memberships, err = u.Accounts.ForMember(ctx, me.ID); err != nil {
		return err
	}
	if d.Invitations, err = u.Accounts.CountInvitationsFor(ctx, me.ID); err != nil {
		return err
	}
	if u.Review != nil {
		apps, err := u.Review.ForPerson(ctx, me.ID)
		if err != nil {
			return err
		}
		applied := map[int64]bool{}
		for _, a := range apps {
			if a.State != review.Approved {
				d.Applications = append(d.Applications, a)
				applied[a.AccountID] = true
			}
		}
		// An account that exists only as an application (pending, or
		// rejected) is listed once, with its application.
		kept := d.Memberships[:0]
		for _, m := range d.Memberships {
			st := m.Account.Status
			if applied[m.Account.ID] && (st == account.StatusPending || st == account.StatusRejected) {
				continue
			}
			kept = append(kept, m)
		}
		d.Memberships = kept
	}
	return u.Render(w, r, http.StatusOK, "mp/home", u.NewPage(w, r, "Console", d))
}

// The account's home opens with yesterday's figures beside the day
// before's, and a to-do list: what waits for the team, each with the page
// that deals with it. A member sees only what their role may open.

// homeFigure is one of yesterday's figures.
type homeFigure struct {
	Label     string
	Value     int64 // yesterday
	Before    int64 // the day before
	Link      string
	TestID    string
	Up, Down  bool // compared with the day before
	Change    int64
	Unchanged bool
}

// todoItem is one line of the to-do list.
type todoItem struct {
	Text   string // what waits, with its number
	Link   string
	TestID string
	Urgent bool
}

// homeToday is the top of an account's home.
type homeToday struct {
	Day       string // yesterday, in the account's time zone
	DayBefore string
	Figures   []homeFigure
	Todo      []todoItem
}

// commentsWindow is how far back the home counts comments without a reply.
const commentsWindow = 7 * 24 * time.Hour

// homeCap is the most the to-do list counts of one thing ("99+").
const homeCap = 99

// countText writes a count of the to-do list with its key (a plural text,
// "%d chats waiting for an agent"), or past homeCap with the key of "99+".
func countText(l *i18n.Locale, n int, key, capped string) string {
	if n > homeCap {
		return l.T(capped, homeCap)
	}
	return l.T(key, n)
}

// loadToday fills the home's figures and to-do list for the member in c.
func (u *UI) loadToday(r *http.Request, c *core.ConsoleCtx, d *accountHomeData) error {
	ctx, a := r.Context(), c.Account
	if a.Status != account.StatusActive && a.Status != account.StatusSuspended {
		return nil
	}
	now := u.Clock.Now()
	t := &homeToday{}
	l := u.Locale(r)
	link := func(to string) string { return c.Link(to) }
	if u.AnalyticsStore != nil && c.Can(account.ActAnalytics) {
		t.Day = analytics.AddDays(analytics.DayOf(now, a.Location()), -1)
		t.DayBefore = analytics.AddDays(t.Day, -1)
		rows, err := u.AnalyticsStore.Totals(ctx, a.ID, t.DayBefore, t.Day)
		if err != nil {
			return err
		}
		for _, f := range []struct{ label, kind, testid string }{
			{"New followers", analytics.KindFollow, "figure-followers"},
			{"Article reads", analytics.KindRead, "figure-reads"},
			{"Messages received", analytics.KindMessageIn, "figure-messages"},
		} {
			fig := homeFigure{Label: f.label, Link: link("analytics"), TestID: f.testid}
			for _, row := range rows {
				if row.Kind != f.kind || row.Surface != "*" {
					continue
				}
				switch row.Day {
				case t.Day:
					fig.Value = row.Events
				case t.DayBefore:
					fig.Before = row.Events
				}
			}
			fig.Change = fig.Value - fig.Before
			fig.Up, fig.Down, fig.Unchanged = fig.Change > 0, fig.Change < 0, fig.Change == 0
			if fig.Change < 0 {
				fig.Change = -fig.Change
			}
			t.Figures = append(t.Figures, fig)
		}
	}
	if u.Inbox != nil && c.Can(account.ActInbox) {
		counts, err := u.Inbox.Counts(ctx, a.ID, web.Person(r).ID)
		if err != nil {
			return err
		}
		if counts.Waiting > 0 {
			t.Todo = append(t.Todo, todoItem{Text: countText(l, int(counts.Waiting), "%d chats waiting for an agent", "%d+ chats waiting for an agent"),
				Link: link("inbox?view=waiting"), TestID: "todo-chats", Urgent: true})
		}
	}
	if u.Publish != nil && c.Can(account.ActPublish) {
		n, err := u.Publish.UnansweredComments(ctx, a.ID, now.Add(-commentsWindow), homeCap+1)
		if err != nil {
			return err
		}
		if n > 0 {
			t.Todo = append(t.Todo, todoItem{Text: countText(l, n, "%d comments without a reply this week", "%d+ comments without a reply this week"),
				Link: link("comments"), TestID: "todo-comments"})
		}
		q, err := u.Publish.Quota(ctx, a)
		if err != nil {
			return err
		}
		t.Todo = append(t.Todo, todoItem{Text: l.T("%d of %d mass sends left this month", q.Left, q.Limit),
			Link: link("calendar"), TestID: "todo-quota", Urgent: q.Left == 0})
	}
	switch {
	case d.Verified && d.ExpiresSoon:
		t.Todo = append(t.Todo, todoItem{Text: l.T("The verification ends in %d days", d.DaysLeft),
			Link: link("#verification"), TestID: "todo-verification", Urgent: true})
	case d.Lapsed:
		t.Todo = append(t.Todo, todoItem{Text: l.T("The verification has ended: renew it to get the badge back"),
			Link: link("#verification"), TestID: "todo-verification", Urgent: true})
	}
	if u.Review != nil && c.Can(account.ActCompliance) {
		ps, err := u.Review.PenaltiesFor(ctx, a.ID)
		if err != nil {
			return err
		}
		open := 0
		for _, p := range ps {
			if p.Appeal != nil && p.Appeal.State == review.AppealPending {
				open++
			}
		}
		if open > 0 {
			t.Todo = append(t.Todo, todoItem{Text: countText(l, open, "%d appeals waiting for the platform's decision", "%d+ appeals waiting for the platform's decision"),
				Link: link("compliance"), TestID: "todo-appeals"})
		}
	}
	d.Today = t
	return nil
}
