package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

// TestKeywordReplyMenuClickAndLiveAgentAnswer: a follower sends "price"
// and gets the keyword reply, clicks a menu item (recorded for
// analytics), and an agent answers from the inbox — which updated live —
// while the follower's open conversation shows the answer without a reload.
func TestKeywordReplyMenuClickAndLiveAgentAnswer(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	const pw = "a long enough secret"
	people := map[string]*user.Person{}
	for u, dn := range map[string]string{"hana": "Hana Harbour", "sam": "Sam Agent", "mei": "Mei Lin"} {
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
	if _, err := s.App.Accounts.Invite(ctx, bank.ID, account.RoleOwner, "sam", account.RoleAgent); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Follows.Follow(ctx, bank.ID, people["mei"].ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.App.AutoReplies.SaveRule(ctx, &autoreply.Rule{AccountID: bank.ID, Name: "Prices", Enabled: true,
		Keywords: []autoreply.Keyword{{Match: autoreply.MatchExact, Text: "price"}},
		Replies:  []autoreply.Reply{{Type: autoreply.ReplyText, Text: "Savings pay 1.35% a year."}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Menus.SetDefault(ctx, bank.ID, []menu.Button{
		{Type: menu.TypeClick, Name: "Rates", Key: "RATES"},
		{Name: "Help", SubButtons: []menu.Button{{Type: menu.TypeClick, Name: "Branch hours", Key: "HOURS"}}},
	}); err != nil {
		t.Fatal(err)
	}

	// The agent watches the inbox.
	agent := Browser(t)
	msgSignIn(t, agent, s, "sam", pw)
	do(t, agent, "open the inbox",
		chromedp.Navigate(fmt.Sprintf("%s/mp/a/%d/inbox", s.URL, bank.ID)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=inbox-empty]`)),
		chromedp.WaitReady(chromedp.CSS(`[data-inbox-live][data-live-ready="1"]`)),
	)
	msgFits(t, agent, "the inbox")

	// The follower asks for prices and gets the keyword reply.
	fan := Browser(t)
	msgSignIn(t, fan, s, "mei", pw)
	chat := fmt.Sprintf("%s/chat/%d", s.URL, bank.ID)
	do(t, fan, "open the conversation",
		chromedp.Navigate(chat),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=menubar]`)),
		chromedp.WaitReady(chromedp.CSS(`body[data-live=on]`)),
	)
	do(t, fan, "send price and see the keyword reply",
		chromedp.Click(chromedp.CSS(`[data-testid=to-keyboard]`)), // the keyboard beside the menu bar
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=send-text] textarea`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=send-text] textarea`), "price"),
		chromedp.Click(chromedp.Search(`//form[@data-testid="send-text"]//button[normalize-space()="Send"]`)),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]//li[contains(@class,"theirs")]//p[normalize-space()="Savings pay 1.35% a year."]`)),
	)

	// The agent's queue shows the follower without a reload.
	do(t, agent, "see the conversation arrive live",
		chromedp.WaitVisible(chromedp.Search(`//ul[@data-testid="inbox-queue"]//strong[normalize-space()="Mei Lin"]`)),
	)
	if run(t, agent, "check the inbox was not reloaded", chromedp.Evaluate[bool](`!!document.querySelector("[data-live-ready]")`)) != true {
		t.Error("the inbox page was reloaded")
	}

	// The follower uses the menu; the click is recorded.
	do(t, fan, "choose Help › Branch hours",
		chromedp.Click(chromedp.CSS(`[data-testid=to-menu]`)), // back from the keyboard to the menu bar
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=menubar]`)),
		chromedp.Click(chromedp.Search(`//nav[@data-testid="menubar"]//summary[normalize-space()="Help"]`)),
		chromedp.Click(chromedp.Search(`//nav[@data-testid="menubar"]//button[normalize-space()="Branch hours"]`)),
		chromedp.WaitReady(chromedp.CSS(`body[data-live=on]`)),
	)
	deadline := time.Now().Add(10 * time.Second)
	for {
		clicks, err := s.App.Menus.ClicksByButton(ctx, bank.ID, time.Time{}, s.Clock.Now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(clicks) == 1 && clicks[0].Key == "HOURS" && clicks[0].Clicks == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the menu click was not recorded: %+v", clicks)
		}
		time.Sleep(50 * time.Millisecond)
	}
	run(t, fan, "mark the conversation page", chromedp.Evaluate[int](`window.notReloaded = 1`))

	// The agent answers; the follower sees it live.
	do(t, agent, "answer in the inbox",
		chromedp.Click(chromedp.Search(`//ul[@data-testid="inbox-queue"]//a[.//strong[normalize-space()="Mei Lin"]]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=reply-form] textarea`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=reply-form] textarea`), "Hello Mei, I am Sam. How can I help?"),
		chromedp.Click(chromedp.Search(`//form[@data-testid="reply-form"]//button[normalize-space()="Send"]`)),
		chromedp.WaitVisible(chromedp.Search(`//section[@data-testid="inbox-thread"]//p[normalize-space()="Hello Mei, I am Sam. How can I help?"]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@data-testid="conv-state"][contains(., "Sam Agent")]`)),
	)
	msgFits(t, agent, "the conversation in the inbox")
	do(t, fan, "see the agent's answer without reloading",
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]//li[contains(@class,"theirs")]//p[normalize-space()="Hello Mei, I am Sam. How can I help?"]`)),
	)
	if run(t, fan, "check for a reload", chromedp.Evaluate[int](`window.notReloaded || 0`)) != 1 {
		t.Error("the follower's page reloaded instead of updating live")
	}
}

