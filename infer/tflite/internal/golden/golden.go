// Package golden defines the fixed inputs on which infer/tflite is compared
// with Google's runtime (LiteRT.js), and the on-disk format of the reference
// outputs in infer/tflite/testdata/golden.
//
// Inputs are regenerated from code instead of being committed: a
// deterministic pattern per model, and real face crops read from the shared
// face folder (face images, and tensors made from them, are never committed).
// Every step is bit-exact across platforms (integer pattern, integer JPEG
// decoding, fixed-point bilinear resize, one rounding per float32 operation),
// so the inputs the tests build are the inputs LiteRT saw; the manifest
// records their sha256 to prove it.
//
// The flow (scripts/golden.sh): cmd/goldeninputs writes the inputs as raw
// little-endian float32 files plus manifest.json into a temporary folder;
// bench/litert/golden.mjs runs LiteRT.js on them and writes the outputs and
// the final manifest.json into testdata/golden; golden_test.go in
// infer/tflite rebuilds the inputs with this package, runs our interpreter
// and compares.
package golden

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// Norm maps an RGB pixel value v in [0, 255] to a model's input range.
type Norm int

const (
	// NormSigned is v/127.5 - 1, in [-1, 1] (BlazeFace short and full range).
	NormSigned Norm = iota
	// NormMobileFaceNet is (v - 127.5)/128 (MobileFaceNet).
	NormMobileFaceNet
	// NormUnit is v/255, in [0, 1] (FaceAntiSpoofing, face_landmark).
	NormUnit
)

// String names the normalisation as its formula.
func (n Norm) String() string {
	switch n {
	case NormSigned:
		return "v/127.5-1"
	case NormMobileFaceNet:
		return "(v-127.5)/128"
	case NormUnit:
		return "v/255"
	}
	return fmt.Sprintf("Norm(%d)", int(n))
}

// apply normalises one pixel value. Each operation is a separate float32
// statement so that no platform fuses it into a multiply-add.
func (n Norm) apply(v float32) float32 {
	switch n {
	case NormSigned:
		q := v / 127.5
		return q - 1
	case NormMobileFaceNet:
		d := v - 127.5
		return d / 128
	default:
		return v / 255
	}
}

// Row is the source of one batch row of an input: a pattern seed, or a face
// image path relative to the faces folder (faces/dev).
type Row struct {
	// Pattern seeds the deterministic pattern when Face is empty.
	Pattern int
	// Face is an image path relative to the faces folder, e.g.
	// "lfw_alvaro_uribe/1.jpg".
	Face string
}

// Spec describes one golden case: a model, an input shape and where each
// batch row comes from. All our models have one NHWC RGB input.
type Spec struct {
	// Model is the file name under models/, e.g. "MobileFaceNet.tflite".
	Model string
	// Case names the case, unique per model.
	Case string
	// Shape is the input shape [N, H, W, 3]; it may differ from the stored
	// shape in its batch dimension.
	Shape []int
	// Norm is the model's input normalisation.
	Norm Norm
	// Rows has one entry per batch row (len(Rows) == Shape[0]).
	Rows []Row
}

// NeedsFaces reports whether building the case reads the faces folder.
func (s Spec) NeedsFaces() bool {
	for _, r := range s.Rows {
		if r.Face != "" {
			return true
		}
	}
	return false
}

// The two fixed face images (colour LFW crops, 150x150, face centred).
const (
	FaceA = "lfw_alvaro_uribe/1.jpg"
	FaceB = "lfw_julianne_moore/1.jpg"
)

