package eval

import (
	"math"
	"sort"
)

// CalPoint is one row of a calibration table.
type CalPoint struct {
	// Similarity is the cosine score.
	Similarity float64 `json:"similarity"`
	// FMR is the estimated false-match rate per comparison: the chance
	// that two different people score above Similarity.
	FMR float64 `json:"fmr"`
	// Measured is true when FMR is counted from impostor pairs, false when
	// it is extrapolated by the tail model.
	Measured bool `json:"measured"`
	// TAR is the fraction of genuine pairs above Similarity on the
	// evaluation set.
	TAR float64 `json:"tar"`
}

// Tail is the exponential model of the impostor score tail used beyond the
// measured range: FMR(s) = FMRAtFrom·exp(−Rate·(s − From)) for s > From.
// Cosine scores are bounded, so their true tail falls faster than an
// exponential: the model overestimates the FMR, which is the safe side.
type Tail struct {
	From      float64 `json:"from"`
	FMRAtFrom float64 `json:"fmr_at_from"`
	Rate      float64 `json:"rate"`
}

// CalibrationTable maps a similarity to an estimated false-match rate. It
// is derived from an evaluation's impostor scores by Calibrate.
type CalibrationTable struct {
	Source        string     `json:"source"`
	Variant       string     `json:"variant"`
	Flip          bool       `json:"flip"`
	GenuinePairs  int        `json:"genuine_pairs"`
	ImpostorPairs int        `json:"impostor_pairs"`
	Tail          Tail       `json:"tail"`
	Points        []CalPoint `json:"points"`
}

// Calibrate builds a table over similarities 0.00…0.99 (step 0.01). The
// FMR is counted where at least tailCount impostor pairs lie above the
// similarity; above that, an exponential fitted by maximum likelihood to
// the highest tailCount impostor scores takes over. tailCount is
// max(50, 1% of the impostor pairs).
func Calibrate(genuine, impostor []float64) CalibrationTable {
	im := sorted(impostor)
	g := sorted(genuine)
	n := len(im)
	t := CalibrationTable{GenuinePairs: len(genuine), ImpostorPairs: n}
	if n == 0 {
		return t
	}
	k := max(50, n/100)
	if k > n {
		k = n
	}
	// From is the (k+1)-th highest score, so k impostors lie above it.
	from := im[0] - 1e-9
	if k < n {
		from = im[n-1-k]
	}
	var sum float64
	for _, v := range im[n-k:] {
		sum += v - from
	}
	rate := math.Inf(1)
	if sum > 0 {
		rate = float64(k) / sum
	}
	t.Tail = Tail{From: from, FMRAtFrom: float64(k) / float64(n), Rate: rate}
	for i := 0; i < 100; i++ {
		s := float64(i) / 100
		p := CalPoint{Similarity: s}
		if len(g) > 0 {
			p.TAR = float64(countAbove(g, s)) / float64(len(g))
		}
		if s <= from {
			p.FMR = float64(countAbove(im, s)) / float64(n)
			p.Measured = true
		} else {
			p.FMR = t.Tail.FMRAtFrom * math.Exp(-rate*(s-from))
		}
		t.Points = append(t.Points, p)
	}
	return t
}

// FMR returns the table's false-match rate at similarity s, interpolating
// log FMR linearly between points.
func (t *CalibrationTable) FMR(s float64) float64 {
	ps := t.Points
	if len(ps) == 0 {
		return math.NaN()
	}
	if s <= ps[0].Similarity {
		return ps[0].FMR
	}
	i := sort.Search(len(ps), func(i int) bool { return ps[i].Similarity >= s })
	if i == len(ps) {
		last := ps[len(ps)-1]
		return t.Tail.FMRAtFrom * math.Exp(-t.Tail.Rate*(math.Max(s, last.Similarity)-t.Tail.From))
	}
	a, b := ps[i-1], ps[i]
	f := (s - a.Similarity) / (b.Similarity - a.Similarity)
	la, lb := math.Log(math.Max(a.FMR, 1e-300)), math.Log(math.Max(b.FMR, 1e-300))
	return math.Exp(la + f*(lb-la))
}

// ThresholdFor returns the lowest similarity in the table whose FMR is at
// most fmr (or NaN when none is).
func (t *CalibrationTable) ThresholdFor(fmr float64) float64 {
	for _, p := range t.Points {
		if p.FMR <= fmr {
			return p.Similarity
		}
	}
	return math.NaN()
}
