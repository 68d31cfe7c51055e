// Package synthattack renders synthetic planar presentation attacks: a still
// photo shown as a print or on a screen that is held in front of the camera
// and moves rigidly in 3-D. The clips exercise the liveness cues at scale
// where real attack footage is scarce; they are labelled synthetic wherever
// they are used and are no substitute for recorded attacks.
//
// The geometry is exact: the photo lies on a plane, the plane is rotated and
// translated, and a pinhole camera projects it, so every frame is a
// homography of the photo. Appearance effects (screen gamma, moiré, print
// contrast, sensor noise, JPEG) are approximations.
package synthattack

import (
	"errors"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
)

// Kind is the attack medium.
type Kind string

// Attack media.
const (
	// Print is a paper print: slightly washed-out colours and a white margin.
	Print Kind = "print"
	// Screen is a phone or tablet: gamma change, moiré and a dark bezel.
	Screen Kind = "screen"
)

// Options describe one clip. The zero value of a field means its default.
type Options struct {
	Kind Kind
	// Border shows the medium's edge (paper margin or screen bezel) and the
	// room around it; false extends the photo by mirroring so no straight
	// edge is visible. Mirroring puts half-mirrored copies of the face next
	// to it; Fill avoids that.
	Border bool
	// Fill (with Border false) enlarges the photo until it covers the whole
	// view, as when the attacker holds the print or screen close to the
	// camera; pixels beyond the photo (at extreme poses) repeat its edge.
	Fill bool
	// Frames is the clip length (default 40) at FPS frames per second
	// (default 15; only used to scale the motion).
	Frames int
	FPS    float64
	// Width and Height are the camera frame size (default 640×480).
	Width, Height int
	// Motion scales the rotation amplitudes: 1 is an attacker tilting the
	// medium by up to ~20°; 0.1 is a medium held nearly still.
	Motion float64
	// Seed makes the clip reproducible.
	Seed uint64
}

func (o Options) withDefaults() Options {
	if o.Kind == "" {
		o.Kind = Print
	}
	if o.Frames == 0 {
		o.Frames = 40
	}
	if o.FPS == 0 {
		o.FPS = 15
	}
	if o.Width == 0 {
		o.Width = 640
	}
	if o.Height == 0 {
		o.Height = 480
	}
	if o.Motion == 0 {
		o.Motion = 1
	}
	return o
}

// Validate names a bad option.
func (o Options) Validate() error {
	switch {
	case o.Kind != Print && o.Kind != Screen:
		return fmt.Errorf("synth-attack: kind %q: must be print or screen", o.Kind)
	case o.Frames < 1 || o.Frames > 10000:
		return fmt.Errorf("synth-attack: frames %d: must be 1..10000", o.Frames)
	case o.Width < 32 || o.Height < 32 || o.Width > 4096 || o.Height > 4096:
		return fmt.Errorf("synth-attack: size %dx%d: must be 32..4096 on each side", o.Width, o.Height)
	case o.FPS <= 0 || math.IsNaN(o.FPS):
		return fmt.Errorf("synth-attack: fps %v: must be positive", o.FPS)
	case o.Motion < 0 || o.Motion > 5 || math.IsNaN(o.Motion):
		return fmt.Errorf("synth-attack: motion %v: must be in [0,5]", o.Motion)
	}
	return nil
}

// texture is the photo as linear float RGB with mirrored extension.
type texture struct {
	w, h int
	pix  []float32
}

func newTexture(img image.Image) texture {
	b := img.Bounds()
	t := texture{w: b.Dx(), h: b.Dy(), pix: make([]float32, b.Dx()*b.Dy()*3)}
	for y := 0; y < t.h; y++ {
		for x := 0; x < t.w; x++ {
			r, g, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			o := (y*t.w + x) * 3
			t.pix[o], t.pix[o+1], t.pix[o+2] = float32(r>>8), float32(g>>8), float32(bb>>8)
		}
	}
	return t
}

