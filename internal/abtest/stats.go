package abtest

import (
	"fmt"
	"math"
)

// Alpha is the significance level of a test as a whole: a winner is called
// only when the chance of seeing differences this large between equally
// good variants is below 5%.
const Alpha = 0.05

// MinCount is how many opens, and how many recipients who did not open,
// each compared variant needs before the normal approximation behind the
// z-test is trusted (the usual rule of thumb n·p ≥ 5 and n·(1−p) ≥ 5).
const MinCount = 5

// Arm is what one variant measured: how many followers received it and
// how many of them opened it within the window.
type Arm struct {
	Recipients int64
	Opens      int64
}

// Rate is the share of recipients who opened (0 without recipients).
func (a Arm) Rate() float64 {
	if a.Recipients <= 0 {
		return 0
	}
	return float64(a.Opens) / float64(a.Recipients)
}

// Comparison is the leader against one other variant.
type Comparison struct {
	Other int     // index of the other variant
	Z     float64 // the two-proportion z statistic (leader minus other)
	P     float64 // its two-sided p-value
}

// Result is the statistics of a test: the leader (highest open rate;
// the earlier variant on a tie), the leader against each other variant,
// and whether that makes the leader a clear winner.
type Result struct {
	Arms        []Arm
	Leader      int
	Comparisons []Comparison
	// P is the largest p-value of the leader's comparisons: the leader is
	// only as clearly ahead as it is of its closest rival.
	P float64
	// Level is the p-value each comparison must stay below: Alpha divided
	// by the number of comparisons (Bonferroni), so that testing three
	// rivals does not triple the chance of a false winner.
	Level   float64
	Clear   bool
	TooFew  bool   // some compared variant has fewer than MinCount opens or non-opens
	Verdict string // one plain sentence
	// VerdictFormat and VerdictArgs are what Verdict was written from, so
	// that a page can write it in its reader's language.
	VerdictFormat string
	VerdictArgs   []any
}

// percent writes a rate as a percentage with one decimal ("15.0%").
func percent(rate float64) string { return fmt.Sprintf("%.1f%%", 100*rate) }

// verdict sets the verdict to format written with args.
func (r *Result) verdict(format string, args ...any) {
	r.Verdict, r.VerdictFormat, r.VerdictArgs = fmt.Sprintf(format, args...), format, args
}

// Confidence is 1 − P, as a percentage for pages ("how sure"); it is not
// the probability that the leader is better, and the page says what it is.
func (r *Result) Confidence() float64 { return 100 * (1 - r.P) }

// TwoProportionZ is the pooled two-proportion z-test of x1 of n1 against
// x2 of n2: z = (p1 − p2) / sqrt(p(1 − p)(1/n1 + 1/n2)) with
// p = (x1 + x2)/(n1 + n2), and the two-sided p-value erfc(|z|/√2). With no
// variance (nobody or everybody opened) z is 0 and the p-value 1.
func TwoProportionZ(x1, n1, x2, n2 int64) (z, p float64) {
	if n1 <= 0 || n2 <= 0 {
		return 0, 1
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	pool := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 {
		return 0, 1
	}
	z = (p1 - p2) / se
	return z, math.Erfc(math.Abs(z) / math.Sqrt2)
}

// Letter names variant i (0-based) as the pages do: A, B, C, D.
func Letter(i int) string { return string(rune('A' + i)) }

// Analyze computes the result of arms (at least two).
func Analyze(arms []Arm) *Result {
	r := &Result{Arms: arms, P: 1}
	if len(arms) < 2 {
		r.verdict("A test needs at least two variants.")
		return r
	}
	for i, a := range arms {
		if a.Rate() > arms[r.Leader].Rate() {
			r.Leader = i
		}
	}
	r.Level = Alpha / float64(len(arms)-1)
	lead := arms[r.Leader]
	r.P = 0
	for i, a := range arms {
		if i == r.Leader {
			continue
		}
		z, p := TwoProportionZ(lead.Opens, lead.Recipients, a.Opens, a.Recipients)
		r.Comparisons = append(r.Comparisons, Comparison{Other: i, Z: z, P: p})
		r.P = max(r.P, p)
		if tooFew(lead) || tooFew(a) {
			r.TooFew = true
		}
	}
	r.Clear = !r.TooFew && r.P < r.Level && lead.Rate() > 0
	name := Letter(r.Leader)
	switch {
	case r.Clear:
		r.verdict("Variant %s is the winner: %s of its recipients opened it, and a difference this large would arise by chance with probability %s (below %s).",
			name, percent(lead.Rate()), FormatP(r.P), FormatP(r.Level))
	case lead.Rate() == 0:
		r.verdict("No clear winner: nobody has opened any variant yet.")
	case r.TooFew:
		r.verdict("No clear winner: too few opens to tell (each variant needs at least %d opens and %d recipients who did not open). Variant %s leads with %s.",
			MinCount, MinCount, name, percent(lead.Rate()))
	default:
		r.verdict("No clear winner: variant %s leads with %s, but a difference this large would arise by chance with probability %s (it must be below %s to count).",
			name, percent(lead.Rate()), FormatP(r.P), FormatP(r.Level))
	}
	return r
}

func tooFew(a Arm) bool { return a.Opens < MinCount || a.Recipients-a.Opens < MinCount }

// FormatP writes a p-value for people: three significant digits, and
// "< 0.0001" for tiny ones.
func FormatP(p float64) string {
	if p < 0.0001 {
		return "< 0.0001"
	}
	return fmt.Sprintf("%.3g", p)
}
