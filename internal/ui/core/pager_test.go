package core

import (
	"math"
	"strconv"
	"testing"
)

func TestParsePageClamps(t *testing.T) {
	last := math.MaxInt32/50 + 1
	for _, c := range []struct {
		in   string
		page int
	}{
		{"", 1}, {"1", 1}, {"3", 3}, {" 4 ", 4}, {"0", 1}, {"-7", 1}, {"abc", 1}, {"2.5", 1}, {"1e9", 1},
		{"200000000000000000", last}, {"9223372036854775807", last}, {"99999999999999999999999", last},
		{"-99999999999999999999999", 1}, {strconv.Itoa(last), last}, {strconv.Itoa(last + 1), last},
	} {
		p := ParsePage(c.in, 50)
		if p.Page != c.page || p.Offset != (c.page-1)*50 || p.Limit != 50 {
			t.Errorf("ParsePage(%q) = %+v, want page %d", c.in, p, c.page)
		}
	}
}

// FuzzParsePage: any query value gives a page of at least 1 whose offset
// is within 32 bits and a whole number of pages.
func FuzzParsePage(f *testing.F) {
	for _, s := range []string{"", "1", "0", "-1", "200000000000000000", "9223372036854775808", "+5", " 7", "0x10"} {
		f.Add(s, 50)
	}
	f.Fuzz(func(t *testing.T, s string, per int) {
		p := ParsePage(s, per)
		if p.Page < 1 || p.Offset < 0 || p.Offset > math.MaxInt32 || p.Limit < 1 || p.Offset != (p.Page-1)*p.Limit {
			t.Fatalf("ParsePage(%q, %d) = %+v", s, per, p)
		}
	})
}
