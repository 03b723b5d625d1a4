package ui_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/media/mediatest"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/ui"
	"github.com/heraldoa/herald/internal/user"
)

// newAccount creates an active account; verified gives it the badge and an
// organisation.
func newAccount(t *testing.T, s *apptest.Server, name, typ string, verified bool) *account.Account {
	t.Helper()
	ctx := context.Background()
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: name,
		Description: "All about " + name, Organisation: name + " Ltd", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	if verified {
		if _, err := s.App.DB.Exec(ctx, `UPDATE accounts SET verified_until = ? WHERE id = ?`,
			db.Micro(s.App.Clock.Now().Add(365*24*time.Hour)), a.ID); err != nil {
			t.Fatal(err)
		}
	}
	a, err = s.App.Accounts.ByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// follower creates a person and a signed-in client for them.
// followFromProfile follows a with each client, as the follow button on
// its profile does.
func followFromProfile(t *testing.T, a *account.Account, clients ...*apptest.Client) {
	t.Helper()
	for _, c := range clients {
		wantRedirect(t, c.PostForm(accountPath(a, "/follow"), nil), accountPath(a, ""))
	}
}

func follower(t *testing.T, s *apptest.Server, username string) (*user.Person, *apptest.Client) {
	t.Helper()
	p := s.CreatePerson(t, username, pw, user.RoleNone)
	c := s.Client(t)
	c.SignIn(username, pw)
	return p, c
}

// sendFromAccount delivers a message from the account to the follower, as
// the inbox or the developer API would.
func sendFromAccount(t *testing.T, s *apptest.Server, accountID, personID int64, text string) *message.Message {
	t.Helper()
	m := &message.Message{AccountID: accountID, PersonID: personID, Direction: message.Out, Kind: message.KindText,
		Sender: message.SenderAgent, Body: message.Body{Text: text}}
	if err := s.App.Messages.Append(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func history(t *testing.T, s *apptest.Server, accountID, personID int64) []*message.Message {
	t.Helper()
	list, err := s.App.Messages.History(context.Background(), accountID, personID, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func accountPath(a *account.Account, rest string) string { return fmt.Sprintf("/a/%d%s", a.ID, rest) }
func chatPath(a *account.Account, rest string) string    { return fmt.Sprintf("/chat/%d%s", a.ID, rest) }

func TestDiscoverFollowAndChatList(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	bank := newAccount(t, s, "Harbour Bank", account.Service, true)
	newAccount(t, s, "Harbourside Cafe", account.Subscription, false)
	me, c := follower(t, s, "mei")

	// Partial, normalised search; the verified account comes first.
	res := c.Get("/discover?q=" + url.QueryEscape("ＨＡＲＢＯＵＲ"))
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, "Harbourside Cafe")
	if i, j := strings.Index(res.Body, "Harbour Bank"), strings.Index(res.Body, "Harbourside Cafe"); i < 0 || i > j {
		t.Fatalf("the verified account is not listed first:\n%s", res.Body)
	}
	wantBody(t, c.Get("/discover?q=nothing-like-this"), "No account is called anything like")

	// The profile shows who the account is.
	res = c.Get(accountPath(bank, ""))
	wantStatus(t, res, http.StatusOK)
	for _, s := range []string{"Harbour Bank", "✓ Verified", "Verified organisation: Harbour Bank Ltd", "Service account", "Mainland China",
		"All about Harbour Bank", fmt.Sprintf("/report?target_type=account&amp;target_id=%d", bank.ID)} {
		if !strings.Contains(res.Body, s) {
			t.Errorf("the profile does not show %q", s)
		}
	}

	// Follow from the profile: an openid for this account, the count grows.
	followFromProfile(t, bank, c)
	f, err := s.App.Follows.Get(context.Background(), bank.ID, me.ID)
	if err != nil || !f.Following || f.Source != follow.SourceProfile {
		t.Fatalf("after Follow: %+v %v", f, err)
	}
	if got, _ := s.App.Accounts.ByID(context.Background(), bank.ID); got.FollowerCount != 1 {
		t.Fatalf("follower count %d, want 1", got.FollowerCount)
	}
	wantBody(t, c.Get(accountPath(bank, "")), "Unfollow")

	// The Service account is a chat-list row; its message shows with a count.
	res = c.Get("/")
	wantBody(t, res, fmt.Sprintf(`data-testid="row-%d"`, bank.ID))
	sendFromAccount(t, s, bank.ID, me.ID, "Your card has shipped")
	sendFromAccount(t, s, bank.ID, me.ID, "It arrives on Friday")
	res = c.Get("/")
	wantBody(t, res, "It arrives on Friday")
	if !regexp.MustCompile(`data-testid="unread" data-count="2"`).MatchString(res.Body) || !res.Contains("<title>(2) Chats · Herald</title>") {
		t.Fatalf("the chat list does not show 2 unread:\n%s", res.Body)
	}

	// Opening the conversation shows the history and clears the count.
	res = c.Get(chatPath(bank, ""))
	wantBody(t, res, "Your card has shipped")
	if strings.Contains(c.Get("/").Body, `data-testid="unread"`) {
		t.Fatal("the unread count stays after reading the conversation")
	}

	// Muting shows a dot instead of a number; unfollowing from the list
	// removes the row.
	wantRedirect(t, c.PostForm(accountPath(bank, "/mute"), url.Values{"next": {"/"}}), "/")
	sendFromAccount(t, s, bank.ID, me.ID, "A quiet message")
	if body := c.Get("/").Body; !strings.Contains(body, `class="unread dot"`) || !strings.Contains(body, "Unmute") {
		t.Fatalf("a muted account's row does not show a dot:\n%s", body)
	}
	wantRedirect(t, c.PostForm(accountPath(bank, "/unfollow"), url.Values{"next": {"/"}}), "/")
	if body := c.Get("/").Body; strings.Contains(body, fmt.Sprintf(`row-%d`, bank.ID)) {
		t.Fatal("an unfollowed account stays in the chat list")
	}
	if got, _ := s.App.Accounts.ByID(context.Background(), bank.ID); got.FollowerCount != 0 {
		t.Fatalf("follower count %d after unfollowing, want 0", got.FollowerCount)
	}
	// A follow form cannot send the person off Herald afterwards.
	wantRedirect(t, c.PostForm(accountPath(bank, "/follow"), url.Values{"next": {"//evil.example/"}}), accountPath(bank, ""))
}

func TestPendingAccountsDoNotExistForFollowers(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	pending, err := s.App.Accounts.Create(context.Background(), account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Not Yet Bank"})
	if err != nil {
		t.Fatal(err)
	}
	me, c := follower(t, s, "mei")
	if c.Get("/discover?q=not+yet").Contains("Not Yet Bank") {
		t.Fatal("search lists a pending account")
	}
	wantStatus(t, c.Get(accountPath(pending, "")), http.StatusNotFound)
	wantStatus(t, c.Get(chatPath(pending, "")), http.StatusNotFound)
	wantStatus(t, c.PostForm(accountPath(pending, "/follow"), nil), http.StatusNotFound)
	if _, err := s.App.Follows.Get(context.Background(), pending.ID, me.ID); err == nil {
		t.Fatal("a pending account was followed")
	}
}

// pngBytes is a small valid PNG.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postFile submits a form with one file, as a page would.
func postFile(t *testing.T, c *apptest.Client, s *apptest.Server, path, field, name string, content []byte, fields url.Values) *apptest.Response {
	t.Helper()
	return postMultipart(t, s, c, path, fields, map[string]upload{field: {name, content}})
}

func TestSendTextImageAndLocation(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	bank := newAccount(t, s, "Harbour Bank", account.Service, false)
	me, c := follower(t, s, "mei")
	other, oc := follower(t, s, "bob")

	// Before following there is no composer, and sending is refused.
	res := c.Get(chatPath(bank, ""))
	wantBody(t, res, "Follow Harbour Bank to message it.")
	res = c.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"text"}, "text": {"hello"}})
	wantStatus(t, res, http.StatusForbidden)
	if !regexp.MustCompile(`role="alert">Follow Harbour Bank to message it.`).MatchString(res.Body) {
		t.Fatalf("the refusal is not shown:\n%s", res.Body)
	}
	if len(history(t, s, bank.ID, me.ID)) != 0 {
		t.Fatal("a message was stored for someone who does not follow")
	}
	for _, cl := range []*apptest.Client{c, oc} {
		wantRedirect(t, cl.PostForm(accountPath(bank, "/follow"), url.Values{"next": {chatPath(bank, "")}}), chatPath(bank, ""))
	}

	// An empty message is refused with a message next to the box.
	res = c.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"text"}, "text": {"   "}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Write a message first.")

	// Text.
	wantRedirect(t, c.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"text"}, "text": {"  <b>Is the branch open?</b> "}}), chatPath(bank, "#latest"))
	res = c.Get(chatPath(bank, ""))
	if !res.Contains("&lt;b&gt;Is the branch open?&lt;/b&gt;") {
		t.Fatalf("the message is not shown as typed (escaped):\n%s", res.Body)
	}

	// A location out of range is refused and the typed values stay.
	res = c.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"location"}, "lat": {"91"}, "lng": {"121.5"}, "label": {"Pier"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Latitude is a number from -90 to 90.")
	wantBody(t, res, `value="Pier"`)
	for _, bad := range [][2]string{{"NaN", "1"}, {"1", "NaN"}, {"Inf", "1"}, {"", "1"}, {"north", "1"}, {"1", "-180.5"}} {
		res := c.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"location"}, "lat": {bad[0]}, "lng": {bad[1]}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
	}
	wantRedirect(t, c.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"location"}, "lat": {"31.2304"}, "lng": {"121.4737"}, "label": {"People's Square"}}),
		chatPath(bank, "#latest"))

	// An image that is not an image is refused, and nothing is stored.
	res = postFile(t, c, s, chatPath(bank, "/send"), "image", "cat.png", []byte("#!/bin/sh\necho not an image\n"), url.Values{"kind": {"image"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "This image must be one of")
	// So is a PNG of a few dozen bytes declaring 50000 × 50000 pixels.
	res = postFile(t, c, s, chatPath(bank, "/send"), "image", "bomb.png", mediatest.PNG(50000, 50000), url.Values{"kind": {"image"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "This image is 50000 × 50000 pixels; images may be at most 20000 pixels on a side and 50 megapixels in all.")
	img := pngBytes(t)
	wantRedirect(t, postFile(t, c, s, chatPath(bank, "/send"), "image", "x.exe", img, url.Values{"kind": {"image"}}), chatPath(bank, "#latest"))

	msgs := history(t, s, bank.ID, me.ID)
	if len(msgs) != 3 || msgs[0].Kind != "text" || msgs[1].Kind != "location" || msgs[2].Kind != "image" {
		t.Fatalf("stored %d messages: %+v", len(msgs), msgs)
	}
	if loc := msgs[1].Body; loc.Lat != 31.2304 || loc.Lng != 121.4737 || loc.Label != "People's Square" {
		t.Fatalf("location stored as %+v", loc)
	}
	imgMsg := msgs[2]
	mediaURL := chatPath(bank, fmt.Sprintf("/media/%d", imgMsg.ID))
	res = c.Get(chatPath(bank, ""))
	wantBody(t, res, mediaURL)
	wantBody(t, res, "People's Square")

	// The image is served to the person who sent it ...
	res = c.Get(mediaURL)
	wantStatus(t, res, http.StatusOK)
	if res.Header.Get("Content-Type") != "image/png" || res.Body != string(img) {
		t.Fatalf("the image came back as %q, %d bytes", res.Header.Get("Content-Type"), len(res.Body))
	}
	// ... and to nobody else: not another follower, not a visitor.
	wantStatus(t, oc.Get(mediaURL), http.StatusNotFound)
	if res := s.Client(t).Get(mediaURL); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
		t.Fatalf("a visitor got %d for the image", res.Status)
	}
	if len(history(t, s, bank.ID, other.ID)) != 0 {
		t.Fatal("the other follower has messages they never sent")
	}
}

func TestFollowersCannotReadOthersConversationsOrOpenIDs(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	bank := newAccount(t, s, "Harbour Bank", account.Service, true)
	tea := newAccount(t, s, "Lotus Tea", account.Subscription, true)
	mei, mc := follower(t, s, "mei")
	bo, bc := follower(t, s, "bob")
	for _, a := range []*account.Account{bank, tea} {
		followFromProfile(t, a, mc, bc)
	}
	wantRedirect(t, mc.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"text"}, "text": {"mei's private question"}}), chatPath(bank, "#latest"))
	sendFromAccount(t, s, bank.ID, mei.ID, "answer only for mei")

	var openids []string
	for _, a := range []*account.Account{bank, tea} {
		for _, p := range []*user.Person{mei, bo} {
			f, err := s.App.Follows.Get(context.Background(), a.ID, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			openids = append(openids, f.OpenID)
		}
	}
	// Bo's view of the same conversation URL is Bo's own conversation.
	res := bc.Get(chatPath(bank, ""))
	wantStatus(t, res, http.StatusOK)
	if res.Contains("private question") || res.Contains("answer only for mei") {
		t.Fatal("another follower's conversation is visible")
	}
	if bc.Get("/").Contains("answer only for mei") {
		t.Fatal("another follower's message shows in the chat list")
	}
	// Adding a person id to the URL changes nothing.
	if res := bc.Get(chatPath(bank, fmt.Sprintf("?person=%d&person_id=%d", mei.ID, mei.ID))); res.Contains("private question") {
		t.Fatal("a person id in the query opens their conversation")
	}

	// No page a follower sees carries any openid, theirs or anyone's.
	for _, cl := range []*apptest.Client{mc, bc} {
		for _, path := range []string{"/", "/discover", "/discover?q=harbour", accountPath(bank, ""), accountPath(tea, ""),
			chatPath(bank, ""), chatPath(tea, ""), "/subscriptions", "/me"} {
			res := cl.Get(path)
			wantStatus(t, res, http.StatusOK)
			for _, o := range openids {
				if strings.Contains(res.Body, o) {
					t.Fatalf("%s shows an openid", path)
				}
			}
			if strings.Contains(res.Body, fmt.Sprintf("person=%d", bo.ID)) {
				t.Fatalf("%s carries a person id", path)
			}
		}
	}
}

