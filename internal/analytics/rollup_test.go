package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/settings"
)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

func newAccount(t testing.TB, d *db.DB, tz string, followers int64) int64 {
	t.Helper()
	aid := id.New()
	_, err := d.Exec(context.Background(), `INSERT INTO accounts (id, type, region, name, name_key, status, timezone, follower_count, created_at, updated_at)
		VALUES (?, 'subscription', 'domestic', ?, ?, 'active', ?, ?, 0, 0)`, aid, fmt.Sprintf("Acct %d", aid), fmt.Sprintf("acct%d", aid), tz, followers)
	if err != nil {
		t.Fatal(err)
	}
	return aid
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

type key struct {
	day, kind, surface string
}

func totals(t *testing.T, st *analytics.Store, account int64, from, to string) map[key]analytics.Row {
	t.Helper()
	rows, err := st.Totals(context.Background(), account, from, to)
	if err != nil {
		t.Fatal(err)
	}
	m := map[key]analytics.Row{}
	for _, r := range rows {
		m[key{r.Day, r.Kind, r.Surface}] = r
	}
	return m
}

func expect(t *testing.T, m map[key]analytics.Row, day, kind, surface string, events, users int64) {
	t.Helper()
	r := m[key{day, kind, surface}]
	if r.Events != events || r.Users != users {
		t.Errorf("%s %s/%s: got %d events by %d people, want %d by %d", day, kind, surface, r.Events, r.Users, events, users)
	}
}

// Events either side of midnight in Asia/Shanghai (UTC+8) and in UTC land
// on the days a person in that time zone would expect.
func TestRollupDaysFollowTheAccountsTimeZone(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	clk := &fixedClock{utc("2026-03-11 12:00:00")}
	st := analytics.NewStore(d, clk, settings.NewStore(d, clk), nil)
	sh := newAccount(t, d, "Asia/Shanghai", 5)
	uk := newAccount(t, d, "UTC", 2)
	const article = 77
	var evs []analytics.Event
	for _, a := range []int64{sh, uk} {
		evs = append(evs,
			// 23:59:59 on 9 March in Shanghai; 15:59:59 on 9 March in UTC.
			analytics.Event{AccountID: a, Kind: analytics.KindFollow, PersonID: 1, Surface: "search", At: utc("2026-03-09 15:59:59")},
			// 00:00:00 on 10 March in Shanghai; still 9 March in UTC.
			analytics.Event{AccountID: a, Kind: analytics.KindFollow, PersonID: 2, Surface: "qr", At: utc("2026-03-09 16:00:00")},
			analytics.Event{AccountID: a, Kind: analytics.KindUnfollow, PersonID: 3, Surface: "search", At: utc("2026-03-10 03:00:00")},
			analytics.Event{AccountID: a, Kind: analytics.KindRead, PersonID: 1, ObjectID: article, Surface: "chat", At: utc("2026-03-10 01:00:00")},
			analytics.Event{AccountID: a, Kind: analytics.KindRead, PersonID: 1, ObjectID: article, Surface: "folder", At: utc("2026-03-10 02:00:00")},
			analytics.Event{AccountID: a, Kind: analytics.KindRead, PersonID: 2, ObjectID: article, Surface: "chat", At: utc("2026-03-10 05:00:00")},
			analytics.Event{AccountID: a, Kind: analytics.KindRead, PersonID: 0, ObjectID: article, Surface: "link", At: utc("2026-03-10 06:00:00")},
			// Person 2 messages 18 hours after following: a conversion.
			analytics.Event{AccountID: a, Kind: analytics.KindMessageIn, PersonID: 2, Surface: "text", At: utc("2026-03-10 10:00:00")},
			analytics.Event{AccountID: a, Kind: analytics.KindAPICall, Surface: "message/custom/send", Value: 100, At: utc("2026-03-10 10:00:00")},
			analytics.Event{AccountID: a, Kind: analytics.KindAPICall, Surface: "message/custom/send", Value: 300, Failed: true, At: utc("2026-03-10 11:00:00")},
		)
	}
	if err := analytics.InsertEvents(ctx, d, evs); err != nil {
		t.Fatal(err)
	}
	n, err := st.RollupNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Shanghai: 9 and 10 March (+ nothing else); UTC: 9 and 10 March.
	if n != 4 {
		t.Errorf("rolled up %d days, want 4", n)
	}

	m := totals(t, st, sh, "2026-03-01", "2026-03-31")
	expect(t, m, "2026-03-09", "follow", "*", 1, 1)
	expect(t, m, "2026-03-09", "follow", "search", 1, 1)
	expect(t, m, "2026-03-10", "follow", "*", 1, 1)
	expect(t, m, "2026-03-10", "follow", "qr", 1, 1)
	expect(t, m, "2026-03-10", "unfollow", "*", 1, 1)
	expect(t, m, "2026-03-10", "read", "*", 4, 2) // the anonymous read counts as a read, not a reader
	expect(t, m, "2026-03-10", "read", "chat", 2, 2)
	expect(t, m, "2026-03-10", "read", "folder", 1, 1)
	expect(t, m, "2026-03-10", "message_in", "text", 1, 1)
	expect(t, m, "2026-03-10", "conv_follows", "qr", 1, 1)
	expect(t, m, "2026-03-10", "conv_message", "qr", 1, 1)
	expect(t, m, "2026-03-10", "conv_any", "*", 1, 1)
	expect(t, m, "2026-03-09", "conv_follows", "search", 1, 1)
	expect(t, m, "2026-03-09", "conv_message", "search", 0, 0) // person 1 never wrote
	api := m[key{"2026-03-10", "api_call", "*"}]
	if api.Events != 2 || api.Failures != 1 || api.ValueSum != 400 || api.ValueMax != 300 {
		t.Errorf("interface summary: got %+v, want 2 calls, 1 failure, 400 ms total, 300 ms max", api)
	}
	if len(m) == 0 || m[key{"2026-03-11", "follow", "*"}].Events != 0 {
		t.Errorf("unexpected rows: %v", m)
	}

	u := totals(t, st, uk, "2026-03-01", "2026-03-31")
	expect(t, u, "2026-03-09", "follow", "*", 2, 2)
	expect(t, u, "2026-03-10", "follow", "*", 0, 0)
	expect(t, u, "2026-03-10", "read", "*", 4, 2)
	expect(t, u, "2026-03-09", "conv_message", "qr", 1, 1)
	// Each account sees only its own rows.
	other := newAccount(t, d, "UTC", 0)
	if o := totals(t, st, other, "2026-03-01", "2026-03-31"); len(o) != 0 {
		t.Errorf("an account without events sees %d rows", len(o))
	}

	// Per-article rows: every surface together.
	objs, err := st.ObjectRows(ctx, sh, "2026-03-10", "2026-03-10", analytics.KindRead)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || objs[0].Object != article || objs[0].Events != 4 || objs[0].Users != 2 {
		t.Errorf("article rows: %+v, want article 77 with 4 reads by 2 readers", objs)
	}

	// Hours count from local midnight: person 2's follow is at 00:00 in
	// Shanghai, the first read at 09:00.
	hours, err := st.Hourly(ctx, sh, "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, h := range hours {
		if h.Surface == "*" {
			got[fmt.Sprintf("%s@%d", h.Kind, h.Object)] += h.Events
		}
	}
	for k, want := range map[string]int64{"follow@0": 1, "read@9": 1, "read@10": 1, "read@13": 1, "read@14": 1, "message_in@18": 1, "unfollow@11": 1} {
		if got[k] != want {
			t.Errorf("hourly %s: got %d, want %d (all: %v)", k, got[k], want, got)
		}
	}

	// Growth: 5 followers now; on 10 March one came and one left, on 9
	// March one came, so the day before had 4.
	g, err := st.Growth(ctx, sh, 5, "2026-03-08", "2026-03-10", "2026-03-11")
	if err != nil {
		t.Fatal(err)
	}
	want := []analytics.GrowthDay{{"2026-03-08", 0, 0, 0, 4}, {"2026-03-09", 1, 0, 1, 5}, {"2026-03-10", 1, 1, 0, 5}}
	if fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("growth:\n got %v\nwant %v", g, want)
	}
}

