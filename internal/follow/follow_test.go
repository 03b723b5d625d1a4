package follow_test

import (
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/user"
)

var openidRE = regexp.MustCompile(`^o[A-Za-z0-9_-]{27}$`)

func TestOpenIDsArePerAccountAndStable(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	c := clock.Real{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	p, _ := users.Create(ctx, user.NewPerson{Username: "mei", Password: "password1"})
	a1, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic, Name: "Lotus Tea", Status: account.StatusActive})
	pending, _ := accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic, Name: "Not Yet", Status: account.StatusPending})

	r1, err := follows.Follow(ctx, a1.ID, p.ID, follow.SourceSearch, "")
	if err != nil || !r1.New || !openidRE.MatchString(r1.OpenID) {
		t.Fatalf("follow: %+v %v", r1, err)
	}
	r2, _ := follows.Follow(ctx, a2.ID, p.ID, follow.SourceProfile, "")
	if r1.OpenID == r2.OpenID {
		t.Fatal("the same person has the same openid in two accounts")
	}
	again, _ := follows.Follow(ctx, a1.ID, p.ID, follow.SourceProfile, "")
	if again.New || again.OpenID != r1.OpenID {
		t.Fatalf("following twice: %+v", again)
	}
	if was, _ := follows.Unfollow(ctx, a1.ID, p.ID); !was {
		t.Fatal("unfollow reported not following")
	}
	back, _ := follows.Follow(ctx, a1.ID, p.ID, follow.SourceQR, "7")
	if !back.New || back.OpenID != r1.OpenID {
		t.Fatalf("refollow changed the openid: %+v", back)
	}
	got, _ := accounts.ByID(ctx, a1.ID)
	if got.FollowerCount != 1 {
		t.Fatalf("follower count %d, want 1", got.FollowerCount)
	}
	if _, err := follows.ByOpenID(ctx, a2.ID, r1.OpenID); !errors.Is(err, errs.NotFound) {
		t.Fatalf("account 2 can look up account 1's openid: %v", err)
	}
	if _, err := follows.Follow(ctx, pending.ID, p.ID, follow.SourceSearch, ""); !errors.Is(err, errs.Conflict) {
		t.Fatalf("followed a pending account: %v", err)
	}
	list, _ := follows.Followed(ctx, p.ID)
	if len(list) != 2 {
		t.Fatalf("followed list has %d accounts, want 2", len(list))
	}
}

func TestAccountNamesAreUniqueAfterNormalisation(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	accounts := account.NewStore(d, clock.Real{})
	if _, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Lotus Tea"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"lotus tea", "  LOTUS   TEA ", "ＬＯＴＵＳ　ｔｅａ"} {
		_, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: name})
		var e *errs.Error
		if !errors.As(err, &e) || e.Field != "name" {
			t.Errorf("%q: got %v, want a name error", name, err)
		}
	}
	for _, bad := range []string{"x", "<script>", "a name that is much too long for the rules here"} {
		if _, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: bad}); !errors.Is(err, errs.Invalid) {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

func TestCredentials(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	accounts := account.NewStore(d, clock.Real{})
	a, _ := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour"})
	c, err := accounts.IssueCredentials(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^wx[0-9a-f]{16}$`).MatchString(c.AppID) || !regexp.MustCompile(`^gh_[0-9a-f]{12}$`).MatchString(c.OriginalID) || len(c.AppSecret) != 32 {
		t.Fatalf("credentials shape: %+v", c)
	}
	if _, ok, _ := accounts.CheckSecret(ctx, c.AppID, c.AppSecret); !ok {
		t.Fatal("issued secret rejected")
	}
	c2, _ := accounts.IssueCredentials(ctx, a.ID)
	if c2.AppID != c.AppID || c2.AppSecret == c.AppSecret {
		t.Fatalf("reset changed appid or kept the secret: %+v %+v", c, c2)
	}
	if _, ok, _ := accounts.CheckSecret(ctx, c.AppID, c.AppSecret); ok {
		t.Fatal("old secret still accepted after reset")
	}
}

// WithAccount is ByID and Get in one statement: the same account and the
// same relation (none for a person who never followed, the unfollowed
// relation kept), and not found for an account that does not exist.
func TestWithAccountIsByIDAndGet(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	c := clock.Real{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	mei, _ := users.Create(ctx, user.NewPerson{Username: "mei", Password: "password1"})
	li, _ := users.Create(ctx, user.NewPerson{Username: "lihua", Password: "password1"})
	jun, _ := users.Create(ctx, user.NewPerson{Username: "junwei", Password: "password1"})
	a, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := follows.Follow(ctx, a.ID, mei.ID, follow.SourceQR, "7"); err != nil {
		t.Fatal(err)
	}
	if err := follows.SetMuted(ctx, a.ID, mei.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := follows.SetBlocked(ctx, a.ID, mei.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := follows.Follow(ctx, a.ID, li.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := follows.Unfollow(ctx, a.ID, li.ID); err != nil {
		t.Fatal(err)
	}
	wantA, _ := accounts.ByID(ctx, a.ID)
	for _, p := range []*user.Person{mei, li, jun} {
		gotA, gotF, err := follows.WithAccount(ctx, a.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *gotA != *wantA {
			t.Errorf("%s: account %+v, ByID %+v", p.Username, gotA, wantA)
		}
		wantF, err := follows.Get(ctx, a.ID, p.ID)
		switch {
		case errors.Is(err, errs.NotFound):
			if gotF != nil {
				t.Errorf("%s never followed, but WithAccount has %+v", p.Username, gotF)
			}
		case err != nil:
			t.Fatal(err)
		case gotF == nil || *gotF != *wantF:
			t.Errorf("%s: follow %+v, Get %+v", p.Username, gotF, wantF)
		}
	}
	if _, _, err := follows.WithAccount(ctx, a.ID+1000, mei.ID); !errors.Is(err, errs.NotFound) {
		t.Fatalf("an account that does not exist: %v", err)
	}
}