// liveStream opens /events for a client and returns its lines.
func liveStream(t testing.TB, c *apptest.Client) (<-chan string, func()) {
	t.Helper()
	return liveStreamAt(t, c, "/events")
}

// liveStreamAt opens the follower's event stream at path (with a query).
func liveStreamAt(t testing.TB, c *apptest.Client, path string) (<-chan string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req := c.NewRequest(http.MethodGet, path, nil).WithContext(ctx)
	req.Header.Set("Accept", "text/event-stream")
	res, err := c.HTTP.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("/events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	lines := make(chan string, 100)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines, func() { cancel(); res.Body.Close(); wg.Wait() }
}

// nextData returns the data of the next event named name.
func nextData(t testing.TB, lines <-chan string, name string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	event := ""
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended before a %q event", name)
			}
			switch {
			case strings.HasPrefix(l, "event: "):
				event = strings.TrimPrefix(l, "event: ")
			case strings.HasPrefix(l, "data: ") && event == name:
				return strings.TrimPrefix(l, "data: ")
			}
		case <-timeout:
			t.Fatalf("no %q event", name)
		}
	}
}

func TestEventsStreamOnlyTheSignedInPersonsMessages(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	bank := newAccount(t, s, "Harbour Bank", account.Service, false)
	mei, mc := follower(t, s, "mei")
	bo, bc := follower(t, s, "bob")
	followFromProfile(t, bank, mc, bc)
	if res := s.Client(t).Get("/events"); res.Status != http.StatusSeeOther {
		t.Fatalf("a visitor got %d from /events, want a redirect to sign in", res.Status)
	}

	lines, stop := liveStream(t, bc)
	defer stop()
	nextData(t, lines, "ready")
	sendFromAccount(t, s, bank.ID, mei.ID, "for mei only")
	sendFromAccount(t, s, bank.ID, bo.ID, "for bob")
	data := nextData(t, lines, "message")
	if !strings.Contains(data, "for bob") || strings.Contains(data, "for mei") {
		t.Fatalf("bob's stream delivered %s", data)
	}
	if strings.Contains(data, "person") || strings.Contains(data, fmt.Sprint(bo.ID)) {
		t.Fatalf("the event carries the person id: %s", data)
	}
	// Reading the conversation tells bo's other devices.
	bc.Get(chatPath(bank, ""))
	if data := nextData(t, lines, "read"); !strings.Contains(data, fmt.Sprint(bank.ID)) {
		t.Fatalf("read event %s", data)
	}
}

