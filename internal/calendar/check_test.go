package calendar_test

import (
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/calendar"
)

// Quiet hours are local time in the account's zone, and may wrap past
// midnight.
func TestQuietHoursInTheAccountsZone(t *testing.T) {
	sh := mustZone(t, "Asia/Shanghai")
	night := calendar.QuietHours{From: 22 * 60, To: 8 * 60}
	lunch := calendar.QuietHours{From: 12 * 60, To: 13*60 + 30}
	for _, c := range []struct {
		q    calendar.QuietHours
		at   time.Time
		want bool
	}{
		{night, time.Date(2026, 12, 12, 23, 0, 0, 0, sh), true},
		{night, time.Date(2026, 12, 12, 7, 59, 0, 0, sh), true},
		{night, time.Date(2026, 12, 12, 8, 0, 0, 0, sh), false},
		{night, time.Date(2026, 12, 12, 21, 59, 0, 0, sh), false},
		// 15:00 UTC is 23:00 in Shanghai.
		{night, time.Date(2026, 12, 12, 15, 0, 0, 0, time.UTC), true},
		{lunch, time.Date(2026, 12, 12, 13, 29, 0, 0, sh), true},
		{lunch, time.Date(2026, 12, 12, 13, 30, 0, 0, sh), false},
		{calendar.QuietHours{}, time.Date(2026, 12, 12, 3, 0, 0, 0, sh), false},
	} {
		if got := c.q.Contains(c.at, sh); got != c.want {
			t.Errorf("%s contains %s: %v", c.q, c.at.In(sh).Format("15:04"), got)
		}
	}
	if night.String() != "22:00–08:00" || (calendar.QuietHours{}).Set() {
		t.Errorf("%q", night.String())
	}
	if m, err := calendar.ParseClock("07:45"); err != nil || m != 7*60+45 {
		t.Errorf("07:45 is %d %v", m, err)
	}
	if _, err := calendar.ParseClock("25:00"); err == nil {
		t.Error("25:00 read")
	}
}
