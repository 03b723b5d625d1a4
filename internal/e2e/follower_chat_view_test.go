package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

// TestChatKeepsTheNewestMessageInView: on a small and a common phone, a
// long conversation opens at its newest message; the message the follower
// sends and the answer that arrives live are each fully on screen above the
// composer; a reader who scrolled up is not pulled down but offered a "new
// messages" pill. The conversation has a back arrow and no tab bar.
func TestChatKeepsTheNewestMessageInView(t *testing.T) {
	t.Parallel()
	for _, size := range []struct{ w, h int }{{360, 640}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) { chatInView(t, size.w, size.h) })
	}
}

func chatInView(t *testing.T, width, height int) {
	s := apptest.New(t)
	ctx := context.Background()
	owner := s.CreatePerson(t, "hana", "owner password 1", user.RoleNone)
	mei := s.CreatePerson(t, "mei", "reader password 1", user.RoleNone)
	bank, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank",
		Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Follows.Follow(ctx, bank.ID, mei.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	say := func(dir, text string) {
		t.Helper()
		m := &message.Message{AccountID: bank.ID, PersonID: mei.ID, Direction: dir, Kind: message.KindText, Sender: message.SenderAgent,
			Body: message.Body{Text: text}}
		if dir == message.In {
			m.Sender = message.SenderFollower
		}
		if err := s.App.Messages.Append(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 24 {
		dir := message.Out
		if i%2 == 0 {
			dir = message.In
		}
		say(dir, fmt.Sprintf("Message %d of a long conversation about a new savings account and its interest rates", i+1))
	}

	tab := Browser(t)
	do(t, tab, fmt.Sprintf("use a %d×%d phone", width, height), chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulatePortrait))
	msgSignIn(t, tab, s, "mei", "reader password 1")
	do(t, tab, "open the conversation", chromedp.Navigate(fmt.Sprintf("%s/chat/%d", s.URL, bank.ID)),
		chromedp.WaitReady(chromedp.CSS(`body[data-live=on]`)))

	type view struct {
		Top, Bottom, ComposerTop, BarBottom, Viewport float64
		Text                                          string
	}
	newest := func(what string) view {
		t.Helper()
		// Let layout settle: two animation frames.
		return run(t, tab, "measure "+what, chromedp.Evaluate[view](`new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
			const li = document.querySelector("[data-testid=messages] > li:last-child").getBoundingClientRect();
			done({Top: li.top, Bottom: li.bottom, ComposerTop: document.querySelector("[data-testid=composer]").getBoundingClientRect().top,
				BarBottom: document.querySelector(".topbar").getBoundingClientRect().bottom, Viewport: window.innerHeight,
				Text: document.querySelector("[data-testid=messages] > li:last-child").textContent.trim()});
		})))`, chromedp.EvalAwaitPromise))
	}
	inView := func(what string) {
		t.Helper()
		v := newest(what)
		if v.Top < v.BarBottom-0.5 || v.Bottom > v.ComposerTop+0.5 || v.ComposerTop > v.Viewport+0.5 {
			t.Errorf("%s: the newest message spans %.0f–%.0f px, the space between the top bar and the composer is %.0f–%.0f px (viewport %.0f)",
				what, v.Top, v.Bottom, v.BarBottom, v.ComposerTop, v.Viewport)
		}
	}
	inView("on opening")
	visible := func(sel string) bool {
		return run(t, tab, "look for "+sel, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+"`"+sel+"`"+`);
			if (!e) return false; const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !e.hidden; })()`))
	}
	if visible(`nav.tabbar`) {
		t.Error("the conversation shows the tab bar")
	}
	if !visible(`[data-testid=back]`) {
		t.Error("the conversation has no back arrow")
	}

	do(t, tab, "send a message",
		chromedp.SendKeys(chromedp.CSS(`form[data-pane=text] textarea`), "Can I open one online?\n"),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]/li[last()][contains(., "Can I open one online?")]`)),
	)
	inView("after sending")

	say(message.Out, "Yes: open the app, choose Savings, and follow the steps. It takes five minutes.")
	do(t, tab, "see the answer arrive",
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]/li[last()][contains(., "It takes five minutes.")]`)))
	inView("after a live answer")

	// Scrolled up to read older messages: not pulled down, but told.
	run(t, tab, "scroll up", chromedp.Evaluate[int](`(window.scrollTo(0, 0), 0)`))
	run(t, tab, "wait for the scroll", chromedp.Poll[bool](`window.scrollY === 0`))
	say(message.Out, "One more thing: the first month is free.")
	do(t, tab, "see the pill", chromedp.WaitVisible(chromedp.CSS(`[data-testid=new-messages]`)))
	if v := newest("while scrolled up"); v.Top < v.ComposerTop {
		t.Errorf("the reader was pulled down to the new message (top %.0f, composer %.0f)", v.Top, v.ComposerTop)
	}
	do(t, tab, "follow the pill", chromedp.Click(chromedp.CSS(`[data-testid=new-messages]`)))
	inView("after following the pill")
	if v := newest("the newest"); v.Text == "" {
		t.Errorf("no newest message: %+v", v)
	}
}
