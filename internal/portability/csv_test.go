package portability_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/portability"
)

func TestFollowerCSV(t *testing.T) {
	t.Parallel()
	src, accts := seeded(t)
	ctx := context.Background()
	a := accts["harbour"]
	d := src.App.DB
	var buf bytes.Buffer
	n, err := portability.ExportFollowerCSV(ctx, d, a.ID, &buf)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil || int64(len(recs)) != n+1 || n == 0 {
		t.Fatalf("export: %d followers, %d records, %v", n, len(recs), err)
	}
	if strings.Join(recs[0], ",") != "openid,nickname,remark,tags,blacklisted,following,source,subscribed_at" {
		t.Fatalf("header %v", recs[0])
	}
	var tag string
	if err := d.QueryRow(ctx, `SELECT name FROM tags WHERE account_id = ? ORDER BY id LIMIT 1`, a.ID).Scan(&tag); err != nil {
		t.Fatal(err)
	}
	o1, o2, o3 := recs[1][0], recs[2][0], recs[3][0]

	// A file with errors changes nothing and names every bad line.
	bad := "openid,remark,blacklisted,tags\n" +
		o1 + ",Member 0001,false," + tag + "\n" +
		"o-nobody,Member 0002,false,\n" +
		o2 + "," + strings.Repeat("x", 31) + ",false,\n" +
		o3 + ",Member 0003,perhaps,\n" +
		o1 + ",Member 0004,false,No Such Tag\n" +
		o1 + ",Again,true,\n"
	rep, err := portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader(bad), false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"3: openid \"o-nobody\" is not a follower", "4: remark has more than 30", "5: blacklisted must be true or false",
		"6: no tag named \"No Such Tag\"", "7: openid \"" + o1 + "\" appears on line 2 too"}
	var got []string
	for _, e := range rep.Errors {
		got = append(got, fmt.Sprintf("%d: %s", e.Line, e.Msg))
	}
	for _, w := range want {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("errors %q lack %q", got, w)
		}
	}
	if rep.ErrorsTotal != int64(len(want)) || rep.Updated != 0 {
		t.Fatalf("report %+v", rep)
	}
	var remark string
	d.QueryRow(ctx, `SELECT remark FROM follows WHERE openid = ?`, o1).Scan(&remark)
	if remark == "Member 0001" {
		t.Fatal("a refused file changed a remark")
	}

	good := "openid,remark,blacklisted,tags\n" + o1 + ",Member 0001,false," + tag + "\n" + o2 + ",=SUM(1),true,\n"
	// Dry run: counts, no change.
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader(good), true)
	if err != nil || !rep.OK() || rep.Updated != 2 {
		t.Fatalf("dry run: %+v %v", rep, err)
	}
	d.QueryRow(ctx, `SELECT remark FROM follows WHERE openid = ?`, o1).Scan(&remark)
	if remark == "Member 0001" {
		t.Fatal("a dry run changed a remark")
	}
	var before int
	d.QueryRow(ctx, `SELECT follower_count FROM tags WHERE account_id = ? AND name = ?`, a.ID, tag).Scan(&before)
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader(good), false)
	if err != nil || !rep.OK() || rep.Updated != 2 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	var blocked bool
	d.QueryRow(ctx, `SELECT remark FROM follows WHERE openid = ?`, o1).Scan(&remark)
	d.QueryRow(ctx, `SELECT blocked FROM follows WHERE openid = ?`, o2).Scan(&blocked)
	if remark != "Member 0001" || !blocked {
		t.Fatalf("after import: remark %q blocked %v", remark, blocked)
	}
	consistency(t, d)
	// Export again: the formula-looking remark is quoted for spreadsheets,
	// and reads back as it was.
	buf.Reset()
	if _, err := portability.ExportFollowerCSV(ctx, d, a.ID, &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "'=SUM(1)") {
		t.Fatal("a formula-looking remark was not quoted")
	}
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, bytes.NewReader(buf.Bytes()), false)
	if err != nil || !rep.OK() {
		t.Fatalf("re-import of an export: %+v %v", rep, err)
	}
	d.QueryRow(ctx, `SELECT remark FROM follows WHERE openid = ?`, o2).Scan(&remark)
	if remark != "=SUM(1)" {
		t.Fatalf("remark after a round trip: %q", remark)
	}
}

