package portability

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/db"
)

// SQLite's follower CSV import keeps no staging table. Each line is looked
// up as the file streams (one statement of csvBatchRows lines: the
// follow's rowid and person for each openid), and what the changes need of
// it stays in memory, about 32 bytes a line plus its remark (liteLines);
// the checks are made on that, and the changes bind it again, a statement
// of csvBatchRows lines at a time. A temporary table in SQLite was memory
// too (temp_store is MEMORY), and writing and reading it back cost about
// as much CPU as the look-up itself.

// liteLine is what SQLite's import keeps of a line between its look-up and
// the changes.
type liteLine struct {
	frow      int64 // the follow's rowid; 0 when the openid is not a follower of this account
	person    int64 // the follower's person id
	remarkEnd int64 // the end of the line's remark in liteLines.remarks (it starts at the previous line's end)
	tag       int32 // the line's first tag, an index into liteLines.tagIDs; -1 for none
	blocked   bool
}

// liteTag is a further tag of a line (its position and tag index).
type liteTag struct {
	pos int
	tag int32
}

// liteLines is every sound line of the file, in file order (a line's
// position is also its position in the repeatSet, which has its line
// number).
type liteLines struct {
	lines   []liteLine
	remarks []byte
	extra   []liteTag
	tagIDs  []int64         // the tags the file names
	tagIdx  map[int64]int32 // tag id -> index in tagIDs
	temp    bool            // the temporary tables of the tag limit check were made
}

func (l *liteLines) init(hint int) {
	l.lines = make([]liteLine, 0, hint)
	l.remarks = make([]byte, 0, 16*hint)
	l.tagIdx = map[int64]int32{}
}

func (l *liteLines) index(tag int64) int32 {
	i, ok := l.tagIdx[tag]
	if !ok {
		i = int32(len(l.tagIDs))
		l.tagIdx[tag] = i
		l.tagIDs = append(l.tagIDs, tag)
	}
	return i
}

// add keeps row (its look-up fills frow and person).
func (l *liteLines) add(row *csvRow) {
	l.remarks = append(l.remarks, row.remark...)
	ln := liteLine{remarkEnd: int64(len(l.remarks)), tag: -1, blocked: row.blocked}
	if len(row.tags) > 0 {
		ln.tag = l.index(row.tags[0])
		for _, t := range row.tags[1:] {
			l.extra = append(l.extra, liteTag{len(l.lines), l.index(t)})
		}
	}
	l.lines = append(l.lines, ln)
}

func (l *liteLines) remark(p int) string {
	start := int64(0)
	if p > 0 {
		start = l.lines[p-1].remarkEnd
	}
	return string(l.remarks[start:l.lines[p].remarkEnd])
}

// byTag is the people to tag, tag by tag: for each tag index, its people
// in ascending order (so that the memberships of a tag are written in the
// order of tag_members' key).
func (l *liteLines) byTag() [][]int64 {
	counts := make([]int, len(l.tagIDs))
	for _, ln := range l.lines {
		if ln.tag >= 0 {
			counts[ln.tag]++
		}
	}
	for _, e := range l.extra {
		counts[e.tag]++
	}
	out := make([][]int64, len(l.tagIDs))
	for i, n := range counts {
		out[i] = make([]int64, 0, n)
	}
	for _, ln := range l.lines {
		if ln.tag >= 0 {
			out[ln.tag] = append(out[ln.tag], ln.person)
		}
	}
	for _, e := range l.extra {
		out[e.tag] = append(out[e.tag], l.lines[e.pos].person)
	}
	for _, people := range out {
		if !slices.IsSorted(people) {
			slices.Sort(people)
		}
	}
	return out
}

