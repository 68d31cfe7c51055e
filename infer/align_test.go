package infer

import (
	"image"
	"image/color"
	"math"
	"testing"
)

func TestSimilarityRecoversKnownTransform(t *testing.T) {
	for _, tc := range []struct{ theta, scale, tx, ty float64 }{
		{0, 1, 0, 0},
		{30, 2.5, 10, -4},
		{-75, 0.3, -100, 250},
		{180, 1.7, 3, 3},
	} {
		th := tc.theta * math.Pi / 180
		a, b := tc.scale*math.Cos(th), tc.scale*math.Sin(th)
		want := Affine{a, -b, tc.tx, b, a, tc.ty}
		src := [][2]float64{{10, 20}, {60, 22}, {35, 50}, {36, 80}, {-5, 3}}
		dst := make([][2]float64, len(src))
		for i, p := range src {
			x, y := want.Apply(p[0], p[1])
			dst[i] = [2]float64{x, y}
		}
		got, err := Similarity(src, dst)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if !near(got[i], want[i], 1e-9) {
				t.Errorf("θ=%v s=%v: got %v, want %v", tc.theta, tc.scale, got, want)
				break
			}
		}
	}
}

func TestSimilarityNoReflection(t *testing.T) {
	// A mirror image cannot be matched by a rotation: the best proper
	// similarity has a positive determinant.
	src := [][2]float64{{0, 0}, {1, 0}, {0, 1}}
	dst := [][2]float64{{0, 0}, {-1, 0}, {0, 1}}
	m, err := Similarity(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	if det := m[0]*m[4] - m[1]*m[3]; det < 0 {
		t.Errorf("determinant %v < 0: the transform reflects", det)
	}
	if _, err := Similarity([][2]float64{{1, 1}, {1, 1}}, [][2]float64{{0, 0}, {1, 1}}); err == nil {
		t.Error("coincident source points gave no error")
	}
}

func TestAlignMapPutsKeypointsOnTemplate(t *testing.T) {
	// Keypoints made by placing the template (pixel-index) in a 3× larger,
	// 20°-rotated, shifted copy; AlignMap must map the template back onto them.
	th := 20 * math.Pi / 180
	fwd := Affine{3 * math.Cos(th), -3 * math.Sin(th), 200, 3 * math.Sin(th), 3 * math.Cos(th), 100}
	var kp [6]Point
	for i, p := range ArcFaceTemplate {
		x, y := fwd.Apply(p[0], p[1])
		kp[i] = Point{float32(x + 0.5), float32(y + 0.5)} // continuous coordinates
	}
	m, err := AlignMap(kp)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ArcFaceTemplate {
		x, y := m.Apply(p[0], p[1])
		if !near(x+0.5, float64(kp[i].X), 1e-3) || !near(y+0.5, float64(kp[i].Y), 1e-3) {
			t.Errorf("template point %d maps to (%v, %v), want %v", i, x+0.5, y+0.5, kp[i])
		}
	}
}

func TestInvert(t *testing.T) {
	m := Affine{2, 0.5, 3, -1, 1.5, 7}
	inv, ok := m.Invert()
	if !ok {
		t.Fatal("not invertible")
	}
	x, y := m.Apply(4, -2)
	bx, by := inv.Apply(x, y)
	if !near(bx, 4, 1e-12) || !near(by, -2, 1e-12) {
		t.Errorf("inverse gives (%v, %v), want (4, -2)", bx, by)
	}
	if _, ok := (Affine{1, 2, 0, 2, 4, 0}).Invert(); ok {
		t.Error("singular matrix inverted")
	}
}

func TestWarp(t *testing.T) {
	// A horizontal ramp: pixel x has value 10·x.
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	for y := 0; y < 4; y++ {
		for x := 0; x < 8; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(10 * x), 0, 0, 255})
		}
	}
	var s sampler
	s.reset(img)
	dst := make([]float32, 3*3)
	// Half-pixel shift: value between columns 2 and 3.
	s.warp(dst, 3, 1, Affine{1, 0, 2.5, 0, 1, 1})
	if dst[0] != 25 || dst[3] != 35 || dst[6] != 45 {
		t.Errorf("shifted samples %v %v %v, want 25 35 45", dst[0], dst[3], dst[6])
	}
	// Outside the image the border is zero; half outside is half weight.
	s.warp(dst, 3, 1, Affine{1, 0, -1.5, 0, 1, 1})
	if dst[0] != 0 || dst[3] != 0 || dst[6] != 5 {
		t.Errorf("border samples %v %v %v, want 0 0 5", dst[0], dst[3], dst[6])
	}
}

func TestWarpAntialias(t *testing.T) {
	// A 1-px checkerboard shrunk 4×: bilinear alone hits single pixels
	// (0 or 255); the pyramid averages them to about 127.5.
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			v := uint8(0)
			if (x+y)%2 == 0 {
				v = 255
			}
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	m := scaleMap(0, 0, 64, 64, 16, 16)
	dst := make([]float32, 16*16*3)
	var s sampler
	s.reset(img)
	s.warp(dst, 16, 16, m)
	for i, v := range dst {
		if !near(float64(v), 127.5, 0.01) {
			t.Fatalf("antialiased sample %d = %v, want 127.5", i, v)
		}
	}
	s.NoAA = true
	// Sample exactly on pixel centres so bilinear alone hits single pixels.
	s.warp(dst, 16, 16, Affine{4, 0, 0, 0, 4, 0})
	if dst[0] != 255 {
		t.Errorf("plain bilinear sample = %v, want 255", dst[0])
	}
}

func TestSquareCropMap(t *testing.T) {
	// A 40×20 box at the left edge of a 200×100 image grows to a 40×40
	// square and is shifted right so it stays inside.
	m := SquareCropMap(Rect{-10, 30, 30, 50}, 200, 100)
	x0, y0 := m.Apply(-0.5, -0.5) // top-left corner of the crop
	x1, y1 := m.Apply(CropSize-0.5, CropSize-0.5)
	if !near(x0+0.5, 0, 1e-9) || !near(y0+0.5, 20, 1e-9) || !near(x1+0.5, 40, 1e-9) || !near(y1+0.5, 60, 1e-9) {
		t.Errorf("crop covers (%v,%v)-(%v,%v), want (0,20)-(40,60)", x0+0.5, y0+0.5, x1+0.5, y1+0.5)
	}
	c := CentreSquareMap(200, 100)
	x0, _ = c.Apply(-0.5, -0.5)
	if !near(x0+0.5, 50, 1e-9) {
		t.Errorf("centre square starts at x=%v, want 50", x0+0.5)
	}
}

func TestWarpSubImageOrigin(t *testing.T) {
	// A sub-image whose Rect.Min is not (0, 0) samples its own pixels.
	img := image.NewRGBA(image.Rect(0, 0, 10, 10))
	img.SetRGBA(5, 5, color.RGBA{200, 0, 0, 255})
	sub := img.SubImage(image.Rect(5, 5, 10, 10)).(*image.RGBA)
	var s sampler
	s.reset(sub)
	dst := make([]float32, 3)
	s.warp(dst, 1, 1, Affine{1, 0, 0, 0, 1, 0})
	if dst[0] != 200 {
		t.Errorf("sample at the sub-image origin = %v, want 200", dst[0])
	}
}