// Running the rollup again changes nothing; a new event rewrites only its
// day, and a late message converts an earlier follow.
func TestRollupIsIdempotentAndIncremental(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	clk := &fixedClock{utc("2026-03-20 12:00:00")}
	st := analytics.NewStore(d, clk, settings.NewStore(d, clk), nil)
	a := newAccount(t, d, "Asia/Shanghai", 1)
	rec := analytics.NewRecorder(d, clk, nil, 16)
	rec.Record(analytics.Event{AccountID: a, Kind: analytics.KindFollow, PersonID: 9, Surface: "article", At: utc("2026-03-10 04:00:00")})
	rec.Record(analytics.Event{AccountID: a, Kind: analytics.KindMenuClick, PersonID: 9, Surface: "PRICES", At: utc("2026-03-10 04:01:00")})
	if err := rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := st.RollupNow(ctx); err != nil || n != 1 {
		t.Fatalf("first rollup: %d days, %v; want 1", n, err)
	}
	before := totals(t, st, a, "2026-03-01", "2026-03-31")
	if n, err := st.RollupNow(ctx); err != nil || n != 0 {
		t.Fatalf("second rollup: %d days, %v; want 0", n, err)
	}
	// Rewriting the day by hand gives the same rows.
	if err := st.RollupDay(ctx, a, "2026-03-10", analytics.Location("Asia/Shanghai")); err != nil {
		t.Fatal(err)
	}
	if after := totals(t, st, a, "2026-03-01", "2026-03-31"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("re-running a day changed it:\n%v\n%v", before, after)
	}
	expect(t, before, "2026-03-10", "menu_click", "PRICES", 1, 1)
	expect(t, before, "2026-03-10", "conv_link", "article", 0, 0)

	// Three days later the follower clicks a link in an article: the
	// follow of 10 March converts; the new day appears.
	rec.Record(analytics.Event{AccountID: a, Kind: analytics.KindLinkClick, PersonID: 9, ObjectID: 5, At: utc("2026-03-13 04:00:00")})
	if err := rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := st.RollupNow(ctx); err != nil || n != 1 {
		t.Fatalf("third rollup: %d days, %v; want 1", n, err)
	}
	m := totals(t, st, a, "2026-03-01", "2026-03-31")
	expect(t, m, "2026-03-10", "conv_link", "article", 1, 1)
	expect(t, m, "2026-03-10", "conv_any", "*", 1, 1)
	expect(t, m, "2026-03-10", "menu_click", "PRICES", 1, 1)
	expect(t, m, "2026-03-13", "link_click", "*", 1, 1)

	// Ten days later is outside the conversion window.
	rec.Record(analytics.Event{AccountID: a, Kind: analytics.KindMessageIn, PersonID: 9, Surface: "text", At: utc("2026-03-18 05:00:00")})
	_ = rec.Flush(ctx)
	if _, err := st.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}
	m = totals(t, st, a, "2026-03-01", "2026-03-31")
	expect(t, m, "2026-03-10", "conv_message", "article", 0, 0)
}

