package liveness

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// headPoses is a head turning left and right and nodding (±12° yaw, ±6°
// pitch) while drifting, over n frames.
func headPoses(n int, amp float64) []pose {
	out := make([]pose, n)
	for i := range out {
		ph := float64(i) / float64(n) * 2 * math.Pi
		out[i] = pose{
			yaw:   amp * 12 * math.Pi / 180 * math.Sin(ph),
			pitch: amp * 6 * math.Pi / 180 * math.Sin(2*ph),
			roll:  amp * 3 * math.Pi / 180 * math.Cos(ph),
			tx:    amp * 10 * math.Sin(ph), ty: amp * 5 * math.Cos(ph), tz: 600 + amp*40*math.Sin(ph),
		}
	}
	return out
}

// pairsOf runs planarPair over a sequence like the evaluator does.
func pairsOf(frames [][]Point) []pairRes {
	var out []pairRes
	for j := 1; j < len(frames); j++ {
		for _, lag := range pairLags {
			i := j - 1 - int(math.Round(lag*float64(j-1)))
			if p, ok := planarPair(meshOf(frames[i]), meshOf(frames[j]), nil, nil); ok {
				out = append(out, p)
			}
		}
	}
	return out
}

func TestPlanarityCue(t *testing.T) {
	cfg := DefaultConfig().Planarity
	rng := rand.New(rand.NewPCG(7, 7))
	head := face3D(rng)
	cases := []struct {
		name   string
		frames func() [][]Point
		want   Verdict
	}{
		{"rotating 3-D head", func() [][]Point {
			var fs [][]Point
			for _, p := range headPoses(20, 1.5) {
				fs = append(fs, jitter(project(head, p, 800, 320, 240), rng, 0.3))
			}
			return fs
		}, LiveVerdict},
		{"photo under the same rigid 3-D motion", func() [][]Point {
			var fs [][]Point
			for _, p := range headPoses(20, 1.5) {
				fs = append(fs, jitter(project(flatten(head), p, 800, 320, 240), rng, 0.3))
			}
			return fs
		}, AttackVerdict},
		{"photo under random homographies", func() [][]Point {
			flat := project(flatten(head), pose{tz: 600}, 800, 320, 240)
			var fs [][]Point
			for i := 0; i < 20; i++ {
				h := Homography{
					1 + rng.NormFloat64()*0.08, rng.NormFloat64() * 0.08, rng.NormFloat64() * 20,
					rng.NormFloat64() * 0.08, 1 + rng.NormFloat64()*0.08, rng.NormFloat64() * 20,
					rng.NormFloat64() * 4e-4, rng.NormFloat64() * 4e-4, 1,
				}
				ps := make([]Point, len(flat))
				for k, p := range flat {
					ps[k] = h.Apply(p)
				}
				fs = append(fs, jitter(ps, rng, 0.3))
			}
			return fs
		}, AttackVerdict},
		{"head nearly still", func() [][]Point {
			var fs [][]Point
			for _, p := range headPoses(20, 0.05) {
				fs = append(fs, jitter(project(head, p, 800, 320, 240), rng, 0.3))
			}
			return fs
		}, Abstain},
		{"photo nearly still", func() [][]Point {
			var fs [][]Point
			for _, p := range headPoses(20, 0.05) {
				fs = append(fs, jitter(project(flatten(head), p, 800, 320, 240), rng, 0.3))
			}
			return fs
		}, Abstain},
	}
	for _, c := range cases {
		r := planarity(cfg, pairsOf(c.frames()))
		if r.Verdict != c.want {
			t.Errorf("%s: verdict %v (value %.4f, %s), want %v", c.name, r.Verdict, r.Value, r.Note, c.want)
		}
	}
}