// fakeMenu is a menu for every follower.
type fakeMenu []ui.MenuButton

func (m fakeMenu) ForFollower(ctx context.Context, accountID, personID int64) ([]ui.MenuButton, error) {
	return m, nil
}

// clickResponder answers menu clicks as an auto-reply would.
type clickResponder struct{}

func (clickResponder) Respond(ctx context.Context, in *message.Inbound) (message.Outcome, error) {
	if in.Event == message.EventClick && in.Key == "HOURS" {
		return message.Outcome{Handled: true, Replies: []message.Reply{{Kind: message.KindText, Sender: message.SenderAutoReply,
			Body: message.Body{Text: "We open 9:00–17:00"}}}}, nil
	}
	return message.Outcome{}, nil
}

func TestMenuClicksAndLinks(t *testing.T) {
	t.Parallel()
	s := apptest.NewWith(t, app.Options{Responders: []message.Responder{clickResponder{}}})
	bank := newAccount(t, s, "Harbour Bank", account.Service, false)
	s.App.UI.Menus = fakeMenu{
		{Type: "click", Name: "Hours", Key: "HOURS"},
		{Name: "More", SubButtons: []ui.MenuButton{
			{Type: "view", Name: "Website", URL: "https://bank.example/rates"},
			{Type: "click", Name: "Card lost", Key: "LOST"},
		}},
	}
	me, c := follower(t, s, "mei")
	followFromProfile(t, bank, c)

	res := c.Get(chatPath(bank, ""))
	wantBody(t, res, `data-testid="menubar"`)
	wantBody(t, res, `<summary translate="no">More</summary>`)
	wantBody(t, res, chatPath(bank, "/view?url="+url.QueryEscape("https://bank.example/rates")))

	// A click reaches the responders; without JavaScript the page it returns
	// to already has the reply.
	wantRedirect(t, c.PostForm(chatPath(bank, "/click"), url.Values{"key": {"HOURS"}}), chatPath(bank, "#latest"))
	wantBody(t, c.Get(chatPath(bank, "")), "We open 9:00–17:00")
	if msgs := history(t, s, bank.ID, me.ID); len(msgs) != 1 || msgs[0].Sender != message.SenderAutoReply {
		t.Fatalf("after the click the conversation has %+v", msgs)
	}

	// A key that is not in the menu does nothing.
	before := len(history(t, s, bank.ID, me.ID))
	res = c.PostForm(chatPath(bank, "/click"), url.Values{"key": {"ADMIN_SECRET"}})
	wantRedirect(t, res, chatPath(bank, ""))
	if after := len(history(t, s, bank.ID, me.ID)); after != before {
		t.Fatal("a made-up menu key was sent")
	}

	// Links go only where the menu points.
	res = c.Get(chatPath(bank, "/view?url="+url.QueryEscape("https://bank.example/rates")))
	wantRedirect(t, res, "https://bank.example/rates")
	for _, bad := range []string{"https://evil.example/", "//evil.example/", "https://bank.example/rates/../../x", ""} {
		res := c.Get(chatPath(bank, "/view?url="+url.QueryEscape(bad)))
		if res.Status != http.StatusNotFound {
			t.Errorf("view %q: %d to %q, want 404", bad, res.Status, res.Location)
		}
	}
}

