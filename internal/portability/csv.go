package portability

import (
	"bufio"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/csvsafe"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
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

// CSVError is a fault in a follower CSV: its line and what is wrong, in
// English (Msg) and as a text of the catalogue (domain.json) with its
// values, for a face to write in the reader's language (Phrase).
type CSVError struct {
	Line   int64  `json:"line"`
	Msg    string `json:"message"`
	Format string `json:"-"`
	Args   []any  `json:"-"`
}

// Phrase is what is wrong, for a face to write in the reader's language.
func (e CSVError) Phrase() errs.Phrase {
	if e.Format == "" {
		return errs.Phrase{Format: "%s", Args: []any{errs.Quote(e.Msg)}}
	}
	return errs.Phrase{Format: e.Format, Args: e.Args}
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
		f, a := faultText(format, args)
		r.Errors = append(r.Errors, CSVError{Line: line, Msg: fmt.Sprintf(format, args...), Format: f, Args: a})
	}
}

// csvFault is the fault of a CSV reader's error: a sentence for each
// error of the format, the reader's words otherwise.
func csvFault(err error) error {
	switch {
	case errors.Is(err, csv.ErrFieldCount):
		return faultf("the line does not have as many fields as the header")
	case errors.Is(err, csv.ErrBareQuote):
		return faultf(`a field that is not in quotes has a " in it (put the field in quotes and double the ")`)
	case errors.Is(err, csv.ErrQuote):
		return faultf(`a quoted field is not closed, or a " in it is not doubled`)
	}
	return err
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
//
// On PostgreSQL the file is parsed as it streams into a temporary table
// of the transaction (COPY); the checks against the database are then a
// few statements over the whole table, and so are the changes. On SQLite
// each batch of lines is looked up as the file streams and its changes
// are made at once, on a second goroutine (stageSQLite); a fault refuses
// the file and rolls them back.
func ImportFollowerCSV(ctx context.Context, d *db.DB, accountID int64, r io.Reader, dryRun bool) (_ *CSVReport, err error) {
	defer wrap(&err, "portability.ImportFollowerCSV(%d)", accountID)
	start := time.Now()
	rep := &CSVReport{DryRun: dryRun}
	// The size is read before the buffer below drains an in-memory reader;
	// a short file gets a buffer its size.
	size := sizeHint(r)
	hint := linesHint(size)
	bufSize := 1 << 20
	if size >= 0 && size < int64(bufSize) {
		bufSize = max(int(size), 16)
	}
	cr := csv.NewReader(bufio.NewReaderSize(r, bufSize))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			rep.fault(1, "the file is empty: it needs a header line")
		} else {
			rep.fault(1, "the file has no header line: %v", csvFault(err))
		}
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
	im := &csvImport{d: d, dialect: d.Dialect(), accountID: accountID, rep: rep, cr: cr, col: col,
		seed: maphash.MakeSeed(), now: time.Now().UnixMicro(),
		spelt: map[string]int64{}, tagBuf: make([]int64, 0, 4), dryRun: dryRun, nTags: -1}
	if im.dialect == db.SQLite {
		im.repeats = newRepeatSet(hint)
		im.lite.init(hint)
	} else {
		im.seen = make(map[uint64]int64, hint)
	}
	im.remarkCol, im.hasRemark = col["remark"]
	im.blockedCol, im.hasBlocked = col["blacklisted"]
	im.tagsCol, im.hasTags = col["tags"]
	// The tags are read in the transaction that adds their members, so
	// none of them can be deleted meanwhile (on SQLite, where it is the
	// only writer): the import checks its own references, and SQLite
	// enforces no foreign keys for it (BulkTxOwnKeys).
	err = d.BulkTxOwnKeys(ctx, func(tx *db.Tx) error {
		var err error
		if im.tags, err = tagsByName(ctx, tx, accountID); err != nil {
			return err
		}
		csvStep("begin")
		if err := im.stage(ctx, tx); err != nil {
			return err
		}
		csvStep("stage")
		if im.fatal {
			return errRefused // the rest of the file cannot be read
		}
		if err := im.check(ctx, tx); err != nil {
			return err
		}
		csvStep("check")
		if !rep.OK() {
			return errRefused
		}
		if err := im.apply(ctx, tx, dryRun); err != nil {
			return err
		}
		csvStep("apply")
		if dryRun {
			return errDryRun
		}
		return im.drop(ctx, tx)
	})
	if errors.Is(err, errDryRun) || errors.Is(err, errRefused) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	rep.Updated, rep.TagsAdded = im.staged, im.tagsAdded
	if !rep.OK() {
		rep.Updated, rep.TagsAdded = 0, 0
		slices.SortStableFunc(rep.Errors, func(x, y CSVError) int { return cmp.Compare(x.Line, y.Line) })
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// repeatSet finds the lines whose openid's hash an earlier line had
// without a map of every hash: a bit a hash (most lines find theirs clear,
// a look-up in a few megabytes that stay in the processor's cache, where a
// map of a million hashes is a cache miss a line) and the hashes in file
// order; only the hashes whose bit was already set are looked for in that
// list at the end.
type repeatSet struct {
	bits  []uint64
	shift uint
	log   []hashLine
	cands map[uint64]struct{}
}

type hashLine struct {
	h    uint64
	line int64
}

// newRepeatSet sizes the bits at about 8 a line (a line shares a bit with
// an earlier one about once in 8 at the end of the file).
func newRepeatSet(lines int) *repeatSet {
	nbits := 1 << 16
	for nbits < 8*lines && nbits < 1<<27 {
		nbits <<= 1
	}
	if lines == 0 {
		nbits = 1 << 24
	}
	return &repeatSet{bits: make([]uint64, nbits/64), shift: uint(64 - bits.TrailingZeros(uint(nbits))),
		log: make([]hashLine, 0, max(lines, 1024)), cands: map[uint64]struct{}{}}
}

func (s *repeatSet) add(h uint64, line int64) {
	i := h >> s.shift
	w, b := i/64, uint64(1)<<(i%64)
	if s.bits[w]&b != 0 {
		s.cands[h] = struct{}{}
	} else {
		s.bits[w] |= b
	}
	s.log = append(s.log, hashLine{h, line})
}

// pairs returns (position, earlier position) for each line whose hash an
// earlier line had, in file order, the earlier line being the first with
// it; a position counts the lines added (line(p) is its line).
func (s *repeatSet) pairs() []int {
	if len(s.cands) == 0 {
		return nil
	}
	var out []int
	first := make(map[uint64]int, len(s.cands))
	for p, e := range s.log {
		if _, ok := s.cands[e.h]; !ok {
			continue
		}
		if f, ok := first[e.h]; ok {
			out = append(out, p, f)
		} else {
			first[e.h] = p
		}
	}
	return out
}

// line is the line of the line added at position p.
func (s *repeatSet) line(p int) int64 { return s.log[p].line }

// sizeHint is r's size in bytes when it knows it (a file, bytes or a
// string), or -1.
func sizeHint(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case interface{ Size() int64 }:
		return v.Size()
	case interface{ Stat() (os.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return -1
}

// linesHint guesses how many lines a file of size bytes has (0 when the
// size is unknown), so that the set of openids seen is made its size once
// rather than grown step by step.
func linesHint(size int64) int {
	if size < 0 {
		return 0
	}
	return int(max(1, min(size/40, 2<<20)))
}

// csvRow is one checked line of a follower CSV.
type csvRow struct {
	line    int64
	openid  string
	remark  string
	blocked bool
	tags    []int64
	dupOf   int64 // an earlier line with the same openid's hash
}

// parse checks one line on its own (the checks against the database come
// once the file is staged). The row's tags are in im.tagBuf, valid until
// the next line.
func (im *csvImport) parse(line int64, rec []string) (csvRow, bool) {
	rep, col := im.rep, im.col
	row := csvRow{line: line, openid: strings.TrimSpace(rec[col["openid"]])}
	if row.openid == "" {
		rep.fault(line, "openid is empty")
		return row, false
	}
	if im.hasRemark {
		remark := strings.TrimSpace(rec[im.remarkCol])
		if len(remark) > 1 && remark[0] == '\'' && strings.ContainsRune("=+-@", rune(remark[1])) {
			remark = remark[1:] // written by csvsafe.Cell
		}
		if utf8.RuneCountInString(remark) > follow.MaxRemarkRunes {
			rep.fault(line, "remark has more than %d characters", follow.MaxRemarkRunes)
			return row, false
		}
		row.remark = remark
	}
	if im.hasBlocked {
		var ok bool
		if row.blocked, ok = parseBool(rec[im.blockedCol]); !ok {
			rep.fault(line, "blacklisted must be true or false, not %q", rec[im.blockedCol])
			return row, false
		}
	}
	row.tags = im.tagBuf[:0]
	if im.hasTags && strings.TrimSpace(rec[im.tagsCol]) != "" {
		for name := range strings.SplitSeq(rec[im.tagsCol], ";") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			tid, ok := im.tagID(name)
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
	im.tagBuf = row.tags
	return row, true
}

// tagID finds a tag by name, ignoring case. The names as the file spells
// them are remembered, so a line costs one map look-up a tag.
func (im *csvImport) tagID(name string) (int64, bool) {
	if tid, ok := im.spelt[name]; ok {
		return tid, true
	}
	tid, ok := im.tags[strings.ToLower(name)]
	if ok && len(im.spelt) < 10_000 {
		im.spelt[strings.Clone(name)] = tid
	}
	return tid, ok
}

const maxFollowerTags = 20

// csvBatchRows is how many lines SQLite's statements take at a time (the
// look-up, the update, the tag inserts); tests make it small to cross
// statement boundaries.
var csvBatchRows = 1000

// csvStep marks the end of a step of an import (tests time the steps).
var csvStep = func(string) {}

// csvImport is one follower CSV import. On PostgreSQL its lines are
// staged in the temporary table csv_in (line, openid, remark, blocked, the
// follower found for the openid, the tag ids as an array); on SQLite what
// the changes need of each line is kept in memory (see liteLine).
// Duplicate openids are found while parsing (by a 64-bit hash of the
// openid, confirmed against the follower each line found); the rest of the
// checks are queries over the staged file on PostgreSQL, and are made as
// the lines are looked up on SQLite.
type csvImport struct {
	d                              *db.DB
	dialect                        db.Dialect
	accountID                      int64
	rep                            *CSVReport
	cr                             *csv.Reader
	col                            map[string]int
	tags                           map[string]int64
	hasRemark, hasBlocked, hasTags bool
	now                            int64

	remarkCol, blockedCol, tagsCol int
	spelt                          map[string]int64 // tag names as the file spells them
	tagBuf                         []int64          // the tags of the line being read

	seed      maphash.Seed
	seen      map[uint64]int64 // PostgreSQL: hash of a staged openid -> its first line
	repeats   *repeatSet       // SQLite: the hashes of the staged openids
	dups      int64            // staged lines whose openid's hash an earlier line had
	dupPos    []int            // SQLite: (position, earlier position) of each such line (see repeatSet)
	lite      liteLines        // SQLite: what the changes need of each line
	maxTags   int              // the most tags a line lists
	fatal     bool             // a line that ends the reading of the file
	staged    int64
	tagsAdded int64
	dryRun    bool
	nTags     int64       // how many tags the account has; -1 until read (accountTags)
	writer    *liteWriter // SQLite: the changes made as the file is looked up
}

// next reads the file to its next sound line; nil at the end. Faults are
// recorded as they are found.
func (im *csvImport) next() (*csvRow, error) {
	for {
		rec, err := im.cr.Read()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				im.rep.fault(int64(pe.Line), "%v", csvFault(pe.Err))
				if pe.Err == csv.ErrFieldCount {
					continue
				}
				im.fatal = true
				return nil, nil
			}
			return nil, err
		}
		im.rep.Rows++
		line, _ := im.cr.FieldPos(0)
		row, ok := im.parse(int64(line), rec)
		if !ok {
			continue
		}
		h := maphash.String(im.seed, row.openid)
		if im.repeats != nil {
			im.repeats.add(h, row.line)
		} else if first, dup := im.seen[h]; dup {
			row.dupOf = first
			im.dups++
		} else {
			im.seen[h] = row.line
		}
		im.maxTags = max(im.maxTags, len(row.tags))
		im.staged++
		return &row, nil
	}
}

// stage reads the file and looks its lines up: into temporary tables on
// PostgreSQL, into memory on SQLite, where the changes are made as the
// lines are looked up (see stageSQLite).
func (im *csvImport) stage(ctx context.Context, tx *db.Tx) error {
	if im.dialect == db.Postgres {
		return im.stagePostgres(ctx, tx)
	}
	return im.stageSQLite(ctx, tx, im.dryRun)
}

// stagePostgres copies the file into csv_file, then looks every line up
// once: csv_in is the file joined to the account's follows, each line with
// its follower's person id (NULL for an openid that is not a follower of
// this account, so another account's follower is refused like a
// stranger). The checks and the changes then read csv_in alone, or join
// follows by its primary key, instead of searching follows by openid in
// each of their statements. Both tables go at the end of the transaction.
func (im *csvImport) stagePostgres(ctx context.Context, tx *db.Tx) error {
	// The import's joins hash a million rows at a time: with the default
	// working memory (4 MB) each spilled to disk in 8 to 16 batches. The
	// settings last until the end of the transaction.
	for _, q := range []string{`SET LOCAL work_mem = '64MB'`, `SET LOCAL jit = off`,
		`CREATE TEMP TABLE csv_file (line BIGINT NOT NULL, openid TEXT NOT NULL, remark TEXT NOT NULL,
			blocked BOOLEAN NOT NULL, tags BIGINT[] NOT NULL, dup_of BIGINT NOT NULL) ON COMMIT DROP`} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("follower csv: stage: %w", err)
		}
	}
	_, err := tx.CopyIn(ctx, "csv_file", []string{"line", "openid", "remark", "blocked", "tags", "dup_of"}, 0, func() ([]any, error) {
		row, err := im.next()
		if row == nil || err != nil {
			return nil, err
		}
		return []any{row.line, row.openid, row.remark, row.blocked, slices.Clone(row.tags), row.dupOf}, nil
	})
	if err != nil || im.fatal {
		return err
	}
	// A temporary table has no statistics until analysed; the planner
	// needs its size to join it well (a short file looks its lines up by
	// the openid index, a long one hashes the account's follows).
	for _, q := range []string{`ANALYZE csv_file`,
		`CREATE TEMP TABLE csv_in ON COMMIT DROP AS SELECT v.line, v.openid, v.remark, v.blocked, v.tags, v.dup_of, f.person_id
			FROM csv_file v LEFT JOIN follows f ON f.openid = v.openid AND f.account_id = ?`,
		`DROP TABLE csv_file`,
		`ANALYZE csv_in`} {
		var args []any
		if strings.Contains(q, "?") {
			args = []any{im.accountID}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("follower csv: stage: %w", err)
		}
	}
	return nil
}

// drop removes SQLite's staging tables (PostgreSQL drops its own at the
// end of the transaction).
func (im *csvImport) drop(ctx context.Context, tx *db.Tx) error {
	if im.dialect == db.Postgres {
		return nil
	}
	for _, q := range []string{`DROP TABLE IF EXISTS temp.csv_in`, `DROP TABLE IF EXISTS temp.csv_tags`, `DROP TABLE IF EXISTS temp.csv_dups`} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// faults runs q, whose rows are (line, message arguments...), and records a
// fault for each.
func (im *csvImport) faults(ctx context.Context, tx *db.Tx, q string, args []any, format func(line int64, vals []any) error, ncols int) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("follower csv: check: %w", err)
	}
	defer rows.Close()
	vals := make([]any, ncols)
	ptrs := make([]any, ncols+1)
	var line int64
	ptrs[0] = &line
	for i := range vals {
		ptrs[i+1] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		im.rep.fault(line, "%v", format(line, vals))
	}
	return rows.Err()
}

