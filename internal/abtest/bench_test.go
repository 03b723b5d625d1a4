package abtest_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/abtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/settings"
)

// peakHeap samples the heap's live and not yet collected objects every
// millisecond while it runs, and returns the highest value seen above what
// the heap held when it started.
type peakHeap struct {
	stop chan struct{}
	done sync.WaitGroup
	base uint64
	peak uint64
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startPeakHeap() *peakHeap {
	runtime.GC()
	p := &peakHeap{stop: make(chan struct{}), base: heapObjects()}
	p.peak = p.base
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if v := heapObjects(); v > p.peak {
				p.peak = v
			}
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

// MB stops the sampling and returns the peak above the start, in MB.
func (p *peakHeap) MB() float64 {
	close(p.stop)
	p.done.Wait()
	return float64(p.peak-p.base) / 1e6
}

// BenchmarkCreateAudience measures creating a test (two variants, a 10%
// sample) on an account with HERALD_AB_BENCH_FOLLOWERS followers (default
// 1,000,000): the time, the allocations and the peak of the heap while the
// audience is read, the sample drawn and stored.
//
//	go test -run '^$' -bench CreateAudience -benchtime 3x ./internal/abtest/
func BenchmarkCreateAudience(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("HERALD_AB_BENCH_FOLLOWERS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	d := dbtest.New(b)
	c := &clock.Offset{}
	st := settings.NewStore(d, c)
	p, err := st.Get(ctx)
	if err != nil {
		b.Fatal(err)
	}
	p.SubscriptionMassSendsPerMonth = 1000
	if err := st.Save(ctx, p); err != nil {
		b.Fatal(err)
	}
	pub := publish.NewStore(d, c, publish.Deps{Media: media.Dir{Root: b.TempDir()}, Settings: st})
	tests := abtest.NewStore(d, c, pub)
	owner := id.New()
	if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, 'owner', 'owner', 'x', 1, 1)`, owner); err != nil {
		b.Fatal(err)
	}
	a, err := account.NewStore(d, c).Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic, Name: "Bench Tea",
		Status: account.StatusActive, OwnerID: owner})
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	base := id.NewBlock(int64(n) + 1)
	series := fmt.Sprintf(`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %d) SELECT n FROM g`, n)
	if d.Dialect() == db.Postgres {
		series = fmt.Sprintf(`SELECT n FROM generate_series(1, %d) AS g(n)`, n)
	}
	if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at)
		SELECT CAST(? AS BIGINT) + n, 'r' || n, 'Reader', 'x', 1, 1 FROM (`+series+`) s`, base); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO follows (account_id, person_id, openid, following, source, subscribed_at, created_at)
		SELECT ?, id, 'o' || id, TRUE, 'search', 1, 1 FROM people WHERE id > ? AND id <= ?`, a.ID, base, base+int64(n)); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d followers on %s in %v", n, d.Dialect(), time.Since(t0).Round(time.Second))
	drafts := make([]int64, b.N)
	for i := range drafts {
		dr, err := pub.SaveDraft(ctx, a.ID, owner, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Spring tea", Body: "x"}}})
		if err != nil {
			b.Fatal(err)
		}
		drafts[i] = dr.ID
	}
	b.ReportAllocs()
	var peak float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ph := startPeakHeap()
		t, err := tests.Create(ctx, a.ID, owner, abtest.Input{DraftID: drafts[i], SamplePercent: 10, Window: 4 * time.Hour,
			Variants: []abtest.VariantInput{{Title: "Spring tea"}, {Title: "The first picking"}}})
		peak = max(peak, ph.MB())
		if err != nil {
			b.Fatal(err)
		}
		if t.Audience != int64(n) || t.Sample() != abtest.SampleSize(int64(n), 10) {
			b.Fatalf("audience %d sample %d", t.Audience, t.Sample())
		}
	}
	b.ReportMetric(peak, "peak-heap-MB")
}
