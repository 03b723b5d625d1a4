package portability

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/csvsafe"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/follow"
)

// The follower CSV: one header line, then one follower per line. Export
// writes every column; import reads openid and any of remark, blacklisted
// and tags, and ignores the export-only columns, so an exported file edited
// in a spreadsheet imports back.
var csvExportHeader = []string{"openid", "nickname", "remark", "tags", "blacklisted", "following", "source", "subscribed_at"}

var csvImportColumns = map[string]bool{"openid": true, "remark": true, "blacklisted": true, "tags": true}

// MaxCSVErrors is how many errors a follower CSV report lists.
const MaxCSVErrors = 100

// CSVError is a fault in a follower CSV.
type CSVError struct {
	Line int64  `json:"line"`
	Msg  string `json:"message"`
}

// CSVReport is what a follower CSV import did, or on a dry run would do.
type CSVReport struct {
	DryRun      bool
	Rows        int64 // data lines read
	Updated     int64 // followers whose remark or blacklist flag the file sets (0 when refused)
	TagsAdded   int64 // tag memberships added
	Errors      []CSVError
	ErrorsTotal int64
	Took        time.Duration
}

// OK reports whether the file had no errors.
func (r *CSVReport) OK() bool { return r.ErrorsTotal == 0 }

func (r *CSVReport) fault(line int64, format string, args ...any) {
	r.ErrorsTotal++
	if len(r.Errors) < MaxCSVErrors {
		r.Errors = append(r.Errors, CSVError{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "y":
		return true, true
	case "false", "0", "no", "n", "":
		return false, true
	}
	return false, false
}

// ImportFollowerCSV reads a follower CSV for the account. Every line is
// checked (the openid must be a follower of this account, once in the file;
// a remark at most 30 characters; tags that exist, at most 20 a follower);
// a file with any error changes nothing and the report lists the errors
// with their lines. Otherwise the remarks and blacklist flags are set and
// the tags added in one transaction. dryRun checks and counts without
// changing anything.
func ImportFollowerCSV(ctx context.Context, d *db.DB, accountID int64, r io.Reader, dryRun bool) (*CSVReport, error) {
	start := time.Now()
	rep := &CSVReport{DryRun: dryRun}
	tags, err := tagsByName(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		rep.fault(1, "the file has no header line: %v", err)
		return rep, nil
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := csvImportColumns[h]
		for _, e := range csvExportHeader {
			known = known || e == h
		}
		if !known {
			rep.fault(1, "unknown column %q (use openid, remark, blacklisted, tags)", h)
		}
		if _, dup := col[h]; dup {
			rep.fault(1, "column %q appears twice", h)
		}
		col[h] = i
	}
	if _, ok := col["openid"]; !ok {
		rep.fault(1, "the header has no openid column")
	}
	if !rep.OK() {
		return rep, nil
	}
	_, hasRemark := col["remark"]
	_, hasBlocked := col["blacklisted"]
	_, hasTags := col["tags"]
	ap := newCSVApplier(d.Dialect(), accountID, hasRemark, hasBlocked, hasTags, rep)
	var line int64 = 1
	err = d.Tx(ctx, func(tx *db.Tx) error {
		batch := make([]csvRow, 0, ap.batch)
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			line++
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					rep.fault(int64(pe.Line), "%v", pe.Err)
					if pe.Err == csv.ErrFieldCount {
						continue
					}
					return errRefused // the rest of the file cannot be read
				}
				return err
			}
			rep.Rows++
			row, ok := parseCSVRow(rep, line, rec, col, tags, hasRemark, hasBlocked, hasTags)
			if !ok {
				continue
			}
			batch = append(batch, row)
			if len(batch) == ap.batch {
				if err := ap.apply(ctx, tx, batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		if err := ap.apply(ctx, tx, batch); err != nil {
			return err
		}
		if err := ap.finish(ctx, tx); err != nil {
			return err
		}
		if !rep.OK() {
			return errRefused
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) || errors.Is(err, errRefused) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	rep.Updated, rep.TagsAdded = ap.updated, ap.tagsAdded
	if !rep.OK() {
		rep.Updated, rep.TagsAdded = 0, 0
		slices.SortStableFunc(rep.Errors, func(x, y CSVError) int { return cmp.Compare(x.Line, y.Line) })
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// csvRow is one checked line of a follower CSV.
type csvRow struct {
	line    int64
	openid  string
	remark  string
	blocked bool
	tags    []int64
}

// parseCSVRow checks one line on its own (the checks against the database
// come when its batch is applied).
func parseCSVRow(rep *CSVReport, line int64, rec []string, col map[string]int, tags map[string]int64, hasRemark, hasBlocked, hasTags bool) (csvRow, bool) {
	row := csvRow{line: line, openid: strings.TrimSpace(rec[col["openid"]])}
	if row.openid == "" {
		rep.fault(line, "openid is empty")
		return row, false
	}
	if hasRemark {
		remark := strings.TrimSpace(rec[col["remark"]])
		if len(remark) > 1 && remark[0] == '\'' && strings.ContainsRune("=+-@", rune(remark[1])) {
			remark = remark[1:] // written by csvsafe.Cell
		}
		if utf8.RuneCountInString(remark) > follow.MaxRemarkRunes {
			rep.fault(line, "remark has more than %d characters", follow.MaxRemarkRunes)
			return row, false
		}
		row.remark = remark
	}
	if hasBlocked {
		var ok bool
		if row.blocked, ok = parseBool(rec[col["blacklisted"]]); !ok {
			rep.fault(line, "blacklisted must be true or false, not %q", rec[col["blacklisted"]])
			return row, false
		}
	}
	if hasTags && strings.TrimSpace(rec[col["tags"]]) != "" {
		for _, name := range strings.Split(rec[col["tags"]], ";") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			tid, ok := tags[strings.ToLower(name)]
			if !ok {
				rep.fault(line, "no tag named %q (create it first)", name)
				return row, false
			}
			if !slices.Contains(row.tags, tid) {
				row.tags = append(row.tags, tid)
			}
		}
		if len(row.tags) > maxFollowerTags {
			rep.fault(line, "a follower has at most %d tags", maxFollowerTags)
			return row, false
		}
	}
	return row, true
}

const maxFollowerTags = 20

// csvApplier writes a follower CSV a batch of lines at a time inside the
// import's transaction: one statement sets the remarks and blacklist flags of
// the batch's followers and returns which openids matched (with the number
// of tags each has), one statement adds the batch's tags. Lines whose openid
// matched no follower, or matched one an earlier line named, are faults; a
// file with any fault is rolled back whole.
type csvApplier struct {
	dialect                        db.Dialect
	accountID                      int64
	hasRemark, hasBlocked, hasTags bool
	rep                            *CSVReport
	batch                          int

	seen      map[int64]int64 // person id -> line that named them
	suspects  map[int64]int64 // person id -> line, when their tags may pass 20
	tagAdds   map[int64]int64 // tag id -> memberships added
	updated   int64
	tagsAdded int64
	now       int64

	// per batch, reused
	matched  map[string]matchedFollower
	tagPairs []int64
	stmts    map[string]*sql.Stmt
}

// csvBatchRows is how many lines go to SQLite in one statement (ten times
// as many to PostgreSQL); tests make it small to cross batch boundaries.
var csvBatchRows = 2000

const tagPairsPerStmt = 8000

// query runs q in the transaction, prepared once for the whole import.
func (a *csvApplier) query(ctx context.Context, tx *db.Tx, q string, args ...any) (*sql.Rows, error) {
	st, ok := a.stmts[q]
	if !ok {
		var err error
		if st, err = tx.Prepare(ctx, q); err != nil {
			return nil, err
		}
		a.stmts[q] = st
	}
	return st.QueryContext(ctx, args...)
}

type matchedFollower struct {
	personID int64
	tags     int64
}

func newCSVApplier(dialect db.Dialect, accountID int64, hasRemark, hasBlocked, hasTags bool, rep *CSVReport) *csvApplier {
	a := &csvApplier{dialect: dialect, accountID: accountID, hasRemark: hasRemark, hasBlocked: hasBlocked, hasTags: hasTags, rep: rep,
		seen: map[int64]int64{}, stmts: map[string]*sql.Stmt{}, suspects: map[int64]int64{}, tagAdds: map[int64]int64{}, matched: map[string]matchedFollower{},
		now: time.Now().UnixMicro()}
	// SQLite binds at most 32,766 values a statement; PostgreSQL takes each
	// column of a batch as one array.
	a.batch = csvBatchRows
	if dialect == db.Postgres {
		a.batch = 10 * csvBatchRows
	}
	return a
}

// matchSQL is the statement that resolves a batch's openids to followers of
// the account (setting their remark and blacklist flag if the file has those
// columns) and returns openid, person id and the follower's tag count.
func (a *csvApplier) matchSQL(rows int) string {
	tagCount := "0"
	if a.hasTags {
		tagCount = "(SELECT COUNT(*) FROM tag_members m WHERE m.account_id = f.account_id AND m.person_id = f.person_id)"
	}
	var sets []string
	if a.dialect == db.Postgres {
		if a.hasRemark {
			sets = append(sets, "remark = v.remark")
		}
		if a.hasBlocked {
			sets = append(sets, "blocked = v.blocked")
		}
		src := "unnest(?::text[], ?::text[], ?::boolean[]) AS v(openid, remark, blocked)"
		if len(sets) == 0 {
			return "SELECT f.openid, f.person_id, " + tagCount + " FROM follows f JOIN " + src + " ON f.openid = v.openid WHERE f.account_id = ?"
		}
		return "UPDATE follows AS f SET " + strings.Join(sets, ", ") + " FROM " + src +
			" WHERE f.account_id = ? AND f.openid = v.openid RETURNING f.openid, f.person_id, " + tagCount
	}
	values := "(VALUES " + strings.TrimSuffix(strings.Repeat("(?,?,?),", rows), ",") + ")"
	if a.hasRemark {
		sets = append(sets, "remark = v.column2")
	}
	if a.hasBlocked {
		sets = append(sets, "blocked = v.column3")
	}
	if len(sets) == 0 {
		return "SELECT f.openid, f.person_id, " + tagCount + " FROM " + values + " AS v JOIN follows f ON f.openid = v.column1 WHERE f.account_id = ?"
	}
	// SQLite's RETURNING takes the updated table's columns unqualified.
	if a.hasTags {
		tagCount = "(SELECT COUNT(*) FROM tag_members m WHERE m.account_id = follows.account_id AND m.person_id = follows.person_id)"
	}
	return "UPDATE follows SET " + strings.Join(sets, ", ") + " FROM " + values +
		" AS v WHERE follows.account_id = ? AND follows.openid = v.column1 RETURNING openid, person_id, " + tagCount
}

func (a *csvApplier) tagSQL(pairs int) string {
	head := "INSERT INTO tag_members (account_id, tag_id, person_id, created_at) "
	tail := " ON CONFLICT DO NOTHING RETURNING tag_id"
	acct, now := strconv.FormatInt(a.accountID, 10), strconv.FormatInt(a.now, 10)
	if a.dialect == db.Postgres {
		return head + "SELECT " + acct + ", t, p, " + now + " FROM unnest(?::bigint[], ?::bigint[]) AS x(t, p)" + tail
	}
	return head + "VALUES " + strings.TrimSuffix(strings.Repeat("("+acct+",?,?,"+now+"),", pairs), ",") + tail
}

func (a *csvApplier) apply(ctx context.Context, tx *db.Tx, batch []csvRow) error {
	if len(batch) == 0 {
		return nil
	}
	var args []any
	if a.dialect == db.Postgres {
		openids, remarks, blocked := make([]string, len(batch)), make([]string, len(batch)), make([]bool, len(batch))
		for i, r := range batch {
			openids[i], remarks[i], blocked[i] = r.openid, r.remark, r.blocked
		}
		args = []any{openids, remarks, blocked, a.accountID}
	} else {
		args = make([]any, 0, 3*len(batch)+1)
		for _, r := range batch {
			args = append(args, r.openid, r.remark, r.blocked)
		}
		args = append(args, a.accountID)
	}
	clear(a.matched)
	rows, err := a.query(ctx, tx, a.matchSQL(len(batch)), args...)
	if err != nil {
		return fmt.Errorf("follower csv: match: %w", err)
	}
	for rows.Next() {
		var openid string
		var m matchedFollower
		if err := rows.Scan(&openid, &m.personID, &m.tags); err != nil {
			rows.Close()
			return err
		}
		a.matched[openid] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("follower csv: match: %w", err)
	}
	for _, r := range batch {
		m, ok := a.matched[r.openid]
		if !ok {
			a.rep.fault(r.line, "openid %q is not a follower of this account", r.openid)
			continue
		}
		if first, dup := a.seen[m.personID]; dup {
			a.rep.fault(r.line, "openid %q appears on line %d too", r.openid, first)
			continue
		}
		a.seen[m.personID] = r.line
		a.updated++
		if len(r.tags) > 0 && m.tags+int64(len(r.tags)) > maxFollowerTags {
			a.suspects[m.personID] = r.line
		}
		for _, t := range r.tags {
			a.tagPairs = append(a.tagPairs, t, m.personID)
		}
	}
	if !a.rep.OK() {
		return nil // the file is refused; what is left is only checked
	}
	return a.addTags(ctx, tx, false)
}

// addTags inserts the pending tag memberships in statements of
// tagPairsPerStmt, keeping a remainder for the next batch unless all.
func (a *csvApplier) addTags(ctx context.Context, tx *db.Tx, all bool) error {
	for len(a.tagPairs) >= 2*tagPairsPerStmt || (all && len(a.tagPairs) > 0) {
		n := min(len(a.tagPairs)/2, tagPairsPerStmt)
		chunk := a.tagPairs[:2*n]
		var args []any
		if a.dialect == db.Postgres {
			tids, pids := make([]int64, n), make([]int64, n)
			for i := range n {
				tids[i], pids[i] = chunk[2*i], chunk[2*i+1]
			}
			args = []any{tids, pids}
		} else {
			args = make([]any, len(chunk))
			for i, v := range chunk {
				args[i] = v
			}
		}
		rows, err := a.query(ctx, tx, a.tagSQL(n), args...)
		if err != nil {
			return fmt.Errorf("follower csv: tags: %w", err)
		}
		for rows.Next() {
			var tid int64
			if err := rows.Scan(&tid); err != nil {
				rows.Close()
				return err
			}
			a.tagAdds[tid]++
			a.tagsAdded++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("follower csv: tags: %w", err)
		}
		a.tagPairs = append(a.tagPairs[:0], a.tagPairs[2*n:]...)
	}
	return nil
}

// finish checks the followers whose tags may now pass 20 and updates the
// tags' follower counts.
func (a *csvApplier) finish(ctx context.Context, tx *db.Tx) error {
	if !a.rep.OK() {
		return nil
	}
	if err := a.addTags(ctx, tx, true); err != nil {
		return err
	}
	for pid, line := range a.suspects {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM tag_members WHERE account_id = ? AND person_id = ?`, a.accountID, pid).Scan(&n); err != nil {
			return err
		}
		if n > maxFollowerTags {
			a.rep.fault(line, "the follower would have %d tags (at most %d)", n, maxFollowerTags)
		}
	}
	if !a.rep.OK() {
		return nil
	}
	for tid, n := range a.tagAdds {
		if _, err := tx.Exec(ctx, `UPDATE tags SET follower_count = follower_count + ? WHERE account_id = ? AND id = ?`, n, a.accountID, tid); err != nil {
			return err
		}
	}
	return nil
}

var errRefused = errors.New("follower csv refused")

var errDryRun = errors.New("dry run")

func tagsByName(ctx context.Context, d *db.DB, accountID int64) (map[string]int64, error) {
	rows, err := d.Query(ctx, `SELECT id, name FROM tags WHERE account_id = ?`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var tid int64
		var name string
		if err := rows.Scan(&tid, &name); err != nil {
			return nil, err
		}
		out[strings.ToLower(strings.TrimSpace(name))] = tid
	}
	return out, rows.Err()
}

// ExportFollowerCSV writes the account's followers (and former followers)
// as CSV, streaming: openid, nickname, remark, tags (names separated by ";"),
// blacklisted, following, source, subscribed_at (RFC 3339, UTC; empty for
// never). It returns the number of followers written.
func ExportFollowerCSV(ctx context.Context, d *db.DB, accountID int64, w io.Writer) (int64, error) {
	tagList := `(SELECT string_agg(t.name, ';' ORDER BY t.id) FROM tag_members m JOIN tags t ON t.account_id = m.account_id AND t.id = m.tag_id
		WHERE m.account_id = f.account_id AND m.person_id = f.person_id)`
	if d.Dialect() == db.SQLite {
		tagList = `(SELECT group_concat(name, ';') FROM (SELECT t.name FROM tag_members m JOIN tags t ON t.account_id = m.account_id AND t.id = m.tag_id
			WHERE m.account_id = f.account_id AND m.person_id = f.person_id ORDER BY t.id))`
	}
	rows, err := d.Query(ctx, `SELECT f.openid, p.display_name, f.remark, COALESCE(`+tagList+`, ''), f.blocked, f.following, f.source, f.subscribed_at
		FROM follows f JOIN people p ON p.id = f.person_id WHERE f.account_id = ? ORDER BY f.openid`, accountID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(csvExportHeader); err != nil {
		return 0, err
	}
	var n int64
	rec := make([]string, len(csvExportHeader))
	for rows.Next() {
		var openid, nick, remark, tags, source string
		var blocked, following bool
		var subAt int64
		if err := rows.Scan(&openid, &nick, &remark, &tags, &blocked, &following, &source, &subAt); err != nil {
			return n, err
		}
		rec[0], rec[1], rec[2], rec[3] = openid, csvsafe.Cell(nick), csvsafe.Cell(remark), tags
		rec[4], rec[5], rec[6] = strconv.FormatBool(blocked), strconv.FormatBool(following), source
		rec[7] = ""
		if subAt != 0 {
			rec[7] = time.UnixMicro(subAt).UTC().Format(time.RFC3339)
		}
		if err := cw.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}
