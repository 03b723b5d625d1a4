// Package calendar is the arithmetic of the publishing calendar: how an
// account's monthly mass-send quota stands after each sent and scheduled
// send, month by month in the account's time zone, and — for Service
// accounts, whose followers each receive at most a few mass sends a month —
// how many of a send's recipients will already have had that many when it
// goes out (they would miss it). Plan is a pure function; Store loads an
// account's sends for it. See docs/publishing.md (The calendar's quota
// arithmetic).
package calendar

import (
	"sort"
	"time"
)

// Send is one mass send on the calendar.
type Send struct {
	ID        int64
	At        time.Time // when it went or will go out
	Scheduled bool      // not sent yet
	// Recipients are the followers it reaches (person ids). Only the
	// per-follower cap needs them; nil counts nobody.
	Recipients []int64
	// Delivered says the send went out (or is going out) and Recipients are
	// who received it: they all count towards the cap, and Skipped is how
	// many the engine left out because they had had the cap already.
	Delivered bool
	Skipped   int
	// Extra says the send is a further part of a send counted already (an
	// A/B test's roll-out of the winner to the rest of its audience): it
	// takes nothing of the monthly quota, but its recipients count towards
	// the per-follower cap like any send's.
	Extra bool
}

// Rules are an account's limits.
type Rules struct {
	Location    *time.Location // the account's time zone (nil: UTC)
	PerMonth    int            // mass sends per calendar month
	PerFollower int            // mass sends one follower may receive per month (0: no cap)
}

// Month is one calendar month's quota.
type Month struct {
	Key       string    // "2026-12"
	Start     time.Time // first moment, in the account's zone
	End       time.Time // first moment of the next month
	Limit     int
	Sent      int
	Scheduled int
	Left      int // Limit - Sent - Scheduled, never below 0
	Over      int // sends beyond the limit (refused when they are made)
}

// Step is one send with the quota as it stands after it.
type Step struct {
	Send
	Month     string
	Number    int  // its place in its month, from 1 (an Extra send: the place of the send it is part of, or 0)
	OverQuota bool // beyond the month's limit
	// AtCap is how many of its recipients had already received
	// Rules.PerFollower sends in its month before it: they miss it (for a
	// delivered send, the engine's count of those it skipped).
	AtCap int
}

// MonthOf returns the month key of t in loc and the month's bounds.
func MonthOf(t time.Time, loc *time.Location) (key string, start, end time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	start = time.Date(lt.Year(), lt.Month(), 1, 0, 0, 0, 0, loc)
	return lt.Format("2006-01"), start, start.AddDate(0, 1, 0)
}

// Plan walks the sends in time order (ties by ID) and returns each with the
// quota after it, and the months they fall in. Months are calendar months
// in the account's zone: a send at 23:30 on the 31st in Beijing is in the
// month that ends that night, whatever UTC says.
func Plan(r Rules, sends []Send) ([]Step, []*Month) {
	ordered := append([]Send(nil), sends...)
	sort.SliceStable(ordered, func(i, j int) bool {
		if !ordered[i].At.Equal(ordered[j].At) {
			return ordered[i].At.Before(ordered[j].At)
		}
		return ordered[i].ID < ordered[j].ID
	})
	months := map[string]*Month{}
	var order []*Month
	received := map[string]map[int64]int{} // month → person → sends received
	steps := make([]Step, 0, len(ordered))
	for _, s := range ordered {
		key, start, end := MonthOf(s.At, r.Location)
		m := months[key]
		if m == nil {
			m = &Month{Key: key, Start: start, End: end, Limit: r.PerMonth}
			months[key], received[key] = m, map[int64]int{}
			order = append(order, m)
		}
		st := Step{Send: s, Month: key, Number: m.Sent + m.Scheduled}
		if !s.Extra {
			st.Number++
			if st.Number > r.PerMonth {
				st.OverQuota = true
				m.Over++
			}
			if s.Scheduled {
				m.Scheduled++
			} else {
				m.Sent++
			}
		}
		got := received[key]
		if s.Delivered {
			st.AtCap = s.Skipped
			for _, p := range s.Recipients {
				got[p]++
			}
			steps = append(steps, st)
			continue
		}
		for _, p := range s.Recipients {
			if r.PerFollower > 0 && got[p] >= r.PerFollower {
				st.AtCap++
				continue
			}
			got[p]++
		}
		steps = append(steps, st)
	}
	for _, m := range order {
		m.Left = max(0, m.Limit-m.Sent-m.Scheduled)
	}
	return steps, order
}

// Check returns how a new send at the given time would stand among the
// account's sends: its place in the month (in time order), whether the
// month would then hold more sends than the quota (the month's counter
// does not care in what order they go out, so a send before a scheduled
// one that fills the month is refused too), and how many of its recipients
// would already have had Rules.PerFollower sends that month before it.
func Check(r Rules, sends []Send, candidate Send) Step {
	candidate.ID = 1<<62 - 1 // after the existing sends at the same moment
	steps, months := Plan(r, append(append([]Send(nil), sends...), candidate))
	for _, s := range steps {
		if s.ID == candidate.ID {
			m := Find(months, s.Month)
			s.OverQuota = m.Sent+m.Scheduled > m.Limit
			return s
		}
	}
	return Step{}
}

// Find returns the month with key among months, or nil.
func Find(months []*Month, key string) *Month {
	for _, m := range months {
		if m.Key == key {
			return m
		}
	}
	return nil
}
