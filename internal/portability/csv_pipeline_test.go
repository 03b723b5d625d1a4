package portability_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/portability"
)

// csvTwoTagAccount makes, in d, an account with n followers o01, o02, …
// and the tags Gold and Silver (so at most 20: no follower can pass the
// limit, and SQLite tags the lines as it reads them).
func csvTwoTagAccount(tb testing.TB, d *db.DB, n int) int64 {
	tb.Helper()
	ctx := context.Background()
	people := id.NewBlock(int64(n + 1))
	if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, 'owner', 'Owner', '!', 1, 1)`, people); err != nil {
		tb.Fatal(err)
	}
	a, err := account.NewStore(d, clock.Real{}).Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Quay",
		Status: account.StatusActive, OwnerID: people})
	if err != nil {
		tb.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, 'M', '!', 1, 1)`,
			people+int64(i), fmt.Sprintf("m%02d", i)); err != nil {
			tb.Fatal(err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO follows (account_id, person_id, openid, following, source, subscribed_at, created_at) VALUES (?, ?, ?, TRUE, 'search', 1, 1)`,
			a.ID, people+int64(i), fmt.Sprintf("o%02d", i)); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := d.Exec(ctx, `UPDATE accounts SET follower_count = ? WHERE id = ?`, n, a.ID); err != nil {
		tb.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (?, 100, 'Gold', 'gold', 0, 1), (?, 101, 'Silver', 'silver', 0, 1)`, a.ID, a.ID); err != nil {
		tb.Fatal(err)
	}
	return a.ID
}

// forCSVDatabases runs f on a test database (SQLite in a file, or
// PostgreSQL with HERALD_TEST_DATABASE_URL) and on in-memory SQLite, each
// as a subtest.
func forCSVDatabases(t *testing.T, f func(t *testing.T, d *db.DB)) {
	t.Helper()
	ctx := context.Background()
	mem, err := db.OpenMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mem.Close() })
	if _, err := mem.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		d    *db.DB
	}{{"dbtest", dbtest.New(t)}, {"memory", mem}} {
		t.Run(c.name, func(t *testing.T) { f(t, c.d) })
	}
}

