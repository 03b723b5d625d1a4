package analytics

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Backfill turns the history that domain tables already hold into raw
// events, once: follows (subscribed_at with their source, unsubscribed_at),
// followers' messages and menu clicks, within the retention period and
// before the first captured event. The next Rollup aggregates them, so an
// upgraded platform's dashboards show its past. It does nothing the second
// time (or after MarkBackfilled).
func (s *Store) Backfill(ctx context.Context) (_ int64, err error) {
	defer errs.Wrap(&err, "analytics.Store.Backfill()")
	done, err := s.state(ctx, s.db, keyBackfilled)
	if err != nil || done != 0 {
		return 0, err
	}
	now := s.clock.Now()
	lo := db.Micro(now.AddDate(0, 0, -s.retentionDays(ctx)))
	hi := db.Micro(now)
	var first int64
	if err := db.Get(s.db.QueryRow(ctx, `SELECT COALESCE(MIN(at), 0) FROM analytics_events`), &first); err != nil {
		return 0, err
	}
	if first > 0 && first < hi {
		hi = first
	}
	var total int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		total = 0
		// Claim the backfill: with several nodes, the first transaction
		// to record it does it; the others find it recorded and stop.
		res, err := tx.Exec(ctx, `INSERT INTO analytics_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, keyBackfilled, db.Micro(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return s.backfill(ctx, tx, lo, hi, &total)
	})
	return total, err
}

// backfill inserts the events of [lo, hi) from the domain tables.
func (s *Store) backfill(ctx context.Context, tx *db.Tx, lo, hi int64, total *int64) error {
	for _, src := range []struct{ name, count, insert string }{
		{"follows",
			`SELECT COUNT(*) FROM follows WHERE subscribed_at >= ? AND subscribed_at < ?`,
			`SELECT CAST(? AS BIGINT) + ROW_NUMBER() OVER (ORDER BY subscribed_at, person_id), account_id, 'follow', person_id, 0, CASE WHEN source = 'qr' AND scene <> '' THEN SUBSTR('qr:' || scene, 1, 200) ELSE source END, 0, 0, '', subscribed_at
			FROM follows WHERE subscribed_at >= ? AND subscribed_at < ?`},
		{"unfollows",
			`SELECT COUNT(*) FROM follows WHERE following = FALSE AND unsubscribed_at >= ? AND unsubscribed_at < ?`,
			`SELECT CAST(? AS BIGINT) + ROW_NUMBER() OVER (ORDER BY unsubscribed_at, person_id), account_id, 'unfollow', person_id, 0, CASE WHEN source = 'qr' AND scene <> '' THEN SUBSTR('qr:' || scene, 1, 200) ELSE source END, 0, 0, '', unsubscribed_at
			FROM follows WHERE following = FALSE AND unsubscribed_at >= ? AND unsubscribed_at < ?`},
		{"messages",
			`SELECT COUNT(*) FROM messages WHERE direction = 'in' AND created_at >= ? AND created_at < ?`,
			`SELECT CAST(? AS BIGINT) + ROW_NUMBER() OVER (ORDER BY id), account_id, 'message_in', person_id, 0, kind, 0, 0, '', created_at
			FROM messages WHERE direction = 'in' AND created_at >= ? AND created_at < ?`},
		{"menu clicks",
			`SELECT COUNT(*) FROM menu_clicks WHERE created_at >= ? AND created_at < ?`,
			`SELECT CAST(? AS BIGINT) + ROW_NUMBER() OVER (ORDER BY id), account_id, 'menu_click', person_id, 0, SUBSTR(button_key, 1, 200), 0, 0, '', created_at
			FROM menu_clicks WHERE created_at >= ? AND created_at < ?`},
	} {
		var n int64
		if err := db.Get(tx.QueryRow(ctx, src.count, lo, hi), &n); err != nil {
			return fmt.Errorf("analytics: backfill %s: %w", src.name, err)
		}
		if n == 0 {
			continue
		}
		base := id.NewBlock(n) - 1
		if _, err := tx.Exec(ctx, `INSERT INTO analytics_events (id, account_id, kind, person_id, object_id, surface, value, failed, device, at) `+src.insert,
			base, lo, hi); err != nil {
			return fmt.Errorf("analytics: backfill %s: %w", src.name, err)
		}
		*total += n
	}
	return nil
}

// MarkBackfilled records that there is no history to backfill (the demo,
// which seeds its own events).
func (s *Store) MarkBackfilled(ctx context.Context) (err error) {
	defer errs.Wrap(&err, "analytics.Store.MarkBackfilled()")
	return setState(ctx, s.db, keyBackfilled, db.Micro(s.clock.Now()))
}

// Snapshot refreshes the follower demographics of every account that has
// followers: region and language from followers' profiles, device class
// from the people who followed or read in the last 30 days.
func (s *Store) Snapshot(ctx context.Context) (err error) {
	defer errs.Wrap(&err, "analytics.Store.Snapshot()")
	rows, err := s.db.Query(ctx, `SELECT id FROM accounts WHERE follower_count > 0 ORDER BY id`)
	ids, err := db.Collect(rows, err, func(r *sqlRows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
	if err != nil {
		return err
	}
	for _, a := range ids {
		if err := s.SnapshotAccount(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// SnapshotAccount refreshes one account's demographics.
func (s *Store) SnapshotAccount(ctx context.Context, accountID int64) (err error) {
	defer errs.Wrap(&err, "analytics.Store.SnapshotAccount(%d)", accountID)
	now := s.clock.Now()
	type group struct {
		dim, value string
		n          int64
	}
	var groups []group
	collect := func(dim, q string, args ...any) error {
		rows, err := s.db.Query(ctx, q, args...)
		gs, err := db.Collect(rows, err, func(r *sqlRows) (group, error) {
			g := group{dim: dim}
			return g, r.Scan(&g.value, &g.n)
		})
		groups = append(groups, gs...)
		return err
	}
	if err := collect("region", `SELECT p.region, COUNT(*) FROM follows f JOIN people p ON p.id = f.person_id
		WHERE f.account_id = ? AND f.following = ? GROUP BY p.region`, accountID, true); err != nil {
		return err
	}
	if err := collect("language", `SELECT p.language, COUNT(*) FROM follows f JOIN people p ON p.id = f.person_id
		WHERE f.account_id = ? AND f.following = ? GROUP BY p.language`, accountID, true); err != nil {
		return err
	}
	if err := collect("device", `SELECT device, COUNT(DISTINCT person_id) FROM analytics_events
		WHERE account_id = ? AND at >= ? AND person_id <> 0 AND device <> '' GROUP BY device`,
		accountID, db.Micro(now.AddDate(0, 0, -30))); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM analytics_demographics WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		for _, g := range groups {
			if _, err := tx.Exec(ctx, `INSERT INTO analytics_demographics (account_id, dimension, value, followers, updated_at) VALUES (?, ?, ?, ?, ?)`,
				accountID, g.dim, g.value, g.n, db.Micro(now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Group is one demographic group.
type Group struct {
	Value     string
	Followers int64
	Share     float64 // of the dimension's total, 0..1
}

// Demographics is an account's follower demographics with every group
// below the minimum size folded into Hidden.
type Demographics struct {
	Dimensions map[string][]Group // region, language, device
	Hidden     map[string]int64   // followers in groups too small to show
	MinGroup   int
	UpdatedAt  time.Time
}

// Demographics returns the latest snapshot, showing only groups of at least
// minGroup people. When the small groups together are fewer than minGroup
// their count is hidden too (Hidden -1), so nobody can be singled out by
// subtraction.
func (s *Store) Demographics(ctx context.Context, accountID int64, minGroup int) (_ *Demographics, err error) {
	defer errs.Wrap(&err, "analytics.Store.Demographics(%d, %d)", accountID, minGroup)
	rows, err := s.db.Query(ctx, `SELECT dimension, value, followers, updated_at FROM analytics_demographics WHERE account_id = ?`, accountID)
	type row struct {
		dim, value string
		n, at      int64
	}
	rs, err := db.Collect(rows, err, func(r *sqlRows) (row, error) {
		var x row
		return x, r.Scan(&x.dim, &x.value, &x.n, &x.at)
	})
	if err != nil {
		return nil, err
	}
	d := &Demographics{Dimensions: map[string][]Group{}, Hidden: map[string]int64{}, MinGroup: minGroup}
	totals := map[string]int64{}
	for _, x := range rs {
		totals[x.dim] += x.n
		if t := FromMicroTime(x.at); t.After(d.UpdatedAt) {
			d.UpdatedAt = t
		}
	}
	for _, x := range rs {
		if x.n < int64(minGroup) {
			d.Hidden[x.dim] += x.n
			continue
		}
		d.Dimensions[x.dim] = append(d.Dimensions[x.dim], Group{Value: x.value, Followers: x.n, Share: float64(x.n) / float64(totals[x.dim])})
	}
	for dim, n := range d.Hidden {
		if n > 0 && n < int64(minGroup) {
			d.Hidden[dim] = -1
		}
	}
	for dim := range d.Dimensions {
		gs := d.Dimensions[dim]
		sort.Slice(gs, func(i, j int) bool {
			if gs[i].Followers != gs[j].Followers {
				return gs[i].Followers > gs[j].Followers
			}
			return gs[i].Value < gs[j].Value
		})
	}
	return d, nil
}

// FromMicroTime converts stored microseconds to a UTC time.
func FromMicroTime(v int64) time.Time { return db.FromMicro(v) }

// Platform metric names (analytics_platform).
const (
	MetricAccountsPrefix      = "accounts_"
	MetricApplicationsWaiting = "applications_waiting"
	MetricReviewMedianSeconds = "review_median_seconds"
	MetricReviewsDecided      = "reviews_decided_90d"
	MetricReportsOpen         = "reports_open"
	MetricReportsTotal        = "reports_total"
	MetricPenaltiesActive     = "penalties_active"
	MetricPenaltiesTotal      = "penalties_total"
	MetricFollowers           = "followers"
	MetricPublications        = "publications"
	MetricMessages            = "messages"
	// MetricDailyPrefix + kind + ":" + day: platform activity of one day.
	MetricDailyPrefix = "day:"
)

// PlatformSnapshot refreshes the admin dashboard's figures. Tables of
// features that are not there are skipped. Messages are counted
// incrementally (only rows past the last counted id), so the big table is
// never counted whole.
func (s *Store) PlatformSnapshot(ctx context.Context) (err error) {
	defer errs.Wrap(&err, "analytics.Store.PlatformSnapshot()")
	now := db.Micro(s.clock.Now())
	metrics := map[string]int64{}
	one := func(name, q string, args ...any) {
		var v int64
		if err := db.Get(s.db.QueryRow(ctx, q, args...), &v); err != nil {
			s.log.Debug("analytics: platform metric skipped", "metric", name, "error", err)
			return
		}
		metrics[name] = v
	}
	rows, err := s.db.Query(ctx, `SELECT status, COUNT(*) FROM accounts GROUP BY status`)
	type kv struct {
		k string
		v int64
	}
	st, err := db.Collect(rows, err, func(r *sqlRows) (kv, error) {
		var x kv
		return x, r.Scan(&x.k, &x.v)
	})
	if err != nil {
		return err
	}
	for _, status := range []string{"pending", "active", "rejected", "suspended", "terminated"} {
		metrics[MetricAccountsPrefix+status] = 0
	}
	for _, x := range st {
		metrics[MetricAccountsPrefix+x.k] = x.v
	}
	one(MetricFollowers, `SELECT COALESCE(SUM(follower_count), 0) FROM accounts`)
	one(MetricApplicationsWaiting, `SELECT COUNT(*) FROM applications WHERE state IN ('submitted', 'in_review')`)
	one(MetricReportsOpen, `SELECT COUNT(*) FROM reports WHERE state = 'open'`)
	one(MetricReportsTotal, `SELECT COUNT(*) FROM reports`)
	one(MetricPenaltiesActive, `SELECT COUNT(*) FROM penalties WHERE state = 'active'`)
	one(MetricPenaltiesTotal, `SELECT COUNT(*) FROM penalties`)
	one(MetricPublications, `SELECT COUNT(*) FROM publications WHERE state = 'published'`)
	// Median review time of the applications decided in the last 90 days.
	since := db.Micro(s.clock.Now().AddDate(0, 0, -90))
	drows, err := s.db.Query(ctx, `SELECT decided_at - first_submitted_at FROM applications
		WHERE decided_at >= ? AND first_submitted_at > 0 AND state IN ('approved', 'rejected')`, since)
	durs, err := db.Collect(drows, err, func(r *sqlRows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
	if err == nil {
		sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
		metrics[MetricReviewsDecided] = int64(len(durs))
		if n := len(durs); n > 0 {
			m := durs[n/2]
			if n%2 == 0 {
				m = (durs[n/2-1] + durs[n/2]) / 2
			}
			metrics[MetricReviewMedianSeconds] = m / 1e6
		} else {
			metrics[MetricReviewMedianSeconds] = 0
		}
	}
	// Platform activity per day over the last 30 days (each account's own
	// days), from the rollups: follows, unfollows, reads, messages.
	since30 := DayOf(s.clock.Now().AddDate(0, 0, -31), time.UTC)
	arows, err := s.db.Query(ctx, `SELECT day, kind, SUM(events) FROM analytics_daily
		WHERE day >= ? AND object_id = -1 AND surface = '*' AND kind IN ('follow', 'unfollow', 'read', 'message_in')
		GROUP BY day, kind`, since30)
	type dk struct {
		day, kind string
		n         int64
	}
	act, err := db.Collect(arows, err, func(r *sqlRows) (dk, error) {
		var x dk
		return x, r.Scan(&x.day, &x.kind, &x.n)
	})
	if err != nil {
		return err
	}
	for _, x := range act {
		metrics[MetricDailyPrefix+x.kind+":"+x.day] = x.n
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM analytics_platform WHERE metric LIKE 'day:%'`); err != nil {
			return err
		}
		// Messages: count only what was added since the last run.
		lastID, err := s.state(ctx, tx, keyMessagesID)
		if err != nil {
			return err
		}
		count, err := s.state(ctx, tx, keyMessages)
		if err != nil {
			return err
		}
		// Message ids start with their node's clock, and nodes' clocks may
		// differ: only ids older than messagesSettle are added to the
		// stored count (a message stored late on a node whose clock is
		// behind still lands above the mark); the newer tail is counted
		// afresh each time.
		hi := maxIDAt(time.Now().Add(-messagesSettle))
		if hi > lastID {
			var n int64
			if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE id > ? AND id <= ?`, lastID, hi), &n); err != nil {
				return err
			}
			count += n
			lastID = hi
			if err := setState(ctx, tx, keyMessagesID, lastID); err != nil {
				return err
			}
			if err := setState(ctx, tx, keyMessages, count); err != nil {
				return err
			}
		}
		var tail int64
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE id > ?`, lastID), &tail); err != nil {
			return err
		}
		// A Service account's mass send is stored once (broadcasts) with a
		// row per recipient: each part counts once per recipient, as its
		// job's sent count says (an imported send has no job: its
		// recipients are counted).
		var broadcast int64
		if err := db.Get(tx.QueryRow(ctx, `SELECT COALESCE((SELECT SUM(j.sent_count) FROM broadcasts b JOIN publish_jobs j ON j.id = b.job_id), 0)
			+ COALESCE((SELECT COUNT(*) FROM broadcasts b JOIN broadcast_recipients r ON r.send_id = b.send_id WHERE b.job_id = 0), 0)`), &broadcast); err != nil {
			return err
		}
		metrics[MetricMessages] = count + tail + broadcast
		for k, v := range metrics {
			if _, err := tx.Exec(ctx, `INSERT INTO analytics_platform (metric, value, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (metric) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, k, v, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// Platform returns the admin dashboard's figures and when they were last
// refreshed.
func (s *Store) Platform(ctx context.Context) (_ map[string]int64, _ time.Time, err error) {
	defer errs.Wrap(&err, "analytics.Store.Platform()")
	rows, err := s.db.Query(ctx, `SELECT metric, value, updated_at FROM analytics_platform`)
	type row struct {
		k     string
		v, at int64
	}
	rs, err := db.Collect(rows, err, func(r *sqlRows) (row, error) {
		var x row
		return x, r.Scan(&x.k, &x.v, &x.at)
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	out := map[string]int64{}
	var at time.Time
	for _, x := range rs {
		out[x.k] = x.v
		if t := db.FromMicro(x.at); t.After(at) {
			at = t
		}
	}
	return out, at, nil
}

// messagesSettle is how old a message id must be before the platform's
// message count takes it for good: more than nodes' clocks may differ.
const messagesSettle = 30 * time.Second

// pushImportBatch is how many push-log rows one transaction imports.
const pushImportBatch = 5000

// ImportPushLog turns the developer-API feature's push log
// (push_deliveries: every push of a message or event to an account's
// server, with its outcome and time) into push_delivery events, so the push
// code needs no capture call of its own. It reads push_import_queue, the
// narrow queue the push log's writer fills in the transaction that writes
// each log row (the echostr handshakes, "verify", are not queued), never
// the wide log rows themselves. Each row is imported exactly once: one
// transaction deletes the queue rows it takes (DELETE ... RETURNING, which
// two nodes running at once can never both take) and inserts their
// events, so the result depends neither on nodes' clocks nor on how many
// nodes run it, and a crash before the commit leaves the rows queued. It
// returns how many rows it imported; without the table it does nothing.
func (s *Store) ImportPushLog(ctx context.Context) (_ int64, err error) {
	defer errs.Wrap(&err, "analytics.Store.ImportPushLog()")
	var total int64
	for {
		var n int
		err := s.db.Tx(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `DELETE FROM push_import_queue WHERE id IN (
					SELECT id FROM push_import_queue ORDER BY id LIMIT ?)
				RETURNING id, account_id, person_id, kind, duration_us, ok, created_at`, pushImportBatch)
			type row struct {
				ev Event
				id int64
			}
			list, err := db.Collect(rows, err, func(r *sqlRows) (row, error) {
				var x row
				var ok bool
				var at int64
				err := r.Scan(&x.id, &x.ev.AccountID, &x.ev.PersonID, &x.ev.Surface, &x.ev.Value, &ok, &at)
				x.ev.Kind, x.ev.Failed, x.ev.At, x.ev.Value = KindPushDelivery, !ok, db.FromMicro(at), x.ev.Value/1000
				return x, err
			})
			if err != nil {
				return err
			}
			sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
			evs := make([]Event, 0, len(list))
			for _, x := range list {
				if x.ev.Surface != "verify" {
					evs = append(evs, x.ev)
				}
			}
			n = len(list)
			total += int64(len(evs))
			return insertEvents(ctx, tx, evs)
		})
		if err != nil {
			if total == 0 && isMissingTable(err) {
				s.log.Debug("analytics: push log not imported", "error", err)
				return 0, nil
			}
			return total, fmt.Errorf("analytics: import push log: %w", err)
		}
		if n < pushImportBatch {
			return total, nil
		}
	}
}

// isMissingTable reports an error about a table or column that is not
// there (a feature not installed).
func isMissingTable(err error) bool {
	s := err.Error()
	return strings.Contains(s, "no such table") || strings.Contains(s, "does not exist") || strings.Contains(s, "no such column")
}
