package clock

import (
	"testing"
	"time"
)

func TestStoppedClockMovesOnlyWhenAdvanced(t *testing.T) {
	c := &Offset{}
	c.Stop()
	first := c.Now()
	time.Sleep(5 * time.Millisecond)
	if got := c.Now(); !got.Equal(first) {
		t.Fatalf("a stopped clock moved on its own: %v, then %v", first, got)
	}
	c.Stop() // stopping again keeps the time it stopped at
	c.Advance(time.Second)
	if got := c.Now(); !got.Equal(first.Add(time.Second)) {
		t.Fatalf("after Advance(1s): %v, want %v", got, first.Add(time.Second))
	}
}

func TestRunningClockFollowsTheSystem(t *testing.T) {
	c := &Offset{}
	c.Advance(time.Hour)
	if d := time.Until(c.Now()); d < 59*time.Minute || d > 61*time.Minute {
		t.Fatalf("an hour ahead: %v ahead", d)
	}
	first := c.Now()
	time.Sleep(5 * time.Millisecond)
	if !c.Now().After(first) {
		t.Fatal("a running clock did not move")
	}
}
