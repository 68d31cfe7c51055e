package liveness

import (
	"math"
	"math/rand/v2"
)

// face3D is a synthetic head: 468 points on a face-shaped surface (an
// ellipsoid cap with a nose bump), in millimetres, x right, y down, z toward
// the camera negative. The landmark indices the cues use sit where they do on
// a real face.
func face3D(rng *rand.Rand) [][3]float64 {
	pts := make([][3]float64, NumLandmarks)
	depth := headDepth
	for i := range pts {
		for {
			x, y := (rng.Float64()*2-1)*70, (rng.Float64()*2-1)*90
			if (x*x)/(70*70)+(y*y)/(90*90) <= 1 {
				pts[i] = [3]float64{x, y, depth(x, y)}
				break
			}
		}
	}
	set := func(i int, x, y float64) { pts[i] = [3]float64{x, y, depth(x, y)} }
	// Eyes: subject's right eye on image left.
	set(idxRightEyeOuter, -46, -20)
	set(idxRightEyeInner, -16, -20)
	set(idxLeftEyeInner, 16, -20)
	set(idxLeftEyeOuter, 46, -20)
	setEyes(pts, 1, depth)
	set(idxSubnasale, 0, 25)
	set(idxMouthRight, -22, 50)
	set(idxMouthLeft, 22, 50)
	return pts
}

// setEyes places the lid points for an eye opening of the given fraction
// (1 open: 10 mm lid gap; 0 closed).
func setEyes(pts [][3]float64, open float64, depth func(x, y float64) float64) {
	gap := 5 * open
	for _, e := range []struct {
		cx                   float64
		t, b, t1, b1, t2, b2 int
	}{
		{-31, idxRightEyeTop, idxRightEyeBottom, idxRightEyeTopOut, idxRightEyeBotOut, idxRightEyeTopIn, idxRightEyeBotIn},
		{31, idxLeftEyeTop, idxLeftEyeBottom, idxLeftEyeTopIn, idxLeftEyeBotIn, idxLeftEyeTopOut, idxLeftEyeBotOut},
	} {
		for _, q := range []struct {
			i      int
			dx, dy float64
		}{{e.t, 0, -gap}, {e.b, 0, gap}, {e.t1, -7, -gap * 0.8}, {e.b1, -7, gap * 0.8}, {e.t2, 7, -gap * 0.8}, {e.b2, 7, gap * 0.8}} {
			x, y := e.cx+q.dx, -20+q.dy
			pts[q.i] = [3]float64{x, y, depth(x, y)}
		}
	}
}

// pose is a rigid pose: rotation angles (radians) and translation (mm).
type pose struct{ yaw, pitch, roll, tx, ty, tz float64 }

// project rotates and translates the points and projects them with a pinhole
// camera (focal length f pixels, principal point cx, cy).
func project(pts [][3]float64, p pose, f, cx, cy float64) []Point {
	cyw, syw := math.Cos(p.yaw), math.Sin(p.yaw)
	cp, sp := math.Cos(p.pitch), math.Sin(p.pitch)
	cr, sr := math.Cos(p.roll), math.Sin(p.roll)
	out := make([]Point, len(pts))
	for i, q := range pts {
		x, y, z := q[0], q[1], q[2]
		// yaw about y
		x, z = cyw*x+syw*z, -syw*x+cyw*z
		// pitch about x
		y, z = cp*y-sp*z, sp*y+cp*z
		// roll about z
		x, y = cr*x-sr*y, sr*x+cr*y
		x, y, z = x+p.tx, y+p.ty, z+p.tz
		out[i] = Point{cx + f*x/z, cy + f*y/z}
	}
	return out
}

// headDepth is the depth of face3D's surface at (x, y): an ellipsoid with a
// nose bump, negative towards the camera.
func headDepth(x, y float64) float64 {
	e := 1 - (x*x)/(75*75) - (y*y)/(95*95)
	z := -45 * math.Sqrt(math.Max(e, 0))
	// nose bump
	z -= 25 * math.Exp(-(x*x+(y-10)*(y-10))/(2*12*12))
	return z
}

// flatten returns the points with zero depth: a photo of the face.
func flatten(pts [][3]float64) [][3]float64 {
	out := make([][3]float64, len(pts))
	for i, q := range pts {
		out[i] = [3]float64{q[0], q[1], 0}
	}
	return out
}

func jitter(ps []Point, rng *rand.Rand, sigma float64) []Point {
	out := make([]Point, len(ps))
	for i, p := range ps {
		out[i] = Point{p.X + rng.NormFloat64()*sigma, p.Y + rng.NormFloat64()*sigma}
	}
	return out
}

func meshOf(ps []Point) *Mesh { return &Mesh{Points: ps, Presence: 1} }
