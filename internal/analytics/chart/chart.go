// Package chart draws small line and bar charts as inline SVG on the
// server: axes with rounded ticks, labels, and <title> elements so screen
// readers and hover show the values. No JavaScript is needed.
package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
)

// Series is one line (or one set of bars).
type Series struct {
	Name   string
	Values []float64
}

// Chart is a line or bar chart over Labels (one per point).
type Chart struct {
	Title  string // read by screen readers, shown as a tooltip
	Labels []string
	Series []Series
	Width  int // viewBox size; default 480 x 200 (text stays legible on a phone)
	Height int
	Unit   string // appended to values in titles, e.g. "%"
	// T writes the chart's own texts (its description, "No data") in the
	// viewer's language: a catalogue key and its values; nil for English.
	T func(key string, args ...any) string
}

// t is c.T, or fmt.Sprintf.
func (c *Chart) t(key string, args ...any) string {
	if c.T != nil {
		return c.T(key, args...)
	}
	return fmt.Sprintf(key, args...)
}

var seq atomic.Uint64

// palette colours the series (the stylesheet may override the first two).
var palette = []string{"#07a35a", "#2e90fa", "#f79009", "#9e77ed", "#f04438"}

func colour(i int) string { return palette[i%len(palette)] }

const (
	padL, padR, padT, padB = 48.0, 12.0, 12.0, 28.0
)

func (c *Chart) size() (float64, float64) {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 480
	}
	if h == 0 {
		h = 200
	}
	return float64(w), float64(h)
}

func (c *Chart) bounds() (lo, hi float64, ticks int) {
	for _, s := range c.Series {
		for _, v := range s.Values {
			hi = math.Max(hi, v)
			lo = math.Min(lo, v)
		}
	}
	span := hi - lo
	if span <= 0 {
		return 0, 4, 4
	}
	// The tightest axis of up to 6 steps of 1, 2 or 5 times a power of ten.
	best := math.Inf(1)
	rlo, rhi, rticks := lo, hi, 4
	for n := 3; n <= 6; n++ {
		step := niceStep(span / float64(n))
		if span >= 2 {
			step = max(step, 1) // counts: whole-number ticks
		}
		l := math.Floor(lo/step) * step
		k := max(1, int(math.Ceil((hi-l)/step-1e-9)))
		if k > 6 {
			continue
		}
		if s := float64(k) * step; s < best || (s == best && k > rticks && k <= 5) {
			best, rlo, rhi, rticks = s, l, l+s, k
		}
	}
	return rlo, rhi, rticks
}

// niceStep rounds v up to 1, 2 or 5 times a power of ten.
func niceStep(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p*1.0000001 {
			return m * p
		}
	}
	return 10 * p
}

// Num formats a value compactly: 1234 -> "1,234", 1.5e6 -> "1.5M".
func Num(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64)[:min(len(strconv.FormatFloat(v/1e6, 'f', -1, 64)), 4)] + "M"
	case a >= 1e4:
		return strconv.FormatFloat(math.Round(v/100)/10, 'f', -1, 64) + "k"
	case a == math.Trunc(a):
		return group(int64(v))
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func (c *Chart) open(b *strings.Builder, kind string) (string, float64, float64) {
	w, h := c.size()
	n := seq.Add(1)
	tid := fmt.Sprintf("chart%d", n)
	fmt.Fprintf(b, `<svg class="chart chart-%s" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMidYMid meet" font-size="13">`, kind, w, h, tid, tid)
	fmt.Fprintf(b, `<title id="%s-t">%s</title>`, tid, html.EscapeString(c.Title))
	fmt.Fprintf(b, `<desc id="%s-d">%s</desc>`, tid, html.EscapeString(c.describe()))
	return tid, w, h
}

// describe summarises the data for screen readers.
func (c *Chart) describe() string {
	if len(c.Labels) == 0 {
		return c.t("No data.")
	}
	var parts []string
	for _, s := range c.Series {
		var sum, mx float64
		for _, v := range s.Values {
			sum += v
			mx = math.Max(mx, v)
		}
		parts = append(parts, c.t("%s: total %s, highest %s%s", s.Name, Num(sum), Num(mx), c.Unit))
	}
	return c.t("%s to %s. %s.", c.Labels[0], c.Labels[len(c.Labels)-1], strings.Join(parts, c.t("; ")))
}