// A fault in a later batch refuses the lines of the earlier batches too, and
// tags that would take a follower past 20 are refused with the line.
func TestFollowerCSVBatches(t *testing.T) {
	// Not parallel: the batch size is the package's, for the whole test.
	defer portability.SetCSVBatchRows(2)()
	src, accts := seeded(t)
	ctx := context.Background()
	a := accts["harbour"]
	d := src.App.DB
	ids := followerOpenIDs(t, d, a.ID, 5)
	var lines []string
	for i, o := range ids[:5] {
		lines = append(lines, fmt.Sprintf("%s,Batch %d", o, i))
	}
	bad := "openid,remark\n" + strings.Join(lines, "\n") + "\no-missing,Late\n"
	rep, err := portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader(bad), false)
	if err != nil || rep.OK() || rep.ErrorsTotal != 1 || rep.Errors[0].Line != 7 {
		t.Fatalf("late fault: %+v %v", rep, err)
	}
	var n int
	d.QueryRow(ctx, `SELECT COUNT(*) FROM follows WHERE account_id = ? AND remark LIKE 'Batch %'`, a.ID).Scan(&n)
	if n != 0 {
		t.Fatalf("%d remarks of a refused file were kept", n)
	}
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader("openid,remark\n"+strings.Join(lines, "\n")+"\n"), false)
	if err != nil || !rep.OK() || rep.Updated != 5 {
		t.Fatalf("good file: %+v %v", rep, err)
	}
	d.QueryRow(ctx, `SELECT COUNT(*) FROM follows WHERE account_id = ? AND remark LIKE 'Batch %'`, a.ID).Scan(&n)
	if n != 5 {
		t.Fatalf("%d of 5 remarks set", n)
	}
	// A new tag for the same five, over several batches: each gets it once,
	// and the tag counts them.
	if _, err := d.Exec(ctx, `INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (?, 8999, 'Range tag', 'range tag', 0, 1)`, a.ID); err != nil {
		t.Fatal(err)
	}
	var tagged []string
	for _, o := range ids[:5] {
		tagged = append(tagged, o+",Range tag")
	}
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader("openid,tags\n"+strings.Join(tagged, "\n")+"\n"), false)
	if err != nil || !rep.OK() || rep.TagsAdded != 5 {
		t.Fatalf("a tag for five: %+v %v", rep, err)
	}
	d.QueryRow(ctx, `SELECT follower_count FROM tags WHERE account_id = ? AND id = 8999`, a.ID).Scan(&n)
	if n != 5 {
		t.Fatalf("the tag counts %d followers, want 5", n)
	}

	// 24 tags; the follower gets 12 in one file, then 12 others: the second
	// file would give them 24 (or fewer, if they had some already) and is refused.
	var names []string
	for i := range 24 {
		name := fmt.Sprintf("Batch tag %02d", i)
		addTag(t, d, a.ID, int64(9000+i), name)
		names = append(names, name)
	}
	o := ids[0]
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader("openid,tags\n"+o+","+strings.Join(names[:12], ";")+"\n"), false)
	if err != nil || !rep.OK() || rep.TagsAdded != 12 {
		t.Fatalf("12 tags: %+v %v", rep, err)
	}
	rep, err = portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader("openid,tags\n"+ids[1]+",\n"+o+","+strings.Join(names[12:], ";")+"\n"), false)
	if err != nil || rep.OK() || rep.Errors[0].Line != 3 || !strings.Contains(rep.Errors[0].Msg, "at most 20") {
		t.Fatalf("24 tags: %+v %v", rep, err)
	}
	d.QueryRow(ctx, `SELECT COUNT(*) FROM tag_members m JOIN follows f ON f.account_id = m.account_id AND f.person_id = m.person_id WHERE f.openid = ?`, o).Scan(&n)
	if n > 20 {
		t.Fatalf("the follower has %d tags", n)
	}
	consistency(t, d)
}

// FuzzFollowerCSV feeds any bytes to a dry-run import: it reports faults
// on lines of the file, never an error or a panic, and changes nothing.
//
// The account it imports into is made once per process (the fuzzer's
// coordinator and each worker) by csvFuzzAccount: a migrated database and a
// handful of rows, a fraction of a second, where the demo platform of the
// other tests takes seconds, which the fuzzer's baseline of the seeds would
// wait for in every worker. A dry run writes nothing (checked after every
// input), so the inputs share the account without seeing one another.
func FuzzFollowerCSV(f *testing.F) {
	f.Add([]byte("openid,remark,blacklisted,tags\no1,Member,true,Gold\n"))
	f.Add([]byte("openid,remark\n\"o1,unterminated\n"))
	f.Add([]byte("\ufeffOpenID;remark\n"))
	f.Add([]byte("openid,tags\no1,Gold;Gold;;Silver\no1,\n"))
	f.Add([]byte("remark\nx\n"))
	f.Add([]byte("openid,tags,remark\no2,gold,=SUM(1)\no3,Silver,\n"))
	ctx := context.Background()
	d, accountID := csvFuzzAccount(f)
	before := csvFuzzState(f, d)
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := portability.ImportFollowerCSV(ctx, d, accountID, bytes.NewReader(data), true)
		if err != nil {
			t.Fatalf("import error: %v", err)
		}
		lines := int64(bytes.Count(data, []byte("\n")) + 1)
		for _, e := range rep.Errors {
			if e.Line < 0 || e.Line > lines {
				t.Fatalf("fault on line %d of a %d-line file: %s", e.Line, lines, e.Msg)
			}
		}
		if rep.Updated != 0 && !rep.OK() {
			t.Fatalf("refused file counts updates: %+v", rep)
		}
		if after := csvFuzzState(t, d); after != before {
			t.Fatalf("a dry run changed the followers:\n%s\nwas\n%s", after, before)
		}
	})
}
