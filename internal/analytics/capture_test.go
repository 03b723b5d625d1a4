package analytics_test

import (
	"context"
	"database/sql"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/settings"
)

// A full buffer drops events instead of blocking, and says how many.
func TestRecordNeverBlocksAndCountsDrops(t *testing.T) {
	d := dbtest.New(t)
	clk := &fixedClock{utc("2026-03-10 12:00:00")}
	rec := analytics.NewRecorder(d, clk, nil, 2)
	a := newAccount(t, d, "UTC", 0)
	for i := 0; i < 5; i++ {
		rec.Record(analytics.Event{AccountID: a, Kind: analytics.KindRead, ObjectID: 1})
	}
	if rec.Dropped() != 3 {
		t.Fatalf("dropped %d, want 3", rec.Dropped())
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(rec.Collector())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		if mf.GetName() == "herald_analytics_dropped_total" {
			found = true
			if v := mf.GetMetric()[0].GetCounter().GetValue(); v != 3 {
				t.Errorf("herald_analytics_dropped_total = %v, want 3", v)
			}
		}
	}
	if !found {
		t.Error("herald_analytics_dropped_total is not exported")
	}
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	var at int64
	if err := db.Get(d.QueryRow(context.Background(), `SELECT COUNT(*), MAX(at) FROM analytics_events`), &n, &at); err != nil {
		t.Fatal(err)
	}
	if n != 2 || db.FromMicro(at) != clk.t {
		t.Errorf("%d events written at %v, want 2 at the recorder's now %v", n, db.FromMicro(at), clk.t)
	}
	// Events without an account or kind, and a nil recorder, are ignored.
	var nilRec *analytics.Recorder
	nilRec.Record(analytics.Event{AccountID: a, Kind: analytics.KindRead})
	rec.Record(analytics.Event{Kind: analytics.KindRead})
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// The writer stops cleanly and writes what was queued.
func TestRunWritesQueuedEventsOnStop(t *testing.T) {
	d := dbtest.New(t)
	rec := analytics.NewRecorderWith(d, &fixedClock{utc("2026-03-10 12:00:00")}, nil, analytics.RecorderOptions{Buffer: 100, FlushEvery: time.Hour})
	a := newAccount(t, d, "UTC", 0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rec.Run(ctx); close(done) }()
	for i := 0; i < 7; i++ {
		rec.Record(analytics.Event{AccountID: a, Kind: analytics.KindLike, ObjectID: 9, PersonID: int64(i)})
	}
	cancel()
	<-done
	var n int
	if err := db.Get(d.QueryRow(context.Background(), `SELECT COUNT(*) FROM analytics_events WHERE kind = 'like'`), &n); err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Errorf("%d likes written, want 7", n)
	}
}

