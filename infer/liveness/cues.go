package liveness

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Verdict is what one cue concluded.
type Verdict int

// Cue verdicts.
const (
	// Abstain means the cue has no evidence either way (e.g. too little motion).
	Abstain Verdict = iota
	// LiveVerdict means the cue's evidence says a live face.
	LiveVerdict
	// AttackVerdict means the cue's evidence says a presentation attack.
	AttackVerdict
)

func (v Verdict) String() string {
	switch v {
	case LiveVerdict:
		return "live"
	case AttackVerdict:
		return "attack"
	}
	return "abstain"
}

// MarshalText makes verdicts read as words in JSON and logs.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Cue names.
const (
	CuePlanarity = "planarity"
	CueBlink     = "blink"
	CueStillness = "stillness"
	CueBorder    = "border"
	CueIR        = "ir"
)

// CueResult is one cue's finding over the current window.
type CueResult struct {
	// Name is one of the Cue* names.
	Name string `json:"name"`
	// Value is the cue's statistic (see Note for its meaning); NaN when the
	// cue had no data.
	Value float64 `json:"value"`
	// Verdict is live, attack or abstain.
	Verdict Verdict `json:"verdict"`
	// Note explains the value in a few words (units, why it abstained).
	Note string `json:"note,omitempty"`
}

func (c CueResult) String() string {
	return fmt.Sprintf("%s=%.4g(%s)", c.Name, c.Value, c.Verdict)
}

// pairRes is the planarity measurement between two frames.
type pairRes struct {
	motion float64 // RMS residual of the best similarity fit / IOD
	resid  float64 // RMS residual of the best homography fit / IOD
	iod    float64 // mean inter-ocular distance of the two frames, pixels
}

// planarIdx are the mesh landmarks planarity compares: points anchored on
// visible features (eye corners, brows, nose bridge, tip and wings, lips).
// The face-oval and cheek points are left out: the model places them from
// its 3-D face prior, so on a tilted photo they move like a turning head
// and made a plane look non-planar (median residual 0.017-0.027 IOD on
// synthetic prints with all 468 points, 0.009-0.018 with these). The
// eyelids are left out so that a blink, which the blink cue judges, is not
// also counted as parallax (strict mode needs both).
var planarIdx = []int{
	33, 133, 362, 263, // eye corners
	70, 63, 105, 66, 107, 336, 296, 334, 293, 300, // brows
	168, 6, 197, 195, 5, 4, 1, 2, 98, 327, 129, 358, // nose
	61, 291, 0, 17, 37, 267, 84, 314, // lips
}

func subset(m *Mesh) []Point {
	out := make([]Point, len(planarIdx))
	for i, k := range planarIdx {
		out[i] = m.Points[k]
	}
	return out
}

// planarPair fits both models between the landmark sets of two frames.
// With the frames' grey face copies (ga, gb non-nil) frame b's points are
// where frame a's points were found again in the image (trackPoints), not
// where the mesh put them; a pair with fewer than trackMinPoints matches is
// not judged.
func planarPair(a, b *Mesh, ga, gb *faceGrey) (pairRes, bool) {
	iod := (a.InterOcular() + b.InterOcular()) / 2
	if iod < 1 {
		return pairRes{}, false
	}
	pa, pb := subset(a), subset(b)
	sim, err := FitSimilarity(pa, pb)
	if err != nil {
		return pairRes{}, false
	}
	h, err := FitHomography(pa, pb)
	if err != nil {
		return pairRes{}, false
	}
	r := pairRes{
		motion: rmsResidual(sim.Apply, pa, pb) / iod,
		resid:  rmsResidual(h.Apply, pa, pb) / iod,
		iod:    iod,
	}
	if ga != nil && gb != nil {
		// The motion stays the mesh's: measured on the tracked points it
		// would select the pairs whose matching was noisiest (noise moves
		// points beyond a similarity as much as beyond a homography), and
		// on nearly still synthetic screens those read 0.02-0.03.
		from, to := trackPoints(ga, gb, pa, h)
		if len(from) < trackMinPoints {
			return pairRes{}, false
		}
		th, err := FitHomography(from, to)
		if err != nil {
			return pairRes{}, false
		}
		r.resid = rmsResidual(th.Apply, from, to) / iod
	}
	return r, true
}

// planarity judges the frame pairs of the window: pairs that moved enough
// beyond a similarity transform are kept; the median of their homography
// residuals says plane (small) or not (large). Too few moving pairs abstain:
// little motion can never prove life.
func planarity(cfg PlanarityConfig, pairs []pairRes) CueResult {
	r := CueResult{Name: CuePlanarity, Value: math.NaN()}
	var moving []float64
	maxMotion := 0.0
	small := 0
	for _, p := range pairs {
		if p.iod < cfg.MinIOD {
			small++
			continue
		}
		maxMotion = math.Max(maxMotion, p.motion)
		if p.motion >= cfg.MinMotion {
			moving = append(moving, p.resid)
		}
	}
	if len(moving) < cfg.MinPairs && small > len(pairs)/2 {
		r.Note = fmt.Sprintf("face too small: inter-ocular distance below %.0f px in %d of %d pairs", cfg.MinIOD, small, len(pairs))
		return r
	}
	if len(moving) < cfg.MinPairs {
		r.Note = fmt.Sprintf("too little motion: %d of %d pairs moved (max %.4f IOD, need %.4f)", len(moving), len(pairs), maxMotion, cfg.MinMotion)
		return r
	}
	r.Value = median(moving)
	r.Note = fmt.Sprintf("median homography residual / IOD over %d moving pairs (max motion %.4f)", len(moving), maxMotion)
	switch {
	case r.Value >= cfg.Live:
		r.Verdict = LiveVerdict
	case r.Value <= cfg.Attack:
		r.Verdict = AttackVerdict
	}
	return r
}

