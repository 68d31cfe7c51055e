package infer

import (
	"math"
	"testing"
)

func TestAlignMapPointsRecoversKnownTransform(t *testing.T) {
	// The ArcFace eyes and mouth corners placed in an image by a known
	// similarity (crop pixel index → continuous image coordinates, hence the
	// +0.5): AlignMapPoints must return exactly that map.
	dst := [][2]float64{ArcFaceTemplate[0], ArcFaceTemplate[1], ArcFaceMouthCorners[0], ArcFaceMouthCorners[1]}
	for _, tc := range []struct{ theta, scale, tx, ty float64 }{
		{0, 1, 0, 0},
		{12, 2.2, 300, 140},
		{-35, 0.8, 40, 500},
		{170, 4, 900, 900},
	} {
		th := tc.theta * math.Pi / 180
		c, s := tc.scale*math.Cos(th), tc.scale*math.Sin(th)
		want := Affine{c, -s, tc.tx, s, c, tc.ty}
		src := make([]Point, len(dst))
		for i, d := range dst {
			x, y := want.Apply(d[0], d[1])
			src[i] = Point{float32(x + 0.5), float32(y + 0.5)}
		}
		got, err := AlignMapPoints(src, dst)
		if err != nil {
			t.Fatal(err)
		}
		// float32 landmarks: allow their rounding (≈1e-4 px at 900 px).
		for i := range got {
			tol := 1e-4
			if i == 2 || i == 5 {
				tol = 2e-3
			}
			if !near(got[i], want[i], tol) {
				t.Errorf("θ=%v s=%v: got %v, want %v", tc.theta, tc.scale, got, want)
				break
			}
		}
		// And each template point lands on its landmark.
		for i, d := range dst {
			x, y := got.Apply(d[0], d[1])
			if !near(x, float64(src[i].X)-0.5, 2e-3) || !near(y, float64(src[i].Y)-0.5, 2e-3) {
				t.Errorf("θ=%v: template point %d → (%.4f, %.4f), want (%.4f, %.4f)", tc.theta, i, x, y, src[i].X-0.5, src[i].Y-0.5)
			}
		}
	}
}

func TestAlignMapPointsMouthCornersMatchTemplateCentre(t *testing.T) {
	// The mouth corners' mean is the template's mouth centre, so the eyes +
	// mouth corners and the eyes + mouth centre agree on an undistorted face.
	mx := (ArcFaceMouthCorners[0][0] + ArcFaceMouthCorners[1][0]) / 2
	my := (ArcFaceMouthCorners[0][1] + ArcFaceMouthCorners[1][1]) / 2
	if !near(mx, ArcFaceTemplate[MouthCentre][0], 1e-4) || !near(my, ArcFaceTemplate[MouthCentre][1], 1e-4) {
		t.Errorf("mouth corners' mean (%v, %v) is not the template's mouth centre %v", mx, my, ArcFaceTemplate[MouthCentre])
	}
}

func TestAlignMapPointsErrors(t *testing.T) {
	if _, err := AlignMapPoints([]Point{{5, 5}}, [][2]float64{{1, 1}}); err == nil {
		t.Error("one point pair gave no error")
	}
	if _, err := AlignMapPoints([]Point{{5, 5}, {6, 6}}, [][2]float64{{1, 1}}); err == nil {
		t.Error("mismatched lengths gave no error")
	}
	if _, err := AlignMapPoints([]Point{{5, 5}, {5, 5}, {5, 5}}, [][2]float64{{1, 1}, {2, 2}, {3, 1}}); err == nil {
		t.Error("coincident landmarks gave no error")
	}
}