func clampIdx(i, n int) int { return max(0, min(i, n-1)) }

func mirror(i, n int) int {
	p := 2 * n
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - 1 - i
	}
	return i
}

// at samples the texture bilinearly at pixel-index coordinates, mirroring
// outside the photo.
func (t texture) at(x, y float64, clamp bool) (float32, float32, float32) {
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	var c [3]float32
	for k := 0; k < 4; k++ {
		xx, yy := mirror(x0+k&1, t.w), mirror(y0+k>>1, t.h)
		if clamp {
			xx, yy = clampIdx(x0+k&1, t.w), clampIdx(y0+k>>1, t.h)
		}
		w := [4]float32{(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy}[k]
		o := (yy*t.w + xx) * 3
		c[0] += w * t.pix[o]
		c[1] += w * t.pix[o+1]
		c[2] += w * t.pix[o+2]
	}
	return c[0], c[1], c[2]
}

// Render returns the clip's frames. The same photo, options and seed give
// the same frames.
func Render(photo image.Image, o Options) ([]*image.RGBA, error) {
	o = o.withDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if photo == nil || photo.Bounds().Dx() < 16 || photo.Bounds().Dy() < 16 {
		return nil, errors.New("synth-attack: photo is smaller than 16×16 pixels")
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	tex := newTexture(photo)
	W, H := o.Width, o.Height
	f := 0.95 * float64(W) // focal length in pixels (~56° horizontal view)
	cx, cy := float64(W)/2, float64(H)/2

	// The photo spans 45–70% of the frame width at rest.
	z0 := 400.0 + rng.Float64()*150
	span := (0.45 + 0.25*rng.Float64()) * float64(W)
	if o.Fill && !o.Border {
		// Cover the frame with a margin for the motion: 1.4× the side
		// that needs the larger scale.
		span = 1.4 * math.Max(float64(W), float64(H)*float64(tex.w)/float64(tex.h))
	}
	mmPerTex := span * z0 / f / float64(tex.w) // plane millimetres per photo pixel
	tw, th := float64(tex.w)*mmPerTex, float64(tex.h)*mmPerTex

	// Medium geometry around the photo (mm, plane coordinates centred on the photo).
	var margin float64
	var edgeCol [3]float32
	switch o.Kind {
	case Print:
		margin = (0.04 + 0.08*rng.Float64()) * tw
		w := float32(225 + rng.IntN(25))
		edgeCol = [3]float32{w, w, w - float32(rng.IntN(15))}
	case Screen:
		margin = (0.03 + 0.05*rng.Float64()) * tw
		k := float32(10 + rng.IntN(25))
		edgeCol = [3]float32{k, k, k + 3}
	}
	// Appearance.
	gamma := 1.0
	contrast, offset := 1.0, 0.0
	var moireA, moireFx, moireFy float64
	tint := [3]float64{1, 1, 1}
	if o.Kind == Screen {
		gamma = 0.8 + 0.45*rng.Float64()
		contrast, offset = 0.9+0.2*rng.Float64(), 5+10*rng.Float64()
		if rng.IntN(3) > 0 {
			moireA = 0.03 + 0.06*rng.Float64()
			th := rng.Float64() * math.Pi
			fr := 0.18 + 0.2*rng.Float64() // cycles per output pixel
			moireFx, moireFy = fr*math.Cos(th), fr*math.Sin(th)
		}
		tint = [3]float64{0.95 + 0.05*rng.Float64(), 1, 1.0 + 0.08*rng.Float64()}
	} else {
		contrast, offset = 0.75+0.15*rng.Float64(), 20+20*rng.Float64()
		tint = [3]float64{1.0 + 0.04*rng.Float64(), 1, 0.94 + 0.04*rng.Float64()}
	}
	bg := newBackground(rng, W, H)
	// Tables: the screen's tone curve on a quarter-level grid, and the
	// moiré pattern (fixed on the sensor, so per output pixel).
	var gammaLUT [1021]float64
	for i := range gammaLUT {
		gammaLUT[i] = 255 * math.Pow(float64(i)/1020, gamma)
	}
	var moire []float32
	if moireA > 0 {
		moire = make([]float32, W*H)
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				moire[y*W+x] = float32(1 + moireA*math.Sin(2*math.Pi*(moireFx*(float64(x)+0.5)+moireFy*(float64(y)+0.5))))
			}
		}
	}

	// Motion: smooth tilts (hand rotating the medium) plus hand shake.
	deg := math.Pi / 180
	amp := o.Motion
	aYaw, aPitch, aRoll := amp*(6+14*rng.Float64())*deg, amp*(4+10*rng.Float64())*deg, amp*(2+5*rng.Float64())*deg
	aX, aY, aZ := amp*(10+30*rng.Float64()), amp*(5+20*rng.Float64()), amp*(10+60*rng.Float64())
	fq := func() float64 { return (0.3 + 0.7*rng.Float64()) * 2 * math.Pi } // rad/s
	wYaw, wPitch, wRoll, wX, wY, wZ := fq(), fq(), fq(), fq(), fq(), fq()
	ph := func() float64 { return rng.Float64() * 2 * math.Pi }
	pYaw, pPitch, pRoll, pX, pY, pZ := ph(), ph(), ph(), ph(), ph(), ph()
	base := [3]float64{(rng.Float64() - 0.5) * 0.1 * z0, (rng.Float64() - 0.5) * 0.1 * z0, z0}
	var shake [6]float64
	noise := 1.5 + 2.5*rng.Float64()

	frames := make([]*image.RGBA, o.Frames)
	for n := range frames {
		t := float64(n) / o.FPS
		for i := range shake { // random walk, pulled back to zero
			s := 0.4 * deg
			if i >= 3 {
				s = 1.5
			}
			shake[i] = 0.7*shake[i] + rng.NormFloat64()*s*math.Sqrt(amp+0.05)
		}
		yaw := aYaw*math.Sin(wYaw*t+pYaw) + shake[0]
		pitch := aPitch*math.Sin(wPitch*t+pPitch) + shake[1]
		roll := aRoll*math.Sin(wRoll*t+pRoll) + shake[2]
		T := [3]float64{
			base[0] + aX*math.Sin(wX*t+pX) + shake[3],
			base[1] + aY*math.Sin(wY*t+pY) + shake[4],
			base[2] + aZ*math.Sin(wZ*t+pZ) + shake[5],
		}
		R := rotation(yaw, pitch, roll)
		// Plane (u,v) in mm → image: H = K [r1 r2 T].
		h := [9]float64{
			f*R[0] + cx*R[6], f*R[1] + cx*R[7], f*T[0] + cx*T[2],
			f*R[3] + cy*R[6], f*R[4] + cy*R[7], f*T[1] + cy*T[2],
			R[6], R[7], T[2],
		}
		hi, ok := invert3(h)
		if !ok {
			return nil, errors.New("synth-attack: degenerate pose")
		}
		light := 1 + 0.04*rng.NormFloat64()
		// Shading gradient across the medium (light falls off to one side).
		shx, shy := 0.15*(rng.Float64()-0.5), 0.15*(rng.Float64()-0.5)
		img := image.NewRGBA(image.Rect(0, 0, W, H))
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				wq := hi[6]*px + hi[7]*py + hi[8]
				u := (hi[0]*px + hi[1]*py + hi[2]) / wq
				v := (hi[3]*px + hi[4]*py + hi[5]) / wq
				var c [3]float64
				inPhoto := math.Abs(u) <= tw/2 && math.Abs(v) <= th/2
				inMedium := math.Abs(u) <= tw/2+margin && math.Abs(v) <= th/2+margin
				switch {
				case wq > 0 && (inPhoto || !o.Border):
					r, g, b := tex.at(u/mmPerTex+float64(tex.w)/2-0.5, v/mmPerTex+float64(tex.h)/2-0.5, o.Fill)
					c = [3]float64{float64(r), float64(g), float64(b)}
					for k := range c {
						c[k] = (gammaLUT[int(math.Max(0, math.Min(255, c[k]))*4+0.5)]*contrast + offset) * tint[k]
					}
					if moire != nil {
						m := float64(moire[y*W+x])
						for k := range c {
							c[k] *= m
						}
					}
					sh := 1 + shx*u/tw + shy*v/th
					for k := range c {
						c[k] *= sh
					}
				case wq > 0 && inMedium:
					c = [3]float64{float64(edgeCol[0]), float64(edgeCol[1]), float64(edgeCol[2])}
				default:
					o := (y*W + x) * 3
					c = [3]float64{float64(bg[o]), float64(bg[o+1]), float64(bg[o+2])}
				}
				o := img.PixOffset(x, y)
				for k := 0; k < 3; k++ {
					img.Pix[o+k] = clamp8(c[k]*light + rng.NormFloat64()*noise)
				}
				img.Pix[o+3] = 255
			}
		}
		frames[n] = img
	}
	return frames, nil
}

