// Package demo seeds a living demo platform into an empty database, so that
// someone who runs Herald for the first time sees a working system: staff,
// organisations with verified accounts, followers, publications, menus,
// auto-replies and conversations.
package demo

import (
	"context"
	"fmt"

	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/user"
)

// Credential is a demo sign-in printed at start-up.
type Credential struct {
	Role, Username, Password string
}

// Followers is how many demo followers are created.
const Followers = 300

// followerPassword is shared by every demo follower.
const followerPassword = "follower-demo"

// Seed fills an empty database with the demo. When the database already has
// people it changes nothing and returns the demo credentials that still work.
func Seed(ctx context.Context, a *app.App) ([]Credential, error) {
	creds := []Credential{
		{"Platform admin", "admin", "admin-demo"},
		{"Platform reviewer", "reviewer", "reviewer-demo"},
		{"Owner, Subscription", "lotus", "owner-demo"},
		{"Owner, Service", "harbour", "owner-demo"},
		{"Follower", "mei", followerPassword},
	}
	n, err := a.Users.Count(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return creds, nil // seeded before (or a real platform): leave it alone
	}
	mk := func(username, display, password, role string) (*user.Person, error) {
		return a.Users.Create(ctx, user.NewPerson{Username: username, DisplayName: display, Password: password, PlatformRole: role})
	}
	if _, err := mk("admin", "Ada Admin", "admin-demo", user.RoleAdmin); err != nil {
		return nil, err
	}
	if _, err := mk("reviewer", "Rui Reviewer", "reviewer-demo", user.RoleReviewer); err != nil {
		return nil, err
	}
	if _, err := mk("lotus", "Lin (Lotus Tea House)", "owner-demo", ""); err != nil {
		return nil, err
	}
	if _, err := mk("harbour", "Hana (Harbour Bank)", "owner-demo", ""); err != nil {
		return nil, err
	}
	// Followers share one password hash: hashing 300 passwords would make the
	// first start take seconds.
	hash, err := user.HashPassword(followerPassword)
	if err != nil {
		return nil, err
	}
	if _, err := a.Users.Create(ctx, user.NewPerson{Username: "mei", DisplayName: "Mei", PasswordHash: hash}); err != nil {
		return nil, err
	}
	for i := 1; i < Followers; i++ {
		name := fmt.Sprintf("%s%03d", firstNames[i%len(firstNames)], i)
		if _, err := a.Users.Create(ctx, user.NewPerson{Username: name, DisplayName: displayName(i), PasswordHash: hash}); err != nil {
			return nil, err
		}
	}
	return creds, nil
}

var firstNames = []string{"wei", "fang", "jun", "li", "xiu", "chen", "yan", "hao", "ling", "tao", "ming", "qing", "anna", "omar", "sara", "ken"}

func displayName(i int) string {
	n := firstNames[i%len(firstNames)]
	return string(n[0]-32) + n[1:] + fmt.Sprintf(" %c.", 'A'+rune(i%26))
}
