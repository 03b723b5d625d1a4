// Package clock gives the application one notion of "now" that tests and the
// emulator can move forward without sleeping.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Real is the system clock, in UTC.
type Real struct{}

// Now returns the current UTC time.
func (Real) Now() time.Time { return time.Now().UTC() }

// Offset is the system clock plus an adjustable offset. The emulator and
// tests advance it to expire tokens or windows without waiting.
type Offset struct {
	mu      sync.RWMutex
	offset  time.Duration
	stopped time.Time // while set, Now returns it (plus later advances)
}

// Now returns the system time plus the offset, in UTC.
func (c *Offset) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.stopped.IsZero() {
		return c.stopped.Add(c.offset)
	}
	return time.Now().UTC().Add(c.offset)
}

// Stop holds the clock at its current time: Now stops moving until Advance
// moves it, so a test of a time window does not depend on how fast the
// machine runs it.
func (c *Offset) Stop() {
	c.mu.Lock()
	if c.stopped.IsZero() {
		c.stopped = time.Now().UTC()
	}
	c.mu.Unlock()
}

// Advance moves the clock forward by d (never backward).
func (c *Offset) Advance(d time.Duration) {
	if d < 0 {
		return
	}
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Beijing is the zone (UTC+8, no daylight saving) that WeChat's days and
// months follow: API quotas reset at its midnight, template-message months
// begin on its first day.
var Beijing = time.FixedZone("CST", 8*3600)
