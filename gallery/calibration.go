package gallery

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// CalPoint is one row of a calibration table: at similarity Similarity the
// measured false-match rate (fraction of impostor comparisons scoring at or
// above it) is FMR.
type CalPoint struct {
	Similarity float64 `json:"similarity"`
	FMR        float64 `json:"fmr"`
}

// Calibration maps a similarity score to an estimated false-match rate by
// interpolating a table measured on impostor pairs (`facegate eval` derives
// it). Between points the FMR is interpolated linearly in log10(FMR), the
// scale on which impostor tails are close to straight. Outside the table the
// estimate is clamped to the end point and marked as a bound. The zero value
// is not usable; build one with NewCalibration or ParseCalibration.
type Calibration struct {
	points []CalPoint
}

// ErrCalibration reports an unusable calibration table.
var ErrCalibration = errors.New("gallery: bad calibration table")

// maxCalPoints bounds tables read from files.
const maxCalPoints = 10000

// NewCalibration checks and copies a table: at least two points, similarity
// finite in [-1, 1] and strictly increasing, FMR in (0, 1] and
// non-increasing.
func NewCalibration(points []CalPoint) (*Calibration, error) {
	if len(points) < 2 || len(points) > maxCalPoints {
		return nil, fmt.Errorf("%w: %d points, need 2..%d", ErrCalibration, len(points), maxCalPoints)
	}
	for i, p := range points {
		if math.IsNaN(p.Similarity) || p.Similarity < -1 || p.Similarity > 1 {
			return nil, fmt.Errorf("%w: point %d: similarity %v outside [-1, 1]", ErrCalibration, i, p.Similarity)
		}
		if !(p.FMR > 0 && p.FMR <= 1) {
			return nil, fmt.Errorf("%w: point %d: fmr %v outside (0, 1] (use the smallest measurable rate, not 0)", ErrCalibration, i, p.FMR)
		}
		if i > 0 {
			q := points[i-1]
			if p.Similarity <= q.Similarity {
				return nil, fmt.Errorf("%w: point %d: similarity %v not above previous %v (sort ascending, no duplicates)", ErrCalibration, i, p.Similarity, q.Similarity)
			}
			if p.FMR > q.FMR {
				return nil, fmt.Errorf("%w: point %d: fmr %v above previous %v (false-match rate must not rise with similarity)", ErrCalibration, i, p.FMR, q.FMR)
			}
		}
	}
	return &Calibration{points: append([]CalPoint(nil), points...)}, nil
}

// ParseCalibration reads a table in the JSON form {"points": [{"similarity":
// 0.3, "fmr": 0.01}, ...]} written by `facegate eval`.
func ParseCalibration(data []byte) (*Calibration, error) {
	var doc struct {
		Points []CalPoint `json:"points"`
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCalibration, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the table", ErrCalibration)
	}
	return NewCalibration(doc.Points)
}

// MarshalJSON writes the form ParseCalibration reads.
func (c *Calibration) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Points []CalPoint `json:"points"`
	}{c.points})
}

// Points returns a copy of the table.
func (c *Calibration) Points() []CalPoint { return append([]CalPoint(nil), c.points...) }

// Bound says whether an Estimate is exact (interpolated) or a bound.
type Bound int8

const (
	// Within means the similarity lies inside the table.
	Within Bound = 0
	// Below means the similarity is under the table: the FMR is at least
	// the estimate.
	Below Bound = -1
	// Above means the similarity is over the table: the FMR is at most the
	// estimate (the data could not resolve anything rarer).
	Above Bound = 1
)

// Estimate is an estimated false-match rate for one similarity.
type Estimate struct {
	// FMR is the estimated probability that an impostor scores this high.
	FMR float64
	// Bound says whether FMR is interpolated or a bound.
	Bound Bound
}

// Estimate returns the estimated false-match rate at similarity sim.
func (c *Calibration) Estimate(sim float64) Estimate {
	p := c.points
	switch {
	case math.IsNaN(sim) || sim < p[0].Similarity:
		return Estimate{FMR: p[0].FMR, Bound: Below}
	case sim > p[len(p)-1].Similarity:
		return Estimate{FMR: p[len(p)-1].FMR, Bound: Above}
	}
	// First point with Similarity >= sim.
	lo, hi := 0, len(p)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if p[mid].Similarity < sim {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == 0 || p[lo].Similarity == sim {
		return Estimate{FMR: p[lo].FMR}
	}
	a, b := p[lo-1], p[lo]
	t := (sim - a.Similarity) / (b.Similarity - a.Similarity)
	la, lb := math.Log10(a.FMR), math.Log10(b.FMR)
	return Estimate{FMR: math.Pow(10, la+t*(lb-la))}
}

// String renders the estimate as odds for people, e.g. "est. 1 in 200,000",
// "est. < 1 in 1,000,000" above the table, "est. > 1 in 100" below it.
func (e Estimate) String() string {
	prefix := "est. "
	switch e.Bound {
	case Above:
		prefix += "< "
	case Below:
		prefix += "> "
	}
	if !(e.FMR > 0) {
		return prefix + "unknown"
	}
	return prefix + "1 in " + groupThousands(roundSignificant(1/e.FMR, 2))
}

// roundSignificant rounds x ≥ 1 to n significant digits (small odds are
// shown exactly to the unit).
func roundSignificant(x float64, n int) float64 {
	if x < 100 {
		return math.Round(x)
	}
	scale := math.Pow(10, math.Floor(math.Log10(x))-float64(n-1))
	return math.Round(x/scale) * scale
}

// groupThousands formats a non-negative whole number with commas.
func groupThousands(x float64) string {
	if x > 1e18 {
		return strconv.FormatFloat(x, 'g', 2, 64)
	}
	s := strconv.FormatUint(uint64(x), 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
