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
		"6: no tag named \"No Such Tag\"", "7: openid \"" + o1 + "\" appears on an earlier line"}
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
