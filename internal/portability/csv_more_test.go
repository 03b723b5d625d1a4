package portability_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/portability"
)

// A follower of another account is a stranger to this one; lines with
// several tags, spread over several statements, add each tag once; the
// same file imported again changes nothing; a follower named twice is
// refused however far apart the lines are.
func TestFollowerCSVTenantsTagsAndRepeats(t *testing.T) {
	// Not parallel: the batch size is the package's, for the whole test.
	defer portability.SetCSVBatchRows(3)()
	src, accts := seeded(t)
	ctx := context.Background()
	a, other := accts["harbour"], accts["lotus"]
	d := src.App.DB
	openids := func(accountID int64) []string {
		var buf bytes.Buffer
		if _, err := portability.ExportFollowerCSV(ctx, d, accountID, &buf); err != nil {
			t.Fatal(err)
		}
		recs, _ := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
		var out []string
		for _, r := range recs[1:] {
			out = append(out, r[0])
		}
		return out
	}
	mine, theirs := openids(a.ID), openids(other.ID)
	if len(mine) < 7 || len(theirs) == 0 {
		t.Fatalf("the demo has %d and %d followers", len(mine), len(theirs))
	}
	snapshot := func(accountID int64) string {
		rows, err := d.Query(ctx, `SELECT f.openid, f.remark, f.blocked, COALESCE((SELECT COUNT(*) FROM tag_members m
			WHERE m.account_id = f.account_id AND m.person_id = f.person_id), 0) FROM follows f WHERE f.account_id = ? ORDER BY f.openid`, accountID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var sb strings.Builder
		for rows.Next() {
			var o, r string
			var b bool
			var n int
			if err := rows.Scan(&o, &r, &b, &n); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&sb, "%s|%s|%v|%d\n", o, r, b, n)
		}
		var counts string
		d.QueryRow(ctx, `SELECT COALESCE(SUM(follower_count), 0) || '' FROM tags WHERE account_id = ?`, accountID).Scan(&counts)
		return sb.String() + "tags " + counts
	}
	for i, name := range []string{"Multi A", "Multi B", "Multi C"} {
		addTag(t, d, a.ID, int64(7000+i), name)
	}
	beforeMine, beforeTheirs := snapshot(a.ID), snapshot(other.ID)

	// Another account's follower: refused, neither account changes.
	rep, err := portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader("openid,remark,tags\n"+mine[0]+",Mine,Multi A\n"+theirs[0]+",Theirs,Multi A\n"), false)
	if err != nil || rep.OK() || rep.ErrorsTotal != 1 || rep.Errors[0].Line != 3 || !strings.Contains(rep.Errors[0].Msg, "not a follower of this account") {
		t.Fatalf("another account's follower: %+v %v", rep, err)
	}
	if snapshot(a.ID) != beforeMine || snapshot(other.ID) != beforeTheirs {
		t.Fatal("a refused file changed followers")
	}
	// Named twice, another account's follower is a stranger on each line,
	// not a follower named twice (no follower was found for either line).
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader("openid,remark\n"+theirs[0]+",One\n"+mine[1]+",Mine\n"+theirs[0]+",Two\n"), true)
	if err != nil || rep.ErrorsTotal != 2 || rep.Errors[0].Line != 2 || rep.Errors[1].Line != 4 ||
		rep.Errors[1].Msg != fmt.Sprintf("openid %q is not a follower of this account", theirs[0]) {
		t.Fatalf("another account's follower twice: %+v %v", rep, err)
	}

	// Seven followers, the tags spelt in any case, one to three a line.
	var sb strings.Builder
	sb.WriteString("openid,remark,blacklisted,tags\n")
	want := int64(0)
	for i, o := range mine[:7] {
		tags := []string{"multi a", "MULTI B;Multi C", "Multi A;multi b;Multi C", ""}[i%4]
		if tags != "" {
			want += int64(strings.Count(tags, ";") + 1)
		}
		fmt.Fprintf(&sb, "%s,Repeat %d,%v,%s\n", o, i, i%3 == 0, tags)
	}
	file := sb.String()
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader(file), true)
	if err != nil || !rep.OK() || rep.TagsAdded != want || rep.Updated != 7 {
		t.Fatalf("dry run: %+v %v (want %d tags)", rep, err, want)
	}
	if snapshot(a.ID) != beforeMine {
		t.Fatal("a dry run changed followers")
	}
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader(file), false)
	if err != nil || !rep.OK() || rep.TagsAdded != want || rep.Updated != 7 {
		t.Fatalf("import: %+v %v (want %d tags)", rep, err, want)
	}
	var n int64
	d.QueryRow(ctx, `SELECT COUNT(*) FROM tag_members WHERE account_id = ? AND tag_id >= 7000 AND tag_id < 7003`, a.ID).Scan(&n)
	if n != want {
		t.Fatalf("%d memberships of the new tags, want %d", n, want)
	}
	var remark string
	var blocked bool
	d.QueryRow(ctx, `SELECT remark, blocked FROM follows WHERE account_id = ? AND openid = ?`, a.ID, mine[6]).Scan(&remark, &blocked)
	if remark != "Repeat 6" || !blocked {
		t.Fatalf("line 8 set remark %q blocked %v", remark, blocked)
	}
	consistency(t, d)
	after := snapshot(a.ID)
	if after == beforeMine || snapshot(other.ID) != beforeTheirs {
		t.Fatal("the import changed nothing here, or something of another account")
	}

	// Again: nothing to add, nothing changes.
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader(file), false)
	if err != nil || !rep.OK() || rep.TagsAdded != 0 {
		t.Fatalf("again: %+v %v", rep, err)
	}
	if snapshot(a.ID) != after {
		t.Fatal("importing the same file again changed followers")
	}
	consistency(t, d)

	// The same follower on line 2 and line 8 (other statements), by the
	// same openid.
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader(file+mine[0]+",Twice,false,\n"), false)
	if err != nil || rep.OK() || rep.ErrorsTotal != 1 || rep.Errors[0].Line != 9 ||
		rep.Errors[0].Msg != fmt.Sprintf("openid %q appears on line 2 too", mine[0]) {
		t.Fatalf("repeated follower: %+v %v", rep, err)
	}
	if snapshot(a.ID) != after {
		t.Fatal("a refused file changed followers")
	}
}