func TestBlinkCue(t *testing.T) {
	cfg := DefaultConfig().Blink
	t0 := time.Unix(0, 0)
	seq := func(vals ...float64) []sample {
		s := make([]sample, len(vals))
		for i, v := range vals {
			s[i] = sample{t0.Add(time.Duration(i) * time.Second / 15), v}
		}
		return s
	}
	cases := []struct {
		name string
		s    []sample
		want Verdict
	}{
		{"blink", seq(.30, .31, .30, .29, .20, .08, .12, .25, .30, .31, .30, .30), LiveVerdict},
		{"wink-depth dip", seq(.30, .30, .30, .18, .17, .29, .30, .30, .30, .31), LiveVerdict},
		{"blink over 5 frames (0.33 s open to open)", seq(.30, .30, .30, .22, .12, .10, .18, .29, .30, .30), LiveVerdict},
		// 0.6 s from open to open with 6 frames shut: a droop or mesh
		// wobble (a synthetic screen attack gave this), not a blink.
		{"slow dip (0.6 s)", seq(.30, .30, .30, .22, .18, .10, .10, .10, .10, .10, .10, .29, .30, .30), Abstain},
		{"noise only", seq(.30, .29, .31, .28, .30, .32, .29, .30, .31, .30), Abstain},
		{"closes and stays closed", seq(.30, .30, .31, .30, .10, .08, .07, .08, .09, .08), Abstain},
		{"too slow to be a blink (1.3 s)", seq(.30, .30, .10, .10, .10, .10, .10, .10, .10, .10, .10, .10, .10, .10, .10, .10, .10, .10, .30, .30, .30, .30, .30, .30, .30, .30, .30, .30, .30, .30), Abstain},
		{"starts closed", seq(.05, .05, .30, .30, .30, .30, .30, .30), Abstain},
		{"constant", seq(.3, .3, .3, .3, .3, .3, .3, .3), Abstain},
	}
	for _, c := range cases {
		r, dips := blink(cfg, c.s, nil)
		if r.Verdict != c.want {
			t.Errorf("%s: verdict %v (value %.3f, %s), want %v", c.name, r.Verdict, r.Value, r.Note, c.want)
		}
		if (len(dips) > 0) != (r.Verdict == LiveVerdict) {
			t.Errorf("%s: %d closed samples reported for verdict %v", c.name, len(dips), r.Verdict)
		}
	}
	// A discounted dip (skip) does not count; another one still does.
	twice := seq(.30, .31, .30, .29, .20, .08, .12, .25, .30, .31, .30, .30, .30, .18, .17, .29, .30, .30)
	_, dips := blink(cfg, twice, nil)
	if len(dips) != 4 { // .20? no: .08 .12 (first blink), .18 .17 (second)
		t.Fatalf("closed samples %v, want the 4 below 65%% of open", dips)
	}
	first := map[time.Time]bool{dips[0]: true, dips[1]: true}
	if r, got := blink(cfg, twice, func(t time.Time) bool { return first[t] }); r.Verdict != LiveVerdict || len(got) != 2 {
		t.Errorf("first blink skipped: %v with %d closed samples, want live from the second", r.Verdict, len(got))
	}
	all := map[time.Time]bool{}
	for _, d := range dips {
		all[d] = true
	}
	if r, _ := blink(cfg, twice, func(t time.Time) bool { return all[t] }); r.Verdict != Abstain {
		t.Errorf("both blinks skipped: %v, want abstain", r.Verdict)
	}
}

func TestEyeOpennessIgnoresPhotoPitch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	flat := flatten(face3D(rng))
	base := meshOf(project(flat, pose{tz: 600}, 800, 320, 240))
	tilted := meshOf(project(flat, pose{pitch: 35 * math.Pi / 180, tz: 600}, 800, 320, 240))
	o0, o1 := base.EyeOpenness(), tilted.EyeOpenness()
	if rel := math.Abs(o1/o0 - 1); rel > 0.05 {
		t.Errorf("openness changed %.1f%% when a photo pitched 35°, want < 5%%", 100*rel)
	}
	e0, e1 := base.EyeAspectRatio(), tilted.EyeAspectRatio()
	if rel := math.Abs(e1/e0 - 1); rel < 0.1 {
		t.Errorf("EAR changed only %.1f%% under 35° pitch; the test no longer shows why openness is used", 100*rel)
	}
}

