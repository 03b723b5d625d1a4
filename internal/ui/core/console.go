package core

import (
	"net/http"
	"strconv"

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

// ConsoleCtx is what console pages know about the current account.
type ConsoleCtx struct {
	Account *account.Account
	Role    string
	Nav     []NavItem // the items this member may open
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
