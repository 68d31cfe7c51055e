package liveness

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// valueNoise is a smooth random texture in object units: random grey
// levels on a lattice of the given spacing, bilinearly interpolated.
func valueNoise(seed uint64, spacing float64) func(x, y float64) float64 {
	hash := func(i, j int) float64 {
		h := uint64(i)*0x9e3779b97f4a7c15 ^ uint64(j)*0xc2b2ae3d27d4eb4f ^ seed
		h ^= h >> 31
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 29
		return float64(h%1000) / 1000
	}
	return func(x, y float64) float64 {
		x, y = x/spacing, y/spacing
		i, j := math.Floor(x), math.Floor(y)
		fx, fy := x-i, y-j
		a := hash(int(i), int(j))*(1-fx) + hash(int(i)+1, int(j))*fx
		b := hash(int(i), int(j)+1)*(1-fx) + hash(int(i)+1, int(j)+1)*fx
		return 40 + 170*(a*(1-fy)+b*fy)
	}
}

// renderSurface ray-casts the textured surface z = surf(x, y) (object
// coordinates as in face3D) seen in pose p by project's pinhole camera.
func renderSurface(surf func(x, y float64) float64, tex func(x, y float64) float64, p pose, f, cx, cy float64, w, h int) *image.RGBA {
	cyw, syw := math.Cos(p.yaw), math.Sin(p.yaw)
	cp, sp := math.Cos(p.pitch), math.Sin(p.pitch)
	cr, sr := math.Cos(p.roll), math.Sin(p.roll)
	inv := func(x, y, z float64) (float64, float64, float64) { // Rᵀ, undoing project's roll, pitch, yaw
		x, y = cr*x+sr*y, -sr*x+cr*y
		y, z = cp*y+sp*z, -sp*y+cp*z
		x, z = cyw*x-syw*z, syw*x+cyw*z
		return x, y, z
	}
	ox, oy, oz := inv(-p.tx, -p.ty, -p.tz)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for v := 0; v < h; v++ {
		for u := 0; u < w; u++ {
			dx, dy, dz := inv((float64(u)+0.5-cx)/f, (float64(v)+0.5-cy)/f, 1)
			var x, y, z float64
			for it := 0; it < 12; it++ { // fixed point: the ray meets the surface
				t := (z - oz) / dz
				x, y = ox+t*dx, oy+t*dy
				z = surf(x, y)
			}
			g := uint8(math.Max(0, math.Min(255, tex(x, y))))
			o := img.PixOffset(u, v)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = g, g, g, 255
		}
	}
	return img
}

