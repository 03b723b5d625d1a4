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
	t.Parallel()
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

	// Signed in without a setting, the choice of this browser holds; the
	// switcher saves the choice in the setting.
	c.SignIn("mei", "follower password 1")
	if page := c.Get("/"); !page.Contains(`<html lang="en">`) {
		t.Errorf("a person without a setting, English chosen in this browser:\n%.200s", page.Body)
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

// A person nobody chose a language for (made by an administrator, or before
// the setting existed) reads the browser's language, and the profile form
// keeps it so: saving the profile does not write English as a choice.
func TestNoLanguageSettingFollowsTheBrowser(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	kai := s.CreatePerson(t, "kai", "follower password 1", user.RoleNone)
	if kai.Language != "" {
		t.Fatalf("made without a language, the setting is %q", kai.Language)
	}
	c := s.Client(t)
	c.AcceptLanguage = "zh-CN,zh;q=0.9"
	c.SignIn("kai", "follower password 1")
	me := c.Get("/me")
	if !me.Contains(`<html lang="zh-CN">`) || !me.Contains(`<option value="" selected>跟随浏览器</option>`) {
		t.Fatalf("a Chinese browser, no setting:\n%s", me.Body)
	}
	if res := c.PostForm("/me", url.Values{"display_name": {"Kai"}, "region": {""}, "language": {""}}); res.Status != 303 {
		t.Fatalf("save the profile: %d", res.Status)
	}
	if p, err := s.App.Users.ByID(context.Background(), kai.ID); err != nil || p.Language != "" || p.DisplayName != "Kai" {
		t.Errorf("after saving the profile: %+v %v", p, err)
	}
	c.AcceptLanguage = "en"
	if page := c.Get("/"); !page.Contains(`<html lang="en">`) {
		t.Errorf("an English browser, no setting:\n%.200s", page.Body)
	}
}
