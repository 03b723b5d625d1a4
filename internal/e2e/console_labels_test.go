package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/user"
)

// TestConsoleShowsLabelsNotCodes: the analytics page names menu buttons
// (not their click keys) and the filter of the reviewers' queue names the
// states of applications (not their codes).
func TestConsoleShowsLabelsNotCodes(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	owner := s.CreatePerson(t, "lin", "owner password 1", user.RoleNone)
	s.CreatePerson(t, "ada", "admin password 1", user.RoleAdmin)
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic,
		Name: "Lotus Tea House", Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Menus.SetDefault(ctx, a.ID, []menu.Button{{Type: menu.TypeClick, Name: "Today's teas", Key: "TEAS_OF_THE_DAY"}}); err != nil {
		t.Fatal(err)
	}
	s.App.Analytics.Record(analytics.Event{AccountID: a.ID, Kind: analytics.KindMenuClick, PersonID: 7, Surface: "TEAS_OF_THE_DAY", At: s.App.Clock.Now()})
	if err := s.App.Analytics.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.AnalyticsStore.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}
	tab := Browser(t)
	signIn(t, tab, s, "lin", "owner password 1", fmt.Sprintf("/mp/a/%d/analytics", a.ID), `[data-testid="table-menu"]`)
	cells := run(t, tab, "read the menu table", chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=table-menu] tbody tr th")].map(td => td.textContent.trim())`))
	if len(cells) != 1 || cells[0] != "Today's teas" {
		t.Errorf("the menu clicks table names its buttons %q, want the button's name", cells)
	}

	admin := Browser(t)
	signIn(t, admin, s, "ada", "admin password 1", "/admin/reviews", `select[name=state]`)
	options := run(t, admin, "read the state filter", chromedp.Evaluate[[]string](`[...document.querySelectorAll("select[name=state] option")].map(o => o.textContent.trim())`))
	for _, o := range options {
		if strings.Contains(o, "_") {
			t.Errorf("the state filter offers %q, a code rather than a word", o)
		}
	}
	if !contains(options, "in review") || !contains(options, "waiting for more information") {
		t.Errorf("the state filter offers %q", options)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
