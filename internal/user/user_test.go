package user_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/user"
)

func newStore(t *testing.T) (*user.Store, *clock.Offset) {
	c := &clock.Offset{}
	return user.NewStore(dbtest.New(t), c), c
}

func TestCreateAndAuthenticate(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	p, err := s.Create(ctx, user.NewPerson{Username: "  Alice ", Email: "Alice@Example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Username != "alice" || p.Email != "alice@example.com" || p.DisplayName != "alice" {
		t.Fatalf("not normalised: %+v", p)
	}
	for _, login := range []string{"alice", "ALICE", "alice@example.com"} {
		got, err := s.Authenticate(ctx, login, "correct horse")
		if err != nil || got.ID != p.ID {
			t.Fatalf("Authenticate(%q) = %v, %v", login, got, err)
		}
	}
	_, errWrong := s.Authenticate(ctx, "alice", "wrong password")
	_, errUnknown := s.Authenticate(ctx, "nobody", "wrong password")
	if !errors.Is(errWrong, user.ErrBadCredentials) || !errors.Is(errUnknown, user.ErrBadCredentials) {
		t.Fatalf("bad credentials: %v / %v", errWrong, errUnknown)
	}
	if errs.Message(errWrong) != errs.Message(errUnknown) {
		t.Fatal("the message for a wrong password differs from an unknown user: that enumerates users")
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Create(ctx, user.NewPerson{Username: "bob", Password: "long enough"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		in    user.NewPerson
		field string
	}{
		{"short username", user.NewPerson{Username: "ab", Password: "long enough"}, "username"},
		{"bad characters", user.NewPerson{Username: "a b c", Password: "long enough"}, "username"},
		{"starts with digit", user.NewPerson{Username: "1abc", Password: "long enough"}, "username"},
		{"taken", user.NewPerson{Username: "BOB", Password: "long enough"}, "username"},
		{"short password", user.NewPerson{Username: "carol", Password: "short"}, "password"},
		{"bad email", user.NewPerson{Username: "carol", Email: "not-an-email", Password: "long enough"}, "email"},
	}
	for _, c := range cases {
		_, err := s.Create(ctx, c.in)
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.KindInvalid || e.Field != c.field {
			t.Errorf("%s: got %v, want invalid %s", c.name, err, c.field)
		}
	}
	if n, _ := s.Count(ctx); n != 1 {
		t.Fatalf("rejected sign-ups stored people: count %d", n)
	}
}

func TestSessionsExpireAndChangePasswordSignsOutOthers(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	p, err := s.Create(ctx, user.NewPerson{Username: "dave", Password: "first password"})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.CreateSession(ctx, p.ID, "127.0.0.1", "test")
	b, _ := s.CreateSession(ctx, p.ID, "127.0.0.1", "test")
	if got, err := s.SessionPerson(ctx, a); err != nil || got.ID != p.ID {
		t.Fatalf("session a: %v %v", got, err)
	}
	if err := s.ChangePassword(ctx, p.ID, "wrong", "second password", a); !errors.Is(err, errs.Invalid) {
		t.Fatalf("wrong current password accepted: %v", err)
	}
	if err := s.ChangePassword(ctx, p.ID, "first password", "second password", a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionPerson(ctx, b); !errors.Is(err, errs.NotFound) {
		t.Fatalf("other session survived a password change: %v", err)
	}
	if _, err := s.SessionPerson(ctx, a); err != nil {
		t.Fatalf("current session ended by its own password change: %v", err)
	}
	if _, err := s.Authenticate(ctx, "dave", "second password"); err != nil {
		t.Fatalf("new password rejected: %v", err)
	}
	c.Advance(user.SessionTTL + time.Hour)
	if _, err := s.SessionPerson(ctx, a); !errors.Is(err, errs.NotFound) {
		t.Fatalf("expired session still valid: %v", err)
	}
	if err := s.DeleteSession(ctx, a); err != nil {
		t.Fatal(err)
	}
}
