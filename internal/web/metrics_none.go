//go:build emulator

package web

import "time"

// Metrics records nothing in the emulator's build (-tags emulator), which
// links no Prometheus client; Observe is given a nil one.
type Metrics struct{}

func (m *Metrics) observe(string, string, int, time.Duration) {}
