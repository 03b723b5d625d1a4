package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
)

// navBox is where the account navigation and the page's main column are
// drawn, and what of the navigation shows.
type navBox struct {
	NavLeft, NavRight, NavTop, NavBottom float64
	MainLeft, MainTop                    float64
	Headings                             []string
	LinksShown                           int
	Toggle                               bool   // the Menu button is visible
	Expanded                             string // its aria-expanded
	Current                              string // the link marked as the current page
}

func readNav(t *testing.T, tab context.Context) navBox {
	t.Helper()
	return run(t, tab, "measure the navigation", chromedp.Evaluate[navBox](`(() => {
		const nav = document.querySelector("nav.accountnav"), main = document.querySelector("main");
		const n = nav.getBoundingClientRect(), m = main.getBoundingClientRect();
		const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
		const btn = nav.querySelector(".navtoggle"), cur = nav.querySelector(".accountnav-groups a[aria-current=page]");
		return {NavLeft: n.left, NavRight: n.right, NavTop: n.top, NavBottom: n.bottom, MainLeft: m.left, MainTop: m.top,
			Headings: [...nav.querySelectorAll(".navgroup-label")].filter(shown).map(h => h.textContent),
			LinksShown: [...nav.querySelectorAll(".accountnav-groups a")].filter(shown).length,
			Toggle: !!btn && shown(btn), Expanded: btn ? btn.getAttribute("aria-expanded") : "",
			Current: cur ? cur.textContent : ""};
	})()`))
}

// TestConsoleNavigationSidebarAndPhoneMenu: a Service account's owner sees
// the console's pages under headings: on a desktop a sidebar beside the
// page, on a 360 px phone a Menu button that opens and closes them (with
// the keyboard too) and a page that never scrolls sideways.
func TestConsoleNavigationSidebarAndPhoneMenu(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	owner := s.CreatePerson(t, "hana", "owner password 1", user.RoleNone)
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic,
		Name: "Harbour Bank of the East Sea", Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	tab, problems := watchedTab(t, 1280, 800)
	followers := fmt.Sprintf("/mp/a/%d/followers", a.ID)
	signIn(t, tab, s, "hana", "owner password 1", followers, `nav.accountnav`)

	d := readNav(t, tab)
	want := []string{"Publishing", "Engagement", "Insights", "Commerce", "Settings"}
	if strings.Join(d.Headings, ",") != strings.Join(want, ",") {
		t.Errorf("the sidebar's headings are %q, want %q", d.Headings, want)
	}
	if d.NavRight > d.MainLeft || d.NavRight-d.NavLeft > 260 {
		t.Errorf("the navigation is not a sidebar beside the page: nav %.0f–%.0f px, page from %.0f px", d.NavLeft, d.NavRight, d.MainLeft)
	}
	if d.Toggle || d.LinksShown < 15 || d.Current != "Followers" {
		t.Errorf("on a desktop the sidebar shows %d links (Menu button shown: %v), current %q", d.LinksShown, d.Toggle, d.Current)
	}

	do(t, tab, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait),
		chromedp.Navigate(s.URL+fmt.Sprintf("/mp/a/%d/dev/oauth", a.ID)), chromedp.WaitVisible(chromedp.CSS(`nav.accountnav`)))
	fitsWidth(t, tab, SmallPhoneWidth, "a console page with its navigation folded")
	d = readNav(t, tab)
	if !d.Toggle || d.Expanded != "false" || d.LinksShown != 0 || d.NavBottom-d.NavTop > 70 {
		t.Errorf("on a phone the navigation is not folded behind its button: %+v", d)
	}
	do(t, tab, "open the menu", chromedp.Click(chromedp.CSS(`[data-testid=nav-toggle]`)))
	d = readNav(t, tab)
	if d.Expanded != "true" || d.LinksShown < 15 || len(d.Headings) != 5 || d.Current != "Web sign-in" {
		t.Errorf("the opened menu: %+v", d)
	}
	if d.MainTop < d.NavBottom {
		t.Errorf("the opened menu covers the page: nav ends at %.0f px, the page starts at %.0f px", d.NavBottom, d.MainTop)
	}
	fitsWidth(t, tab, SmallPhoneWidth, "a console page with its navigation open")
	do(t, tab, "close it with Escape", chromedp.KeyEvent("\x1b"))
	d = readNav(t, tab)
	if d.Expanded != "false" || d.LinksShown != 0 {
		t.Errorf("Escape did not close the menu: %+v", d)
	}
	if f := run(t, tab, "see where the focus is", chromedp.Evaluate[string](`document.activeElement.dataset.testid || document.activeElement.tagName`)); f != "nav-toggle" {
		t.Errorf("after Escape the focus is on %s, not the Menu button", f)
	}
	do(t, tab, "open it with the keyboard", chromedp.KeyEvent("\r"))
	if d = readNav(t, tab); d.Expanded != "true" || d.LinksShown < 15 {
		t.Errorf("Enter on the Menu button did not open the menu: %+v", d)
	}
	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors: %v", p)
	}
}