// A follower has at most 20 tags, counting those they have: a file that
// would give one 21 is refused at that line and changes nothing, while the
// same tags for a follower with fewer are added. With 20 tags or fewer in
// the account nobody can pass the limit.
func TestFollowerCSVTagLimit(t *testing.T) {
	// Not parallel: the batch size is the package's, for the whole test.
	defer portability.SetCSVBatchRows(2)()
	src, accts := seeded(t)
	ctx := context.Background()
	a := accts["harbour"]
	d := src.App.DB
	ids := followerOpenIDs(t, d, a.ID, 3)
	full, light := ids[0], ids[1]
	var names []string
	for i := range 22 {
		name := fmt.Sprintf("Limit %02d", i)
		names = append(names, name)
		addTag(t, d, a.ID, int64(8000+i), name)
	}
	members := func(openid string) (n int64) {
		d.QueryRow(ctx, `SELECT COUNT(*) FROM tag_members m JOIN follows f ON f.account_id = m.account_id AND f.person_id = m.person_id
			WHERE f.account_id = ? AND f.openid = ?`, a.ID, openid).Scan(&n)
		return n
	}
	// The first follower gets tags until they have 19.
	var sb strings.Builder
	sb.WriteString("openid,tags\n" + full + ",")
	for _, name := range names[:19-members(full)] {
		sb.WriteString(name + ";")
	}
	sb.WriteString("\n")
	if rep, err := portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader(sb.String()), false); err != nil || !rep.OK() {
		t.Fatalf("19 tags: %+v %v", rep, err)
	}
	if n := members(full); n != 19 {
		t.Fatalf("%d tags, want 19", n)
	}
	lightBefore := members(light)
	two := strings.Join(names[20:22], ";")
	file := "openid,remark,tags\n" + light + ",Light," + two + "\n" + full + ",Full," + two + "\n"
	for _, dry := range []bool{true, false} {
		rep, err := portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader(file), dry)
		if err != nil || rep.OK() || rep.ErrorsTotal != 1 || rep.Errors[0].Line != 3 || rep.Errors[0].Msg != "the follower would have 21 tags (at most 20)" {
			t.Fatalf("21 tags (dry run %v): %+v %v", dry, rep, err)
		}
		if members(full) != 19 || members(light) != lightBefore {
			t.Fatal("a refused file tagged followers")
		}
	}
	// One of them is enough for the first follower.
	rep, err := portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader("openid,tags\n"+light+","+two+"\n"+full+","+names[20]+"\n"), false)
	if err != nil || !rep.OK() || rep.TagsAdded != 3 || members(full) != 20 || members(light) != lightBefore+2 {
		t.Fatalf("20 tags: %+v %v", rep, err)
	}
	consistency(t, d)
}

// TestFollowerCSVSmallFileSmallMemory: a short member list read from
// memory (a web form's field, a test) is sized by its own length, not
// taken for a file of unknown size: importing three lines allocates well
// under the 2 MiB an unknown size reserves for finding repeated openids.
func TestFollowerCSVSmallFileSmallMemory(t *testing.T) {
	// Not in parallel with other tests: it measures the process's heap.
	d, accountID := csvFuzzAccount(t)
	ctx := context.Background()
	file := []byte("openid,remark\no1,first\no2,second\n")
	// One import first, so that prepared statements and caches are warm.
	if rep, err := portability.ImportFollowerCSV(ctx, d, accountID, bytes.NewReader(file), true); err != nil || !rep.OK() {
		t.Fatalf("dry run: %v %+v", err, rep)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rep, err := portability.ImportFollowerCSV(ctx, d, accountID, bytes.NewReader(file), false)
	runtime.ReadMemStats(&after)
	if err != nil || !rep.OK() || rep.Updated != 2 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("importing 2 lines allocated %d bytes, want under 1 MiB", got)
	}
}
