package account_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/user"
)

func TestInvitationsAreAcceptedByTheInvitee(t *testing.T) {
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
	hana, sam, ada, eve := mk("hana"), mk("sam"), mk("ada"), mk("eve")
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
	week := account.DefaultInvitationTTL

	// Inviting sam does not make sam a member; nor does inviting a name
	// nobody has fail, or answer differently.
	inv, err := accounts.InviteMember(ctx, a.ID, hana.ID, account.RoleOwner, " @SAM ", account.RoleAgent, week)
	if err != nil {
		t.Fatal(err)
	}
	ghost, err := accounts.InviteMember(ctx, a.ID, hana.ID, account.RoleOwner, "nobody-here", account.RoleAgent, week)
	if err != nil {
		t.Fatalf("an unknown username got a different answer: %v", err)
	}
	if inv.Username != "sam" || ghost.Username != "nobody-here" || inv.State != ghost.State ||
		inv.ExpiresAt.Sub(inv.CreatedAt) != ghost.ExpiresAt.Sub(ghost.CreatedAt) {
		t.Errorf("known and unknown usernames differ: %+v vs %+v", inv, ghost)
	}
	if role(sam) != "none" {
		t.Fatalf("sam is %s before accepting", role(sam))
	}
	pending, err := accounts.PendingInvitations(ctx, a.ID)
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending: %+v %v", pending, err)
	}
	for _, tc := range []struct {
		name, actor, user, role string
		ttl                     time.Duration
		want                    errs.Kind
	}{
		{"a current member", account.RoleOwner, "hana", account.RoleAgent, week, errs.KindInvalid},
		{"an unknown role", account.RoleOwner, "ada", "king", week, errs.KindInvalid},
		{"an owner by an admin", account.RoleAdmin, "ada", account.RoleOwner, week, errs.KindForbidden},
		{"no username", account.RoleOwner, "  @ ", account.RoleAgent, week, errs.KindInvalid},
		{"a minute", account.RoleOwner, "ada", account.RoleAgent, time.Minute, errs.KindInvalid},
		{"two months", account.RoleOwner, "ada", account.RoleAgent, 60 * 24 * time.Hour, errs.KindInvalid},
	} {
		if _, err := accounts.InviteMember(ctx, a.ID, hana.ID, tc.actor, tc.user, tc.role, tc.ttl); errs.KindOf(err) != tc.want {
			t.Errorf("invite %s: %v", tc.name, err)
		}
	}

	// Inviting again renews the one pending invitation.
	again, err := accounts.InviteMember(ctx, a.ID, hana.ID, account.RoleOwner, "sam", account.RolePublisher, 2*week)
	if err != nil || again.ID != inv.ID {
		t.Fatalf("re-invite: %+v %v (first %d)", again, err, inv.ID)
	}

	// Only sam sees and can accept sam's invitation.
	if list, _ := accounts.InvitationsFor(ctx, eve.ID); len(list) != 0 {
		t.Errorf("eve sees %+v", list)
	}
	if _, err := accounts.AcceptInvitation(ctx, eve.ID, inv.ID); !errors.Is(err, account.ErrNoInvitation) {
		t.Errorf("eve accepted sam's invitation: %v", err)
	}
	list, err := accounts.InvitationsFor(ctx, sam.ID)
	if err != nil || len(list) != 1 || list[0].AccountName != "Harbour Bank" || list[0].Role != account.RolePublisher || list[0].InviterName != "hana" {
		t.Fatalf("sam's invitations: %+v %v", list, err)
	}
	if n, _ := accounts.CountInvitationsFor(ctx, sam.ID); n != 1 {
		t.Errorf("sam has %d invitations", n)
	}
	got, err := accounts.AcceptInvitation(ctx, sam.ID, inv.ID)
	if err != nil || got.AccountID != a.ID {
		t.Fatalf("accept: %+v %v", got, err)
	}
	if role(sam) != account.RolePublisher {
		t.Errorf("after accepting sam is %s, want the invitation's role", role(sam))
	}
	if _, err := accounts.AcceptInvitation(ctx, sam.ID, inv.ID); !errors.Is(err, account.ErrNoInvitation) {
		t.Errorf("accepted twice: %v", err)
	}
	if pending, _ := accounts.PendingInvitations(ctx, a.ID); len(pending) != 1 || pending[0].Username != "nobody-here" {
		t.Errorf("pending after the acceptance: %+v", pending)
	}

	// Declined and revoked invitations give no role.
	adaInv, _ := accounts.InviteMember(ctx, a.ID, hana.ID, account.RoleOwner, "ada", account.RoleAdmin, week)
	if _, err := accounts.DeclineInvitation(ctx, ada.ID, adaInv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.AcceptInvitation(ctx, ada.ID, adaInv.ID); !errors.Is(err, account.ErrNoInvitation) || role(ada) != "none" {
		t.Errorf("accepted a declined invitation: %v, role %s", err, role(ada))
	}
	eveInv, _ := accounts.InviteMember(ctx, a.ID, hana.ID, account.RoleOwner, "eve", account.RoleOwner, week)
	if err := accounts.RevokeInvitation(ctx, a.ID, account.RoleAdmin, eveInv.ID); errs.KindOf(err) != errs.KindForbidden {
		t.Errorf("an admin revoked an owner invitation: %v", err)
	}
	if err := accounts.RevokeInvitation(ctx, a.ID, account.RoleAgent, eveInv.ID); errs.KindOf(err) != errs.KindForbidden {
		t.Errorf("an agent revoked an invitation: %v", err)
	}
	other, _ := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Other", OwnerID: eve.ID})
	if err := accounts.RevokeInvitation(ctx, other.ID, account.RoleOwner, eveInv.ID); !errors.Is(err, account.ErrNoInvitation) {
		t.Errorf("another account revoked it: %v", err)
	}
	if err := accounts.RevokeInvitation(ctx, a.ID, account.RoleOwner, eveInv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.AcceptInvitation(ctx, eve.ID, eveInv.ID); !errors.Is(err, account.ErrNoInvitation) || role(eve) != "none" {
		t.Errorf("accepted a revoked invitation: %v, role %s", err, role(eve))
	}

	// An expired invitation is gone for both sides.
	late, _ := accounts.InviteMember(ctx, a.ID, hana.ID, account.RoleOwner, "eve", account.RoleAnalyst, time.Hour)
	c.Advance(time.Hour + time.Second)
	if list, _ := accounts.InvitationsFor(ctx, eve.ID); len(list) != 0 {
		t.Errorf("eve still sees an expired invitation: %+v", list)
	}
	if _, err := accounts.AcceptInvitation(ctx, eve.ID, late.ID); !errors.Is(err, account.ErrNoInvitation) || role(eve) != "none" {
		t.Errorf("accepted an expired invitation: %v", err)
	}
	if pending, _ := accounts.PendingInvitations(ctx, a.ID); len(pending) != 1 || pending[0].Username != "nobody-here" {
		t.Errorf("expired invitations are listed as pending: %+v", pending)
	}
	// It can be sent again.
	if _, err := accounts.InviteMember(ctx, a.ID, hana.ID, account.RoleOwner, "eve", account.RoleAnalyst, time.Hour); err != nil {
		t.Errorf("invite again after expiry: %v", err)
	}
}

// TestAcceptAndRevokeRace: an invitation accepted and revoked at the same
// time ends one way only.
func TestAcceptAndRevokeRace(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	c := &clock.Offset{}
	users, accounts := user.NewStore(d, c), account.NewStore(d, c)
	hana, _ := users.Create(ctx, user.NewPerson{Username: "hana", DisplayName: "hana", PasswordHash: "x"})
	a, _ := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", OwnerID: hana.ID})
	for i := range 5 {
		p, err := users.Create(ctx, user.NewPerson{Username: fmt.Sprint("person", i), DisplayName: "p", PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		inv, err := accounts.InviteMember(ctx, a.ID, hana.ID, account.RoleOwner, p.Username, account.RoleAgent, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var acceptErr, revokeErr error
		wg.Go(func() { _, acceptErr = accounts.AcceptInvitation(ctx, p.ID, inv.ID) })
		wg.Go(func() { revokeErr = accounts.RevokeInvitation(ctx, a.ID, account.RoleOwner, inv.ID) })
		wg.Wait()
		r, roleErr := accounts.Role(ctx, a.ID, p.ID)
		member := roleErr == nil && r == account.RoleAgent
		if (acceptErr == nil) == (revokeErr == nil) || member != (acceptErr == nil) {
			t.Errorf("race %d: accept %v, revoke %v, member %v", i, acceptErr, revokeErr, member)
		}
	}
}
