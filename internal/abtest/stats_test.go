package abtest

import (
	"math"
	"strings"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f", what, got, want)
	}
}

// The values below are worked by hand from the formula
// z = (p1 − p2) / sqrt(p(1 − p)(1/n1 + 1/n2)), p = (x1 + x2)/(n1 + n2),
// two-sided P = erfc(|z|/√2) = 2(1 − Φ(|z|)), with Φ read from a normal table.
func TestTwoProportionZAgainstHandComputedValues(t *testing.T) {
	// 150 of 1000 against 100 of 1000: p = 250/2000 = 0.125,
	// SE = sqrt(0.125 · 0.875 · 0.002) = sqrt(0.00021875) = 0.014790,
	// z = 0.05 / 0.014790 = 3.3806, P = 2(1 − Φ(3.38)) ≈ 2 · 0.000362 = 0.00072.
	z, p := TwoProportionZ(150, 1000, 100, 1000)
	near(t, "z", z, 3.3806, 0.0001)
	near(t, "P", p, 0.000723, 0.000002)

	// 26 of 200 against 20 of 200: p = 46/400 = 0.115,
	// SE = sqrt(0.115 · 0.885 · 0.01) = sqrt(0.00101775) = 0.031902,
	// z = 0.03 / 0.031902 = 0.9404, P = 2(1 − Φ(0.94)) ≈ 2 · 0.1735 = 0.347.
	z, p = TwoProportionZ(26, 200, 20, 200)
	near(t, "z", z, 0.9404, 0.0001)
	near(t, "P", p, 0.3470, 0.0001)

	// The sign follows the order; the p-value does not.
	z2, p2 := TwoProportionZ(20, 200, 26, 200)
	near(t, "reversed z", z2, -0.9404, 0.0001)
	near(t, "reversed P", p2, p, 1e-12)

	// No variance (nobody opened either): no evidence at all.
	if z, p := TwoProportionZ(0, 50, 0, 50); z != 0 || p != 1 {
		t.Errorf("nobody opened: z=%v P=%v, want 0 and 1", z, p)
	}
	if _, p := TwoProportionZ(3, 0, 1, 10); p != 1 {
		t.Errorf("no recipients: P=%v, want 1", p)
	}
}

func TestAnalyzeCallsAClearWinner(t *testing.T) {
	r := Analyze([]Arm{{1000, 100}, {1000, 150}})
	if r.Leader != 1 || !r.Clear {
		t.Fatalf("leader %d clear %v, want B clear: %s", r.Leader, r.Clear, r.Verdict)
	}
	near(t, "P", r.P, 0.000723, 0.000002)
	near(t, "level", r.Level, 0.05, 1e-12)
	near(t, "confidence", r.Confidence(), 99.9277, 0.001)
	if !strings.HasPrefix(r.Verdict, "Variant B is the winner: 15.0% of its recipients opened it") {
		t.Errorf("verdict %q", r.Verdict)
	}
}

func TestAnalyzeSaysNoClearWinnerWhenTheDifferenceCouldBeChance(t *testing.T) {
	// B leads (13% against 10%) but P = 0.347.
	r := Analyze([]Arm{{200, 20}, {200, 26}})
	if r.Leader != 1 || r.Clear || r.TooFew {
		t.Fatalf("leader %d clear %v tooFew %v, want B leading, not clear", r.Leader, r.Clear, r.TooFew)
	}
	near(t, "P", r.P, 0.3470, 0.0001)
	if !strings.HasPrefix(r.Verdict, "No clear winner: variant B leads with 13.0%") || !strings.Contains(r.Verdict, "0.347") {
		t.Errorf("verdict %q", r.Verdict)
	}
}