// fakeFolder is a publishing feature with fixed publications.
type fakeFolder struct {
	mu    sync.Mutex
	items []ui.FolderItem
	seen  bool
}

func (f *fakeFolder) Folder(ctx context.Context, personID int64, cursor string, limit int) ([]ui.FolderItem, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]ui.FolderItem(nil), f.items...)
	for i := range out {
		out[i].Seen = f.seen
	}
	return out, "", nil
}

func (f *fakeFolder) MarkFolderSeen(ctx context.Context, personID int64) error {
	f.mu.Lock()
	f.seen = true
	f.mu.Unlock()
	return nil
}

func (f *fakeFolder) Recent(ctx context.Context, accountID, _ int64, limit int) ([]ui.FolderItem, error) {
	var out []ui.FolderItem
	for _, it := range f.items {
		if it.AccountID == accountID {
			out = append(out, it)
		}
	}
	return out, nil
}

func TestSubscriptionsFolder(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	tea := newAccount(t, s, "Lotus Tea", account.Subscription, true)
	news := newAccount(t, s, "City News", account.Subscription, false)
	now := s.App.Clock.Now()
	folder := &fakeFolder{items: []ui.FolderItem{
		{AccountID: news.ID, AccountName: news.Name, PublicationID: 3, ArticleID: 31, Title: "Rain all week", Articles: 1, At: now.Add(-time.Hour)},
		{AccountID: tea.ID, AccountName: tea.Name, Verified: true, PublicationID: 2, ArticleID: 21, Title: "Spring oolong is here", Articles: 3, At: now.Add(-2 * time.Hour)},
		{AccountID: news.ID, AccountName: news.Name, PublicationID: 1, ArticleID: 11, Title: "Bridge reopens", Articles: 1, At: now.Add(-3 * time.Hour)},
		{AccountID: news.ID, AccountName: news.Name, PublicationID: 4, ArticleID: 41, Title: "Ferry timetable", Articles: 1, At: now.Add(-4 * time.Hour)},
	}}
	s.App.UI.Publications = folder
	_, c := follower(t, s, "mei")
	if c.Get("/").Contains("row-subscriptions") {
		t.Fatal("the Subscriptions row shows before following any Subscription account")
	}
	for _, a := range []*account.Account{tea, news} {
		followFromProfile(t, a, c)
	}
	// Both accounts are one row, with the newest publication and a count.
	res := c.Get("/")
	wantBody(t, res, `data-testid="row-subscriptions"`)
	wantBody(t, res, "City News: Rain all week")
	wantBody(t, res, `data-count="4"`)
	if res.Contains(fmt.Sprintf("row-%d", tea.ID)) {
		t.Fatal("a Subscription account has a chat-list row of its own")
	}

	// The folder groups per account, newest account first, unseen marked.
	res = c.Get("/subscriptions")
	wantStatus(t, res, http.StatusOK)
	body := res.Body
	iNews, iTea := strings.Index(body, "City News"), strings.Index(body, "Lotus Tea")
	if iNews < 0 || iTea < 0 || iNews > iTea || strings.Count(body, `data-testid="folder-group"`) != 2 {
		t.Fatalf("folder groups wrong:\n%s", body)
	}
	if strings.Count(body, `data-testid="unseen"`) != 4 {
		t.Fatalf("the folder does not mark 4 unseen publications")
	}
	for _, link := range []string{`href="/s/31"`, `href="/s/21"`, `href="/s/11"`, `href="/s/41"`} {
		wantBody(t, res, link)
	}
	// Two per account are shown; the rest fold under "N more".
	more := strings.Index(body, "1 more from City News")
	if more < 0 || strings.Index(body, `href="/s/41"`) < more || strings.Index(body, `href="/s/11"`) > more {
		t.Fatalf("City News's third publication is not folded:\n%s", body)
	}
	wantBody(t, res, "3 articles")
	// Opening the folder marks it seen.
	if c.Get("/subscriptions").Contains(`data-testid="unseen"`) || c.Get("/").Contains(`data-testid="unread"`) {
		t.Fatal("publications stay unseen after opening the folder")
	}
	// The profile lists the account's recent publications.
	wantBody(t, c.Get(accountPath(tea, "")), "Spring oolong is here")
}

