package id

import (
	"cmp"
	"slices"
	"testing"
	"time"
)

// Floor(t) is at most every id made from t on, and above every id made
// before t's millisecond: a page's stream that starts at Floor(render time)
// misses nothing stored after it.
func TestFloorSeparatesIDsByTime(t *testing.T) {
	g := NewGenerator()
	g.SetNode(MaxNode)
	before := g.Next()
	time.Sleep(2 * time.Millisecond)
	at := time.Now()
	floor := Floor(at)
	after := g.Next()
	if !(before < floor && floor <= after) {
		t.Fatalf("ids %d (before) %d (floor) %d (after) are out of order", before, floor, after)
	}
	if got, want := Time(floor), at.Truncate(time.Millisecond).UTC(); !got.Equal(want) {
		t.Fatalf("Time(Floor(t)) = %v, want %v", got, want)
	}
}

func TestBlockIsNeverReissued(t *testing.T) {
	g := NewGenerator()
	first := g.Block(100000)
	for i := 0; i < 1000; i++ {
		if n := g.Next(); n <= first+100000 {
			t.Fatalf("id %d falls inside the reserved block starting %d", n, first)
		}
	}
}

// A block whose end wraps the 12-bit sequence into the numbers above it
// (for instance exactly 4,096 IDs) is not handed out again either, and
// IDs that Next makes while other goroutines take blocks are never inside
// them.
func TestBlockEndingOnALowSequenceIsNeverReissued(t *testing.T) {
	g := NewGenerator()
	g.SetNode(7)
	for _, n := range []int64{4096, 8192, 4097, 8000, 12288, 2, 4095} {
		for range 50 {
			g.Next()
			first := g.Block(n)
			if next := g.Next(); next < first+n {
				t.Fatalf("Block(%d) = %d, and Next then gave %d, inside it", n, first, next)
			}
		}
	}
}

func TestBlocksAndNextConcurrently(t *testing.T) {
	g := NewGenerator()
	type span struct{ first, n int64 }
	results := make(chan []span)
	for w := range 4 {
		go func() {
			var got []span
			for i := range 2000 {
				if w%2 == 0 {
					got = append(got, span{g.Next(), 1})
				} else {
					n := int64(1 + i%5000)
					got = append(got, span{g.Block(n), n})
				}
			}
			results <- got
		}()
	}
	var all []span
	for range 4 {
		all = append(all, <-results...)
	}
	slices.SortFunc(all, func(a, b span) int { return cmp.Compare(a.first, b.first) })
	for i := 1; i < len(all); i++ {
		if prev := all[i-1]; prev.first+prev.n > all[i].first {
			t.Fatalf("ids [%d, %d) and %d overlap", prev.first, prev.first+prev.n, all[i].first)
		}
	}
}