func TestAnalyzeCorrectsForSeveralComparisons(t *testing.T) {
	// Three variants: A 60/400 = 15%, B 40/400 = 10%, C 45/400 = 11.25%.
	// A against B: p = 100/800 = 0.125, SE = sqrt(0.125 · 0.875 · 0.005)
	// = 0.023385, z = 0.05 / 0.023385 = 2.1381, P = 0.0325 — below 0.05,
	// but with two comparisons each must be below 0.05 / 2 = 0.025.
	// A against C: p = 105/800 = 0.13125, SE = sqrt(0.13125 · 0.86875 · 0.005)
	// = 0.023877, z = 0.0375 / 0.023877 = 1.5705, P = 0.1163.
	r := Analyze([]Arm{{400, 60}, {400, 40}, {400, 45}})
	if r.Leader != 0 || r.Clear {
		t.Fatalf("leader %d clear %v, want A leading but not clear", r.Leader, r.Clear)
	}
	near(t, "level", r.Level, 0.025, 1e-12)
	if len(r.Comparisons) != 2 || r.Comparisons[0].Other != 1 || r.Comparisons[1].Other != 2 {
		t.Fatalf("comparisons %+v", r.Comparisons)
	}
	near(t, "z(A,B)", r.Comparisons[0].Z, 2.1381, 0.0001)
	near(t, "P(A,B)", r.Comparisons[0].P, 0.0325, 0.0001)
	near(t, "z(A,C)", r.Comparisons[1].Z, 1.5705, 0.0001)
	near(t, "P(A,C)", r.Comparisons[1].P, 0.1163, 0.0001)
	near(t, "P", r.P, 0.1163, 0.0001) // the closest rival decides

	// The same A against B alone is a clear winner.
	if r := Analyze([]Arm{{400, 60}, {400, 40}}); !r.Clear {
		t.Errorf("two variants: not clear (%s)", r.Verdict)
	}
}

func TestAnalyzeNeedsEnoughOpens(t *testing.T) {
	// 4 of 10 against 0 of 10 is P = 0.0253 by the formula, but four opens
	// are too few for the normal approximation.
	r := Analyze([]Arm{{10, 0}, {10, 4}})
	if r.Clear || !r.TooFew || r.Leader != 1 {
		t.Fatalf("clear %v tooFew %v leader %d", r.Clear, r.TooFew, r.Leader)
	}
	if !strings.HasPrefix(r.Verdict, "No clear winner: too few opens to tell") {
		t.Errorf("verdict %q", r.Verdict)
	}
	r = Analyze([]Arm{{10, 0}, {12, 0}})
	if r.Clear || r.Leader != 0 || r.Verdict != "No clear winner: nobody has opened any variant yet." {
		t.Errorf("nobody opened: leader %d verdict %q", r.Leader, r.Verdict)
	}
}

func TestTiesGoToTheEarlierVariant(t *testing.T) {
	if r := Analyze([]Arm{{100, 10}, {100, 10}, {50, 5}}); r.Leader != 0 || r.Clear {
		t.Errorf("leader %d clear %v", r.Leader, r.Clear)
	}
}

func TestSampleIsExclusiveBalancedAndReproducible(t *testing.T) {
	audience := make([]int64, 1000)
	for i := range audience {
		audience[i] = int64(1_000_000 + 7*i)
	}
	a := Sample(42, audience, 30, 3)
	if len(a) != 300 {
		t.Fatalf("sample of %d, want 300", len(a))
	}
	seen := map[int64]bool{}
	size := make([]int, 3)
	for _, m := range a {
		if seen[m.PersonID] {
			t.Fatalf("person %d sampled twice", m.PersonID)
		}
		seen[m.PersonID] = true
		size[m.Variant]++
	}
	if size[0] != 100 || size[1] != 100 || size[2] != 100 {
		t.Errorf("variant sizes %v, want 100 each", size)
	}
	// The same seed and audience, in another order, give the same sample.
	rev := make([]int64, len(audience))
	for i, p := range audience {
		rev[len(rev)-1-i] = p
	}
	b := Sample(42, rev, 30, 3)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("member %d: %+v, then %+v", i, a[i], b[i])
		}
	}
	// Another seed draws another sample; neither is the first 300 ids.
	c := Sample(43, audience, 30, 3)
	same, first := 0, 0
	for _, m := range c {
		if seen[m.PersonID] {
			same++
		}
	}
	for _, m := range a {
		if m.PersonID < audience[300] {
			first++
		}
	}
	if same > 150 || first > 150 {
		t.Errorf("seed 43 shares %d of 300 with seed 42; %d of seed 42's are among the first 300 ids", same, first)
	}
	if n := SampleSize(197, 30); n != 59 {
		t.Errorf("30%% of 197 = %d, want 59", n)
	}
	if n := len(Sample(1, audience[:7], 50, 4)); n != 4 { // 3.5 rounds to 4
		t.Errorf("50%% of 7 = %d, want 4", n)
	}
}
