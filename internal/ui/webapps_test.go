package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/webapp"
)

// webAppWorld is the payments world plus web sign-in domains: the bank
// registers shop.bank.example; "Pier Cafe", another Service account
// (owner lin), registers cafe.example.
type webAppWorld struct {
	*payWorld
	cafe *account.Account
}

func newWebAppWorld(t *testing.T) *webAppWorld {
	t.Helper()
	w := &webAppWorld{payWorld: newPayWorld(t)}
	var err error
	if w.cafe, err = w.s.App.Accounts.Create(context.Background(), account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Pier Cafe",
		Status: account.StatusActive, OwnerID: w.people["lin"].ID}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who  string
		a    *account.Account
		host string
	}{{"hana", w.bank, "shop.bank.example"}, {"lin", w.cafe, "cafe.example"}} {
		r := w.client(t, c.who).PostForm(fmt.Sprintf("/mp/a/%d/dev/oauth", c.a.ID), url.Values{"oauth_domains": {c.host}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("register %s: %d %s", c.host, r.Status, r.Body)
		}
	}
	return w
}

func (w *webAppWorld) apps(t *testing.T, a *account.Account) []*webapp.App {
	t.Helper()
	list, err := w.s.App.WebApps.List(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

var appidRe = regexp.MustCompile(`wa[0-9a-f]{16}`)

// TestLinkWebAppsInTheConsole: an owner links a web app on the account's
// web sign-in domain, with an icon checked by content; an address
// elsewhere, or on another account's domain, is refused with the reason
// and nothing is stored; agents, other accounts' owners and Subscription
// accounts cannot; edit and unlink work.
func TestLinkWebAppsInTheConsole(t *testing.T) {
	t.Parallel()
	w := newWebAppWorld(t)
	hana := w.client(t, "hana")
	page := fmt.Sprintf("/mp/a/%d/webapps", w.bank.ID)
	if r := hana.Get(page); r.Status != http.StatusOK || !r.Contains("shop.bank.example") || !r.Contains(`data-testid="webapp-form"`) {
		t.Fatalf("web apps page: %d\n%s", r.Status, r.Body)
	}
	for _, c := range []struct{ url, why string }{
		{"https://cafe.example/", "cafe.example is not one of Harbour Bank&#39;s web sign-in domains"},
		{"https://evil.example/shop", "evil.example is not one of Harbour Bank&#39;s web sign-in domains"},
		{"shop.bank.example", "must be a full https://"},
	} {
		r := postMultipart(t, w.s, hana, page, url.Values{"name": {"Bank shop"}, "url": {c.url}}, nil)
		if r.Status != http.StatusUnprocessableEntity || !r.Contains(c.why) || !r.Contains(`value="Bank shop"`) {
			t.Fatalf("link %s: %d, want the reason %q\n%s", c.url, r.Status, c.why, r.Body)
		}
	}
	// An icon that is not an image is refused by its content, whatever its name.
	r := postMultipart(t, w.s, hana, page, url.Values{"name": {"Bank shop"}, "url": {"https://shop.bank.example/app"}},
		map[string]upload{"icon": {name: "icon.png", body: []byte("<script>alert(1)</script>")}})
	if r.Status != http.StatusUnprocessableEntity || !r.Contains("field-error") {
		t.Fatalf("a fake icon: %d\n%s", r.Status, r.Body)
	}
	if n := len(w.apps(t, w.bank)); n != 0 {
		t.Fatalf("%d apps stored after refusals", n)
	}
	img := pngBytes(t)
	r = postMultipart(t, w.s, hana, page, url.Values{"name": {"Bank shop"}, "url": {"https://shop.bank.example/app"}},
		map[string]upload{"icon": {name: "anything.bin", body: img}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("link: %d\n%s", r.Status, r.Body)
	}
	apps := w.apps(t, w.bank)
	if len(apps) != 1 || apps[0].IconType != "image/png" || !appidRe.MatchString(apps[0].AppID) {
		t.Fatalf("linked: %+v", apps)
	}
	app := apps[0]
	if r := hana.Get(page); !r.Contains(app.AppID) || !r.Contains("Bank shop") || !r.Contains("is linked") {
		t.Fatalf("list after linking:\n%s", r.Body)
	}
	if r := w.client(t, "mei").Get("/w/" + app.AppID + "/icon"); r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || r.Body != string(img) {
		t.Fatalf("icon: %d %s", r.Status, r.Header.Get("Content-Type"))
	}

	// Roles and tenants.
	one := fmt.Sprintf("%s/%d", page, app.ID)
	sam := w.client(t, "sam") // the bank's agent
	if r := sam.Get(page); r.Status != http.StatusForbidden {
		t.Fatalf("agent sees web apps: %d", r.Status)
	}
	if r := postMultipart(t, w.s, sam, one, url.Values{"name": {"Agent's"}, "url": {"https://shop.bank.example/"}}, nil); r.Status != http.StatusForbidden {
		t.Fatalf("agent edits: %d", r.Status)
	}
	lin := w.client(t, "lin")
	if r := lin.Get(one); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
		t.Fatalf("another owner opens the bank's app: %d", r.Status)
	}
	// lin names the bank's app under his own account: not found.
	cafeOne := fmt.Sprintf("/mp/a/%d/webapps/%d", w.cafe.ID, app.ID)
	if r := lin.Get(cafeOne); r.Status != http.StatusNotFound {
		t.Fatalf("the bank's app under the cafe: %d", r.Status)
	}
	if r := postMultipart(t, w.s, lin, cafeOne, url.Values{"name": {"Mine"}, "url": {"https://cafe.example/"}}, nil); r.Status != http.StatusNotFound {
		t.Fatalf("the cafe edits the bank's app: %d", r.Status)
	}
	if r := lin.PostForm(cafeOne+"/unlink", nil); r.Status != http.StatusNotFound {
		t.Fatalf("the cafe unlinks the bank's app: %d", r.Status)
	}
	// A Subscription account sees why, and cannot link.
	lotus := fmt.Sprintf("/mp/a/%d/webapps", w.lotus.ID)
	if r := lin.Get(lotus); r.Status != http.StatusOK || !r.Contains("Linked web apps are a Service account feature") || r.Contains(`data-testid="webapp-form"`) {
		t.Fatalf("Subscription page: %d\n%s", r.Status, r.Body)
	}
	if r := postMultipart(t, w.s, lin, lotus, url.Values{"name": {"Tea"}, "url": {"https://cafe.example/"}}, nil); r.Status != http.StatusConflict {
		t.Fatalf("Subscription links: %d", r.Status)
	}
	if got := w.apps(t, w.bank); len(got) != 1 || got[0].Name != "Bank shop" {
		t.Fatalf("the bank's apps after others' attempts: %+v", got)
	}

	// Edit: another account's domain is refused; a good edit keeps the appid and icon.
	if r := postMultipart(t, w.s, hana, one, url.Values{"name": {"Bank shop"}, "url": {"https://cafe.example/"}}, nil); r.Status != http.StatusUnprocessableEntity || !r.Contains("not one of Harbour Bank") {
		t.Fatalf("edit to the cafe's domain: %d", r.Status)
	}
	if r := postMultipart(t, w.s, hana, one, url.Values{"name": {"Bank store"}, "url": {"https://shop.bank.example/store"}}, nil); r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.Status, r.Body)
	}
	if got := w.apps(t, w.bank); got[0].Name != "Bank store" || got[0].AppID != app.AppID || got[0].IconKey != app.IconKey {
		t.Fatalf("after edit: %+v", got[0])
	}
	if r := hana.PostForm(one+"/unlink", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("unlink: %d", r.Status)
	}
	if n := len(w.apps(t, w.bank)); n != 0 {
		t.Fatalf("%d apps after unlinking", n)
	}
	if r := w.client(t, "mei").Get("/w/" + app.AppID); r.Status != http.StatusNotFound {
		t.Fatalf("an unlinked app opens: %d", r.Status)
	}
}

