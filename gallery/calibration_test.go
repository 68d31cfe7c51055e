package gallery

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestCalibrationEstimate(t *testing.T) {
	c, err := NewCalibration([]CalPoint{{0.2, 1e-1}, {0.3, 1e-2}, {0.4, 1e-4}, {0.5, 5e-6}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sim   float64
		fmr   float64
		bound Bound
		str   string
	}{
		{0.1, 1e-1, Below, "est. > 1 in 10"},
		{0.2, 1e-1, Within, "est. 1 in 10"},
		{0.25, math.Pow(10, -1.5), Within, "est. 1 in 32"},
		{0.3, 1e-2, Within, "est. 1 in 100"},
		{0.35, 1e-3, Within, "est. 1 in 1,000"},
		{0.4, 1e-4, Within, "est. 1 in 10,000"},
		{0.45, math.Sqrt(1e-4 * 5e-6), Within, "est. 1 in 45,000"},
		{0.5, 5e-6, Within, "est. 1 in 200,000"},
		{0.9, 5e-6, Above, "est. < 1 in 200,000"},
		{math.NaN(), 1e-1, Below, "est. > 1 in 10"},
	}
	for _, tt := range tests {
		e := c.Estimate(tt.sim)
		if math.Abs(e.FMR-tt.fmr)/tt.fmr > 1e-9 || e.Bound != tt.bound {
			t.Errorf("Estimate(%v) = %+v, want fmr %v bound %v", tt.sim, e, tt.fmr, tt.bound)
		}
		if got := e.String(); got != tt.str {
			t.Errorf("Estimate(%v).String() = %q, want %q", tt.sim, got, tt.str)
		}
	}
}

func TestCalibrationMonotone(t *testing.T) {
	c, err := NewCalibration([]CalPoint{{-0.1, 1}, {0.3, 1e-2}, {0.31, 1e-2}, {0.6, 1e-7}})
	if err != nil {
		t.Fatal(err)
	}
	prev := 2.0
	for s := -0.2; s <= 0.7; s += 0.001 {
		f := c.Estimate(s).FMR
		if f > prev*(1+1e-12) {
			t.Fatalf("FMR rises at similarity %v: %v after %v", s, f, prev)
		}
		prev = f
	}
}

func TestCalibrationRejects(t *testing.T) {
	tests := []struct {
		name string
		pts  []CalPoint
	}{
		{"one point", []CalPoint{{0.3, 1e-3}}},
		{"unsorted", []CalPoint{{0.4, 1e-3}, {0.3, 1e-4}}},
		{"duplicate similarity", []CalPoint{{0.3, 1e-3}, {0.3, 1e-4}}},
		{"rising fmr", []CalPoint{{0.3, 1e-4}, {0.4, 1e-3}}},
		{"zero fmr", []CalPoint{{0.3, 1e-3}, {0.4, 0}}},
		{"fmr above one", []CalPoint{{0.3, 2}, {0.4, 1e-3}}},
		{"nan similarity", []CalPoint{{math.NaN(), 1e-3}, {0.4, 1e-4}}},
		{"similarity above one", []CalPoint{{0.3, 1e-3}, {1.5, 1e-4}}},
	}
	for _, tt := range tests {
		if _, err := NewCalibration(tt.pts); !errors.Is(err, ErrCalibration) {
			t.Errorf("%s: error %v, want ErrCalibration", tt.name, err)
		}
	}
}

func TestCalibrationJSON(t *testing.T) {
	in := `{"points":[{"similarity":0.25,"fmr":0.01},{"similarity":0.45,"fmr":0.00001}]}`
	c, err := ParseCalibration([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("round trip\n got %s\nwant %s", out, in)
	}
	for _, bad := range []string{``, `{}`, `{"points":[]}`, `{"points":[{"similarity":0.1,"fmr":0.1,"x":1},{"similarity":0.2,"fmr":0.01}]}`, in + `{}`, `[1,2]`} {
		if _, err := ParseCalibration([]byte(bad)); !errors.Is(err, ErrCalibration) {
			t.Errorf("ParseCalibration(%q) error %v, want ErrCalibration", bad, err)
		}
	}
}