// newBackground is a room-like backdrop: a lit gradient with soft blobs.
func newBackground(rng *rand.Rand, W, H int) []float32 {
	bg := make([]float32, W*H*3)
	base := [3]float64{60 + 120*rng.Float64(), 60 + 120*rng.Float64(), 60 + 120*rng.Float64()}
	gx, gy := (rng.Float64()-0.5)*80, (rng.Float64()-0.5)*80
	type blob struct{ x, y, r, a float64 }
	blobs := make([]blob, 6)
	for i := range blobs {
		blobs[i] = blob{rng.Float64() * float64(W), rng.Float64() * float64(H), (0.1 + 0.3*rng.Float64()) * float64(W), (rng.Float64() - 0.5) * 80}
	}
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			d := gx*float64(x)/float64(W) + gy*float64(y)/float64(H)
			for _, b := range blobs {
				dx, dy := float64(x)-b.x, float64(y)-b.y
				d += b.a * math.Exp(-(dx*dx+dy*dy)/(2*b.r*b.r))
			}
			o := (y*W + x) * 3
			for k := 0; k < 3; k++ {
				bg[o+k] = float32(base[k] + d)
			}
		}
	}
	return bg
}

func rotation(yaw, pitch, roll float64) [9]float64 {
	cy, sy := math.Cos(yaw), math.Sin(yaw)
	cp, sp := math.Cos(pitch), math.Sin(pitch)
	cr, sr := math.Cos(roll), math.Sin(roll)
	ry := [9]float64{cy, 0, sy, 0, 1, 0, -sy, 0, cy}
	rx := [9]float64{1, 0, 0, 0, cp, -sp, 0, sp, cp}
	rz := [9]float64{cr, -sr, 0, sr, cr, 0, 0, 0, 1}
	return mul(rz, mul(rx, ry))
}

func mul(a, b [9]float64) [9]float64 {
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

func invert3(m [9]float64) ([9]float64, bool) {
	det := m[0]*(m[4]*m[8]-m[5]*m[7]) - m[1]*(m[3]*m[8]-m[5]*m[6]) + m[2]*(m[3]*m[7]-m[4]*m[6])
	if math.Abs(det) < 1e-12 || math.IsNaN(det) {
		return m, false
	}
	return [9]float64{
		(m[4]*m[8] - m[5]*m[7]) / det, (m[2]*m[7] - m[1]*m[8]) / det, (m[1]*m[5] - m[2]*m[4]) / det,
		(m[5]*m[6] - m[3]*m[8]) / det, (m[0]*m[8] - m[2]*m[6]) / det, (m[2]*m[3] - m[0]*m[5]) / det,
		(m[3]*m[7] - m[4]*m[6]) / det, (m[1]*m[6] - m[0]*m[7]) / det, (m[0]*m[4] - m[1]*m[3]) / det,
	}, true
}

func clamp8(v float64) uint8 {
	switch {
	case v <= 0 || math.IsNaN(v):
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}