func TestAvatarUpload(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	me, c := follower(t, s, "mei")
	res := postFile(t, c, s, "/me/avatar", "avatar", "me.png", []byte("GIF89a not really"), nil)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "This avatar must be one of")
	res = postFile(t, c, s, "/me/avatar", "avatar", "me.webp", mediatest.WebP(30000, 30000), nil)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "This avatar is 30000 × 30000 pixels")
	img := pngBytes(t)
	wantRedirect(t, postFile(t, c, s, "/me/avatar", "avatar", "me.png", img, nil), "/me")
	p, _ := s.App.Users.ByID(context.Background(), me.ID)
	if p.AvatarPath == "" {
		t.Fatal("no avatar stored")
	}
	wantBody(t, c.Get("/me"), `src="/me/avatar"`)
	if res := c.Get("/me/avatar"); res.Status != http.StatusOK || res.Body != string(img) {
		t.Fatalf("own avatar: %d, %d bytes", res.Status, len(res.Body))
	}
}

func TestAccountMessagesRenderAsCards(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	bank := newAccount(t, s, "Harbour Bank", account.Service, false)
	me, c := follower(t, s, "mei")
	followFromProfile(t, bank, c)
	ctx := context.Background()
	for _, m := range []*message.Message{
		{Kind: message.KindPublication, Sender: message.SenderMass, Body: message.Body{PublicationID: 9, Title: "New savings rates", URL: "/s/91",
			Articles: []message.Article{{Title: "New savings rates", Description: "From 1 December", URL: "/s/91"}, {Title: "Branch hours over the holidays", URL: "/s/92"}}}},
		{Kind: message.KindLink, Sender: message.SenderAPI, Body: message.Body{Title: "Click me", URL: "javascript:alert(document.cookie)"}},
	} {
		m.AccountID, m.PersonID, m.Direction = bank.ID, me.ID, message.Out
		if err := s.App.Messages.Append(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	res := c.Get(chatPath(bank, ""))
	for _, want := range []string{`href="/s/91"`, `href="/s/92"`, "New savings rates", "From 1 December", "Branch hours over the holidays"} {
		if !res.Contains(want) {
			t.Errorf("the conversation does not show %q", want)
		}
	}
	if res.Contains("javascript:alert") {
		t.Fatal("a javascript: link from an account reaches the page")
	}
	// The chat list previews the last message.
	res = c.Get("/")
	wantBody(t, res, "[Link] Click me")
}

func TestAccountsThatKnowYou(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	bank := newAccount(t, s, "Harbour Bank", account.Service, true)
	tea := newAccount(t, s, "Lotus Tea", account.Subscription, false)
	newAccount(t, s, "Never Followed", account.Service, false)
	_, c := follower(t, s, "mei")
	for _, a := range []*account.Account{bank, tea} {
		followFromProfile(t, a, c)
	}
	wantRedirect(t, c.PostForm(accountPath(bank, "/unfollow"), nil), accountPath(bank, ""))
	_, other := follower(t, s, "bob")
	if other.Get("/me/accounts").Contains("Harbour Bank") {
		t.Fatal("another person's accounts are listed")
	}
	res := c.Get("/me/accounts")
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, "Lotus Tea")
	wantBody(t, res, "Following since")
	wantBody(t, res, "Unfollowed")
	list := res.Body[strings.Index(res.Body, `data-testid="relations"`):]
	if res.Contains("Never Followed") || strings.Index(list, "Lotus Tea") > strings.Index(list, "Harbour Bank") {
		t.Fatalf("the list is wrong:\n%s", res.Body)
	}
}

func TestLongConversationPages(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	bank := newAccount(t, s, "Harbour Bank", account.Service, false)
	me, c := follower(t, s, "mei")
	followFromProfile(t, bank, c)
	for i := range 55 {
		sendFromAccount(t, s, bank.ID, me.ID, fmt.Sprintf("Statement line %02d.", i))
	}
	res := c.Get(chatPath(bank, ""))
	if res.Contains("Statement line 04.") || !res.Contains("Statement line 05.") || !res.Contains("Statement line 54.") {
		t.Fatalf("the first page is not the newest 50 messages (status %d, lines shown %q)", res.Status,
			regexp.MustCompile(`Statement line \d+`).FindAllString(res.Body, -1))
	}
	m := regexp.MustCompile(`href="(/chat/\d+\?before=\d+)">Earlier messages`).FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatal("no link to earlier messages")
	}
	res = c.Get(m[1])
	if !res.Contains("Statement line 00.") || !res.Contains("Statement line 04.") || res.Contains("Statement line 05.") || res.Contains("Earlier messages") {
		t.Fatalf("the earlier page is wrong:\n%s", res.Body)
	}
}

