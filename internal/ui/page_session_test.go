package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
)

// TestPagesReadingTheSessionRefuseWhatTheMiddlewareRefuses: the pages
// that read the session in their own first statement (the chat list, the
// Subscriptions folder, a conversation and an article's reading page) treat a person as any page does: signed in
// with a valid session, in their language; signed out with none, with a
// session signed out on any node (its row gone) or revoked by a password
// change, or with one expired, whose cookie is cleared.
func TestPagesReadingTheSessionRefuseWhatTheMiddlewareRefuses(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	mei := s.CreatePerson(t, "mei", pw, user.RoleNone)
	if err := s.App.Users.UpdateProfile(ctx, mei.ID, user.Profile{DisplayName: "Mei <Lin>", Language: "zh_CN"}); err != nil {
		t.Fatal(err)
	}
	bank := newAccount(t, s, "Harbour Bank", account.Service, false)
	chat := "/chat/" + strconv.FormatInt(bank.ID, 10)
	article := "/s/" + strconv.FormatInt(anArticle(t, s, bank.ID, "Spring rates"), 10)
	signIn := func() (*apptest.Client, string) {
		t.Helper()
		c := s.Client(t)
		c.SignIn("mei", pw)
		return c, c.Cookie(web.SessionCookie)
	}
	signedIn := func(what string, c *apptest.Client, follows bool) {
		t.Helper()
		home := c.Get("/")
		wantStatus(t, home, http.StatusOK)
		if follows {
			wantBody(t, home, "订阅号消息") // the folder's row, in her language
		} else {
			wantBody(t, home, "你好，Mei <Lin>。你还没有关注任何公众号。")
		}
		wantStatus(t, c.Get("/subscriptions"), http.StatusOK)
		conv := c.Get(chat)
		wantStatus(t, conv, http.StatusOK)
		wantBody(t, conv, "Harbour Bank")
		wantStatus(t, c.Get("/chat/1"), http.StatusNotFound)
		wantStatus(t, c.Get("/chat/x"), http.StatusNotFound)
		read := c.Get(article)
		wantStatus(t, read, http.StatusOK)
		if !read.Contains(`class="inline react-form"`) || read.Contains(`href="/login?next=/s/`) {
			t.Errorf("%s: the article's reactions are not a signed-in reader's:\n%s", what, read.Body)
		}
		wantStatus(t, c.Get("/s/1"), http.StatusNotFound)
	}
	signedOut := func(what string, c *apptest.Client) {
		t.Helper()
		home := c.Get("/")
		wantStatus(t, home, http.StatusOK)
		wantBody(t, home, "Follow the organisations you care about.") // the welcome, in the browser's language
		if c.Cookie(web.SessionCookie) != "" {
			t.Errorf("%s: the session cookie was not cleared", what)
		}
		wantRedirect(t, c.Get("/subscriptions"), "/login?next=%2Fsubscriptions")
		wantRedirect(t, c.Get(chat), "/login?next="+url.QueryEscape(chat))
		wantRedirect(t, c.Get("/chat/1"), "/login?next=%2Fchat%2F1")
		wantRedirect(t, c.Get("/chat/x"), "/login?next=%2Fchat%2Fx")
		read := c.Get(article)
		wantStatus(t, read, http.StatusOK)
		if read.Contains(`class="inline react-form"`) || !read.Contains(`href="/login?next=/s/`) {
			t.Errorf("%s: the article's reactions are not an anonymous reader's:\n%s", what, read.Body)
		}
		wantStatus(t, c.Get("/s/1"), http.StatusNotFound)
	}

	c, token := signIn()
	signedIn("signed in", c, false)
	tea := newAccount(t, s, "Lotus Tea House", account.Subscription, false)
	if _, err := s.App.Follows.Follow(ctx, tea.ID, mei.ID, "search", ""); err != nil {
		t.Fatal(err)
	}
	signedIn("following", c, true)
	signedOut("no cookie", s.Client(t))

	// Signed out elsewhere (another browser's sign-out, or another node's:
	// nothing about sessions is kept per node).
	if err := s.App.Users.DeleteSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	signedOut("signed out elsewhere", c)
	replay := s.Client(t)
	replay.SetCookie(web.SessionCookie, token)
	wantRedirect(t, replay.Get(chat), "/login?next="+url.QueryEscape(chat))
	if replay.Cookie(web.SessionCookie) != "" {
		t.Error("the conversation did not clear a signed-out session's cookie")
	}
	replay.SetCookie(web.SessionCookie, token)
	wantRedirect(t, replay.Get("/subscriptions"), "/login?next=%2Fsubscriptions")
	if replay.Cookie(web.SessionCookie) != "" {
		t.Error("the folder did not clear a signed-out session's cookie")
	}
	replay.SetCookie(web.SessionCookie, token)
	wantStatus(t, replay.Get(article), http.StatusOK)
	if replay.Cookie(web.SessionCookie) != "" {
		t.Error("the reading page did not clear a signed-out session's cookie")
	}

	// A password change signs the person's other sessions out.
	keep, keepToken := signIn()
	other, _ := signIn()
	signedIn("two sessions", other, true)
	if err := s.App.Users.ChangePassword(ctx, mei.ID, pw, pw+" again", keepToken); err != nil {
		t.Fatal(err)
	}
	signedOut("revoked by a password change", other)
	signedIn("the session kept", keep, true)

	// Extended on use, then expired after SessionTTL without use.
	s.Clock.Advance(user.SessionTTL - time.Hour)
	signedIn("used before its expiry", keep, true)
	s.Clock.Advance(user.SessionTTL - time.Hour)
	signedIn("extended by its use", keep, true)
	s.Clock.Advance(user.SessionTTL + time.Minute)
	signedOut("expired", keep)
	var n int
	if err := s.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE person_id = ?`, mei.ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d sessions left (%v), want the expired one deleted", n, err)
	}
}