func TestStillnessCue(t *testing.T) {
	cfg := DefaultConfig().Stillness
	if r := stillness(cfg, []float64{0.0005, 0.0003, 0.0008, 0.0004}); r.Verdict != AttackVerdict {
		t.Errorf("frozen: %v (%.4f), want attack", r.Verdict, r.Value)
	}
	if r := stillness(cfg, []float64{0.02, 0.03, 0.015, 0.05}); r.Verdict != LiveVerdict {
		t.Errorf("changing: %v (%.4f), want live", r.Verdict, r.Value)
	}
	if r := stillness(cfg, []float64{math.NaN()}); r.Verdict != Abstain {
		t.Errorf("no data: %v, want abstain", r.Verdict)
	}
	// cropDifference itself: identical up to gain/offset → 0; unrelated → ~1.
	rng := rand.New(rand.NewPCG(5, 5))
	a, b, c := make([]float32, 100), make([]float32, 100), make([]float32, 100)
	for i := range a {
		a[i] = float32(rng.Float64() * 255)
		b[i] = 0.5*a[i] + 20
		c[i] = float32(rng.Float64() * 255)
	}
	if d := cropDifference(a, b); d > 1e-6 {
		t.Errorf("gain/offset copy: diff %g, want 0", d)
	}
	if d := cropDifference(a, c); d < 0.5 {
		t.Errorf("unrelated crops: diff %g, want ~1", d)
	}
}

// faceImage draws a synthetic scene: textured background, a face-coloured
// ellipse under the mesh, and optionally a dark phone bezel around it.
func faceImage(rng *rand.Rand, m *Mesh, bezel bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			v := uint8(110 + rng.IntN(30))
			img.SetRGBA(x, y, color.RGBA{v, v, v + 10, 255})
		}
	}
	lo, hi := m.Bounds()
	c := Point{(lo.X + hi.X) / 2, (lo.Y + hi.Y) / 2}
	w, h := hi.X-lo.X, hi.Y-lo.Y
	if bezel {
		// A phone 1.6 face widths wide, 1.4 face heights tall: 12 px black bezel, then content.
		x0, x1 := int(c.X-0.8*w*1.4), int(c.X+0.8*w*1.4)
		y0, y1 := int(c.Y-0.7*h*1.6), int(c.Y+0.7*h*1.6)
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				col := color.RGBA{15, 15, 18, 255}
				if x >= x0+12 && x < x1-12 && y >= y0+12 && y < y1-12 {
					col = color.RGBA{200, 190, 170, 255}
				}
				img.SetRGBA(x, y, col)
			}
		}
	}
	for y := int(lo.Y); y < int(hi.Y); y++ {
		for x := int(lo.X); x < int(hi.X); x++ {
			dx, dy := (float64(x)-c.X)/(w/2), (float64(y)-c.Y)/(h/2)
			if dx*dx+dy*dy <= 1 {
				img.SetRGBA(x, y, color.RGBA{uint8(190 + rng.IntN(20)), 150, 130, 255})
			}
		}
	}
	return img
}

func TestBorderSides(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	m := meshOf(project(face3D(rng), pose{tz: 700}, 800, 320, 240))
	if s, sup := borderSides(faceImage(rng, m, true), m); s < 3 {
		t.Errorf("phone bezel: %d sides (support %.2f), want >= 3", s, sup)
	}
	if s, _ := borderSides(faceImage(rng, m, false), m); s > 1 {
		t.Errorf("no bezel: %d sides, want <= 1", s)
	}
	cfg := DefaultConfig().Border
	if r := border(cfg, []int{4, 3, 4, 2, 3}); r.Verdict != AttackVerdict {
		t.Errorf("framed frames: %v, want attack", r.Verdict)
	}
	if r := border(cfg, []int{0, 1, 0, 0}); r.Verdict != LiveVerdict {
		t.Errorf("unframed frames: %v, want live", r.Verdict)
	}
}

func TestInfraredCue(t *testing.T) {
	cfg := DefaultConfig().IR
	rng := rand.New(rand.NewPCG(11, 11))
	frame := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range frame.Pix {
		frame.Pix[i] = 120
	}
	mk := func(mean, noise float64) []float32 {
		c := make([]float32, cropN*cropN)
		for i := range c {
			c[i] = float32(mean + noise*rng.NormFloat64())
		}
		return c
	}
	cases := []struct {
		name string
		crop []float32
		want Verdict
	}{
		{"skin texture, bright", mk(140, 12), LiveVerdict},
		{"screen: dark", mk(30, 6), AttackVerdict},
		{"print: flat", mk(140, 0.5), AttackVerdict},
	}
	for _, c := range cases {
		st := computeIR(frame, c.crop)
		r := infrared(cfg, []irStats{st, st, st})
		if r.Verdict != c.want {
			t.Errorf("%s: %v (%s), want %v", c.name, r.Verdict, r.Note, c.want)
		}
	}
}
