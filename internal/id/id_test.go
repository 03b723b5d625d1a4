package id

import (
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
