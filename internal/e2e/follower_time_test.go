package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

// viewerZone is a zone that is neither UTC nor the accounts' Asia/Shanghai,
// without daylight saving, so that a time shown in any other zone is seen.
const viewerZone = "America/Sao_Paulo"

// inZone makes the tab's clock read in zone, as a viewer living there.
func inZone(t *testing.T, ctx context.Context, zone string) {
	t.Helper()
	do(t, ctx, "live in "+zone, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
		return chromedp.Void{}, err
	})
}

// TestTimesReadInTheViewersZone: in a conversation, a message the server
// rendered and one that arrived live show their times in the same format,
// in the viewer's own time zone (not UTC, not the account's); the chat list
// and the console's inbox use the viewer's zone too. At 360×640 and
// 390×844, with no console errors or CSP violations.
func TestTimesReadInTheViewersZone(t *testing.T) {
	t.Parallel()
	for _, size := range []struct{ w, h int }{{360, 640}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) { timesInZone(t, size.w, size.h) })
	}
}

func timesInZone(t *testing.T, width, height int) {
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
	say := func(dir, text string) *message.Message {
		t.Helper()
		m := &message.Message{AccountID: bank.ID, PersonID: mei.ID, Direction: dir, Kind: message.KindText, Sender: message.SenderAgent,
			Body: message.Body{Text: text}}
		if dir == message.In {
			m.Sender = message.SenderFollower
		}
		if err := s.App.Messages.Append(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	loc, err := time.LoadLocation(viewerZone)
	if err != nil {
		t.Skipf("no time zone data for %s: %v", viewerZone, err)
	}
	// What the page must show for a message's time ("msg": the time of day
	// today, else the day and time) and for a console time.
	short := func(at time.Time) string {
		at, now := at.In(loc), time.Now().In(loc)
		if at.Format("2006-01-02") == now.Format("2006-01-02") {
			return at.Format("15:04")
		}
		return at.Format("Jan 2, 15:04")
	}
	full := func(at time.Time) string { return at.In(loc).Format("Jan 2, 2006, 15:04") }

	first := say(message.In, "Hello, is the branch open on Saturday?")

	tab := Browser(t)
	problems := consoleProblems(t, tab)
	recordCSPViolations(t, tab)
	inZone(t, tab, viewerZone)
	do(t, tab, fmt.Sprintf("use a %d×%d phone", width, height), chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulatePortrait))
	msgSignIn(t, tab, s, "mei", "reader password 1")

	// The chat list row: the last message's time, in the viewer's zone.
	rowTime := run(t, tab, "read the chat list's time", chromedp.Evaluate[string](
		`(document.querySelector("time.row-time[data-local]") || {}).textContent || ""`))
	if rowTime != short(first.CreatedAt) {
		t.Errorf("chat list time %q, want %q (%s)", rowTime, short(first.CreatedAt), viewerZone)
	}

	do(t, tab, "open the conversation", chromedp.Navigate(fmt.Sprintf("%s/chat/%d", s.URL, bank.ID)),
		chromedp.WaitReady(chromedp.CSS(`body[data-live=on]`)))
	live := say(message.Out, "Yes, from 9 to 13.")
	do(t, tab, "see the answer arrive",
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]/li[last()][contains(., "from 9 to 13")]`)))

	type shown struct {
		Text, DateTime string
		Local          bool
		Width, Height  float64
	}
	times := run(t, tab, "read the messages' times", chromedp.Evaluate[[]shown](`[...document.querySelectorAll("[data-testid=messages] > li time.msg-time")].map(e => {
		const r = e.getBoundingClientRect();
		return {Text: e.textContent.trim(), DateTime: e.getAttribute("datetime"), Local: e.dataset.local === "1", Width: r.width, Height: r.height};
	})`))
	if len(times) != 2 {
		t.Fatalf("times shown: %+v", times)
	}
	for i, m := range []*message.Message{first, live} {
		got := times[i]
		if want := short(m.CreatedAt); got.Text != want || !got.Local {
			t.Errorf("message %d (%s) shows %q (formatted by time.js: %v), want %q in %s", i+1,
				map[int]string{0: "server-rendered", 1: "added live"}[i], got.Text, got.Local, want, viewerZone)
		}
		if got.Width <= 0 || got.Height <= 0 {
			t.Errorf("message %d's time is not visible: %+v", i+1, got)
		}
		if strings.Contains(got.Text, "UTC") || got.DateTime != m.CreatedAt.UTC().Format(time.RFC3339) && got.DateTime != m.CreatedAt.UTC().Format(time.RFC3339Nano) {
			t.Errorf("message %d: text %q, datetime %q", i+1, got.Text, got.DateTime)
		}
	}
	msgFits(t, tab, "the conversation")

	// The console's inbox reads in the viewer's zone as well.
	agent := Browser(t)
	agentProblems := consoleProblems(t, agent)
	inZone(t, agent, viewerZone)
	do(t, agent, fmt.Sprintf("use a %d×%d phone", width, height), chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulatePortrait))
	signIn(t, agent, s, "hana", "owner password 1", fmt.Sprintf("/mp/a/%d/inbox/%d", bank.ID, mei.ID), `[data-inbox-live]`)
	inboxTimes := run(t, agent, "read the inbox's times", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('[data-live="thread"] time[data-local]')].map(e => e.textContent.trim())`))
	if len(inboxTimes) < 2 || inboxTimes[0] != full(first.CreatedAt) || inboxTimes[1] != full(live.CreatedAt) {
		t.Errorf("inbox times %q, want %q and %q (%s)", inboxTimes, full(first.CreatedAt), full(live.CreatedAt), viewerZone)
	}

	if p := append(problems(), agentProblems()...); len(p) > 0 {
		t.Errorf("console problems: %v", p)
	}
	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}
