package liveness

import (
	"image"
	"math"
	"sort"
)

// cropN is the side of the aligned grey crop used by the stillness and
// infrared cues.
const cropN = 48

// alignedGrey samples a cropN×cropN grey crop in which the eye centres and
// the mouth centre land on fixed positions (a similarity fit), so that
// consecutive crops differ only by what changed on the face.
func alignedGrey(img *image.RGBA, m *Mesh) []float32 {
	r, l := m.EyeCentres()
	mc := m.MouthCentre()
	// Template: eyes at 30%/70% width, 40% height; mouth at 50%, 78%.
	n := float64(cropN)
	tpl := []Point{{0.30 * n, 0.40 * n}, {0.70 * n, 0.40 * n}, {0.50 * n, 0.78 * n}}
	// Fit template → image so each crop pixel is sampled directly.
	sim, err := FitSimilarity(tpl, []Point{r, l, mc})
	if err != nil {
		return nil
	}
	b := img.Bounds()
	out := make([]float32, cropN*cropN)
	for j := 0; j < cropN; j++ {
		for i := 0; i < cropN; i++ {
			p := sim.Apply(Point{float64(i) + 0.5, float64(j) + 0.5})
			rr, gg, bb := bilinearRGB(img, b, p.X-0.5, p.Y-0.5)
			out[j*cropN+i] = 0.299*rr + 0.587*gg + 0.114*bb
		}
	}
	return out
}

// cropDifference is 1 − normalised cross-correlation of two crops: 0 for
// crops equal up to brightness and contrast, larger when the face changed.
func cropDifference(a, b []float32) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return math.NaN()
	}
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		da, db := float64(a[i])-ma, float64(b[i])-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	// A flat crop (variance below 1e-4 grey levels², i.e. rounding noise)
	// has no pattern to correlate: two flat crops are the same, a flat and a
	// textured one are not.
	n := float64(len(a))
	flatA, flatB := saa/n < 1e-4, sbb/n < 1e-4
	if flatA || flatB {
		if flatA && flatB {
			return 0
		}
		return 1
	}
	return 1 - sab/math.Sqrt(saa*sbb)
}

// irStats are the infrared texture statistics of one frame: the face's mean
// brightness relative to the whole frame and the face's high-frequency
// texture (mean absolute Laplacian over mean brightness).
type irStats struct {
	Brightness float64
	Texture    float64
}

func computeIR(img *image.RGBA, crop []float32) irStats {
	if len(crop) != cropN*cropN {
		return irStats{Brightness: math.NaN(), Texture: math.NaN()}
	}
	var face float64
	for _, v := range crop {
		face += float64(v)
	}
	face /= float64(len(crop))
	var lap float64
	for y := 1; y < cropN-1; y++ {
		for x := 1; x < cropN-1; x++ {
			c := float64(crop[y*cropN+x])
			l := 4*c - float64(crop[y*cropN+x-1]) - float64(crop[y*cropN+x+1]) - float64(crop[(y-1)*cropN+x]) - float64(crop[(y+1)*cropN+x])
			lap += math.Abs(l)
		}
	}
	lap /= float64((cropN - 2) * (cropN - 2))
	frame := meanGrey(img)
	st := irStats{Brightness: math.NaN(), Texture: 0}
	if frame > 0 {
		st.Brightness = face / frame
	}
	if face > 0 {
		st.Texture = lap / face
	}
	return st
}

