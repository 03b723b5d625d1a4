package portability

import (
	"slices"
	"testing"
)

// With bits shared by many hashes (64 bits for 1,000 lines), the repeats
// are still exactly the lines whose hash an earlier line had, each paired
// with the first such line.
func TestRepeatSetSharedBits(t *testing.T) {
	t.Parallel()
	s := newRepeatSet(0)
	s.bits, s.shift = make([]uint64, 1), 58
	var want []int64
	first := map[uint64]int64{}
	for line := int64(2); line < 1002; line++ {
		hash := func(n int64) uint64 { return uint64(n) * 0x9E3779B97F4A7C15 }
		h := hash(line)
		if line%97 == 0 {
			h = hash(line - 40)
		}
		if f, ok := first[h]; ok {
			want = append(want, line, f)
		} else {
			first[h] = line
		}
		s.add(h, line)
	}
	if len(want) == 0 {
		t.Fatal("the test has no repeats")
	}
	var got []int64
	for _, p := range s.pairs() {
		got = append(got, s.line(p))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pairs %v, want %v", got, want)
	}
	if got := newRepeatSet(10).pairs(); got != nil {
		t.Fatalf("an empty set has pairs %v", got)
	}
}
