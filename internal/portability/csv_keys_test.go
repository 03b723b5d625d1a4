package portability_test

import (
	"context"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/portability"
)

// On SQLite the import enforces no foreign keys of its own (it checks its
// references itself, in its transaction): a tag deleted before the import
// is a fault of the lines that name it, the memberships it adds refer to
// tags and people that exist, and afterwards, however the import ended
// (done, refused, dry run, a panic), the writer enforces foreign keys and
// their cascades again.
func TestFollowerCSVOwnKeys(t *testing.T) {
	t.Parallel()
	src, accts := seeded(t)
	ctx := context.Background()
	a := accts["harbour"]
	d := src.App.DB
	ids := followerOpenIDs(t, d, a.ID, 3)
	o1, o2, o3 := ids[0], ids[1], ids[2]
	for i, name := range []string{"Keys Kept", "Keys Gone"} {
		addTag(t, d, a.ID, int64(7100+i), name)
	}
	if _, err := d.Exec(ctx, `DELETE FROM tags WHERE account_id = ? AND id = 7101`, a.ID); err != nil {
		t.Fatal(err)
	}
	enforced := func(when string) {
		t.Helper()
		var person int64
		if err := d.QueryRow(ctx, `SELECT person_id FROM follows WHERE account_id = ? AND openid = ?`, a.ID, o3).Scan(&person); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO tag_members (account_id, tag_id, person_id, created_at) VALUES (?, 7101, ?, 1)`, a.ID, person); err == nil {
			t.Fatalf("%s: the writer took a membership of a deleted tag", when)
		}
		if d.Dialect() == db.SQLite {
			var on int
			if err := d.WriterQueryRow(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil || on != 1 {
				t.Fatalf("%s: PRAGMA foreign_keys = %d, %v", when, on, err)
			}
		}
	}

	// A deleted tag is unknown, like one never made.
	rep, err := portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader("openid,tags\n"+o1+",Keys Kept\n"+o2+",Keys Gone\n"), false)
	if err != nil || rep.ErrorsTotal != 1 || rep.Errors[0].Line != 3 || !strings.Contains(rep.Errors[0].Msg, `no tag named "Keys Gone"`) {
		t.Fatalf("deleted tag: %+v %v", rep, err)
	}
	enforced("after a refused import")
	// An openid that is not a follower.
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader("openid,tags\n"+o1+",Keys Kept\no-nobody,Keys Kept\n"), false)
	if err != nil || rep.ErrorsTotal != 1 || rep.Errors[0].Line != 3 || !strings.Contains(rep.Errors[0].Msg, "not a follower") {
		t.Fatalf("stranger: %+v %v", rep, err)
	}
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader("openid,tags\n"+o1+",Keys Kept\n"+o2+",keys kept\n"), true)
	if err != nil || !rep.OK() || rep.TagsAdded != 2 {
		t.Fatalf("dry run: %+v %v", rep, err)
	}
	enforced("after a dry run")
	func() {
		defer portability.SetCSVStep(func(step string) {
			if step == "check" {
				panic("boom")
			}
		})()
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v", r)
			}
		}()
		_, _ = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader("openid,tags\n"+o1+",Keys Kept\n"), false)
	}()
	enforced("after a panic")

	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader("openid,tags\n"+o1+",Keys Kept\n"+o2+",keys kept\n"), false)
	if err != nil || !rep.OK() || rep.TagsAdded != 2 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	enforced("after an import")
	var members, orphans int
	if err := d.QueryRow(ctx, `SELECT COUNT(*), COUNT(*) - COUNT(p.id) FROM tag_members m JOIN tags t ON t.account_id = m.account_id AND t.id = m.tag_id
		LEFT JOIN people p ON p.id = m.person_id WHERE m.account_id = ? AND m.tag_id = 7100`, a.ID).Scan(&members, &orphans); err != nil || members != 2 || orphans != 0 {
		t.Fatalf("the tag has %d members, %d of no one (%v)", members, orphans, err)
	}
	// Deleting the tag takes its memberships with it.
	if _, err := d.Exec(ctx, `DELETE FROM tags WHERE account_id = ? AND id = 7100`, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM tag_members WHERE account_id = ? AND tag_id = 7100`, a.ID).Scan(&members); err != nil || members != 0 {
		t.Fatalf("the deleted tag kept %d members (%v)", members, err)
	}
}
