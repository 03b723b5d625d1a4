package analytics

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Recorder captures events without blocking the caller: Record puts the
// event on a buffered channel; Run (a background worker) writes batches
// every RecorderOptions.FlushEvery or BatchSize events with one multi-row
// INSERT. Developer API calls (aggregated) are counted by Record itself
// under a mutex when it is free, without the channel: at an API's rate,
// handing each call to the worker woke it for most calls.
// When the buffer is full the event is dropped and counted
// (herald_analytics_dropped_total). A nil *Recorder records nothing, so
// callers need no nil checks.
type Recorder struct {
	db    *db.DB
	clock clock.Clock
	log   *slog.Logger
	ch    chan Event
	// batches carries RecordAll's events, a page's at a time: one send
	// (and at most one wake of the writer) for all of them. queued counts
	// the events waiting there, which with ch's stay within opts.Buffer.
	batches chan []Event
	queued  atomic.Int64
	opts    RecorderOptions

	writeMu sync.Mutex // one batch writer at a time (Run and Flush)
	inserts [len(insertSizes)]*db.WriteStmt

	// calls gathers aggregated events (up to maxCounted shapes; beyond, or
	// while another Record holds callsMu, they go through the channel)
	// until the next write.
	callsMu  sync.Mutex
	calls    counted
	dropped  atomic.Uint64
	recorded atomic.Uint64
	written  atomic.Uint64
	failed   atomic.Uint64
}

// RecorderOptions tune a Recorder; zero values are the defaults.
type RecorderOptions struct {
	Buffer int // events that may wait to be written (65536)
	// FlushEvery and BatchSize bound how long (500 ms) and how many (1000)
	// events wait.
	FlushEvery time.Duration
	BatchSize  int
}

// NewRecorder returns a recorder with a buffer of buffer events (0: 65536).
func NewRecorder(d *db.DB, c clock.Clock, log *slog.Logger, buffer int) *Recorder {
	return NewRecorderWith(d, c, log, RecorderOptions{Buffer: buffer})
}