// check records the faults that need the database: openids that are not
// followers of the account, a follower named twice, tags past 20.
func (im *csvImport) check(ctx context.Context, tx *db.Tx) error {
	if im.staged == 0 {
		return nil
	}
	if im.dialect == db.SQLite {
		return im.checkSQLite(ctx, tx)
	}
	err := im.faults(ctx, tx, `SELECT line, openid FROM csv_in WHERE person_id IS NULL ORDER BY line`, nil,
		func(_ int64, vals []any) error {
			return faultf("openid %q is not a follower of this account", text(vals[0]))
		}, 1)
	if err != nil {
		return err
	}
	if im.dups > 0 {
		// Two lines name the same follower when they found the same
		// person (an account follows a person once).
		err := im.faults(ctx, tx, `SELECT v.line, v.openid, v.dup_of FROM csv_in v JOIN csv_in w ON w.line = v.dup_of AND w.person_id = v.person_id
			WHERE v.dup_of > 0 ORDER BY v.line`, nil,
			func(_ int64, vals []any) error {
				return faultf("openid %q appears on line %d too", text(vals[0]), vals[1])
			}, 2)
		if err != nil {
			return err
		}
	}
	// Only when a follower could pass 20 tags is each line counted.
	if could, err := im.couldPassTagLimit(ctx, tx); err != nil || !could {
		return err
	}
	newTags := `(SELECT COUNT(*) FROM unnest(v.tags) AS t(id) WHERE NOT EXISTS (SELECT 1 FROM tag_members m
		WHERE m.account_id = ? AND m.tag_id = t.id AND m.person_id = v.person_id))`
	return im.faults(ctx, tx, `SELECT line, n FROM (SELECT v.line AS line,
		(SELECT COUNT(*) FROM tag_members m WHERE m.account_id = ? AND m.person_id = v.person_id) + `+newTags+` AS n
		FROM csv_in v WHERE v.person_id IS NOT NULL AND cardinality(v.tags) > 0) x WHERE n > ? ORDER BY line`, []any{im.accountID, im.accountID, maxFollowerTags},
		func(_ int64, vals []any) error {
			return faultf("the follower would have %v tags (at most %d)", vals[0], maxFollowerTags)
		}, 1)
}

