package golden

import (
	"fmt"
	"math"
)

// RelTol is the golden tolerance: |ours − reference| ≤ RelTol·(1 + |reference|)
// for every element.
const RelTol = 1e-4

// MinCosine is the least cosine similarity between our embedding rows and
// the reference ones (MobileFaceNet).
const MinCosine = 0.99999

// Diff is the result of Compare.
type Diff struct {
	// OK is true when every element is within tolerance.
	OK bool
	// Worst is the index of the element with the largest
	// |got−want|/(1+|want|) (or the first non-finite mismatch); -1 for empty
	// inputs.
	Worst int
	// Got and Want are the values at Worst.
	Got, Want float32
	// AbsErr is |Got−Want|; Scaled is AbsErr/(1+|Want|).
	AbsErr, Scaled float64
	// Bad counts the elements out of tolerance.
	Bad int
}

// String describes the worst element.
func (d Diff) String() string {
	if d.Worst < 0 {
		return "no elements"
	}
	return fmt.Sprintf("%d elements out of tolerance; worst at index %d: ours %g, reference %g (abs err %.3g, scaled %.3g, limit %g)",
		d.Bad, d.Worst, d.Got, d.Want, d.AbsErr, d.Scaled, RelTol)
}

// Compare checks got against want elementwise with tolerance
// tol·(1+|want|). A NaN or infinity in got that is not equal to want is
// always out of tolerance. Slices of different lengths are a mismatch at
// index min(len).
func Compare(got, want []float32, tol float64) Diff {
	d := Diff{OK: true, Worst: -1}
	n := min(len(got), len(want))
	for i := range n {
		g, w := float64(got[i]), float64(want[i])
		var scaled float64
		switch {
		case g == w:
			scaled = 0
		case math.IsNaN(g) || math.IsNaN(w) || math.IsInf(g, 0) || math.IsInf(w, 0):
			scaled = math.Inf(1)
		default:
			scaled = math.Abs(g-w) / (1 + math.Abs(w))
		}
		if scaled > tol {
			d.Bad++
			d.OK = false
		}
		if d.Worst < 0 || scaled > d.Scaled {
			d.Worst, d.Got, d.Want, d.Scaled = i, got[i], want[i], scaled
			d.AbsErr = math.Abs(g - w)
		}
	}
	if len(got) != len(want) {
		d.OK = false
		d.Bad += max(len(got), len(want)) - n
		d.Worst, d.Scaled = n, math.Inf(1)
		d.Got, d.Want = float32(math.NaN()), float32(math.NaN())
		if n < len(got) {
			d.Got = got[n]
		}
		if n < len(want) {
			d.Want = want[n]
		}
	}
	return d
}

// Cosine returns the cosine similarity of a and b (computed in float64), or
// NaN if their lengths differ or either is all zeros.
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.NaN()
	}
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return math.NaN()
	}
	return dot / math.Sqrt(na*nb)
}