// axes draws the y grid with 4 ticks and up to 8 x labels.
func (c *Chart) axes(b *strings.Builder, w, h, lo, hi float64, ticks int, x func(i int) float64) func(v float64) float64 {
	y := func(v float64) float64 { return padT + (hi-v)/(hi-lo)*(h-padT-padB) }
	b.WriteString(`<g class="axis">`)
	for i := 0; i <= ticks; i++ {
		v := lo + (hi-lo)*float64(i)/float64(ticks)
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="grid"/>`, padL, w-padR, y(v), y(v))
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end" dy="0.35em">%s</text>`, padL-6, y(v), Num(v))
	}
	n := len(c.Labels)
	step := max(1, (n+7)/8)
	for i := 0; i < n; i += step {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x(i), h-8, html.EscapeString(c.Labels[i]))
	}
	b.WriteString(`</g>`)
	return y
}

func (c *Chart) legend(b *strings.Builder, w float64) {
	if len(c.Series) < 2 {
		return
	}
	b.WriteString(`<g class="legend">`)
	x := padL
	for i, s := range c.Series {
		fmt.Fprintf(b, `<rect x="%.1f" y="0" width="10" height="10" class="s%d" fill="%s"/><text x="%.1f" y="9">%s</text>`, x, i, colour(i), x+14, html.EscapeString(s.Name))
		x += 24 + float64(len(s.Name))*7
	}
	b.WriteString(`</g>`)
}

// Line draws one line per series.
func (c *Chart) Line() template.HTML {
	var b strings.Builder
	_, w, h := c.open(&b, "line")
	n := len(c.Labels)
	if n == 0 {
		fmt.Fprintf(&b, `<text x="50%%" y="50%%" text-anchor="middle">%s</text></svg>`, html.EscapeString(c.t("No data for this period.")))
		return template.HTML(b.String())
	}
	lo, hi, ticks := c.bounds()
	x := func(i int) float64 {
		if n == 1 {
			return (padL + w - padR) / 2
		}
		return padL + float64(i)/float64(n-1)*(w-padL-padR)
	}
	y := c.axes(&b, w, h, lo, hi, ticks, x)
	for si, s := range c.Series {
		fmt.Fprintf(&b, `<g class="series s%d" stroke="%s" fill="%s"><title>%s</title><polyline fill="none" points="`, si, colour(si), colour(si), html.EscapeString(s.Name))
		for i, v := range s.Values {
			if i >= n {
				break
			}
			fmt.Fprintf(&b, "%.1f,%.1f ", x(i), y(v))
		}
		b.WriteString(`"/>`)
		if n <= 92 {
			for i, v := range s.Values {
				if i >= n {
					break
				}
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5"><title>%s %s: %s%s</title></circle>`, x(i), y(v), html.EscapeString(c.Labels[i]), html.EscapeString(s.Name), Num(v), c.Unit)
			}
		}
		b.WriteString(`</g>`)
	}
	c.legend(&b, w)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Bar draws grouped vertical bars, one group per label.
func (c *Chart) Bar() template.HTML {
	var b strings.Builder
	_, w, h := c.open(&b, "bar")
	n := len(c.Labels)
	if n == 0 || len(c.Series) == 0 {
		fmt.Fprintf(&b, `<text x="50%%" y="50%%" text-anchor="middle">%s</text></svg>`, html.EscapeString(c.t("No data for this period.")))
		return template.HTML(b.String())
	}
	lo, hi, ticks := c.bounds()
	slot := (w - padL - padR) / float64(n)
	x := func(i int) float64 { return padL + slot*(float64(i)+0.5) }
	y := c.axes(&b, w, h, lo, hi, ticks, x)
	bw := slot * 0.8 / float64(len(c.Series))
	for si, s := range c.Series {
		fmt.Fprintf(&b, `<g class="series s%d" fill="%s">`, si, colour(si))
		for i, v := range s.Values {
			if i >= n {
				break
			}
			top, bottom := y(math.Max(v, 0)), y(math.Min(v, 0))
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s: %s%s</title></rect>`,
				padL+slot*float64(i)+slot*0.1+bw*float64(si), top, math.Max(bw-1, 0.5), math.Max(bottom-top, 0),
				html.EscapeString(c.Labels[i]), html.EscapeString(s.Name), Num(v), c.Unit)
		}
		b.WriteString(`</g>`)
	}
	c.legend(&b, w)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
