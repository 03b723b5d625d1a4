// Package wechatmove sets up the two Heralds of a "move from WeChat" test:
// a source Herald with the demo accounts, acting as WeChat (its developer
// API is WeChat's wire format), and a target Herald with an approved, empty
// account for the move.
//
//	m := wechatmove.New(t)
//	// start a move into m.Account as m.Owner, reading m.Cred from m.Source.URL
package wechatmove

import (
	"context"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/demo"
	"github.com/heraldoa/herald/internal/user"
)

// The target account's owner signs in with these.
const (
	OwnerName     = "hana"
	OwnerPassword = "correct horse battery"
)

// Move is a source and a target Herald.
type Move struct {
	Source *apptest.Server      // the demo platform, acting as WeChat
	Lotus  *account.Account     // the demo's Lotus Tea House, the account that moves
	Cred   *account.Credentials // Lotus's AppID and AppSecret on the source
	Target *apptest.Server      // an empty platform
	Owner  *user.Person         // OwnerName on the target
	// Account is an approved subscription account on the target, owned by
	// Owner, with no content: what a move goes into.
	Account *account.Account
}

// New starts both Heralds; they stop when the test ends.
func New(t testing.TB) *Move {
	t.Helper()
	ctx := context.Background()
	m := &Move{Source: apptest.New(t)}
	if _, err := demo.Seed(ctx, m.Source.App); err != nil {
		t.Fatal(err)
	}
	lotusOwner, err := m.Source.App.Users.ByUsername(ctx, "lotus")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := m.Source.App.Accounts.ForMember(ctx, lotusOwner.ID)
	if err != nil || len(ms) == 0 {
		t.Fatalf("the demo's lotus owns no account: %v", err)
	}
	m.Lotus = ms[0].Account
	if m.Cred, err = m.Source.App.Accounts.IssueCredentials(ctx, m.Lotus.ID); err != nil {
		t.Fatal(err)
	}
	m.Target = apptest.New(t)
	m.Owner = m.Target.CreatePerson(t, OwnerName, OwnerPassword, "")
	if m.Account, err = m.Target.App.Accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic,
		Name: "Lotus Tea House", Status: account.StatusActive, OwnerID: m.Owner.ID}); err != nil {
		t.Fatal(err)
	}
	return m
}
