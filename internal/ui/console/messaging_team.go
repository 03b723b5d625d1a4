package console

import (
	"fmt"
	"net/http"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

type teamData struct {
	Members []account.Member
	Roles   []string
	MeID    int64
	IsOwner bool
}

func (u *UI) teamPage(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActTeam)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Team", nil)
	p.Console = c
	return u.renderTeam(w, r, p, c, http.StatusOK)
}

func (u *UI) renderTeam(w http.ResponseWriter, r *http.Request, p *core.Page, c *core.ConsoleCtx, status int) error {
	members, err := u.Accounts.Members(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	p.Data = &teamData{Members: members, Roles: account.Roles, MeID: web.Person(r).ID, IsOwner: c.Role == account.RoleOwner}
	return u.Render(w, r, status, "mp/team", p)
}

func (u *UI) teamFail(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx, err error) error {
	var e *errs.Error
	if !core.AsErr(err, &e) || e.Kind == errs.KindInternal {
		return err
	}
	p := u.NewPage(w, r, "Team", nil)
	p.Console = c
	p.Form = r.PostForm
	if e.Field != "" {
		p.Fields[e.Field] = e.Message
	} else {
		p.Error = e.Message
	}
	return u.renderTeam(w, r, p, c, web.Status(err))
}

func (u *UI) teamInvite(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActTeam)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	m, err := u.Accounts.Invite(r.Context(), c.Account.ID, c.Role, r.PostForm.Get("username"), r.PostForm.Get("role"))
	if err != nil {
		return u.teamFail(w, r, c, err)
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/team", c.Account.ID), fmt.Sprintf("%s joined the team as %s.", m.DisplayName, m.Role))
}

func (u *UI) teamRole(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActTeam)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	pid, err := core.PathID(r, "person")
	if err != nil {
		return err
	}
	if err := u.Accounts.ChangeRole(r.Context(), c.Account.ID, c.Role, pid, r.PostForm.Get("role")); err != nil {
		return u.teamFail(w, r, c, err)
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/team", c.Account.ID), "Role changed.")
}

func (u *UI) teamRemove(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActTeam)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	pid, err := core.PathID(r, "person")
	if err != nil {
		return err
	}
	if err := u.Accounts.Remove(r.Context(), c.Account.ID, c.Role, pid); err != nil {
		return u.teamFail(w, r, c, err)
	}
	if pid == web.Person(r).ID {
		return u.Redirect(w, r, "/mp/", "You left the account.")
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/team", c.Account.ID), "Member removed.")
}
