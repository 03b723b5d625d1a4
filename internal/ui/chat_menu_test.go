package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/menu"
)

// TestChatPageShowsTheMenuAsStored checks that the conversation page shows
// the menu that applies to the follower as the database holds it at each
// view: the default one with its sub-buttons, a conditional one once the
// follower carries its tag, a changed default, none once deleted, and none
// for a person who stopped following. The menu is read with the account on
// every view, not kept: a change made through another node (here, through
// the store) shows on the next page.
func TestChatPageShowsTheMenuAsStored(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	tea := newAccount(t, s, "Lotus Tea", account.Service, false)
	me, c := follower(t, s, "mei")
	followFromProfile(t, tea, c)
	menubar := func(step string, want ...string) {
		t.Helper()
		res := c.Get(chatPath(tea, ""))
		if res.Status != 200 {
			t.Fatalf("%s: GET %s: %d", step, chatPath(tea, ""), res.Status)
		}
		if got := strings.Contains(res.Body, `data-testid="menubar"`); got != (len(want) > 0) {
			t.Fatalf("%s: menu bar shown %v, want %v", step, got, len(want) > 0)
		}
		for _, w := range want {
			if !strings.Contains(res.Body, w) {
				t.Errorf("%s: the page does not show %q", step, w)
			}
		}
		for _, gone := range []string{">Everyone<", ">Members<", ">Changed<"} {
			if !contains(want, gone) && strings.Contains(res.Body, gone) {
				t.Errorf("%s: the page shows %q", step, gone)
			}
		}
	}
	menubar("no menu")
	if _, err := s.App.Menus.SetDefault(ctx, tea.ID, []menu.Button{{Type: "click", Name: "Everyone", Key: "ALL"},
		{Name: "More", SubButtons: []menu.Button{{Type: "view", Name: "Website", URL: "https://tea.example/"}, {Type: "click", Name: "Hours", Key: "HOURS"}}}}); err != nil {
		t.Fatal(err)
	}
	menubar("default", ">Everyone<", `<summary translate="no">More</summary>`, ">Hours<", "/view?url=https%3A%2F%2Ftea.example%2F")
	tag, err := s.App.Audience.CreateTag(ctx, tea.ID, "Members")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Menus.AddConditional(ctx, tea.ID, []menu.Button{{Type: "click", Name: "Members", Key: "M"}}, menu.MatchRule{TagID: fmt.Sprint(tag.ID)}); err != nil {
		t.Fatal(err)
	}
	menubar("conditional, not tagged", ">Everyone<")
	if err := s.App.Audience.TagFollowers(ctx, tea.ID, tag.ID, []int64{me.ID}); err != nil {
		t.Fatal(err)
	}
	menubar("conditional, tagged", ">Members<")
	if err := s.App.Audience.UntagFollowers(ctx, tea.ID, tag.ID, []int64{me.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Menus.SetDefault(ctx, tea.ID, []menu.Button{{Type: "click", Name: "Changed", Key: "C"}}); err != nil {
		t.Fatal(err)
	}
	menubar("default changed", ">Changed<")
	if err := s.App.Menus.DeleteAll(ctx, tea.ID); err != nil {
		t.Fatal(err)
	}
	menubar("deleted")
	if _, err := s.App.Menus.SetDefault(ctx, tea.ID, []menu.Button{{Type: "click", Name: "Everyone", Key: "ALL"}}); err != nil {
		t.Fatal(err)
	}
	menubar("default again", ">Everyone<")
	if _, err := s.App.Follows.Unfollow(ctx, tea.ID, me.ID); err != nil {
		t.Fatal(err)
	}
	menubar("unfollowed")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