// TestTrackedPlanarity checks what image tracking is for: on a textured
// photo whose mesh moves like a head (the face-mesh model's 3-D prior), the
// mesh points look non-planar but the tracked points fit a homography; on a
// textured head the tracked points keep the parallax.
func TestTrackedPlanarity(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	head := face3D(rng)
	tex := valueNoise(5, 4)
	flat := func(x, y float64) float64 { return 0 }
	const f, cx, cy, w, h = 800.0, 320.0, 240.0, 640, 480
	cfg := DefaultConfig().Planarity
	turn := func(deg float64) (pose, pose) {
		return pose{yaw: -deg * math.Pi / 180, pitch: 3 * math.Pi / 180, tz: 600},
			pose{yaw: deg * math.Pi / 180, pitch: -3 * math.Pi / 180, roll: 0.02, tx: 6, ty: -3, tz: 590}
	}

	// A photo turning by 10°: the image is a textured plane, but the mesh
	// reports the projections of a 3-D head in the photo's pose. (At 12°
	// here the mesh's error exceeds the ±0.1 IOD search and the pair is
	// not judged.)
	p0, p1 := turn(5)
	photo0, photo1 := renderSurface(flat, tex, p0, f, cx, cy, w, h), renderSurface(flat, tex, p1, f, cx, cy, w, h)
	m0, m1 := meshOf(project(head, p0, f, cx, cy)), meshOf(project(head, p1, f, cx, cy))
	byMesh, ok := planarPair(m0, m1, nil, nil)
	if !ok || byMesh.resid < cfg.Live {
		t.Fatalf("test setup: mesh residual %.4f (ok %v), want a head-like >= %.3f", byMesh.resid, ok, cfg.Live)
	}
	tracked, ok := planarPair(m0, m1, newFaceGrey(photo0, m0), newFaceGrey(photo1, m1))
	if !ok {
		t.Fatal("photo: too few points tracked")
	}
	if tracked.resid > cfg.Attack || tracked.motion < cfg.MinMotion {
		t.Errorf("photo: tracked residual %.4f, motion %.4f; want <= %.3f with motion >= %.3f (mesh residual %.4f)",
			tracked.resid, tracked.motion, cfg.Attack, cfg.MinMotion, byMesh.resid)
	}

	// A head turning by 14°: the texture is on the 3-D surface and the mesh is right.
	p0, p1 = turn(7)
	m0, m1 = meshOf(project(head, p0, f, cx, cy)), meshOf(project(head, p1, f, cx, cy))
	face0, face1 := renderSurface(headDepth, tex, p0, f, cx, cy, w, h), renderSurface(headDepth, tex, p1, f, cx, cy, w, h)
	live, ok := planarPair(m0, m1, newFaceGrey(face0, m0), newFaceGrey(face1, m1))
	if !ok {
		t.Fatal("head: too few points tracked")
	}
	if live.resid < cfg.Live {
		t.Errorf("head: tracked residual %.4f, want >= %.3f", live.resid, cfg.Live)
	}
}

// TestTrackPointsFindsShift checks the matcher on a pure shift the
// homography does not know about: every point is found 2.3 px away, to
// within 0.4 px (0.005 IOD here: the parabola's subpixel bias on 9×9
// patches at trackIOD scale, where a crop pixel is 1.7 image pixels).
func TestTrackPointsFindsShift(t *testing.T) {
	tex := valueNoise(9, 3)
	a := renderSurface(func(x, y float64) float64 { return 0 }, tex, pose{tz: 600}, 800, 320, 240, 640, 480)
	b := renderSurface(func(x, y float64) float64 { return 0 }, tex, pose{tz: 600, tx: 2.3 * 600 / 800}, 800, 320, 240, 640, 480)
	rng := rand.New(rand.NewPCG(1, 2))
	m := meshOf(project(flatten(face3D(rng)), pose{tz: 600}, 800, 320, 240))
	src := subset(m)
	identity := Homography{1, 0, 0, 0, 1, 0, 0, 0, 1}
	from, to := trackPoints(newFaceGrey(a, m), newFaceGrey(b, m), src, identity)
	if len(from) < len(src)*3/4 {
		t.Fatalf("matched %d of %d points", len(from), len(src))
	}
	for i := range from {
		if dx, dy := to[i].X-from[i].X, to[i].Y-from[i].Y; math.Abs(dx-2.3) > 0.4 || math.Abs(dy) > 0.4 {
			t.Errorf("point %v found moved by (%.2f, %.2f), want (2.30, 0)", from[i], dx, dy)
		}
	}
}

func TestHomographyInverse(t *testing.T) {
	h := Homography{1.1, 0.05, 12, -0.03, 0.95, -7, 2e-4, -1e-4, 1}
	inv, ok := h.inverse()
	if !ok {
		t.Fatal("inverse failed")
	}
	for _, p := range []Point{{0, 0}, {100, 50}, {-30, 220}} {
		if q := inv.Apply(h.Apply(p)); math.Hypot(q.X-p.X, q.Y-p.Y) > 1e-9 {
			t.Errorf("h⁻¹(h(%v)) = %v", p, q)
		}
	}
	if _, ok := (Homography{}).inverse(); ok {
		t.Error("the zero matrix has no inverse")
	}
}
