package liveness

import (
	"image"
	"math"
)

// Image tracking for the planarity cue.
//
// The face mesh is a regression model: it places its landmarks from a 3-D
// face prior, so on a print that tilts quickly it moves them like a turning
// head (synthetic prints tilting by up to 30° gave mesh homography residuals
// of 0.05-0.07 IOD, live heads 0.035-0.07). The image itself has no such
// prior: the texture of a print moves exactly by a homography. So the
// planarity cue follows each of its points in the image: frame i is warped
// into frame j by the homography fitted to the mesh points, and each point is
// then found again by matching a small patch of the warped frame i in frame j
// (normalised cross-correlation, subpixel by a parabola). On a plane the
// corrections undo the mesh's error and the corrected points fit a homography
// to the image noise; on a head the patches follow the skin, whose parallax
// (nose against eyes) no homography explains.

const (
	// trackIOD is the scale of the grey face copies: the inter-ocular
	// distance in their pixels.
	trackIOD = 48.0
	// trackR is the patch half-side and trackD the search half-range, in
	// those pixels: 9×9 patches (0.19 IOD) searched ±5 px (±0.1 IOD).
	trackR = 4
	trackD = 5
	// trackMinNCC is the least correlation for a patch match to count.
	trackMinNCC = 0.6
	// trackMinPoints is the fewest matched points for a pair to be judged.
	trackMinPoints = 12
	// trackMaxPixels bounds a grey copy (a mesh spread over the whole frame
	// is not a face).
	trackMaxPixels = 320 * 320
)

// faceGrey is a grey copy of one frame's face region at trackIOD scale.
// Crop pixel (u, v) covers image coordinates x0 + [u, u+1)/s, y0 + [v, v+1)/s.
type faceGrey struct {
	x0, y0, s float64
	w, h      int
	pix       []float32
}

// newFaceGrey copies the face region of img around m (landmark bounds plus
// 0.35 IOD for the patches and their search), or returns nil when the mesh
// is degenerate.
func newFaceGrey(img *image.RGBA, m *Mesh) *faceGrey {
	iod := m.InterOcular()
	if !(iod > 1) || math.IsInf(iod, 0) {
		return nil
	}
	lo, hi := m.Bounds()
	pad := 0.35 * iod
	s := trackIOD / iod
	g := &faceGrey{x0: lo.X - pad, y0: lo.Y - pad, s: s}
	fw, fh := (hi.X-lo.X+2*pad)*s, (hi.Y-lo.Y+2*pad)*s
	if !(fw > 0 && fh > 0 && fw*fh <= trackMaxPixels) {
		return nil
	}
	g.w, g.h = int(math.Ceil(fw)), int(math.Ceil(fh))
	g.pix = make([]float32, g.w*g.h)
	b := img.Bounds()
	for v := 0; v < g.h; v++ {
		for u := 0; u < g.w; u++ {
			x, y := g.x0+(float64(u)+0.5)/s, g.y0+(float64(v)+0.5)/s
			if x < float64(b.Min.X) || y < float64(b.Min.Y) || x > float64(b.Max.X) || y > float64(b.Max.Y) {
				g.pix[v*g.w+u] = float32(math.NaN()) // outside the frame: never matched
				continue
			}
			r, gg, bb := bilinearRGB(img, b, x-0.5, y-0.5)
			g.pix[v*g.w+u] = 0.299*r + 0.587*gg + 0.114*bb
		}
	}
	g.smooth()
	g.smooth()
	return g
}

// smooth applies the binomial filter [1 4 6 4 1]/16 along both axes. Twice
// (σ ≈ 1.4 px) it keeps face features (9-px patches) and damps patterns of
// 3-5 px periods to 6-18%: the aliasing of the resampling, and screen moiré,
// which stays put on the sensor while the face moves and drew the patch
// matches to itself (synthetic screens read 0.02-0.033 IOD of tracking
// noise without it). NaN (outside the frame) spreads, so those pixels are
// never matched.
func (g *faceGrey) smooth() {
	tmp := make([]float32, len(g.pix))
	k := [5]float32{1.0 / 16, 4.0 / 16, 6.0 / 16, 4.0 / 16, 1.0 / 16}
	for v := 0; v < g.h; v++ {
		row := g.pix[v*g.w : (v+1)*g.w]
		for u := range row {
			var acc float32
			for i, w := range k {
				acc += w * row[min(max(u+i-2, 0), g.w-1)]
			}
			tmp[v*g.w+u] = acc
		}
	}
	for v := 0; v < g.h; v++ {
		for u := 0; u < g.w; u++ {
			var acc float32
			for i, w := range k {
				acc += w * tmp[min(max(v+i-2, 0), g.h-1)*g.w+u]
			}
			g.pix[v*g.w+u] = acc
		}
	}
}

