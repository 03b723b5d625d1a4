package menu_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/heraldoa/herald/internal/confver"
	"github.com/heraldoa/herald/internal/menu"
)

func buttonNames(bs []menu.Button) string {
	var n []string
	for _, b := range bs {
		n = append(n, b.Name)
	}
	return strings.Join(n, ",")
}

func TestEverySaveIsAVersionAndPublishRollsBack(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	owner := confver.WithAuthor(ctx, confver.Author{PersonID: f.mei.ID, Name: "Mei"})
	api := confver.WithAuthor(ctx, confver.API)
	vip, _ := f.aud.CreateTag(ctx, f.a.ID, "VIP")
	if err := f.aud.TagFollowers(ctx, f.a.ID, vip.ID, []int64{f.bob.ID}); err != nil {
		t.Fatal(err)
	}

	if _, err := f.menus.SetDefault(owner, f.a.ID, []menu.Button{click("Tea", "TEA"), click("Hours", "HOURS")}); err != nil {
		t.Fatal(err)
	}
	cond, err := f.menus.AddConditional(api, f.a.ID, []menu.Button{click("VIP", "VIP")}, menu.MatchRule{TagID: fmt.Sprint(vip.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.menus.SetDefault(api, f.a.ID, []menu.Button{click("Tea", "TEA2"), {Type: "view", Name: "Shop", URL: "https://lotus.example/shop"}}); err != nil {
		t.Fatal(err)
	}
	// A refused save is no version.
	if _, err := f.menus.SetDefault(owner, f.a.ID, nil); code(err) != 40016 {
		t.Fatalf("invalid save: %v", err)
	}
	if err := f.menus.DeleteConditional(owner, f.a.ID, cond.ID); err != nil {
		t.Fatal(err)
	}
	// The other account's history is its own.
	if _, err := f.menus.SetDefault(ctx, f.b.ID, []menu.Button{click("Bank", "B")}); err != nil {
		t.Fatal(err)
	}

	vs, err := f.menus.Versions(ctx, f.a.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, fmt.Sprintf("%d %s %s %d", v.Number, v.Author, v.Note, len(v.Menus.ConditionalMenu)))
	}
	want := []string{"4 Mei Conditional menu deleted 0", "3 API Default menu saved 1", "2 API Conditional menu added 1", "1 Mei Default menu saved 0"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("versions\n%q\nwant\n%q", got, want)
	}
	if vs[3].AuthorID != f.mei.ID || vs[1].AuthorID != 0 {
		t.Errorf("author ids %d %d", vs[3].AuthorID, vs[1].AuthorID)
	}

	// Diffs in words.
	d := menu.Diff(vs[2].Menus, vs[1].Menus, func(id string) string { return "VIP" })
	wantDiff := []string{`Default menu: "Hours" renamed to "Shop".`, `Default menu: "Tea" now opens a click event with key "TEA2" (was a click event with key "TEA").`,
		`Default menu: "Shop" now opens a link to https://lotus.example/shop (was a click event with key "HOURS").`}
	if strings.Join(d, "\n") != strings.Join(wantDiff, "\n") {
		t.Errorf("diff\n%s\nwant\n%s", strings.Join(d, "\n"), strings.Join(wantDiff, "\n"))
	}
	if d := menu.Diff(vs[1].Menus, vs[0].Menus, func(string) string { return "VIP" }); len(d) != 1 || d[0] != `Menu for tag "VIP" removed.` {
		t.Errorf("diff of the deletion: %q", d)
	}

	// Roll back to version 2: default Tea/Hours and the VIP menu, at once.
	v, err := f.menus.Publish(owner, f.a.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if v.Number != 5 || v.Note != "Rolled back to version 2" || v.Author != "Mei" || v.Action != confver.ActionPublish {
		t.Errorf("rollback version %+v", v.Version)
	}
	def, conds, err := f.menus.All(ctx, f.a.ID)
	if err != nil || def == nil || buttonNames(def.Buttons) != "Tea,Hours" || len(conds) != 1 || conds[0].MatchRule.TagID != fmt.Sprint(vip.ID) {
		t.Fatalf("after rollback: %+v %+v %v", def, conds, err)
	}
	if b, _ := f.menus.ForFollower(ctx, f.a.ID, f.bob.ID); buttonNames(b) != "VIP" {
		t.Errorf("bob (VIP) sees %q", buttonNames(b))
	}
	if b, _ := f.menus.ForFollower(ctx, f.a.ID, f.mei.ID); buttonNames(b) != "Tea,Hours" {
		t.Errorf("mei sees %q", buttonNames(b))
	}
	cur, err := f.menus.CurrentVersion(ctx, f.a.ID)
	if err != nil || cur.Number != 5 {
		t.Fatalf("current %v %v", cur, err)
	}
	if d := menu.Diff(vs[2].Menus, cur.Menus, nil); len(d) != 0 {
		t.Errorf("the rollback differs from version 2: %q", d)
	}
	if _, err := f.menus.Publish(owner, f.a.ID, 99); !errors.Is(err, confver.ErrNoVersion) {
		t.Errorf("unknown version: %v", err)
	}
	if _, err := f.menus.Publish(owner, f.b.ID, 2); !errors.Is(err, confver.ErrNoVersion) {
		t.Errorf("another account's version: %v", err)
	}
}

func TestImportIsADraftUntilPublished(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	vip, _ := f.aud.CreateTag(ctx, f.a.ID, "VIP")
	if _, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{click("Old", "OLD")}); err != nil {
		t.Fatal(err)
	}
	// WeChat's menu/get shape, as exported.
	file := fmt.Sprintf(`{"menu":{"button":[{"type":"click","name":"New","key":"NEW"}],"menuid":123},
		"conditionalmenu":[{"button":[{"type":"click","name":"VIP","key":"V"}],"matchrule":{"tag_id":"%d"},"menuid":456}]}`, vip.ID)
	v, err := f.menus.Import(ctx, f.a.ID, []byte(file), "")
	if err != nil {
		t.Fatal(err)
	}
	if !v.Draft || v.Number != 2 || v.Author != "System" {
		t.Errorf("import %+v", v.Version)
	}
	if b, _ := f.menus.ForFollower(ctx, f.a.ID, f.mei.ID); buttonNames(b) != "Old" {
		t.Errorf("a draft changed the live menu: %q", buttonNames(b))
	}
	if cur, _ := f.menus.CurrentVersion(ctx, f.a.ID); cur.Number != 1 {
		t.Errorf("current after import: %d", cur.Number)
	}
	// Preview as a tag and as a follower before publishing.
	if b := v.Menus.Resolve(map[int64]bool{vip.ID: true}); buttonNames(b) != "VIP" {
		t.Errorf("preview as VIP: %q", buttonNames(b))
	}
	if b, err := f.menus.PreviewFollower(ctx, f.a.ID, f.mei.ID, &v.Menus); err != nil || buttonNames(b) != "New" {
		t.Errorf("preview as mei: %q %v", buttonNames(b), err)
	}
	p, err := f.menus.Publish(ctx, f.a.ID, v.Number)
	if err != nil {
		t.Fatal(err)
	}
	if p.Note != "Published version 2" || p.Number != 3 {
		t.Errorf("publish %+v", p.Version)
	}
	def, conds, _ := f.menus.All(ctx, f.a.ID)
	if buttonNames(def.Buttons) != "New" || len(conds) != 1 || def.ID == 123 || conds[0].ID == 456 {
		t.Errorf("published: %+v %+v", def, conds)
	}
	// Export gives back what was imported, without menu ids.
	out, err := menu.Export(p.Menus)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "menuid") {
		t.Errorf("export has menu ids:\n%s", out)
	}
	again, err := menu.ParseSnapshot(out)
	if err != nil || len(menu.Diff(v.Menus, again, nil)) != 0 {
		t.Errorf("export round trip: %v %q", err, menu.Diff(v.Menus, again, nil))
	}

	// Bad files are refused with WeChat's errcodes, and nothing is stored.
	for _, tc := range []struct {
		file string
		code int
	}{
		{`not json`, 40035},
		{`{"button":[]}`, 40016},
		{`{"conditionalmenu":[{"button":[{"type":"click","name":"x","key":"x"}],"matchrule":{"tag_id":"1"}}]}`, 65303},
		{`{"button":[{"type":"click","name":"x","key":"x"}],"conditionalmenu":[{"button":[{"type":"click","name":"x","key":"x"}],"matchrule":{"sex":"1"}}]}`, 65320},
		{`{"button":[{"type":"click","name":"x","key":"x"}],"conditionalmenu":[{"button":[{"type":"click","name":"x","key":"x"}],"matchrule":{"tag_id":"999"}}]}`, 45159},
		{`{"button":[{"type":"click","name":"x","key":"x"}],"conditionalmenu":[{"button":[{"type":"click","name":"x","key":"x"}]}]}`, 65304},
	} {
		if _, err := f.menus.Import(ctx, f.a.ID, []byte(tc.file), ""); code(err) != tc.code {
			t.Errorf("%s: %v, want %d", tc.file, err, tc.code)
		}
	}
	if vs, _ := f.menus.Versions(ctx, f.a.ID, 0, 0); len(vs) != 3 {
		t.Errorf("%d versions after refused imports", len(vs))
	}
	// A version whose tag was deleted cannot be published.
	if err := f.aud.DeleteTag(ctx, f.a.ID, vip.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.menus.Publish(ctx, f.a.ID, 2); code(err) != 45159 {
		t.Errorf("publish with a deleted tag: %v", err)
	}
}

func TestHistoryBeginsWithTheMenusFound(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{click("Found", "F")}); err != nil {
		t.Fatal(err)
	}
	// As if the menu predated version history.
	if _, err := f.d.Exec(ctx, `DELETE FROM config_versions`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.Exec(ctx, `DELETE FROM config_heads`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{click("Next", "N")}); err != nil {
		t.Fatal(err)
	}
	vs, _ := f.menus.Versions(ctx, f.a.ID, 0, 0)
	if len(vs) != 2 || vs[1].Action != confver.ActionBaseline || buttonNames(vs[1].Menus.Menu.Button) != "Found" {
		t.Fatalf("history: %+v", vs)
	}
}

// Concurrent saves on one account each get their own version, numbered
// without gaps, and the newest version is what is live.
func TestConcurrentSavesAreSerialised(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprint("B", i)
			for {
				_, err := f.menus.SetDefault(ctx, f.a.ID, []menu.Button{click(name, name)})
				if err == nil {
					return
				}
				if !strings.Contains(err.Error(), "same moment") {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	vs, err := f.menus.Versions(ctx, f.a.ID, 0, 0)
	if err != nil || len(vs) != 6 {
		t.Fatalf("%d versions: %v", len(vs), err)
	}
	for i, v := range vs {
		if v.Number != int64(6-i) {
			t.Errorf("version numbers %d at %d", v.Number, i)
		}
	}
	live, _ := f.menus.Live(ctx, f.a.ID)
	a, _ := json.Marshal(live.Menu.Button)
	b, _ := json.Marshal(vs[0].Menus.Menu.Button)
	if string(a) != string(b) {
		t.Errorf("live %s, newest version %s", a, b)
	}
}
