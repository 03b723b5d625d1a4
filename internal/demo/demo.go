// Package demo seeds a living demo platform into an empty database, so that
// someone who runs Herald for the first time sees a working system: staff,
// organisations with verified accounts, followers, publications, menus,
// auto-replies and conversations.
package demo

import (
	"context"
	"fmt"

	"github.com/heraldoa/herald/internal/account"
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
		{"Owner, Chinese Subscription (莲心茶舍)", "xiaolian", "owner-demo"},
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
	w := &world{app: a, people: map[string]*user.Person{}}
	for _, p := range []struct{ username, display, password, role string }{
		{"admin", "Ada Admin", "admin-demo", user.RoleAdmin},
		{"reviewer", "Rui Reviewer", "reviewer-demo", user.RoleReviewer},
		{"reviewer2", "Ren Reviewer", "reviewer-demo", user.RoleReviewer},
		{"lotus", "Lin (Lotus Tea House)", "owner-demo", ""},
		{"harbour", "Hana (Harbour Bank)", "owner-demo", ""},
		{"sam", "Sam (agent at Harbour Bank)", "owner-demo", ""},
		{"xiaolian", "小莲（莲心茶舍）", "owner-demo", ""},
	} {
		person, err := mk(p.username, p.display, p.password, p.role)
		if err != nil {
			return nil, err
		}
		w.people[p.username] = person
	}
	// Followers share one password hash: hashing 300 passwords would make the
	// first start take seconds.
	hash, err := user.HashPassword(followerPassword)
	if err != nil {
		return nil, err
	}
	mei, err := a.Users.Create(ctx, user.NewPerson{Username: "mei", DisplayName: "Mei", PasswordHash: hash})
	if err != nil {
		return nil, err
	}
	w.people["mei"] = mei
	w.followers = append(w.followers, mei)
	for i := 1; i < Followers; i++ {
		name := fmt.Sprintf("%s%03d", firstNames[i%len(firstNames)], i)
		p, err := a.Users.Create(ctx, user.NewPerson{Username: name, DisplayName: displayName(i), PasswordHash: hash})
		if err != nil {
			return nil, err
		}
		w.followers = append(w.followers, p)
	}
	// Each feature seeds its part, in dependency order.
	for _, step := range []func(context.Context, *world) error{seedAccounts, seedFollows, seedPublishing, seedMessaging, seedTemplates, seedChinese, seedAnalytics, seedPay, seedABTests} {
		if err := step(ctx, w); err != nil {
			return nil, err
		}
	}
	return creds, nil
}

// world is what the seed steps build and share.
type world struct {
	app       *app.App
	people    map[string]*user.Person     // staff and owners by username, and "mei"
	followers []*user.Person              // every demo follower, mei first
	accounts  map[string]*account.Account // "lotus" (Subscription), "harbour" (Service), "lianxin" (莲心茶舍, Chinese)
}

var firstNames = []string{"wei", "fang", "jun", "li", "xiu", "chen", "yan", "hao", "ling", "tao", "ming", "qing", "anna", "omar", "sara", "ken"}

func displayName(i int) string {
	n := firstNames[i%len(firstNames)]
	return string(n[0]-32) + n[1:] + fmt.Sprintf(" %c.", 'A'+rune(i%26))
}
