package console

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

type teamData struct {
	Members     []account.Member
	Invitations []account.Invitation // pending
	Roles       []string
	MeID        int64
	IsOwner     bool
	IsAdmin     bool
	TTLs        []inviteTTL
}

// inviteTTL is a choice of how long an invitation waits.
type inviteTTL struct {
	Days  int
	Label string
}

var inviteTTLs = []inviteTTL{{1, "1 day"}, {3, "3 days"}, {7, "7 days"}, {14, "14 days"}, {30, "30 days"}}

// teamInvite is a submitted invitation.
type teamInvite struct {
	Username, Role string
	TTL            time.Duration
}

// registerTeam adds the account team: inviting, changing roles, removing.
func (u *UI) registerTeam(h core.Route) {
	team := u.Member(account.ActTeam)
	view := core.View{Title: "Team", Template: "mp/team", Load: u.loadTeam}
	u.AddNav(core.NavItem{Label: "Team", Path: "team", Action: account.ActTeam, Order: 48})
	h("GET /mp/a/{account}/team", u.Get(team, view))
	h("POST /mp/a/{account}/team", core.Post(u.UI, team, core.Form[teamInvite]{View: view, Parse: readInvite, Do: u.teamInvite}))
	h("POST /mp/a/{account}/team/invitations/{invitation}/revoke", core.Post(u.UI, team, core.Form[int64]{View: view, Parse: invitationInPath, Do: u.teamRevoke}))

	// The invitee's side: every signed-in person's own invitations.
	mine := core.View{Title: "Invitations", Template: "mp/invitations", Load: u.loadInvitations}
	h("GET /mp/invitations", u.Get(u.AnyPerson(), mine))
	h("POST /mp/invitations/{invitation}/accept", core.Post(u.UI, u.AnyPerson(), core.Form[int64]{View: mine, Parse: invitationInPath, Do: u.invitationAccept}))
	h("POST /mp/invitations/{invitation}/decline", core.Post(u.UI, u.AnyPerson(), core.Form[int64]{View: mine, Parse: invitationInPath, Do: u.invitationDecline}))
	h("POST /mp/a/{account}/team/{person}/role", core.Post(u.UI, team, core.Form[int64]{View: view, Parse: personInPath, Do: u.teamRole}))
	h("POST /mp/a/{account}/team/{person}/remove", core.Post(u.UI, team, core.Form[int64]{View: view, Parse: personInPath, Do: u.teamRemove}))
}

func (u *UI) loadTeam(r *http.Request, p *core.Page) error {
	c := p.Console
	members, err := u.Accounts.Members(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	invs, err := u.Accounts.PendingInvitations(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	p.Data = &teamData{Members: members, Invitations: invs, Roles: account.Roles, MeID: web.Person(r).ID,
		IsOwner: c.Role == account.RoleOwner, IsAdmin: c.Role == account.RoleAdmin, TTLs: inviteTTLs}
	return nil
}

func readInvite(r *http.Request, _ *core.ConsoleCtx) (teamInvite, error) {
	in := teamInvite{Username: r.PostForm.Get("username"), Role: r.PostForm.Get("role"), TTL: account.DefaultInvitationTTL}
	if v := r.PostForm.Get("expires"); v != "" {
		days, err := strconv.Atoi(v)
		if err != nil {
			days = -1 // refused by the domain, with the field's message
		}
		in.TTL = time.Duration(days) * 24 * time.Hour
	}
	return in, nil
}

func invitationInPath(r *http.Request, _ *core.ConsoleCtx) (int64, error) {
	return core.PathIDNamed(r, "invitation", "invitation")
}

// personInPath reads the {person} a form is about.
func personInPath(r *http.Request, _ *core.ConsoleCtx) (int64, error) {
	return core.PathID(r, "person")
}

// teamInvite creates an invitation. Its message is the same whether or not
// the username exists, so the page tells nobody who has a Herald sign-in.
func (u *UI) teamInvite(r *http.Request, c *core.ConsoleCtx, in teamInvite) (core.Done, error) {
	inv, err := u.Accounts.InviteMember(r.Context(), c.Account.ID, web.Person(r).ID, c.Role, in.Username, in.Role, in.TTL)
	if err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "team", Flash: u.T(r, "Invitation for @%s as %s saved. If that username has a Herald sign-in, they can accept it under Invitations until %s (%s).",
		inv.Username, u.Locale(r).Text(inv.Role), inv.ExpiresAt.In(c.Account.Location()).Format("2 Jan 2006 15:04"), c.Account.Timezone)}, nil
}

func (u *UI) teamRevoke(r *http.Request, c *core.ConsoleCtx, invID int64) (core.Done, error) {
	if err := u.Accounts.RevokeInvitation(r.Context(), c.Account.ID, c.Role, invID); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "team", Flash: "Invitation withdrawn."}, nil
}

func (u *UI) loadInvitations(r *http.Request, p *core.Page) error {
	list, err := u.Accounts.InvitationsFor(r.Context(), web.Person(r).ID)
	if err != nil {
		return err
	}
	p.Data = list
	return nil
}

func (u *UI) invitationAccept(r *http.Request, _ *core.ConsoleCtx, invID int64) (core.Done, error) {
	inv, err := u.Accounts.AcceptInvitation(r.Context(), web.Person(r).ID, invID)
	if err != nil {
		return core.Done{}, err
	}
	return core.Done{To: fmt.Sprintf("/mp/a/%d/", inv.AccountID), Flash: u.T(r, "You joined %s as %s.", inv.AccountName, u.Locale(r).Text(inv.Role))}, nil
}

func (u *UI) invitationDecline(r *http.Request, _ *core.ConsoleCtx, invID int64) (core.Done, error) {
	inv, err := u.Accounts.DeclineInvitation(r.Context(), web.Person(r).ID, invID)
	if err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "/mp/invitations", Flash: u.T(r, "You declined the invitation to %s.", inv.AccountName)}, nil
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
