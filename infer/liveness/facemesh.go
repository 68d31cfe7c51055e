package liveness

import (
	"context"
	"fmt"
	"image"
	"math"

	"github.com/facegate/facegate/infer/tflite"
)

// meshInput is the side of the FaceMesh model's square input.
const meshInput = 192

// FaceMesh runs MediaPipe's face_landmark.tflite (468 landmarks) on a
// rotated square crop of a frame. It is not safe for concurrent use; create
// one per goroutine (the *tflite.Model may be shared).
type FaceMesh struct {
	ip       *tflite.Interpreter
	in       []float32
	points   []float32
	presence []float32
}

// NewFaceMesh checks that m has FaceMesh's shapes (input [1,192,192,3];
// outputs of 1404 landmark values and 1 presence logit) and prepares an
// interpreter for it.
func NewFaceMesh(m *tflite.Model, opts tflite.Options) (*FaceMesh, error) {
	ip, err := tflite.NewInterpreter(m, opts)
	if err != nil {
		return nil, fmt.Errorf("face mesh: %w", err)
	}
	if ip.NumInputs() != 1 {
		return nil, fmt.Errorf("face mesh: model has %d inputs, want 1", ip.NumInputs())
	}
	fm := &FaceMesh{ip: ip, in: ip.Input(0).Float32s()}
	if len(fm.in) != meshInput*meshInput*3 {
		return nil, fmt.Errorf("face mesh: input shape %v, want [1 %d %d 3]", ip.Input(0).Shape(), meshInput, meshInput)
	}
	for i := 0; i < ip.NumOutputs(); i++ {
		switch o := ip.Output(i).Float32s(); len(o) {
		case NumLandmarks * 3:
			fm.points = o
		case 1:
			if fm.presence == nil {
				fm.presence = o
			}
		}
	}
	if fm.points == nil || fm.presence == nil {
		return nil, fmt.Errorf("face mesh: outputs lack a %d-value landmark tensor and a 1-value presence tensor (not face_landmark.tflite?)", NumLandmarks*3)
	}
	return fm, nil
}

// Close releases the interpreter's worker goroutines.
func (f *FaceMesh) Close() { f.ip.Close() }

// Run computes the mesh of the face in roi of img and maps it to image
// pixels (continuous coordinates: pixel (i,j) covers [i,i+1)×[j,j+1)).
// The returned mesh is freshly allocated.
func (f *FaceMesh) Run(ctx context.Context, img *image.RGBA, roi ROI) (*Mesh, error) {
	if !(roi.Size > 1) || math.IsNaN(roi.Centre.X) || math.IsNaN(roi.Centre.Y) || math.IsNaN(roi.Angle) {
		return nil, fmt.Errorf("face mesh: invalid crop %+v", roi)
	}
	cropRGB(f.in, img, roi, meshInput)
	if err := f.ip.Invoke(ctx); err != nil {
		return nil, fmt.Errorf("face mesh: %w", err)
	}
	m := &Mesh{Points: make([]Point, NumLandmarks), Z: make([]float64, NumLandmarks)}
	scale := roi.Size / meshInput
	for i := 0; i < NumLandmarks; i++ {
		x, y, z := float64(f.points[3*i]), float64(f.points[3*i+1]), float64(f.points[3*i+2])
		m.Points[i] = roi.toImage(x, y, meshInput)
		m.Z[i] = z * scale
	}
	m.Presence = 1 / (1 + math.Exp(-float64(f.presence[0])))
	return m, nil
}

// Refine runs the mesh on roi, then n more times on the crop derived from
// the previous mesh, and returns the last mesh. A crop built from a face
// detection is smaller than the one the mesh settles on when tracking, and
// the landmarks shift by several percent of the eye distance until the crop
// converges (measured: 11%, 3.6%, 1.2%, 0.7% of the IOD on successive
// passes); feeding those first meshes to the planarity cue made prints look
// 3-D. Call it with n = 3 when a track starts from a detection.
func (f *FaceMesh) Refine(ctx context.Context, img *image.RGBA, roi ROI, n int) (*Mesh, error) {
	m, err := f.Run(ctx, img, roi)
	for i := 0; i < n && err == nil && m.Presence >= 0.5; i++ {
		m, err = f.Run(ctx, img, ROIFromMesh(m))
	}
	return m, err
}