// TestOpenWebAppFromProfileMenuAndArticle: followers see the linked app on
// the profile, in a menu button chosen in the console's editor and in an
// article link; each open is counted and goes to the app. A miniprogram
// button naming an app that is not the account's opens its fallback url.
func TestOpenWebAppFromProfileMenuAndArticle(t *testing.T) {
	t.Parallel()
	w := newWebAppWorld(t)
	ctx := context.Background()
	app, err := w.s.App.WebApps.Link(ctx, w.bank, webapp.Input{Name: "Bank shop", URL: "https://shop.bank.example/app/"})
	if err != nil {
		t.Fatal(err)
	}
	cafeApp, err := w.s.App.WebApps.Link(ctx, w.cafe, webapp.Input{Name: "Cafe", URL: "https://cafe.example/"})
	if err != nil {
		t.Fatal(err)
	}
	mei := w.client(t, "mei")
	opens := func() int64 {
		a, err := w.s.App.WebApps.Get(ctx, w.bank.ID, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a.Opens
	}
	// Profile.
	r := mei.Get(fmt.Sprintf("/a/%d", w.bank.ID))
	link := "/w/" + app.AppID + "?from=profile"
	if !r.Contains(`href="`+link+`"`) || !r.Contains("Bank shop") {
		t.Fatalf("profile lacks the app:\n%s", r.Body)
	}
	if r := mei.Get(link); r.Status != http.StatusSeeOther || r.Location != "https://shop.bank.example/app/" {
		t.Fatalf("open from the profile: %d %q", r.Status, r.Location)
	}
	if n := opens(); n != 1 {
		t.Fatalf("opens = %d", n)
	}
	// A page path stays inside the app.
	if r := mei.Get("/w/" + app.AppID + "?path=//evil.example/"); r.Location != "https://shop.bank.example/app/" {
		t.Fatalf("a path leaving the app: %q", r.Location)
	}
	if n := opens(); n != 2 {
		t.Fatalf("opens = %d", n)
	}

	// Menu: the console editor offers the linked apps and refuses others.
	hana := w.client(t, "hana")
	mpMenu := fmt.Sprintf("/mp/a/%d/menu", w.bank.ID)
	if r := hana.Get(mpMenu); !r.Contains(`<option value="` + app.AppID + `"`) {
		t.Fatalf("menu editor does not offer the app:\n%s", r.Body)
	}
	if r := hana.PostForm(mpMenu, url.Values{"b.0.name": {"Shop"}, "b.0.type": {"miniprogram"}, "b.0.appid": {cafeApp.AppID}}); r.Status != http.StatusUnprocessableEntity || !r.Contains("choose one of the account&#39;s linked web apps") {
		t.Fatalf("the cafe's app in the bank's menu: %d\n%s", r.Status, r.Body)
	}
	if r := hana.PostForm(mpMenu, url.Values{"b.0.name": {"Shop"}, "b.0.type": {"miniprogram"}, "b.0.appid": {app.AppID}, "b.0.pagepath": {"cart?from=menu"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("menu with the app: %d\n%s", r.Status, r.Body)
	}
	def, err := w.s.App.Menus.Default(ctx, w.bank.ID)
	if err != nil || def.Buttons[0].AppID != app.AppID || def.Buttons[0].URL != "https://shop.bank.example/app/cart?from=menu" {
		t.Fatalf("stored menu: %+v %v", def, err)
	}
	chat := mei.Get(fmt.Sprintf("/chat/%d", w.bank.ID))
	m := regexp.MustCompile(`href="(/chat/\d+/app\?[^"]+)"`).FindStringSubmatch(chat.Body)
	if m == nil {
		t.Fatalf("the chat's menu has no web app button:\n%s", chat.Body)
	}
	if r := mei.Get(strings.ReplaceAll(m[1], "&amp;", "&")); r.Status != http.StatusSeeOther || r.Location != "https://shop.bank.example/app/cart?from=menu" {
		t.Fatalf("open from the menu: %d %q", r.Status, r.Location)
	}
	if n := opens(); n != 3 {
		t.Fatalf("opens = %d after the menu", n)
	}
	// Through the developer API a button may name any appid: another
	// account's app is not opened, the fallback url is.
	if _, err := w.s.App.Menus.SetDefault(ctx, w.bank.ID, []menu.Button{{Type: menu.TypeMiniProgram, Name: "Elsewhere", AppID: cafeApp.AppID, PagePath: "x", URL: "https://shop.bank.example/fallback"}}); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"appid": {cafeApp.AppID}, "pagepath": {"x"}}.Encode()
	if r := mei.Get(fmt.Sprintf("/chat/%d/app?%s", w.bank.ID, q)); r.Status != http.StatusSeeOther || r.Location != "https://shop.bank.example/fallback" {
		t.Fatalf("another account's appid: %d %q", r.Status, r.Location)
	}
	// A button the menu does not have is not opened.
	q = url.Values{"appid": {app.AppID}, "pagepath": {"cart?from=menu"}}.Encode()
	if r := mei.Get(fmt.Sprintf("/chat/%d/app?%s", w.bank.ID, q)); r.Status != http.StatusNotFound {
		t.Fatalf("a button no longer in the menu: %d", r.Status)
	}

	// Article: the Markdown link survives sanitising and opens the app.
	body, err := publish.RenderBody(publish.FormatMarkdown, "Our shop:\n\n[Open Bank shop](/w/"+app.AppID+"?from=article)\n\n<a href=\"javascript:alert(1)\">x</a>")
	if err != nil || !strings.Contains(body, `href="/w/`+app.AppID+`?from=article"`) || strings.Contains(body, "javascript") {
		t.Fatalf("rendered article: %s %v", body, err)
	}
	if r := w.s.Client(t).Get("/w/" + app.AppID + "?from=article"); r.Status != http.StatusSeeOther || r.Location != "https://shop.bank.example/app/" {
		t.Fatalf("open from an article, signed out: %d %q", r.Status, r.Location)
	}
	if n := opens(); n != 4 {
		t.Fatalf("opens = %d after the article", n)
	}
}

// TestPaySheetReturnsToTheWebApp: a JSAPI order's pay sheet, opened with
// prepay_id and a redirect_url on the account's web sign-in domain, pays
// and sends the follower back there; a redirect_url elsewhere (another
// account's domain) is refused.
func TestPaySheetReturnsToTheWebApp(t *testing.T) {
	t.Parallel()
	w := newWebAppWorld(t)
	ctx := context.Background()
	if _, err := w.s.App.Pay.EnableMerchant(ctx, w.bank, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := w.s.App.Pay.TopUp(ctx, w.people["ada"].ID, w.people["mei"].ID, 5000, ""); err != nil {
		t.Fatal(err)
	}
	o, err := w.s.App.Pay.CreateOrder(ctx, pay.NewOrder{AccountID: w.bank.ID, PersonID: w.people["mei"].ID, OutTradeNo: "TEA0001", Amount: 1200,
		Description: "Tea", Source: pay.SourceAPI, TradeType: "JSAPI"})
	if err != nil {
		t.Fatal(err)
	}
	mei := w.client(t, "mei")
	back := "https://shop.bank.example/done?no=TEA0001"
	r := mei.Get("/pay/prepay?" + url.Values{"prepay_id": {fmt.Sprintf("wx%d", o.ID)}, "redirect_url": {back}}.Encode())
	want := fmt.Sprintf("/pay/%d?%s", o.ID, url.Values{"redirect_url": {back}}.Encode())
	if r.Status != http.StatusSeeOther || r.Location != want {
		t.Fatalf("prepay entry: %d %q, want %q", r.Status, r.Location, want)
	}
	r = mei.Get(want)
	if r.Status != http.StatusOK || !r.Contains(`name="redirect_url" value="https://shop.bank.example/done?no=TEA0001"`) ||
		!strings.Contains(r.Header.Get("Content-Security-Policy"), "form-action 'self' https://shop.bank.example") {
		t.Fatalf("pay sheet: %d %q\n%s", r.Status, r.Header.Get("Content-Security-Policy"), r.Body)
	}
	for _, bad := range []string{"https://cafe.example/done", "https://evil.example/", "javascript:alert(1)"} {
		if r := mei.Get(fmt.Sprintf("/pay/%d?%s", o.ID, url.Values{"redirect_url": {bad}}.Encode())); r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
			t.Fatalf("redirect_url %s: %d", bad, r.Status)
		}
		if r := mei.PostForm(fmt.Sprintf("/pay/%d", o.ID), url.Values{"password": {payPW}, "redirect_url": {bad}}); r.Status == http.StatusSeeOther {
			t.Fatalf("paid with redirect_url %s", bad)
		}
	}
	if r := mei.Get("/pay/prepay?prepay_id=nonsense"); r.Status != http.StatusNotFound {
		t.Fatalf("a bad prepay_id: %d", r.Status)
	}
	// bob cannot open mei's order, whatever the entry point.
	if r := w.client(t, "bob").Get(want); r.Status != http.StatusNotFound {
		t.Fatalf("bob opens mei's pay sheet: %d", r.Status)
	}
	r = mei.PostForm(fmt.Sprintf("/pay/%d", o.ID), url.Values{"password": {payPW}, "redirect_url": {back}})
	if r.Status != http.StatusSeeOther || r.Location != back {
		t.Fatalf("pay: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	if got, err := w.s.App.Pay.Order(ctx, w.bank.ID, o.ID); err != nil || got.State != pay.StatePaid {
		t.Fatalf("order after paying: %+v %v", got, err)
	}
}
