package menu_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/user"
)

// TestFollowerButtonsSQLIsForFollower holds the menu chosen in SQL
// (FollowerButtonsSQL, which the conversation page reads with the account)
// to ForFollower, for both followers of both accounts after each change of
// a sequence: no menu, a default, conditional menus by tag and platform
// (the newest applying one wins), a new default, conditional menus left
// without a default, everything deleted.
func TestFollowerButtonsSQLIsForFollower(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	vip, _ := f.aud.CreateTag(ctx, f.a.ID, "VIP")
	staff, _ := f.aud.CreateTag(ctx, f.a.ID, "Staff")
	check := func(step string) {
		t.Helper()
		for _, aid := range []int64{f.a.ID, f.b.ID} {
			for _, p := range []*user.Person{f.mei, f.bob} {
				want, err := f.menus.ForFollower(ctx, aid, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				var text string
				if err := f.d.QueryRow(ctx, `SELECT COALESCE(`+menu.FollowerButtonsSQL("?", "?")+`, '')`, aid, p.ID).Scan(&text); err != nil {
					t.Fatal(err)
				}
				got, err := menu.DecodeButtons(text)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: account %d, %s: SQL chose %+v, ForFollower %+v", step, aid, p.Username, got, want)
				}
			}
		}
	}
	add := func(name string, rule menu.MatchRule) {
		t.Helper()
		f.clock.Advance(1e9)
		if _, err := f.menus.AddConditional(ctx, f.a.ID, []menu.Button{click(name, name)}, rule); err != nil {
			t.Fatal(err)
		}
	}
	tag := func(id int64, p *user.Person) {
		t.Helper()
		if err := f.aud.TagFollowers(ctx, f.a.ID, id, []int64{p.ID}); err != nil {
			t.Fatal(err)
		}
	}
	check("no menu")
	if _, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{click("Everyone", "ALL"), {Name: "More", SubButtons: []menu.Button{
		{Type: "view", Name: "Site", URL: "https://example.com/"}, click("Hours", "HOURS")}}}); err != nil {
		t.Fatal(err)
	}
	check("default")
	add("VIP", menu.MatchRule{TagID: fmt.Sprint(vip.ID)})
	check("conditional, nobody tagged")
	tag(vip.ID, f.mei)
	check("mei tagged VIP")
	add("Staff on iOS", menu.MatchRule{TagID: fmt.Sprint(staff.ID), ClientPlatformType: "1"})
	tag(staff.ID, f.mei)
	check("a newer menu for another platform")
	add("Web", menu.MatchRule{ClientPlatformType: "3"})
	check("a newer menu for every web follower")
	add("Staff", menu.MatchRule{TagID: fmt.Sprint(staff.ID)})
	tag(staff.ID, f.bob)
	check("a newer menu for staff")
	if _, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{click("New", "NEW")}); err != nil {
		t.Fatal(err)
	}
	check("a new default")
	if _, err := f.d.Exec(ctx, `DELETE FROM menus WHERE account_id = ? AND conditional = FALSE`, f.a.ID); err != nil {
		t.Fatal(err)
	}
	check("conditional menus without a default")
	if err := f.menus.DeleteAll(ctx, f.a.ID); err != nil {
		t.Fatal(err)
	}
	check("all deleted")
}
