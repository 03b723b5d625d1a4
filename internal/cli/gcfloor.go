package cli

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
)

// serveHeapFloor is the heap size below which `herald serve` does not
// collect garbage (heapFloor). A server's live heap is small (20–30 MB
// with the demo) while every page allocates tens of kilobytes: at Go's
// default GOGC of 100 the collector ran 16–33 times per 10,000 follower
// pages; with the floor 2.5–5.6 times (docs/performance.md). In a container
// whose memory is limited it is at most a quarter of the limit
// (floorFor).
const serveHeapFloor = 128 << 20

// floorFor is the heap floor for a process whose cgroup allows limit
// bytes (0: no limit): floor, or a quarter of the limit when that is less.
func floorFor(floor, limit uint64) uint64 {
	if limit > 0 && limit/4 < floor {
		return limit / 4
	}
	return floor
}

// cgroupMemoryLimit is the memory limit of the process's cgroup (v2), or
// 0 when there is none or it cannot be read.
func cgroupMemoryLimit() uint64 {
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil { // "max"
		return 0
	}
	return n
}

// heapFloor lets the heap grow to floor bytes before a collection, as a
// higher GOGC would, while the live heap is small, and leaves Go's default
// pacing (a collection when the heap has doubled) once the live heap is
// over half the floor: unlike a fixed higher GOGC, a large live heap does
// not grow by several times itself. After every collection it sets the GC
// percentage from the live heap (gcPercentFor). A GOGC in the environment
// turns it off, so GOGC=100 restores the default; GOMEMLIMIT still caps
// the heap as it always does. The returned function stops the tuning and
// restores the percentage it found.
func heapFloor(floor uint64) (stop func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	var stopped atomic.Bool
	orig := gcPercent()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var arm func()
	tune := func() {
		if stopped.Load() {
			return
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetGCPercent(gcPercentFor(sample[0].Value.Uint64(), floor))
		}
		arm()
	}
	arm = func() {
		// A cleanup runs after the collection that finds its object
		// unreachable: once per cycle, re-armed each time. The pointer
		// field keeps the object out of the tiny allocator, whose
		// objects' cleanups may never run.
		s := &gcSentinel{}
		runtime.AddCleanup(s, func(struct{}) { tune() }, struct{}{})
	}
	arm()
	return func() {
		if stopped.CompareAndSwap(false, true) {
			debug.SetGCPercent(orig)
		}
	}
}

type gcSentinel struct {
	_ *byte
	_ [8]byte
}

// gcPercentFor is the GC percentage that sets the next collection at
// floor bytes for a live heap of live bytes, and never below Go's default
// of 100 (a collection when the heap has doubled).
func gcPercentFor(live, floor uint64) int {
	const maxPercent = 100_000 // a live heap of under 0.1 % of the floor
	if live == 0 || live >= floor/2 {
		return 100
	}
	p := (floor - live) * 100 / live
	return int(min(p, maxPercent))
}

// gcPercent is the GC percentage in force.
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 100
	}
	return int(s[0].Value.Uint64())
}
