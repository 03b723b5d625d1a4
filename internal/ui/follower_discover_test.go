package ui_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/db"
)

// TestDiscoverSuggestsByCategoryBeforeSearch: before typing anything, a
// follower sees accounts to follow grouped by category — the industry an
// account set, else its kind of account — verified accounts first in each
// group; accounts they follow and suspended accounts are not suggested.
func TestDiscoverSuggestsByCategoryBeforeSearch(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	mk := func(name, typ string, verified bool, followers int, industry int) *account.Account {
		t.Helper()
		a := newAccount(t, s, name, typ, verified)
		if _, err := s.App.DB.Exec(ctx, `UPDATE accounts SET follower_count = ? WHERE id = ?`, followers, a.ID); err != nil {
			t.Fatal(err)
		}
		if industry > 0 {
			if _, err := s.App.DB.Exec(ctx, `INSERT INTO template_industries (account_id, industry1, industry2, changed_at) VALUES (?, ?, 41, ?)`,
				a.ID, industry, db.Micro(s.App.Clock.Now())); err != nil {
				t.Fatal(err)
			}
		}
		return a
	}
	mk("Harbour Bank", account.Service, true, 40, 7)           // Finance, verified
	mk("Pearl Insurance", account.Service, false, 900, 9)      // Finance, more followers but not verified
	mk("Jade Dumplings", account.Service, false, 300, 10)      // Food & Beverage
	mk("Lotus Tea Journal", account.Subscription, true, 50, 0) // no industry: by its kind
	mk("Dragon Express", account.Service, false, 20, 0)
	followed := mk("Old Friend News", account.Subscription, false, 5000, 37)
	closed := mk("Closed Shop", account.Service, true, 8000, 31)
	if _, err := s.App.DB.Exec(ctx, `UPDATE accounts SET status = 'suspended' WHERE id = ?`, closed.ID); err != nil {
		t.Fatal(err)
	}
	_, c := follower(t, s, "mei")
	followFromProfile(t, followed, c)

	res := c.Get("/discover")
	wantStatus(t, res, http.StatusOK)
	sug := res.Body
	if i, j := strings.Index(sug, `data-testid="suggested"`), strings.Index(sug, "Accounts you follow"); i < 0 || j < i {
		t.Fatalf("no suggestions before the accounts followed:\n%s", sug)
	}
	sug = sug[strings.Index(sug, `data-testid="suggested"`):strings.Index(sug, "Accounts you follow")]
	// Groups and their accounts, in page order.
	var got []string
	re := regexp.MustCompile(`data-testid="suggest-group">([^<]+)</h3>|<strong class="row-name" translate="no">([^<]+)</strong>`)
	for _, m := range re.FindAllStringSubmatch(sug, -1) {
		if m[1] != "" {
			got = append(got, "# "+strings.ReplaceAll(m[1], "&amp;", "&"))
		} else {
			got = append(got, m[2])
		}
	}
	want := []string{
		"# Finance", "Harbour Bank", "Pearl Insurance", // verified first, then by followers; best-followed group first
		"# Food & Beverage", "Jade Dumplings",
		"# Subscription accounts", "Lotus Tea Journal",
		"# Service accounts", "Dragon Express",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("suggestions:\n got %q\nwant %q", got, want)
	}
	if strings.Contains(sug, "Old Friend News") || strings.Contains(res.Body, "Closed Shop") {
		t.Error("suggestions include an account already followed or a suspended one")
	}
	// Suggestions can be followed from the list.
	if !strings.Contains(sug, `action="/a/`) || !strings.Contains(sug, ">Follow</button>") {
		t.Error("suggestions have no Follow button")
	}
	// A search replaces them with its results.
	if res := c.Get("/discover?q=harbour"); strings.Contains(res.Body, `data-testid="suggested"`) {
		t.Error("a search still shows the suggestions")
	}
}
