package autoreply_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/confver"
)

func TestRuleVersionsDiffRollbackExportImport(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	hana := confver.WithAuthor(ctx, confver.Author{PersonID: 7, Name: "Hana"})
	if _, err := f.store.SetSpecial(hana, f.a.ID, autoreply.KindFollow, true, text("Welcome!")); err != nil {
		t.Fatal(err)
	}
	prices := &autoreply.Rule{AccountID: f.a.ID, Name: "Prices", Enabled: true, Keywords: []autoreply.Keyword{kw("exact", "price")}, Replies: []autoreply.Reply{text("10 yuan")}}
	if err := f.store.SaveRule(hana, prices); err != nil {
		t.Fatal(err)
	}
	hours := &autoreply.Rule{AccountID: f.a.ID, Name: "Hours", Enabled: true, Keywords: []autoreply.Keyword{kw("contains", "open")}, Replies: []autoreply.Reply{text("9 to 5")}}
	if err := f.store.SaveRule(hana, hours); err != nil {
		t.Fatal(err)
	}
	prices.Keywords = append(prices.Keywords, kw("contains", "cost"))
	prices.Replies = []autoreply.Reply{text("12 yuan")}
	if err := f.store.SaveRule(ctx, prices); err != nil {
		t.Fatal(err)
	}
	if err := f.store.DeleteRule(hana, f.a.ID, hours.ID); err != nil {
		t.Fatal(err)
	}
	// A refused save is no version; another account's history is its own.
	if err := f.store.SaveRule(hana, &autoreply.Rule{AccountID: f.a.ID, Name: "", Keywords: []autoreply.Keyword{kw("exact", "x")}, Replies: []autoreply.Reply{text("x")}}); err == nil {
		t.Fatal("nameless rule saved")
	}
	if _, err := f.store.SetSpecial(ctx, f.b.ID, autoreply.KindDefault, true, text("Hi")); err != nil {
		t.Fatal(err)
	}

	vs, err := f.store.Versions(ctx, f.a.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, fmt.Sprintf("%d %s %s", v.Number, v.Author, v.Note))
	}
	want := []string{`5 Hana Rule "Hours" deleted`, `4 System Rule "Prices" saved`, `3 Hana Rule "Hours" added`, `2 Hana Rule "Prices" added`, `1 Hana On-follow reply saved`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("versions\n%q\nwant\n%q", got, want)
	}
	d := autoreply.Diff(vs[2].Snapshot, vs[0].Snapshot)
	wantDiff := []string{`Rule "Prices": keyword containing "cost" added.`, `Rule "Prices" now replies "12 yuan" (was "10 yuan").`, `Rule "Hours" removed.`}
	if strings.Join(d, "\n") != strings.Join(wantDiff, "\n") {
		t.Errorf("diff\n%s\nwant\n%s", strings.Join(d, "\n"), strings.Join(wantDiff, "\n"))
	}
	if d := autoreply.Diff(autoreply.Snapshot{}, vs[4].Snapshot); len(d) != 1 || d[0] != `On-follow reply added (on): "Welcome!".` {
		t.Errorf("diff from nothing: %q", d)
	}
	// Preview a version: what a message would get.
	if r := vs[2].Snapshot.Reply("are you open?", nil); len(r) != 1 || r[0].Text != "9 to 5" {
		t.Errorf("version 3 answers %+v", r)
	}

	// Roll back to version 3: both rules with their old replies, at once.
	v, err := f.store.Publish(hana, f.a.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if v.Number != 6 || v.Note != "Rolled back to version 3" || v.Author != "Hana" {
		t.Errorf("rollback %+v", v.Version)
	}
	rules, _ := f.store.Rules(ctx, f.a.ID)
	if r := autoreply.Match(rules, "price", nil); len(r) != 1 || r[0].Text != "10 yuan" {
		t.Errorf("after rollback price answers %+v", r)
	}
	if r := autoreply.Match(rules, "open now?", nil); len(r) != 1 || r[0].Text != "9 to 5" {
		t.Errorf("after rollback open answers %+v", r)
	}
	info, _ := f.store.Info(ctx, f.a.ID)
	if info.KeywordAutoreply == nil || len(info.KeywordAutoreply.List) != 2 || info.IsAddFriendReplyOpen != 1 {
		t.Errorf("get_current_autoreply_info after rollback: %+v", info)
	}

	// Export in get_current_autoreply_info's shape; import it back as a draft.
	out, err := autoreply.Export(vs[0].Snapshot)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"keyword_autoreply_info"`) || !strings.Contains(string(out), `"match_mode": "contain"`) {
		t.Errorf("export:\n%s", out)
	}
	imp, err := f.store.Import(hana, f.a.ID, out, "")
	if err != nil {
		t.Fatal(err)
	}
	if !imp.Draft || len(autoreply.Diff(vs[0].Snapshot, imp.Snapshot)) != 0 {
		t.Errorf("import %+v differs: %q", imp.Version, autoreply.Diff(vs[0].Snapshot, imp.Snapshot))
	}
	if cur, _ := f.store.CurrentVersion(ctx, f.a.ID); cur.Number != 6 {
		t.Errorf("a draft became current: %d", cur.Number)
	}
	if _, err := f.store.Publish(hana, f.a.ID, imp.Number); err != nil {
		t.Fatal(err)
	}
	rules, _ = f.store.Rules(ctx, f.a.ID)
	if r := autoreply.Match(rules, "open", nil); len(r) != 0 {
		t.Errorf("after publishing the import, open answers %+v", r)
	}

	// Images are found in the media library; bad files are refused.
	img := `{"is_add_friend_reply_open":1,"add_friend_autoreply_info":{"type":"img","content":"Mgood"}}`
	if _, err := f.store.Import(ctx, f.a.ID, []byte(img), ""); err == nil {
		t.Error("an image was imported by a store that cannot find images")
	}
	withLibrary := autoreply.NewStore(f.db, f.clock, func(_ context.Context, accountID int64, mediaID string) (string, string, error) {
		if mediaID == "Mgood" && accountID == f.a.ID {
			return "library/a/1.png", "image/png", nil
		}
		return "", "", errors.New("no")
	})
	if v, err := withLibrary.Import(ctx, f.a.ID, []byte(img), ""); err != nil || v.Snapshot.Rules[0].Replies[0].MediaKey != "library/a/1.png" {
		t.Errorf("image import: %v %+v", err, v)
	}
	for _, bad := range []string{`nope`, `{"add_friend_autoreply_info":{"type":"img","content":"Mother"}}`,
		`{"keyword_autoreply_info":{"list":[{"rule_name":"x","keyword_list_info":[],"reply_list_info":[{"type":"text","content":"hi"}]}]}}`,
		`{"keyword_autoreply_info":{"list":[{"rule_name":"x","reply_mode":"sometimes","keyword_list_info":[{"content":"a"}],"reply_list_info":[{"type":"text","content":"hi"}]}]}}`} {
		if _, err := withLibrary.Import(ctx, f.a.ID, []byte(bad), ""); err == nil {
			t.Errorf("imported %s", bad)
		}
	}
	if _, err := f.store.Publish(ctx, f.b.ID, 3); !errors.Is(err, confver.ErrNoVersion) {
		t.Errorf("publish another account's version: %v", err)
	}
}
