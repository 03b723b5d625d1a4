package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{0, 128 << 20, 100},        // no collection yet
		{32 << 20, 128 << 20, 300}, // next collection at 128 MB
		{25 << 20, 128 << 20, 412}, // the demo's live heap
		{64 << 20, 128 << 20, 100}, // half the floor: the default from here on
		{1 << 30, 128 << 20, 100},  // a large heap doubles, as by default
		{1, 128 << 20, 100_000},    // capped
		{60 << 20, 128 << 20, 113}, // just under half
	} {
		if got := gcPercentFor(c.live, c.floor); got != c.want {
			t.Errorf("gcPercentFor(%d, %d) = %d, want %d", c.live, c.floor, got, c.want)
		}
	}
}

func TestFloorFor(t *testing.T) {
	for _, c := range []struct{ floor, limit, want uint64 }{
		{128 << 20, 0, 128 << 20},        // no cgroup limit
		{128 << 20, 8 << 30, 128 << 20},  // a large limit
		{128 << 20, 256 << 20, 64 << 20}, // a small container: a quarter
	} {
		if got := floorFor(c.floor, c.limit); got != c.want {
			t.Errorf("floorFor(%d, %d) = %d, want %d", c.floor, c.limit, got, c.want)
		}
	}
}

// TestHeapFloorTunesAfterCollections: after a collection the percentage
// is set from the live heap, and stopping restores the one found; with
// GOGC in the environment nothing changes.
func TestHeapFloorTunesAfterCollections(t *testing.T) {
	orig := gcPercent()
	t.Setenv("GOGC", "")
	stop := heapFloor(1 << 40)
	// The cleanup runs on its own goroutine after the collection: wait
	// for it (no timing is asserted). Twice: it must re-arm itself.
	for round := range 2 {
		debug.SetGCPercent(orig)
		for i := 0; gcPercent() == orig; i++ {
			if i == 500 {
				stop()
				t.Fatalf("round %d: GC percentage still %d after %d collections", round, orig, i)
			}
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		if p := gcPercent(); p <= 100 {
			t.Errorf("GC percentage %d with a floor far over the live heap", p)
		}
	}
	stop()
	if p := gcPercent(); p != orig {
		t.Errorf("GC percentage %d after stop, was %d", p, orig)
	}
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	if p := gcPercent(); p != orig {
		t.Errorf("GC percentage %d after stop and a collection, was %d", p, orig)
	}

	t.Setenv("GOGC", "100")
	stop = heapFloor(1 << 40)
	defer stop()
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if p := gcPercent(); p != orig {
		t.Errorf("GC percentage %d with GOGC set, was %d", p, orig)
	}
}
