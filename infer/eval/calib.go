package eval

import (
	"encoding/json"
	"math"
	"sort"
)

// MinTableFMR is where a calibration table stops: beyond it the tail model
// is too far from any measurement to quote (1 in 10 million). Scores above
// the table's last point read as "< 1 in 10,000,000" in gallery.Calibration.
const MinTableFMR = 1e-7

// CalPoint is one row of a calibration table.
type CalPoint struct {
	// Similarity is the cosine score.
	Similarity float64 `json:"similarity"`
	// FMR is the estimated false-match rate per comparison: the chance
	// that two different people score above Similarity.
	FMR float64 `json:"fmr"`
	// Measured is true when FMR is counted from impostor pairs, false when
	// it comes from the tail model.
	Measured bool `json:"measured"`
	// TAR is the fraction of genuine pairs above Similarity on the
	// evaluation set.
	TAR float64 `json:"tar"`
}

// Tail is the Gaussian model of the impostor score tail used beyond the
// measured range: FMR(s) = Q((s − Mu)/Sigma), Q the standard normal upper
// tail, fitted to the highest impostor scores only (a normal fitted to all
// impostors underestimates the tail by about 2× at FMR 1e-3 on the dev set).
type Tail struct {
	// From is the score above which the model is used: Count impostors lie
	// above it.
	From  float64 `json:"from"`
	Count int     `json:"count"`
	Mu    float64 `json:"mu"`
	Sigma float64 `json:"sigma"`
}

// FMR is the model's false-match rate at similarity s.
func (t Tail) FMR(s float64) float64 {
	if !(t.Sigma > 0) {
		return 0
	}
	return 0.5 * math.Erfc((s-t.Mu)/(t.Sigma*math.Sqrt2))
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

// probit is the standard normal quantile.
func probit(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// Calibrate builds a table over similarities 0.00, 0.01, … The FMR is
// counted where at least k = max(50, 1% of the impostor pairs) impostors lie
// above the similarity. Above that a normal distribution fitted to the k
// highest impostor scores (least squares of score against the normal
// quantile of its rank, plotting position (i+0.5)/N) takes over, until the
// FMR falls below MinTableFMR. The FMR never rises with similarity.
func Calibrate(genuine, impostor []float64) CalibrationTable {
	im := sorted(impostor)
	g := sorted(genuine)
	n := len(im)
	t := CalibrationTable{GenuinePairs: len(genuine), ImpostorPairs: n}
	if n < 2 {
		return t
	}
	k := min(max(50, n/100), n-1)
	t.Tail.From, t.Tail.Count = im[n-1-k], k
	// Fit score = Mu + Sigma·z over the top k scores.
	var sx, sy, sxx, sxy float64
	for i := 0; i < k; i++ {
		y := im[n-1-i]
		x := probit(1 - (float64(i)+0.5)/float64(n))
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	fk := float64(k)
	if d := fk*sxx - sx*sx; d > 0 {
		t.Tail.Sigma = (fk*sxy - sx*sy) / d
		t.Tail.Mu = (sy - t.Tail.Sigma*sx) / fk
	}
	prev := 1.0
	for i := 0; i < 100; i++ {
		s := float64(i) / 100
		p := CalPoint{Similarity: s}
		if len(g) > 0 {
			p.TAR = float64(countAbove(g, s)) / float64(len(g))
		}
		if s <= t.Tail.From {
			p.FMR = float64(countAbove(im, s)) / float64(n)
			p.Measured = true
		} else {
			p.FMR = t.Tail.FMR(s)
		}
		p.FMR = math.Min(p.FMR, prev)
		if p.FMR < MinTableFMR || !(p.FMR > 0) {
			break
		}
		prev = p.FMR
		t.Points = append(t.Points, p)
	}
	return t
}

// FMR returns the table's false-match rate at similarity s, interpolating
// log FMR linearly between points and clamping outside the table (the same
// reading as gallery.Calibration).
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
		return ps[len(ps)-1].FMR
	}
	a, b := ps[i-1], ps[i]
	f := (s - a.Similarity) / (b.Similarity - a.Similarity)
	la, lb := math.Log(a.FMR), math.Log(b.FMR)
	return math.Exp(la + f*(lb-la))
}

// ThresholdFor returns the lowest table similarity whose FMR is at most fmr
// (NaN when the table does not reach it).
func (t *CalibrationTable) ThresholdFor(fmr float64) float64 {
	for _, p := range t.Points {
		if p.FMR <= fmr {
			return p.Similarity
		}
	}
	return math.NaN()
}

// GalleryJSON is the table in the form gallery.ParseCalibration reads:
// {"points": [{"similarity": …, "fmr": …}, …]}.
func (t *CalibrationTable) GalleryJSON() ([]byte, error) {
	type pt struct {
		Similarity float64 `json:"similarity"`
		FMR        float64 `json:"fmr"`
	}
	doc := struct {
		Points []pt `json:"points"`
	}{}
	for i, p := range t.Points {
		// gallery wants strictly falling similarity→FMR steps to be
		// non-increasing, which Calibrate guarantees; drop flat repeats
		// at the top so every point carries information.
		if i > 0 && p.FMR == t.Points[i-1].FMR && i == len(t.Points)-1 {
			continue
		}
		doc.Points = append(doc.Points, pt{p.Similarity, p.FMR})
	}
	return json.MarshalIndent(doc, "", "  ")
}
