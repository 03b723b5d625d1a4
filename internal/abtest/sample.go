package abtest

import (
	"math"
	"sort"
)

// key is a person's place in a test's random order: splitmix64 of the
// test's seed mixed with the person's id. It is a pure function, so the
// sample of a test can be drawn again from its seed and audience on any
// node and gives the same people.
func key(seed, person int64) uint64 {
	x := uint64(seed) ^ (uint64(person) * 0x9e3779b97f4a7c15)
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// SampleSize is how many of an audience of n a sample of percent holds:
// n·percent/100 rounded to the nearest person.
func SampleSize(n int64, percent int) int64 {
	return int64(math.Round(float64(n) * float64(percent) / 100))
}

// Member is a follower in a test's sample and the variant (0-based) they get.
type Member struct {
	PersonID int64
	Variant  int
}

// Sample draws a test's sample from its audience: the SampleSize people
// who come first in the test's random order (key), dealt to the variants
// in that order, so the variants' sizes differ by at most one and every
// person is in at most one of them. The same seed and audience give the
// same sample; the audience's order does not matter.
func Sample(seed int64, audience []int64, percent, variants int) []Member {
	n := SampleSize(int64(len(audience)), percent)
	type keyed struct {
		k uint64
		p int64
	}
	all := make([]keyed, len(audience))
	for i, p := range audience {
		all[i] = keyed{key(seed, p), p}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].k != all[j].k {
			return all[i].k < all[j].k
		}
		return all[i].p < all[j].p
	})
	out := make([]Member, n)
	for i := range out {
		out[i] = Member{PersonID: all[i].p, Variant: i % variants}
	}
	return out
}
