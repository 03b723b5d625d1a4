package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/ui"
	"github.com/heraldoa/herald/internal/user"
)

// SmallPhoneWidth is the narrowest phone the follower app is checked on.
const SmallPhoneWidth = 360

// e2eAccount creates an active, verified account.
func e2eAccount(t *testing.T, s *apptest.Server, name, typ string) *account.Account {
	t.Helper()
	ctx := context.Background()
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: name,
		Description: "Official account of " + name, Organisation: name + " Co., Ltd.", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.DB.Exec(ctx, `UPDATE accounts SET verified_until = ? WHERE id = ?`,
		db.Micro(s.App.Clock.Now().Add(365*24*time.Hour)), a.ID); err != nil {
		t.Fatal(err)
	}
	return a
}

// e2eMenu shows menu.Store's menus to the follower app.
type e2eMenu struct{ store *menu.Store }

func (m e2eMenu) ForFollower(ctx context.Context, accountID, personID int64) ([]ui.MenuButton, error) {
	buttons, err := m.store.ForFollower(ctx, accountID, personID)
	var conv func([]menu.Button) []ui.MenuButton
	conv = func(bs []menu.Button) []ui.MenuButton {
		var out []ui.MenuButton
		for _, b := range bs {
			out = append(out, ui.MenuButton{Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL, MediaID: b.MediaID,
				ArticleID: b.ArticleID, AppID: b.AppID, PagePath: b.PagePath, SubButtons: conv(b.SubButtons)})
		}
		return out
	}
	return conv(buttons), err
}

// e2eReplies answers the menu's "Opening hours" click, as an auto-reply would.
type e2eReplies struct{}

func (e2eReplies) Respond(ctx context.Context, in *message.Inbound) (message.Outcome, error) {
	if in.Event == message.EventClick && in.Key == "HOURS" {
		return message.Outcome{Handled: true, Replies: []message.Reply{{Kind: message.KindText, Sender: message.SenderAutoReply,
			Body: message.Body{Text: "Branches open 9:00 to 17:00, Monday to Saturday."}}}}, nil
	}
	return message.Outcome{}, nil
}

// e2eFolder stands in for the publishing feature's Subscriptions folder.
type e2eFolder struct{ items []ui.FolderItem }

func (f *e2eFolder) Folder(ctx context.Context, personID int64, cursor string, limit int) ([]ui.FolderItem, string, error) {
	return f.items, "", nil
}
func (f *e2eFolder) MarkFolderSeen(ctx context.Context, personID int64) error { return nil }
func (f *e2eFolder) Recent(ctx context.Context, accountID, _ int64, limit int) ([]ui.FolderItem, error) {
	return nil, nil
}

