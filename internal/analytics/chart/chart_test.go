package chart

import (
	"encoding/xml"
	"strings"
	"testing"
)

func wellFormed(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() == "EOF" {
				return
			}
			t.Fatalf("not well-formed SVG: %v\n%s", err, s)
		}
	}
}

func TestLineChartHasAxesTitlesAndPoints(t *testing.T) {
	c := Chart{Title: "Followers <new>", Labels: []string{"03-01", "03-02", "03-03"},
		Series: []Series{{Name: "New", Values: []float64{1, 7, 3}}, {Name: "Lost", Values: []float64{0, 2, 1}}}}
	s := string(c.Line())
	wellFormed(t, s)
	for _, want := range []string{`role="img"`, `<title id=`, "Followers &lt;new&gt;", "03-02 New: 7", "03-03 Lost: 1", "New: total 11, highest 7", ">8<"} {
		if !strings.Contains(s, want) {
			t.Errorf("line chart lacks %q:\n%s", want, s)
		}
	}
	if strings.Count(s, "<circle") != 6 || strings.Count(s, "<polyline") != 2 {
		t.Errorf("want 2 lines with 3 points each:\n%s", s)
	}
}

func TestBarChartScalesToTheLargestValue(t *testing.T) {
	c := Chart{Title: "Clicks", Labels: []string{"A", "B"}, Series: []Series{{Name: "Clicks", Values: []float64{50, 100}}}}
	s := string(c.Bar())
	wellFormed(t, s)
	if strings.Count(s, "<rect") != 2 || !strings.Contains(s, "B Clicks: 100") {
		t.Fatalf("bars: %s", s)
	}
	// B's bar (100, the axis maximum) is twice as tall as A's.
	var hA, hB float64
	for _, part := range strings.Split(s, "<rect")[1:] {
		var x, y, w, h float64
		if _, err := fmtSscanf(part, &x, &y, &w, &h); err != nil {
			t.Fatal(err)
		}
		if hA == 0 {
			hA = h
		} else {
			hB = h
		}
	}
	if hB < 1.99*hA || hB > 2.01*hA {
		t.Errorf("bar heights %v and %v, want 1:2", hA, hB)
	}
}

func TestEmptyChartSaysSo(t *testing.T) {
	c := Chart{Title: "Nothing"}
	if s := string(c.Line()); !strings.Contains(s, "No data") {
		t.Errorf("empty chart: %s", s)
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 1234: "1,234", 25000: "25k", 1500000: "1.5M", 2.5: "2.5", -1200: "-1,200"} {
		if got := Num(v); got != want {
			t.Errorf("Num(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestAxisEndsOnARoundNumberJustAboveTheData(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		top  float64
		tick int
	}{{246, 250, 5}, {7, 8, 4}, {2, 2, 2}, {1000000, 1000000, 5}, {0, 4, 4}} {
		c := Chart{Labels: []string{"a"}, Series: []Series{{Values: []float64{tc.max}}}}
		lo, hi, ticks := c.bounds()
		if lo != 0 || hi != tc.top || ticks != tc.tick {
			t.Errorf("max %v: axis %v..%v in %d ticks, want 0..%v in %d", tc.max, lo, hi, ticks, tc.top, tc.tick)
		}
	}
}
