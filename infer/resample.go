package infer

import (
	"image"
	"math"
)

// Affine maps destination pixel indices (x, y) to source pixel indices:
// sx = M[0]·x + M[1]·y + M[2], sy = M[3]·x + M[4]·y + M[5]. This is the
// inverse map cv2.warpAffine applies with WARP_INVERSE_MAP.
type Affine [6]float64

// Apply maps (x, y) through m.
func (m Affine) Apply(x, y float64) (float64, float64) {
	return m[0]*x + m[1]*y + m[2], m[3]*x + m[4]*y + m[5]
}

// Invert returns the inverse map; ok is false when m is singular.
func (m Affine) Invert() (inv Affine, ok bool) {
	det := m[0]*m[4] - m[1]*m[3]
	if det == 0 || math.IsNaN(det) || math.IsInf(det, 0) {
		return Affine{}, false
	}
	a, b, c, d := m[4]/det, -m[1]/det, -m[3]/det, m[0]/det
	return Affine{a, b, -(a*m[2] + b*m[5]), c, d, -(c*m[2] + d*m[5])}, true
}

// plane is an RGB float32 image (values 0..255), interleaved.
type plane struct {
	w, h int
	pix  []float32
}

// sampler resamples one source image bilinearly, with a 2×2 box-filter
// pyramid for antialiasing when a warp shrinks the image by 2× or more. Its
// buffers are reused between frames.
type sampler struct {
	src    *image.RGBA
	levels []plane // levels[0] is src as float; levels[k] is 2^k smaller
	built  int     // number of valid levels
	// NoAA disables the pyramid (plain bilinear at any scale).
	NoAA bool
}

// reset points the sampler at a new source image.
func (s *sampler) reset(src *image.RGBA) {
	s.src = src
	s.built = 0
}

// level returns pyramid level k (0 = full resolution), building it if needed.
func (s *sampler) level(k int) *plane {
	for s.built <= k {
		i := s.built
		if i >= len(s.levels) {
			s.levels = append(s.levels, plane{})
		}
		p := &s.levels[i]
		if i == 0 {
			b := s.src.Rect
			p.w, p.h = b.Dx(), b.Dy()
			p.pix = grow(p.pix, p.w*p.h*3)
			for y := 0; y < p.h; y++ {
				row := s.src.Pix[s.src.PixOffset(b.Min.X, b.Min.Y+y):]
				o := p.pix[y*p.w*3:]
				for x := 0; x < p.w; x++ {
					o[3*x] = float32(row[4*x])
					o[3*x+1] = float32(row[4*x+1])
					o[3*x+2] = float32(row[4*x+2])
				}
			}
		} else {
			q := &s.levels[i-1]
			p.w, p.h = q.w/2, q.h/2
			p.pix = grow(p.pix, p.w*p.h*3)
			for y := 0; y < p.h; y++ {
				r0 := q.pix[(2*y)*q.w*3:]
				r1 := q.pix[(2*y+1)*q.w*3:]
				o := p.pix[y*p.w*3:]
				for x := 0; x < p.w; x++ {
					for c := 0; c < 3; c++ {
						o[3*x+c] = 0.25 * (r0[6*x+c] + r0[6*x+3+c] + r1[6*x+c] + r1[6*x+3+c])
					}
				}
			}
		}
		s.built++
	}
	return &s.levels[k]
}

// warp fills dst (dw×dh RGB, values 0..255) by sampling the source at m(x, y)
// with bilinear interpolation and zeros outside the image (cv2.warpAffine,
// INTER_LINEAR, BORDER_CONSTANT 0). When m shrinks by 2× or more it samples
// the pyramid level that leaves a shrink in [1, 2).
func (s *sampler) warp(dst []float32, dw, dh int, m Affine) {
	k := 0
	if !s.NoAA {
		scale := math.Sqrt(math.Abs(m[0]*m[4] - m[1]*m[3]))
		if scale >= 2 {
			k = int(math.Floor(math.Log2(scale)))
		}
	}
	// Stay on levels that still have at least 2×2 pixels.
	w, h := s.src.Rect.Dx(), s.src.Rect.Dy()
	for k > 0 && (w>>k < 2 || h>>k < 2) {
		k--
	}
	p := s.level(k)
	if k > 0 {
		f := math.Ldexp(1, -k)
		m = Affine{m[0] * f, m[1] * f, (m[2]+0.5)*f - 0.5, m[3] * f, m[4] * f, (m[5]+0.5)*f - 0.5}
	}
	bilinear(dst, dw, dh, p, m)
}

func bilinear(dst []float32, dw, dh int, p *plane, m Affine) {
	w, h := p.w, p.h
	for y := 0; y < dh; y++ {
		fy := float64(y)
		sx := m[1]*fy + m[2]
		sy := m[4]*fy + m[5]
		for x := 0; x < dw; x++ {
			X := sx + m[0]*float64(x)
			Y := sy + m[3]*float64(x)
			o := dst[(y*dw+x)*3 : (y*dw+x)*3+3]
			x0f, y0f := math.Floor(X), math.Floor(Y)
			if !(x0f >= -1 && x0f < float64(w) && y0f >= -1 && y0f < float64(h)) {
				o[0], o[1], o[2] = 0, 0, 0
				continue
			}
			x0, y0 := int(x0f), int(y0f)
			ax, ay := float32(X-x0f), float32(Y-y0f)
			var r, g, b float32
			add := func(xi, yi int, wt float32) {
				if xi < 0 || yi < 0 || xi >= w || yi >= h || wt == 0 {
					return
				}
				q := p.pix[(yi*w+xi)*3:]
				r += wt * q[0]
				g += wt * q[1]
				b += wt * q[2]
			}
			add(x0, y0, (1-ax)*(1-ay))
			add(x0+1, y0, ax*(1-ay))
			add(x0, y0+1, (1-ax)*ay)
			add(x0+1, y0+1, ax*ay)
			o[0], o[1], o[2] = r, g, b
		}
	}
}

// grow returns a slice of length n, reusing buf's storage when it is large
// enough.
func grow(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]float32, n)
}

// toRGBA writes an RGB float plane (0..255) into an RGBA image of the same
// size, rounding and clamping.
func toRGBA(dst *image.RGBA, src []float32, w, h int) {
	for y := 0; y < h; y++ {
		row := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			s := src[(y*w+x)*3:]
			row[4*x] = clamp8(s[0])
			row[4*x+1] = clamp8(s[1])
			row[4*x+2] = clamp8(s[2])
			row[4*x+3] = 255
		}
	}
}

func clamp8(v float32) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}