// Specs lists every golden case, in manifest order.
func Specs() []Spec {
	var specs []Spec
	three := func(model string, size int, norm Norm) {
		shape := []int{1, size, size, 3}
		specs = append(specs,
			Spec{Model: model, Case: "pattern", Shape: shape, Norm: norm, Rows: []Row{{Pattern: 0}}},
			Spec{Model: model, Case: "face_a", Shape: shape, Norm: norm, Rows: []Row{{Face: FaceA}}},
			Spec{Model: model, Case: "face_b", Shape: shape, Norm: norm, Rows: []Row{{Face: FaceB}}},
		)
	}
	three("face_detection_short_range.tflite", 128, NormSigned)
	three("face_detection_full_range.tflite", 192, NormSigned)
	mfn := "MobileFaceNet.tflite"
	b2 := []int{2, 112, 112, 3}
	b1 := []int{1, 112, 112, 3}
	specs = append(specs,
		Spec{Model: mfn, Case: "pattern", Shape: b2, Norm: NormMobileFaceNet, Rows: []Row{{Pattern: 0}, {Pattern: 1}}},
		Spec{Model: mfn, Case: "faces", Shape: b2, Norm: NormMobileFaceNet, Rows: []Row{{Face: FaceA}, {Face: FaceB}}},
		Spec{Model: mfn, Case: "pattern_b1", Shape: b1, Norm: NormMobileFaceNet, Rows: []Row{{Pattern: 0}}},
		Spec{Model: mfn, Case: "face_a_b1", Shape: b1, Norm: NormMobileFaceNet, Rows: []Row{{Face: FaceA}}},
		Spec{Model: mfn, Case: "face_b_b1", Shape: b1, Norm: NormMobileFaceNet, Rows: []Row{{Face: FaceB}}},
	)
	three("FaceAntiSpoofing.tflite", 256, NormUnit)
	three("face_landmark.tflite", 192, NormUnit)
	return specs
}

// Lookup returns the spec of a model's case.
func Lookup(model, name string) (Spec, bool) {
	for _, s := range Specs() {
		if s.Model == model && s.Case == name {
			return s, true
		}
	}
	return Spec{}, false
}

// Tensor is one input tensor: shape and row-major float32 data.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Case is a built golden case: its spec and its input tensors.
type Case struct {
	Spec
	Inputs []Tensor
}

// Build makes the case's input tensor. facesDir is the faces/dev folder; it
// is only read when the spec has face rows.
func (s Spec) Build(facesDir string) (Case, error) {
	if len(s.Shape) != 4 || s.Shape[3] != 3 || s.Shape[0] != len(s.Rows) || s.Shape[1] <= 0 || s.Shape[2] <= 0 {
		return Case{}, fmt.Errorf("golden: %s/%s: bad shape %v for %d rows", s.Model, s.Case, s.Shape, len(s.Rows))
	}
	h, w := s.Shape[1], s.Shape[2]
	row := h * w * 3
	data := make([]float32, 0, len(s.Rows)*row)
	for _, r := range s.Rows {
		var px []float32
		if r.Face != "" {
			p, err := FacePixels(filepath.Join(facesDir, r.Face), w, h)
			if err != nil {
				return Case{}, fmt.Errorf("golden: %s/%s: %w", s.Model, s.Case, err)
			}
			px = p
		} else {
			px = PatternPixels(r.Pattern, w, h)
		}
		for _, v := range px {
			data = append(data, s.Norm.apply(v))
		}
	}
	return Case{Spec: s, Inputs: []Tensor{{Shape: slices.Clone(s.Shape), Data: data}}}, nil
}

// PatternPixels returns a w×h RGB image (row-major, 3 values per pixel in
// [0, 255]) with a smooth deterministic pattern: the mean of two diagonal
// triangle waves whose phase depends on the channel and the seed. Integer
// arithmetic makes it identical on every platform.
func PatternPixels(seed, w, h int) []float32 {
	tri := func(t int) int { // period 510, range 0..255
		t %= 510
		if t < 0 {
			t += 510
		}
		if t > 255 {
			t = 510 - t
		}
		return t
	}
	px := make([]float32, 0, w*h*3)
	for y := range h {
		for x := range w {
			for c := range 3 {
				a := tri(3*x + 2*y + 40*c + 17*seed)
				b := tri(x - 5*y + 70*c + 29*seed + 100)
				px = append(px, float32(a+b)/2)
			}
		}
	}
	return px
}

// Manifest is manifest.json: the cases and where their tensors are. The
// same type describes the inputs folder written by cmd/goldeninputs (input
// File set, no outputs) and the committed testdata/golden (outputs set,
// input File empty because inputs are rebuilt from Specs).
type Manifest struct {
	// Runtime says what produced the outputs, e.g.
	// "@litertjs/core@2.5.3 litert_wasm_compat_internal.js wasm threads=1".
	Runtime string `json:"runtime,omitempty"`
	// Format describes the tensor files.
	Format string `json:"format"`
	// Cases lists the cases in Specs order.
	Cases []ManifestCase `json:"cases"`
}

