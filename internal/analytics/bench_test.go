package analytics_test

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/settings"
)

// BenchmarkRecord is what a request pays to capture one event: a channel
// send (the writer drains the channel in the background).
func BenchmarkRecord(b *testing.B) {
	d := dbtest.New(b)
	rec := analytics.NewRecorder(d, &fixedClock{time.Now()}, nil, 1<<20)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rec.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	ev := analytics.Event{AccountID: 1, Kind: analytics.KindRead, PersonID: 2, ObjectID: 3, Surface: analytics.SurfaceChat, Device: analytics.DeviceMobile}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec.Record(ev)
	}
	b.StopTimer()
	b.ReportMetric(float64(rec.Dropped()), "dropped")
}

// BenchmarkRecordParallel records from many goroutines at once, as
// concurrent requests do.
func BenchmarkRecordParallel(b *testing.B) {
	d := dbtest.New(b)
	rec := analytics.NewRecorder(d, &fixedClock{time.Now()}, nil, 1<<20)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rec.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	ev := analytics.Event{AccountID: 1, Kind: analytics.KindRead, PersonID: 2, ObjectID: 3, Surface: analytics.SurfaceChat}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec.Record(ev)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(rec.Dropped()), "dropped")
}

// BenchmarkInsertEvents is the background writer's cost per event
// (batches of 1,000, one multi-row INSERT each).
func BenchmarkInsertEvents(b *testing.B) {
	d := dbtest.New(b)
	batch := make([]analytics.Event, 1000)
	now := time.Now()
	for i := range batch {
		batch[i] = analytics.Event{AccountID: 1, Kind: analytics.KindRead, PersonID: int64(i), ObjectID: 3, Surface: analytics.SurfaceChat, At: now}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := analytics.InsertEvents(context.Background(), d, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
}

// BenchmarkRecorderFlush is the recorder's write of a full batch (1,000
// page views, each its own row) and, with -count, of a batch of 777 (a
// flush that is not full): CPU per event of the process (cpu-ns/event).
func BenchmarkRecorderFlush(b *testing.B) {
	for _, size := range []int{1000, 777} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			d := dbtest.New(b)
			rec := analytics.NewRecorderWith(d, &fixedClock{time.Now()}, nil, analytics.RecorderOptions{Buffer: 4096})
			ev := analytics.Event{AccountID: 1, Kind: analytics.KindRead, ObjectID: 3, Surface: analytics.SurfaceChat, At: time.Now()}
			ctx := context.Background()
			var ru0, ru1 syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				for j := range size {
					ev.PersonID = int64(i*size + j + 1)
					rec.Record(ev)
				}
				if err := rec.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
			b.ReportMetric(float64(cpu)/float64(b.N*size), "cpu-ns/event")
		})
	}
}