func TestBlacklistedAndSuspended(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	bank := newAccount(t, s, "Harbour Bank", account.Service, false)
	me, c := follower(t, s, "mei")
	_, other := follower(t, s, "bob")
	followFromProfile(t, bank, c)
	sendFromAccount(t, s, bank.ID, me.ID, "Welcome to Harbour Bank")

	// Blacklisted: the history stays readable, sending is refused.
	if _, err := s.App.DB.Exec(ctx, `UPDATE follows SET blocked = TRUE WHERE account_id = ? AND person_id = ?`, bank.ID, me.ID); err != nil {
		t.Fatal(err)
	}
	res := c.Get(chatPath(bank, ""))
	wantBody(t, res, "Welcome to Harbour Bank")
	wantBody(t, res, "This account is not accepting your messages.")
	if res.Contains(`data-testid="send-text"`) {
		t.Fatal("a blacklisted follower gets a composer")
	}
	wantStatus(t, c.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"text"}, "text": {"hello?"}}), http.StatusForbidden)
	if n := len(history(t, s, bank.ID, me.ID)); n != 1 {
		t.Fatalf("%d messages after a refused send, want 1", n)
	}
	if _, err := s.App.DB.Exec(ctx, `UPDATE follows SET blocked = FALSE WHERE account_id = ?`, bank.ID); err != nil {
		t.Fatal(err)
	}

	// Suspended: followers still read their conversation, read-only;
	// everyone else finds nothing.
	if _, err := s.App.DB.Exec(ctx, `UPDATE accounts SET status = 'suspended' WHERE id = ?`, bank.ID); err != nil {
		t.Fatal(err)
	}
	res = c.Get(chatPath(bank, ""))
	wantBody(t, res, "Welcome to Harbour Bank")
	wantBody(t, res, "Harbour Bank has been suspended by the platform. You cannot send messages to it")
	wantBody(t, c.Get(accountPath(bank, "")), "Harbour Bank has been suspended by the platform. It cannot be followed or messaged now")
	wantStatus(t, c.PostForm("/lang", url.Values{"lang": {"zh-CN"}}), http.StatusSeeOther)
	zh := c.Get(accountPath(bank, ""))
	wantBody(t, zh, "已被平台暂停。")
	wantBody(t, zh, "目前无法关注它或给它发消息")
	if zh.Contains("It cannot be followed") {
		t.Error("the Chinese profile of a suspended account has English")
	}
	wantStatus(t, c.PostForm("/lang", url.Values{"lang": {"en"}}), http.StatusSeeOther)
	wantStatus(t, c.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"text"}, "text": {"hello?"}}), http.StatusConflict)
	wantStatus(t, other.Get(accountPath(bank, "")), http.StatusNotFound)
	wantStatus(t, other.Get(chatPath(bank, "")), http.StatusNotFound)
	if other.Get("/discover?q=harbour").Contains("Harbour Bank") {
		t.Fatal("search lists a suspended account")
	}
}

