package eval

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteEER scans a fine grid of thresholds for the FAR/FRR crossing.
func bruteEER(g, im []float64) float64 {
	best, bestD := 0.0, math.Inf(1)
	for t := -1.0; t <= 2; t += 1e-4 {
		far, _ := FARAt(im, t)
		_, ga := FARAt(g, t)
		frr := 1 - float64(ga)/float64(len(g))
		if d := math.Abs(far - frr); d < bestD {
			bestD, best = d, (far+frr)/2
		}
	}
	return best
}

func TestEER(t *testing.T) {
	// Separable: EER 0.
	if e := EER([]float64{0.8, 0.9}, []float64{0.1, 0.2, 0.3}); e != 0 {
		t.Errorf("separable EER = %v, want 0", e)
	}
	// Every impostor above every genuine: FAR stays 1 until FRR reaches 1.
	if e := EER([]float64{0.1, 0.2}, []float64{0.8, 0.9}); e != 1 {
		t.Errorf("inverted EER = %v, want 1", e)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 5; trial++ {
		var g, im []float64
		for i := 0; i < 200; i++ {
			g = append(g, 0.6+0.15*r.NormFloat64())
		}
		for i := 0; i < 2000; i++ {
			im = append(im, 0.2+0.15*r.NormFloat64())
		}
		got, want := EER(g, im), bruteEER(g, im)
		if math.Abs(got-want) > 0.006 {
			t.Errorf("trial %d: EER %v, brute force %v", trial, got, want)
		}
	}
}

func TestTARAtFAR(t *testing.T) {
	im := make([]float64, 1000)
	for i := range im {
		im[i] = float64(i) / 1000 // 0 … 0.999
	}
	g := []float64{0.9985, 0.9995, 0.5, 0.99}
	tar, thr, ok := TARAtFAR(g, im, 1e-3)
	// k = 1: threshold is the 2nd highest impostor (0.998); one impostor
	// (0.999) is accepted.
	if !ok || thr != 0.998 || tar != 0.5 {
		t.Errorf("TAR@1e-3 = %v thr %v ok %v, want 0.5 0.998 true", tar, thr, ok)
	}
	if far, n := FARAt(im, thr); n != 1 || far != 1e-3 {
		t.Errorf("FAR at threshold = %v (%d), want 1e-3 (1)", far, n)
	}
	if _, _, ok := TARAtFAR(g, im, 1e-4); ok {
		t.Error("TAR@1e-4 reported with only 1000 impostors")
	}
	tar, thr = TARAtZeroFAR(g, im)
	if thr != 0.999 || tar != 0.25 {
		t.Errorf("TAR@0 = %v thr %v, want 0.25 0.999", tar, thr)
	}
}

func TestFoldAccuracy(t *testing.T) {
	// Two folds; a threshold near 0.5 separates both perfectly except one
	// impostor at 0.7 in fold 1.
	var pairs []ScoredPair
	for f := 0; f < 2; f++ {
		for i := 0; i < 5; i++ {
			pairs = append(pairs, ScoredPair{Score: 0.8 + 0.01*float64(i), Genuine: true, Fold: f})
			pairs = append(pairs, ScoredPair{Score: 0.2 + 0.01*float64(i), Genuine: false, Fold: f})
		}
	}
	pairs[len(pairs)-1].Score = 0.7
	mean, std, accs := FoldAccuracy(pairs, 2)
	if len(accs) != 2 || accs[0] != 1 || accs[1] != 0.9 {
		t.Fatalf("fold accuracies %v, want [1 0.9]", accs)
	}
	if !near(mean, 0.95) || !near(std, 0.05) {
		t.Errorf("mean %v std %v, want 0.95 0.05", mean, std)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestROC(t *testing.T) {
	pts := ROC([]float64{0.9, 0.6}, []float64{0.1, 0.5, 0.5, 0.7})
	if len(pts) != 3 {
		t.Fatalf("%d points, want 3: %+v", len(pts), pts)
	}
	if pts[0] != (ROCPoint{FAR: 0.75, TAR: 1, Threshold: 0.1}) || pts[2] != (ROCPoint{FAR: 0, TAR: 0.5, Threshold: 0.7}) {
		t.Errorf("points %+v", pts)
	}
}
