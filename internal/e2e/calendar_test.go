package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/calendar"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/user"
)

// touchDrag drags a finger from one point to another in steps, with the
// browser's own touch input (which the page sees as pointer events of
// type "touch").
func touchDrag(fromX, fromY, toX, toY float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		one := 1.0
		touch := func(typ input.DispatchTouchEventType, x, y float64) error {
			p := input.DispatchTouchEventParams{Type: typ, TouchPoints: []*input.TouchPoint{}}
			if typ != input.DispatchTouchEventTypeTouchEnd {
				id := 0.0
				p.TouchPoints = []*input.TouchPoint{{X: x, Y: y, RadiusX: &one, RadiusY: &one, Force: &one, ID: &id}}
			}
			_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, p)
			return err
		}
		if err := touch(input.DispatchTouchEventTypeTouchStart, fromX, fromY); err != nil {
			return err
		}
		const steps = 12
		for i := 1; i <= steps; i++ {
			f := float64(i) / steps
			if err := touch(input.DispatchTouchEventTypeTouchMove, fromX+(toX-fromX)*f, fromY+(toY-fromY)*f); err != nil {
				return err
			}
		}
		return touch(input.DispatchTouchEventTypeTouchEnd, toX, toY)
	})
}

type box struct{ X, Y, W, H float64 }

// pinToTenth moves the server's clock to 08:00 on the next 10th of a
// month in loc (an account's zone) and returns that time.
func pinToTenth(s *apptest.Server, loc *time.Location) time.Time {
	now := s.Clock.Now().In(loc)
	pin := time.Date(now.Year(), now.Month(), 10, 8, 0, 0, 0, loc)
	if !pin.After(now) {
		pin = pin.AddDate(0, 1, 0)
	}
	s.Clock.Advance(pin.Sub(s.Clock.Now()))
	return pin
}