// NewRecorderWith is NewRecorder with options.
func NewRecorderWith(d *db.DB, c clock.Clock, log *slog.Logger, o RecorderOptions) *Recorder {
	if o.Buffer <= 0 {
		o.Buffer = 1 << 16
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = 500 * time.Millisecond
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Recorder{db: d, clock: c, log: log, ch: make(chan Event, o.Buffer), batches: make(chan []Event, max(o.Buffer/16, 1)), opts: o}
}

// Record queues ev; it never blocks. A zero At is set to now.
func (r *Recorder) Record(ev Event) {
	if r == nil || ev.AccountID == 0 || ev.Kind == "" {
		return
	}
	if ev.At.IsZero() {
		ev.At = r.clock.Now()
	}
	// Never waiting for the mutex: when another call holds it (or its
	// holder was descheduled), the event takes the channel, where the
	// writer counts it the same way.
	if aggregated(ev) && r.callsMu.TryLock() {
		if len(r.calls.rows) < maxCounted {
			r.calls.add(ev)
			r.callsMu.Unlock()
			r.recorded.Add(1)
			return
		}
		r.callsMu.Unlock()
	}
	select {
	case r.ch <- ev:
		r.recorded.Add(1)
	default:
		r.dropped.Add(1)
	}
}

// RecordAll queues evs (a page's impressions, say) as one batch: one
// channel send, so the writer is woken once for all of them rather than
// up to once each. Each event is stored and counted as Record would store
// it (a zero At is set to now; events without an account or a kind are
// left out); the recorder owns evs afterwards. It never blocks: when the
// buffer cannot take them all, all are dropped and counted.
func (r *Recorder) RecordAll(evs []Event) {
	if r == nil {
		return
	}
	kept := evs[:0]
	var now time.Time
	for _, ev := range evs {
		if ev.AccountID == 0 || ev.Kind == "" {
			continue
		}
		if ev.At.IsZero() {
			if now.IsZero() {
				now = r.clock.Now()
			}
			ev.At = now
		}
		kept = append(kept, ev)
	}
	n := int64(len(kept))
	if n == 0 {
		return
	}
	if r.queued.Add(n)+int64(len(r.ch)) > int64(r.opts.Buffer) {
		r.queued.Add(-n)
		r.dropped.Add(uint64(n))
		return
	}
	select {
	case r.batches <- kept:
		r.recorded.Add(uint64(n))
	default:
		r.queued.Add(-n)
		r.dropped.Add(uint64(n))
	}
}

// Dropped is how many events were dropped because the buffer was full.
func (r *Recorder) Dropped() uint64 { return r.dropped.Load() }

// Run writes batches until ctx is cancelled, then writes what is left.
func (r *Recorder) Run(ctx context.Context) {
	t := time.NewTicker(r.opts.FlushEvery)
	defer t.Stop()
	batch := make([]Event, 0, r.opts.BatchSize)
	var calls counted
	var write func()
	add := func(ev Event) {
		if aggregated(ev) {
			calls.add(ev)
			return
		}
		batch = append(batch, ev)
		if len(batch) >= r.opts.BatchSize {
			write()
		}
	}
	write = func() {
		batch = calls.appendTo(batch)
		batch = r.takeCalls(batch)
		if len(batch) == 0 {
			return
		}
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		r.write(wctx, batch)
		cancel()
		batch = batch[:0]
	}
	for {
		select {
		case ev := <-r.ch:
			add(ev)
		case evs := <-r.batches:
			r.queued.Add(-int64(len(evs)))
			for _, ev := range evs {
				add(ev)
			}
		case <-t.C:
			write()
		case <-ctx.Done():
			for {
				select {
				case ev := <-r.ch:
					add(ev)
				case evs := <-r.batches:
					r.queued.Add(-int64(len(evs)))
					for _, ev := range evs {
						add(ev)
					}
				default:
					write()
					return
				}
			}
		}
	}
}

// Flush writes every queued event now (tests, the demo, shutdown).
func (r *Recorder) Flush(ctx context.Context) (err error) {
	defer errs.Wrap(&err, "analytics.Recorder.Flush()")
	if r == nil {
		return nil
	}
	for {
		var batch []Event
		var calls counted
	fill:
		for len(batch) < r.opts.BatchSize {
			select {
			case ev := <-r.ch:
				if aggregated(ev) {
					calls.add(ev)
				} else {
					batch = append(batch, ev)
				}
			case evs := <-r.batches:
				r.queued.Add(-int64(len(evs)))
				for _, ev := range evs {
					if aggregated(ev) {
						calls.add(ev)
					} else {
						batch = append(batch, ev)
					}
				}
			default:
				break fill
			}
		}
		batch = calls.appendTo(batch)
		batch = r.takeCalls(batch)
		if len(batch) == 0 {
			return nil
		}
		if err := r.write(ctx, batch); err != nil {
			return err
		}
	}
}

// maxCounted bounds the shapes Record gathers between two writes (a few
// a second in practice: accounts × APIs × latencies in ms × outcomes).
const maxCounted = 4096

// takeCalls moves the rows Record gathered to batch.
func (r *Recorder) takeCalls(batch []Event) []Event {
	r.callsMu.Lock()
	defer r.callsMu.Unlock()
	return r.calls.appendTo(batch)
}

// aggregated reports whether ev is counted with the events of its shape in
// one row: developer API calls, which name no person, object or device and
// come once per call (at the API's rate), so that the writer stores a few
// rows a second rather than one per call. The rollup sums n, value × n and
// failed × n, so every dashboard and datacube figure is the same.
func aggregated(ev Event) bool {
	return ev.Kind == KindAPICall && ev.PersonID == 0 && ev.ObjectID == 0 && ev.Device == ""
}

// countKey is the shape of an aggregated event: its row's columns, with the
// time cut to the minute (a minute lies in one hour of every time zone).
type countKey struct {
	account       int64
	kind, surface string
	value         int64
	failed        bool
	minute        int64
}

// counted gathers aggregated events until the next write, in the order
// their shapes first came.
type counted struct {
	index map[countKey]int
	rows  []Event
}

func (c *counted) add(ev Event) {
	minute := ev.At.UnixMicro() / 60e6
	if ev.At.UnixMicro() < 0 && ev.At.UnixMicro()%60e6 != 0 {
		minute--
	}
	k := countKey{ev.AccountID, ev.Kind, ev.Surface, ev.Value, ev.Failed, minute}
	if i, ok := c.index[k]; ok {
		c.rows[i].N += max(ev.N, 1)
		return
	}
	if c.index == nil {
		c.index = map[countKey]int{}
	}
	ev.At = time.UnixMicro(minute * 60e6)
	ev.N = max(ev.N, 1)
	c.index[k] = len(c.rows)
	c.rows = append(c.rows, ev)
}

// appendTo moves the gathered rows to batch.
func (c *counted) appendTo(batch []Event) []Event {
	if len(c.rows) == 0 {
		return batch
	}
	batch = append(batch, c.rows...)
	clear(c.index)
	c.rows = c.rows[:0]
	return batch
}

func (r *Recorder) write(ctx context.Context, batch []Event) error {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	var events uint64
	for _, ev := range batch {
		events += uint64(max(ev.N, 1))
	}
	err := r.insert(ctx, batch)
	if err != nil {
		r.failed.Add(events)
		r.log.Error("analytics: write events", slog.Uint64("events", events), slog.Any("error", err))
		return err
	}
	r.written.Add(events)
	return nil
}

// eventCols is the column count of a raw event insert.
const eventCols = 11

// maxInsertRows is the most rows one INSERT writes (and one block of ids
// numbers).
const maxInsertRows = 1000

// insertSizes are the row counts of the recorder's INSERTs, largest first:
// a batch is written as INSERTs of maxInsertRows and the rest as at most
// one of each power of two below, so eleven constant statements, each
// prepared once on SQLite's writer, cover every batch. Parsing and
// planning a 1,000-row INSERT, which the text of a batch of any other size
// would need at every flush, cost about a quarter of a flush.
var insertSizes = [...]int{maxInsertRows, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1}

// InsertEvents writes events with multi-row INSERTs of at most 1,000 rows,
// numbering them with a fresh block of ids (so the rollup's watermark sees
// them). It is what the backfill and the demo use; the recorder writes
// the same rows through its prepared statements (Recorder.insert).
func InsertEvents(ctx context.Context, d *db.DB, evs []Event) (err error) {
	defer errs.Wrap(&err, "analytics.InsertEvents()")
	return insertEvents(ctx, d, evs)
}

// insertEvents is InsertEvents on a database or in a transaction.
func insertEvents(ctx context.Context, d db.Querier, evs []Event) error {
	var args []any
	for len(evs) > 0 {
		n := min(len(evs), maxInsertRows)
		args = appendEventArgs(args[:0], evs[:n], id.NewBlock(int64(n)))
		evs = evs[n:]
		if _, err := d.Exec(ctx, insertEventsSQL(n), args...); err != nil {
			return fmt.Errorf("analytics: insert %d events: %w", n, err)
		}
	}
	return nil
}

// insert writes batch in one transaction, in INSERTs of insertSizes
// prepared once (the same rows, numbered the same way, as insertEvents).
func (r *Recorder) insert(ctx context.Context, batch []Event) error {
	for i, n := range insertSizes {
		if r.inserts[i] == nil {
			r.inserts[i] = r.db.PrepareWrite(insertEventsSQL(n))
		}
		// Outside the transaction: SQLite's writer has one connection.
		r.inserts[i].Prepare(ctx)
	}
	args := make([]any, 0, min(len(batch), maxInsertRows)*eventCols)
	return r.db.Tx(ctx, func(tx *db.Tx) error {
		for evs := batch; len(evs) > 0; {
			n := min(len(evs), maxInsertRows)
			args = appendEventArgs(args[:0], evs[:n], id.NewBlock(int64(n)))
			evs = evs[n:]
			rest := args
			for i, size := range insertSizes {
				for len(rest) >= size*eventCols {
					if _, err := tx.ExecStmt(ctx, r.inserts[i], rest[:size*eventCols]...); err != nil {
						return fmt.Errorf("analytics: insert %d events: %w", size, err)
					}
					rest = rest[size*eventCols:]
				}
			}
		}
		return nil
	})
}

// insertEventsSQL is the INSERT of rows events.
func insertEventsSQL(rows int) string {
	var b strings.Builder
	b.Grow(128 + rows*24)
	b.WriteString(`INSERT INTO analytics_events (id, account_id, kind, person_id, object_id, surface, value, failed, device, at, n) VALUES `)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?)")
	}
	return b.String()
}

// appendEventArgs appends the INSERT arguments of evs, numbered from first.
func appendEventArgs(args []any, evs []Event, first int64) []any {
	for i, ev := range evs {
		failed := 0
		if ev.Failed {
			failed = 1
		}
		s := cleanText(ev.Surface)
		if s == All {
			s = "" // reserved for the every-surface rows
		}
		if len(s) > maxSurface {
			s = strings.ToValidUTF8(s[:maxSurface], "")
		}
		args = append(args, first+int64(i), ev.AccountID, cleanText(ev.Kind), ev.PersonID, ev.ObjectID, s, ev.Value, failed, cleanText(ev.Device), db.Micro(ev.At), max(ev.N, 1))
	}
	return args
}

// cleanText makes s storable on both engines: invalid UTF-8 becomes
// U+FFFD and NUL characters (which PostgreSQL text cannot hold) go.
func cleanText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
