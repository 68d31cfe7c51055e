package infer

import (
	"context"
	"image"
	"image/color"
	"math"
	"testing"
)

func TestAnchors(t *testing.T) {
	for _, tc := range []struct {
		spec        DetectorSpec
		n           int
		first, last Anchor
	}{
		{ShortRange, 896, Anchor{0.5 / 16, 0.5 / 16}, Anchor{7.5 / 8, 7.5 / 8}},
		{FullRange, 2304, Anchor{0.5 / 48, 0.5 / 48}, Anchor{47.5 / 48, 47.5 / 48}},
	} {
		a := Anchors(tc.spec)
		if len(a) != tc.n {
			t.Fatalf("%s: %d anchors, want %d", tc.spec.Name, len(a), tc.n)
		}
		if a[0] != tc.first || a[len(a)-1] != tc.last {
			t.Errorf("%s: first %v last %v, want %v %v", tc.spec.Name, a[0], a[len(a)-1], tc.first, tc.last)
		}
	}
	a := Anchors(ShortRange)
	// Two anchors per cell at stride 8, ordered y, x, anchor.
	if a[1] != a[0] || a[2] != (Anchor{1.5 / 16, 0.5 / 16}) || a[32] != (Anchor{0.5 / 16, 1.5 / 16}) {
		t.Errorf("stride-8 layout wrong: a[1]=%v a[2]=%v a[32]=%v", a[1], a[2], a[32])
	}
	// Six anchors per cell at stride 16, starting at index 512.
	if a[512] != (Anchor{0.5 / 8, 0.5 / 8}) || a[517] != a[512] || a[518] != (Anchor{1.5 / 8, 0.5 / 8}) {
		t.Errorf("stride-16 layout wrong: a[512]=%v a[517]=%v a[518]=%v", a[512], a[517], a[518])
	}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestDecodeTensors(t *testing.T) {
	anchors := []Anchor{{0.25, 0.25}, {0.5, 0.5}, {0.75, 0.75}}
	reg := make([]float32, 3*16)
	cls := []float32{-3, 1000, 0.1}
	// Anchor 1: centre shifted by (+12.8, −6.4) px of 128, box 32×64 px,
	// keypoint k at (k, −k) px from the anchor.
	r := reg[16:32]
	r[0], r[1], r[2], r[3] = 12.8, -6.4, 32, 64
	for k := 0; k < 6; k++ {
		r[4+2*k], r[5+2*k] = float32(k), float32(-k)
	}
	out := decode(nil, reg, cls, anchors, 128, 0.5)
	// Anchor 0 has sigmoid(−3) ≈ 0.047 < 0.5; anchor 2 sigmoid(0.1) ≈ 0.525.
	if len(out) != 2 {
		t.Fatalf("decoded %d detections, want 2: %+v", len(out), out)
	}
	d := out[0]
	if d.Score != 1 {
		t.Errorf("score of clipped raw 1000 = %v, want 1", d.Score)
	}
	xc, yc := 0.5+0.1, 0.5-0.05
	want := Rect{float32(xc - 0.125), float32(yc - 0.25), float32(xc + 0.125), float32(yc + 0.25)}
	if !near(float64(d.Box.X0), float64(want.X0), 1e-6) || !near(float64(d.Box.Y1), float64(want.Y1), 1e-6) || !near(float64(d.Box.X1), float64(want.X1), 1e-6) || !near(float64(d.Box.Y0), float64(want.Y0), 1e-6) {
		t.Errorf("box %+v, want %+v", d.Box, want)
	}
	if kp := d.Keypoints[5]; !near(float64(kp.X), 0.5+5.0/128, 1e-6) || !near(float64(kp.Y), 0.5-5.0/128, 1e-6) {
		t.Errorf("keypoint 5 = %v", kp)
	}
	if !near(float64(out[1].Score), 1/(1+math.Exp(-0.1)), 1e-6) {
		t.Errorf("score %v, want sigmoid(0.1)", out[1].Score)
	}
}

func TestWeightedNMS(t *testing.T) {
	mk := func(x0, y0, x1, y1, s float32) Detection {
		d := Detection{Box: Rect{x0, y0, x1, y1}, Score: s}
		for k := range d.Keypoints {
			d.Keypoints[k] = Point{x0, y1}
		}
		return d
	}
	dets := []Detection{
		mk(0.1, 0.1, 0.3, 0.3, 0.6),   // overlaps the 0.9 box (IoU ≈ 0.68)
		mk(0.7, 0.7, 0.9, 0.9, 0.8),   // separate face
		mk(0.12, 0.1, 0.32, 0.3, 0.9), // best
		mk(0.2, 0.2, 0.4, 0.4, 0.7),   // overlaps the best by IoU ≈ 0.25 < 0.3: kept
	}
	out := weightedNMS(nil, dets, 0.3)
	if len(out) != 3 {
		t.Fatalf("got %d detections, want 3: %+v", len(out), out)
	}
	if out[0].Score != 0.9 || out[1].Score != 0.8 || out[2].Score != 0.7 {
		t.Errorf("scores %v %v %v, want 0.9 0.8 0.7", out[0].Score, out[1].Score, out[2].Score)
	}
	// Weighted: (0.9·0.12 + 0.6·0.1)/1.5 = 0.112.
	if !near(float64(out[0].Box.X0), 0.112, 1e-6) || !near(float64(out[0].Box.X1), 0.312, 1e-6) || !near(float64(out[0].Keypoints[3].X), 0.112, 1e-6) {
		t.Errorf("merged box %+v kp %v, want X0 0.112 X1 0.312", out[0].Box, out[0].Keypoints[3])
	}
	if out[1].Box != (Rect{0.7, 0.7, 0.9, 0.9}) {
		t.Errorf("lone box changed: %+v", out[1].Box)
	}
	if got := weightedNMS(nil, nil, 0.3); len(got) != 0 {
		t.Errorf("empty input gave %d detections", len(got))
	}
}

func TestIoU(t *testing.T) {
	a := Rect{0, 0, 2, 2}
	for _, tc := range []struct {
		b    Rect
		want float32
	}{
		{Rect{0, 0, 2, 2}, 1},
		{Rect{1, 0, 3, 2}, 2.0 / 6},
		{Rect{5, 5, 6, 6}, 0},
		{Rect{1, 1, 1, 1}, 0},
	} {
		if got := IoU(a, tc.b); !near(float64(got), float64(tc.want), 1e-6) {
			t.Errorf("IoU(%v, %v) = %v, want %v", a, tc.b, got, tc.want)
		}
	}
}

// TestDetectorLetterbox checks the input scaling and the mapping of
// detections back to image pixels on a non-square image.
func TestDetectorLetterbox(t *testing.T) {
	net := newFakeDetectorNet(ShortRange)
	anchors := Anchors(ShortRange)
	// Put a detection on the stride-16 anchor at cell (4, 3): centre
	// (4.5/8, 3.5/8) of the letterboxed square.
	idx := 512 + (3*8+4)*6
	net.outs[1][idx] = 5
	r := net.outs[0][idx*16:]
	r[2], r[3] = 16, 32 // box 16×32 input px = 1/8 × 1/4 of the square
	r[4], r[5] = -8, 0  // right eye 8 px left of the anchor
	d, err := NewDetector(net, ShortRange, 0)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 256, 128)) // letterboxed to 128×64 plus black bands
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	dets, err := d.Detect(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if len(dets) != 1 {
		t.Fatalf("got %d detections, want 1", len(dets))
	}
	a := anchors[idx]
	// The 256-px long side fills the square; the square's top is at y = −64.
	wantX, wantY := a.X*256, a.Y*256-64
	c := dets[0].Box.Centre()
	if !near(float64(c.X), float64(wantX), 1e-3) || !near(float64(c.Y), float64(wantY), 1e-3) {
		t.Errorf("centre %v, want (%v, %v)", c, wantX, wantY)
	}
	if !near(float64(dets[0].Box.W()), 32, 1e-3) || !near(float64(dets[0].Box.H()), 64, 1e-3) {
		t.Errorf("box %v×%v, want 32×64", dets[0].Box.W(), dets[0].Box.H())
	}
	if kp := dets[0].Keypoints[RightEye]; !near(float64(kp.X), float64(wantX-16), 1e-3) {
		t.Errorf("right eye x %v, want %v", kp.X, wantX-16)
	}
	// Input: white (1.0) inside the image, black (−1) in the letterbox bands.
	in := net.seen
	at := func(x, y int) float32 { return in[(y*128+x)*3] }
	if at(64, 64) != 1 || at(64, 10) != -1 || at(64, 120) != -1 {
		t.Errorf("input centre %v, top band %v, bottom band %v; want 1, −1, −1", at(64, 64), at(64, 10), at(64, 120))
	}
}

func TestNewDetectorChecksShapes(t *testing.T) {
	net := newFakeDetectorNet(ShortRange)
	net.outs[1] = net.outs[1][:100]
	if _, err := NewDetector(net, ShortRange, 0); err == nil {
		t.Error("NewDetector accepted a score output of the wrong length")
	}
	if _, err := NewDetector(newFakeDetectorNet(ShortRange), ShortRange, 1.5); err == nil {
		t.Error("NewDetector accepted threshold 1.5")
	}
}

func solid(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}
