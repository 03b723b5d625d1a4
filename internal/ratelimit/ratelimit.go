// Package ratelimit keeps rate limits in the database, so that every Herald
// node sharing it counts against the same buckets: five sign-ups a client
// may make are five across the cluster, not five per node.
//
// A Limiter is a token bucket (burst events at once, then one every
// interval) stored as one row per key in the rate_limits table, using the
// generic cell rate algorithm: the row holds the key's "theoretical arrival
// time" (tat). An event is allowed when tat - (burst-1)*interval <= now, and
// then moves tat to max(tat, now) + interval. Allow does the check and the
// update in one INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING
// statement, so concurrent nodes can never both take the last token.
package ratelimit

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Limiter is a token bucket per key, shared through the database.
type Limiter struct {
	db       *db.DB
	clock    clock.Clock
	prefix   string
	interval int64 // microseconds between events once the burst is spent
	burst    int64
}

// New returns a limiter allowing burst events at once and then one every
// interval, per key. prefix names the limit ("signup:", "chat:") so that
// limiters sharing the table never share buckets.
func New(d *db.DB, c clock.Clock, prefix string, interval time.Duration, burst int) *Limiter {
	if c == nil {
		c = clock.Real{}
	}
	if burst < 1 {
		burst = 1
	}
	return &Limiter{db: d, clock: c, prefix: prefix, interval: max(interval.Microseconds(), 1), burst: int64(burst)}
}

// tolerance is how far ahead of now tat may be for one more event.
func (l *Limiter) tolerance() int64 { return (l.burst - 1) * l.interval }

const allowSQL = `INSERT INTO rate_limits (key, tat) VALUES (?, ?)
ON CONFLICT (key) DO UPDATE SET tat = (CASE WHEN rate_limits.tat > ? THEN rate_limits.tat ELSE ? END) + ?
WHERE rate_limits.tat - ? <= ?
RETURNING tat`

// Allow takes one event for key and reports whether the bucket had room.
// A database error is returned as is (with false): callers decide whether
// to fail open or closed.
func (l *Limiter) Allow(ctx context.Context, key string) (_ bool, err error) {
	defer errs.Wrap(&err, "ratelimit.Limiter.Allow()")
	ok, _, err := l.Take(ctx, key)
	return ok, err
}

// Take is Allow that also tells, when the event is refused, how long until
// the key has room again.
func (l *Limiter) Take(ctx context.Context, key string) (_ bool, _ time.Duration, err error) {
	defer errs.Wrap(&err, "ratelimit.Limiter.Take()")
	now := db.Micro(l.clock.Now())
	var tat int64
	err = l.db.CountQueryRow(ctx, allowSQL, l.prefix+key, now+l.interval,
		now, now, l.interval, now, l.tolerance()).Scan(&tat)
	if errors.Is(err, sql.ErrNoRows) {
		wait, werr := l.wait(ctx, key, now)
		return false, wait, werr
	}
	if err != nil {
		return false, 0, err
	}
	return true, 0, nil
}

// wait is how long until key may take an event again.
func (l *Limiter) wait(ctx context.Context, key string, now int64) (time.Duration, error) {
	var tat int64
	err := l.db.WriterQueryRow(ctx, `SELECT tat FROM rate_limits WHERE key = ?`, l.prefix+key).Scan(&tat)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return time.Duration(max(tat-l.tolerance()-now, 0)) * time.Microsecond, nil
}

// Blocked reports, without taking an event, whether key has no room now.
func (l *Limiter) Blocked(ctx context.Context, key string) (_ bool, err error) {
	defer errs.Wrap(&err, "ratelimit.Limiter.Blocked()")
	now := db.Micro(l.clock.Now())
	d, err := l.wait(ctx, key, now)
	return d > 0, err
}

// Reset forgets key's events (for example the failed sign-ins of a name
// after a successful one).
func (l *Limiter) Reset(ctx context.Context, key string) (err error) {
	defer errs.Wrap(&err, "ratelimit.Limiter.Reset()")
	_, err = l.db.Exec(ctx, `DELETE FROM rate_limits WHERE key = ?`, l.prefix+key)
	return err
}

// Sweep deletes the buckets of every limiter that are full again (their
// tat has passed): they allow exactly what a missing row allows. It returns
// how many rows it deleted.
func Sweep(ctx context.Context, d *db.DB, c clock.Clock) (_ int64, err error) {
	defer errs.Wrap(&err, "ratelimit.Sweep()")
	if c == nil {
		c = clock.Real{}
	}
	res, err := d.Exec(ctx, `DELETE FROM rate_limits WHERE tat < ?`, db.Micro(c.Now()))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