// msgSignIn signs in through the form and waits for a signed-in page.
func msgSignIn(t *testing.T, ctx context.Context, s *apptest.Server, username, password string) {
	t.Helper()
	do(t, ctx, "sign in as "+username,
		chromedp.Navigate(s.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(byText("button", "Sign in")),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label=Main]`)), // the signed-in follower app
	)
}

// msgFits fails when the page scrolls sideways on the phone.
func msgFits(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	sw := run(t, ctx, "measure "+what, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if vw := run(t, ctx, "read the viewport width", chromedp.Evaluate[int](`window.innerWidth`)); sw > vw {
		wide := run(t, ctx, "find wide elements", chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")]
			.filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
			.map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " right=" + Math.round(e.getBoundingClientRect().right))`))
		t.Errorf("%s is %d px wide on a %d px phone; too wide: %v", what, sw, vw, wide)
	}
}

// TestMessagingConsoleOnSmallPhone opens every messaging console page on a
// 360 px phone: nothing scrolls sideways, and the editors show only the
// fields that the chosen type needs.
func TestMessagingConsoleOnSmallPhone(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	const pw = "a long enough secret"
	hana, err := s.App.Users.Create(ctx, user.NewPerson{Username: "hana", DisplayName: "Hana Harbour", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	mei, err := s.App.Users.Create(ctx, user.NewPerson{Username: "mei", DisplayName: "Mei Lin with a rather long display name", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	bank, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank",
		Status: account.StatusActive, OwnerID: hana.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Follows.Follow(ctx, bank.ID, mei.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.App.AutoReplies.SaveRule(ctx, &autoreply.Rule{AccountID: bank.ID, Name: "Prices and interest rates for savers", Enabled: true,
		Keywords: []autoreply.Keyword{{Match: autoreply.MatchExact, Text: "price"}, {Match: autoreply.MatchContains, Text: "interest"}},
		Replies:  []autoreply.Reply{{Type: autoreply.ReplyText, Text: "Savings pay 1.35% a year."}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Menus.SetDefault(ctx, bank.ID, []menu.Button{
		{Type: menu.TypeClick, Name: "Rates", Key: "RATES"},
		{Name: "Help", SubButtons: []menu.Button{{Type: menu.TypeView, Name: "Security tips", URL: "https://harbour.example/security"}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Audience.CreateTag(ctx, bank.ID, "Premium"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Chat.Receive(ctx, bank.ID, mei.ID, "text", messageBody("A long question without spaces: https://harbour.example/a/very/long/path/that/should/wrap/somewhere/in/the/bubble")); err != nil {
		t.Fatal(err)
	}
	// Enough followers for a second page of the followers list.
	var fans []int64
	for i := range 60 {
		p, err := s.App.Users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("fan%02d", i), DisplayName: fmt.Sprintf("Fan %02d", i), PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		fans = append(fans, p.ID)
	}
	if _, err := s.App.Follows.FollowMany(ctx, bank.ID, fans, follow.SourceSearch); err != nil {
		t.Fatal(err)
	}
	tab := Browser(t)
	do(t, tab, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 780, chromedp.EmulatePortrait))
	msgSignIn(t, tab, s, "hana", pw)
	base := fmt.Sprintf("%s/mp/a/%d/", s.URL, bank.ID)
	for _, page := range []string{"autoreply", "autoreply/rules/new", "menu", "inbox", fmt.Sprintf("inbox/%d", mei.ID), "followers",
		fmt.Sprintf("followers/%d", mei.ID), "team"} {
		do(t, tab, "open "+page, chromedp.Navigate(base+page), chromedp.WaitVisible(chromedp.CSS(`nav.accountnav`)))
		msgFits(t, tab, page)
	}
	// The followers list's pager, tapped on the phone: Next page lists the
	// older followers, Previous page the first ones again.
	listed := func() []string {
		return run(t, tab, "read the followers listed", chromedp.Evaluate[[]string](
			`[...document.querySelectorAll('[data-testid=followers] .follower-link')].map(a => a.getAttribute("href"))`))
	}
	do(t, tab, "open the followers", chromedp.Navigate(base+"followers"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=followers-next]`)))
	first := listed()
	if h := run(t, tab, "measure the Next page button", chromedp.Evaluate[float64](
		`document.querySelector('[data-testid=followers-next]').getBoundingClientRect().height`)); h < 32 {
		t.Errorf("the Next page button is %.0f px high: too small to tap", h)
	}
	do(t, tab, "tap Next page", chromedp.Click(chromedp.CSS(`[data-testid=followers-next]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=followers-prev]`)))
	second := listed()
	msgFits(t, tab, "the followers' second page")
	if len(first) != 50 || len(second) != 11 || slices.ContainsFunc(second, func(h string) bool { return slices.Contains(first, h) }) {
		t.Errorf("Next page after %d followers lists %d, some of them again: %v then %v", len(first), len(second), first, second)
	}
	if n := run(t, tab, "look for another Next page", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=followers-next]').length`)); n != 0 {
		t.Error("the last page offers a Next page")
	}
	do(t, tab, "tap Previous page", chromedp.Click(chromedp.CSS(`[data-testid=followers-prev]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=followers-next]`)))
	if again := listed(); !slices.Equal(again, first) {
		t.Errorf("Previous page lists %v, want the first page %v", again, first)
	}
	// The menu editor: a click button shows its key, not a link field.
	do(t, tab, "open the menu editor", chromedp.Navigate(base+"menu"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=menu-form]`)))
	visible := func(sel string) bool {
		return run(t, tab, "check "+sel, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+"`"+sel+"`"+`); return !!e && e.offsetParent !== null; })()`))
	}
	if !visible(`input[name="b.0.key"]`) || visible(`input[name="b.0.url"]`) {
		t.Error("a click button should show its key field only")
	}
	do(t, tab, "make the first button a link",
		chromedp.SetValue(chromedp.CSS(`select[name="b.0.type"]`), "view"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select[name="b.0.type"]').dispatchEvent(new Event("change"))`),
	)
	if visible(`input[name="b.0.key"]`) || !visible(`input[name="b.0.url"]`) {
		t.Error("a link button should show its URL field only")
	}
	// The rule editor: a text reply shows the text box, an article its fields.
	do(t, tab, "open a new rule", chromedp.Navigate(base+"autoreply/rules/new"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=rule-form]`)))
	if !visible(`textarea[name="reply.0.text"]`) || visible(`input[name="reply.0.title"]`) {
		t.Error("a text reply should show the text box only")
	}
	do(t, tab, "make the reply an article card",
		chromedp.SetValue(chromedp.CSS(`select[name="reply.0.type"]`), "news"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select[name="reply.0.type"]').dispatchEvent(new Event("change"))`),
	)
	if visible(`textarea[name="reply.0.text"]`) || !visible(`input[name="reply.0.title"]`) {
		t.Error("an article reply should show the card's fields only")
	}
}

func messageBody(text string) message.Body { return message.Body{Text: text} }
