package liveness

import (
	"image"
	"math"
)

// NumLandmarks is the number of points of the MediaPipe FaceMesh topology.
const NumLandmarks = 468

// Canonical FaceMesh landmark indices (MediaPipe's 468-point topology; "right"
// and "left" are the subject's). Eye points follow the common eye-aspect-ratio
// convention: outer corner, two upper-lid points, inner corner, two lower-lid
// points, plus the mid upper and lower lid.
const (
	idxRightEyeOuter    = 33
	idxRightEyeInner    = 133
	idxRightEyeTop      = 159
	idxRightEyeBottom   = 145
	idxRightEyeTopOut   = 160
	idxRightEyeTopIn    = 158
	idxRightEyeBotOut   = 144
	idxRightEyeBotIn    = 153
	idxLeftEyeInner     = 362
	idxLeftEyeOuter     = 263
	idxLeftEyeTop       = 386
	idxLeftEyeBottom    = 374
	idxLeftEyeTopIn     = 385
	idxLeftEyeTopOut    = 387
	idxLeftEyeBotIn     = 380
	idxLeftEyeBotOut    = 373
	idxNoseTip          = 1
	idxSubnasale        = 2
	idxMouthRight       = 61
	idxMouthLeft        = 291
	idxUpperLipTop      = 0
	idxChin             = 152
	idxForehead         = 10
	idxRightFaceContour = 234
	idxLeftFaceContour  = 454
)

// Mesh is the face mesh of one frame, mapped to image pixels.
type Mesh struct {
	// Points are the 468 landmarks in image pixels (x right, y down).
	Points []Point
	// Z is each landmark's relative depth in the same pixel scale (smaller
	// is nearer the camera); informational only, the cues use 2-D points.
	Z []float64
	// Presence is the model's face-presence probability in [0,1].
	Presence float64
}

// Valid reports whether the mesh has the full topology and finite points.
func (m *Mesh) Valid() bool {
	if m == nil || len(m.Points) != NumLandmarks {
		return false
	}
	for _, p := range m.Points {
		if math.IsNaN(p.X) || math.IsNaN(p.Y) || math.IsInf(p.X, 0) || math.IsInf(p.Y, 0) {
			return false
		}
	}
	return true
}

func mid(a, b Point) Point { return Point{(a.X + b.X) / 2, (a.Y + b.Y) / 2} }