// SeedYear fills a year of daily rollups for an account with a million
// followers: follows and unfollows by source, reads by surface, two
// articles a day with their reads, shares and likes, messages by type,
// menu clicks for ten buttons, API calls, conversions and demographics.
// It returns the account id and the last day.
func SeedYear(tb testing.TB, d *db.DB, today time.Time) int64 {
	tb.Helper()
	ctx := context.Background()
	a := newAccount(tb, d, "Asia/Shanghai", 1_000_000)
	type row struct {
		day, kind, surface string
		obj, events, users int64
	}
	var rows []row
	sources := []string{"search", "profile", "qr", "article", "other"}
	for i := 0; i < 365; i++ {
		day := today.AddDate(0, 0, -i).Format("2006-01-02")
		n := int64(1000 + i%97*10)
		for j, s := range sources {
			rows = append(rows, row{day, "follow", s, -1, n / int64(j+2), n / int64(j+2)}, row{day, "unfollow", s, -1, n / int64(j+9), n / int64(j+9)},
				row{day, analytics.ConvFollows, s, -1, n / int64(j+2), n / int64(j+2)}, row{day, analytics.ConvAny, s, -1, n / int64(j+20), n / int64(j+20)})
		}
		rows = append(rows, row{day, "follow", "*", -1, n, n}, row{day, "unfollow", "*", -1, n / 3, n / 3},
			row{day, analytics.ConvFollows, "*", -1, n, n}, row{day, analytics.ConvAny, "*", -1, n / 10, n / 10})
		for _, s := range []string{"chat", "folder", "profile", "link", "*"} {
			rows = append(rows, row{day, "read", s, -1, 50000, 40000}, row{day, "impression", s, -1, 200000, 150000})
		}
		for _, s := range []string{"text", "image", "voice", "*"} {
			rows = append(rows, row{day, "message_in", s, -1, 3000, 2000})
		}
		for k := 0; k < 10; k++ {
			rows = append(rows, row{day, "menu_click", fmt.Sprintf("BUTTON_%d", k), -1, 500, 400})
		}
		rows = append(rows, row{day, "menu_click", "*", -1, 5000, 3000}, row{day, "api_call", "*", -1, 20000, 0}, row{day, "share", "*", -1, 900, 800})
		for k := int64(0); k < 2; k++ {
			art := int64(i)*2 + k + 1
			for _, kind := range []string{"read", "impression", "read_complete", "share", "like", "wow", "comment"} {
				rows = append(rows, row{day, kind, "*", art, 20000, 15000})
			}
			rows = append(rows, row{day, "read", "chat", art, 12000, 9000}, row{day, "read", "folder", art, 8000, 6000})
		}
	}
	err := d.Tx(ctx, func(tx *db.Tx) error {
		for len(rows) > 0 {
			n := min(len(rows), 500)
			var q strings.Builder
			q.WriteString(`INSERT INTO analytics_daily (account_id, day, kind, surface, object_id, events, users, value_sum, value_max, failures) VALUES `)
			args := make([]any, 0, n*10)
			for i, r := range rows[:n] {
				if i > 0 {
					q.WriteByte(',')
				}
				q.WriteString("(?,?,?,?,?,?,?,?,?,?)")
				args = append(args, a, r.day, r.kind, r.surface, r.obj, r.events, r.users, r.events*40, 900, r.events/100)
			}
			if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
				return err
			}
			rows = rows[n:]
		}
		for _, g := range []struct {
			dim, v string
			n      int64
		}{{"region", "Shanghai", 400000}, {"region", "Beijing", 300000}, {"region", "Guangdong", 299995}, {"region", "Tibet", 5},
			{"language", "zh_CN", 900000}, {"language", "en", 100000}, {"device", "mobile", 800000}, {"device", "desktop", 200000}} {
			if _, err := tx.Exec(ctx, `INSERT INTO analytics_demographics (account_id, dimension, value, followers, updated_at) VALUES (?, ?, ?, ?, 0)`, a, g.dim, g.v, g.n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// BenchmarkDashboard1M builds the console dashboard (all queries, tables
// and SVG charts) for an account with 1,000,000 followers and a year of
// rollups, for the last 30 days and for the whole year.
func BenchmarkDashboard1M(b *testing.B) {
	d := dbtest.New(b)
	now := time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)
	clk := &fixedClock{now}
	st := analytics.NewStore(d, clk, settings.NewStore(d, clk), nil)
	a := SeedYear(b, d, now.In(analytics.Location("Asia/Shanghai")))
	today := st.Today("Asia/Shanghai")
	for _, days := range []int{30, 365} {
		b.Run(fmt.Sprintf("%ddays", days), func(b *testing.B) {
			in := analytics.ReportInput{AccountID: a, Timezone: "Asia/Shanghai", Followers: 1_000_000,
				From: analytics.AddDays(today, -(days - 1)), To: today, MinGroup: 10}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				rep, err := st.Report(context.Background(), in)
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Table("growth").Rows) != days {
					b.Fatalf("growth has %d rows", len(rep.Table("growth").Rows))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/dashboard")
		})
	}
}

// The seeded year gives the dashboard the figures a person would expect.
func TestDashboardOfAYear(t *testing.T) {
	d := dbtest.New(t)
	now := time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)
	clk := &fixedClock{now}
	st := analytics.NewStore(d, clk, settings.NewStore(d, clk), nil)
	a := SeedYear(t, d, now.In(analytics.Location("Asia/Shanghai")))
	today := st.Today("Asia/Shanghai")
	if today != "2026-11-25" {
		t.Fatalf("today in Shanghai is %s", today)
	}
	rep, err := st.Report(context.Background(), analytics.ReportInput{AccountID: a, Timezone: "Asia/Shanghai", Followers: 1_000_000,
		From: "2026-11-19", To: today, MinGroup: 10})
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Table("growth").Rows
	if last := g[len(g)-1]; last[0] != today || last[4] != "1000000" {
		t.Errorf("last growth row %v: want today with 1,000,000 followers", last)
	}
	if r := rep.Table("articles").Rows[0]; len(r) != 14 || r[10] != "12000" || r[11] != "8000" || r[13] != "0" {
		t.Errorf("first article row %v: want reads from chats 12000, from the folder 8000, from links 0", r)
	}
	if len(rep.Table("articles").Rows) != 14 || len(rep.Table("menu").Rows) != 10 {
		t.Errorf("%d articles and %d buttons, want 14 and 10", len(rep.Table("articles").Rows), len(rep.Table("menu").Rows))
	}
	// Tibet (5 followers) is below the minimum group and not shown.
	for _, grp := range rep.Demographics.Dimensions["region"] {
		if grp.Value == "Tibet" {
			t.Error("a group of 5 is shown")
		}
	}
	if rep.Demographics.Hidden["region"] != -1 {
		t.Errorf("hidden region count %d, want -1 (too small to state)", rep.Demographics.Hidden["region"])
	}
}

// BenchmarkRecordAPICalls is what analytics cost the developer API per
// call: api_call events recorded from 50 goroutines while the writer runs,
// and their writing, as the process's CPU time per call (cpu-ns/op) and
// raw rows written per call.
func BenchmarkRecordAPICalls(b *testing.B) {
	d := dbtest.New(b)
	rec := analytics.NewRecorder(d, clock.Real{}, nil, 1<<21)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rec.Run(ctx); close(done) }()
	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	b.SetParallelism(25)
	b.RunParallel(func(pb *testing.PB) {
		ev := analytics.Event{AccountID: 1, Kind: analytics.KindAPICall, Surface: "cgi-bin/user/info"}
		for i := 0; pb.Next(); i++ {
			ev.Value = int64(i % 4)
			rec.Record(ev)
		}
	})
	cancel()
	<-done // the writer writes what is left before it returns
	b.StopTimer()
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
	var rows int64
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM analytics_events`).Scan(&rows); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
	b.ReportMetric(float64(rec.Dropped()), "dropped")
}
