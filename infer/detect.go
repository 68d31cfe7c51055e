package infer

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"math"
	"slices"
)

// Net is the part of a model interpreter the detector and embedder use: one
// float32 input to fill, float32 outputs to read, and Invoke. TFLiteNet
// adapts an infer/tflite interpreter; tests use fakes.
type Net interface {
	// Input returns the input tensor's data, to be written before Invoke.
	Input() []float32
	// Output returns output i's data after Invoke.
	Output(i int) []float32
	// Invoke runs the model.
	Invoke(ctx context.Context) error
}

// Rect is an axis-aligned box in pixels (continuous coordinates).
type Rect struct{ X0, Y0, X1, Y1 float32 }

// W is the box width.
func (r Rect) W() float32 { return r.X1 - r.X0 }

// H is the box height.
func (r Rect) H() float32 { return r.Y1 - r.Y0 }

// Area is W·H, or 0 for an empty box.
func (r Rect) Area() float32 {
	if r.X1 <= r.X0 || r.Y1 <= r.Y0 {
		return 0
	}
	return r.W() * r.H()
}

// Centre is the middle of the box.
func (r Rect) Centre() Point { return Point{(r.X0 + r.X1) / 2, (r.Y0 + r.Y1) / 2} }

// IoU is the intersection over union of two boxes (0 when both are empty).
func IoU(a, b Rect) float32 {
	ix := Rect{max(a.X0, b.X0), max(a.Y0, b.Y0), min(a.X1, b.X1), min(a.Y1, b.Y1)}
	in := ix.Area()
	u := a.Area() + b.Area() - in
	if u <= 0 {
		return 0
	}
	return in / u
}

// Keypoint indices in Detection.Keypoints (BlazeFace order; "right" is the
// person's right, which is on the image's left for a face looking at the
// camera).
const (
	RightEye = iota
	LeftEye
	NoseTip
	MouthCentre
	RightEar
	LeftEar
)

// Detection is one face found by BlazeFace, in image pixels.
type Detection struct {
	Box       Rect
	Keypoints [6]Point
	// Score is the detector's confidence in [0, 1].
	Score float32
}

// EyeDistance is the distance between the eye keypoints in pixels.
func (d Detection) EyeDistance() float32 {
	dx := d.Keypoints[LeftEye].X - d.Keypoints[RightEye].X
	dy := d.Keypoints[LeftEye].Y - d.Keypoints[RightEye].Y
	return float32(math.Hypot(float64(dx), float64(dy)))
}

// decode appends to out every anchor whose score passes threshold, with the
// box and keypoints in normalised [0, 1] input coordinates
// (TensorsToDetectionsCalculator: reverse_output_order, scales = size).
func decode(out []Detection, reg, cls []float32, anchors []Anchor, size int, threshold float32) []Detection {
	s := 1 / float32(size)
	for i, a := range anchors {
		raw := cls[i]
		raw = min(max(raw, -100), 100)
		score := float32(1 / (1 + math.Exp(-float64(raw))))
		if !(score >= threshold) {
			continue
		}
		r := reg[i*16 : i*16+16]
		xc, yc := r[0]*s+a.X, r[1]*s+a.Y
		w, h := r[2]*s, r[3]*s
		d := Detection{Box: Rect{xc - w/2, yc - h/2, xc + w/2, yc + h/2}, Score: score}
		for k := 0; k < 6; k++ {
			d.Keypoints[k] = Point{r[4+2*k]*s + a.X, r[5+2*k]*s + a.Y}
		}
		out = append(out, d)
	}
	return out
}

// weightedNMS merges overlapping detections as MediaPipe's WEIGHTED
// non-maximum suppression does: the highest-scoring remaining detection and
// every remaining one whose IoU with it exceeds iou are replaced by their
// score-weighted average box and keypoints, keeping the top score. dets is
// reordered; the result is appended to out.
func weightedNMS(out, dets []Detection, iou float32) []Detection {
	slices.SortStableFunc(dets, func(a, b Detection) int { return cmp.Compare(b.Score, a.Score) })
	rest := dets
	for len(rest) > 0 {
		top := rest[0]
		var sum float32
		var acc Detection
		n := 0
		for i, d := range rest {
			if i == 0 || IoU(top.Box, d.Box) > iou {
				w := d.Score
				sum += w
				acc.Box.X0 += w * d.Box.X0
				acc.Box.Y0 += w * d.Box.Y0
				acc.Box.X1 += w * d.Box.X1
				acc.Box.Y1 += w * d.Box.Y1
				for k := range acc.Keypoints {
					acc.Keypoints[k].X += w * d.Keypoints[k].X
					acc.Keypoints[k].Y += w * d.Keypoints[k].Y
				}
				continue
			}
			rest[n] = d
			n++
		}
		if sum > 0 {
			inv := 1 / sum
			acc.Box = Rect{acc.Box.X0 * inv, acc.Box.Y0 * inv, acc.Box.X1 * inv, acc.Box.Y1 * inv}
			for k := range acc.Keypoints {
				acc.Keypoints[k].X *= inv
				acc.Keypoints[k].Y *= inv
			}
		} else {
			acc = top
		}
		acc.Score = top.Score
		out = append(out, acc)
		// The survivors were compacted to the front of rest, in score order.
		rest = rest[:n]
	}
	return out
}

