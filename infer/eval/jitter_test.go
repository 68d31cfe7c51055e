package eval

import (
	"image"
	"math"
	"testing"
)

func TestJitterShifts(t *testing.T) {
	got := JitterShifts(9)
	want := []image.Point{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0, 2}, {1, 2}, {2, 0}, {2, 1}, {2, 2}}
	if len(got) != len(want) {
		t.Fatalf("JitterShifts(9) = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("JitterShifts(9) = %v, want %v", got, want)
		}
	}
	if n := len(JitterShifts(1)); n != 1 {
		t.Errorf("JitterShifts(1) has %d shifts", n)
	}
}

func TestCropTopLeft(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	c, err := cropTopLeft(img, image.Point{X: 1, Y: 2})
	if err != nil {
		t.Fatal(err)
	}
	if c.Rect != image.Rect(0, 0, 3, 1) {
		t.Fatalf("bounds %v, want (0,0)-(3,1)", c.Rect)
	}
	// pixel (0,0) of the crop is pixel (1,2) of the image
	for x := range 3 {
		if got, want := c.RGBAAt(x, 0), img.RGBAAt(x+1, 2); got != want {
			t.Errorf("crop pixel %d = %v, want %v", x, got, want)
		}
	}
	if _, err := cropTopLeft(img, image.Point{X: 4}); err == nil {
		t.Error("cropping the whole width: no error")
	}
}

func TestSummarizeJitter(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	reps := []*Report{
		{Detected: 10, Rates: Rates{EER: f(0.01), TARAtFAR: map[string]*float64{"1e-3": f(0.9), "1e-4": nil}}},
		{Detected: 9, Rates: Rates{EER: f(0.03), TARAtFAR: map[string]*float64{"1e-3": f(0.8), "1e-4": f(0.5)}}},
	}
	j := SummarizeJitter(reps, JitterShifts(2))
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	if s := j.EER; !near(s.Mean, 0.02) || !near(s.SD, math.Sqrt(0.0002)) || s.Min != 0.01 || s.Max != 0.03 || s.N != 2 {
		t.Errorf("EER spread %+v", s)
	}
	if s := j.TARAtFAR["1e-3"]; !near(s.Mean, 0.85) || s.N != 2 {
		t.Errorf("TAR@1e-3 spread %+v", s)
	}
	if s := j.TARAtFAR["1e-4"]; s.N != 1 || s.Mean != 0.5 {
		t.Errorf("TAR@1e-4 spread %+v: the run without a value must not count", s)
	}
	if len(j.Detected) != 2 || j.Detected[1] != 9 || len(j.Runs) != 2 || *j.Runs[1].EER != 0.03 {
		t.Errorf("detected %v, runs %d", j.Detected, len(j.Runs))
	}
}