func TestSendingTooFastIsRefused(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	bank := newAccount(t, s, "Harbour Bank", account.Service, false)
	me, c := follower(t, s, "mei")
	_, other := follower(t, s, "bob")
	followFromProfile(t, bank, c, other)
	// Stopped, the clock refills no sends however slowly the machine
	// answers: exactly the burst of 20 gets through.
	s.Clock.Stop()
	refused := 0
	for i := range 30 {
		res := c.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"text"}, "text": {fmt.Sprintf("spam %d", i)}})
		if res.Status == http.StatusTooManyRequests {
			refused++
			wantBody(t, res, "You are sending too fast.")
			wantBody(t, res, fmt.Sprintf("spam %d", i)) // what was typed stays in the box
		}
	}
	if n := len(history(t, s, bank.ID, me.ID)); n != 20 || refused != 10 {
		t.Fatalf("30 quick sends: %d stored, %d refused", n, refused)
	}
	// Someone else is not slowed down by it.
	wantRedirect(t, other.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"text"}, "text": {"hello"}}), chatPath(bank, "#latest"))
	// One interval later the sender has one send again, and only one.
	s.Clock.Advance(300 * time.Millisecond)
	wantRedirect(t, c.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"text"}, "text": {"again"}}), chatPath(bank, "#latest"))
	wantStatus(t, c.PostForm(chatPath(bank, "/send"), url.Values{"kind": {"text"}, "text": {"and again"}}), http.StatusTooManyRequests)
}

// echoResponder answers every text message, as an auto-reply would.
type echoResponder struct{}

func (echoResponder) Respond(ctx context.Context, in *message.Inbound) (message.Outcome, error) {
	if in.Message != nil && in.Message.Kind == message.KindText {
		return message.Outcome{Handled: true, Replies: []message.Reply{{Kind: message.KindText, Sender: message.SenderAutoReply,
			Body: message.Body{Text: "Thanks for writing to " + in.Account.Name}}}}, nil
	}
	return message.Outcome{}, nil
}

