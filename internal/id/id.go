// Package id generates the int64 identifiers that every table uses. IDs are
// made by the application (never by the database), are unique across
// processes with overwhelming probability and sort by creation time.
package id

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// epoch is 2024-01-01T00:00:00Z in milliseconds.
const epoch = 1704067200000

// Generator hands out IDs: 41 bits of milliseconds since epoch, 10 bits of
// node number and 12 bits of sequence within the millisecond.
type Generator struct {
	mu   sync.Mutex
	node int64
	last int64
	seq  int64
}

// NewGenerator returns a generator with a random node number (SetNode
// gives it a leased one).
func NewGenerator() *Generator {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return &Generator{node: int64(binary.BigEndian.Uint16(b[:]) & 0x3ff)}
}

// Next returns a new ID.
func (g *Generator) Next() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.next()
}

// next is Next with g.mu held.
func (g *Generator) next() int64 {
	now := time.Now().UnixMilli() - epoch
	if now < g.last {
		now = g.last // the clock went back: keep IDs increasing
	}
	if now == g.last {
		g.seq++
		if g.seq > 0xfff {
			// Sequence exhausted within this millisecond: borrow the next one.
			now++
			g.seq = 0
		}
	} else {
		g.seq = 0
	}
	g.last = now
	return now<<22 | g.node<<12 | g.seq
}

// Block reserves n consecutive IDs and returns the first; the generator
// will not hand out any of them again. Bulk inserts number their rows
// first+0 ... first+n-1 in SQL. (With several processes sharing one
// PostgreSQL, a block spans other nodes' ID space for a fraction of a second;
// bulk writers must therefore insert with ON CONFLICT handling or into tables
// keyed otherwise.)
func (g *Generator) Block(n int64) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	first := g.next()
	if n <= 1 {
		return first
	}
	switch last := first + n - 1; {
	case last>>22 > g.last:
		// The block runs into a later millisecond: the next ID comes after it.
		g.last, g.seq = last>>22, 0xfff
	case last>>12 != first>>12:
		// It runs past this node's sequence into the numbers above it in
		// the same millisecond: every later number of this millisecond
		// is taken.
		g.seq = 0xfff
	default:
		g.seq = last & 0xfff
	}
	return first
}

// MaxNode is the largest node number (10 bits).
const MaxNode = 0x3ff

// SetNode sets the generator's node number (0..MaxNode); numbers outside
// are masked to 10 bits.
func (g *Generator) SetNode(n int64) {
	g.mu.Lock()
	g.node = n & MaxNode
	g.mu.Unlock()
}

// Node returns the generator's node number.
func (g *Generator) Node() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.node
}

var global = NewGenerator()

// SetNode sets the process-wide generator's node number: a Herald node
// leases one from the database (internal/lease) so that no two nodes of a
// cluster share it. Until then the number is random.
func SetNode(n int64) { global.SetNode(n) }

// Node returns the process-wide generator's node number.
func Node() int64 { return global.Node() }

// NewBlock reserves n consecutive IDs from the process-wide generator.
func NewBlock(n int64) int64 { return global.Block(n) }

// New returns a new ID from the process-wide generator. The generator holds no
// configuration, only a clock and a counter, so sharing it is safe.
func New() int64 { return global.Next() }

// Floor returns the smallest ID a generator can make at t: every ID made at
// or after t (by a node whose clock agrees) is at least Floor(t). A page
// gives it as the point its live stream replays from.
func Floor(t time.Time) int64 { return (t.UnixMilli() - epoch) << 22 }

// Time returns the creation time encoded in an ID.
func Time(v int64) time.Time { return time.UnixMilli(v>>22 + epoch).UTC() }
