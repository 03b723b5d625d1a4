package account_test

import (
	"context"
	"errors"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/user"
)

func TestTeamManagement(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	c := &clock.Offset{}
	users, accounts := user.NewStore(d, c), account.NewStore(d, c)
	mk := func(u string) *user.Person {
		p, err := users.Create(ctx, user.NewPerson{Username: u, DisplayName: u, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	hana, sam, ada := mk("hana"), mk("sam"), mk("ada")
	a, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", OwnerID: hana.ID})
	if err != nil {
		t.Fatal(err)
	}
	role := func(p *user.Person) string {
		r, err := accounts.Role(ctx, a.ID, p.ID)
		if err != nil {
			return "none"
		}
		return r
	}
	if _, err := accounts.Invite(ctx, a.ID, account.RoleOwner, " @SAM ", account.RoleAgent); err != nil {
		t.Fatal(err)
	}
	if role(sam) != account.RoleAgent {
		t.Errorf("sam is %s", role(sam))
	}
	for _, tc := range []struct {
		actor, user, role string
		want              errs.Kind
	}{
		{account.RoleOwner, "nobody", account.RoleAgent, errs.KindInvalid},
		{account.RoleOwner, "sam", account.RoleAdmin, errs.KindInvalid}, // already a member
		{account.RoleOwner, "ada", "king", errs.KindInvalid},
		{account.RoleAdmin, "ada", account.RoleOwner, errs.KindForbidden},
	} {
		if _, err := accounts.Invite(ctx, a.ID, tc.actor, tc.user, tc.role); errs.KindOf(err) != tc.want {
			t.Errorf("invite %+v: %v", tc, err)
		}
	}
	if role(ada) != "none" {
		t.Errorf("a refused invitation added ada as %s", role(ada))
	}
	// The last owner can neither leave nor be demoted.
	if err := accounts.Remove(ctx, a.ID, account.RoleOwner, hana.ID); !errors.Is(err, account.ErrLastOwner) {
		t.Errorf("last owner left: %v", err)
	}
	if err := accounts.ChangeRole(ctx, a.ID, account.RoleOwner, hana.ID, account.RoleAdmin); !errors.Is(err, account.ErrLastOwner) {
		t.Errorf("last owner demoted: %v", err)
	}
	// Admins manage non-owners only.
	if err := accounts.ChangeRole(ctx, a.ID, account.RoleAdmin, sam.ID, account.RoleOwner); !errors.Is(err, account.ErrOwnersOnly) {
		t.Errorf("admin made an owner: %v", err)
	}
	if err := accounts.ChangeRole(ctx, a.ID, account.RoleAdmin, hana.ID, account.RoleAgent); !errors.Is(err, account.ErrOwnersOnly) {
		t.Errorf("admin demoted an owner: %v", err)
	}
	if err := accounts.ChangeRole(ctx, a.ID, account.RoleAdmin, sam.ID, account.RolePublisher); err != nil || role(sam) != account.RolePublisher {
		t.Errorf("admin changed sam: %v, %s", err, role(sam))
	}
	if err := accounts.ChangeRole(ctx, a.ID, account.RoleOwner, sam.ID, account.RoleOwner); err != nil {
		t.Fatal(err)
	}
	// With two owners, one may leave.
	if err := accounts.Remove(ctx, a.ID, account.RoleOwner, hana.ID); err != nil {
		t.Fatal(err)
	}
	if role(hana) != "none" || role(sam) != account.RoleOwner {
		t.Errorf("after leaving: hana %s, sam %s", role(hana), role(sam))
	}
	members, err := accounts.Members(ctx, a.ID)
	if err != nil || len(members) != 1 || members[0].Username != "sam" {
		t.Errorf("members: %+v, %v", members, err)
	}
	if err := accounts.Remove(ctx, a.ID, account.RoleOwner, ada.ID); !errors.Is(err, account.ErrNotMember) {
		t.Errorf("removing a non-member: %v", err)
	}
}

func TestRolePermissions(t *testing.T) {
	// The two examples, and the messaging pages' actions.
	if account.Can(account.RolePublisher, account.ActSecret) {
		t.Error("a publisher can reset the AppSecret")
	}
	if account.Can(account.RoleAgent, account.ActPublish) {
		t.Error("an agent can publish")
	}
	for _, tc := range []struct {
		role, action string
		want         bool
	}{
		{account.RoleAgent, account.ActInbox, true},
		{account.RoleAgent, account.ActFollowers, true},
		{account.RoleAgent, account.ActMenu, false},
		{account.RoleAgent, account.ActAutoReply, false},
		{account.RoleAgent, account.ActTeam, false},
		{account.RolePublisher, account.ActInbox, false},
		{account.RoleAnalyst, account.ActFollowers, false},
		{account.RoleAdmin, account.ActTeam, true},
		{account.RoleOwner, account.ActSecret, true},
	} {
		if got := account.Can(tc.role, tc.action); got != tc.want {
			t.Errorf("Can(%s, %s) = %v", tc.role, tc.action, got)
		}
	}
}
