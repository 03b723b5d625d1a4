package console

import (
	"net/http"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

type teamData struct {
	Members []account.Member
	Roles   []string
	MeID    int64
	IsOwner bool
}

// registerTeam adds the account team: inviting, changing roles, removing.
func (u *UI) registerTeam(h core.Route) {
	team := u.Member(account.ActTeam)
	view := core.View{Title: "Team", Template: "mp/team", Load: u.loadTeam}
	u.AddNav(core.NavItem{Label: "Team", Path: "team", Action: account.ActTeam, Order: 48})
	h("GET /mp/a/{account}/team", u.Get(team, view))
	h("POST /mp/a/{account}/team", core.Post(u.UI, team, core.Form[core.None]{View: view, Do: u.teamInvite}))
	h("POST /mp/a/{account}/team/{person}/role", core.Post(u.UI, team, core.Form[int64]{View: view, Parse: personInPath, Do: u.teamRole}))
	h("POST /mp/a/{account}/team/{person}/remove", core.Post(u.UI, team, core.Form[int64]{View: view, Parse: personInPath, Do: u.teamRemove}))
}

func (u *UI) loadTeam(r *http.Request, p *core.Page) error {
	c := p.Console
	members, err := u.Accounts.Members(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	p.Data = &teamData{Members: members, Roles: account.Roles, MeID: web.Person(r).ID, IsOwner: c.Role == account.RoleOwner}
	return nil
}

// personInPath reads the {person} a form is about.
func personInPath(r *http.Request, _ *core.ConsoleCtx) (int64, error) {
	return core.PathID(r, "person")
}

func (u *UI) teamInvite(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	m, err := u.Accounts.Invite(r.Context(), c.Account.ID, c.Role, r.PostForm.Get("username"), r.PostForm.Get("role"))
	if err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "team", Flash: m.DisplayName + " joined the team as " + m.Role + "."}, nil
}

func (u *UI) teamRole(r *http.Request, c *core.ConsoleCtx, pid int64) (core.Done, error) {
	if err := u.Accounts.ChangeRole(r.Context(), c.Account.ID, c.Role, pid, r.PostForm.Get("role")); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "team", Flash: "Role changed."}, nil
}

func (u *UI) teamRemove(r *http.Request, c *core.ConsoleCtx, pid int64) (core.Done, error) {
	if err := u.Accounts.Remove(r.Context(), c.Account.ID, c.Role, pid); err != nil {
		return core.Done{}, err
	}
	if pid == web.Person(r).ID {
		return core.Done{To: "/mp/", Flash: "You left the account."}, nil
	}
	return core.Done{To: "team", Flash: "Member removed."}, nil
}