// meanGrey is the mean grey level of img, sampled on a sparse grid.
func meanGrey(img *image.RGBA) float64 {
	b := img.Bounds()
	step := max(1, min(b.Dx(), b.Dy())/64)
	var s float64
	var n int
	for y := b.Min.Y; y < b.Max.Y; y += step {
		for x := b.Min.X; x < b.Max.X; x += step {
			o := img.PixOffset(x, y)
			s += 0.299*float64(img.Pix[o]) + 0.587*float64(img.Pix[o+1]) + 0.114*float64(img.Pix[o+2])
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return s / float64(n)
}

// borderSides looks for straight edges framing the face: a phone, tablet or
// paper edge around it. It returns how many of the four sides (left, right,
// top, bottom, in the face's upright frame) carry a long straight edge that
// lies wholly outside the face and within 2.2 face sizes of its centre, and
// the mean support of the found edges (edge length over face size).
//
// Method: a grey patch of 4.4 face sizes around the face is resampled to at
// most borderN pixels, Sobel gradients are thresholded, and each strong edge
// pixel votes in a Hough accumulator near its own gradient direction.
func borderSides(img *image.RGBA, m *Mesh) (sides int, support float64) {
	lo, hi := m.Bounds()
	faceW, faceH := hi.X-lo.X, hi.Y-lo.Y
	size := math.Max(faceW, faceH)
	if size < 8 {
		return 0, 0
	}
	r, l := m.EyeCentres()
	ang := math.Atan2(l.Y-r.Y, l.X-r.X)
	centre := Point{(lo.X + hi.X) / 2, (lo.Y + hi.Y) / 2}
	const borderN = 128
	span := 4.4 * size
	roi := ROI{Centre: centre, Size: span, Angle: ang}
	g := make([]float32, borderN*borderN)
	buf := make([]float32, borderN*borderN*3)
	cropRGB(buf, img, roi, borderN)
	// Mark samples that fall outside the image: their zero fill must not
	// create an edge (the image border is not a phone border).
	inside := make([]bool, borderN*borderN)
	bnd := img.Bounds()
	for j := 0; j < borderN; j++ {
		for i := 0; i < borderN; i++ {
			p := roi.toImage(float64(i)+0.5, float64(j)+0.5, borderN)
			inside[j*borderN+i] = p.X >= float64(bnd.Min.X)+1 && p.Y >= float64(bnd.Min.Y)+1 && p.X < float64(bnd.Max.X)-1 && p.Y < float64(bnd.Max.Y)-1
			o := (j*borderN + i) * 3
			g[j*borderN+i] = 255 * (0.299*buf[o] + 0.587*buf[o+1] + 0.114*buf[o+2])
		}
	}
	scale := float64(borderN) / span // patch pixels per image pixel
	// Face box in patch coordinates (upright frame), grown by 10%.
	half := float64(borderN) / 2
	fx0, fx1 := half-0.55*faceW*scale, half+0.55*faceW*scale
	fy0, fy1 := half-0.55*faceH*scale, half+0.55*faceH*scale
	// The mesh box is tight (brow to chin); grow upward for the forehead.
	fy0 -= 0.25 * faceH * scale

	type edge struct {
		x, y   float64
		theta  float64
		weight float64
	}
	var mags []float64
	var edges []edge
	for y := 1; y < borderN-1; y++ {
		for x := 1; x < borderN-1; x++ {
			fxp, fyp := float64(x)+0.5, float64(y)+0.5
			if fxp > fx0 && fxp < fx1 && fyp > fy0 && fyp < fy1 {
				continue
			}
			ok := true
			for dy := -1; dy <= 1 && ok; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if !inside[(y+dy)*borderN+x+dx] {
						ok = false
						break
					}
				}
			}
			if !ok {
				continue
			}
			at := func(dx, dy int) float64 { return float64(g[(y+dy)*borderN+x+dx]) }
			gx := (at(1, -1) + 2*at(1, 0) + at(1, 1)) - (at(-1, -1) + 2*at(-1, 0) + at(-1, 1))
			gy := (at(-1, 1) + 2*at(0, 1) + at(1, 1)) - (at(-1, -1) + 2*at(0, -1) + at(1, -1))
			mag := math.Hypot(gx, gy)
			mags = append(mags, mag)
			edges = append(edges, edge{fxp, fyp, math.Atan2(gy, gx), mag})
		}
	}
	if len(edges) == 0 {
		return 0, 0
	}
	sorted := append([]float64(nil), mags...)
	sort.Float64s(sorted)
	thr := math.Max(80, sorted[len(sorted)*85/100]) // Sobel units (×8 of grey step)
	// Hough accumulator over line normal angle θ ∈ [0,π) and offset ρ.
	const nTheta = 90
	maxRho := int(math.Ceil(math.Sqrt2 * borderN))
	nRho := 2*maxRho + 1
	acc := make([]float64, nTheta*nRho)
	for _, e := range edges {
		if e.weight < thr {
			continue
		}
		t := e.theta
		if t < 0 {
			t += math.Pi
		}
		if t >= math.Pi {
			t -= math.Pi
		}
		tb := int(t / math.Pi * nTheta)
		for d := -2; d <= 2; d++ {
			k := ((tb+d)%nTheta + nTheta) % nTheta
			th := (float64(k) + 0.5) * math.Pi / nTheta
			rho := (e.x-half)*math.Cos(th) + (e.y-half)*math.Sin(th)
			ri := int(math.Round(rho)) + maxRho
			if ri >= 0 && ri < nRho {
				acc[k*nRho+ri]++
			}
		}
	}
	// A side's line must be near-parallel to that side (±20°), lie outside
	// the face box, within 2.2 face sizes of the centre, and be supported by
	// edge pixels over at least 0.8 face sizes.
	minVotes := 0.8 * size * scale
	maxOff := 2.2 * size * scale
	var found [4]float64 // left, right, top, bottom
	for k := 0; k < nTheta; k++ {
		th := (float64(k) + 0.5) * math.Pi / nTheta
		vertical := math.Abs(th-0) < 20*math.Pi/180 || math.Abs(th-math.Pi) < 20*math.Pi/180 // normal ~ x axis
		horizontal := math.Abs(th-math.Pi/2) < 20*math.Pi/180
		if !vertical && !horizontal {
			continue
		}
		for ri := 0; ri < nRho; ri++ {
			v := acc[k*nRho+ri]
			if v < minVotes {
				continue
			}
			rho := float64(ri - maxRho)
			c, s := math.Cos(th), math.Sin(th)
			if vertical {
				// x where the line crosses the face's top and bottom rows
				xt := (rho - (fy0-half)*s) / c
				xb := (rho - (fy1-half)*s) / c
				if math.Max(xt, xb) < fx0-half && -math.Min(xt, xb) < maxOff {
					found[0] = math.Max(found[0], v)
				} else if math.Min(xt, xb) > fx1-half && math.Max(xt, xb) < maxOff {
					found[1] = math.Max(found[1], v)
				}
			} else {
				yl := (rho - (fx0-half)*c) / s
				yr := (rho - (fx1-half)*c) / s
				if math.Max(yl, yr) < fy0-half && -math.Min(yl, yr) < maxOff {
					found[2] = math.Max(found[2], v)
				} else if math.Min(yl, yr) > fy1-half && math.Max(yl, yr) < maxOff {
					found[3] = math.Max(found[3], v)
				}
			}
		}
	}
	var sup float64
	for _, v := range found {
		if v > 0 {
			sides++
			// Each edge pixel adds at most one vote to a bin, so votes ≈ edge length.
			sup += v / (size * scale)
		}
	}
	if sides > 0 {
		sup /= float64(sides)
	}
	return sides, sup
}
