package infer

// Anchor is the centre of one SSD anchor in normalised [0, 1] input
// coordinates. BlazeFace uses fixed-size anchors (w = h = 1), so the centre
// is all the decoder needs.
type Anchor struct{ X, Y float32 }

// DetectorSpec describes a BlazeFace variant: its input size, how its
// anchors are laid out and how its outputs are scaled
// (MediaPipe SsdAnchorsCalculator and TensorsToDetectionsCalculator options).
type DetectorSpec struct {
	// Name is used in errors and logs.
	Name string
	// Size is the square input side in pixels.
	Size int
	// Strides lists the stride of each anchor layer. Consecutive layers
	// with the same stride share one grid, as in MediaPipe.
	Strides []int
	// PerLayer is the number of anchors each layer adds to a cell: 2 when
	// interpolated_scale_aspect_ratio is set (aspect 1 plus the
	// interpolated one), 1 without it.
	PerLayer int
	// MinScore is the score threshold MediaPipe uses for this model.
	MinScore float32
}

// ShortRange is BlazeFace short-range (face_detection_short_range.tflite):
// 128×128 input, strides [8,16,16,16], 896 anchors. It is built for faces
// within about 2 m of the camera.
var ShortRange = DetectorSpec{Name: "face_detection_short_range", Size: 128, Strides: []int{8, 16, 16, 16}, PerLayer: 2, MinScore: 0.5}

// FullRange is BlazeFace full-range (face_detection_full_range.tflite):
// 192×192 input, one layer at stride 4 with one anchor per cell
// (interpolated_scale_aspect_ratio 0), 48×48 = 2304 anchors
// (mediapipe/modules/face_detection/face_detection_full_range.pbtxt).
var FullRange = DetectorSpec{Name: "face_detection_full_range", Size: 192, Strides: []int{4}, PerLayer: 1, MinScore: 0.6}

// Anchors returns the spec's anchors ordered by layer group, then y, then
// x, then anchor within a cell, which is the order of the model's outputs.
func Anchors(spec DetectorSpec) []Anchor {
	var out []Anchor
	for i := 0; i < len(spec.Strides); {
		stride := spec.Strides[i]
		n := 0
		for i < len(spec.Strides) && spec.Strides[i] == stride {
			n += spec.PerLayer
			i++
		}
		fw := (spec.Size + stride - 1) / stride
		fh := fw
		for y := 0; y < fh; y++ {
			for x := 0; x < fw; x++ {
				c := Anchor{X: (float32(x) + 0.5) / float32(fw), Y: (float32(y) + 0.5) / float32(fh)}
				for k := 0; k < n; k++ {
					out = append(out, c)
				}
			}
		}
	}
	return out
}
