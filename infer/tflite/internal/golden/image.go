package golden

import (
	"fmt"
	"image"
	"image/jpeg"
	"os"
)

// FacePixels decodes the JPEG at path, crops the centred square and resizes
// it to w×h with bilinear interpolation, returning RGB values in [0, 255]
// (row-major, 3 per pixel). Grey images give three equal channels.
//
// The resize samples at pixel centres (source = (d+0.5)·S/D − 0.5, clamped
// to the image) in 16.16 fixed point, and the result has one rounding to
// float32, so every platform gets the same bits.
func FacePixels(path string, w, h int) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("face image: %w", err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("face image %s: decode JPEG: %w", path, err)
	}
	return cropResize(img, w, h)
}

// cropResize is FacePixels after decoding.
func cropResize(img image.Image, w, h int) ([]float32, error) {
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	if side <= 0 || w <= 0 || h <= 0 {
		return nil, fmt.Errorf("face image: cannot resize %dx%d to %dx%d", b.Dx(), b.Dy(), w, h)
	}
	x0 := b.Min.X + (b.Dx()-side)/2
	y0 := b.Min.Y + (b.Dy()-side)/2
	// The crop as 8-bit RGB.
	src := make([]int64, side*side*3)
	for y := range side {
		for x := range side {
			r, g, bl, _ := img.At(x0+x, y0+y).RGBA()
			i := (y*side + x) * 3
			src[i], src[i+1], src[i+2] = int64(r>>8), int64(g>>8), int64(bl>>8)
		}
	}
	xs := samples(side, w)
	ys := samples(side, h)
	const one = 1 << 16
	px := make([]float32, 0, w*h*3)
	for _, sy := range ys {
		for _, sx := range xs {
			for c := range 3 {
				p00 := src[(sy.i0*side+sx.i0)*3+c]
				p01 := src[(sy.i0*side+sx.i1)*3+c]
				p10 := src[(sy.i1*side+sx.i0)*3+c]
				p11 := src[(sy.i1*side+sx.i1)*3+c]
				top := p00*(one-sx.f) + p01*sx.f
				bot := p10*(one-sx.f) + p11*sx.f
				sum := top*(one-sy.f) + bot*sy.f // value · 2^32, < 2^40
				px = append(px, float32(float64(sum)/(1<<32)))
			}
		}
	}
	return px, nil
}

// sample is one bilinear tap pair along an axis: indices i0, i1 and the
// 16.16 fixed-point weight f of i1.
type sample struct {
	i0, i1 int
	f      int64
}

// samples maps n destination positions onto a source axis of size s.
func samples(s, n int) []sample {
	out := make([]sample, n)
	maxPos := int64(s-1) << 16
	for d := range n {
		pos := int64(2*d+1)*int64(s)*(1<<16)/int64(2*n) - (1 << 15)
		pos = max(0, min(pos, maxPos))
		i0 := int(pos >> 16)
		out[d] = sample{i0: i0, i1: min(i0+1, s-1), f: pos & 0xffff}
	}
	return out
}
