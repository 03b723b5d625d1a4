package portability

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/csvsafe"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/id"
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
	importID := id.New()
	defer func() {
		// Staging rows go whatever happened (a crash leaves them to the next
		// import's clean-up of stale imports).
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		_, _ = d.Exec(cctx, `DELETE FROM follower_csv_rows WHERE import_id = ?`, importID)
		_, _ = d.Exec(cctx, `DELETE FROM follower_csv_tags WHERE import_id = ?`, importID)
	}()
	var tagRows [][]any
	var line int64 = 1
	var readErr error
	next := func() ([]any, error) {
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return nil, nil
			}
			line++
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					rep.fault(int64(pe.Line), "%v", pe.Err)
					if pe.Err == csv.ErrFieldCount {
						continue
					}
				}
				readErr = err
				return nil, nil
			}
			rep.Rows++
			openid := strings.TrimSpace(rec[col["openid"]])
			if openid == "" {
				rep.fault(line, "openid is empty")
				continue
			}
			remark := ""
			if hasRemark {
				remark = strings.TrimSpace(rec[col["remark"]])
				if len(remark) > 1 && remark[0] == '\'' && strings.ContainsRune("=+-@", rune(remark[1])) {
					remark = remark[1:] // written by csvSafe
				}
				if utf8.RuneCountInString(remark) > follow.MaxRemarkRunes {
					rep.fault(line, "remark has more than %d characters", follow.MaxRemarkRunes)
					continue
				}
			}
			blocked := false
			if hasBlocked {
				var ok bool
				if blocked, ok = parseBool(rec[col["blacklisted"]]); !ok {
					rep.fault(line, "blacklisted must be true or false, not %q", rec[col["blacklisted"]])
					continue
				}
			}
			if hasTags {
				bad := false
				n := 0
				for _, name := range strings.Split(rec[col["tags"]], ";") {
					name = strings.TrimSpace(name)
					if name == "" {
						continue
					}
					tid, ok := tags[strings.ToLower(name)]
					if !ok {
						rep.fault(line, "no tag named %q (create it first)", name)
						bad = true
						break
					}
					n++
					tagRows = append(tagRows, []any{importID, line, openid, tid})
				}
				if n > 20 {
					rep.fault(line, "a follower has at most 20 tags")
					bad = true
				}
				if bad {
					continue
				}
			}
			return []any{importID, line, openid, remark, blocked}, nil
		}
	}
	flushTags := func() error {
		if len(tagRows) == 0 {
			return nil
		}
		i := 0
		_, err := d.CopyIn(ctx, "follower_csv_tags", []string{"import_id", "line", "openid", "tag_id"}, func() ([]any, error) {
			if i == len(tagRows) {
				return nil, nil
			}
			i++
			return tagRows[i-1], nil
		})
		tagRows = tagRows[:0]
		return err
	}
	if _, err := d.CopyIn(ctx, "follower_csv_rows", []string{"import_id", "line", "openid", "remark", "blocked"}, next); err != nil {
		return nil, err
	}
	if readErr != nil {
		return rep, nil
	}
	if err := flushTags(); err != nil {
		return nil, err
	}
	// Lines that name no follower of this account, or a follower twice.
	rows, err := d.Query(ctx, `SELECT s.line, s.openid FROM follower_csv_rows s WHERE s.import_id = ?
		AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.openid = s.openid AND f.account_id = ?) ORDER BY s.line LIMIT ?`, importID, accountID, MaxCSVErrors)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var l int64
		var o string
		if err := rows.Scan(&l, &o); err != nil {
			rows.Close()
			return nil, err
		}
		rep.fault(l, "openid %q is not a follower of this account", o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = d.Query(ctx, `SELECT MAX(line), openid FROM follower_csv_rows WHERE import_id = ? GROUP BY openid HAVING COUNT(*) > 1
		ORDER BY MAX(line) LIMIT ?`, importID, MaxCSVErrors)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var l int64
		var o string
		if err := rows.Scan(&l, &o); err != nil {
			rows.Close()
			return nil, err
		}
		rep.fault(l, "openid %q appears on an earlier line too", o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !rep.OK() {
		rep.Took = time.Since(start)
		return rep, nil
	}
	errTooMany := errors.New("too many tags")
	err = d.Tx(ctx, func(tx *db.Tx) error {
		var sets []string
		if hasRemark {
			sets = append(sets, "remark = s.remark")
		}
		if hasBlocked {
			sets = append(sets, "blocked = s.blocked")
		}
		if len(sets) > 0 {
			res, err := tx.Exec(ctx, `UPDATE follows SET `+strings.Join(sets, ", ")+` FROM follower_csv_rows s
				WHERE s.import_id = ? AND follows.account_id = ? AND follows.openid = s.openid`, importID, accountID)
			if err != nil {
				return err
			}
			rep.Updated, _ = res.RowsAffected()
		}
		if hasTags {
			res, err := tx.Exec(ctx, `INSERT INTO tag_members (account_id, tag_id, person_id, created_at)
				SELECT ?, t.tag_id, f.person_id, ? FROM follower_csv_tags t JOIN follows f ON f.openid = t.openid AND f.account_id = ?
				WHERE t.import_id = ? ON CONFLICT DO NOTHING`, accountID, time.Now().UnixMicro(), accountID, importID)
			if err != nil {
				return err
			}
			rep.TagsAdded, _ = res.RowsAffected()
			if _, err := tx.Exec(ctx, `UPDATE tags SET follower_count = (SELECT COUNT(*) FROM tag_members m
				WHERE m.account_id = tags.account_id AND m.tag_id = tags.id) WHERE account_id = ?`, accountID); err != nil {
				return err
			}
			var over int64
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT person_id FROM tag_members WHERE account_id = ?
				GROUP BY person_id HAVING COUNT(*) > 20) x`, accountID).Scan(&over); err != nil {
				return err
			}
			if over > 0 {
				rep.fault(0, "%d followers would have more than 20 tags", over)
				return errTooMany
			}
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) || errors.Is(err, errTooMany) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if !rep.OK() {
		rep.Updated, rep.TagsAdded = 0, 0
	}
	rep.Took = time.Since(start)
	return rep, nil
}

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
