package liveness

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestFitHomographyRecoversKnown(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		h := Homography{
			1 + rng.Float64()*0.2, rng.Float64()*0.2 - 0.1, rng.Float64()*50 - 25,
			rng.Float64()*0.2 - 0.1, 1 + rng.Float64()*0.2, rng.Float64()*50 - 25,
			(rng.Float64() - 0.5) * 1e-3, (rng.Float64() - 0.5) * 1e-3, 1,
		}
		var src, dst []Point
		for i := 0; i < 30; i++ {
			p := Point{rng.Float64() * 300, rng.Float64() * 300}
			src = append(src, p)
			dst = append(dst, h.Apply(p))
		}
		got, err := FitHomography(src, dst)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if r := rmsResidual(got.Apply, src, dst); r > 1e-6 {
			t.Errorf("trial %d: residual %g px, want ~0 (got %v want %v)", trial, r, got, h)
		}
	}
}

func TestFitHomographyDegenerate(t *testing.T) {
	p := []Point{{1, 1}, {1, 1}, {1, 1}, {1, 1}}
	if _, err := FitHomography(p, p); err == nil {
		t.Error("coincident points: no error")
	}
	if _, err := FitHomography(p[:3], p[:3]); err == nil {
		t.Error("3 points: no error")
	}
}

func TestFitSimilarity(t *testing.T) {
	s := Similarity{A: 0.9 * math.Cos(0.3), B: 0.9 * math.Sin(0.3), TX: 12, TY: -7}
	src := []Point{{0, 0}, {10, 0}, {0, 20}, {33, 41}}
	dst := make([]Point, len(src))
	for i, p := range src {
		dst[i] = s.Apply(p)
	}
	got, err := FitSimilarity(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.A-s.A) > 1e-9 || math.Abs(got.B-s.B) > 1e-9 || math.Abs(got.TX-s.TX) > 1e-9 || math.Abs(got.TY-s.TY) > 1e-9 {
		t.Errorf("got %+v, want %+v", got, s)
	}
}
