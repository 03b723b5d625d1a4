package ui_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/emulator"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/subscribemsg"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/user"
)

// A web app sends a follower to the consent sheet; they accept with
// "always allow", and later sheets for the same templates return at once,
// each adding a one-time send. The legacy one-time page returns with
// openid and action=confirm, after which message/template/subscribe can
// send once.
func TestSubscriptionConsentSheets(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	app := s.App
	mei := s.CreatePerson(t, "mei", "correct horse battery", "")
	a, c, err := emulator.SeedAccount(ctx, app, "Harbour Parcel", account.Service, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Follows.Follow(ctx, a.ID, mei.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	if err := app.API.SetOAuthDomains(ctx, a.ID, []string{"shop.example.com"}); err != nil {
		t.Fatal(err)
	}
	lib := &subscribemsg.LibraryTemplate{Title: "Parcel arriving", Type: subscribemsg.OneTime, CategoryID: 308,
		Keywords: []subscribemsg.Keyword{{KID: 1, Name: "Parcel", Rule: "character_string"}, {KID: 2, Name: "Arrives", Rule: "time"}}}
	if err := app.Subscriptions.SaveLibrary(ctx, lib); err != nil {
		t.Fatal(err)
	}
	t1, err := app.Subscriptions.AddTemplate(ctx, a.ID, lib.TID, []int{1, 2}, "")
	if err != nil {
		t.Fatal(err)
	}
	t2, err := app.Subscriptions.AddTemplate(ctx, a.ID, lib.TID, []int{2, 1}, "")
	if err != nil {
		t.Fatal(err)
	}
	sheet := "/subscribe-notifications?" + url.Values{"appid": {c.AppID}, "template_id": {t1.PriTmplID + "," + t2.PriTmplID},
		"redirect_url": {"https://shop.example.com/done"}}.Encode()

	if r := s.Client(t).Get(sheet); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
		t.Fatalf("signed out: %d %s", r.Status, r.Location)
	}
	cl := s.Client(t)
	cl.SignIn("mei", "correct horse battery")
	r := cl.Get(sheet)
	if r.Status != 200 || strings.Count(r.Body, `data-testid="subscribe-template"`) != 2 || !r.Contains("Parcel arriving") {
		t.Fatalf("sheet: %d %s", r.Status, r.Body)
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://shop.example.com") {
		t.Fatalf("CSP %q", csp)
	}
	r = cl.PostForm(sheet, url.Values{"decision": {"allow"}, "accept": {t1.PriTmplID}, "always": {"1"}})
	if r.Status != http.StatusFound || r.Location != "https://shop.example.com/done?subscribe=ok" {
		t.Fatalf("allow: %d %s", r.Status, r.Location)
	}
	cs, _ := app.Subscriptions.Consents(ctx, a.ID, mei.ID)
	if len(cs) != 1 || cs[0].TemplateID != t1.PriTmplID || cs[0].Remaining != 1 || !cs[0].Always {
		t.Fatalf("consents: %+v", cs)
	}
	// Both templates were answered "always": the next sheet is not shown.
	r = cl.Get(sheet)
	if r.Status != http.StatusFound || r.Location != "https://shop.example.com/done?subscribe=ok" {
		t.Fatalf("remembered sheet: %d %s", r.Status, r.Location)
	}
	cs, _ = app.Subscriptions.Consents(ctx, a.ID, mei.ID)
	if len(cs) != 1 || cs[0].Remaining != 2 {
		t.Fatalf("consents after the remembered sheet: %+v", cs)
	}
	bad := "/subscribe-notifications?" + url.Values{"appid": {c.AppID}, "template_id": {t1.PriTmplID}, "redirect_url": {"https://evil.example/"}}.Encode()
	if r := cl.Get(bad); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a return address off the web sign-in domains: %d", r.Status)
	}

	// Legacy one-time subscription.
	legacy := "/mp/subscribemsg?" + url.Values{"action": {"get_confirm"}, "appid": {c.AppID}, "scene": {"7"}, "template_id": {"ONE1"},
		"redirect_url": {"https://shop.example.com/cb"}, "reserved": {"abc"}}.Encode()
	if r := cl.Get(legacy); r.Status != 200 || !r.Contains(`data-testid="subscribemsg-confirm"`) {
		t.Fatalf("legacy page: %d", r.Status)
	}
	r = cl.PostForm(legacy, url.Values{"decision": {"confirm"}})
	f, _ := app.Follows.Get(ctx, a.ID, mei.ID)
	u, _ := url.Parse(r.Location)
	if r.Status != http.StatusFound || u.Host != "shop.example.com" || u.Query().Get("openid") != f.OpenID || u.Query().Get("action") != "confirm" ||
		u.Query().Get("scene") != "7" || u.Query().Get("reserved") != "abc" || u.Query().Get("template_id") != "ONE1" {
		t.Fatalf("legacy confirm: %d %s", r.Status, r.Location)
	}
	send := &subscribemsg.LegacyRequest{ToUser: f.OpenID, TemplateID: "ONE1", Scene: "7", Title: "Reminder",
		Data: map[string]tmplmsg.DataItem{"content": {Value: "Your parcel is here."}}}
	if err := app.Subscriptions.SendLegacy(ctx, a, send); err != nil {
		t.Fatalf("send after confirm: %v", err)
	}
	if err := app.Subscriptions.SendLegacy(ctx, a, send); err == nil {
		t.Fatal("a second send on one confirmation")
	}
}

