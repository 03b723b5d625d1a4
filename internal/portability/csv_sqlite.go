package portability

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/db"
)

// SQLite's follower CSV import keeps no staging table. Each line is looked
// up as the file streams (one statement of csvBatchRows lines: the
// follow's rowid and person for each openid), and what the changes need of
// it stays in memory, about 32 bytes a line plus its remark (liteLines);
// the changes bind it again, a statement of csvBatchRows lines at a time,
// as soon as the batch is looked up (stageSQLite), and the checks that
// need the whole file are made on that memory at the end. A temporary table in SQLite was memory
// too (temp_store is MEMORY), and writing and reading it back cost about
// as much CPU as the look-up itself.

// liteLine is what SQLite's import keeps of a line between its look-up and
// the changes.
type liteLine struct {
	frow      int64 // the follow's rowid; 0 when the openid is not a follower of this account
	person    int64 // the follower's person id
	remarkEnd int64 // the end of the line's remark in liteLines.remarks (it starts at the previous line's end)
	tag       int32 // the line's first tag, an index into liteLines.tagIDs; -1 for none
	blocked   bool  // the line's blacklist flag
	was       bool  // the follow's blacklist flag before the import (the look-up's)
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
	members []int64         // by tag index: its members when the import began (countMembers); nil when not counted
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

// liteBatch is a batch of lines looked up, as the look-up hands it to the
// writer: windows on liteLines that the look-up no longer writes (it only
// appends after them), so the writer reads them while the next batch is
// read and looked up.
type liteBatch struct {
	lines   []liteLine // the batch's lines
	remarks []byte     // their remarks: lines[i]'s ends at lines[i].remarkEnd-remBase
	remBase int64      // where the batch's remarks start in liteLines.remarks
	extra   []liteTag  // the further tags of its lines
	tagIDs  []int64    // the tags named up to the batch's end (liteLines.tagIDs)
	lo      int        // the position of lines[0] in the file's sound lines
	clean   bool       // no fault in the file up to the batch's end
}

// lookSQLite reads the file, keeping each sound line in im.lite, and looks
// the lines up csvBatchRows at a time on tx: each openid's follow in this
// account (rowid and person). An openid that is not a follower of this
// account (another account's follower included) is a fault, recorded here.
// Each batch looked up goes to emit.
func (im *csvImport) lookSQLite(ctx context.Context, tx *db.Tx, emit func(liteBatch) error) error {
	n := max(1, csvBatchRows)
	build := func(rows int) string {
		return `SELECT v.column1, COALESCE(f.rowid, 0), COALESCE(f.person_id, 0), COALESCE(f.blocked, FALSE) FROM (VALUES ` +
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
	l := &im.lite
	var remBase int64
	extraLo := 0
	flush := func() error {
		k := len(openids)
		if k == 0 {
			return nil
		}
		base := len(l.lines) - k
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
			var was bool
			if err := rows.Scan(&i, &frow, &person, &was); err != nil {
				return err
			}
			if i < 0 || i >= k {
				return fmt.Errorf("follower csv: look-up: row %d of %d", i, k)
			}
			found++
			ln := &l.lines[base+i]
			ln.frow, ln.person, ln.was = frow, person, was
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
		if err := rows.Close(); err != nil {
			return fmt.Errorf("follower csv: look-up: %w", err)
		}
		clear(args)
		args = args[:0]
		clear(openids)
		openids, lines = openids[:0], lines[:0]
		end := l.lines[len(l.lines)-1].remarkEnd
		b := liteBatch{lo: base, lines: l.lines[base:len(l.lines):len(l.lines)], remarks: l.remarks[remBase:end:end], remBase: remBase,
			extra: l.extra[extraLo:len(l.extra):len(l.extra)], tagIDs: l.tagIDs[:len(l.tagIDs):len(l.tagIDs)], clean: im.rep.OK()}
		remBase, extraLo = end, len(l.extra)
		return emit(b)
	}
	for {
		row, err := im.next()
		if err != nil {
			return err
		}
		if row == nil {
			break
		}
		l.add(row)
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

// stageSQLite reads and looks up the file (lookSQLite) and, unless it is a
// dry run, makes the changes of each batch as soon as it is looked up
// (liteWriter), until a fault turns up: a file with a fault is refused and
// its transaction rolled back, so what was written before the fault is
// undone. The look-up runs on its own goroutine and a reader connection,
// in a snapshot taken after tx began (tx holds SQLite's write lock, so
// nothing is committed in between): it sees the rows tx started from, and
// what tx writes meanwhile (remarks, blacklist flags, tag memberships, tag
// counts) is nothing the look-up reads (a follow's openid, account, rowid
// and person), so its answers are those tx itself would give; the tags'
// member counts it takes at the end (countMembers) are wanted as tx found
// them. So the
// writer applies batch N while batch N+1 is parsed and looked up, on the
// second core. In-memory SQLite, whose readers share the writer's cache,
// looks up on tx itself, a batch and then its changes.
func (im *csvImport) stageSQLite(ctx context.Context, tx *db.Tx, dryRun bool) error {
	w, err := im.newLiteWriter(ctx, tx, dryRun)
	if err != nil {
		return err
	}
	im.writer = w
	if !im.d.SnapshotsCommitted() {
		return im.lookSQLite(ctx, tx, w.batch)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A batch handed over is a few words (its lines are in im.lite
	// already), so the look-up may run far ahead of the writer rather
	// than wait for it: on a busy machine the two goroutines then need
	// not be scheduled at the same time.
	batches := make(chan liteBatch, 1024)
	looked := make(chan error, 1)
	count := !dryRun && w.tags // set before the goroutine starts; the writer changes neither
	go func() {
		defer close(batches)
		csvLook(func() {
			looked <- im.d.Snapshot(rctx, func(rtx *db.Tx) error {
				err := im.lookSQLite(rctx, rtx, func(b liteBatch) error {
					select {
					case batches <- b:
						return nil
					case <-rctx.Done():
						return rctx.Err()
					}
				})
				if err != nil || !count || !im.rep.OK() {
					return err
				}
				return im.countMembers(rctx, rtx)
			})
		})
	}()
	var werr error
	for b := range batches {
		if werr == nil {
			if werr = w.batch(b); werr != nil {
				cancel() // the look-up stops at its next batch
			}
		}
	}
	if err := <-looked; werr == nil {
		werr = err
	}
	return werr
}

// countMembers counts, in the look-up's snapshot, the members each tag the
// file names had when the import's transaction began (l.members, by tag
// index), once the last batch has been handed to the writer: the tags'
// follower counts are then those plus the memberships the writer adds
// (liteWriter.added), set at the end without counting the tags' members
// again on the writer, where the count would be the last thing the import
// waits for. The transaction holds the write lock and removes no
// membership, so the sum is the count it would make itself.
func (im *csvImport) countMembers(ctx context.Context, rtx *db.Tx) error {
	l := &im.lite
	l.members = make([]int64, len(l.tagIDs))
	for t, tid := range l.tagIDs {
		if err := rtx.QueryRow(ctx, `SELECT COUNT(*) FROM tag_members WHERE account_id = ? AND tag_id = ?`, im.accountID, tid).Scan(&l.members[t]); err != nil {
			return fmt.Errorf("follower csv: tags: %w", err)
		}
	}
	return nil
}

// csvLook runs the look-up goroutine's work (benchmarks time its thread).
var csvLook = func(look func()) { look() }

// liteWriter makes the changes of SQLite's import batch by batch, as the
// batches are looked up: the remarks and blacklist flags by rowid (only the
// follows they change are rewritten) and, when the account has at most 20
// tags (so no follower can pass the limit, whose check reads the
// memberships as they were), the tag memberships, collected tag by tag and
// inserted csvBatchRows at a time in ascending order of person. It stops
// at the first fault (the import is then refused) and never writes on a
// dry run.
//
// A line's update sets the blacklist flag only when the line changes it
// (the look-up read the flag as the import found it): an update that sets
// blocked makes SQLite maintain follows_blacklist_newest, whose WHERE
// names that column, for each row it rewrites, where one that sets the
// remark alone touches no index of follows. So the lines go to two
// updates, each run csvBatchRows lines at a time: those that change the
// flag (remark and flag), and the others (remark alone; none at all when
// the file has no remark column). The lines that change the flag are
// written whenever the others fill a statement, however few they are: a
// flag change then rewrites its follow while the remarks' update has just
// brought that page into the writer's page cache. Kept to the end, the
// few flag changes of a long file (the blacklist is rare) would read their
// pages back from the WAL, where the cache had spilled them, and write
// them again, and the commit would recompute the WAL's checksums from the
// first page written twice to its end (about a tenth of a second a
// million lines).
type liteWriter struct {
	ctx     context.Context
	im      *csvImport
	tx      *db.Tx
	on      bool        // writing: not a dry run, and no fault so far
	tags    bool        // the memberships are written here too
	flagged *liteUpdate // the lines that change the blacklist flag (nil without the blacklisted column)
	plain   *liteUpdate // the other lines, remark alone (nil without the remark column)
	insert  *sql.Stmt   // the insert of csvBatchRows memberships (closed with the transaction)
	pending [][]int64   // by tag index: people to tag, not yet inserted
	added   []int64     // by tag index: the memberships inserted (not those the follower had)
	args    []any
}

// The writer's statements are OR FAIL: a statement that fails keeps what
// it changed before the failure instead of undoing it, which spares SQLite
// the statement journal (a copy of each page a statement changes first,
// kept to undo that statement alone). Nothing needs it here: any error
// ends the import and rolls its whole transaction back.

// liteUpdate is one of the writer's updates: its lines waiting (their
// values bound in order), csvBatchRows of them a statement. A statement of
// fewer lines (flushed early, or the last) is one of a few prepared sizes,
// the next power of two, its rows past the lines bound to NULL: a NULL
// rowid matches no follow.
type liteUpdate struct {
	ncols   int // values a line: the rowid, then the columns set
	sets    string
	changed string
	stmts   map[int]*sql.Stmt // by lines a statement (closed with the transaction)
	args    []any
	n       int // lines waiting
}

func newLiteUpdate(remark, blocked bool) *liteUpdate {
	u := &liteUpdate{ncols: 1}
	var sets, changed []string
	if remark {
		u.ncols++
		sets = append(sets, "remark = v.column"+strconv.Itoa(u.ncols))
		changed = append(changed, "follows.remark <> v.column"+strconv.Itoa(u.ncols))
	}
	if blocked {
		u.ncols++
		sets = append(sets, "blocked = v.column"+strconv.Itoa(u.ncols))
		changed = append(changed, "follows.blocked <> v.column"+strconv.Itoa(u.ncols))
	}
	u.sets, u.changed = strings.Join(sets, ", "), strings.Join(changed, " OR ")
	u.args = make([]any, 0, u.ncols*csvBatchRows)
	u.stmts = map[int]*sql.Stmt{}
	return u
}

func (u *liteUpdate) sql(rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", u.ncols), ",") + "),"
	return `UPDATE OR FAIL follows SET ` + u.sets + ` FROM (VALUES ` + strings.TrimSuffix(strings.Repeat(row, rows), ",") +
		`) v WHERE follows.rowid = v.column1 AND (` + u.changed + `)`
}

// flush updates the lines waiting.
func (u *liteUpdate) flush(ctx context.Context, tx *db.Tx) error {
	if u.n == 0 {
		return nil
	}
	rows := u.n
	if rows < csvBatchRows {
		rows = min(1<<bits.Len(uint(rows-1)), csvBatchRows)
	}
	for range (rows - u.n) * u.ncols {
		u.args = append(u.args, nil)
	}
	stmt := u.stmts[rows]
	var err error
	if stmt == nil {
		if stmt, err = tx.Prepare(ctx, u.sql(rows)); err != nil {
			return fmt.Errorf("follower csv: update: %w", err)
		}
		u.stmts[rows] = stmt
	}
	_, err = stmt.ExecContext(ctx, u.args...)
	clear(u.args)
	u.args, u.n = u.args[:0], 0
	if err != nil {
		return fmt.Errorf("follower csv: update: %w", err)
	}
	return nil
}

func (im *csvImport) newLiteWriter(ctx context.Context, tx *db.Tx, dryRun bool) (*liteWriter, error) {
	w := &liteWriter{ctx: ctx, im: im, tx: tx, on: !dryRun}
	if dryRun {
		return w, nil
	}
	if im.hasBlocked {
		w.flagged = newLiteUpdate(im.hasRemark, true)
	}
	if im.hasRemark {
		w.plain = newLiteUpdate(true, false)
	}
	if im.hasTags {
		n, err := im.accountTags(ctx, tx)
		if err != nil {
			return nil, err
		}
		w.tags = n <= maxFollowerTags
	}
	w.args = make([]any, 0, csvBatchRows+1)
	return w, nil
}

func (w *liteWriter) insertSQL(rows int) string {
	return `INSERT OR FAIL INTO tag_members (account_id, tag_id, person_id, created_at) SELECT ` + strconv.FormatInt(w.im.accountID, 10) + `, ?, column1, ` +
		strconv.FormatInt(w.im.now, 10) + ` FROM (VALUES ` + strings.TrimSuffix(strings.Repeat("(?),", rows), ",") + `) WHERE true ON CONFLICT DO NOTHING`
}

// batch makes the changes of one batch looked up.
func (w *liteWriter) batch(b liteBatch) error {
	if !w.on {
		return nil
	}
	if !b.clean {
		w.on = false // refused: the transaction is rolled back
		return nil
	}
	ctx := w.ctx
	start := int64(0)
	for i := range b.lines {
		ln := &b.lines[i]
		end := ln.remarkEnd - b.remBase
		u := w.plain
		if w.flagged != nil && ln.blocked != ln.was {
			u = w.flagged
		}
		if u != nil {
			u.args = append(u.args, ln.frow)
			if w.im.hasRemark {
				u.args = append(u.args, string(b.remarks[start:end]))
			}
			if u == w.flagged {
				u.args = append(u.args, ln.blocked)
			}
			if u.n++; u.n == csvBatchRows {
				if err := u.flush(ctx, w.tx); err != nil {
					return err
				}
				// The flag changes waiting go with the remarks around
				// them (see liteWriter).
				if u == w.plain && w.flagged != nil {
					if err := w.flagged.flush(ctx, w.tx); err != nil {
						return err
					}
				}
			}
		}
		start = end
	}
	if !w.tags {
		return nil
	}
	for len(w.pending) < len(b.tagIDs) {
		w.pending = append(w.pending, make([]int64, 0, csvBatchRows))
	}
	add := func(t int32, person int64) error {
		w.pending[t] = append(w.pending[t], person)
		if len(w.pending[t]) == csvBatchRows {
			return w.insert1(ctx, b.tagIDs[t], t)
		}
		return nil
	}
	for i := range b.lines {
		if t := b.lines[i].tag; t >= 0 {
			if err := add(t, b.lines[i].person); err != nil {
				return err
			}
		}
	}
	for _, e := range b.extra {
		if err := add(e.tag, b.lines[e.pos-b.lo].person); err != nil {
			return err
		}
	}
	return nil
}

// insert1 inserts the people waiting for tag index t (of tag id tag), in
// ascending order, and counts the memberships added (not those the
// follower already had).
func (w *liteWriter) insert1(ctx context.Context, tag int64, t int32) error {
	ps := w.pending[t]
	if len(ps) == 0 {
		return nil
	}
	if !slices.IsSorted(ps) {
		slices.Sort(ps)
	}
	args := append(w.args[:0], tag)
	for _, p := range ps {
		args = append(args, p)
	}
	var res sql.Result
	var err error
	if len(ps) == csvBatchRows {
		if w.insert == nil {
			if w.insert, err = w.tx.Prepare(ctx, w.insertSQL(csvBatchRows)); err != nil {
				return fmt.Errorf("follower csv: tags: %w", err)
			}
		}
		res, err = w.insert.ExecContext(ctx, args...)
	} else {
		res, err = w.tx.Exec(ctx, w.insertSQL(len(ps)), args...)
	}
	clear(args)
	w.pending[t] = ps[:0]
	if err != nil {
		return fmt.Errorf("follower csv: tags: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("follower csv: tags: %w", err)
	}
	w.im.tagsAdded += n
	for int(t) >= len(w.added) {
		w.added = append(w.added, 0)
	}
	w.added[t] += n
	return nil
}

// flushUpdates updates the lines still waiting.
func (w *liteWriter) flushUpdates(ctx context.Context) error {
	for _, u := range []*liteUpdate{w.flagged, w.plain} {
		if u != nil {
			if err := u.flush(ctx, w.tx); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish inserts the memberships still waiting (all of them when the
// account has more than 20 tags: the tag limit has been checked by now).
func (w *liteWriter) finish(ctx context.Context) error {
	if w.tags {
		for t := range w.pending {
			if err := w.insert1(ctx, w.im.lite.tagIDs[t], int32(t)); err != nil {
				return err
			}
		}
	}
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

// applySQLite finishes SQLite's changes: the remarks and blacklist flags
// are set by now (liteWriter, as the file was looked up), and so are the
// tag memberships when the account has at most 20 tags but for the last
// few of each tag; otherwise they are added here, tag by tag in the order
// of tag_members' key. A dry run only counts the tags it would add.
func (im *csvImport) applySQLite(ctx context.Context, tx *db.Tx, dryRun bool) error {
	l := &im.lite
	w := im.writer
	if !dryRun && (w == nil || !w.on) { // a fault stops the writer, and a file with one is refused
		return errors.New("follower csv: the changes were not made as the file was read")
	}
	if !dryRun {
		if err := w.flushUpdates(ctx); err != nil {
			return err
		}
	}
	if !dryRun && w.tags {
		if err := w.finish(ctx); err != nil {
			return err
		}
		if l.members != nil {
			return im.setTagCounts(ctx, tx, w.added)
		}
		return im.recountTags(ctx, tx)
	}
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
	im.tagsAdded += after - before
	return im.recountTags(ctx, tx)
}

// setTagCounts sets the follower counts of the tags the file names to
// their members when the import began (counted in the look-up's snapshot)
// plus the memberships added, by tag index.
func (im *csvImport) setTagCounts(ctx context.Context, tx *db.Tx, added []int64) error {
	l := &im.lite
	for t, tid := range l.tagIDs {
		n := l.members[t]
		if t < len(added) {
			n += added[t]
		}
		if _, err := tx.Exec(ctx, `UPDATE tags SET follower_count = ? WHERE account_id = ? AND id = ?`, n, im.accountID, tid); err != nil {
			return err
		}
	}
	return nil
}

// recountTags sets the follower counts of the tags the file names from
// their members (one writer: an index range each).
func (im *csvImport) recountTags(ctx context.Context, tx *db.Tx) error {
	if im.maxTags == 0 {
		return nil
	}
	for _, tid := range im.lite.tagIDs {
		if _, err := tx.Exec(ctx, `UPDATE tags SET follower_count = (SELECT COUNT(*) FROM tag_members m WHERE m.account_id = tags.account_id AND m.tag_id = tags.id)
			WHERE account_id = ? AND id = ?`, im.accountID, tid); err != nil {
			return err
		}
	}
	return nil
}
