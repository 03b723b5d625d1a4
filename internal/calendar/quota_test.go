package calendar_test

import (
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/calendar"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no zone %s: %v", name, err)
	}
	return loc
}

// Subscription accounts: 30 a month, months in the account's zone.
func TestSubscriptionMonthsInTheAccountsZone(t *testing.T) {
	sh := mustZone(t, "Asia/Shanghai")
	r := calendar.Rules{Location: sh, PerMonth: 30}
	var sends []calendar.Send
	// 28 sent on December days (10:00 Shanghai), one scheduled on the 31st
	// at 23:30 Shanghai (15:30 UTC), one at 00:10 on 1 January Shanghai,
	// which is still 31 December (16:10) in UTC.
	for d := 1; d <= 28; d++ {
		sends = append(sends, calendar.Send{ID: int64(d), At: time.Date(2026, 12, d, 10, 0, 0, 0, sh)})
	}
	sends = append(sends,
		calendar.Send{ID: 100, At: time.Date(2026, 12, 31, 23, 30, 0, 0, sh), Scheduled: true},
		calendar.Send{ID: 101, At: time.Date(2027, 1, 1, 0, 10, 0, 0, sh), Scheduled: true})
	if utc := sends[29].At.UTC(); utc.Month() != time.December || utc.Day() != 31 {
		t.Fatalf("the test's premise: %v", utc)
	}
	steps, months := calendar.Plan(r, sends)
	if len(months) != 2 {
		t.Fatalf("%d months", len(months))
	}
	dec, jan := months[0], months[1]
	if dec.Key != "2026-12" || dec.Sent != 28 || dec.Scheduled != 1 || dec.Left != 1 || dec.Over != 0 {
		t.Errorf("December %+v", dec)
	}
	if jan.Key != "2027-01" || jan.Sent != 0 || jan.Scheduled != 1 || jan.Left != 29 {
		t.Errorf("January %+v", jan)
	}
	if !dec.Start.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, sh)) || !dec.End.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, sh)) {
		t.Errorf("December bounds %v – %v", dec.Start, dec.End)
	}
	if s := steps[28]; s.ID != 100 || s.Number != 29 || s.OverQuota {
		t.Errorf("the 31st's send %+v", s)
	}
	// Two more in December: the 30th fits, the 31st is over the quota.
	// It goes out before the scheduled 23:30 send (29th in time order) and
	// fills the month.
	c := calendar.Check(r, sends, calendar.Send{At: time.Date(2026, 12, 31, 20, 0, 0, 0, sh)})
	if c.Month != "2026-12" || c.Number != 29 || c.OverQuota {
		t.Errorf("30th send %+v", c)
	}
	// With one more scheduled on the 30th, the month is full: a send on the
	// 31st at 20:00 is refused although it goes out before the 23:30 one.
	more := append(sends, calendar.Send{ID: 102, At: time.Date(2026, 12, 30, 9, 0, 0, 0, sh), Scheduled: true})
	if c := calendar.Check(r, more, calendar.Send{At: time.Date(2026, 12, 31, 20, 0, 0, 0, sh)}); c.Number != 30 || !c.OverQuota {
		t.Errorf("31st send %+v", c)
	}
	// The same instants seen from Los Angeles fall in other months: 10:00
	// on 1 December in Shanghai is 18:00 on 30 November there, and both
	// scheduled sends are on 31 December.
	la := mustZone(t, "America/Los_Angeles")
	_, months = calendar.Plan(calendar.Rules{Location: la, PerMonth: 30}, sends)
	if m := calendar.Find(months, "2026-11"); m == nil || m.Sent != 1 || m.Left != 29 {
		t.Errorf("Los Angeles November %+v", m)
	}
	if m := calendar.Find(months, "2026-12"); m == nil || m.Sent != 27 || m.Scheduled != 2 || m.Left != 1 {
		t.Errorf("Los Angeles December %+v", m)
	}
	if m := calendar.Find(months, "2027-01"); m != nil {
		t.Errorf("Los Angeles has a January: %+v", m)
	}
}

// Service accounts: 4 a month, and each follower receives at most 4.
func TestServicePerFollowerCap(t *testing.T) {
	sh := mustZone(t, "Asia/Shanghai")
	const a, b, c = 1, 2, 3
	day := func(d int) time.Time { return time.Date(2026, 12, d, 9, 0, 0, 0, sh) }
	sends := []calendar.Send{
		{ID: 1, At: day(1), Recipients: []int64{a, b, c}},
		{ID: 2, At: day(5), Recipients: []int64{a, b}},
		{ID: 3, At: day(9), Recipients: []int64{a}},
		{ID: 4, At: day(12), Recipients: []int64{a, c}, Scheduled: true},
	}
	r := calendar.Rules{Location: sh, PerMonth: 4, PerFollower: 4}
	steps, months := calendar.Plan(r, sends)
	for _, s := range steps {
		if s.AtCap != 0 || s.OverQuota {
			t.Errorf("send %d: %+v", s.ID, s)
		}
	}
	if m := months[0]; m.Sent != 3 || m.Scheduled != 1 || m.Left != 0 {
		t.Errorf("month %+v", m)
	}
	// A fifth send to everyone: over the account's quota, and a (4 already)
	// would miss it; b has 2 and c has 2.
	fifth := calendar.Check(r, sends, calendar.Send{At: day(20), Recipients: []int64{a, b, c}})
	if !fifth.OverQuota || fifth.AtCap != 1 || fifth.Number != 5 {
		t.Errorf("fifth send %+v", fifth)
	}
	// Where the platform allows more sends a month than a follower may
	// receive, the cap still counts: b reaches 4 with the sixth.
	r.PerMonth = 10
	more := append(sends, calendar.Send{ID: 5, At: day(20), Recipients: []int64{a, b, c}}, calendar.Send{ID: 6, At: day(21), Recipients: []int64{b}})
	steps, _ = calendar.Plan(r, more)
	if steps[4].AtCap != 1 || steps[5].AtCap != 0 || steps[4].OverQuota {
		t.Errorf("fifth %+v sixth %+v", steps[4], steps[5])
	}
	if c := calendar.Check(r, more, calendar.Send{At: day(22), Recipients: []int64{a, b, c}}); c.AtCap != 2 {
		t.Errorf("a and b have had 4: %+v", c)
	}
	// A new month starts every count again, at midnight in the account's zone.
	if c := calendar.Check(r, more, calendar.Send{At: time.Date(2027, 1, 1, 0, 0, 0, 0, sh), Recipients: []int64{a, b, c}}); c.AtCap != 0 || c.Number != 1 || c.Month != "2027-01" {
		t.Errorf("January's first %+v", c)
	}
	if c := calendar.Check(r, more, calendar.Send{At: time.Date(2026, 12, 31, 23, 59, 59, 0, sh), Recipients: []int64{a}}); c.AtCap != 1 || c.Month != "2026-12" {
		t.Errorf("December's last second %+v", c)
	}
}

func TestMonthOfAcrossDaylightSaving(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	key, start, end := calendar.MonthOf(time.Date(2026, 11, 1, 4, 30, 0, 0, time.UTC), ny) // 00:30 EDT on 1 November
	if key != "2026-11" || start.UTC() != time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC) || end.UTC() != time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC) {
		t.Errorf("November in New York: %s %v %v", key, start.UTC(), end.UTC())
	}
	if key, _, _ := calendar.MonthOf(time.Date(2026, 11, 1, 3, 59, 0, 0, time.UTC), ny); key != "2026-10" {
		t.Errorf("23:59 on 31 October in New York is %s", key)
	}
}
