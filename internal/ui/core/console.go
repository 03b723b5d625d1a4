package core

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/web"
)

// Console pages for one account live under /mp/a/{account}/...; every
// handler there starts with ConsoleAccount, which loads the account and
// checks that the signed-in person's role allows the action.

// NavItem is one entry of the console's per-account navigation. Each console
// feature adds its item when it registers its routes, so the menu never
// links to a page that does not exist.
type NavItem struct {
	Label  string
	Path   string // below /mp/a/{id}/, e.g. "publish"
	Action string // the account.Act* the page needs
	Order  int
}

// NavGroup is a heading of the console's navigation with its items.
type NavGroup struct {
	Label string
	Items []NavItem
}

// navGroups places each page of the console under a heading, by its path;
// an item whose path is not listed goes under "More", so no page is ever
// left out of the navigation.
var navGroups = []struct {
	label string
	paths []string
}{
	{"Publishing", []string{"publish", "calendar", "abtests", "media", "comments", "feeds"}},
	{"Engagement", []string{"inbox", "followers", "menu", "autoreply", "templates"}},
	{"Insights", []string{"analytics"}},
	{"Commerce", []string{"pay", "webapps"}},
	{"Settings", []string{"dev", "dev/oauth", "team", "data", "compliance", "settings"}},
}

// groupNav sorts items (in navigation order) under their headings, in the
// order of navGroups; empty headings are left out.
func groupNav(items []NavItem) []NavGroup {
	at := map[string]int{}
	for i, g := range navGroups {
		for _, p := range g.paths {
			at[p] = i
		}
	}
	groups := make([]NavGroup, len(navGroups)+1)
	for i, g := range navGroups {
		groups[i].Label = g.label
	}
	groups[len(navGroups)].Label = "More"
	for _, it := range items {
		i, ok := at[it.Path]
		if !ok {
			i = len(navGroups)
		}
		groups[i].Items = append(groups[i].Items, it)
	}
	out := groups[:0]
	for _, g := range groups {
		if len(g.Items) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// ConsoleCtx is what console pages know about the current account.
type ConsoleCtx struct {
	Account *account.Account
	Role    string
	Nav     []NavItem  // the items this member may open
	Groups  []NavGroup // the same items under their headings
	Current string     // the path of the item the request is on, "" for none
}

// Can reports whether the current member may take action (for templates).
func (c *ConsoleCtx) Can(action string) bool { return account.Can(c.Role, action) }

// ConsoleAccount loads the account named in the path and checks that the
// signed-in person may take action on it.
func (u *UI) ConsoleAccount(r *http.Request, action string) (*ConsoleCtx, error) {
	me := web.Person(r)
	if me == nil {
		return nil, errs.Unauthorized
	}
	accountID, err := strconv.ParseInt(r.PathValue("account"), 10, 64)
	if err != nil {
		return nil, errs.NotFoundf("No such account.")
	}
	role, err := u.Accounts.Role(r.Context(), accountID, me.ID)
	if err != nil {
		return nil, err
	}
	if !account.Can(role, action) {
		return nil, errs.Forbiddenf("Your role (%s) does not allow this. Ask the account's owner or an admin.", role)
	}
	a, err := u.Accounts.ByID(r.Context(), accountID)
	if err != nil {
		return nil, err
	}
	c := &ConsoleCtx{Account: a, Role: role}
	for _, it := range u.nav {
		if account.Can(role, it.Action) {
			c.Nav = append(c.Nav, it)
		}
	}
	c.Groups = groupNav(c.Nav)
	// The item a page belongs to is the longest one its path starts with
	// ("dev/oauth/…" is under Web sign-in, not Developer).
	rest := strings.TrimPrefix(r.URL.Path, "/mp/a/"+strconv.FormatInt(a.ID, 10)+"/")
	for _, it := range c.Nav {
		if (rest == it.Path || strings.HasPrefix(rest, it.Path+"/")) && len(it.Path) > len(c.Current) {
			c.Current = it.Path
		}
	}
	return c, nil
}

// AddNav registers a console navigation item.
func (u *UI) AddNav(it NavItem) {
	i := len(u.nav)
	u.nav = append(u.nav, it)
	for i > 0 && u.nav[i-1].Order > it.Order {
		u.nav[i], u.nav[i-1] = u.nav[i-1], u.nav[i]
		i--
	}
}