// History in domain tables becomes events once, so dashboards of an
// upgraded platform show its past.
func TestBackfillFromFollowsMessagesAndPlatformFigures(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	clk := &fixedClock{utc("2026-03-10 12:00:00")}
	st := analytics.NewStore(d, clk, settings.NewStore(d, clk), nil)
	fs := follow.NewStore(d, clk)
	ms := message.NewStore(d, clk, realtime.NewLocal())
	a := newAccount(t, d, "UTC", 0)
	people := make([]int64, 3)
	for i := range people {
		people[i] = id.New()
		if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, region, created_at, updated_at) VALUES (?, ?, 'P', 'x', 'Shanghai', 0, 0)`,
			people[i], "p"+itoa(people[i])); err != nil {
			t.Fatal(err)
		}
	}
	clk.t = utc("2026-03-08 10:00:00")
	for _, p := range people {
		if _, err := fs.Follow(ctx, a, p, follow.SourceQR, "spring"); err != nil {
			t.Fatal(err)
		}
	}
	if err := ms.Append(ctx, &message.Message{AccountID: a, PersonID: people[0], Direction: "in", Kind: "text", Sender: "follower", Body: message.Body{Text: "hi"}}); err != nil {
		t.Fatal(err)
	}
	clk.t = utc("2026-03-09 10:00:00")
	if _, err := fs.Unfollow(ctx, a, people[2]); err != nil {
		t.Fatal(err)
	}
	clk.t = utc("2026-03-10 12:00:00")
	n, err := st.Backfill(ctx)
	if err != nil || n != 5 {
		t.Fatalf("backfill wrote %d events, %v; want 3 follows + 1 unfollow + 1 message", n, err)
	}
	if n, err := st.Backfill(ctx); err != nil || n != 0 {
		t.Fatalf("second backfill wrote %d events, %v; want none", n, err)
	}
	if _, err := st.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}
	m := totals(t, st, a, "2026-03-01", "2026-03-31")
	expect(t, m, "2026-03-08", "follow", "qr:spring", 3, 3)
	expect(t, m, "2026-03-09", "unfollow", "qr:spring", 1, 1)
	expect(t, m, "2026-03-08", "message_in", "text", 1, 1)
	expect(t, m, "2026-03-08", "conv_message", "qr:spring", 1, 1)

	if err := st.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	dem, err := st.Demographics(ctx, a, 2)
	if err != nil {
		t.Fatal(err)
	}
	if g := dem.Dimensions["region"]; len(g) != 1 || g[0].Value != "Shanghai" || g[0].Followers != 2 {
		t.Errorf("regions %+v, want Shanghai: 2 (the third unfollowed)", g)
	}
	if err := st.PlatformSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ms.Append(ctx, &message.Message{AccountID: a, PersonID: people[0], Direction: "out", Kind: "text", Sender: "agent", Body: message.Body{Text: "hello"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.PlatformSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	pm, _, err := st.Platform(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := pm[analytics.MetricDailyPrefix+"follow:2026-03-08"]; got != 3 {
		t.Errorf("platform follows on 8 March: %d, want 3", got)
	}
	if pm[analytics.MetricMessages] != 2 || pm[analytics.MetricAccountsPrefix+"active"] != 1 || pm[analytics.MetricFollowers] != 2 {
		t.Errorf("platform figures %v: want 2 messages (counted incrementally), 1 active account, 2 followers", pm)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// Pushes to the developer's server come from the push log, once each.
func TestImportPushLog(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	clk := &fixedClock{utc("2026-03-10 12:00:00")}
	st := analytics.NewStore(d, clk, settings.NewStore(d, clk), nil)
	a := newAccount(t, d, "UTC", 0)
	old := time.Now().Add(-2*time.Minute).UnixMilli() - id.Time(0).UnixMilli()
	for i, r := range []struct {
		kind string
		ok   bool
		us   int64
	}{{"message", true, 120000}, {"event", false, 80000}, {"verify", true, 5000}} {
		logPushRow(t, d, old<<22|int64(i), a, r.kind, r.ok, r.us, utc("2026-03-10 09:00:00"))
	}
	if n, err := st.ImportPushLog(ctx); err != nil || n != 2 {
		t.Fatalf("imported %d, %v; want 2 (the handshake is not a push)", n, err)
	}
	if n, err := st.ImportPushLog(ctx); err != nil || n != 0 {
		t.Fatalf("second import %d, %v; want 0", n, err)
	}
	if _, err := st.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := st.InterfaceSummary(ctx, a, "2026-03-10", "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].CallbackCount != 2 || rows[0].FailCount != 1 || rows[0].TotalTimeCost != 200 || rows[0].MaxTimeCost != 120 {
		t.Errorf("interface summary %+v: want 2 pushes, 1 failed, 200 ms in all, 120 ms at most", rows)
	}
}

// Whatever text a surface holds (a button key, a URL) is stored as given.
func TestInsertEventsKeepsAnyText(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	a := newAccount(t, d, "UTC", 0)
	keys := []string{`say "hi"`, `back\slash`, "line\nbreak\ttab", "茶 🍵", "https://x.example/?a=1&b=2", "\u2028"}
	var evs []analytics.Event
	for i, k := range keys {
		evs = append(evs, analytics.Event{AccountID: a, Kind: analytics.KindMenuClick, PersonID: int64(i + 1), Surface: k, Value: -5, At: utc("2026-03-10 12:00:00")})
	}
	evs = append(evs, analytics.Event{AccountID: a, Kind: analytics.KindMenuClick, PersonID: 99, Surface: "bad \xff byte\x00", At: utc("2026-03-10 12:00:00")})
	if err := analytics.InsertEvents(ctx, d, evs); err != nil {
		t.Fatal(err)
	}
	rows, err := d.Query(ctx, `SELECT surface, value, at FROM analytics_events WHERE account_id = ? ORDER BY person_id`, a)
	got, err := db.Collect(rows, err, func(r *sql.Rows) (string, error) {
		var s string
		var v, at int64
		err := r.Scan(&s, &v, &at)
		if v != -5 && s != "bad \uFFFD byte" || at != db.Micro(utc("2026-03-10 12:00:00")) {
			t.Errorf("%q: value %d at %d", s, v, at)
		}
		return s, err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]string{}, keys...), "bad \uFFFD byte")
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("surface %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