// A file whose fault comes after many statements' worth of good lines
// (SQLite writes those while it reads the rest) is refused whole, with the
// same report as its dry run, on SQLite in a file (looked up on a reader
// while the writer writes), in memory (looked up on the writer) and on
// PostgreSQL; the same lines without the fault are all written.
func TestFollowerCSVFaultAfterWrites(t *testing.T) {
	// Not parallel: the batch size is the package's, for the whole test.
	defer portability.SetCSVBatchRows(2)()
	ctx := context.Background()
	forCSVDatabases(t, func(t *testing.T, d *db.DB) {
		accountID := csvTwoTagAccount(t, d, 12)
		var good strings.Builder
		good.WriteString("openid,remark,blacklisted,tags\n")
		for i := 1; i <= 10; i++ {
			fmt.Fprintf(&good, "o%02d,Late %d,%v,%s\n", i, i, i%4 == 0, []string{"Gold", "Silver;gold", ""}[i%3])
		}
		before := csvFuzzState(t, d)
		for _, f := range []struct {
			file  string
			lines []int64
			msgs  []string
		}{
			{good.String() + "o-nobody,Stranger,false,Gold\no11,Eleven,false,Silver\n", []int64{12}, []string{`openid "o-nobody" is not a follower of this account`}},
			{good.String() + "o11,Eleven,maybe,Gold\no12,Twelve,false,Bronze\n", []int64{12, 13}, []string{`blacklisted must be true or false, not "maybe"`, `no tag named "Bronze" (create it first)`}},
			{good.String() + "o11,Eleven,false,Silver\no03,Again,false,Silver\n", []int64{13}, []string{`openid "o03" appears on line 4 too`}},
		} {
			var reports []string
			for _, dry := range []bool{true, false} {
				rep, err := portability.ImportFollowerCSV(ctx, d, accountID, strings.NewReader(f.file), dry)
				if err != nil || rep.OK() || rep.Updated != 0 || rep.TagsAdded != 0 || int(rep.ErrorsTotal) != len(f.lines) {
					t.Fatalf("dry run %v: %+v %v", dry, rep, err)
				}
				for i, e := range rep.Errors {
					if e.Line != f.lines[i] || e.Msg != f.msgs[i] {
						t.Fatalf("dry run %v: fault %d is line %d %q, want line %d %q", dry, i, e.Line, e.Msg, f.lines[i], f.msgs[i])
					}
				}
				reports = append(reports, fmt.Sprint(rep.Errors))
				if after := csvFuzzState(t, d); after != before {
					t.Fatalf("a refused file (dry run %v) changed followers:\n%s\nwas\n%s", dry, after, before)
				}
			}
			if reports[0] != reports[1] {
				t.Fatalf("the dry run reported %s, the import %s", reports[0], reports[1])
			}
		}
		rep, err := portability.ImportFollowerCSV(ctx, d, accountID, strings.NewReader(good.String()), false)
		// Silver and Gold on the four lines i%3 == 1, Gold on the three i%3 == 0.
		if err != nil || !rep.OK() || rep.Updated != 10 || rep.TagsAdded != 11 {
			t.Fatalf("good file: %+v %v", rep, err)
		}
		var n, gold, silver int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM follows WHERE account_id = ? AND remark LIKE 'Late %' AND blocked = (CAST(SUBSTR(remark, 6) AS INTEGER) % 4 = 0)`, accountID).Scan(&n)
		d.QueryRow(ctx, `SELECT follower_count FROM tags WHERE account_id = ? AND id = 100`, accountID).Scan(&gold)
		d.QueryRow(ctx, `SELECT follower_count FROM tags WHERE account_id = ? AND id = 101`, accountID).Scan(&silver)
		if n != 10 || gold != 7 || silver != 4 {
			t.Fatalf("%d of 10 remarks and flags set; Gold counts %d (want 7), Silver %d (want 4)", n, gold, silver)
		}
	})
}

// An import sets each follower's blacklist flag and remark as its line
// says, whichever of the two the line changes (SQLite updates the lines
// that change the flag apart from the others), with files of both
// columns, of the flag alone and of the remark alone, across statement
// boundaries; the blacklist read in its own order (follows_blacklist_newest)
// agrees with the rows.
func TestFollowerCSVBlacklistChanges(t *testing.T) {
	// Not parallel: the batch size is the package's, for the whole test.
	defer portability.SetCSVBatchRows(3)()
	ctx := context.Background()
	forCSVDatabases(t, func(t *testing.T, d *db.DB) {
		accountID := csvTwoTagAccount(t, d, 12)
		if _, err := d.Exec(ctx, `UPDATE follows SET blocked = TRUE, remark = 'Old' WHERE account_id = ? AND openid IN ('o01', 'o02', 'o03', 'o04')`, accountID); err != nil {
			t.Fatal(err)
		}
		state := func() (string, string) {
			var rows, list []string
			r, err := d.Query(ctx, `SELECT openid, remark, blocked FROM follows WHERE account_id = ? ORDER BY openid`, accountID)
			if err != nil {
				t.Fatal(err)
			}
			for r.Next() {
				var o, remark string
				var blocked bool
				if err := r.Scan(&o, &remark, &blocked); err != nil {
					t.Fatal(err)
				}
				rows = append(rows, fmt.Sprintf("%s %s %v", o, remark, blocked))
			}
			r.Close()
			r, err = d.Query(ctx, `SELECT openid FROM follows WHERE account_id = ? AND blocked = TRUE ORDER BY subscribed_at DESC, person_id DESC`, accountID)
			if err != nil {
				t.Fatal(err)
			}
			for r.Next() {
				var o string
				if err := r.Scan(&o); err != nil {
					t.Fatal(err)
				}
				list = append(list, o)
			}
			r.Close()
			return strings.Join(rows, "; "), strings.Join(list, " ")
		}
		for _, f := range []struct {
			file, rows, blacklist string
		}{
			// o01 and o02 leave the blacklist, o05 and o06 join it, o03
			// stays on it, o04 is not in the file.
			{"openid,remark,blacklisted\no01,A1,false\no05,A5,true\no03,A3,true\no07,A7,false\no02,A2,no\no08,A8,false\no06,A6,yes\no09,Old,false\n",
				"o01 A1 false; o02 A2 false; o03 A3 true; o04 Old true; o05 A5 true; o06 A6 true; o07 A7 false; o08 A8 false; o09 Old false; o10  false; o11  false; o12  false",
				"o06 o05 o04 o03"},
			// The flag alone: o03 and o05 leave, o10 joins; remarks stay.
			{"openid,blacklisted\no03,false\no04,true\no05,false\no06,true\no10,true\no11,false\no12,\n",
				"o01 A1 false; o02 A2 false; o03 A3 false; o04 Old true; o05 A5 false; o06 A6 true; o07 A7 false; o08 A8 false; o09 Old false; o10  true; o11  false; o12  false",
				"o10 o06 o04"},
			// The remark alone: flags stay.
			{"openid,remark\no04,B4\no10,B10\no11,B11\no01,B1\n",
				"o01 B1 false; o02 A2 false; o03 A3 false; o04 B4 true; o05 A5 false; o06 A6 true; o07 A7 false; o08 A8 false; o09 Old false; o10 B10 true; o11 B11 false; o12  false",
				"o10 o06 o04"},
		} {
			rep, err := portability.ImportFollowerCSV(ctx, d, accountID, strings.NewReader(f.file), false)
			if err != nil || !rep.OK() {
				t.Fatalf("%q: %+v %v", f.file, rep, err)
			}
			if rows, list := state(); rows != f.rows || list != f.blacklist {
				t.Fatalf("after %q:\n%s\nwant\n%s\nblacklist %q, want %q", f.file, rows, f.rows, list, f.blacklist)
			}
		}
		if d.Dialect() == db.SQLite {
			var ok string
			if err := d.QueryRow(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
				t.Fatalf("integrity_check: %q %v", ok, err)
			}
		}
	})
}

// After an import each tag the file names counts its members: those it had
// (named in the file or not) and those added (SQLite counts the members a
// tag had on the look-up's snapshot and adds the writer's insertions),
// across statement boundaries, also when the file adds no member to a tag
// it names.
func TestFollowerCSVTagCounts(t *testing.T) {
	// Not parallel: the batch size is the package's, for the whole test.
	defer portability.SetCSVBatchRows(2)()
	ctx := context.Background()
	forCSVDatabases(t, func(t *testing.T, d *db.DB) {
		accountID := csvTwoTagAccount(t, d, 12)
		// Gold has o01-o05, Silver o06.
		if _, err := d.Exec(ctx, `INSERT INTO tag_members (account_id, tag_id, person_id, created_at)
			SELECT account_id, CASE WHEN openid <= 'o05' THEN 100 ELSE 101 END, person_id, 1 FROM follows WHERE account_id = ? AND openid <= 'o06'`, accountID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `UPDATE tags SET follower_count = CASE id WHEN 100 THEN 5 ELSE 1 END WHERE account_id = ?`, accountID); err != nil {
			t.Fatal(err)
		}
		counts := func() (gold, silver int64) {
			t.Helper()
			d.QueryRow(ctx, `SELECT follower_count FROM tags WHERE account_id = ? AND id = 100`, accountID).Scan(&gold)
			d.QueryRow(ctx, `SELECT follower_count FROM tags WHERE account_id = ? AND id = 101`, accountID).Scan(&silver)
			var wrong int
			d.QueryRow(ctx, `SELECT COUNT(*) FROM tags t WHERE t.account_id = ? AND t.follower_count <> (SELECT COUNT(*) FROM tag_members m WHERE m.account_id = t.account_id AND m.tag_id = t.id)`, accountID).Scan(&wrong)
			if wrong != 0 {
				t.Fatalf("%d tags whose count is not their members (Gold %d, Silver %d)", wrong, gold, silver)
			}
			return gold, silver
		}
		for _, c := range []struct {
			file         string
			added        int64
			gold, silver int64
		}{
			// Gold: o01-o03 had it, o07-o09 get it; Silver: o06 had it.
			{"openid,tags\no01,Gold\no02,Gold\no03,Gold\no07,Gold\no08,Gold\no09,Gold\no06,Silver\n", 3, 8, 1},
			// Names both tags, adds to Silver only.
			{"openid,tags\no01,Gold\no10,Silver\no11,Silver;Gold\n", 3, 9, 3},
			// Adds nothing.
			{"openid,remark,tags\no01,One,Gold\no06,Six,Silver\n", 0, 9, 3},
		} {
			rep, err := portability.ImportFollowerCSV(ctx, d, accountID, strings.NewReader(c.file), false)
			if err != nil || !rep.OK() || rep.TagsAdded != c.added {
				t.Fatalf("%q: %+v %v", c.file, rep, err)
			}
			if gold, silver := counts(); gold != c.gold || silver != c.silver {
				t.Fatalf("%q: Gold counts %d (want %d), Silver %d (want %d)", c.file, gold, c.gold, silver, c.silver)
			}
		}
	})
}

// The lines that change the blacklist flag are written in statements of
// their own, as few as the remarks around them leave waiting (SQLite
// pads such a statement with rows that match no follow): every follow
// ends as its line says, whatever the statement sizes.
func TestFollowerCSVFlagChangesAmongRemarks(t *testing.T) {
	// Not parallel: the batch size is the package's, for the whole test.
	defer portability.SetCSVBatchRows(8)()
	ctx := context.Background()
	forCSVDatabases(t, func(t *testing.T, d *db.DB) {
		accountID := csvTwoTagAccount(t, d, 40)
		for _, flag := range []func(i int) bool{
			func(i int) bool { return i%3 == 0 },  // 13 join the blacklist
			func(i int) bool { return i%12 == 0 }, // 10 leave it, 3 stay
			func(i int) bool { return i >= 35 },   // a few at the end
		} {
			var file strings.Builder
			file.WriteString("openid,remark,blacklisted\n")
			for i := 1; i <= 40; i++ {
				fmt.Fprintf(&file, "o%02d,R%d,%v\n", i, i%7, flag(i))
			}
			rep, err := portability.ImportFollowerCSV(ctx, d, accountID, strings.NewReader(file.String()), false)
			if err != nil || !rep.OK() || rep.Updated != 40 {
				t.Fatalf("%+v %v", rep, err)
			}
			for i := 1; i <= 40; i++ {
				var remark string
				var blocked bool
				if err := d.QueryRow(ctx, `SELECT remark, blocked FROM follows WHERE account_id = ? AND openid = ?`, accountID, fmt.Sprintf("o%02d", i)).Scan(&remark, &blocked); err != nil {
					t.Fatal(err)
				}
				if remark != fmt.Sprintf("R%d", i%7) || blocked != flag(i) {
					t.Fatalf("o%02d: remark %q blacklisted %v, want R%d %v", i, remark, blocked, i%7, flag(i))
				}
			}
		}
	})
}
