package liveness

import (
	"errors"
	"math"
)

// Point is a 2-D position in image pixels.
type Point struct{ X, Y float64 }

// Homography is a 3×3 projective transform, row-major, mapping
// (x, y, 1) to (h0 x + h1 y + h2, h3 x + h4 y + h5, h6 x + h7 y + h8) up to scale.
type Homography [9]float64

// Apply maps p through h.
func (h Homography) Apply(p Point) Point {
	w := h[6]*p.X + h[7]*p.Y + h[8]
	if w == 0 {
		w = 1e-12
	}
	return Point{(h[0]*p.X + h[1]*p.Y + h[2]) / w, (h[3]*p.X + h[4]*p.Y + h[5]) / w}
}

var errDegenerate = errors.New("degenerate point set")

// normaliser is Hartley's conditioning: translate the centroid to the origin
// and scale so the mean distance from it is √2.
type normaliser struct{ cx, cy, s float64 }

func newNormaliser(ps []Point) (normaliser, error) {
	var n normaliser
	for _, p := range ps {
		n.cx += p.X
		n.cy += p.Y
	}
	n.cx /= float64(len(ps))
	n.cy /= float64(len(ps))
	var d float64
	for _, p := range ps {
		d += math.Hypot(p.X-n.cx, p.Y-n.cy)
	}
	d /= float64(len(ps))
	if !(d > 1e-9) || math.IsInf(d, 0) {
		return n, errDegenerate
	}
	n.s = math.Sqrt2 / d
	return n, nil
}

func (n normaliser) apply(p Point) Point { return Point{(p.X - n.cx) * n.s, (p.Y - n.cy) * n.s} }

// FitHomography fits the homography mapping src[i] to dst[i] in the least
// squares sense of the direct linear transform (Hartley & Zisserman, Multiple
// View Geometry, algorithm 4.2: normalised DLT). It needs at least 4 point
// pairs in general position.
func FitHomography(src, dst []Point) (Homography, error) {
	if len(src) != len(dst) || len(src) < 4 {
		return Homography{}, errDegenerate
	}
	ns, err := newNormaliser(src)
	if err != nil {
		return Homography{}, err
	}
	nd, err := newNormaliser(dst)
	if err != nil {
		return Homography{}, err
	}
	// Accumulate AᵀA (9×9) directly: each pair gives two rows of A.
	var ata [9][9]float64
	var r1, r2 [9]float64
	for i := range src {
		s, d := ns.apply(src[i]), nd.apply(dst[i])
		r1 = [9]float64{-s.X, -s.Y, -1, 0, 0, 0, d.X * s.X, d.X * s.Y, d.X}
		r2 = [9]float64{0, 0, 0, -s.X, -s.Y, -1, d.Y * s.X, d.Y * s.Y, d.Y}
		for a := 0; a < 9; a++ {
			for b := a; b < 9; b++ {
				ata[a][b] += r1[a]*r1[b] + r2[a]*r2[b]
			}
		}
	}
	for a := 0; a < 9; a++ {
		for b := 0; b < a; b++ {
			ata[a][b] = ata[b][a]
		}
	}
	vals, vecs := jacobiEigen(ata)
	best := 0
	for i := 1; i < 9; i++ {
		if vals[i] < vals[best] {
			best = i
		}
	}
	var hn Homography
	for i := 0; i < 9; i++ {
		hn[i] = vecs[i][best]
	}
	// Denormalise: H = Td⁻¹ · Hn · Ts.
	ts := [9]float64{ns.s, 0, -ns.s * ns.cx, 0, ns.s, -ns.s * ns.cy, 0, 0, 1}
	tdInv := [9]float64{1 / nd.s, 0, nd.cx, 0, 1 / nd.s, nd.cy, 0, 0, 1}
	h := Homography(mul3(tdInv, mul3([9]float64(hn), ts)))
	if math.Abs(h[8]) > 1e-12 {
		for i := range h {
			h[i] /= h[8]
		}
	}
	for _, v := range h {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Homography{}, errDegenerate
		}
	}
	return h, nil
}

func mul3(a, b [9]float64) [9]float64 {
	var c [9]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				c[i*3+j] += a[i*3+k] * b[k*3+j]
			}
		}
	}
	return c
}

// jacobiEigen returns the eigenvalues and eigenvectors (columns) of the
// symmetric matrix a by cyclic Jacobi rotations.
func jacobiEigen(a [9][9]float64) ([9]float64, [9][9]float64) {
	var v [9][9]float64
	for i := range v {
		v[i][i] = 1
	}
	for sweep := 0; sweep < 60; sweep++ {
		var off float64
		for p := 0; p < 9; p++ {
			for q := p + 1; q < 9; q++ {
				off += a[p][q] * a[p][q]
			}
		}
		if off < 1e-30 {
			break
		}
		for p := 0; p < 9; p++ {
			for q := p + 1; q < 9; q++ {
				if math.Abs(a[p][q]) < 1e-300 {
					continue
				}
				theta := (a[q][q] - a[p][p]) / (2 * a[p][q])
				t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				if theta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < 9; k++ {
					akp, akq := a[k][p], a[k][q]
					a[k][p] = c*akp - s*akq
					a[k][q] = s*akp + c*akq
				}
				for k := 0; k < 9; k++ {
					apk, aqk := a[p][k], a[q][k]
					a[p][k] = c*apk - s*aqk
					a[q][k] = s*apk + c*aqk
				}
				for k := 0; k < 9; k++ {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p] = c*vkp - s*vkq
					v[k][q] = s*vkp + c*vkq
				}
			}
		}
	}
	var vals [9]float64
	for i := range vals {
		vals[i] = a[i][i]
	}
	return vals, v
}

// Similarity is x' = a x − b y + tx, y' = b x + a y + ty: rotation, uniform
// scale and translation.
type Similarity struct{ A, B, TX, TY float64 }

// Apply maps p through s.
func (s Similarity) Apply(p Point) Point {
	return Point{s.A*p.X - s.B*p.Y + s.TX, s.B*p.X + s.A*p.Y + s.TY}
}

// FitSimilarity fits the least-squares similarity transform mapping src to
// dst (closed form, Umeyama without reflection).
func FitSimilarity(src, dst []Point) (Similarity, error) {
	if len(src) != len(dst) || len(src) < 2 {
		return Similarity{}, errDegenerate
	}
	n := float64(len(src))
	var sx, sy, dx, dy float64
	for i := range src {
		sx += src[i].X
		sy += src[i].Y
		dx += dst[i].X
		dy += dst[i].Y
	}
	sx, sy, dx, dy = sx/n, sy/n, dx/n, dy/n
	var num1, num2, den float64
	for i := range src {
		x, y := src[i].X-sx, src[i].Y-sy
		u, v := dst[i].X-dx, dst[i].Y-dy
		num1 += x*u + y*v
		num2 += x*v - y*u
		den += x*x + y*y
	}
	if den < 1e-12 {
		return Similarity{}, errDegenerate
	}
	a, b := num1/den, num2/den
	return Similarity{A: a, B: b, TX: dx - (a*sx - b*sy), TY: dy - (b*sx + a*sy)}, nil
}

// rmsResidual is the root mean square distance between f(src[i]) and dst[i].
func rmsResidual(f func(Point) Point, src, dst []Point) float64 {
	var s float64
	for i := range src {
		q := f(src[i])
		dx, dy := q.X-dst[i].X, q.Y-dst[i].Y
		s += dx*dx + dy*dy
	}
	return math.Sqrt(s / float64(len(src)))
}
