package follow_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/user"
)

// TestWithAccountSessionReadsTheSession holds the conversation page's
// statement, given the reader's session, to WithAccountAnd by the
// person's id and to the session's own statement (SessionPerson): the
// same account, follow, texts and person; the account with no follow and
// no person for a session signed out (on any node) or expired, which
// CheckSession refuses (deleting the expired one).
func TestWithAccountSessionReadsTheSession(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	c := &clock.Offset{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	mei, err := users.Create(ctx, user.NewPerson{Username: "mei", Email: "mei@example.com", DisplayName: "Mei", Password: "password1",
		PlatformRole: user.RoleAdmin, Language: "zh_TW"})
	if err != nil {
		t.Fatal(err)
	}
	if err := users.UpdateProfile(ctx, mei.ID, user.Profile{DisplayName: "Mei 'Lin'", Region: "Europe", Language: "zh_TW"}); err != nil {
		t.Fatal(err)
	}
	if err := users.SetAvatar(ctx, mei.ID, "people/mei.png"); err != nil {
		t.Fatal(err)
	}
	other, _ := users.Create(ctx, user.NewPerson{Username: "ada", Password: "password1"})
	bank, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := follows.Follow(ctx, bank.ID, mei.ID, follow.SourceSearch, "7"); err != nil {
		t.Fatal(err)
	}
	if err := follows.SetMuted(ctx, bank.ID, mei.ID, true); err != nil {
		t.Fatal(err)
	}
	texts := follow.WithTexts("f.scene || '/' || a.name", "CASE WHEN f.following THEN 'on' END")

	byID := func(personID int64) (*follow.Follow, [2]string) {
		t.Helper()
		var s [2]string
		a, f, err := follows.WithAccountAnd(ctx, bank.ID, personID, texts, &s[0], &s[1])
		if err != nil || a.ID != bank.ID {
			t.Fatalf("WithAccountAnd: %+v (%v)", a, err)
		}
		return f, s
	}
	bySession := func(token string) (*follow.Follow, [2]string, user.SessionRef, user.SessionRow) {
		t.Helper()
		var s [2]string
		var row user.SessionRow
		ref := users.Ref(token)
		a, f, err := follows.WithAccountSession(ctx, bank.ID, ref, &row, texts, &s[0], &s[1])
		if err != nil || a.ID != bank.ID || a.Name != "Harbour Bank" {
			t.Fatalf("WithAccountSession: %+v (%v)", a, err)
		}
		return f, s, ref, row
	}

	token, _ := users.CreateSession(ctx, mei.ID, "192.0.2.1", "test")
	wantF, wantS := byID(mei.ID)
	f, s, ref, row := bySession(token)
	if f == nil || wantF == nil || *f != *wantF || s != wantS || s != [2]string{"7/Harbour Bank", "on"} || !f.Muted {
		t.Errorf("by session: %+v %q; by id: %+v %q", f, s, wantF, wantS)
	}
	p, err := users.CheckSession(ctx, ref, &row)
	wantP, werr := users.SessionPerson(ctx, token)
	if err != nil || werr != nil || *p != *wantP || p.ID != mei.ID || p.Email != "mei@example.com" || p.DisplayName != "Mei 'Lin'" ||
		p.PlatformRole != user.RoleAdmin || p.AvatarPath != "people/mei.png" || p.Region != "Europe" || p.Language != "zh_TW" {
		t.Errorf("the session's person %+v (%v), its own statement %+v (%v)", p, err, wantP, werr)
	}

	// Another person's session: their (absent) follow, not mei's.
	otherToken, _ := users.CreateSession(ctx, other.ID, "192.0.2.2", "test")
	if f, s, ref, row := bySession(otherToken); f != nil || s != [2]string{} {
		t.Errorf("another person's session read %+v %q", f, s)
	} else if p, err := users.CheckSession(ctx, ref, &row); err != nil || p.ID != other.ID {
		t.Errorf("another person's session: %+v (%v)", p, err)
	}

	// Signed out: the account alone.
	if err := users.DeleteSession(ctx, otherToken); err != nil {
		t.Fatal(err)
	}
	if f, s, ref, row := bySession(otherToken); f != nil || s != [2]string{} || row.Found {
		t.Errorf("signed out: %+v %q %+v", f, s, row)
	} else if _, err := users.CheckSession(ctx, ref, &row); !errors.Is(err, errs.NotFound) {
		t.Errorf("signed out: %v", err)
	}

	// Expired: the account alone; the check refuses and deletes it.
	c.Advance(user.SessionTTL + time.Minute)
	f, s, ref, row = bySession(token)
	if f != nil || s != [2]string{} || !row.Found {
		t.Errorf("expired: %+v %q %+v", f, s, row)
	}
	if _, err := users.CheckSession(ctx, ref, &row); !errors.Is(err, errs.NotFound) {
		t.Errorf("expired: %v", err)
	}
	if _, _, _, row = bySession(token); row.Found {
		t.Error("the expired session was not deleted")
	}
}