// TestCalendarScheduleByDragKeyboardAndTouch: on a wide screen the owner
// drags a draft onto a day of the month grid with the mouse and schedules
// it; picks a day for another with the keyboard only, at a time inside the
// account's quiet hours, reads the warning and confirms; then on a 360 px
// phone the week list fits the screen and a finger drags the third draft
// onto a day. Each lands on its day in the account's zone, and nothing
// the Content-Security-Policy refuses or the console reports happens.
func TestCalendarScheduleByDragKeyboardAndTouch(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	const pw = "a long enough secret"
	hana := s.CreatePerson(t, "hana", pw, user.RoleNone)
	bank, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank",
		Status: account.StatusActive, OwnerID: hana.ID})
	if err != nil {
		t.Fatal(err)
	}
	mei := s.CreatePerson(t, "mei", pw, user.RoleNone)
	if _, err := s.App.Follows.Follow(ctx, bank.ID, mei.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	// The days used below (the 12th to the 20th) are ahead and in the same
	// month.
	loc := bank.Location()
	pin := pinToTenth(s, loc)
	store := calendar.NewStore(s.App.DB, s.App.Settings)
	if err := store.SetQuietHours(ctx, bank.ID, calendar.QuietHours{From: 22 * 60, To: 8 * 60}, pin); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, title := range []string{"Winter rates", "Loan week", "Savings day"} {
		d, err := s.App.Publish.SaveDraft(ctx, bank.ID, hana.ID, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: title, Body: "x"}}})
		if err != nil {
			t.Fatal(err)
		}
		ids[title] = d.ID
	}
	day := func(d int) string { return pin.AddDate(0, 0, d-10).Format("2006-01-02") }
	page := fmt.Sprintf("%s/mp/a/%d/calendar?month=%s", s.URL, bank.ID, pin.Format("2006-01"))
	ready := chromedp.WaitReady(chromedp.CSS(`#cal-form[data-ready="1"]`))
	scheduled := func() map[string]string {
		t.Helper()
		entries, _, _, err := store.Month(ctx, bank, pin)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, e := range entries {
			got[e.Title] = e.At.In(loc).Format("2006-01-02 15:04")
		}
		return got
	}
	cellText := func(tab context.Context, sel string) string {
		return run(t, tab, "read "+sel, chromedp.Evaluate[string](`(document.querySelector(`+"`"+sel+"`"+`) || {}).textContent || ""`))
	}

	tab, problems := watchedTab(t, 1280, 1600)
	signInBrowser(t, tab, s, "hana", pw)
	do(t, tab, "open the calendar", chromedp.Navigate(page), ready)

	// 1. The mouse drags "Winter rates" onto the 12th (HTML5 drag and drop).
	do(t, tab, "drag Winter rates onto the 12th",
		chromedp.DragAndDrop(chromedp.CSS(fmt.Sprintf(`[data-testid=cal-draft][data-draft="%d"] [data-testid=cal-grip]`, ids["Winter rates"])),
			chromedp.CSS(`.cal-grid [data-day="`+day(12)+`"]`)),
		chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`#cal-form[data-chosen="%d %s"]`, ids["Winter rates"], day(12)))),
	)
	if got := run(t, tab, "read the focused field", chromedp.Evaluate[string](`document.activeElement.name`)); got != "time" {
		t.Errorf("after the drop the focus is on %q, want the time", got)
	}
	if got := cellText(tab, "[data-testid=cal-status]"); !strings.Contains(got, "“Winter rates” on") {
		t.Errorf("status after the drop: %q", got)
	}
	do(t, tab, "choose 10:00 and schedule",
		chromedp.SetValue(chromedp.CSS(`[data-testid=cal-form-time]`), "10:00"),
		chromedp.Click(chromedp.CSS(`[data-testid=cal-schedule]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)), ready,
	)
	if got := cellText(tab, ".flash"); !strings.Contains(got, "Scheduled “Winter rates” for") || !strings.Contains(got, "10:00 (Asia/Shanghai)") {
		t.Errorf("flash: %q", got)
	}
	if got := cellText(tab, `.cal-grid [data-day="`+day(12)+`"]`); !strings.Contains(got, "10:00 Winter rates") {
		t.Errorf("the 12th: %q", got)
	}

	// 2. The keyboard alone: "Schedule…" on "Loan week", Right three times
	// and Down once from the proposed day (the 10th) is the 20th; Enter
	// picks it, the time goes in, Enter submits. 23:30 is in the quiet
	// hours: the server asks, and the owner confirms.
	do(t, tab, "press Schedule… on Loan week",
		chromedp.Focus(chromedp.CSS(fmt.Sprintf(`[data-testid=cal-draft][data-draft="%d"] [data-testid=cal-pick]`, ids["Loan week"]))),
		chromedp.KeyEvent("\r"),
	)
	if got := run(t, tab, "read the focused day", chromedp.Evaluate[string](`document.activeElement.dataset.day || ""`)); got != day(10) {
		t.Fatalf("picking starts on %q, want %s", got, day(10))
	}
	do(t, tab, "move to the 20th and pick it",
		chromedp.KeyEvent(kb.ArrowRight+kb.ArrowRight+kb.ArrowRight+kb.ArrowDown),
		chromedp.KeyEvent("\r"),
		chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`#cal-form[data-chosen="%d %s"]`, ids["Loan week"], day(20)))),
	)
	if got := run(t, tab, "read the focused field", chromedp.Evaluate[string](`document.activeElement.name`)); got != "time" {
		t.Fatalf("after Enter the focus is on %q, want the time", got)
	}
	do(t, tab, "type 23:30 and press Enter",
		chromedp.SetValue(chromedp.CSS(`[data-testid=cal-form-time]`), "23:30"),
		chromedp.Focus(chromedp.CSS(`[data-testid=cal-form-time]`)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=cal-warnings]`)),
	)
	if got := cellText(tab, "[data-testid=cal-warnings]"); !strings.Contains(got, "23:30 is inside the account's quiet hours (22:00–08:00, Asia/Shanghai)") {
		t.Errorf("warnings: %q", got)
	}
	if _, ok := scheduled()["Loan week"]; ok {
		t.Fatal("scheduled before the warning was confirmed")
	}
	do(t, tab, "confirm", chromedp.Click(chromedp.CSS(`[data-testid=cal-confirm]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)), ready)
	if got := cellText(tab, `.cal-grid [data-day="`+day(20)+`"]`); !strings.Contains(got, "23:30 Loan week") {
		t.Errorf("the 20th: %q", got)
	}

	// 3. A 360 px phone: the week list (past days without sends left out),
	// no sideways scrolling, and a finger drags "Savings day" by its grip
	// onto the last day that shows on the screen with it.
	do(t, tab, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 780, chromedp.EmulatePortrait, chromedp.EmulateTouch), chromedp.Navigate(page), ready)
	fitsWidth(t, tab, SmallPhoneWidth, "the calendar")
	if vis := run(t, tab, "see which view shows", chromedp.Evaluate[[]bool](`[".cal-grid", ".cal-weeks"].map(s => document.querySelector(s).offsetParent !== null)`)); vis[0] || !vis[1] {
		t.Errorf("grid shown %v, week list shown %v on a phone", vis[0], vis[1])
	}
	grip := fmt.Sprintf(`[data-testid=cal-draft][data-draft="%d"] [data-testid=cal-grip]`, ids["Savings day"])
	type plan struct {
		From, To box
		Day      string
	}
	p := run(t, tab, "find the grip and a day on the screen with it", chromedp.Evaluate[plan](`(() => {
		const g = document.querySelector('`+grip+`');
		window.scrollTo(0, window.scrollY + g.getBoundingClientRect().top - 10);
		const r = e => { const b = e.getBoundingClientRect(); return {X: b.x, Y: b.y, W: b.width, H: b.height}; };
		const days = [...document.querySelectorAll(".cal-weeks [data-day]")].filter(d => d.getBoundingClientRect().bottom < window.innerHeight - 50);
		const d = days[days.length - 1];
		return d ? {From: r(g), To: r(d.querySelector("strong")), Day: d.dataset.day} : {From: r(g)};
	})()`))
	if p.Day == "" {
		t.Fatalf("no free day on the screen with the grip: %+v", p)
	}
	do(t, tab, "drag Savings day onto "+p.Day+" with a finger",
		touchDrag(p.From.X+p.From.W/2, p.From.Y+p.From.H/2, p.To.X+p.To.W/2, p.To.Y+p.To.H/2),
		chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`#cal-form[data-chosen="%d %s"]`, ids["Savings day"], p.Day))),
		chromedp.SetValue(chromedp.CSS(`[data-testid=cal-form-time]`), "12:00"),
		chromedp.Click(chromedp.CSS(`[data-testid=cal-schedule]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash, .alert, [data-testid=cal-warnings], .field-error`)),
	)
	if got := cellText(tab, ".flash, .alert, [data-testid=cal-warnings], .field-error"); !strings.Contains(got, "Scheduled “Savings day” for") {
		t.Fatalf("after scheduling on the phone: %q", got)
	}
	// No draft is left, so the page has no schedule form now.
	if n := run(t, tab, "count the drafts", chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=cal-draft]").length`)); n != 0 {
		t.Errorf("%d drafts left", n)
	}
	fitsWidth(t, tab, SmallPhoneWidth, "the calendar after scheduling")
	if got := cellText(tab, `.cal-weeks [data-day="`+p.Day+`"]`); !strings.Contains(got, "12:00 Savings day") {
		t.Errorf("%s in the week list: %q", p.Day, got)
	}

	want := map[string]string{"Winter rates": day(12) + " 10:00", "Loan week": day(20) + " 23:30", "Savings day": p.Day + " 12:00"}
	got := scheduled()
	for title, at := range want {
		if got[title] != at {
			t.Errorf("%s scheduled at %q (Shanghai), want %q", title, got[title], at)
		}
	}
	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
	if pr := problems(); len(pr) > 0 {
		t.Errorf("console problems: %v", pr)
	}
}
