package portability_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/portability"
)

// bigAccount makes an account with the given numbers of followers and of
// messages (spread over the first followers' chats, with their
// conversations), loaded in bulk.
func bigAccount(tb testing.TB, followers, messages int) (*db.DB, int64) {
	tb.Helper()
	ctx := context.Background()
	d := dbtest.New(tb)
	owner := id.New()
	if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, 'big-owner', 'Owner', '!', 1, 1)`, owner); err != nil {
		tb.Fatal(err)
	}
	a, err := account.NewStore(d, clock.Real{}).Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Big Bank",
		Status: account.StatusActive, OwnerID: owner})
	if err != nil {
		tb.Fatal(err)
	}
	first := id.NewBlock(int64(followers))
	i := 0
	if _, err := d.CopyIn(ctx, "people", []string{"id", "username", "display_name", "password_hash", "created_at", "updated_at"}, func() ([]any, error) {
		if i == followers {
			return nil, nil
		}
		i++
		return []any{first + int64(i-1), "m" + strconv.Itoa(i), "Member " + strconv.Itoa(i), "!", int64(1), int64(1)}, nil
	}); err != nil {
		tb.Fatal(err)
	}
	i = 0
	if _, err := d.CopyIn(ctx, "follows", []string{"account_id", "person_id", "openid", "following", "source", "remark", "subscribed_at", "created_at"}, func() ([]any, error) {
		if i == followers {
			return nil, nil
		}
		i++
		return []any{a.ID, first + int64(i-1), fmt.Sprintf("oBIG%09d", i), true, "search", "Remark " + strconv.Itoa(i), int64(i), int64(i)}, nil
	}); err != nil {
		tb.Fatal(err)
	}
	if _, err := d.Exec(ctx, `UPDATE accounts SET follower_count = ? WHERE id = ?`, followers, a.ID); err != nil {
		tb.Fatal(err)
	}
	chats := min(followers, max(messages/10, 1))
	firstMsg := id.NewBlock(int64(messages))
	i = 0
	if _, err := d.CopyIn(ctx, "messages", []string{"id", "account_id", "person_id", "direction", "kind", "sender", "body", "created_at"}, func() ([]any, error) {
		if i == messages {
			return nil, nil
		}
		i++
		dir, sender := "in", "follower"
		if i%2 == 0 {
			dir, sender = "out", "agent"
		}
		return []any{firstMsg + int64(i-1), a.ID, first + int64((i-1)%chats), dir, "text", sender,
			`{"content":"Message number ` + strconv.Itoa(i) + ` about an account and its balance"}`, int64(i)}, nil
	}); err != nil {
		tb.Fatal(err)
	}
	if messages > 0 {
		i = 0
		if _, err := d.CopyIn(ctx, "conversations", []string{"account_id", "person_id", "last_message_id", "last_at", "last_preview"}, func() ([]any, error) {
			if i == chats {
				return nil, nil
			}
			i++
			// The last message of chat k is the highest i with (i-1)%chats == k-1.
			last := messages - ((messages-i)%chats+chats)%chats
			return []any{a.ID, first + int64(i-1), firstMsg + int64(last-1), int64(last), "Message"}, nil
		}); err != nil {
			tb.Fatal(err)
		}
	}
	return d, a.ID
}

// peakHeap runs fn while sampling the heap every 2 ms and returns the
// highest heap (live and not yet collected objects) seen above what it was
// before, in bytes.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	peak = max(peak, read())
	if peak < base {
		return 0
	}
	return peak - base
}

func exportPeak(tb testing.TB, d *db.DB, accountID int64) (uint64, *portability.ExportResult) {
	out := filepath.Join(tb.TempDir(), "big.zip")
	var res *portability.ExportResult
	var err error
	peak := peakHeap(func() {
		res, err = portability.Export(context.Background(), d, media.NewMemory(), accountID, out, portability.ExportOptions{Generator: "herald test",
			Progress: func(portability.Progress) {}})
	})
	if err != nil {
		tb.Fatal(err)
	}
	return peak, res
}

// BenchmarkExportMemory exports an account with 1,000,000 followers and
// 100,000 messages (HERALD_EXPORT_BENCH_FOLLOWERS, _MESSAGES to change) and
// reports the export's peak heap above the heap before it.
//
//	go test -run '^$' -bench ExportMemory -benchtime 1x ./internal/portability/
func BenchmarkExportMemory(b *testing.B) {
	followers, messages := 1_000_000, 100_000
	if v, err := strconv.Atoi(os.Getenv("HERALD_EXPORT_BENCH_FOLLOWERS")); err == nil && v > 0 {
		followers = v
	}
	if v, err := strconv.Atoi(os.Getenv("HERALD_EXPORT_BENCH_MESSAGES")); err == nil && v >= 0 {
		messages = v
	}
	d, accountID := bigAccount(b, followers, messages)
	b.ResetTimer()
	var peak uint64
	for range b.N {
		p, res := exportPeak(b, d, accountID)
		peak = max(peak, p)
		if got := res.Manifest.Files[1].Rows; got != int64(followers) {
			b.Fatalf("followers.jsonl has %d rows", got)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// The export's memory does not grow with the account: ten times the
// followers and messages cost no more than a few MiB more heap (with the
// collector made eager, so the heap is close to what is live).
func TestExportMemoryBounded(t *testing.T) {
	// Not in parallel with other tests: it measures the process's heap.
	if testing.Short() {
		t.Skip("loads 110,000 rows")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	d1, a1 := bigAccount(t, 5_000, 1_000)
	d2, a2 := bigAccount(t, 50_000, 10_000)
	small, _ := exportPeak(t, d1, a1)
	big, res := exportPeak(t, d2, a2)
	t.Logf("peak heap: %.1f MiB for 5,000 followers, %.1f MiB for 50,000", float64(small)/(1<<20), float64(big)/(1<<20))
	var msgs int64
	for _, f := range res.Manifest.Files {
		if f.Name == "messages.jsonl" {
			msgs = f.Rows
		}
	}
	if msgs != 10_000 {
		t.Fatalf("messages.jsonl has %d rows", msgs)
	}
	// Holding the 50,000 followers' lines would take about 15 MiB.
	if big > small+4<<20 {
		t.Fatalf("the export's heap grew from %d to %d bytes with the account", small, big)
	}
}