// at samples the copy bilinearly at crop pixel-index coordinates; NaN
// outside the copy or the frame.
func (g *faceGrey) at(u, v float64) float64 {
	u0, v0 := math.Floor(u), math.Floor(v)
	iu, iv := int(u0), int(v0)
	if iu < 0 || iv < 0 || iu+1 >= g.w || iv+1 >= g.h || math.IsNaN(u) || math.IsNaN(v) {
		return math.NaN()
	}
	fu, fv := u-u0, v-v0
	o := iv*g.w + iu
	a := float64(g.pix[o])*(1-fu) + float64(g.pix[o+1])*fu
	c := float64(g.pix[o+g.w])*(1-fu) + float64(g.pix[o+g.w+1])*fu
	return a*(1-fv) + c*fv
}

// atImage samples the copy at image coordinates.
func (g *faceGrey) atImage(p Point) float64 {
	return g.at((p.X-g.x0)*g.s-0.5, (p.Y-g.y0)*g.s-0.5)
}

// inverse returns h⁻¹ (adjugate over determinant).
func (h Homography) inverse() (Homography, bool) {
	a, b, c, d, e, f, g, k, i := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	inv := Homography{
		e*i - f*k, c*k - b*i, b*f - c*e,
		f*g - d*i, a*i - c*g, c*d - a*f,
		d*k - e*g, b*g - a*k, a*e - b*d,
	}
	det := a*inv[0] + b*inv[3] + c*inv[6]
	if !(math.Abs(det) > 1e-12) {
		return Homography{}, false
	}
	for n := range inv {
		inv[n] /= det
	}
	return inv, true
}

// trackPoints finds the points src of frame i (image coordinates) in frame
// j. h is the homography fitted to the mesh points from i to j; it only
// predicts where to look and warps the patches. It returns the pairs that
// matched: src points and where their patch was found in frame j.
func trackPoints(gi, gj *faceGrey, src []Point, h Homography) (from, to []Point) {
	hinv, ok := h.inverse()
	if !ok {
		return nil, nil
	}
	const n, m = 2*trackR + 1, 2*(trackR+trackD) + 1
	var tpl [n * n]float64
	var win [m * m]float64
	var score [(2*trackD + 1) * (2*trackD + 1)]float64
next:
	for _, p := range src {
		q := h.Apply(p)
		cu, cv := (q.X-gj.x0)*gj.s-0.5, (q.Y-gj.y0)*gj.s-0.5
		// Template: frame i seen through h on frame j's grid around q.
		var tm float64
		for b := -trackR; b <= trackR; b++ {
			for a := -trackR; a <= trackR; a++ {
				x := Point{gj.x0 + (cu+float64(a)+0.5)/gj.s, gj.y0 + (cv+float64(b)+0.5)/gj.s}
				v := gi.atImage(hinv.Apply(x))
				if math.IsNaN(v) {
					continue next
				}
				tpl[(b+trackR)*n+a+trackR] = v
				tm += v
			}
		}
		tm /= n * n
		var tss float64
		for k := range tpl {
			tpl[k] -= tm
			tss += tpl[k] * tpl[k]
		}
		if tss/(n*n) < 4 { // under 2 grey levels of contrast: nothing to match
			continue
		}
		for b := -trackR - trackD; b <= trackR+trackD; b++ {
			for a := -trackR - trackD; a <= trackR+trackD; a++ {
				v := gj.at(cu+float64(a), cv+float64(b))
				if math.IsNaN(v) {
					continue next
				}
				win[(b+trackR+trackD)*m+a+trackR+trackD] = v
			}
		}
		best, bi := math.Inf(-1), 0
		for dy := -trackD; dy <= trackD; dy++ {
			for dx := -trackD; dx <= trackD; dx++ {
				var s1, s2, sx float64
				for b := 0; b < n; b++ {
					row := (b+dy+trackD)*m + dx + trackD
					for a := 0; a < n; a++ {
						w := win[row+a]
						s1 += w
						s2 += w * w
						sx += w * tpl[b*n+a]
					}
				}
				vv := s2 - s1*s1/(n*n)
				ncc := -1.0
				if vv > 1e-9 {
					ncc = sx / math.Sqrt(vv*tss)
				}
				k := (dy+trackD)*(2*trackD+1) + dx + trackD
				score[k] = ncc
				if ncc > best {
					best, bi = ncc, k
				}
			}
		}
		bx, by := bi%(2*trackD+1)-trackD, bi/(2*trackD+1)-trackD
		// A best match on the edge of the search may lie beyond it.
		if best < trackMinNCC || bx == -trackD || bx == trackD || by == -trackD || by == trackD {
			continue
		}
		const row = 2*trackD + 1
		sx := parabola(score[bi-1], best, score[bi+1])
		sy := parabola(score[bi-row], best, score[bi+row])
		from = append(from, p)
		to = append(to, Point{q.X + (float64(bx)+sx)/gj.s, q.Y + (float64(by)+sy)/gj.s})
	}
	return from, to
}

// parabola is the offset in (-0.5, 0.5) of the vertex of the parabola
// through (-1, l), (0, c), (1, r) where c is the largest.
func parabola(l, c, r float64) float64 {
	den := l - 2*c + r
	if !(den < 0) {
		return 0
	}
	return math.Max(-0.5, math.Min(0.5, 0.5*(l-r)/den))
}