// Detector runs a BlazeFace model on images. It is not safe for concurrent
// use; create one per goroutine (models can be shared).
type Detector struct {
	net       Net
	spec      DetectorSpec
	anchors   []Anchor
	threshold float32
	// IoU is the NMS overlap threshold (MediaPipe: 0.3).
	iou float32

	s      sampler
	pix    []float32
	raw    []Detection
	merged []Detection
}

// NewDetector wraps net, which must be the model spec describes. threshold
// is the minimum score (0 means the spec's default).
func NewDetector(net Net, spec DetectorSpec, threshold float32) (*Detector, error) {
	anchors := Anchors(spec)
	if got, want := len(net.Input()), spec.Size*spec.Size*3; got != want {
		return nil, fmt.Errorf("detector %s: input has %d values, want %d (1×%d×%d×3)", spec.Name, got, want, spec.Size, spec.Size)
	}
	if got, want := len(net.Output(0)), len(anchors)*16; got != want {
		return nil, fmt.Errorf("detector %s: regressor output has %d values, want %d (%d anchors × 16)", spec.Name, got, want, len(anchors))
	}
	if got, want := len(net.Output(1)), len(anchors); got != want {
		return nil, fmt.Errorf("detector %s: score output has %d values, want %d", spec.Name, got, want)
	}
	if threshold == 0 {
		threshold = spec.MinScore
	}
	if !(threshold > 0 && threshold < 1) {
		return nil, fmt.Errorf("detector %s: score threshold %v must be in (0, 1)", spec.Name, threshold)
	}
	return &Detector{net: net, spec: spec, anchors: anchors, threshold: threshold, iou: 0.3,
		pix: make([]float32, spec.Size*spec.Size*3)}, nil
}

// Spec returns the detector's model description.
func (d *Detector) Spec() DetectorSpec { return d.spec }

// Detect finds faces in img. The returned slice is reused by the next call.
func (d *Detector) Detect(ctx context.Context, img *image.RGBA) ([]Detection, error) {
	d.s.reset(img)
	b := img.Rect
	return d.detectRegion(ctx, &d.s, Rect{0, 0, float32(b.Dx()), float32(b.Dy())})
}

// detectRegion letterboxes the region of the sampler's image (which may
// extend past the image; the outside is black) into the model input, runs
// it, and returns the merged detections in image pixels.
func (d *Detector) detectRegion(ctx context.Context, s *sampler, region Rect) ([]Detection, error) {
	size := float64(d.spec.Size)
	L := float64(max(region.W(), region.H()))
	if !(L > 0) {
		return d.merged[:0], nil
	}
	cx, cy := float64(region.X0+region.X1)/2, float64(region.Y0+region.Y1)/2
	f := L / size
	// Tensor pixel u's centre (u+0.5) sits at cx + (u+0.5−size/2)·f;
	// the sampler wants pixel indices, hence −0.5.
	m := Affine{f, 0, cx + (0.5-size/2)*f - 0.5, 0, f, cy + (0.5-size/2)*f - 0.5}
	s.warp(d.pix, d.spec.Size, d.spec.Size, m)
	in := d.net.Input()
	for i, v := range d.pix {
		in[i] = v/127.5 - 1
	}
	if err := d.net.Invoke(ctx); err != nil {
		return nil, fmt.Errorf("detector %s: %w", d.spec.Name, err)
	}
	d.raw = decode(d.raw[:0], d.net.Output(0), d.net.Output(1), d.anchors, d.spec.Size, d.threshold)
	d.merged = weightedNMS(d.merged[:0], d.raw, d.iou)
	fl := float32(L)
	ox, oy := float32(cx)-fl/2, float32(cy)-fl/2
	for i := range d.merged {
		det := &d.merged[i]
		det.Box = Rect{ox + det.Box.X0*fl, oy + det.Box.Y0*fl, ox + det.Box.X1*fl, oy + det.Box.Y1*fl}
		for k := range det.Keypoints {
			det.Keypoints[k] = Point{ox + det.Keypoints[k].X*fl, oy + det.Keypoints[k].Y*fl}
		}
	}
	return d.merged, nil
}
