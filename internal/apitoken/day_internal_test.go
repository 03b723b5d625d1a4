package apitoken

import (
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/clock"
)

// Day names the Beijing calendar day on both sides of midnight, whatever
// order the times come in (it reuses the last day's text).
func TestDayAtBeijingMidnight(t *testing.T) {
	midnight := time.Date(2026, 12, 5, 0, 0, 0, 0, clock.Beijing)
	for _, at := range []time.Time{
		midnight, midnight.Add(-time.Nanosecond), midnight.Add(-time.Second), midnight.Add(time.Second),
		midnight.Add(24*time.Hour - time.Nanosecond), midnight.Add(24 * time.Hour), midnight.Add(-time.Second),
		midnight.Add(16 * time.Hour).UTC(), time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), time.Unix(0, 0), midnight,
	} {
		if got, want := Day(at), at.In(clock.Beijing).Format("2006-01-02"); got != want {
			t.Errorf("Day(%s) = %s, want %s", at, got, want)
		}
	}
}
