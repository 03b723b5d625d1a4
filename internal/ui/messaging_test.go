package ui_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

const msgPW = "messaging password"

// msgWorld is two active Service accounts, each with an owner, an agent,
// a publisher, and two followers of both.
type msgWorld struct {
	s       *apptest.Server
	a, b    *account.Account
	people  map[string]*user.Person
	clients map[string]*apptest.Client
	ctx     context.Context
}

func newMsgWorld(t *testing.T) *msgWorld {
	t.Helper()
	s := apptest.New(t)
	w := &msgWorld{s: s, people: map[string]*user.Person{}, clients: map[string]*apptest.Client{}, ctx: context.Background()}
	for u, dn := range map[string]string{"hana": "Hana Harbour", "sam": "Sam Agent", "pia": "Pia Publisher", "olga": "Olga Lotus",
		"otto": "Otto Agent", "mei": "Mei Lin", "bob": "Bob Stone"} {
		p, err := s.App.Users.Create(w.ctx, user.NewPerson{Username: u, DisplayName: dn, Password: msgPW})
		if err != nil {
			t.Fatal(err)
		}
		w.people[u] = p
	}
	var err error
	acc := s.App.Accounts
	if w.a, err = acc.Create(w.ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive, OwnerID: w.people["hana"].ID}); err != nil {
		t.Fatal(err)
	}
	if w.b, err = acc.Create(w.ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Lotus Tea", Status: account.StatusActive, OwnerID: w.people["olga"].ID}); err != nil {
		t.Fatal(err)
	}
	for u, role := range map[string]string{"sam": account.RoleAgent, "pia": account.RolePublisher} {
		if _, err := acc.Invite(w.ctx, w.a.ID, account.RoleOwner, u, role); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := acc.Invite(w.ctx, w.b.ID, account.RoleOwner, "otto", account.RoleAgent); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"mei", "bob"} {
		for _, a := range []*account.Account{w.a, w.b} {
			if _, err := s.App.Follows.Follow(w.ctx, a.ID, w.people[u].ID, follow.SourceSearch, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

func (w *msgWorld) client(t *testing.T, u string) *apptest.Client {
	t.Helper()
	if c, ok := w.clients[u]; ok {
		return c
	}
	c := w.s.Client(t)
	c.SignIn(u, msgPW)
	w.clients[u] = c
	return c
}

func (w *msgWorld) mp(a *account.Account, rest string) string {
	return fmt.Sprintf("/mp/a/%d/%s", a.ID, rest)
}

func status(t *testing.T, res *apptest.Response, want int) {
	t.Helper()
	if res.Status != want {
		t.Fatalf("%s: status %d, want %d (Location %q)\n%.3000s", res.URL, res.Status, want, res.Location, res.Body)
	}
}

func shows(t *testing.T, res *apptest.Response, text string) {
	t.Helper()
	if !strings.Contains(html.UnescapeString(res.Body), text) {
		t.Fatalf("%s does not show %q:\n%.4000s", res.URL, text, res.Body)
	}
}

// waitFor polls cond until it holds (the replies are delivered in the
// background); it fails the test after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func (w *msgWorld) history(t *testing.T, a *account.Account, person string) []*message.Message {
	t.Helper()
	h, err := w.s.App.Messages.History(w.ctx, a.ID, w.people[person].ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestRolesGuardMessagingPages(t *testing.T) {
	t.Parallel()
	w := newMsgWorld(t)
	for _, tc := range []struct {
		user, page string
		want       int
	}{
		{"hana", "autoreply", 200}, {"hana", "menu", 200}, {"hana", "inbox", 200}, {"hana", "followers", 200}, {"hana", "team", 200},
		{"sam", "inbox", 200}, {"sam", "followers", 200},
		{"sam", "autoreply", 403}, {"sam", "menu", 403}, {"sam", "team", 403},
		{"pia", "inbox", 403}, {"pia", "followers", 403}, {"pia", "autoreply", 403}, {"pia", "team", 403},
		{"mei", "inbox", 403}, // a follower is no member
	} {
		res := w.client(t, tc.user).Get(w.mp(w.a, tc.page))
		if res.Status != tc.want {
			t.Errorf("%s GET %s: %d, want %d", tc.user, tc.page, res.Status, tc.want)
		}
	}
	// The nav only links to what the role may open.
	res := w.client(t, "sam").Get(w.mp(w.a, "inbox"))
	if strings.Contains(res.Body, `/menu"`) || strings.Contains(res.Body, `/team"`) || !strings.Contains(res.Body, `/followers"`) {
		t.Errorf("agent's navigation:\n%s", res.Body)
	}
	// Posting is guarded the same way: an agent cannot change the menu or the team.
	res = w.client(t, "sam").PostForm(w.mp(w.a, "menu"), url.Values{"b.0.name": {"x"}, "b.0.type": {"click"}, "b.0.key": {"x"}})
	status(t, res, http.StatusForbidden)
	res = w.client(t, "sam").PostForm(w.mp(w.a, "team"), url.Values{"username": {"bob"}, "role": {"admin"}})
	status(t, res, http.StatusForbidden)
	if _, err := w.s.App.Menus.Default(w.ctx, w.a.ID); err == nil {
		t.Error("an agent's menu was saved")
	}
	// A publisher cannot reset the AppSecret (the accounts feature's route).
	if account.Can(account.RolePublisher, account.ActSecret) {
		t.Fatal("a publisher may reset the AppSecret")
	}
	res = w.client(t, "pia").PostForm(w.mp(w.a, "secret"), url.Values{})
	status(t, res, http.StatusForbidden)
	// An agent cannot publish (the publishing feature's routes).
	if account.Can(account.RoleAgent, account.ActPublish) {
		t.Fatal("an agent may publish")
	}
	status(t, w.client(t, "sam").Get(w.mp(w.a, "publish")), http.StatusForbidden)
	status(t, w.client(t, "sam").PostForm(w.mp(w.a, "publish/save"), url.Values{"title": {"Agent's article"}}), http.StatusForbidden)
	status(t, w.client(t, "hana").Get(w.mp(w.a, "publish")), http.StatusOK)
}

func TestTenantIsolationInConsole(t *testing.T) {
	t.Parallel()
	w := newMsgWorld(t)
	if _, err := w.s.App.Chat.Receive(w.ctx, w.a.ID, w.people["mei"].ID, message.KindText, message.Body{Text: "private question"}); err != nil {
		t.Fatal(err)
	}
	otto := w.client(t, "otto") // Lotus Tea's agent
	for _, path := range []string{"inbox", "followers", fmt.Sprintf("inbox/%d", w.people["mei"].ID), fmt.Sprintf("followers/%d", w.people["mei"].ID), "inbox/events"} {
		res := otto.Get(w.mp(w.a, path))
		if res.Status != http.StatusForbidden || strings.Contains(res.Body, "private question") {
			t.Errorf("Lotus's agent GET Harbour's %s: %d", path, res.Status)
		}
	}
	res := otto.PostForm(w.mp(w.a, fmt.Sprintf("inbox/%d/reply", w.people["mei"].ID)), url.Values{"kind": {"text"}, "text": {"hi"}})
	status(t, res, http.StatusForbidden)
	// Through his own account, Harbour's conversation does not exist.
	res = otto.Get(w.mp(w.b, fmt.Sprintf("inbox/%d", w.people["mei"].ID)))
	status(t, res, http.StatusNotFound)
	res = otto.Get(w.mp(w.b, "inbox"))
	status(t, res, http.StatusOK)
	if strings.Contains(res.Body, "private question") {
		t.Error("Lotus's inbox shows Harbour's conversation")
	}
	// Lotus's rules and menus cannot be reached through Harbour's pages.
	rule := &autoreply.Rule{AccountID: w.b.ID, Name: "Lotus rule", Enabled: true, Keywords: []autoreply.Keyword{{Text: "tea"}},
		Replies: []autoreply.Reply{{Type: autoreply.ReplyText, Text: "Lotus only"}}}
	if err := w.s.App.AutoReplies.SaveRule(w.ctx, rule); err != nil {
		t.Fatal(err)
	}
	hana := w.client(t, "hana")
	status(t, hana.Get(w.mp(w.a, fmt.Sprintf("autoreply/rules/%d", rule.ID))), http.StatusNotFound)
	status(t, hana.PostForm(w.mp(w.a, fmt.Sprintf("autoreply/rules/%d", rule.ID)), url.Values{"name": {"Hijacked"}, "kw.0.text": {"x"},
		"reply.0.type": {"text"}, "reply.0.text": {"x"}}), http.StatusNotFound)
	status(t, hana.PostForm(w.mp(w.a, fmt.Sprintf("autoreply/rules/%d/delete", rule.ID)), nil), http.StatusNotFound)
	if got, err := w.s.App.AutoReplies.Rule(w.ctx, w.b.ID, rule.ID); err != nil || got.Name != "Lotus rule" {
		t.Errorf("Lotus's rule after Harbour's attempts: %+v %v", got, err)
	}
	if _, err := w.s.App.Menus.SetDefault(w.ctx, w.b.ID, []menu.Button{{Type: "click", Name: "Tea", Key: "TEA"}}); err != nil {
		t.Fatal(err)
	}
	tag, _ := w.s.App.Audience.CreateTag(w.ctx, w.b.ID, "Lotus fans")
	cond, err := w.s.App.Menus.AddConditional(w.ctx, w.b.ID, []menu.Button{{Type: "click", Name: "Fans", Key: "FANS"}}, menu.MatchRule{TagID: fmt.Sprint(tag.ID)})
	if err != nil {
		t.Fatal(err)
	}
	status(t, hana.PostForm(w.mp(w.a, fmt.Sprintf("menu/conditional/%d/delete", cond.ID)), nil), http.StatusNotFound)
	if _, conds, _ := w.s.App.Menus.All(w.ctx, w.b.ID); len(conds) != 1 {
		t.Error("Harbour deleted Lotus's conditional menu")
	}
	status(t, hana.PostForm(w.mp(w.a, fmt.Sprintf("followers/%d/blacklist", w.people["olga"].ID)), url.Values{"blocked": {"1"}}), http.StatusNotFound)
	// A follower's profile picture: to the account's team only.
	if _, err := w.s.App.Media.Put(w.ctx, "avatars/mei.png", bytes.NewReader(tinyPNG(t))); err != nil {
		t.Fatal(err)
	}
	if err := w.s.App.Users.SetAvatar(w.ctx, w.people["mei"].ID, "avatars/mei.png"); err != nil {
		t.Fatal(err)
	}
	avatar := fmt.Sprintf("followers/%d/avatar", w.people["mei"].ID)
	res = w.client(t, "hana").Get(w.mp(w.a, avatar))
	status(t, res, http.StatusOK)
	if res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("avatar content type %q", res.Header.Get("Content-Type"))
	}
	status(t, otto.Get(w.mp(w.a, avatar)), http.StatusForbidden)
	status(t, w.client(t, "pia").Get(w.mp(w.a, avatar)), http.StatusForbidden)
	status(t, w.client(t, "hana").Get(w.mp(w.a, fmt.Sprintf("followers/%d/avatar", w.people["sam"].ID))), http.StatusNotFound)
	// Followers pages never show a follower's username.
	res = w.client(t, "hana").Get(w.mp(w.a, "followers"))
	status(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "Mei Lin") || strings.Contains(res.Body, "@mei") || strings.Contains(res.Body, ">mei<") {
		t.Errorf("followers page reveals a username:\n%s", res.Body)
	}
}

func TestFollowerGetsKeywordReply(t *testing.T) {
	t.Parallel()
	w := newMsgWorld(t)
	hana := w.client(t, "hana")
	// A rule with a bad reply is refused and the form comes back filled in.
	res := hana.PostForm(w.mp(w.a, "autoreply/rules"), url.Values{"name": {"Prices"}, "enabled": {"on"}, "mode": {"all"},
		"kw.0.text": {"price"}, "kw.0.match": {"exact"}, "reply.0.type": {"news"}, "reply.0.title": {"Rates"}, "reply.0.url": {"ftp://x"}})
	status(t, res, http.StatusUnprocessableEntity)
	shows(t, res, "http:// or https://")
	shows(t, res, `value="Prices"`)
	if rules, _ := w.s.App.AutoReplies.Rules(w.ctx, w.a.ID); len(rules) != 0 {
		t.Fatalf("a refused rule was stored: %+v", rules)
	}
	res = hana.PostForm(w.mp(w.a, "autoreply/rules"), url.Values{"name": {"Prices"}, "enabled": {"on"}, "mode": {"all"},
		"kw.0.text": {"price"}, "kw.0.match": {"exact"}, "kw.1.text": {"rate"}, "kw.1.match": {"contains"},
		"reply.0.type": {"text"}, "reply.0.text": {"Savings: 1.5% a year."},
		"reply.1.type": {"news"}, "reply.1.title": {"All rates"}, "reply.1.url": {"https://harbour.example/rates"}})
	status(t, res, http.StatusSeeOther)
	// The default reply's interval: the form shows an hour until the owner
	// sets another; one outside 1 minute to 7 days is explained.
	shows(t, hana.Get(w.mp(w.a, "autoreply")), `name="default.window" min="1" max="10080" step="1" required value="60"`)
	res = hana.PostForm(w.mp(w.a, "autoreply/special/default"), url.Values{"default.enabled": {"on"}, "default.type": {"text"},
		"default.text": {"An agent will answer soon."}, "default.window": {"0"}})
	status(t, res, http.StatusUnprocessableEntity)
	shows(t, res, "between 1 minute and 7 days")
	res = hana.PostForm(w.mp(w.a, "autoreply/special/default"), url.Values{"default.enabled": {"on"}, "default.type": {"text"},
		"default.text": {"An agent will answer soon."}, "default.window": {"30"}})
	status(t, res, http.StatusSeeOther)
	res = hana.Get(w.mp(w.a, "autoreply"))
	shows(t, res, "Prices")
	shows(t, res, "An agent will answer soon.")
	shows(t, res, `value="30"`)
	if got, _ := w.s.App.AutoReplies.DefaultReplyWindow(w.ctx, w.a.ID); got != 30*time.Minute {
		t.Errorf("default reply window = %v, want 30m", got)
	}

	mei := w.client(t, "mei")
	res = mei.PostForm(fmt.Sprintf("/chat/%d/send", w.a.ID), url.Values{"kind": {"text"}, "text": {"price"}})
	if res.Status >= 400 {
		t.Fatalf("follower send: %d\n%s", res.Status, res.Body)
	}
	waitFor(t, "the keyword reply", func() bool { return len(w.history(t, w.a, "mei")) >= 3 })
	h := w.history(t, w.a, "mei")
	if h[1].Body.Text != "Savings: 1.5% a year." || h[2].Kind != message.KindNews || h[2].Sender != message.SenderAutoReply {
		t.Fatalf("replies: %+v %+v", h[1], h[2])
	}
	res = mei.Get(fmt.Sprintf("/chat/%d", w.a.ID))
	shows(t, res, "Savings: 1.5% a year.")
	// Anything else gets the default reply; the other account's follower gets nothing.
	mei.PostForm(fmt.Sprintf("/chat/%d/send", w.a.ID), url.Values{"kind": {"text"}, "text": {"hello"}})
	waitFor(t, "the default reply", func() bool {
		h := w.history(t, w.a, "mei")
		return len(h) >= 5 && h[4].Body.Text == "An agent will answer soon."
	})
}

func TestMenuEditorAndClicks(t *testing.T) {
	t.Parallel()
	w := newMsgWorld(t)
	hana := w.client(t, "hana")
	form := url.Values{
		"b.0.name": {"Accounts"}, "b.0.type": {"click"}, "b.0.key": {"ACCOUNTS"},
		"b.1.name": {"More"}, "b.1.type": {"sub"},
		"b.1.s.0.name": {"Website"}, "b.1.s.0.type": {"view"}, "b.1.s.0.url": {"https://harbour.example/"},
		"b.1.s.1.name": {"Hours"}, "b.1.s.1.type": {"click"}, "b.1.s.1.key": {"HOURS"},
	}
	res := hana.PostForm(w.mp(w.a, "menu"), form)
	status(t, res, http.StatusSeeOther)
	bs, err := w.s.App.Menus.ForFollower(w.ctx, w.a.ID, w.people["mei"].ID)
	if err != nil || len(bs) != 2 || bs[1].SubButtons[1].Key != "HOURS" {
		t.Fatalf("menu: %+v, %v", bs, err)
	}
	// A name over 16 bytes is refused with WeChat's code; the menu stays.
	bad := url.Values{"b.0.name": {"A name far too long"}, "b.0.type": {"click"}, "b.0.key": {"X"}}
	res = hana.PostForm(w.mp(w.a, "menu"), bad)
	status(t, res, http.StatusUnprocessableEntity)
	shows(t, res, "40018")
	shows(t, res, `value="A name far too long"`)
	if bs, _ := w.s.App.Menus.ForFollower(w.ctx, w.a.ID, w.people["mei"].ID); len(bs) != 2 {
		t.Fatalf("a refused menu replaced the old one: %+v", bs)
	}
	// Conditional menu for a tag, previewed as a follower.
	tag, err := w.s.App.Audience.CreateTag(w.ctx, w.a.ID, "Premium")
	if err != nil {
		t.Fatal(err)
	}
	res = hana.PostForm(w.mp(w.a, "menu/conditional"), url.Values{"tag_id": {fmt.Sprint(tag.ID)}, "c.0.name": {"Private desk"}, "c.0.type": {"click"}, "c.0.key": {"DESK"}})
	status(t, res, http.StatusSeeOther)
	res = hana.PostForm(w.mp(w.a, "followers/bulk"), url.Values{"do": {"tag"}, "tag": {fmt.Sprint(tag.ID)}, "person": {fmt.Sprint(w.people["mei"].ID)}})
	status(t, res, http.StatusSeeOther)
	f, _ := w.s.App.Follows.Get(w.ctx, w.a.ID, w.people["mei"].ID)
	preview := func(res *apptest.Response) string {
		i := strings.Index(res.Body, `id="menu-preview"`)
		if i < 0 {
			t.Fatalf("no preview:\n%s", res.Body)
		}
		return res.Body[i : i+strings.Index(res.Body[i:], "</section>")]
	}
	if p := preview(hana.Get(w.mp(w.a, "menu?as="+f.OpenID))); !strings.Contains(p, "Private desk") || strings.Contains(p, "Accounts") {
		t.Errorf("preview as the tagged follower:\n%s", p)
	}
	bobF, _ := w.s.App.Follows.Get(w.ctx, w.a.ID, w.people["bob"].ID)
	if p := preview(hana.Get(w.mp(w.a, "menu?as="+bobF.OpenID))); strings.Contains(p, "Private desk") || !strings.Contains(p, "Accounts") {
		t.Errorf("preview as an untagged follower:\n%s", p)
	}
	if p := preview(hana.Get(w.mp(w.a, "menu?as=nosuchopenid"))); !strings.Contains(p, "No follower") {
		t.Errorf("preview as an unknown openid:\n%s", p)
	}
	// The follower clicks; the click is recorded and shown to the owner.
	res = w.client(t, "bob").PostForm(fmt.Sprintf("/chat/%d/click", w.a.ID), url.Values{"key": {"HOURS"}})
	if res.Status >= 400 {
		t.Fatalf("click: %d\n%s", res.Status, res.Body)
	}
	waitFor(t, "the click to be recorded", func() bool {
		c, _ := w.s.App.Menus.ClicksByButton(w.ctx, w.a.ID, time.Time{}, w.s.Clock.Now().Add(time.Minute))
		return len(c) == 1 && c[0].Key == "HOURS" && c[0].Clicks == 1
	})
	shows(t, hana.Get(w.mp(w.a, "menu")), "HOURS")
	var _ menu.Button
}

func TestInboxAgentFlow(t *testing.T) {
	t.Parallel()
	w := newMsgWorld(t)
	mei := w.people["mei"]
	if _, err := w.s.App.Chat.Receive(w.ctx, w.a.ID, mei.ID, message.KindText, message.Body{Text: "My card was swallowed"}); err != nil {
		t.Fatal(err)
	}
	sam := w.client(t, "sam")
	res := sam.Get(w.mp(w.a, "inbox?view=waiting"))
	status(t, res, http.StatusOK)
	shows(t, res, "My card was swallowed")
	conv := w.mp(w.a, fmt.Sprintf("inbox/%d", mei.ID))
	status(t, sam.PostForm(conv+"/take", nil), http.StatusSeeOther)
	res = sam.Get(conv)
	shows(t, res, "Taken by Sam Agent")
	// Empty replies come back with a message; nothing is sent.
	res = sam.PostForm(conv+"/reply", url.Values{"kind": {"text"}, "text": {"  "}})
	status(t, res, http.StatusUnprocessableEntity)
	shows(t, res, "Write a message first.")
	res = sam.PostForm(conv+"/reply", url.Values{"kind": {"text"}, "text": {"We are on it, Mei."}})
	status(t, res, http.StatusSeeOther)
	h := w.history(t, w.a, "mei")
	if last := h[len(h)-1]; last.Body.Text != "We are on it, Mei." || last.Sender != message.SenderAgent || last.AgentID != w.people["sam"].ID {
		t.Fatalf("reply: %+v", last)
	}
	shows(t, w.client(t, "mei").Get(fmt.Sprintf("/chat/%d", w.a.ID)), "We are on it, Mei.")
	// Notes are internal.
	status(t, sam.PostForm(conv+"/note", url.Values{"note": {"Card 4417 reported"}}), http.StatusSeeOther)
	shows(t, sam.Get(conv), "Card 4417 reported")
	if strings.Contains(w.client(t, "mei").Get(fmt.Sprintf("/chat/%d", w.a.ID)).Body, "Card 4417") {
		t.Error("the follower sees an internal note")
	}
	// Transfer to a publisher is refused; to the owner it works.
	res = sam.PostForm(conv+"/transfer", url.Values{"to": {fmt.Sprint(w.people["pia"].ID)}})
	status(t, res, http.StatusUnprocessableEntity)
	status(t, sam.PostForm(conv+"/transfer", url.Values{"to": {fmt.Sprint(w.people["hana"].ID)}}), http.StatusSeeOther)
	shows(t, sam.Get(conv), "Taken by Hana Harbour")
	// 48 hours later a free-form reply is refused with the reason.
	w.s.Clock.Advance(message.MessageWindow + time.Minute)
	res = w.client(t, "hana").PostForm(conv+"/reply", url.Values{"kind": {"text"}, "text": {"Any news?"}})
	status(t, res, http.StatusConflict)
	shows(t, res, "48 hours")
	status(t, w.client(t, "hana").PostForm(conv+"/close", nil), http.StatusSeeOther)
	shows(t, sam.Get(w.mp(w.a, "inbox?view=closed")), "Mei Lin")
}

func TestInboxEventsStream(t *testing.T) {
	t.Parallel()
	w := newMsgWorld(t)
	sam := w.client(t, "sam")
	req := sam.NewRequest(http.MethodGet, w.mp(w.a, "inbox/events"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req = req.WithContext(ctx)
	for _, ck := range sam.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	rd := bufio.NewReader(res.Body)
	readUntil := func(prefix string) string {
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the stream for %q: %v", prefix, err)
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		}
	}
	readUntil("event: ready")
	if _, err := w.s.App.Chat.Receive(w.ctx, w.a.ID, w.people["bob"].ID, message.KindText, message.Body{Text: "live hello"}); err != nil {
		t.Fatal(err)
	}
	readUntil("event: message")
	if data := readUntil("data: "); !strings.Contains(data, "live hello") {
		t.Errorf("event data: %s", data)
	}
	// Another account's messages do not reach this stream.
	if _, err := w.s.App.Chat.Receive(w.ctx, w.b.ID, w.people["bob"].ID, message.KindText, message.Body{Text: "other account"}); err != nil {
		t.Fatal(err)
	}
	if err := w.s.App.Inbox.Take(w.ctx, w.a.ID, w.people["bob"].ID, w.people["sam"].ID); err != nil {
		t.Fatal(err)
	}
	readUntil("event: inbox") // the next event is the take, not Lotus's message
}

func TestFollowersAndTeamPages(t *testing.T) {
	t.Parallel()
	w := newMsgWorld(t)
	hana := w.client(t, "hana")
	mei := w.people["mei"]
	// Tags: create, duplicate refused with the form refilled, rename, delete.
	status(t, hana.PostForm(w.mp(w.a, "tags"), url.Values{"name": {"Savers"}}), http.StatusSeeOther)
	res := hana.PostForm(w.mp(w.a, "tags"), url.Values{"name": {"savers"}})
	status(t, res, http.StatusUnprocessableEntity)
	shows(t, res, "already a tag")
	tags, _ := w.s.App.Audience.Tags(w.ctx, w.a.ID)
	if len(tags) != 1 {
		t.Fatalf("tags: %+v", tags)
	}
	status(t, hana.PostForm(w.mp(w.a, fmt.Sprintf("tags/%d", tags[0].ID)), url.Values{"name": {"Big savers"}}), http.StatusSeeOther)
	// Remark and tags on one follower; search by remark.
	one := w.mp(w.a, fmt.Sprintf("followers/%d", mei.ID))
	status(t, hana.PostForm(one, url.Values{"remark": {"Prefers email"}, "tag": {fmt.Sprint(tags[0].ID)}}), http.StatusSeeOther)
	res = hana.PostForm(one, url.Values{"remark": {strings.Repeat("r", 31)}})
	status(t, res, http.StatusUnprocessableEntity)
	if f, _ := w.s.App.Audience.Follower(w.ctx, w.a.ID, mei.ID); f.Remark != "Prefers email" || len(f.TagIDs) != 1 {
		t.Errorf("a refused save changed the follower: %+v", f)
	}
	res = hana.Get(w.mp(w.a, "followers?q=prefers"))
	shows(t, res, "Prefers email")
	shows(t, res, "Big savers")
	if strings.Contains(res.Body, "followers/"+fmt.Sprint(w.people["bob"].ID)+`"`) {
		t.Error("search shows a follower who does not match")
	}
	// Bookmarks with the old page numbers list the newest page; places
	// that do not parse or lie past either end are a page, never an
	// error, on every database.
	for _, query := range []string{"page=200000000000000000", "page=9223372036854775807", "page=99999999999999999999", "page=-3", "page=0", "page=x",
		"after=x", "before=1.", "after=99999999999999999999.1", "before=-9223372036854775808.-1", "after=-1.0", "before=9223372036854775807.1"} {
		res = hana.Get(w.mp(w.a, "followers?"+query))
		status(t, res, http.StatusOK)
		far := strings.HasPrefix(query, "after=-1") // past the oldest
		if listed := strings.Contains(res.Body, "followers/"+fmt.Sprint(mei.ID)+`"`); listed == far {
			t.Errorf("%s: a follower listed: %v, want %v", query, listed, !far)
		}
	}
	// Blacklist: the follower can no longer write.
	status(t, hana.PostForm(one+"/blacklist", url.Values{"blocked": {"1"}}), http.StatusSeeOther)
	if _, err := w.s.App.Chat.Receive(w.ctx, w.a.ID, mei.ID, message.KindText, message.Body{Text: "hi"}); err == nil {
		t.Error("a blacklisted follower could write")
	}
	shows(t, hana.Get(w.mp(w.a, "followers?blacklist=1")), "Prefers email")
	status(t, hana.PostForm(one+"/blacklist", url.Values{"blocked": {"0"}}), http.StatusSeeOther)

	// Team: an invitation, answered the same for unknown usernames, gives
	// its role on acceptance only; role change; the last owner stays.
	invite := func(user string) (*apptest.Response, string) {
		res := hana.PostForm(w.mp(w.a, "team"), url.Values{"username": {user}, "role": {"admin"}, "expires": {"7"}})
		flash, _ := url.QueryUnescape(hana.Cookie("herald_flash"))
		return res, strings.ReplaceAll(flash, "@"+user+" ", "@NAME ")
	}
	ghost, ghostFlash := invite("nobody")
	real, realFlash := invite("bob")
	status(t, ghost, http.StatusSeeOther)
	status(t, real, http.StatusSeeOther)
	if ghost.Location != real.Location || ghostFlash != realFlash || realFlash == "" {
		t.Errorf("an unknown username is answered differently:\n%s %q\n%s %q", ghost.Location, ghostFlash, real.Location, realFlash)
	}
	teamPage := hana.Get(w.mp(w.a, "team"))
	shows(t, teamPage, "@nobody")
	shows(t, teamPage, "@bob")
	bob := w.client(t, "bob")
	status(t, bob.Get(w.mp(w.a, "")), http.StatusForbidden)
	invs, err := w.s.App.Accounts.InvitationsFor(w.ctx, w.people["bob"].ID)
	if err != nil || len(invs) != 1 {
		t.Fatalf("bob's invitations: %+v %v", invs, err)
	}
	shows(t, bob.Get("/mp/invitations"), "invites you as <strong>admin</strong>")
	status(t, w.client(t, "mei").PostForm(fmt.Sprintf("/mp/invitations/%d/accept", invs[0].ID), nil), http.StatusNotFound)
	status(t, bob.PostForm(fmt.Sprintf("/mp/invitations/%d/accept", invs[0].ID), nil), http.StatusSeeOther)
	res = bob.PostForm(w.mp(w.a, "team"), url.Values{"username": {"mei"}, "role": {"owner"}})
	status(t, res, http.StatusForbidden)
	res = bob.PostForm(w.mp(w.a, fmt.Sprintf("team/%d/remove", w.people["hana"].ID)), nil)
	status(t, res, http.StatusForbidden)
	res = hana.PostForm(w.mp(w.a, fmt.Sprintf("team/%d/remove", w.people["hana"].ID)), nil)
	status(t, res, http.StatusConflict)
	shows(t, res, "at least one owner")
	status(t, hana.PostForm(w.mp(w.a, fmt.Sprintf("team/%d/role", w.people["sam"].ID)), url.Values{"role": {"analyst"}}), http.StatusSeeOther)
	status(t, w.client(t, "sam").Get(w.mp(w.a, "inbox")), http.StatusForbidden)
	shows(t, hana.Get(w.mp(w.a, "team")), "analyst")
	var _ = audience.MaxTags
	var _ = autoreply.MaxRules
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestLibraryImagesInRepliesAndMenus(t *testing.T) {
	t.Parallel()
	w := newMsgWorld(t)
	asset, err := w.s.App.Publish.Upload(w.ctx, w.a.ID, "image", "poster.png", bytes.NewReader(tinyPNG(t)))
	if err != nil {
		t.Fatal(err)
	}
	other, err := w.s.App.Publish.Upload(w.ctx, w.b.ID, "image", "theirs.png", bytes.NewReader(tinyPNG(t)))
	if err != nil {
		t.Fatal(err)
	}
	hana := w.client(t, "hana")
	shows(t, hana.Get(w.mp(w.a, "autoreply/rules/new")), "poster.png")
	// Another account's image is refused; nothing is stored.
	res := hana.PostForm(w.mp(w.a, "autoreply/rules"), url.Values{"name": {"Poster"}, "enabled": {"on"},
		"kw.0.text": {"poster"}, "reply.0.type": {"image"}, "reply.0.library": {other.MediaID}})
	status(t, res, http.StatusUnprocessableEntity)
	shows(t, res, "not in the account's media library")
	res = hana.PostForm(w.mp(w.a, "autoreply/rules"), url.Values{"name": {"Poster"}, "enabled": {"on"},
		"kw.0.text": {"poster"}, "reply.0.type": {"image"}, "reply.0.library": {asset.MediaID}})
	status(t, res, http.StatusSeeOther)
	in, err := w.s.App.Chat.Receive(w.ctx, w.a.ID, w.people["mei"].ID, message.KindText, message.Body{Text: "Poster"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := w.s.App.Chat.Respond(w.ctx, in)
	if err != nil || len(out) != 1 || out[0].Kind != message.KindImage || out[0].Body.MediaKey != asset.Key || out[0].Body.MediaID != asset.MediaID {
		t.Fatalf("image reply: %+v %v", out, err)
	}
	// A menu button sends the library image when clicked.
	res = hana.PostForm(w.mp(w.a, "menu"), url.Values{"b.0.name": {"Poster"}, "b.0.type": {"media_id"}, "b.0.library": {asset.MediaID}})
	status(t, res, http.StatusSeeOther)
	shows(t, hana.Get(w.mp(w.a, "menu")), `selected>poster.png`)
	ev, err := w.s.App.Chat.Event(w.ctx, w.a.ID, w.people["bob"].ID, message.EventClick, asset.MediaID, "")
	if err != nil {
		t.Fatal(err)
	}
	out, err = w.s.App.Chat.Respond(w.ctx, ev)
	if err != nil || len(out) != 1 || out[0].Body.MediaKey != asset.Key || out[0].Body.MediaType != "image/png" {
		t.Fatalf("menu image: %+v %v", out, err)
	}
	res = hana.PostForm(w.mp(w.a, "menu"), url.Values{"b.0.name": {"Theirs"}, "b.0.type": {"media_id"}, "b.0.library": {other.MediaID}})
	status(t, res, http.StatusUnprocessableEntity)
	// The library refuses to delete an image a menu or an auto-reply sends
	// (WeChat's 48005); once unused it goes.
	res = hana.PostForm(w.mp(w.a, "media/"+asset.MediaID+"/delete"), url.Values{})
	status(t, res, http.StatusConflict)
	shows(t, res, "sent by a menu button or an auto-reply")
	if _, err := w.s.App.Publish.Asset(w.ctx, w.a.ID, asset.MediaID); err != nil {
		t.Fatalf("refused deletion lost the file: %v", err)
	}
	unused, err := w.s.App.Publish.Upload(w.ctx, w.a.ID, "image", "spare.png", bytes.NewReader(tinyPNG(t)))
	if err != nil {
		t.Fatal(err)
	}
	status(t, hana.PostForm(w.mp(w.a, "media/"+unused.MediaID+"/delete"), url.Values{}), http.StatusSeeOther)
	if _, err := w.s.App.Publish.Asset(w.ctx, w.a.ID, unused.MediaID); err == nil {
		t.Fatal("an unused file was not deleted")
	}
}

func TestNewFollowerGetsTheWelcome(t *testing.T) {
	t.Parallel()
	w := newMsgWorld(t)
	hana := w.client(t, "hana")
	res := hana.PostForm(w.mp(w.a, "autoreply/special/follow"), url.Values{"follow.enabled": {"on"}, "follow.type": {"text"}, "follow.text": {"  "}})
	status(t, res, http.StatusUnprocessableEntity)
	shows(t, res, "Write the reply text.")
	status(t, hana.PostForm(w.mp(w.a, "autoreply/special/follow"), url.Values{"follow.enabled": {"on"}, "follow.type": {"text"},
		"follow.text": {"Welcome to Harbour Bank!"}}), http.StatusSeeOther)
	zoe, err := w.s.App.Users.Create(w.ctx, user.NewPerson{Username: "zoe", DisplayName: "Zoe", Password: msgPW})
	if err != nil {
		t.Fatal(err)
	}
	w.people["zoe"] = zoe
	res = w.client(t, "zoe").PostForm(fmt.Sprintf("/a/%d/follow", w.a.ID), url.Values{})
	if res.Status >= 400 {
		t.Fatalf("follow: %d\n%s", res.Status, res.Body)
	}
	waitFor(t, "the welcome", func() bool {
		h := w.history(t, w.a, "zoe")
		return len(h) == 1 && h[0].Body.Text == "Welcome to Harbour Bank!" && h[0].Sender == message.SenderAutoReply
	})
	// Switched off: the next new follower gets nothing; the reply is kept.
	status(t, hana.PostForm(w.mp(w.a, "autoreply/special/follow"), url.Values{"follow.type": {"text"}, "follow.text": {"Welcome to Harbour Bank!"}}), http.StatusSeeOther)
	shows(t, hana.Get(w.mp(w.a, "autoreply")), "Welcome to Harbour Bank!")
	in, err := w.s.App.Chat.Event(w.ctx, w.a.ID, w.people["mei"].ID, message.EventSubscribe, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := w.s.App.Chat.Respond(w.ctx, in); err != nil || len(out) != 0 {
		t.Errorf("welcome while switched off: %+v %v", out, err)
	}
}

// An agent hears and sees what a follower sent: the inbox conversation plays
// voice and video (with the video's cover) and shows a link as a card; the
// files are served to members of that account only.
func TestInboxPlaysVoiceVideoAndLinks(t *testing.T) {
	t.Parallel()
	w := newMsgWorld(t)
	mei := w.people["mei"].ID
	voice, err := os.ReadFile("../media/testdata/voice.webm")
	if err != nil {
		t.Fatal(err)
	}
	video, err := os.ReadFile("../emulator/samples/video.mp4")
	if err != nil {
		t.Fatal(err)
	}
	cover, err := os.ReadFile("../emulator/samples/video-thumb.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []message.Incoming{
		{Kind: message.KindVoice, File: bytes.NewReader(voice)},
		{Kind: message.KindVideo, File: bytes.NewReader(video), Thumb: bytes.NewReader(cover)},
		{Kind: message.KindLink, Body: message.Body{Title: "Rates", Description: "This week's rates", URL: "https://harbour.example/rates"}},
	} {
		if _, err := w.s.App.Chat.Post(w.ctx, w.a.ID, mei, in, message.NoWait); err != nil {
			t.Fatal(err)
		}
	}
	sam := w.client(t, "sam")
	page := sam.Get(w.mp(w.a, fmt.Sprintf("inbox/%d", mei)))
	status(t, page, http.StatusOK)
	for _, want := range []string{`data-testid="inbox-voice"`, `data-testid="inbox-video"`, `poster="/mp/a/`, `href="https://harbour.example/rates"`, "This week's rates"} {
		shows(t, page, want)
	}
	var videoID int64
	for _, m := range w.history(t, w.a, "mei") {
		if m.Kind == message.KindVideo {
			videoID = m.ID
		}
	}
	file := w.mp(w.a, fmt.Sprintf("inbox/%d/media/%d", mei, videoID))
	if res := sam.Get(file); res.Status != http.StatusOK || !bytes.Equal([]byte(res.Body), video) {
		t.Fatalf("video for the agent: %d, %d bytes", res.Status, len(res.Body))
	}
	if res := sam.Get(file + "?thumb=1"); res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("cover for the agent: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	// Another account's agent cannot open it through their own console.
	otto := w.client(t, "otto")
	if res := otto.Get(fmt.Sprintf("/mp/a/%d/inbox/%d/media/%d?thumb=1", w.b.ID, mei, videoID)); res.Status != http.StatusNotFound {
		t.Fatalf("cover through another account: %d", res.Status)
	}
}
