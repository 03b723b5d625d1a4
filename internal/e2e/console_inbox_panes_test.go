package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/user"
)

// paneState is what an agent sees of the two-pane inbox.
type paneState struct {
	Path                string
	ListShown, PaneShow bool
	ListRight, PaneLeft float64
	Thread              string
	Unread              []string // names of the unread rows
	Current             string   // the row marked as open
	Stayed              bool     // the page was not reloaded
}

func readPanes(t *testing.T, tab context.Context) paneState {
	t.Helper()
	return run(t, tab, "look at the inbox", chromedp.Evaluate[paneState](`(() => {
		const shown = (e) => { if (!e) return false; const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
		const list = document.querySelector(".inbox-list"), pane = document.querySelector(".inbox-pane");
		const thread = document.querySelector("[data-testid=inbox-thread]"), cur = document.querySelector(".queue-row.current strong");
		return {Path: location.pathname, ListShown: shown(list), PaneShow: shown(pane),
			ListRight: list.getBoundingClientRect().right, PaneLeft: pane.getBoundingClientRect().left,
			Thread: thread && shown(thread) ? thread.textContent : "",
			Unread: [...document.querySelectorAll(".queue-row.unread strong")].map(s => s.textContent),
			Current: cur ? cur.textContent : "", Stayed: window.stayed === 1};
	})()`))
}

// TestInboxTwoPanes: on a desktop the agent chooses conversations in the
// queue and each opens beside it without leaving the page, its row no
// longer unread while the others stay unread; on a 360 px phone the queue
// and a conversation are one page each and never scroll sideways.
func TestInboxTwoPanes(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	const pw = "a long enough secret"
	people := map[string]*user.Person{}
	for u, dn := range map[string]string{"hana": "Hana Harbour", "mei": "Mei Lin", "kai": "Kai Wong"} {
		p, err := s.App.Users.Create(ctx, user.NewPerson{Username: u, DisplayName: dn, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		people[u] = p
	}
	bank, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank",
		Status: account.StatusActive, OwnerID: people["hana"].ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"mei", "kai"} {
		if _, err := s.App.Follows.Follow(ctx, bank.ID, people[u].ID, follow.SourceSearch, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Chat.Receive(ctx, bank.ID, people[u].ID, "text", messageBody("Question from "+u+": is the branch open on Sunday?")); err != nil {
			t.Fatal(err)
		}
	}
	tab, problems := watchedTab(t, 1280, 900)
	msgSignIn(t, tab, s, "hana", pw)
	inbox := fmt.Sprintf("/mp/a/%d/inbox", bank.ID)
	do(t, tab, "open the inbox", chromedp.Navigate(s.URL+inbox), chromedp.WaitVisible(chromedp.CSS(`[data-testid=inbox-queue]`)),
		chromedp.WaitReady(chromedp.CSS(`[data-inbox-live][data-live-ready="1"]`)))
	run(t, tab, "mark the page", chromedp.Evaluate[int](`window.stayed = 1`))
	st := readPanes(t, tab)
	if !st.ListShown || !st.PaneShow || st.ListRight > st.PaneLeft {
		t.Fatalf("the desktop inbox is not a queue beside a pane: %+v", st)
	}
	if len(st.Unread) != 2 {
		t.Fatalf("want both conversations unread, got %v", st.Unread)
	}
	open := func(name, username string) paneState {
		t.Helper()
		do(t, tab, "choose "+name,
			chromedp.Click(chromedp.Search(`//ul[@data-testid="inbox-queue"]//a[.//strong[normalize-space()="`+name+`"]]`)),
			chromedp.WaitVisible(chromedp.Search(`//section[@data-testid="inbox-thread"]//p[contains(., "Question from `+username+`")]`)))
		return readPanes(t, tab)
	}
	st = open("Kai Wong", "kai")
	if !st.Stayed {
		t.Fatal("choosing a conversation left the page")
	}
	if want := fmt.Sprintf("%s/%d", inbox, people["kai"].ID); st.Path != want {
		t.Errorf("the address is %s, want %s", st.Path, want)
	}
	if !st.ListShown || st.ListRight > st.PaneLeft || st.Current != "Kai Wong" {
		t.Errorf("Kai's conversation is not open beside the queue: %+v", st)
	}
	if strings.Join(st.Unread, ",") != "Mei Lin" {
		t.Errorf("after reading Kai's conversation the unread rows are %v, want only Mei Lin", st.Unread)
	}
	if strings.Contains(st.Thread, "Question from mei") {
		t.Errorf("Kai's pane shows Mei's messages: %q", st.Thread)
	}
	st = open("Mei Lin", "mei")
	if !st.Stayed || len(st.Unread) != 0 || st.Current != "Mei Lin" || strings.Contains(st.Thread, "Question from kai") {
		t.Errorf("after choosing Mei: %+v", st)
	}
	do(t, tab, "answer Mei in the pane",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=reply-form] textarea`), "Yes, from 10 to 4."),
		chromedp.Click(chromedp.Search(`//form[@data-testid="reply-form"]//button[normalize-space()="Send"]`)),
		chromedp.WaitVisible(chromedp.Search(`//section[@data-testid="inbox-thread"]//p[normalize-space()="Yes, from 10 to 4."]`)))
	if st = readPanes(t, tab); !st.ListShown || st.Current != "Mei Lin" {
		t.Errorf("after the reply the conversation is not beside the queue: %+v", st)
	}

	phone := Browser(t)
	do(t, phone, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	msgSignIn(t, phone, s, "hana", pw)
	do(t, phone, "open the inbox", chromedp.Navigate(s.URL+inbox), chromedp.WaitVisible(chromedp.CSS(`[data-testid=inbox-queue]`)))
	fitsWidth(t, phone, SmallPhoneWidth, "the inbox")
	if st = readPanes(t, phone); !st.ListShown || st.PaneShow {
		t.Errorf("the phone inbox does not show the queue alone: %+v", st)
	}
	do(t, phone, "open Kai's conversation",
		chromedp.Click(chromedp.Search(`//ul[@data-testid="inbox-queue"]//a[.//strong[normalize-space()="Kai Wong"]]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=reply-form]`)))
	fitsWidth(t, phone, SmallPhoneWidth, "a conversation")
	if st = readPanes(t, phone); st.ListShown || !st.PaneShow || !strings.Contains(st.Thread, "Question from kai") {
		t.Errorf("the phone conversation is not one pane: %+v", st)
	}
	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors: %v", p)
	}
}