func TestConversationsWithSubscriptionAccounts(t *testing.T) {
	t.Parallel()
	s := apptest.NewWith(t, app.Options{Responders: []message.Responder{echoResponder{}}})
	tea := newAccount(t, s, "Lotus Tea", account.Subscription, false)
	mei, c := follower(t, s, "mei")
	_, other := follower(t, s, "bob")
	followFromProfile(t, tea, c, other)
	if c.Get("/subscriptions").Contains(`data-testid="folder-chats"`) {
		t.Fatal("a conversation shows before any message")
	}
	// Followers can write to a Subscription account; its answer is found
	// through the Subscriptions row and the folder.
	wantRedirect(t, c.PostForm(chatPath(tea, "/send"), url.Values{"kind": {"text"}, "text": {"Do you ship abroad?"}}), chatPath(tea, "#latest"))
	sendFromAccount(t, s, tea.ID, mei.ID, "Yes, to 30 countries.")
	res := c.Get("/")
	wantBody(t, res, "Lotus Tea: Yes, to 30 countries.")
	if res.Contains(fmt.Sprintf("row-%d", tea.ID)) {
		t.Fatal("a Subscription account has a chat-list row of its own")
	}
	res = c.Get("/subscriptions")
	wantBody(t, res, fmt.Sprintf(`data-testid="folder-chat-%d"`, tea.ID))
	wantBody(t, res, "Yes, to 30 countries.")
	wantBody(t, res, chatPath(tea, ""))
	if other.Get("/subscriptions").Contains("30 countries") || other.Get("/").Contains("30 countries") {
		t.Fatal("another follower sees the conversation")
	}
	// Reading the conversation clears its count.
	c.Get(chatPath(tea, ""))
	if c.Get("/").Contains(`data-testid="unread"`) {
		t.Fatal("the count stays after reading")
	}
}

func TestEventStreamsEndAtShutdown(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	_, c := follower(t, s, "mei")
	lines, stop := liveStream(t, c)
	defer stop()
	nextData(t, lines, "ready")
	s.App.UI.CloseStreams() // what http.Server.Shutdown calls
	timeout := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-lines:
			if !ok {
				return // the server ended the stream
			}
		case <-timeout:
			t.Fatal("the event stream stayed open after shutdown began")
		}
	}
}

// beforeReady returns the data lines of the events sent before "ready".
func beforeReady(t *testing.T, lines <-chan string) string {
	t.Helper()
	var b strings.Builder
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok || l == "event: ready" {
				return b.String()
			}
			if strings.HasPrefix(l, "data: ") {
				b.WriteString(l[6:] + "\n")
			}
		case <-timeout:
			t.Fatal("no ready event")
		}
	}
}

// attr returns the value of the first name="..." attribute in an HTML body.
func attr(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(` ` + regexp.QuoteMeta(name) + `="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s attribute in the page", name)
	}
	return html.UnescapeString(m[1])
}

// A message stored after the conversation page read its history but before
// the page's script opened the live stream still reaches the page: the page
// says where its stream starts, and the stream replays from there. Without
// it, a menu reply to a quick tap was only seen after a reload.
func TestChatPageStreamReplaysWhatArrivedWhileItRendered(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	bank := newAccount(t, s, "Harbour Bank", account.Service, false)
	mei, mc := follower(t, s, "mei")
	followFromProfile(t, bank, mc)
	res := mc.Get(chatPath(bank, ""))
	wantStatus(t, res, http.StatusOK)
	after := attr(t, res.Body, "data-after")
	m := sendFromAccount(t, s, bank.ID, mei.ID, "stored while the page rendered")
	lines, stop := liveStreamAt(t, mc, "/events?after="+url.QueryEscape(after))
	replayed := beforeReady(t, lines)
	stop()
	if !strings.Contains(replayed, "stored while the page rendered") {
		t.Fatalf("the stream replayed %q before it was ready, want the message stored while the page rendered", replayed)
	}
	// The chat list marks each row with the newest message it shows, so
	// the page's script skips replayed messages it already has.
	if got := attr(t, mc.Get("/").Body, "data-last"); got != fmt.Sprint(m.ID) {
		t.Fatalf("the chat row's data-last is %s, want the last message's id %d", got, m.ID)
	}
}

// The chat list's Subscriptions row is the app's own words, so a reader of
// Chinese sees it in Chinese: its name, and the preview it has before any
// publication.
func TestSubscriptionsRowInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	tea := newAccount(t, s, "Lotus Tea", account.Subscription, true)
	s.App.UI.Publications = &fakeFolder{}
	_, c := follower(t, s, "lan")
	followFromProfile(t, tea, c)
	wantStatus(t, c.PostForm("/lang", url.Values{"lang": {"zh-CN"}}), http.StatusSeeOther)
	res := c.Get("/")
	wantBody(t, res, `data-testid="row-subscriptions"`)
	wantBody(t, res, ">订阅号消息</strong>")
	wantBody(t, res, ">暂无发表内容</span>")
	for _, english := range []string{">Subscriptions<", "No publications yet"} {
		if res.Contains(english) {
			t.Errorf("the Chinese chat list shows %q", english)
		}
	}
}
