package infer

import (
	"errors"
	"math"
)

// CropSize is the side of the aligned face crop MobileFaceNet takes.
const CropSize = 112

// Point is an image position in pixels (continuous coordinates, see the
// package comment).
type Point struct{ X, Y float32 }

// ArcFaceTemplate is where the right eye, left eye, nose tip and mouth
// centre go in the 112×112 crop (pixel-index convention). The first three
// are the standard ArcFace 5-point template; the mouth centre is the mean of
// its two mouth corners (41.5493, 92.3655) and (70.7299, 92.2041).
var ArcFaceTemplate = [4][2]float64{
	{38.2946, 51.6963},
	{73.5318, 51.5014},
	{56.0252, 71.7366},
	{56.1396, 92.2848},
}

// errDegenerate reports keypoints that do not define a transform.
var errDegenerate = errors.New("keypoints are degenerate (all in one place)")

// Similarity is the least-squares similarity transform (rotation, uniform
// scale, translation; no reflection) that maps src onto dst: the Umeyama
// (1991) estimate, which in 2-D has the closed form below. It returns the
// forward map src→dst.
func Similarity(src, dst [][2]float64) (Affine, error) {
	n := len(src)
	if n < 2 || len(dst) != n {
		return Affine{}, errors.New("similarity: need two or more point pairs")
	}
	var msx, msy, mdx, mdy float64
	for i := range src {
		msx += src[i][0]
		msy += src[i][1]
		mdx += dst[i][0]
		mdy += dst[i][1]
	}
	fn := float64(n)
	msx, msy, mdx, mdy = msx/fn, msy/fn, mdx/fn, mdy/fn
	var ss, a, b float64
	for i := range src {
		sx, sy := src[i][0]-msx, src[i][1]-msy
		dx, dy := dst[i][0]-mdx, dst[i][1]-mdy
		ss += sx*sx + sy*sy
		a += sx*dx + sy*dy
		b += sx*dy - sy*dx
	}
	if ss < 1e-12 || math.IsNaN(ss) || math.IsInf(ss, 0) {
		return Affine{}, errDegenerate
	}
	a, b = a/ss, b/ss // a = c·cosθ, b = c·sinθ
	return Affine{a, -b, mdx - (a*msx - b*msy), b, a, mdy - (b*msx + a*msy)}, nil
}

// AlignMap returns the map from 112×112 crop pixels to source pixels that
// puts the face with keypoints kp (BlazeFace order, continuous coordinates)
// onto ArcFaceTemplate.
func AlignMap(kp [6]Point) (Affine, error) {
	src := make([][2]float64, 4)
	dst := make([][2]float64, 4)
	for i := 0; i < 4; i++ {
		src[i] = [2]float64{float64(kp[i].X) - 0.5, float64(kp[i].Y) - 0.5}
		dst[i] = ArcFaceTemplate[i]
	}
	fwd, err := Similarity(src, dst)
	if err != nil {
		return Affine{}, err
	}
	inv, ok := fwd.Invert()
	if !ok {
		return Affine{}, errDegenerate
	}
	return inv, nil
}

// SquareCropMap returns the map from 112×112 crop pixels to source pixels
// for the naive crop: the box's short side is grown about its centre to a
// square, the square is shifted back inside the w×h image, and it is scaled
// to the crop with no margin and no rotation (what the app these models
// come from does).
func SquareCropMap(box Rect, w, h int) Affine {
	cx, cy := float64(box.X0+box.X1)/2, float64(box.Y0+box.Y1)/2
	side := math.Max(float64(box.X1-box.X0), float64(box.Y1-box.Y0))
	side = math.Min(side, math.Min(float64(w), float64(h)))
	if side < 1 {
		side = 1
	}
	x0 := math.Min(math.Max(cx-side/2, 0), float64(w)-side)
	y0 := math.Min(math.Max(cy-side/2, 0), float64(h)-side)
	return scaleMap(x0, y0, side, side, CropSize, CropSize)
}

// CentreSquareMap maps the crop onto the centre square of side min(w, h):
// the fallback when no face is detected.
func CentreSquareMap(w, h int) Affine {
	side := math.Min(float64(w), float64(h))
	return scaleMap((float64(w)-side)/2, (float64(h)-side)/2, side, side, CropSize, CropSize)
}

// scaleMap maps a dw×dh destination onto the source rectangle at (x0, y0)
// of size sw×sh (continuous coordinates), pixel centres onto pixel centres.
func scaleMap(x0, y0, sw, sh float64, dw, dh int) Affine {
	fx, fy := sw/float64(dw), sh/float64(dh)
	return Affine{fx, 0, x0 + 0.5*fx - 0.5, 0, fy, y0 + 0.5*fy - 0.5}
}

// AlignMap3 is AlignMap with only the eyes and the mouth centre (no nose
// tip), which keeps a turned head's nose from pulling the crop sideways.
func AlignMap3(kp [6]Point) (Affine, error) {
	idx := []int{RightEye, LeftEye, MouthCentre}
	src := make([][2]float64, 3)
	dst := make([][2]float64, 3)
	for i, k := range idx {
		src[i] = [2]float64{float64(kp[k].X) - 0.5, float64(kp[k].Y) - 0.5}
		dst[i] = ArcFaceTemplate[k]
	}
	fwd, err := Similarity(src, dst)
	if err != nil {
		return Affine{}, err
	}
	inv, ok := fwd.Invert()
	if !ok {
		return Affine{}, errDegenerate
	}
	return inv, nil
}