// massSend publishes a draft of the given article titles to all followers
// of a and returns the first article's id.
func massSend(t *testing.T, s *apptest.Server, a *account.Account, titles ...string) int64 {
	t.Helper()
	ctx := context.Background()
	owner := s.CreatePerson(t, fmt.Sprintf("owner%d", a.ID%100000), "a long enough secret", user.RoleNone)
	store := publish.NewStore(s.App.DB, s.App.Clock, publish.Deps{Media: s.App.Media, Settings: s.App.Settings, Messages: s.App.Messages, Bus: s.App.Bus})
	var in publish.DraftInput
	for _, title := range titles {
		in.Articles = append(in.Articles, publish.ArticleInput{Title: title, Author: "Lin", Body: "Fresh leaves from the spring harvest.", CommentsOpen: true})
	}
	draft, err := store.SaveDraft(ctx, a.ID, owner.ID, 0, in)
	if err != nil {
		t.Fatalf("save draft: %v", err)
	}
	job, err := store.Send(ctx, a.ID, owner.ID, draft.ID, publish.SendOptions{Mode: publish.ModeMass})
	if err != nil {
		t.Fatalf("mass send: %v", err)
	}
	if job, err = publish.NewEngine(store, s.App.Log).Run(ctx, job.ID); err != nil || job.State != publish.JobDone {
		t.Fatalf("mass send job: %+v %v", job, err)
	}
	p, err := store.Publication(ctx, a.ID, draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p.FirstArticleID
}

// fitsSmallPhone fails when the current page scrolls sideways at 360 px.
func fitsSmallPhone(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if w := run(t, ctx, "read the viewport width", chromedp.Evaluate[int](`window.innerWidth`)); w != SmallPhoneWidth {
		t.Fatalf("the viewport is %d px wide, want %d: the phone check would mean nothing", w, SmallPhoneWidth)
	}
	sw := run(t, ctx, "measure "+name, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if sw > SmallPhoneWidth {
		wide := run(t, ctx, "find wide elements", chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")]
			.filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
			.map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " right=" + Math.round(e.getBoundingClientRect().right))`))
		t.Errorf("%s is %d px wide on a %d px phone; too wide: %v", name, sw, SmallPhoneWidth, wide)
	}
}

// TestFollowerFindFollowChatReadAndMenu walks the follower app on a 360 px
// phone: find a Service account, follow it, see its message arrive in the
// chat list live, open the Subscriptions folder and an article, and chat
// through the account's menu.
func TestFollowerFindFollowChatReadAndMenu(t *testing.T) {
	t.Parallel()
	s := apptest.NewWith(t, app.Options{Responders: []message.Responder{e2eReplies{}}})
	bank := e2eAccount(t, s, "Harbour Bank", account.Service)
	tea := e2eAccount(t, s, "Lotus Tea House", account.Subscription)
	// The bank's menu, saved through the messaging feature's store.
	menus := menu.NewStore(s.App.DB, s.App.Clock)
	if _, err := menus.SetDefault(t.Context(), bank.ID, []menu.Button{
		{Type: "view", Name: "Rates", URL: s.URL + "/discover?q=rates"},
		{Name: "Services", SubButtons: []menu.Button{
			{Type: "click", Name: "Opening hours", Key: "HOURS"},
			{Type: "click", Name: "Lost card", Key: "LOST"},
		}},
	}); err != nil {
		t.Fatalf("save the menu: %v", err)
	}
	if s.App.UI.Menus == nil {
		s.App.UI.Menus = e2eMenu{menus} // not wired into the UI yet
	}
	folder := &e2eFolder{}
	if s.App.UI.Publications == nil {
		// Publishing is not wired in (yet): stand in for its folder. The
		// article link then leads to /s/{id}, which publishing serves.
		s.App.UI.Publications = folder
	}
	mei := s.CreatePerson(t, "mei", "a long enough secret", user.RoleNone)
	ctx := Browser(t)
	do(t, ctx, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	do(t, ctx, "sign in",
		chromedp.Navigate(s.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), "mei"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long enough secret"),
		chromedp.Click(byText("button", "Sign in")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=chatlist]`)),
	)

	// Find: search by part of the name in another case.
	do(t, ctx, "search for the bank",
		chromedp.Click(chromedp.Search(`//nav[@aria-label="Main"]//a[normalize-space()="Discover"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=search-form] input[name=q]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=q]`), "HARBOUR"),
		chromedp.Click(byText("button", "Search")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=results]`)),
	)
	fitsSmallPhone(t, ctx, "search results")

	// Follow from the profile, which shows the verified organisation.
	do(t, ctx, "open the bank's profile",
		chromedp.Click(chromedp.Search(`//ul[@data-testid="results"]//a[.//strong[normalize-space()="Harbour Bank"]]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=profile]`)),
	)
	if got := run(t, ctx, "read the profile", chromedp.Text(chromedp.CSS(`[data-testid=profile]`))); !strings.Contains(got, "Harbour Bank Co., Ltd.") || !strings.Contains(got, "Verified") {
		t.Errorf("the profile does not show the verified organisation: %q", got)
	}
	fitsSmallPhone(t, ctx, "profile")
	do(t, ctx, "follow the bank",
		chromedp.Click(chromedp.CSS(`[data-testid=follow]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=unfollow]`)),
	)
	// Follow the tea house straight from the search results.
	do(t, ctx, "follow the tea house",
		chromedp.Navigate(s.URL+"/discover?q=lotus"),
		chromedp.Click(chromedp.Search(`//ul[@data-testid="results"]//button[normalize-space()="Follow"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=unfollow]`)),
	)
	if f, err := s.App.Follows.Get(t.Context(), tea.ID, mei.ID); err != nil || !f.Following || f.Source != "search" {
		t.Fatalf("following from search: %+v %v", f, err)
	}
	// The tea house mass-sends a publication of two articles, through the
	// publishing feature's own store and engine.
	articleID := massSend(t, s, tea, "Spring oolong has arrived", "How to brew it")
	folder.items = []ui.FolderItem{{AccountID: tea.ID, AccountName: tea.Name, Verified: true, PublicationID: 7, ArticleID: articleID,
		Title: "Spring oolong has arrived", Articles: 2, At: s.App.Clock.Now()}}

	// The chat list: the bank's row; its message arrives without a reload.
	row := fmt.Sprintf(`[data-testid="row-%d"]`, bank.ID)
	do(t, ctx, "open the chat list",
		chromedp.Click(chromedp.Search(`//nav[@aria-label="Main"]//a[normalize-space()="Chats"]`)),
		chromedp.WaitVisible(chromedp.CSS(row)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=row-subscriptions]`)),
		chromedp.WaitReady(chromedp.CSS(`body[data-live=on]`)), // the event stream is open
	)
	fitsSmallPhone(t, ctx, "chat list")
	run(t, ctx, "mark the page", chromedp.Evaluate[int](`window.notReloaded = 1`))
	m := &message.Message{AccountID: bank.ID, PersonID: mei.ID, Direction: message.Out, Kind: message.KindText, Sender: message.SenderAgent,
		Body: message.Body{Text: "Your new card is on its way"}}
	if err := s.App.Messages.Append(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "see the message arrive in the chat list",
		chromedp.WaitVisible(chromedp.Search(fmt.Sprintf(`//li[@data-testid="row-%d"]//*[@data-testid="preview"][contains(., "Your new card is on its way")]`, bank.ID))),
		chromedp.WaitVisible(chromedp.Search(fmt.Sprintf(`//li[@data-testid="row-%d"]//*[@data-testid="unread"][normalize-space()="1"]`, bank.ID))),
	)
	// The page title counts unread items too: the bank's message and the
	// tea house's new publication.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.title === "(2) Chats · Herald"`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("the title is %q, want (2) Chats · Herald: %v", run(t, ctx, "read the title", chromedp.Title()), err)
	}
	if run(t, ctx, "check for a reload", chromedp.Evaluate[int](`window.notReloaded || 0`)) != 1 {
		t.Error("the chat list reloaded instead of updating in place")
	}

	// The Subscriptions folder and an article in it.
	do(t, ctx, "open the Subscriptions folder",
		chromedp.Click(chromedp.CSS(`[data-testid=row-subscriptions] a`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=folder]`)),
	)
	if got := run(t, ctx, "read the folder", chromedp.Text(chromedp.CSS(`[data-testid=folder]`))); !strings.Contains(got, "Lotus Tea House") || !strings.Contains(got, "Spring oolong has arrived") || !strings.Contains(got, "New") {
		t.Errorf("the folder does not show the tea house's new publication: %q", got)
	}
	fitsSmallPhone(t, ctx, "Subscriptions folder")
	do(t, ctx, "open the article",
		chromedp.Click(chromedp.CSS(`[data-testid=folder-item] a`)),
		chromedp.WaitReady(chromedp.CSS(`body`)),
	)
	want := fmt.Sprintf("/s/%d", articleID)
	waitPath(t, ctx, want)
	if p := path(t, ctx, s); p != want {
		t.Errorf("the article opened at %s, want %s", p, want)
	}
	if body := run(t, ctx, "read the article page", chromedp.Text(chromedp.CSS(`body`))); strings.Contains(body, "There is nothing here") || strings.Contains(body, "404 page not found") {
		t.Log("the reading page /s/{id} is not served yet (publishing issue); the folder links to it")
	} else if !strings.Contains(body, "Spring oolong has arrived") {
		t.Errorf("the reading page does not show the article's title:\n%s", body)
	}

	// The conversation: history, then the menu.
	do(t, ctx, "open the conversation",
		chromedp.Navigate(s.URL+"/"),
		chromedp.Click(chromedp.CSS(row+` a.row-main`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=menubar]`)),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]//p[normalize-space()="Your new card is on its way"]`)),
		chromedp.WaitReady(chromedp.CSS(`body[data-live=on]`)),
	)
	fitsSmallPhone(t, ctx, "conversation")
	do(t, ctx, "choose Services › Opening hours",
		chromedp.Click(chromedp.Search(`//nav[@data-testid="menubar"]//summary[normalize-space()="Services"]`)),
		chromedp.WaitVisible(chromedp.Search(`//nav[@data-testid="menubar"]//button[normalize-space()="Opening hours"]`)),
	)
	fitsSmallPhone(t, ctx, "conversation with the menu open")
	do(t, ctx, "see the answer to the menu click",
		chromedp.Click(chromedp.Search(`//nav[@data-testid="menubar"]//button[normalize-space()="Opening hours"]`)),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]//p[contains(., "Branches open 9:00 to 17:00")]`)),
	)

	// Write to the bank: the message shows at once and is stored.
	do(t, ctx, "send a message",
		chromedp.Click(chromedp.CSS(`[data-testid=to-keyboard]`)), // the keyboard beside the menu bar
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=send-text] textarea`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=send-text] textarea`), "Can I collect it at the branch?"),
		chromedp.Click(chromedp.Search(`//form[@data-testid="send-text"]//button[normalize-space()="Send"]`)),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]//li[contains(@class,"mine")]//p[normalize-space()="Can I collect it at the branch?"]`)),
	)
	msgs, err := s.App.Messages.History(t.Context(), bank.ID, mei.ID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	if last := msgs[len(msgs)-1]; last.Direction != message.In || last.Body.Text != "Can I collect it at the branch?" {
		t.Errorf("the last stored message is %+v", last)
	}
	// The menu's link goes where the menu says.
	do(t, ctx, "open the Rates link",
		chromedp.Click(chromedp.CSS(`[data-testid=to-menu]`)), // back from the keyboard to the menu bar
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=menubar]`)),
		chromedp.Click(chromedp.Search(`//nav[@data-testid="menubar"]//a[normalize-space()="Rates"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=search-form]`)),
	)
	if p := path(t, ctx, s); p != "/discover?q=rates" {
		t.Errorf("the menu link opened %s", p)
	}
}