// lookSQLite reads the file, keeping each sound line in im.lite, and looks
// the lines up csvBatchRows at a time: each openid's follow in this
// account (rowid and person). An openid that is not a follower of this
// account (another account's follower included) is a fault, recorded here.
func (im *csvImport) lookSQLite(ctx context.Context, tx *db.Tx) error {
	n := max(1, csvBatchRows)
	build := func(rows int) string {
		return `SELECT v.column1, COALESCE(f.rowid, 0), COALESCE(f.person_id, 0) FROM (VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?,?),", rows), ",") + `) v LEFT JOIN follows f ON f.openid = v.column2 AND f.account_id = ?`
	}
	full, err := tx.Prepare(ctx, build(n))
	if err != nil {
		return fmt.Errorf("follower csv: look-up: %w", err)
	}
	defer full.Close()
	args := make([]any, 0, 2*n+1)
	openids := make([]string, 0, n)
	lines := make([]int64, 0, n)
	flush := func() error {
		k := len(openids)
		if k == 0 {
			return nil
		}
		base := len(im.lite.lines) - k
		args = append(args, im.accountID)
		var rows *sql.Rows
		var err error
		if k == n {
			rows, err = full.QueryContext(ctx, args...)
		} else {
			rows, err = tx.Query(ctx, build(k), args...)
		}
		if err != nil {
			return fmt.Errorf("follower csv: look-up: %w", err)
		}
		defer rows.Close()
		found := 0
		for rows.Next() {
			var i int
			var frow, person int64
			if err := rows.Scan(&i, &frow, &person); err != nil {
				return err
			}
			if i < 0 || i >= k {
				return fmt.Errorf("follower csv: look-up: row %d of %d", i, k)
			}
			found++
			ln := &im.lite.lines[base+i]
			ln.frow, ln.person = frow, person
			if frow == 0 {
				im.rep.fault(lines[i], "openid %q is not a follower of this account", openids[i])
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("follower csv: look-up: %w", err)
		}
		if found != k {
			return fmt.Errorf("follower csv: look-up: %d rows for %d lines", found, k)
		}
		clear(args)
		args = args[:0]
		clear(openids)
		openids, lines = openids[:0], lines[:0]
		return nil
	}
	for {
		row, err := im.next()
		if err != nil {
			return err
		}
		if row == nil {
			break
		}
		im.lite.add(row)
		args = append(args, len(openids), row.openid)
		openids = append(openids, row.openid)
		lines = append(lines, row.line)
		if len(openids) == n {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	im.dupPos = im.repeats.pairs()
	im.dups = int64(len(im.dupPos) / 2)
	return nil
}

// checkSQLite records the faults of SQLite's import that need more than
// the look-up: a follower named twice, tags past 20.
func (im *csvImport) checkSQLite(ctx context.Context, tx *db.Tx) error {
	// Two lines name the same follower when they found the same follow
	// (lines whose openids only share a hash found different ones).
	for k := 0; k+1 < len(im.dupPos); k += 2 {
		p, q := im.dupPos[k], im.dupPos[k+1]
		frow := im.lite.lines[p].frow
		if frow == 0 || frow != im.lite.lines[q].frow {
			continue
		}
		var openid string
		if len(im.rep.Errors) < MaxCSVErrors { // only a listed fault shows it
			if err := tx.QueryRow(ctx, `SELECT openid FROM follows WHERE rowid = ?`, frow).Scan(&openid); err != nil {
				return fmt.Errorf("follower csv: check: %w", err)
			}
		}
		im.rep.fault(im.repeats.line(p), "openid %q appears on line %d too", openid, im.repeats.line(q))
	}
	if could, err := im.couldPassTagLimit(ctx, tx); err != nil || !could {
		return err
	}
	// Only when a follower could pass 20 tags are the lines' tags put in
	// temporary tables and counted with the follower's.
	if err := im.liteTempTables(ctx, tx); err != nil {
		return err
	}
	return im.faults(ctx, tx, `SELECT line, n FROM (SELECT v.line AS line,
		(SELECT COUNT(*) FROM tag_members m WHERE m.account_id = ? AND m.person_id = v.person_id) +
		(NOT EXISTS (SELECT 1 FROM tag_members m WHERE m.account_id = ? AND m.tag_id = v.tag1 AND m.person_id = v.person_id)) +
		(SELECT COUNT(*) FROM csv_tags t WHERE t.line = v.line AND NOT EXISTS (SELECT 1 FROM tag_members m
			WHERE m.account_id = ? AND m.tag_id = t.tag_id AND m.person_id = v.person_id)) AS n
		FROM csv_in v WHERE v.person_id IS NOT NULL) x
		WHERE n > ? ORDER BY line`, []any{im.accountID, im.accountID, im.accountID, maxFollowerTags},
		func(_ int64, vals []any) error {
			return faultf("the follower would have %v tags (at most %d)", vals[0], maxFollowerTags)
		}, 1)
}

// liteTempTables puts the lines with tags in csv_in (line, person, first
// tag) and csv_tags (their further tags), for the tag limit check.
func (im *csvImport) liteTempTables(ctx context.Context, tx *db.Tx) error {
	for _, q := range []string{
		`CREATE TEMP TABLE csv_in (line INTEGER PRIMARY KEY, person_id INTEGER, tag1 INTEGER NOT NULL)`,
		`CREATE TEMP TABLE csv_tags (line INTEGER NOT NULL, tag_id INTEGER NOT NULL, PRIMARY KEY (line, tag_id)) WITHOUT ROWID`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	im.lite.temp = true
	l := &im.lite
	p := 0
	_, err := tx.ExecRows(ctx, 3, csvBatchRows, func(values string) string { return `INSERT INTO temp.csv_in (line, person_id, tag1) VALUES ` + values }, nil,
		func(args []any) ([]any, bool, error) {
			for ; p < len(l.lines) && l.lines[p].tag < 0; p++ {
			}
			if p == len(l.lines) {
				return args, false, nil
			}
			ln := l.lines[p]
			var person any
			if ln.frow != 0 {
				person = ln.person
			}
			p++
			return append(args, im.repeats.line(p-1), person, l.tagIDs[ln.tag]), true, nil
		})
	if err != nil {
		return err
	}
	k := 0
	_, err = tx.ExecRows(ctx, 2, csvBatchRows, func(values string) string { return `INSERT INTO temp.csv_tags (line, tag_id) VALUES ` + values }, nil,
		func(args []any) ([]any, bool, error) {
			if k == len(l.extra) {
				return args, false, nil
			}
			e := l.extra[k]
			k++
			return append(args, im.repeats.line(e.pos), l.tagIDs[e.tag]), true, nil
		})
	return err
}

// applySQLite sets the remarks and blacklist flags of the follows (by
// rowid, rewriting only those that change) and adds the tags, tag by tag
// in the order of tag_members' key; a dry run only counts the tags it
// would add.
func (im *csvImport) applySQLite(ctx context.Context, tx *db.Tx, dryRun bool) error {
	l := &im.lite
	var people [][]int64
	if im.maxTags > 0 {
		people = l.byTag()
	}
	if dryRun {
		for t, ps := range people {
			q := `SELECT COUNT(*) FROM (VALUES %s) v WHERE NOT EXISTS (SELECT 1 FROM tag_members m WHERE m.account_id = ` +
				strconv.FormatInt(im.accountID, 10) + ` AND m.tag_id = ` + strconv.FormatInt(l.tagIDs[t], 10) + ` AND m.person_id = v.column1)`
			for lo := 0; lo < len(ps); lo += csvBatchRows {
				chunk := ps[lo:min(len(ps), lo+csvBatchRows)]
				args := make([]any, len(chunk))
				for i, p := range chunk {
					args[i] = p
				}
				var n int64
				if err := tx.QueryRow(ctx, fmt.Sprintf(q, strings.TrimSuffix(strings.Repeat("(?),", len(chunk)), ",")), args...).Scan(&n); err != nil {
					return fmt.Errorf("follower csv: tags: %w", err)
				}
				im.tagsAdded += n
			}
		}
		return nil
	}
	if im.hasRemark || im.hasBlocked {
		// Only the follows whose remark or flag the line changes are
		// rewritten. (A temporary view whose INSTEAD OF trigger updated
		// each follow by rowid, which spares UPDATE … FROM its temporary
		// table and second seek, cost about 30% more CPU: a trigger
		// program a row.)
		var sets, changed []string
		ncols := 1
		if im.hasRemark {
			ncols++
			sets = append(sets, "remark = v.column"+strconv.Itoa(ncols))
			changed = append(changed, "follows.remark <> v.column"+strconv.Itoa(ncols))
		}
		if im.hasBlocked {
			ncols++
			sets = append(sets, "blocked = v.column"+strconv.Itoa(ncols))
			changed = append(changed, "follows.blocked <> v.column"+strconv.Itoa(ncols))
		}
		p := 0
		_, err := tx.ExecRows(ctx, ncols, csvBatchRows, func(values string) string {
			return `UPDATE follows SET ` + strings.Join(sets, ", ") + ` FROM (VALUES ` + values + `) v WHERE follows.rowid = v.column1 AND (` +
				strings.Join(changed, " OR ") + `)`
		}, nil, func(args []any) ([]any, bool, error) {
			if p == len(l.lines) {
				return args, false, nil
			}
			ln := &l.lines[p]
			args = append(args, ln.frow)
			if im.hasRemark {
				args = append(args, l.remark(p))
			}
			if im.hasBlocked {
				args = append(args, ln.blocked)
			}
			p++
			return args, true, nil
		})
		if err != nil {
			return fmt.Errorf("follower csv: update: %w", err)
		}
	}
	csvStep("update")
	if len(people) == 0 {
		return nil
	}
	// The memberships added are the rows the inserts change (a
	// membership the follower already has is left as it is).
	var before, after int64
	if err := tx.QueryRow(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
		return err
	}
	for t, ps := range people {
		head := `INSERT INTO tag_members (account_id, tag_id, person_id, created_at) SELECT ` + strconv.FormatInt(im.accountID, 10) + `, ` +
			strconv.FormatInt(l.tagIDs[t], 10) + `, column1, ` + strconv.FormatInt(im.now, 10) + ` FROM (VALUES `
		k := 0
		_, err := tx.ExecRows(ctx, 1, csvBatchRows, func(values string) string { return head + values + `) WHERE true ON CONFLICT DO NOTHING` }, nil,
			func(args []any) ([]any, bool, error) {
				if k == len(ps) {
					return args, false, nil
				}
				k++
				return append(args, ps[k-1]), true, nil
			})
		if err != nil {
			return fmt.Errorf("follower csv: tags: %w", err)
		}
	}
	if err := tx.QueryRow(ctx, `SELECT total_changes()`).Scan(&after); err != nil {
		return err
	}
	im.tagsAdded = after - before
	// One writer: the counts of the tags the file names are recounted
	// from their members (an index range each).
	for _, tid := range l.tagIDs {
		if _, err := tx.Exec(ctx, `UPDATE tags SET follower_count = (SELECT COUNT(*) FROM tag_members m WHERE m.account_id = tags.account_id AND m.tag_id = tags.id)
			WHERE account_id = ? AND id = ?`, im.accountID, tid); err != nil {
			return err
		}
	}
	return nil
}
