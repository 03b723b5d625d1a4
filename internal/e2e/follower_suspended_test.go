package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

// TestSuspendedAccountIsConsistent: a suspended account's profile says why
// and offers no Message, Mute or "Verified"; its conversation shows the
// reason with a disabled composer; the chat list drops its badge; and its
// avatar loads in its own console. At 360×640 and 390×844, with no console
// errors (a missing image would be one) or CSP violations.
func TestSuspendedAccountIsConsistent(t *testing.T) {
	t.Parallel()
	for _, size := range []struct{ w, h int }{{360, 640}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) { suspendedEverywhere(t, size.w, size.h) })
	}
}

func suspendedEverywhere(t *testing.T, width, height int) {
	s := apptest.New(t)
	ctx := context.Background()
	owner := s.CreatePerson(t, "hana", "owner password 1", user.RoleNone)
	mei := s.CreatePerson(t, "mei", "reader password 1", user.RoleNone)
	bank := e2eAccount(t, s, "Harbour Bank", account.Service) // verified
	if err := s.App.Accounts.AddMember(ctx, bank.ID, owner.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Follows.Follow(ctx, bank.ID, mei.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Messages.Append(ctx, &message.Message{AccountID: bank.ID, PersonID: mei.ID, Direction: message.Out,
		Kind: message.KindText, Sender: message.SenderAgent, Body: message.Body{Text: "Welcome to Harbour Bank"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Media.Put(ctx, "avatars/harbour.png", bytes.NewReader(pngSquare())); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.DB.Exec(ctx, `UPDATE accounts SET avatar_path = 'avatars/harbour.png', status = 'suspended' WHERE id = ?`, bank.ID); err != nil {
		t.Fatal(err)
	}

	tab := Browser(t)
	problems := consoleProblems(t, tab)
	recordCSPViolations(t, tab)
	do(t, tab, fmt.Sprintf("use a %d×%d phone", width, height), chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulatePortrait))
	msgSignIn(t, tab, s, "mei", "reader password 1")
	shown := func(sel string) bool {
		t.Helper()
		return run(t, tab, "look for "+sel, chromedp.Evaluate[bool](`[...document.querySelectorAll(`+"`"+sel+"`"+`)].some(e => {
			const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })`))
	}
	text := func(sel string) string {
		t.Helper()
		return run(t, tab, "read "+sel, chromedp.Evaluate[string](`(document.querySelector(`+"`"+sel+"`"+`) || {}).textContent || ""`))
	}
	if shown(`[data-testid=row-` + fmt.Sprint(bank.ID) + `] .verified`) {
		t.Error("the chat list shows a suspended account as verified")
	}

	do(t, tab, "open the profile", chromedp.Navigate(fmt.Sprintf("%s/a/%d", s.URL, bank.ID)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=unavailable]`)))
	if why := text(`[data-testid=unavailable]`); !strings.Contains(why, "suspended") || !strings.Contains(why, "cannot be followed or messaged") {
		t.Errorf("the profile's explanation: %q", why)
	}
	for _, sel := range []string{`[data-testid=message]`, `form[action$="/mute"]`, `.verified`, `[data-testid=badge]`, `[data-testid=organisation]`} {
		if shown(sel) {
			t.Errorf("the suspended account's profile shows %s", sel)
		}
	}
	msgFits(t, tab, "the suspended account's profile")

	do(t, tab, "read the conversation", chromedp.Click(chromedp.CSS(`[data-testid=read-conversation]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=composer-disabled]`)))
	if why := text(`[data-testid=cannot-send]`); !strings.Contains(why, "suspended") {
		t.Errorf("the conversation's explanation: %q", why)
	}
	if !run(t, tab, "check the composer", chromedp.Evaluate[bool](`document.querySelector("[data-testid=composer-disabled] textarea").disabled`)) {
		t.Error("the composer of a suspended account can be typed in")
	}
	if shown(`.topbar .verified`) || !shown(`[data-testid=messages] li`) {
		t.Error("the conversation shows the badge, or not the history")
	}
	msgFits(t, tab, "the suspended account's conversation")

	con := Browser(t)
	conProblems := consoleProblems(t, con)
	do(t, con, fmt.Sprintf("use a %d×%d phone", width, height), chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulatePortrait))
	// The account list shows each account's avatar (the sign-in page has a
	// main element too, so wait for the avatar itself).
	signIn(t, con, s, "hana", "owner password 1", "/mp/", `img[src$="/avatar"]`)
	pctx, cancel := context.WithTimeout(con, 10*time.Second)
	defer cancel()
	run(t, pctx, "wait for the account's avatar to load in its own console",
		chromedp.Poll[bool](`document.readyState === "complete" && [...document.querySelectorAll('img[src$="/avatar"]')].some(i => i.complete && i.naturalWidth > 0)`))

	if p := append(problems(), conProblems()...); len(p) > 0 {
		t.Errorf("console problems: %v", p)
	}
	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}