// Administrators keep the notification library; reviewers only read it;
// a bad keyword line is shown on its field; retiring hides a template from
// accounts (200014).
func TestNotificationLibraryIsEditedByAdmins(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ac, _ := staffClient(t, s, "ada", user.RoleAdmin)
	rc, _ := staffClient(t, s, "rui", user.RoleReviewer)
	form := url.Values{"title": {"Parcel arriving"}, "type": {"2"}, "category": {"308"},
		"keywords": {"Parcel | character_string | SF1234\nArrives | time | 2026-12-05 15:00"}}
	wantStatus(t, rc.PostForm("/admin/subscribe-templates", form), http.StatusForbidden)
	wantRedirect(t, ac.PostForm("/admin/subscribe-templates", form), "/admin/subscribe-templates")
	bad := url.Values{"title": {"Broken"}, "type": {"2"}, "category": {"308"}, "keywords": {"Parcel | colour\nArrives | time"}}
	if r := ac.PostForm("/admin/subscribe-templates", bad); r.Status != http.StatusUnprocessableEntity || !r.Contains("unknown type") {
		t.Fatalf("bad keywords: %d", r.Status)
	}
	page := rc.Get("/admin/subscribe-templates")
	if page.Status != 200 || !page.Contains("Parcel arriving") || !page.Contains("(character_string1)") || page.Contains(`data-testid="sub-library-form"`) {
		t.Fatalf("reviewer's page: %d", page.Status)
	}
	list, _, err := s.App.Subscriptions.Library(context.Background(), nil, false, 0, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("library: %v %v", list, err)
	}
	tid := list[0].TID
	wantRedirect(t, ac.PostForm(fmt.Sprintf("/admin/subscribe-templates/%d/retire", tid), url.Values{}), "/admin/subscribe-templates")
	a, _, err := emulator.SeedAccount(context.Background(), s.App, "Harbour Parcel", account.Service, true)
	if err != nil {
		t.Fatal(err)
	}
	// A retired template is no longer in the library: WeChat's 200014 (invalid tid).
	_, err = s.App.Subscriptions.AddTemplate(context.Background(), a.ID, tid, []int{1, 2}, "")
	var coded *subscribemsg.Error
	if !errors.As(err, &coded) || coded.Code != 200014 {
		t.Fatalf("adding a retired template: %v", err)
	}
}
