package eval

import (
	"testing"

	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/infer"
)

// TestShippedCalibration checks the table shipped in infer parses as a
// gallery calibration and agrees with the documented default threshold.
func TestShippedCalibration(t *testing.T) {
	cal, err := gallery.ParseCalibration(infer.CalibrationJSON)
	if err != nil {
		t.Fatalf("shipped calibration: %v", err)
	}
	e := cal.Estimate(infer.DefaultMatchThreshold)
	if e.Bound != gallery.Within || e.FMR > 1.1e-5 || e.FMR < 1e-6 {
		t.Errorf("FMR at the default threshold %v = %v (%s), documented as about 1e-5", infer.DefaultMatchThreshold, e.FMR, e)
	}
	// Per-attempt false accept against 1,000 people stays near 1%.
	if pa := 1 - pow1m(e.FMR, 1000); pa > 0.011 {
		t.Errorf("per-attempt false accept at 1,000 people = %v, want ≤ 1.1%%", pa)
	}
	if lo := cal.Estimate(0.3); lo.FMR < 0.01 || lo.Bound != gallery.Within {
		t.Errorf("FMR at 0.3 = %v, want ≥ 1%% (a low score is a common impostor score)", lo.FMR)
	}
}

func pow1m(f float64, n int) float64 {
	r := 1.0
	for i := 0; i < n; i++ {
		r *= 1 - f
	}
	return r
}