// sample is one timed scalar.
type sample struct {
	t time.Time
	v float64
}

// blink looks for a dip of eye openness and its recovery: open (within
// Recover of the open level) → closed (Drop below it) → open again, all
// within MaxDuration. The open level is the 80th percentile of the window.
// A blink says live; its absence abstains (people do not blink on demand).
//
// skip, if not nil, names closed samples (by time) that must not count:
// dips the planarity veto already discounted. The returned times are the
// closed samples of the complete blinks that counted.
func blink(cfg BlinkConfig, s []sample, skip func(time.Time) bool) (CueResult, []time.Time) {
	r := CueResult{Name: CueBlink, Value: 0}
	if len(s) < 3 {
		r.Value = math.NaN()
		r.Note = "too few frames"
		return r, nil
	}
	vals := make([]float64, len(s))
	for i := range s {
		vals[i] = s[i].v
	}
	open := percentile(vals, 0.8)
	if !(open > 0) {
		r.Value = math.NaN()
		r.Note = "no eye opening measured"
		return r, nil
	}
	hiThr := open * (1 - cfg.Recover)
	loThr := open * (1 - cfg.Drop)
	best := 0.0
	found := false
	var closed []time.Time
	for i := range s {
		if s[i].v > loThr || (skip != nil && skip(s[i].t)) {
			continue
		}
		// s[i] is closed: find the last open sample before and the first after.
		pre, post := -1, -1
		for j := i - 1; j >= 0; j-- {
			if s[j].v >= hiThr {
				pre = j
				break
			}
		}
		for j := i + 1; j < len(s); j++ {
			if s[j].v >= hiThr {
				post = j
				break
			}
		}
		depth := 1 - s[i].v/open
		// A dip without recovery, or one too long, is not a blink (eyes
		// closed on a photo, or looking down).
		if pre >= 0 && post >= 0 && s[post].t.Sub(s[pre].t) <= cfg.MaxDuration {
			found = true
			best = math.Max(best, depth)
			closed = append(closed, s[i].t)
		}
	}
	// Report the deepest dip either way, so the value is informative.
	minV := vals[0]
	for _, v := range vals {
		minV = math.Min(minV, v)
	}
	if found {
		r.Value = best
		r.Verdict = LiveVerdict
		r.Note = "depth of the deepest complete blink (1 - closed/open)"
	} else {
		r.Value = 1 - minV/open
		r.Note = "deepest dip, no complete blink (1 - min/open)"
	}
	return r, closed
}

// stillness is the median of 1−NCC between consecutive aligned face crops:
// a photo held still is frozen; a live face always changes a little.
func stillness(cfg StillnessConfig, diffs []float64) CueResult {
	r := CueResult{Name: CueStillness, Value: math.NaN()}
	var ok []float64
	for _, d := range diffs {
		if !math.IsNaN(d) {
			ok = append(ok, d)
		}
	}
	if len(ok) < 2 {
		r.Note = "too few crops"
		return r
	}
	r.Value = median(ok)
	r.Note = "median 1-NCC of consecutive aligned crops"
	switch {
	case r.Value <= cfg.Still:
		r.Verdict = AttackVerdict
	case r.Value >= cfg.Moving:
		r.Verdict = LiveVerdict
	}
	return r
}

// border is the share of window frames in which at least MinSides sides of
// the face carry a straight edge (a phone, tablet or paper frame).
func border(cfg BorderConfig, sides []int) CueResult {
	r := CueResult{Name: CueBorder, Value: math.NaN()}
	if len(sides) == 0 {
		r.Note = "no frames"
		return r
	}
	n := 0
	for _, s := range sides {
		if s >= cfg.MinSides {
			n++
		}
	}
	r.Value = float64(n) / float64(len(sides))
	r.Note = fmt.Sprintf("share of frames with >= %d framed sides", cfg.MinSides)
	switch {
	case r.Value >= cfg.Fraction:
		r.Verdict = AttackVerdict
	case r.Value == 0:
		r.Verdict = LiveVerdict
	}
	return r
}

// infrared judges the IR texture statistics: a screen is dark under IR
// illumination, a flat print lacks skin texture. Values are window medians.
func infrared(cfg IRConfig, st []irStats) CueResult {
	r := CueResult{Name: CueIR, Value: math.NaN()}
	var br, tx []float64
	for _, s := range st {
		if !math.IsNaN(s.Brightness) && !math.IsNaN(s.Texture) {
			br = append(br, s.Brightness)
			tx = append(tx, s.Texture)
		}
	}
	if len(br) == 0 {
		r.Note = "no IR statistics"
		return r
	}
	b, t := median(br), median(tx)
	r.Value = t
	r.Note = fmt.Sprintf("texture (mean |Laplacian| / mean); face brightness / frame %.3f", b)
	switch {
	case b < cfg.MinBrightness:
		r.Verdict = AttackVerdict
		r.Note = fmt.Sprintf("face dark in IR: brightness / frame %.3f < %.3f (screen?)", b, cfg.MinBrightness)
	case t < cfg.MinTexture:
		r.Verdict = AttackVerdict
		r.Note = fmt.Sprintf("flat IR texture %.4f < %.4f (print?)", t, cfg.MinTexture)
	default:
		r.Verdict = LiveVerdict
	}
	return r
}

func median(v []float64) float64 { return percentile(v, 0.5) }

// percentile is the linearly interpolated q-quantile of v (v is not modified).
func percentile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	f := pos - float64(lo)
	return s[lo]*(1-f) + s[hi]*f
}
