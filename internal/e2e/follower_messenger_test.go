package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

// TestChatLooksLikeAMessenger: on a small and a common phone, every message
// has its sender's avatar beside it — the account's on the left of its
// messages, the follower's own on the right of theirs, for messages the
// server drew and messages added live alike; an account with a menu opens on
// its menu bar, whose keyboard button swaps it for the composer and back;
// icons (verified, location, like, wow) are drawn as SVG, so the pages
// contain no emoji that would need an emoji font. No console errors, no CSP
// violations, nothing wider than the phone.
func TestChatLooksLikeAMessenger(t *testing.T) {
	t.Parallel()
	for _, size := range []struct{ w, h int }{{360, 640}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) { messengerChat(t, size.w, size.h) })
	}
}

// emojiIn lists the characters of the page's text that need an emoji font.
const emojiIn = `[...document.body.innerText.matchAll(/\p{Extended_Pictographic}/gu)].map(m => m[0])`

func messengerChat(t *testing.T, width, height int) {
	s := apptest.New(t)
	ctx := context.Background()
	mei := s.CreatePerson(t, "mei", "reader password 1", user.RoleNone)
	bank := e2eAccount(t, s, "Harbour Bank", account.Service) // verified
	if _, err := s.App.Follows.Follow(ctx, bank.ID, mei.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Menus.SetDefault(ctx, bank.ID, []menu.Button{
		{Type: menu.TypeClick, Name: "Rates", Key: "RATES"},
		{Name: "Help", SubButtons: []menu.Button{{Type: menu.TypeClick, Name: "Branch hours", Key: "HOURS"}}},
	}); err != nil {
		t.Fatal(err)
	}
	article := massSend(t, s, bank, "Spring savings rates")
	say := func(dir, kind string, body message.Body) {
		t.Helper()
		m := &message.Message{AccountID: bank.ID, PersonID: mei.ID, Direction: dir, Kind: kind, Sender: message.SenderAgent, Body: body}
		if dir == message.In {
			m.Sender = message.SenderFollower
		}
		if err := s.App.Messages.Append(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	say(message.In, message.KindText, message.Body{Text: "Where is the nearest branch?"})
	say(message.Out, message.KindLocation, message.Body{Lat: 31.2304, Lng: 121.4737, Scale: 15, Label: "People's Square branch"})

	tab := Browser(t)
	problems := consoleProblems(t, tab)
	recordCSPViolations(t, tab)
	do(t, tab, fmt.Sprintf("use a %d×%d phone", width, height), chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulatePortrait))
	msgSignIn(t, tab, s, "mei", "reader password 1")
	if e := run(t, tab, "look for emoji in the chat list", chromedp.Evaluate[[]string](emojiIn)); len(e) > 0 {
		t.Errorf("the chat list needs an emoji font for %q", e)
	}
	do(t, tab, "open the conversation", chromedp.Navigate(fmt.Sprintf("%s/chat/%d", s.URL, bank.ID)),
		chromedp.WaitReady(chromedp.CSS(`body[data-live=on]`)))

	type box struct{ Left, Right, Top, Bottom, Width, Height float64 }
	type side struct {
		Mine         bool
		Avatar, Body box
		Initial      string
	}
	sides := func(what string) []side {
		t.Helper()
		return run(t, tab, "measure the avatars "+what, chromedp.Evaluate[[]side](`[...document.querySelectorAll("[data-testid=messages] > li.msg")].map(li => {
			const b = e => { if (!e) return {}; const r = e.getBoundingClientRect(); return {Left: r.left, Right: r.right, Top: r.top, Bottom: r.bottom, Width: r.width, Height: r.height}; };
			const av = li.querySelector(":scope > [data-testid=msg-avatar]");
			return {Mine: li.classList.contains("mine"), Avatar: b(av), Body: b(li.querySelector(".bubble")), Initial: av ? av.textContent.trim() : ""};
		})`))
	}
	checkSides := func(what string, want int) {
		t.Helper()
		got := sides(what)
		if len(got) != want {
			t.Fatalf("%s: %d messages, want %d", what, len(got), want)
		}
		for i, m := range got {
			a, b := m.Avatar, m.Body
			switch {
			case a.Width < 24 || a.Height < 24:
				t.Errorf("%s: message %d has no visible avatar (%+v)", what, i+1, a)
			case m.Mine && (a.Left < b.Right || a.Right > float64(width)+0.5 || m.Initial != "M"):
				t.Errorf("%s: the follower's message %d: avatar %q at %.0f–%.0f px should be right of the bubble (%.0f–%.0f) and on screen",
					what, i+1, m.Initial, a.Left, a.Right, b.Left, b.Right)
			case !m.Mine && (a.Right > b.Left || a.Left < 0 || m.Initial != "H"):
				t.Errorf("%s: the account's message %d: avatar %q at %.0f–%.0f px should be left of the bubble (%.0f–%.0f)",
					what, i+1, m.Initial, a.Left, a.Right, b.Left, b.Right)
			}
		}
	}
	checkSides("as the server drew them", 3) // the mass-sent article, a question, a location

	visible := func(sel string) bool {
		t.Helper()
		return run(t, tab, "look for "+sel, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+"`"+sel+"`"+`);
			if (!e) return false; const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })()`))
	}
	// An account with a menu opens on its menu bar, the keyboard beside it.
	if !visible(`[data-testid=menubar]`) || visible(`[data-testid=send-text] textarea`) || !visible(`[data-testid=to-keyboard] svg`) {
		t.Error("the conversation does not open on the menu bar with a keyboard button")
	}
	do(t, tab, "switch to the keyboard", chromedp.Click(chromedp.CSS(`[data-testid=to-keyboard]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=send-text] textarea`)))
	if visible(`[data-testid=menubar]`) || !visible(`[data-testid=to-menu] svg`) {
		t.Error("the keyboard does not replace the menu bar, or has no way back")
	}
	if !run(t, tab, "check the focus", chromedp.Evaluate[bool](`document.activeElement === document.querySelector("[data-testid=send-text] textarea")`)) {
		t.Error("the composer is not focused after switching to the keyboard")
	}
	do(t, tab, "send a message",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=send-text] textarea`), "Is it open on Sunday?\n"),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]/li[last()][contains(., "Is it open on Sunday?")]`)))
	say(message.Out, message.KindText, message.Body{Text: "Sundays 10:00 to 16:00."})
	do(t, tab, "see the answer arrive",
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]/li[last()][contains(., "Sundays 10:00")]`)))
	checkSides("with messages added live", 5)
	msgFits(t, tab, "the conversation with avatars")
	if d := os.Getenv("HERALD_SHOTS"); d != "" {
		writeFile(t, fmt.Sprintf("%s/chat-%d.png", d, width), run(t, tab, "screenshot", chromedp.CaptureScreenshot()))
	}

	// The location pin is an icon, not an emoji.
	if !visible(`[data-kind=location] .bubble svg`) {
		t.Error("the location message has no pin icon")
	}
	if e := run(t, tab, "look for emoji in the conversation", chromedp.Evaluate[[]string](emojiIn)); len(e) > 0 {
		t.Errorf("the conversation needs an emoji font for %q", e)
	}
	do(t, tab, "switch back to the menu", chromedp.Click(chromedp.CSS(`[data-testid=to-menu]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=menubar]`)))
	if visible(`[data-testid=send-text] textarea`) {
		t.Error("the composer stays beside the menu bar")
	}

	// Like and Wow are drawn, not typed.
	do(t, tab, "open the article", chromedp.Navigate(fmt.Sprintf("%s/s/%d", s.URL, article)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=like]`)))
	for _, b := range []string{`[data-testid=like] svg`, `[data-testid=wow] svg`} {
		if !visible(b) {
			t.Errorf("%s is not shown", b)
		}
	}
	if e := run(t, tab, "look for emoji in the article", chromedp.Evaluate[[]string](emojiIn)); len(e) > 0 {
		t.Errorf("the article needs an emoji font for %q", e)
	}
	msgFits(t, tab, "the article")

	if p := problems(); len(p) > 0 {
		t.Errorf("console problems: %v", p)
	}
	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}
