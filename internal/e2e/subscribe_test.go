package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/emulator"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/subscribemsg"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/user"
)

// TestConsentPagesOnASmallPhone: a follower answers the
// subscription-notification consent sheet ("always allow") and the legacy
// one-time subscription page on a 360 px phone. Both are visible, fit the
// screen (also with a long return address), raise no console or CSP error,
// and the consent is recorded.
func TestConsentPagesOnASmallPhone(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	app := s.App
	mei := s.CreatePerson(t, "mei", "consent password 1", user.RoleNone)
	a, creds, err := emulator.SeedAccount(ctx, app, "Harbour Parcel Delivery Co", account.Service, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Follows.Follow(ctx, a.ID, mei.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	if err := app.API.SetOAuthDomains(ctx, a.ID, []string{"shop.example.com"}); err != nil {
		t.Fatal(err)
	}
	lib := &subscribemsg.LibraryTemplate{Title: "Parcel arriving at your door", Type: subscribemsg.OneTime, CategoryID: 308,
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
	sheet := func(ret string) string {
		return "/subscribe-notifications?" + url.Values{"appid": {creds.AppID}, "template_id": {t1.PriTmplID + "," + t2.PriTmplID},
			"redirect_url": {ret}}.Encode()
	}

	tab := Browser(t)
	problems := consoleProblems(t, tab)
	do(t, tab, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	// A web app on the account's domain with a long return address: the
	// sheet still fits the phone.
	long := "https://shop.example.com/orders/2026/12/05/parcel-tracking-for-order-number-123456789012345678901234567890?step=notifications&lang=en"
	signIn(t, tab, s, "mei", "consent password 1", url.QueryEscape(sheet(long)), `[data-testid=subscribe-sheet]`)
	if n := run(t, tab, "count the templates", chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=subscribe-template]").length`)); n != 2 {
		t.Fatalf("the sheet shows %d templates, want 2", n)
	}
	do(t, tab, "see the buttons", chromedp.WaitVisible(`[data-testid=subscribe-allow]`), chromedp.WaitVisible(`[data-testid=subscribe-always]`))
	fitsSmallPhone(t, tab, "the consent sheet with a long return address")

	// From an article (a page of Herald's own): accept one, always allow.
	do(t, tab, "answer the sheet",
		chromedp.Navigate(s.URL+sheet("/me")),
		chromedp.WaitVisible(`[data-testid=subscribe-sheet]`),
		chromedp.Click(`[data-testid=subscribe-template][value="`+t2.PriTmplID+`"]`),
		chromedp.Click(`[data-testid=subscribe-always]`),
		chromedp.Click(`[data-testid=subscribe-allow]`),
	)
	waitPath(t, tab, "/me")
	if p := path(t, tab, s); !strings.Contains(p, "subscribe=ok") {
		t.Fatalf("after allowing the browser is at %s", p)
	}
	cs, err := app.Subscriptions.Consents(ctx, a.ID, mei.ID)
	if err != nil || len(cs) != 1 || cs[0].TemplateID != t1.PriTmplID || !cs[0].Always || cs[0].Remaining != 1 {
		t.Fatalf("consents recorded: %+v %v", cs, err)
	}

	// The legacy one-time page.
	legacy := "/mp/subscribemsg?" + url.Values{"action": {"get_confirm"}, "appid": {creds.AppID}, "scene": {"7"}, "template_id": {"ONE1"},
		"redirect_url": {"/me"}, "reserved": {"abc"}}.Encode()
	do(t, tab, "open the one-time page",
		chromedp.Navigate(s.URL+legacy),
		chromedp.WaitVisible(`[data-testid=subscribemsg]`),
		chromedp.WaitVisible(`[data-testid=subscribemsg-confirm]`),
	)
	fitsSmallPhone(t, tab, "the one-time subscription page")
	do(t, tab, "allow one message", chromedp.Click(`[data-testid=subscribemsg-confirm]`))
	waitPath(t, tab, "/me")
	f, _ := app.Follows.Get(ctx, a.ID, mei.ID)
	back, _ := url.Parse(path(t, tab, s))
	if q := back.Query(); q.Get("action") != "confirm" || q.Get("openid") != f.OpenID || q.Get("reserved") != "abc" || q.Get("scene") != "7" {
		t.Fatalf("the one-time page returned to %s", back)
	}
	if err := app.Subscriptions.SendLegacy(ctx, a, &subscribemsg.LegacyRequest{ToUser: f.OpenID, TemplateID: "ONE1", Scene: "7", Title: "Reminder",
		Data: map[string]tmplmsg.DataItem{"content": {Value: "Your parcel is here."}}}); err != nil {
		t.Fatalf("the confirmation was not recorded: %v", err)
	}
	if p := problems(); len(p) > 0 {
		t.Fatalf("console problems: %v", p)
	}
}