func dist(a, b Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// EyeCentres returns the subject's right and left eye centres (mid-points of
// the eye corners).
func (m *Mesh) EyeCentres() (right, left Point) {
	p := m.Points
	return mid(p[idxRightEyeOuter], p[idxRightEyeInner]), mid(p[idxLeftEyeOuter], p[idxLeftEyeInner])
}

// InterOcular is the distance between the eye centres in pixels.
func (m *Mesh) InterOcular() float64 {
	r, l := m.EyeCentres()
	return dist(r, l)
}

// MouthCentre is the mid-point of the mouth corners.
func (m *Mesh) MouthCentre() Point { return mid(m.Points[idxMouthRight], m.Points[idxMouthLeft]) }

// Bounds is the bounding box of the landmarks.
func (m *Mesh) Bounds() (min, max Point) {
	min = Point{math.Inf(1), math.Inf(1)}
	max = Point{math.Inf(-1), math.Inf(-1)}
	for _, p := range m.Points {
		min.X, min.Y = math.Min(min.X, p.X), math.Min(min.Y, p.Y)
		max.X, max.Y = math.Max(max.X, p.X), math.Max(max.Y, p.Y)
	}
	return min, max
}

// EyeAspectRatio is the classic eye aspect ratio (Soukupová & Čech 2016)
// averaged over both eyes: mean lid gap over eye width.
func (m *Mesh) EyeAspectRatio() float64 {
	p := m.Points
	ear := func(outer, inner, t1, b1, t2, b2, t3, b3 int) float64 {
		w := dist(p[outer], p[inner])
		if w == 0 {
			return 0
		}
		return (dist(p[t1], p[b1]) + dist(p[t2], p[b2]) + dist(p[t3], p[b3])) / (3 * w)
	}
	r := ear(idxRightEyeOuter, idxRightEyeInner, idxRightEyeTop, idxRightEyeBottom, idxRightEyeTopOut, idxRightEyeBotOut, idxRightEyeTopIn, idxRightEyeBotIn)
	l := ear(idxLeftEyeOuter, idxLeftEyeInner, idxLeftEyeTop, idxLeftEyeBottom, idxLeftEyeTopOut, idxLeftEyeBotOut, idxLeftEyeTopIn, idxLeftEyeBotIn)
	return (r + l) / 2
}

// EyeOpenness is the mean lid gap of both eyes divided by the vertical
// distance from the eye line to the base of the nose. Unlike the eye aspect
// ratio it does not change when a photo is tilted about a horizontal axis:
// foreshortening shrinks numerator and denominator alike, so a print rocked
// back and forth cannot fake a blink.
func (m *Mesh) EyeOpenness() float64 {
	p := m.Points
	gap := func(t1, b1, t2, b2, t3, b3 int) float64 {
		return (dist(p[t1], p[b1]) + dist(p[t2], p[b2]) + dist(p[t3], p[b3])) / 3
	}
	g := (gap(idxRightEyeTop, idxRightEyeBottom, idxRightEyeTopOut, idxRightEyeBotOut, idxRightEyeTopIn, idxRightEyeBotIn) +
		gap(idxLeftEyeTop, idxLeftEyeBottom, idxLeftEyeTopIn, idxLeftEyeBotIn, idxLeftEyeTopOut, idxLeftEyeBotOut)) / 2
	r, l := m.EyeCentres()
	ref := dist(mid(r, l), p[idxSubnasale])
	if ref == 0 {
		return 0
	}
	return g / ref
}

// ROI is the rotated square crop fed to the mesh model: centre, side length
// in pixels and rotation in radians (positive turns the crop's x axis
// clockwise on screen, i.e. towards +y).
type ROI struct {
	Centre Point
	Size   float64
	Angle  float64
}

// ROIFromEyes builds the mesh crop from a face detection the way MediaPipe's
// face_detection_front_detection_to_roi does: the box centre, the box side
// times 1.5 (square on the long side), rotated so the eye line is horizontal.
// rightEye and leftEye are the subject's eyes (BlazeFace keypoints 0 and 1).
func ROIFromEyes(minX, minY, maxX, maxY float64, rightEye, leftEye Point) ROI {
	side := math.Max(maxX-minX, maxY-minY) * 1.5
	return ROI{
		Centre: Point{(minX + maxX) / 2, (minY + maxY) / 2},
		Size:   side,
		Angle:  math.Atan2(leftEye.Y-rightEye.Y, leftEye.X-rightEye.X),
	}
}

// ROIFromMesh derives the next frame's crop from this frame's mesh, as
// MediaPipe does when tracking: the landmark bounds, rotated by the eye line,
// scaled by 1.5.
func ROIFromMesh(m *Mesh) ROI {
	r, l := m.EyeCentres()
	ang := math.Atan2(l.Y-r.Y, l.X-r.X)
	c, s := math.Cos(-ang), math.Sin(-ang)
	minU, minV, maxU, maxV := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range m.Points {
		u, v := c*p.X-s*p.Y, s*p.X+c*p.Y
		minU, maxU = math.Min(minU, u), math.Max(maxU, u)
		minV, maxV = math.Min(minV, v), math.Max(maxV, v)
	}
	cu, cv := (minU+maxU)/2, (minV+maxV)/2
	// rotate the centre back
	ci, si := math.Cos(ang), math.Sin(ang)
	return ROI{
		Centre: Point{ci*cu - si*cv, si*cu + ci*cv},
		Size:   math.Max(maxU-minU, maxV-minV) * 1.5,
		Angle:  ang,
	}
}

// toImage maps a point in an n×n crop of r back to image pixels.
func (r ROI) toImage(x, y float64, n int) Point {
	s := r.Size / float64(n)
	u, v := (x-float64(n)/2)*s, (y-float64(n)/2)*s
	c, si := math.Cos(r.Angle), math.Sin(r.Angle)
	return Point{r.Centre.X + c*u - si*v, r.Centre.Y + si*u + c*v}
}

// cropRGB samples the n×n crop of r from img bilinearly into dst as
// interleaved RGB in [0,1], zero outside the image. Sample (i,j) is taken
// at the crop's pixel centre (i+0.5, j+0.5).
func cropRGB(dst []float32, img *image.RGBA, r ROI, n int) {
	b := img.Bounds()
	s := r.Size / float64(n)
	c, si := math.Cos(r.Angle), math.Sin(r.Angle)
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			u, v := (float64(i)+0.5-float64(n)/2)*s, (float64(j)+0.5-float64(n)/2)*s
			x := r.Centre.X + c*u - si*v - 0.5
			y := r.Centre.Y + si*u + c*v - 0.5
			o := (j*n + i) * 3
			rr, gg, bb := bilinearRGB(img, b, x, y)
			dst[o], dst[o+1], dst[o+2] = rr/255, gg/255, bb/255
		}
	}
}

// bilinearRGB samples img at pixel-index coordinates (x, y); pixels outside
// the image are black.
func bilinearRGB(img *image.RGBA, b image.Rectangle, x, y float64) (float32, float32, float32) {
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	var acc [3]float32
	for k := 0; k < 4; k++ {
		xx, yy := x0+k&1, y0+k>>1
		w := (1 - fx) * (1 - fy)
		switch k {
		case 1:
			w = fx * (1 - fy)
		case 2:
			w = (1 - fx) * fy
		case 3:
			w = fx * fy
		}
		if w == 0 || xx < b.Min.X || yy < b.Min.Y || xx >= b.Max.X || yy >= b.Max.Y {
			continue
		}
		o := img.PixOffset(xx, yy)
		acc[0] += w * float32(img.Pix[o])
		acc[1] += w * float32(img.Pix[o+1])
		acc[2] += w * float32(img.Pix[o+2])
	}
	return acc[0], acc[1], acc[2]
}