// Raw events written before the retention period go; their rollups stay.
func TestPurgeKeepsRollups(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	now := time.Now().UTC()
	clk := &fixedClock{now}
	set := settings.NewStore(d, clk)
	p := settings.Defaults()
	p.RawEventRetentionDays = 30
	if err := set.Save(ctx, p); err != nil {
		t.Fatal(err)
	}
	st := analytics.NewStore(d, clk, set, nil)
	a := newAccount(t, d, "UTC", 0)
	old, recent := now.AddDate(0, 0, -35), now.AddDate(0, 0, -1)
	epoch := id.Time(0).UnixMilli()
	for i, at := range []time.Time{old, recent} {
		// Written when they happened: ids from that time.
		if _, err := d.Exec(ctx, `INSERT INTO analytics_events (id, account_id, kind, person_id, object_id, at) VALUES (?, ?, 'read', 1, 3, ?)`,
			(at.UnixMilli()-epoch)<<22|int64(i), a, db.Micro(at)); err != nil {
			t.Fatal(err)
		}
	}
	clk.t = old.Add(time.Hour) // the rollup ran at the time
	if _, err := st.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}
	clk.t = now
	oldDay, recentDay := analytics.DayOf(old, time.UTC), analytics.DayOf(recent, time.UTC)
	n, err := st.Purge(ctx)
	if err != nil || n != 1 {
		t.Fatalf("purge removed %d events, %v; want 1", n, err)
	}
	m := totals(t, st, a, oldDay, recentDay)
	expect(t, m, oldDay, "read", "*", 1, 1)
	expect(t, m, recentDay, "read", "*", 1, 1)
	// A late event for the purged day does not wipe that day's rollup.
	if err := analytics.InsertEvents(ctx, d, []analytics.Event{{AccountID: a, Kind: analytics.KindRead, PersonID: 2, ObjectID: 3, At: old.Add(time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}
	m = totals(t, st, a, oldDay, recentDay)
	expect(t, m, oldDay, "read", "*", 1, 1)
}

// A day on which the clocks go forward has 23 hours; its events are those
// between its two local midnights.
func TestRollupOnADaylightSavingDay(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	clk := &fixedClock{utc("2026-03-10 12:00:00")}
	st := analytics.NewStore(d, clk, settings.NewStore(d, clk), nil)
	a := newAccount(t, d, "America/New_York", 0)
	var evs []analytics.Event
	for i, at := range []string{
		"2026-03-08 04:59:59", // 23:59:59 EST on 7 March
		"2026-03-08 05:00:00", // 00:00 EST on 8 March
		"2026-03-09 03:59:59", // 23:59:59 EDT on 8 March
		"2026-03-09 04:00:00", // 00:00 EDT on 9 March
	} {
		evs = append(evs, analytics.Event{AccountID: a, Kind: analytics.KindMessageIn, PersonID: int64(i + 1), Surface: "text", At: utc(at)})
	}
	if err := analytics.InsertEvents(ctx, d, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}
	m := totals(t, st, a, "2026-03-01", "2026-03-31")
	expect(t, m, "2026-03-07", "message_in", "*", 1, 1)
	expect(t, m, "2026-03-08", "message_in", "*", 2, 2)
	expect(t, m, "2026-03-09", "message_in", "*", 1, 1)
}

// TestAPICallsCountedTogether: the recorder stores developer API calls of
// one account, API, outcome, latency and minute as one row, and every
// rolled-up figure (calls, failures, total and longest time, per day and
// per hour, across an hour's end in the account's zone) equals what one
// row per call gives.
func TestAPICallsCountedTogether(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	clk := &fixedClock{utc("2026-03-11 12:00:00")}
	st := analytics.NewStore(d, clk, settings.NewStore(d, clk), nil)
	together := newAccount(t, d, "Asia/Kolkata", 1) // UTC+5:30: hours end at :30 UTC
	alone := newAccount(t, d, "Asia/Kolkata", 1)
	rec := analytics.NewRecorder(d, clk, nil, 1<<14)
	var single []analytics.Event
	start := utc("2026-03-10 09:55:00") // 15:25 in Kolkata
	for i := range 3000 {
		ev := analytics.Event{Kind: analytics.KindAPICall, Surface: []string{"cgi-bin/user/info", "cgi-bin/menu/get"}[i%2],
			Value: int64(i % 7), Failed: i%11 == 0, At: start.Add(time.Duration(i) * 400 * time.Millisecond)}
		if i%500 == 0 {
			ev.PersonID = int64(i + 1) // a call naming someone stays a row of its own
		}
		ev.AccountID = together
		rec.Record(ev)
		ev.AccountID = alone
		single = append(single, ev)
	}
	if err := rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := analytics.InsertEvents(ctx, d, single); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM analytics_events WHERE account_id = ?`, together).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	// 20 minutes × 2 APIs × 7 latencies × 2 outcomes at most, and the 6 calls naming someone.
	if rows > 20*2*7*2+6 {
		t.Fatalf("%d rows for 3000 calls counted together", rows)
	}
	if _, err := st.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := st.Totals(ctx, together, "2026-03-10", "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.Totals(ctx, alone, "2026-03-10", "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) || len(a) == 0 {
		t.Fatalf("daily rows differ:\ncounted together %v\none row per call %v", a, b)
	}
	ha, err := st.Hourly(ctx, together, "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	hb, err := st.Hourly(ctx, alone, "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ha) != fmt.Sprint(hb) || len(ha) < 2 {
		t.Fatalf("hourly rows differ:\ncounted together %v\none row per call %v", ha, hb)
	}
	var calls int64
	for _, r := range a {
		if r.Kind == analytics.KindAPICall && r.Surface == analytics.All {
			calls = r.Events
		}
	}
	if calls != 3000 {
		t.Fatalf("%d calls rolled up, want 3000", calls)
	}
}

// A page's impressions are queued as one batch (RecordAll) and written by
// the running writer: every impression of every page arrives, and the
// daily and hourly figures are those of the same impressions recorded one
// by one. A batch the buffer cannot take is dropped whole and counted.
func TestPageImpressionsRecordedTogether(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	clk := &fixedClock{utc("2026-03-11 12:00:00")}
	st := analytics.NewStore(d, clk, settings.NewStore(d, clk), nil)
	batched := newAccount(t, d, "Asia/Kolkata", 1)
	single := newAccount(t, d, "Asia/Kolkata", 1)
	rec := analytics.NewRecorderWith(d, clk, nil, analytics.RecorderOptions{Buffer: 1 << 14, BatchSize: 64, FlushEvery: time.Millisecond})
	one := analytics.NewRecorder(d, clk, nil, 1<<14)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { rec.Run(runCtx); close(done) }()
	start := utc("2026-03-10 09:55:00")
	const pages = 200
	want := 0
	for page := range pages {
		n := 1 + page%30 // up to 30 publications on a page
		var evs []analytics.Event
		for i := range n {
			ev := analytics.Event{AccountID: batched, Kind: analytics.KindImpression, PersonID: int64(1 + page%17), ObjectID: int64(100 + i),
				Surface: []string{analytics.SurfaceFolder, analytics.SurfaceChat}[page%2], At: start.Add(time.Duration(page) * time.Minute)}
			evs = append(evs, ev)
			ev.AccountID = single
			one.Record(ev)
		}
		want += n
		rec.RecordAll(evs)
	}
	rec.RecordAll([]analytics.Event{{Kind: analytics.KindImpression, PersonID: 1, ObjectID: 1}}) // no account: left out
	stop()
	<-done
	if err := one.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(storedEvents(t, d, batched)); got != want || rec.Dropped() != 0 {
		t.Fatalf("%d impressions stored, %d dropped; want %d and none", got, rec.Dropped(), want)
	}
	if fmt.Sprint(storedEvents(t, d, batched)) != fmt.Sprint(storedEvents(t, d, single)) {
		t.Fatal("the impressions stored from batches differ from those recorded one by one")
	}
	if _, err := st.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}
	for _, day := range []string{"2026-03-10", "2026-03-11"} {
		a, err := st.Totals(ctx, batched, day, day)
		if err != nil {
			t.Fatal(err)
		}
		b, err := st.Totals(ctx, single, day, day)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("%s: daily rows differ:\nbatched %v\none by one %v", day, a, b)
		}
		ha, err := st.Hourly(ctx, batched, day)
		if err != nil {
			t.Fatal(err)
		}
		hb, err := st.Hourly(ctx, single, day)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ha) != fmt.Sprint(hb) {
			t.Fatalf("%s: hourly rows differ:\nbatched %v\none by one %v", day, ha, hb)
		}
	}
	var impressions int64
	a, _ := st.Totals(ctx, batched, "2026-03-10", "2026-03-10")
	for _, r := range a {
		if r.Kind == analytics.KindImpression && r.Surface == analytics.All {
			impressions = r.Events
		}
	}
	if impressions != int64(want) {
		t.Errorf("%d impressions in the daily figures, want %d", impressions, want)
	}

	// A full buffer: the batch that does not fit is dropped whole.
	small := analytics.NewRecorder(d, clk, nil, 4)
	page := func(n int) []analytics.Event {
		evs := make([]analytics.Event, n)
		for i := range evs {
			evs[i] = analytics.Event{AccountID: batched, Kind: analytics.KindImpression, PersonID: 99, ObjectID: int64(i + 1)}
		}
		return evs
	}
	small.RecordAll(page(3))
	small.RecordAll(page(2)) // 5 > 4
	if small.Dropped() != 2 {
		t.Errorf("%d dropped, want the second page's 2", small.Dropped())
	}
	if err := small.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var kept int64
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM analytics_events WHERE account_id = ? AND person_id = 99`, batched).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept != 3 {
		t.Errorf("%d of the small recorder's impressions stored, want 3", kept)
	}
}
