package ui_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
)

// The language of a page: the browser's Accept-Language before anything is
// chosen, then the footer's switcher (a cookie, without script), and for a
// signed-in person their setting, which the switcher also changes.
func TestLanguageSwitcher(t *testing.T) {
	s := apptest.New(t)
	mei := s.CreatePerson(t, "mei", "follower password 1", user.RoleNone)
	c := s.Client(t)
	c.AcceptLanguage = "zh-CN,zh;q=0.9"
	page := c.Get("/login")
	if !page.Contains(`<html lang="zh-CN">`) || !page.Contains("<h1>登录</h1>") || !page.Contains(`data-testid="langswitch"`) {
		t.Fatalf("a Chinese browser's sign-in page:\n%s", page.Body)
	}

	// Choosing English in the switcher: the cookie, and back to the page.
	res := c.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"/login"}})
	if res.Status != 303 || res.Location != "/login" {
		t.Fatalf("switch: %d %s", res.Status, res.Location)
	}
	if page := c.Get("/login"); !page.Contains(`<html lang="en">`) || !page.Contains("<h1>Sign in</h1>") {
		t.Errorf("after choosing English:\n%s", page.Body)
	}
	// A foreign next is refused.
	if res := c.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"https://evil.example/"}}); res.Location != "/" {
		t.Errorf("switch to a foreign next goes to %q", res.Location)
	}

	// Signed in, the setting decides (English for people made before
	// choosing); the switcher saves the choice in it.
	c.SignIn("mei", "follower password 1")
	if page := c.Get("/"); !page.Contains(`<html lang="en">`) {
		t.Errorf("a person with English set:\n%.200s", page.Body)
	}
	c.PostForm("/lang", url.Values{"lang": {"zh-TW"}, "next": {"/"}})
	p, err := s.App.Users.ByID(context.Background(), mei.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Language != "zh_TW" {
		t.Errorf("the setting is %q after choosing 繁體中文", p.Language)
	}
	other := s.Client(t) // another browser, English, no cookie
	other.SignIn("mei", "follower password 1")
	if page := other.Get("/"); !page.Contains(`<html lang="zh-TW">`) || !strings.Contains(page.Body, "發現") {
		t.Errorf("the setting does not follow the person to another browser:\n%s", page.Body)
	}
	if res := c.PostForm("/lang", url.Values{"lang": {"klingon"}}); res.Status != 422 {
		t.Errorf("an unknown language: %d", res.Status)
	}

	// Someone who signs up in Chinese keeps Chinese.
	n := s.Client(t)
	n.AcceptLanguage = "zh-CN"
	n.PostForm("/signup", url.Values{"username": {"lian"}, "password": {"long enough 1"}, "password2": {"long enough 1"}})
	if p, err := s.App.Users.ByUsername(context.Background(), "lian"); err != nil || p.Language != "zh_CN" {
		t.Errorf("signed up in Chinese: %+v %v", p, err)
	}
}
