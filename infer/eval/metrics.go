package eval

import (
	"math"
	"sort"
)

// Metrics follow the reference pipeline's conventions
// (shared/reference/face-models.md, "Metrics"): a pair is accepted when its
// score is strictly above the threshold.

// countAbove returns how many of the ascending-sorted xs are > t.
func countAbove(xs []float64, t float64) int {
	i := sort.Search(len(xs), func(i int) bool { return xs[i] > t })
	return len(xs) - i
}

// sorted returns an ascending copy of xs.
func sorted(xs []float64) []float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s
}

// EER is the equal error rate: where FAR(t) and FRR(t) cross, linearly
// interpolated between adjacent score thresholds. It is NaN when either
// set is empty.
func EER(genuine, impostor []float64) float64 {
	if len(genuine) == 0 || len(impostor) == 0 {
		return math.NaN()
	}
	g, im := sorted(genuine), sorted(impostor)
	all := sorted(append(append([]float64(nil), g...), im...))
	// Thresholds: below every score, then each distinct score.
	ts := []float64{all[0] - 1}
	for i, v := range all {
		if i == 0 || v != all[i-1] {
			ts = append(ts, v)
		}
	}
	ng, ni := float64(len(g)), float64(len(im))
	far := func(t float64) float64 { return float64(countAbove(im, t)) / ni }
	frr := func(t float64) float64 { return 1 - float64(countAbove(g, t))/ng }
	pf, pr := far(ts[0]), frr(ts[0])
	for _, t := range ts[1:] {
		f, r := far(t), frr(t)
		if r >= f {
			d0, d1 := pf-pr, f-r // d0 > 0 ≥ d1
			a := d0 / (d0 - d1)
			return pf + a*(f-pf)
		}
		pf, pr = f, r
	}
	return pf // unreachable: at the top threshold FAR = 0 ≤ FRR
}

// TARAtFAR returns the true accept rate at the threshold that accepts at
// most ⌊far·N⌋ of the N impostor scores: the (⌊far·N⌋+1)-th highest
// impostor score. ok is false when ⌊far·N⌋ < 1 (too few impostors to
// measure that rate).
func TARAtFAR(genuine, impostor []float64, far float64) (tar, threshold float64, ok bool) {
	k := int(math.Floor(far * float64(len(impostor))))
	if k < 1 || len(genuine) == 0 || k >= len(impostor) {
		return 0, 0, false
	}
	im := sorted(impostor)
	threshold = im[len(im)-1-k]
	tar = float64(countAbove(sorted(genuine), threshold)) / float64(len(genuine))
	return tar, threshold, true
}

// TARAtZeroFAR is the fraction of genuine scores above the highest
// impostor score (which it returns as the threshold).
func TARAtZeroFAR(genuine, impostor []float64) (tar, threshold float64) {
	if len(genuine) == 0 || len(impostor) == 0 {
		return math.NaN(), math.NaN()
	}
	threshold = impostor[0]
	for _, v := range impostor {
		threshold = math.Max(threshold, v)
	}
	return float64(countAbove(sorted(genuine), threshold)) / float64(len(genuine)), threshold
}

// FARAt is the fraction of impostor scores above t and their count.
func FARAt(impostor []float64, t float64) (far float64, above int) {
	for _, v := range impostor {
		if v > t {
			above++
		}
	}
	if len(impostor) == 0 {
		return math.NaN(), 0
	}
	return float64(above) / float64(len(impostor)), above
}

// ScoredPair is one verification pair with its similarity and its LFW fold.
type ScoredPair struct {
	Score   float64
	Genuine bool
	Fold    int
}

// bestThreshold returns the threshold maximising accuracy (score > t means
// "same") on pairs; ties keep the lowest threshold. Candidates are the
// midpoints between adjacent distinct scores and the ends.
func bestThreshold(pairs []ScoredPair) float64 {
	s := append([]ScoredPair(nil), pairs...)
	sort.Slice(s, func(i, j int) bool { return s[i].Score < s[j].Score })
	gen := 0
	for _, p := range s {
		if p.Genuine {
			gen++
		}
	}
	// Threshold below everything: all accepted, correct = gen.
	best, bestT := gen, s[0].Score-1
	correct := gen
	for i := 0; i < len(s); i++ {
		// Moving the threshold above s[i] rejects it.
		if s[i].Genuine {
			correct--
		} else {
			correct++
		}
		if i+1 < len(s) && s[i+1].Score == s[i].Score {
			continue
		}
		t := s[i].Score + 1
		if i+1 < len(s) {
			t = (s[i].Score + s[i+1].Score) / 2
		}
		if correct > best {
			best, bestT = correct, t
		}
	}
	return bestT
}

// FoldAccuracy is the LFW protocol: for each fold the threshold that
// maximises accuracy on the other folds is applied to it. It returns the
// mean and population standard deviation of the fold accuracies.
func FoldAccuracy(pairs []ScoredPair, folds int) (mean, std float64, accs []float64) {
	for f := 0; f < folds; f++ {
		var train, test []ScoredPair
		for _, p := range pairs {
			if p.Fold == f {
				test = append(test, p)
			} else {
				train = append(train, p)
			}
		}
		if len(test) == 0 || len(train) == 0 {
			continue
		}
		t := bestThreshold(train)
		ok := 0
		for _, p := range test {
			if (p.Score > t) == p.Genuine {
				ok++
			}
		}
		accs = append(accs, float64(ok)/float64(len(test)))
	}
	if len(accs) == 0 {
		return math.NaN(), math.NaN(), nil
	}
	for _, a := range accs {
		mean += a
	}
	mean /= float64(len(accs))
	for _, a := range accs {
		std += (a - mean) * (a - mean)
	}
	return mean, math.Sqrt(std / float64(len(accs))), accs
}

// ROCPoint is one point of a ROC curve.
type ROCPoint struct{ FAR, TAR, Threshold float64 }

// ROC returns the curve's points at every distinct impostor score (as a
// threshold), from high to low FAR.
func ROC(genuine, impostor []float64) []ROCPoint {
	g, im := sorted(genuine), sorted(impostor)
	var out []ROCPoint
	for i := 0; i < len(im); i++ {
		if i+1 < len(im) && im[i+1] == im[i] {
			continue
		}
		t := im[i]
		out = append(out, ROCPoint{
			FAR:       float64(countAbove(im, t)) / float64(len(im)),
			TAR:       float64(countAbove(g, t)) / float64(len(g)),
			Threshold: t,
		})
	}
	return out
}