// couldPassTagLimit reports whether some follower could end the import
// with more than maxFollowerTags tags: the file names tags, the account
// has more than that many, and the most a follower has now plus the most a
// line names is over the limit. Only then are the lines' tags counted one
// by one.
func (im *csvImport) couldPassTagLimit(ctx context.Context, tx *db.Tx) (bool, error) {
	if im.maxTags == 0 {
		return false, nil
	}
	if n, err := im.accountTags(ctx, tx); err != nil || n <= maxFollowerTags {
		return false, err
	}
	var most int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM tag_members WHERE account_id = ? GROUP BY person_id) x`,
		im.accountID).Scan(&most); err != nil {
		return false, err
	}
	return most+int64(im.maxTags) > maxFollowerTags, nil
}

// accountTags is how many tags the account has, read once (in the
// import's transaction).
func (im *csvImport) accountTags(ctx context.Context, tx *db.Tx) (int64, error) {
	if im.nTags < 0 {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM tags WHERE account_id = ?`, im.accountID).Scan(&im.nTags); err != nil {
			return 0, err
		}
	}
	return im.nTags, nil
}

func text(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

// apply sets the remarks and blacklist flags and adds the tags (a dry run
// only counts the tags it would add), keeping the tags' follower counts.
func (im *csvImport) apply(ctx context.Context, tx *db.Tx, dryRun bool) error {
	if im.dialect == db.SQLite {
		return im.applySQLite(ctx, tx, dryRun)
	}
	// Every line has its follower by now (a stranger is a fault).
	pairs := ` FROM csv_in v CROSS JOIN unnest(v.tags) AS t(tag_id) WHERE v.person_id IS NOT NULL`
	if dryRun {
		if im.maxTags == 0 {
			return nil
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*)`+pairs+` AND NOT EXISTS (SELECT 1 FROM tag_members m
			WHERE m.account_id = ? AND m.tag_id = t.tag_id AND m.person_id = v.person_id)`, im.accountID).Scan(&im.tagsAdded)
	}
	var sets, changed []string
	if im.hasRemark {
		sets = append(sets, "remark = v.remark")
		changed = append(changed, "f.remark <> v.remark")
	}
	if im.hasBlocked {
		sets = append(sets, "blocked = v.blocked")
		changed = append(changed, "f.blocked <> v.blocked")
	}
	if len(sets) > 0 {
		// Followers whose remark and flag already are the file's are not
		// rewritten.
		if _, err := tx.Exec(ctx, `UPDATE follows AS f SET `+strings.Join(sets, ", ")+` FROM csv_in v WHERE f.account_id = ? AND f.person_id = v.person_id AND (`+
			strings.Join(changed, " OR ")+`)`, im.accountID); err != nil {
			return fmt.Errorf("follower csv: update: %w", err)
		}
	}
	csvStep("update")
	if im.maxTags == 0 {
		return nil
	}
	// The memberships added, counted by tag from what the insert returns:
	// exact even while others tag the same followers.
	rows, err := tx.Query(ctx, `WITH ins AS (INSERT INTO tag_members (account_id, tag_id, person_id, created_at) SELECT ?, t.tag_id, v.person_id, ?`+
		pairs+` ON CONFLICT DO NOTHING RETURNING tag_id) SELECT tag_id, COUNT(*) FROM ins GROUP BY tag_id`, im.accountID, im.now)
	if err != nil {
		return fmt.Errorf("follower csv: tags: %w", err)
	}
	added := map[int64]int64{}
	for rows.Next() {
		var tid, n int64
		if err := rows.Scan(&tid, &n); err != nil {
			rows.Close()
			return err
		}
		added[tid] = n
		im.tagsAdded += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("follower csv: tags: %w", err)
	}
	for tid, n := range added {
		if _, err := tx.Exec(ctx, `UPDATE tags SET follower_count = follower_count + ? WHERE account_id = ? AND id = ?`, n, im.accountID, tid); err != nil {
			return err
		}
	}
	return nil
}

var errRefused = errors.New("follower csv refused")

var errDryRun = errors.New("dry run")

func tagsByName(ctx context.Context, d db.Querier, accountID int64) (map[string]int64, error) {
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
func ExportFollowerCSV(ctx context.Context, d *db.DB, accountID int64, w io.Writer) (_ int64, err error) {
	defer wrap(&err, "portability.ExportFollowerCSV(%d)", accountID)
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
