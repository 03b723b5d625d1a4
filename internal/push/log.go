package push

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Kinds of delivery.
const (
	KindMessage = "message"
	KindEvent   = "event"
	KindVerify  = "verify" // the echostr handshake
)

// legacyCheck is a check as it was logged before codes: English prose.
type legacyCheck struct {
	Step   string `json:"step"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Delivery is one entry of the push log.
type Delivery struct {
	ID         int64
	AccountID  int64
	PersonID   int64
	OpenID     string
	Kind       string
	Summary    Note // what was pushed: m.text with the text, m.event with the event's name, ...
	DedupeKey  string
	Mode       string
	URL        string // without the query
	Query      string // signature, timestamp, nonce, openid, ...
	Plain      string // the message XML before encryption
	Body       string // what was POSTed
	OK         bool
	Attempts   int
	StatusCode int
	Response   string // the last response body (truncated)
	Reply      Note   // the reply as understood (r.none: no reply)
	Error      Note   // why it failed: its failed check's note
	Checks     []Check
	Duration   time.Duration
	ReplayOf   int64
	CreatedAt  time.Time
}

const maxLogged = 16 << 10

func clip(s string) string {
	if len(s) > maxLogged {
		return s[:maxLogged] + "…"
	}
	return s
}

// Record stores a delivery in the push log and returns once it is
// committed. Concurrent records share one transaction (group commit).
func (s *Store) Record(ctx context.Context, d *Delivery) (err error) {
	defer errs.Wrap(&err, "push.Store.Record(%d)", d.AccountID)
	p := s.enqueue(d, true)
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RecordAsync queues a delivery for the log without waiting for the
// write: the push engine's hot path. Readers of the log (Deliveries,
// Delivery) wait for queued records first, so nothing queued is missed.
func (s *Store) RecordAsync(d *Delivery) { s.enqueue(d, false) }

func (s *Store) enqueue(d *Delivery, wait bool) *pendingRecord {
	if d.ID == 0 {
		d.ID = id.New()
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = s.clock.Now()
	}
	p := &pendingRecord{d: d}
	if wait {
		p.done = make(chan error, 1)
	}
	s.logMu.Lock()
	if s.logIdle == nil {
		s.logIdle = sync.NewCond(&s.logMu)
		s.logWake = make(chan struct{}, 1)
	}
	for len(s.logQueue) >= maxQueued {
		s.logIdle.Wait() // back-pressure: the writer is behind
	}
	s.logQueue = append(s.logQueue, p)
	if wait {
		s.logWaiters++
	}
	if !s.logRunning {
		s.logRunning = true
		go s.writeLog()
	} else if s.logLingering && (wait || len(s.logQueue) >= lingerRows) {
		// A caller waits for its commit, or the batch is big enough:
		// the lingering writer starts now.
		s.logLingering = false
		select {
		case s.logWake <- struct{}{}:
		default:
		}
	}
	s.logMu.Unlock()
	return p
}

// waitLog blocks until every queued record has been written.
func (s *Store) waitLog() {
	s.logMu.Lock()
	if s.logRunning {
		s.logFlush++ // no lingering while someone waits
		if s.logLingering {
			s.logLingering = false
			select {
			case s.logWake <- struct{}{}:
			default:
			}
		}
		for s.logRunning {
			s.logIdle.Wait()
		}
		s.logFlush--
	}
	s.logMu.Unlock()
}

// WaitLog blocks until every queued push-log record has been written
// (benchmarks and shutdown).
func (s *Store) WaitLog() { s.waitLog() }

// LogCommits is how many transactions the push-log writer has committed:
// benchmarks report rows per commit from it.
func (s *Store) LogCommits() int64 { return s.logCommits.Load() }

type pendingRecord struct {
	d    *Delivery
	done chan error
}

const (
	maxBatch  = 256
	maxQueued = 4096 // queued records before RecordAsync waits
	// lingerRows and logLinger make the writer gather records into
	// bigger transactions when nobody waits for them: with fewer rows
	// than lingerRows queued, it waits up to logLinger for more before
	// it writes. Each commit rewrites the table's and the index's last
	// pages and has its own begin and commit, so a batch of a few rows
	// costs several times more per row than one of a hundred; readers
	// of the log (Deliveries, Delivery) and Record's callers do not wait
	// for the linger (WaitLog and Record wake the writer).
	lingerRows = 128
	logLinger  = 2 * time.Millisecond
)

// writeLog commits queued records in batches until the queue is empty.
// A small batch that nobody waits for lingers first (lingerRows).
func (s *Store) writeLog() {
	var linger *time.Timer
	for {
		s.logMu.Lock()
		if n := len(s.logQueue); n > 0 && n < lingerRows && s.logWaiters == 0 && s.logFlush == 0 {
			s.logLingering = true
			s.logMu.Unlock()
			if linger == nil {
				linger = time.NewTimer(logLinger)
			} else {
				linger.Reset(logLinger)
			}
			select {
			case <-linger.C:
			case <-s.logWake:
				linger.Stop()
			}
			s.logMu.Lock()
			s.logLingering = false
			select { // a wake sent after the timer fired
			case <-s.logWake:
			default:
			}
		}
		batch := s.logQueue
		if len(batch) > maxBatch {
			batch = batch[:maxBatch]
		}
		s.logQueue = s.logQueue[len(batch):]
		s.logIdle.Broadcast() // room in the queue, or idle below
		if len(batch) == 0 {
			s.logRunning = false
			s.logQueue = nil
			s.logIdle.Broadcast()
			s.logMu.Unlock()
			return
		}
		s.logMu.Unlock()
		var err error
		queues := s.queueStmts()
		if s.db.Dialect() == db.Postgres && len(batch) >= minCopy {
			err = s.db.BulkTx(context.Background(), func(tx *db.Tx) error {
				if err := copyDeliveries(tx, batch); err != nil {
					return err
				}
				return queueDeliveries(tx, queues, batch)
			})
		} else {
			stmts := s.insertStmts()
			err = s.db.Tx(context.Background(), func(tx *db.Tx) error {
				if err := insertDeliveries(tx, stmts, batch, &s.logArgs); err != nil {
					return err
				}
				return queueDeliveries(tx, queues, batch)
			})
		}
		s.logCommits.Add(1)
		waiters := 0
		for _, p := range batch {
			if p.done != nil {
				p.done <- err
				waiters++
			}
		}
		if waiters > 0 {
			s.logMu.Lock()
			s.logWaiters -= waiters
			s.logMu.Unlock()
		}
		if err != nil && s.log != nil {
			s.log.Error("push log: write", slog.Int("entries", len(batch)), slog.Any("error", err))
		}
	}
}

// minCopy is the smallest batch the writer loads with COPY on PostgreSQL.
// A multi-row INSERT's parameters are encoded into one growing buffer and
// copied again into the Bind message (about 15 KB of garbage a row, and
// 16.5 µs of Herald's CPU a row, at 1.2 KB of text a row); COPY streams
// each row once. Below it the INSERTs stay: pgx looks the table's column
// types up before each COPY, one more round trip, which a batch of a few
// rows (a Record that waits for its commit) would pay for nothing.
const minCopy = 16

// copyDeliveries loads batch with COPY (PostgreSQL, in a BulkTx).
func copyDeliveries(tx *db.Tx, batch []*pendingRecord) error {
	row := make([]any, 0, 22)
	i := 0
	_, err := tx.CopyIn(context.Background(), "push_deliveries", logColumns, 0, func() ([]any, error) {
		if i == len(batch) {
			return nil, nil
		}
		d := batch[i].d
		i++
		return appendDelivery(row[:0], d), nil
	})
	return err
}

// logColumns are the columns the writer fills, in appendDelivery's order.
var logColumns = []string{"id", "account_id", "person_id", "openid", "kind", "summary", "dedupe_key", "mode", "url", "query",
	"plain", "body", "ok", "attempts", "status_code", "response", "reply", "error", "checks", "duration_us", "replay_of", "created_at"}

// appendDelivery appends d's values for logColumns to args.
func appendDelivery(args []any, d *Delivery) []any {
	return append(args, d.ID, d.AccountID, d.PersonID, d.OpenID, d.Kind, clip(noteColumn(d.Summary)), d.DedupeKey, d.Mode, d.URL, d.Query,
		clip(d.Plain), clip(d.Body), d.OK, d.Attempts, d.StatusCode, clip(d.Response), clip(noteColumn(d.Reply)), errorColumn(d), checksColumn(d.Checks),
		d.Duration.Microseconds(), d.ReplayOf, db.Micro(d.CreatedAt))
}

// insertSizes are the row counts of the multi-row INSERTs the writer
// uses, largest first: a batch is written as full INSERTs of 64 rows and
// the rest as at most one of each smaller size, so a handful of constant
// statements, each prepared once, covers every batch size.
var insertSizes = [...]int{64, 32, 16, 8, 4, 2, 1}

// insertStmts returns the writer's INSERT statements, prepared (on
// SQLite) before the batch's transaction begins.
func (s *Store) insertStmts() *[len(insertSizes)]*db.WriteStmt {
	for i, n := range insertSizes {
		if s.logInserts[i] == nil {
			s.logInserts[i] = s.db.PrepareWrite(insertQuery(n))
		}
		s.logInserts[i].Prepare(context.Background())
	}
	return &s.logInserts
}

func insertQuery(rows int) string {
	var q strings.Builder
	q.WriteString(`INSERT INTO push_deliveries (` + strings.Join(logColumns, ", ") + `) VALUES `)
	for i := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	return q.String()
}

// insertDeliveries writes batch with the fewest INSERTs of insertSizes.
// args is the writer's buffer of values, kept from batch to batch (22 KB
// for 64 rows): it holds no value once the batch is written.
func insertDeliveries(tx *db.Tx, stmts *[len(insertSizes)]*db.WriteStmt, batch []*pendingRecord, buf *[]any) error {
	if cap(*buf) < 22*insertSizes[0] {
		*buf = make([]any, 0, 22*insertSizes[0])
	}
	args := (*buf)[:0]
	defer clear(args[:cap(args)]) // the values are the batch's: keep none of them alive
	for i, n := range insertSizes {
		for len(batch) >= n {
			args = args[:0]
			for _, p := range batch[:n] {
				args = appendDelivery(args, p.d)
			}
			if _, err := tx.ExecStmt(context.Background(), stmts[i], args...); err != nil {
				return err
			}
			batch = batch[n:]
		}
	}
	return nil
}

// queueStmts returns the statements that queue written rows for
// analytics' import, by insertSizes, prepared (on SQLite) before the
// batch's transaction begins.
func (s *Store) queueStmts() *[len(insertSizes)]*db.WriteStmt {
	for i, n := range insertSizes {
		if s.logQueues[i] == nil {
			s.logQueues[i] = s.db.PrepareWrite(`INSERT INTO push_import_queue (id, account_id, person_id, kind, ok, duration_us, created_at)
				SELECT id, account_id, person_id, kind, ok, duration_us, created_at FROM push_deliveries WHERE id IN (?` + strings.Repeat(", ?", n-1) + `)`)
		}
		s.logQueues[i].Prepare(context.Background())
	}
	return &s.logQueues
}

// queueDeliveries queues the batch's messages and events (not the
// handshakes, which analytics does not count) for analytics' import, in
// the transaction that wrote them: push_import_queue holds the columns the
// import reads, so that it takes them by deleting the narrow queue rows
// (analytics.Store.ImportPushLog) and never rewrites a log row. The rows
// are copied from the log rows just written, found by id: one parameter a
// row instead of seven (on PostgreSQL one array for the batch), and each
// statement keeps its cursor on the queue's last page (a trigger would
// open one per row: 1-2 µs more a row on SQLite).
func queueDeliveries(tx *db.Tx, stmts *[len(insertSizes)]*db.WriteStmt, batch []*pendingRecord) error {
	if tx.Dialect() == db.Postgres {
		// One statement with the ids as one array: pgx encodes a
		// statement's parameters into one buffer, an array's cheaply.
		ids := make([]int64, 0, len(batch))
		for _, p := range batch {
			if p.d.Kind != KindVerify {
				ids = append(ids, p.d.ID)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		_, err := tx.Exec(context.Background(), `INSERT INTO push_import_queue (id, account_id, person_id, kind, ok, duration_us, created_at)
			SELECT id, account_id, person_id, kind, ok, duration_us, created_at FROM push_deliveries WHERE id = ANY(?)`, ids)
		return err
	}
	ids := make([]any, 0, len(batch))
	for _, p := range batch {
		if p.d.Kind != KindVerify {
			ids = append(ids, p.d.ID)
		}
	}
	for i, n := range insertSizes {
		for len(ids) >= n {
			if _, err := tx.ExecStmt(context.Background(), stmts[i], ids[:n]...); err != nil {
				return err
			}
			ids = ids[n:]
		}
	}
	return nil
}

const logCols = `id, account_id, person_id, openid, kind, summary, dedupe_key, mode, url, query, plain, body, ok, attempts,
	status_code, response, reply, error, checks, duration_us, replay_of, created_at`

func scanDelivery(r interface{ Scan(...any) error }) (*Delivery, error) {
	var d Delivery
	var summary, reply, problem, checks string
	var dur, created int64
	err := r.Scan(&d.ID, &d.AccountID, &d.PersonID, &d.OpenID, &d.Kind, &summary, &d.DedupeKey, &d.Mode, &d.URL, &d.Query, &d.Plain,
		&d.Body, &d.OK, &d.Attempts, &d.StatusCode, &d.Response, &reply, &problem, &checks, &dur, &d.ReplayOf, &created)
	if err == sql.ErrNoRows {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	d.Summary, d.Reply = parseNote(summary), parseNote(reply)
	d.Checks = withQuery(parseChecks(checks), d.Query)
	if problem != "" { // logged before codes
		d.Error = Note{Prose: problem}
	} else if !d.OK {
		for i := len(d.Checks) - 1; i >= 0; i-- {
			if !d.Checks[i].OK {
				d.Error = d.Checks[i].Note()
				break
			}
		}
	}
	d.Duration = time.Duration(dur) * time.Microsecond
	d.CreatedAt = db.FromMicro(created)
	return &d, nil
}

// Deliveries lists the account's log, newest first; beforeID pages back.
// failedOnly keeps the failures.
func (s *Store) Deliveries(ctx context.Context, accountID, beforeID int64, failedOnly bool, limit int) (_ []*Delivery, err error) {
	defer errs.Wrap(&err, "push.Store.Deliveries(%d, %d)", accountID, beforeID)
	s.waitLog()
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := `SELECT ` + logCols + ` FROM push_deliveries WHERE account_id = ?`
	args := []any{accountID}
	if beforeID > 0 {
		q += ` AND id < ?`
		args = append(args, beforeID)
	}
	if failedOnly {
		q += ` AND ok = FALSE`
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.Query(ctx, q, args...)
	return db.Collect(rows, err, func(r *sql.Rows) (*Delivery, error) { return scanDelivery(r) })
}

// Delivery returns one entry of the account's log.
func (s *Store) Delivery(ctx context.Context, accountID, deliveryID int64) (_ *Delivery, err error) {
	defer errs.Wrap(&err, "push.Store.Delivery(%d, %d)", accountID, deliveryID)
	s.waitLog()
	return scanDelivery(s.db.QueryRow(ctx, `SELECT `+logCols+` FROM push_deliveries WHERE account_id = ? AND id = ?`, accountID, deliveryID))
}

// DeleteOlderThan trims the log: it deletes the rows created before t.
//
// The log has no index on created_at (one would cost every delivery's
// write), but its primary key grows with the time a row is written (ids
// sort by creation time, and a row's created_at is taken when it is
// queued, with its id). So the trim finds the first row created at or
// after t by a binary search over the primary key (at most 64 look-ups of
// one row each) and deletes the rows before it, reading only them: a
// table scan read the whole log to find one day's rows (294 ms at 100,000
// rows on PostgreSQL). The delete still checks created_at, so a row
// written out of order (another node's clock a little behind) is never
// deleted early; an old one left behind so goes at a later trim.
func (s *Store) DeleteOlderThan(ctx context.Context, t time.Time) (_ int64, err error) {
	defer errs.Wrap(&err, "push.Store.DeleteOlderThan()")
	cutoff := db.Micro(t)
	var lo, hi sql.NullInt64
	if err := s.db.QueryRow(ctx, boundsSQL).Scan(&lo, &hi); err != nil {
		return 0, err
	}
	if !lo.Valid {
		return 0, nil // an empty log
	}
	end, err := s.firstCreatedFrom(ctx, lo.Int64, hi.Int64+1, cutoff)
	if err != nil {
		return 0, err
	}
	res, err := s.db.Exec(ctx, trimSQL, end, cutoff)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// boundsSQL reads the log's first and last ids, each from the primary key
// (SQLite reads an index end only for a lone MIN or MAX).
const boundsSQL = `SELECT (SELECT MIN(id) FROM push_deliveries), (SELECT MAX(id) FROM push_deliveries)`

// trimSQL deletes the rows before the id the search found that are older
// than the cutoff, by a range of the primary key.
const trimSQL = `DELETE FROM push_deliveries WHERE id < ? AND created_at < ?`

// firstRowFromSQL reads the first row at or after an id, by the primary key.
const firstRowFromSQL = `SELECT id, created_at FROM push_deliveries WHERE id >= ? ORDER BY id LIMIT 1`

// firstCreatedFrom returns the smallest id in [lo, hi) from which on the
// rows (in id order) were created at or after cutoff: hi when none was.
// Every id from lo up to the returned one belongs to an older row.
func (s *Store) firstCreatedFrom(ctx context.Context, lo, hi, cutoff int64) (int64, error) {
	for lo < hi {
		mid := lo + (hi-lo)/2
		var rowID, created int64
		err := s.db.QueryRow(ctx, firstRowFromSQL, mid).Scan(&rowID, &created)
		switch {
		case err == sql.ErrNoRows: // deleted meanwhile: nothing from mid on
			hi = mid
		case err != nil:
			return 0, err
		case rowID >= hi: // no row in [mid, hi)
			hi = mid
		case created < cutoff:
			lo = rowID + 1
		default:
			hi = mid
		}
	}
	return lo, nil
}

// errorColumn is the stored error: none when the delivery's failed check
// says it (read back from the checks), prose for an entry logged so.
func errorColumn(d *Delivery) string {
	if d.Error.Code != "" {
		return ""
	}
	return clip(d.Error.Prose)
}

// checksColumn is how checks are stored: a JSON array of one array each,
// the code (with "+" before it for a check that passed, "-" for one that
// failed) and its values: [["+sign","1765000000","42","0f3a…"],…].
func checksColumn(checks []Check) string {
	n := 2
	for _, c := range checks {
		n += 8 + len(c.Code)
		for _, a := range c.Args {
			n += 3 + len(a)
		}
	}
	var small [1024]byte // most deliveries' checks: built on the stack, one copy to the heap
	b := small[:0]
	if n > len(small) {
		b = make([]byte, 0, n)
	}
	b = append(b, '[')
	for i, c := range checks {
		if i > 0 {
			b = append(b, ',')
		}
		mark := "-"
		if c.OK {
			mark = "+"
		}
		b = appendNote(b, mark+c.Code, c.Args)
	}
	return string(append(b, ']'))
}

// withQuery completes the checks whose values are in the request's query
// and are therefore not stored twice: sign (timestamp, nonce, signature)
// and encrypt (msg_signature).
func withQuery(checks []Check, query string) []Check {
	var q url.Values
	for i, c := range checks {
		if (c.Code == "sign" && len(c.Args) == 0) || (c.Code == "encrypt" && len(c.Args) == 2) {
			if q == nil {
				q, _ = url.ParseQuery(query)
			}
			if c.Code == "sign" {
				checks[i].Args = []string{q.Get("timestamp"), q.Get("nonce"), q.Get("signature")}
			} else {
				checks[i].Args = append(c.Args[:2:2], q.Get("msg_signature"))
			}
		}
	}
	return checks
}

// parseChecks reads the checks column: arrays of code and values, or
// objects of English prose for an entry logged before codes.
func parseChecks(s string) []Check {
	if strings.HasPrefix(s, "[[") {
		var coded [][]string
		if json.Unmarshal([]byte(s), &coded) != nil {
			return nil
		}
		out := make([]Check, 0, len(coded))
		for _, c := range coded {
			if len(c) == 0 || len(c[0]) < 2 {
				continue
			}
			out = append(out, Check{OK: c[0][0] == '+', Code: c[0][1:], Args: c[1:]})
		}
		return out
	}
	var legacy []legacyCheck
	if json.Unmarshal([]byte(s), &legacy) != nil {
		return nil
	}
	out := make([]Check, 0, len(legacy))
	for _, c := range legacy {
		out = append(out, Check{OK: c.OK, Step: c.Step, Detail: c.Detail})
	}
	return out
}
