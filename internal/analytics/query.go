package analytics

import (
	"context"
	"sort"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Row is one rollup row.
type Row struct {
	Day      string
	Kind     string
	Surface  string
	Object   int64
	Events   int64
	Users    int64
	ValueSum int64
	ValueMax int64
	Failures int64
}

// Totals returns the account's every-object rows (object -1: per kind and
// surface, and per kind with surface "*") for days from..to inclusive.
func (s *Store) Totals(ctx context.Context, accountID int64, from, to string) (_ []Row, err error) {
	defer errs.Wrap(&err, "analytics.Store.Totals(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT day, kind, surface, events, users, value_sum, value_max, failures FROM analytics_daily
		WHERE account_id = ? AND day >= ? AND day <= ? AND object_id = -1 ORDER BY day, kind, surface`, accountID, from, to)
	return db.Collect(rows, err, func(r *sqlRows) (Row, error) {
		x := Row{Object: AllObjects}
		return x, r.Scan(&x.Day, &x.Kind, &x.Surface, &x.Events, &x.Users, &x.ValueSum, &x.ValueMax, &x.Failures)
	})
}

// PeriodSums sums the account's every-object rows per kind and surface
// over two periods at once: prevFrom..from-1 (Prev) and from..to (the
// rows' own fields). One pass in SQL, a few dozen rows out.
func (s *Store) PeriodSums(ctx context.Context, accountID int64, prevFrom, from, to string) (cur, prev []Row, err error) {
	defer errs.Wrap(&err, "analytics.Store.PeriodSums(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT kind, surface,
		SUM(CASE WHEN day >= ? THEN events ELSE 0 END), SUM(CASE WHEN day >= ? THEN users ELSE 0 END),
		SUM(CASE WHEN day >= ? THEN value_sum ELSE 0 END), MAX(CASE WHEN day >= ? THEN value_max ELSE 0 END),
		SUM(CASE WHEN day >= ? THEN failures ELSE 0 END),
		SUM(CASE WHEN day < ? THEN events ELSE 0 END), SUM(CASE WHEN day < ? THEN users ELSE 0 END),
		SUM(CASE WHEN day < ? THEN value_sum ELSE 0 END)
		FROM analytics_daily WHERE account_id = ? AND day >= ? AND day <= ? AND object_id = -1 GROUP BY kind, surface`,
		from, from, from, from, from, from, from, from, accountID, prevFrom, to)
	type pair struct{ c, p Row }
	ps, err := db.Collect(rows, err, func(r *sqlRows) (pair, error) {
		var x pair
		err := r.Scan(&x.c.Kind, &x.c.Surface, &x.c.Events, &x.c.Users, &x.c.ValueSum, &x.c.ValueMax, &x.c.Failures, &x.p.Events, &x.p.Users, &x.p.ValueSum)
		x.c.Object, x.p.Object, x.p.Kind, x.p.Surface = AllObjects, AllObjects, x.c.Kind, x.c.Surface
		return x, err
	})
	if err != nil {
		return nil, nil, err
	}
	for _, x := range ps {
		cur = append(cur, x.c)
		prev = append(prev, x.p)
	}
	return cur, prev, nil
}

// DayRows returns the every-object rows of the given kinds for days
// from..to.
func (s *Store) DayRows(ctx context.Context, accountID int64, from, to string, kinds ...string) (_ []Row, err error) {
	defer errs.Wrap(&err, "analytics.Store.DayRows(%d)", accountID)
	args := []any{accountID, from, to}
	for _, k := range kinds {
		args = append(args, k)
	}
	rows, err := s.db.Query(ctx, `SELECT day, kind, surface, events, users, value_sum, value_max, failures FROM analytics_daily
		WHERE account_id = ? AND day >= ? AND day <= ? AND object_id = -1 AND kind IN (?`+repeat(", ?", len(kinds)-1)+`) ORDER BY day, kind, surface`, args...)
	return db.Collect(rows, err, func(r *sqlRows) (Row, error) {
		x := Row{Object: AllObjects}
		return x, r.Scan(&x.Day, &x.Kind, &x.Surface, &x.Events, &x.Users, &x.ValueSum, &x.ValueMax, &x.Failures)
	})
}

// Hourly returns the account's hourly rows of one day.
func (s *Store) Hourly(ctx context.Context, accountID int64, day string) (_ []Row, err error) {
	defer errs.Wrap(&err, "analytics.Store.Hourly(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT hour, kind, surface, events, users, value_sum, value_max, failures FROM analytics_hourly
		WHERE account_id = ? AND day = ? ORDER BY hour, kind, surface`, accountID, day)
	return db.Collect(rows, err, func(r *sqlRows) (Row, error) {
		x := Row{Day: day, Object: AllObjects}
		return x, r.Scan(&x.Object, &x.Kind, &x.Surface, &x.Events, &x.Users, &x.ValueSum, &x.ValueMax, &x.Failures)
	})
}

// ObjectRows returns per-object rows (every surface) of the given kinds
// for days from..to, summed over the days: Users is then the sum of each
// day's distinct people.
func (s *Store) ObjectRows(ctx context.Context, accountID int64, from, to string, kinds ...string) (_ []Row, err error) {
	defer errs.Wrap(&err, "analytics.Store.ObjectRows(%d)", accountID)
	q := `SELECT object_id, kind, SUM(events), SUM(users), SUM(value_sum), MAX(value_max), SUM(failures) FROM analytics_daily
		WHERE account_id = ? AND day >= ? AND day <= ? AND surface = '*' AND object_id > 0`
	args := []any{accountID, from, to}
	if len(kinds) > 0 {
		q += ` AND kind IN (?` + repeat(", ?", len(kinds)-1) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	q += ` GROUP BY object_id, kind`
	rows, err := s.db.Query(ctx, q, args...)
	return db.Collect(rows, err, func(r *sqlRows) (Row, error) {
		var x Row
		return x, r.Scan(&x.Object, &x.Kind, &x.Events, &x.Users, &x.ValueSum, &x.ValueMax, &x.Failures)
	})
}

// ObjectDayRows returns one object's rows (per surface and "*") for days
// from..to, for per-article detail and getarticletotal.
func (s *Store) ObjectDayRows(ctx context.Context, accountID, objectID int64, from, to string) (_ []Row, err error) {
	defer errs.Wrap(&err, "analytics.Store.ObjectDayRows(%d, %d)", accountID, objectID)
	rows, err := s.db.Query(ctx, `SELECT day, kind, surface, events, users, value_sum, value_max, failures FROM analytics_daily
		WHERE account_id = ? AND day >= ? AND day <= ? AND object_id = ? ORDER BY day, kind, surface`, accountID, from, to, objectID)
	return db.Collect(rows, err, func(r *sqlRows) (Row, error) {
		x := Row{Object: objectID}
		return x, r.Scan(&x.Day, &x.Kind, &x.Surface, &x.Events, &x.Users, &x.ValueSum, &x.ValueMax, &x.Failures)
	})
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}

// GrowthDay is one day of follower growth.
type GrowthDay struct {
	Day        string
	New        int64
	Lost       int64
	Net        int64
	Cumulative int64
}

// Growth returns follower growth for each day from..to. Cumulative is the
// follower count at the end of the day, worked back from the maintained
// follower count (followers now) through the net growth of later days.
func (s *Store) Growth(ctx context.Context, accountID int64, followersNow int64, from, to, today string) (_ []GrowthDay, err error) {
	defer errs.Wrap(&err, "analytics.Store.Growth(%d, %d)", accountID, followersNow)
	end := to
	if today > end {
		end = today
	}
	rows, err := s.db.Query(ctx, `SELECT day, kind, events FROM analytics_daily
		WHERE account_id = ? AND day >= ? AND day <= ? AND surface = '*' AND object_id = -1 AND kind IN ('follow', 'unfollow')`,
		accountID, from, end)
	type r3 struct {
		day, kind string
		n         int64
	}
	rs, err := db.Collect(rows, err, func(r *sqlRows) (r3, error) {
		var x r3
		return x, r.Scan(&x.day, &x.kind, &x.n)
	})
	if err != nil {
		return nil, err
	}
	byDay := map[string]*GrowthDay{}
	for _, x := range rs {
		g := byDay[x.day]
		if g == nil {
			g = &GrowthDay{Day: x.day}
			byDay[x.day] = g
		}
		if x.kind == KindFollow {
			g.New += x.n
		} else {
			g.Lost += x.n
		}
	}
	// Walk back from the end (today or later) to from.
	var out []GrowthDay
	cum := followersNow
	for d := end; d >= from; d = AddDays(d, -1) {
		g := GrowthDay{Day: d}
		if x := byDay[d]; x != nil {
			g.New, g.Lost = x.New, x.Lost
		}
		g.Net = g.New - g.Lost
		g.Cumulative = cum
		cum -= g.Net
		if d <= to {
			out = append(out, g)
		}
		if len(out) > 3700 {
			break
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day < out[j].Day })
	return out, nil
}

// Today is the current day in the account's time zone.
func (s *Store) Today(tz string) string { return DayOf(s.clock.Now(), Location(tz)) }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.clock.Now() }

// PublishedArticleAccount returns the account of a published, not deleted
// article (db.ErrNotFound otherwise), for events reported by the reading
// page's script.
func (s *Store) PublishedArticleAccount(ctx context.Context, articleID int64) (_ int64, err error) {
	defer errs.Wrap(&err, "analytics.Store.PublishedArticleAccount(%d)", articleID)
	var a int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT a.account_id FROM articles a JOIN publications p ON p.id = a.publication_id
		WHERE a.id = ? AND a.deleted = ? AND p.state = 'published'`, articleID, false), &a)
	return a, err
}

// ObjectSurfaceReads sums each object's events of kind per surface over
// days from..to: object → surface → events.
func (s *Store) ObjectSurfaceReads(ctx context.Context, accountID int64, from, to, kind string) (_ map[int64]map[string]int64, err error) {
	defer errs.Wrap(&err, "analytics.Store.ObjectSurfaceReads(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT object_id, surface, SUM(events) FROM analytics_daily
		WHERE account_id = ? AND object_id > 0 AND day >= ? AND day <= ? AND kind = ? AND surface <> '*'
		GROUP BY object_id, surface`, accountID, from, to, kind)
	type r3 struct {
		obj     int64
		surface string
		n       int64
	}
	rs, err := db.Collect(rows, err, func(r *sqlRows) (r3, error) {
		var x r3
		return x, r.Scan(&x.obj, &x.surface, &x.n)
	})
	if err != nil {
		return nil, err
	}
	out := map[int64]map[string]int64{}
	for _, x := range rs {
		if out[x.obj] == nil {
			out[x.obj] = map[string]int64{}
		}
		out[x.obj][x.surface] = x.n
	}
	return out, nil
}
