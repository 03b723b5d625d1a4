package analytics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/settings"
)

// Store owns the analytics tables: raw events, rollups, snapshots.
type Store struct {
	db       *db.DB
	clock    clock.Clock
	settings *settings.Store
	log      *slog.Logger

	// Settle is how old an event id must be before the rollup takes it, so
	// a batch still committing is not skipped by the watermark, nor one
	// written by a node whose clock is behind (ids start with the writing
	// node's clock): it must exceed how far nodes' clocks differ.
	Settle time.Duration
}

// NewStore returns the analytics store.
func NewStore(d *db.DB, c clock.Clock, set *settings.Store, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{db: d, clock: c, settings: set, log: log, Settle: 30 * time.Second}
}

// DB returns the database (benchmarks and the demo).
func (s *Store) DB() *db.DB { return s.db }

// All is the surface of rows that cover every surface, and AllObjects the
// object id of rows that cover every object.
const (
	All        = "*"
	AllObjects = -1
)

// ConversionWindow is how long after following an action still counts as a
// conversion of that follow.
const ConversionWindow = 7 * 24 * time.Hour

// Conversion kinds stored in analytics_daily (surface: follow source).
const (
	ConvFollows = "conv_follows" // follows counted for conversion
	ConvMessage = "conv_message" // of those, followers who then messaged
	ConvLink    = "conv_link"    // ... clicked a link in an article
	ConvOrder   = "conv_order"   // ... created an order (or paid one)
	ConvPaid    = "conv_paid"    // ... paid
	ConvAny     = "conv_any"     // ... did any of these
)

const (
	keyWatermark     = "rollup_watermark"
	keyBackfilled    = "backfilled"
	keyMessagesID    = "platform_messages_id"
	keyMessages      = "platform_messages"
	keyPushWatermark = "push_watermark"
)

func (s *Store) state(ctx context.Context, q db.Querier, key string) (int64, error) {
	var v int64
	err := db.Get(q.QueryRow(ctx, `SELECT value FROM analytics_state WHERE key = ?`, key), &v)
	if errors.Is(err, errs.NotFound) {
		return 0, nil
	}
	return v, err
}

func setState(ctx context.Context, q db.Querier, key string, v int64) error {
	_, err := q.Exec(ctx, `INSERT INTO analytics_state (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, v)
	return err
}

// maxIDAt is the largest id the generator can hand out at t.
func maxIDAt(t time.Time) int64 {
	ms := t.UnixMilli() - id.Time(0).UnixMilli()
	if ms < 0 {
		return 0
	}
	return ms<<22 | (1<<22 - 1)
}

// Location returns the time zone named tz, or UTC.
func Location(tz string) *time.Location {
	if tz == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}

// DayBounds returns the UTC instants of the start and end of day
// ("YYYY-MM-DD") in loc.
func DayBounds(day string, loc *time.Location) (time.Time, time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", day, loc)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return t, t.AddDate(0, 0, 1), nil
}

// DayOf is t's day ("YYYY-MM-DD") in loc.
func DayOf(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02") }

// AddDays moves day by n days.
func AddDays(day string, n int) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format("2006-01-02")
}

type acctDay struct {
	account int64
	day     string
}

// Rollup aggregates the events written since the last run into daily and
// hourly rows. Each day that received events is recomputed whole from the
// raw events, so running it again changes nothing; conversions of the seven
// days before it are recomputed too. It returns how many days it rewrote.
func (s *Store) Rollup(ctx context.Context) (_ int, err error) {
	defer errs.Wrap(&err, "analytics.Store.Rollup()")
	return s.rollup(ctx, s.Settle)
}

// RollupNow is Rollup without the settling delay: for tests and the demo,
// after Recorder.Flush.
// It takes every event written so far (up to the largest id).
func (s *Store) RollupNow(ctx context.Context) (_ int, err error) {
	defer errs.Wrap(&err, "analytics.Store.RollupNow()")
	return s.rollup(ctx, -1)
}

func (s *Store) rollup(ctx context.Context, settle time.Duration) (int, error) {
	now := s.clock.Now()
	wm, err := s.state(ctx, s.db, keyWatermark)
	if err != nil {
		return 0, err
	}
	var hi int64
	if settle < 0 {
		if err := db.Get(s.db.WriterQueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM analytics_events`), &hi); err != nil {
			return 0, err
		}
	} else {
		hi = maxIDAt(time.Now().Add(-settle)) // ids come from the real clock
	}
	if hi <= wm {
		return 0, nil
	}
	type hourKey struct{ account, hour int64 }
	rows, err := s.db.Query(ctx, `SELECT account_id, at / 3600000000 FROM analytics_events
		WHERE id > ? AND id <= ? GROUP BY account_id, at / 3600000000`, wm, hi)
	hours, err := db.Collect(rows, err, func(r *sqlRows) (hourKey, error) {
		var k hourKey
		return k, r.Scan(&k.account, &k.hour)
	})
	if err != nil {
		return 0, fmt.Errorf("analytics: find new events: %w", err)
	}
	cutoff := now.AddDate(0, 0, -s.retentionDays(ctx))
	locs := map[int64]*time.Location{}
	dirty := map[acctDay]bool{}
	for _, h := range hours {
		loc, ok := locs[h.account]
		if !ok {
			var tz string
			err := db.Get(s.db.QueryRow(ctx, `SELECT timezone FROM accounts WHERE id = ?`, h.account), &tz)
			if err != nil && !errors.Is(err, errs.NotFound) {
				return 0, err
			}
			if errors.Is(err, errs.NotFound) {
				loc = nil // the account is gone: nothing to roll up
			} else {
				loc = Location(tz)
			}
			locs[h.account] = loc
		}
		if loc == nil {
			continue
		}
		start := time.UnixMicro(h.hour * 3600000000)
		for _, t := range []time.Time{start, start.Add(time.Hour - time.Microsecond)} {
			day := DayOf(t, loc)
			if _, end, _ := DayBounds(day, loc); end.Before(cutoff) {
				continue // its raw events are past retention: keep the rollup as it is
			}
			dirty[acctDay{h.account, day}] = true
		}
	}
	keys := make([]acctDay, 0, len(dirty))
	for k := range dirty {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].account != keys[j].account {
			return keys[i].account < keys[j].account
		}
		return keys[i].day < keys[j].day
	})
	convDone := map[acctDay]bool{}
	for _, k := range keys {
		loc := locs[k.account]
		if err := s.RollupDay(ctx, k.account, k.day, loc); err != nil {
			return 0, err
		}
		convDone[k] = true
		// Events of this day may convert follows of the week before.
		for i := 1; i <= 7; i++ {
			d := acctDay{k.account, AddDays(k.day, -i)}
			if convDone[d] || dirty[d] {
				continue
			}
			if _, end, _ := DayBounds(d.day, loc); end.Before(cutoff) {
				continue // its follows are past retention: keep what was computed
			}
			convDone[d] = true
			if err := s.db.Tx(ctx, func(tx *db.Tx) error { return conversions(ctx, tx, d.account, d.day, loc) }); err != nil {
				return 0, err
			}
		}
	}
	if err := setState(ctx, s.db, keyWatermark, hi); err != nil {
		return 0, err
	}
	return len(keys), nil
}