// TestLiveMessagesAreShownAsText sends markup and a javascript: link to an
// open conversation: they arrive live as plain text and a dead link.
func TestLiveMessagesAreShownAsText(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	bank := e2eAccount(t, s, "Harbour Bank", account.Service)
	mei := s.CreatePerson(t, "mei", "a long enough secret", user.RoleNone)
	if _, err := s.App.Follows.Follow(t.Context(), bank.ID, mei.ID, "search", ""); err != nil {
		t.Fatal(err)
	}
	ctx := Browser(t)
	do(t, ctx, "open the conversation",
		chromedp.Navigate(s.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), "mei"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long enough secret"),
		chromedp.Click(byText("button", "Sign in")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=chatlist]`)),
		chromedp.Navigate(fmt.Sprintf("%s/chat/%d", s.URL, bank.ID)),
		chromedp.WaitReady(chromedp.CSS(`body[data-live=on]`)),
	)
	const markup = `<img src=x onerror="window.pwned=1"><b>bold</b>`
	for _, m := range []*message.Message{
		{Kind: message.KindText, Body: message.Body{Text: markup}},
		{Kind: message.KindPublication, Body: message.Body{Title: "Rates", URL: "javascript:window.pwned=2",
			Articles: []message.Article{{Title: "Rates", URL: "javascript:window.pwned=2", PicURL: "javascript:window.pwned=3"}}}},
	} {
		m.AccountID, m.PersonID, m.Direction, m.Sender = bank.ID, mei.ID, message.Out, message.SenderAPI
		if err := s.App.Messages.Append(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	do(t, ctx, "see both messages arrive",
		chromedp.WaitVisible(chromedp.CSS(`.messages li[data-kind=text] p.text`)),
		chromedp.WaitVisible(chromedp.CSS(`.messages li[data-kind=publication] [data-testid=publication]`)),
	)
	if got := run(t, ctx, "read the message", chromedp.Text(chromedp.CSS(`.messages li[data-kind=text] p.text`))); got != markup {
		t.Errorf("the message shows as %q, want the text as sent", got)
	}
	if n := run(t, ctx, "count injected elements", chromedp.Evaluate[int](`document.querySelectorAll(".messages img, .messages b").length`)); n != 0 {
		t.Errorf("the message's markup became %d elements", n)
	}
	if href := run(t, ctx, "read the card's link", chromedp.Evaluate[string](`document.querySelector(".messages li[data-kind=publication] [data-testid=publication]").getAttribute("href") || ""`)); strings.HasPrefix(href, "javascript") {
		t.Errorf("the card links to %q", href)
	}
	if pwned := run(t, ctx, "check for script", chromedp.Evaluate[int](`window.pwned || 0`)); pwned != 0 {
		t.Errorf("a message ran script (%d)", pwned)
	}
}

// TestFollowerAppWithoutJavaScript uses the follower app with scripts off:
// follow from search, send a message and a location, use the menu (its
// answer is on the page it returns to), and read an article from the folder.
func TestFollowerAppWithoutJavaScript(t *testing.T) {
	t.Parallel()
	s := apptest.NewWith(t, app.Options{Responders: []message.Responder{e2eReplies{}}})
	bank := e2eAccount(t, s, "Harbour Bank", account.Service)
	tea := e2eAccount(t, s, "Lotus Tea House", account.Subscription)
	menus := menu.NewStore(s.App.DB, s.App.Clock)
	if _, err := menus.SetDefault(t.Context(), bank.ID, []menu.Button{
		{Name: "Services", SubButtons: []menu.Button{{Type: "click", Name: "Opening hours", Key: "HOURS"}}},
	}); err != nil {
		t.Fatal(err)
	}
	if s.App.UI.Menus == nil {
		s.App.UI.Menus = e2eMenu{menus}
	}
	mei := s.CreatePerson(t, "mei", "a long enough secret", user.RoleNone)
	if _, err := s.App.Follows.Follow(t.Context(), tea.ID, mei.ID, "search", ""); err != nil {
		t.Fatal(err)
	}
	articleID := massSend(t, s, tea, "Autumn pu-erh tasting")
	if s.App.UI.Publications == nil {
		s.App.UI.Publications = &e2eFolder{items: []ui.FolderItem{{AccountID: tea.ID, AccountName: tea.Name, ArticleID: articleID,
			Title: "Autumn pu-erh tasting", Articles: 1, At: s.App.Clock.Now()}}}
	}

	ctx := Browser(t)
	do(t, ctx, "turn JavaScript off", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	do(t, ctx, "sign in",
		chromedp.Navigate(s.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), "mei"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long enough secret"),
		chromedp.Click(byText("button", "Sign in")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=chatlist]`)),
	)
	do(t, ctx, "follow the bank from search",
		chromedp.Navigate(s.URL+"/discover?q=harbour"),
		chromedp.Click(chromedp.Search(`//ul[@data-testid="results"]//button[normalize-space()="Follow"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=unfollow]`)),
	)
	m := &message.Message{AccountID: bank.ID, PersonID: mei.ID, Direction: message.Out, Kind: message.KindText, Sender: message.SenderAgent,
		Body: message.Body{Text: "Welcome, Mei"}}
	if err := s.App.Messages.Append(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "see the message in the chat list",
		chromedp.Navigate(s.URL+"/"),
		chromedp.WaitVisible(chromedp.Search(fmt.Sprintf(`//li[@data-testid="row-%d"]//*[@data-testid="preview"][contains(., "Welcome, Mei")]`, bank.ID))),
	)
	do(t, ctx, "write to the bank",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="row-%d"] a.row-main`, bank.ID))),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=to-keyboard]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=to-keyboard]`)), // without scripts: a link to the composer
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=send-text] textarea`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=send-text] textarea`), "Thank you!"),
		chromedp.Click(chromedp.Search(`//form[@data-testid="send-text"]//button[normalize-space()="Send"]`)),
		chromedp.WaitVisible(chromedp.Search(`//li[contains(@class,"mine")]//p[normalize-space()="Thank you!"]`)),
	)
	do(t, ctx, "use the menu",
		chromedp.Click(chromedp.Search(`//nav[@data-testid="menubar"]//summary[normalize-space()="Services"]`)),
		chromedp.Click(chromedp.Search(`//nav[@data-testid="menubar"]//button[normalize-space()="Opening hours"]`)),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-testid="messages"]//p[contains(., "Branches open 9:00 to 17:00")]`)),
	)
	do(t, ctx, "send a location",
		chromedp.Click(chromedp.CSS(`[data-testid=to-keyboard]`)),
		chromedp.WaitVisible(chromedp.CSS(`.compose-tabs`)),
		chromedp.Click(chromedp.Search(`//div[contains(@class,"compose-tabs")]//a[normalize-space()="Location"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=send-location] input[name=lat]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=send-location] input[name=lat]`), "31.2304"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=send-location] input[name=lng]`), "121.4737"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=send-location] input[name=label]`), "People's Square"),
	)
	// With scripts on, follower.js would show the "Use my location" button.
	run(t, ctx, "wait for the page to load", chromedp.Poll[bool](`document.readyState === "complete"`))
	if shown := run(t, ctx, "check that scripts are off", chromedp.Evaluate[bool](`!document.querySelector("[data-geolocate]").hidden`)); shown {
		t.Fatal("follower.js ran: JavaScript is not off")
	}
	do(t, ctx, "send the location",
		chromedp.Click(byText("button", "Send location")),
		chromedp.WaitVisible(chromedp.Search(`//li[contains(@class,"mine")]//p[contains(., "People's Square")]`)),
	)
	do(t, ctx, "read the article from the folder",
		chromedp.Navigate(s.URL+"/subscriptions"),
		chromedp.Click(chromedp.CSS(`[data-testid=folder-item] a`)),
		chromedp.WaitReady(chromedp.CSS(`body`)),
	)
	waitPath(t, ctx, fmt.Sprintf("/s/%d", articleID))
	if body := run(t, ctx, "read the article", chromedp.Text(chromedp.CSS(`body`))); !strings.Contains(body, "Autumn pu-erh tasting") {
		t.Logf("the reading page does not show the article (publishing's page): %.200s", body)
	}
}