// FileFormat is the value of Manifest.Format.
const FileFormat = "raw little-endian float32, row-major, no header"

// ManifestCase is one case of a manifest.
type ManifestCase struct {
	// Model is the file name under models/.
	Model string `json:"model"`
	// Case is the case name (Spec.Case).
	Case string `json:"case"`
	// Faces is true when the inputs are made from face images.
	Faces bool `json:"faces"`
	// Inputs describes the input tensors.
	Inputs []ManifestTensor `json:"inputs"`
	// Outputs describes the reference outputs, in the model's output order.
	Outputs []ManifestTensor `json:"outputs,omitempty"`
	// Note says how the reference runtime was made to run the case when
	// that needed more than loading the stored model (batch override).
	Note string `json:"note,omitempty"`
}

// ManifestTensor describes one tensor file.
type ManifestTensor struct {
	// Index is the tensor's input or output position in the model.
	Index int `json:"index"`
	// Name is the tensor name LiteRT reported (empty for inputs written by
	// cmd/goldeninputs).
	Name string `json:"name,omitempty"`
	// Shape is the tensor's shape.
	Shape []int `json:"shape"`
	// File is the tensor file, relative to the manifest's folder.
	File string `json:"file,omitempty"`
	// SHA256 is the hex sha256 of the tensor's bytes in FileFormat.
	SHA256 string `json:"sha256"`
}

// ReadManifest reads and checks a manifest.json.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("golden: read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("golden: parse manifest %s: %w", path, err)
	}
	if m.Format != FileFormat {
		return nil, fmt.Errorf("golden: manifest %s: format %q, want %q", path, m.Format, FileFormat)
	}
	for i, c := range m.Cases {
		if c.Model == "" || c.Case == "" {
			return nil, fmt.Errorf("golden: manifest %s: case %d has no model or name", path, i)
		}
		for _, t := range append(slices.Clone(c.Inputs), c.Outputs...) {
			if _, err := numElements(t.Shape); err != nil {
				return nil, fmt.Errorf("golden: manifest %s: %s/%s: %w", path, c.Model, c.Case, err)
			}
		}
	}
	return &m, nil
}

// WriteManifest writes m as indented JSON.
func WriteManifest(path string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("golden: encode manifest: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("golden: write manifest: %w", err)
	}
	return nil
}

func numElements(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d <= 0 || d > 1<<24 || n > (1<<28)/d {
			return 0, fmt.Errorf("bad shape %v", shape)
		}
		n *= d
	}
	return n, nil
}

// Encode returns the bytes of v in FileFormat.
func Encode(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// Hash returns the hex sha256 of v in FileFormat.
func Hash(v []float32) string {
	s := sha256.Sum256(Encode(v))
	return hex.EncodeToString(s[:])
}

// ReadTensor reads the file of t (relative to dir), checking its size
// against t.Shape and its sha256 against t.SHA256.
func ReadTensor(dir string, t ManifestTensor) ([]float32, error) {
	n, err := numElements(t.Shape)
	if err != nil {
		return nil, fmt.Errorf("golden: %s: %w", t.File, err)
	}
	if t.File == "" || filepath.IsAbs(t.File) || t.File != filepath.Base(t.File) {
		return nil, fmt.Errorf("golden: tensor file %q must be a plain file name", t.File)
	}
	b, err := os.ReadFile(filepath.Join(dir, t.File))
	if err != nil {
		return nil, fmt.Errorf("golden: %w", err)
	}
	if len(b) != 4*n {
		return nil, fmt.Errorf("golden: %s: %d bytes, want %d for shape %v", t.File, len(b), 4*n, t.Shape)
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	if t.SHA256 != "" {
		if h := Hash(v); h != t.SHA256 {
			return nil, fmt.Errorf("golden: %s: sha256 %s, manifest says %s", t.File, h, t.SHA256)
		}
	}
	return v, nil
}