func (s *Store) retentionDays(ctx context.Context) int {
	if s.settings != nil {
		if p, err := s.settings.Get(ctx); err == nil && p.RawEventRetentionDays > 0 {
			return p.RawEventRetentionDays
		}
	}
	return settings.Defaults().RawEventRetentionDays
}

// aggCols sums raw rows, each standing for n events of one value and
// outcome (n > 1 only for developer API calls counted together).
const aggCols = `COALESCE(SUM(n), 0), COUNT(DISTINCT NULLIF(person_id, 0)), COALESCE(SUM(value * n), 0), COALESCE(MAX(value), 0), COALESCE(SUM(failed * n), 0)`

// RollupDay recomputes one day of one account (day in loc) from the raw
// events: the daily rows of every kind, surface and object, the hourly rows
// and the conversions of that day's follows.
func (s *Store) RollupDay(ctx context.Context, accountID int64, day string, loc *time.Location) (err error) {
	defer errs.Wrap(&err, "analytics.Store.RollupDay(%d)", accountID)
	t0, t1, err := DayBounds(day, loc)
	if err != nil {
		return err
	}
	from, to := db.Micro(t0), db.Micro(t1)
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM analytics_daily WHERE account_id = ? AND day = ?`, accountID, day); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM analytics_hourly WHERE account_id = ? AND day = ?`, accountID, day); err != nil {
			return err
		}
		where := ` FROM analytics_events WHERE account_id = ? AND at >= ? AND at < ? `
		ins := `INSERT INTO analytics_daily (account_id, day, kind, surface, object_id, events, users, value_sum, value_max, failures) `
		// The day's events are read once (a CTE used several times is
		// materialised by both engines) and grouped four ways.
		ev := `WITH ev AS (SELECT kind, surface, object_id, person_id, value, failed, n, (at - ?) / 3600000000 AS h` + where + `) `
		sel := `SELECT CAST(? AS BIGINT), CAST(? AS TEXT), `
		q := ev + ins +
			sel + `kind, surface, object_id, ` + aggCols + ` FROM ev GROUP BY kind, surface, object_id UNION ALL ` +
			sel + `kind, '*', object_id, ` + aggCols + ` FROM ev GROUP BY kind, object_id UNION ALL ` +
			sel + `kind, surface, -1, ` + aggCols + ` FROM ev GROUP BY kind, surface UNION ALL ` +
			sel + `kind, '*', -1, ` + aggCols + ` FROM ev GROUP BY kind`
		if _, err := tx.Exec(ctx, q, from, accountID, from, to, accountID, day, accountID, day, accountID, day, accountID, day); err != nil {
			return fmt.Errorf("analytics: roll up %d %s: %w", accountID, day, err)
		}
		hins := `INSERT INTO analytics_hourly (account_id, day, hour, kind, surface, events, users, value_sum, value_max, failures) `
		q = ev + hins +
			sel + `h, kind, surface, ` + aggCols + ` FROM ev GROUP BY h, kind, surface UNION ALL ` +
			sel + `h, kind, '*', ` + aggCols + ` FROM ev GROUP BY h, kind`
		if _, err := tx.Exec(ctx, q, from, accountID, from, to, accountID, day, accountID, day); err != nil {
			return fmt.Errorf("analytics: roll up hours %d %s: %w", accountID, day, err)
		}
		return conversions(ctx, tx, accountID, day, loc)
	})
}

