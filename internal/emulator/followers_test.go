package emulator

import (
	"context"
	"errors"
	"testing"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
)

// Virtual followers have no password: signing in as one is refused like
// any wrong password (no hash is computed when they are created).
func TestVirtualFollowersCannotSignIn(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	acc, err := CreateAccount(ctx, s.App, AccountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := New(s.App, s.Clock, acc, nil)
	if _, err := e.CreateFollower(ctx, "ada"); err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"", "emulator", "correct horse battery"} {
		if _, err := s.App.Users.Authenticate(ctx, "ada", pw); !errors.Is(err, user.ErrBadCredentials) {
			t.Fatalf("sign in as a virtual follower with %q: %v", pw, err)
		}
	}
}