// conversions recomputes the conversion rows of the follows made on day:
// per follow source (and '*'), how many of those followers messaged, clicked
// a link or paid within ConversionWindow after following.
func conversions(ctx context.Context, tx *db.Tx, accountID int64, day string, loc *time.Location) error {
	t0, t1, err := DayBounds(day, loc)
	if err != nil {
		return err
	}
	from, to := db.Micro(t0), db.Micro(t1)
	if _, err := tx.Exec(ctx, `DELETE FROM analytics_daily WHERE account_id = ? AND day = ? AND kind IN (?, ?, ?, ?, ?, ?)`,
		accountID, day, ConvFollows, ConvMessage, ConvLink, ConvOrder, ConvPaid, ConvAny); err != nil {
		return err
	}
	// One pass per grouping: each follow of the day joined with that
	// person's messages, link clicks, orders and payments in the window
	// after it. An order counts as created when it was paid too (orders
	// made before order_created was captured have only their payment).
	window := ConversionWindow.Microseconds()
	q := `SELECT %s, COUNT(DISTINCT f.person_id),
		COUNT(DISTINCT CASE WHEN e.kind = 'message_in' THEN f.person_id END),
		COUNT(DISTINCT CASE WHEN e.kind = 'link_click' THEN f.person_id END),
		COUNT(DISTINCT CASE WHEN e.kind IN ('order_created', 'payment') THEN f.person_id END),
		COUNT(DISTINCT CASE WHEN e.kind = 'payment' THEN f.person_id END),
		COUNT(DISTINCT CASE WHEN e.kind IN ('message_in', 'link_click', 'payment') THEN e.person_id END)
		FROM analytics_events f LEFT JOIN analytics_events e ON e.account_id = f.account_id AND e.person_id = f.person_id
			AND e.kind IN ('message_in', 'link_click', 'order_created', 'payment') AND e.at >= f.at AND e.at < f.at + ?
		WHERE f.account_id = ? AND f.kind = 'follow' AND f.person_id <> 0 AND f.at >= ? AND f.at < ? %s`
	type convRow struct {
		surface                                  string
		follows, message, link, order, paid, any int64
	}
	var out []convRow
	for _, grouping := range [][2]string{{"f.surface", "GROUP BY f.surface"}, {"'*'", ""}} {
		rows, err := tx.Query(ctx, fmt.Sprintf(q, grouping[0], grouping[1]), window, accountID, from, to)
		rs, err := db.Collect(rows, err, func(r *sqlRows) (convRow, error) {
			var c convRow
			return c, r.Scan(&c.surface, &c.follows, &c.message, &c.link, &c.order, &c.paid, &c.any)
		})
		if err != nil {
			return fmt.Errorf("analytics: conversions %d %s: %w", accountID, day, err)
		}
		out = append(out, rs...)
	}
	for _, c := range out {
		for _, kv := range []struct {
			kind string
			n    int64
		}{{ConvFollows, c.follows}, {ConvMessage, c.message}, {ConvLink, c.link}, {ConvOrder, c.order}, {ConvPaid, c.paid}, {ConvAny, c.any}} {
			if kv.n == 0 {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO analytics_daily (account_id, day, kind, surface, object_id, events, users, value_sum, value_max, failures)
				VALUES (?, ?, ?, ?, -1, ?, ?, 0, 0, 0)`, accountID, day, kv.kind, c.surface, kv.n, kv.n); err != nil {
				return err
			}
		}
	}
	return nil
}

// Purge deletes raw events written before the retention period that the
// rollup has already taken. Event ids are time-ordered and given when an
// event is written, so this is a range of the primary key: no index on
// time is kept up for it. (Backfilled and demo events, written now about
// the past, therefore stay for the retention period after they were
// written.) It returns how many it deleted.
func (s *Store) Purge(ctx context.Context) (_ int64, err error) {
	defer errs.Wrap(&err, "analytics.Store.Purge()")
	wm, err := s.state(ctx, s.db, keyWatermark)
	if err != nil {
		return 0, err
	}
	bound := min(wm, maxIDAt(s.clock.Now().AddDate(0, 0, -s.retentionDays(ctx))))
	// In batches, so the SQLite writer is never held for long.
	var total int64
	for {
		res, err := s.db.Exec(ctx, `DELETE FROM analytics_events WHERE id IN
			(SELECT id FROM analytics_events WHERE id <= ? ORDER BY id LIMIT 5000)`, bound)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < 5000 || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

type sqlRows = sql.Rows

func parseDay(s string) (time.Time, error) { return time.Parse("2006-01-02", s) }
