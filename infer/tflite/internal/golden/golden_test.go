package golden

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testfaces"
)

func TestSpecsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Specs() {
		key := s.Model + "/" + s.Case
		if seen[key] {
			t.Errorf("duplicate case %s", key)
		}
		seen[key] = true
		if len(s.Shape) != 4 || s.Shape[0] != len(s.Rows) || s.Shape[3] != 3 {
			t.Errorf("%s: shape %v does not fit %d rows of RGB", key, s.Shape, len(s.Rows))
		}
		if got, ok := Lookup(s.Model, s.Case); !ok || got.Case != s.Case {
			t.Errorf("Lookup(%s) = %v, %v", key, got, ok)
		}
	}
	if _, ok := Lookup("MobileFaceNet.tflite", "nope"); ok {
		t.Error("Lookup of an unknown case succeeded")
	}
	// Every model has a pattern case that needs no faces.
	for _, m := range []string{"face_detection_short_range.tflite", "face_detection_full_range.tflite", "MobileFaceNet.tflite", "FaceAntiSpoofing.tflite", "face_landmark.tflite"} {
		s, ok := Lookup(m, "pattern")
		if !ok || s.NeedsFaces() {
			t.Errorf("%s: no pattern case without faces (ok=%v)", m, ok)
		}
	}
}

func TestPatternBuild(t *testing.T) {
	ranges := map[Norm][2]float32{NormSigned: {-1, 1}, NormMobileFaceNet: {-1, 1}, NormUnit: {0, 1}}
	for _, s := range Specs() {
		if s.NeedsFaces() {
			continue
		}
		c, err := s.Build("")
		if err != nil {
			t.Fatalf("%s/%s: %v", s.Model, s.Case, err)
		}
		in := c.Inputs[0]
		n := in.Shape[0] * in.Shape[1] * in.Shape[2] * in.Shape[3]
		if len(in.Data) != n {
			t.Fatalf("%s/%s: %d values, want %d", s.Model, s.Case, len(in.Data), n)
		}
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, v := range in.Data {
			lo, hi = min(lo, v), max(hi, v)
		}
		r := ranges[s.Norm]
		wantLo, wantHi := r[0], r[1]
		if lo < wantLo || hi > wantHi || hi-lo < 0.5*(wantHi-wantLo) {
			t.Errorf("%s/%s: values in [%g, %g], want a spread inside [%g, %g]", s.Model, s.Case, lo, hi, wantLo, wantHi)
		}
		again, _ := s.Build("")
		if Hash(again.Inputs[0].Data) != Hash(in.Data) {
			t.Errorf("%s/%s: pattern is not deterministic", s.Model, s.Case)
		}
	}
	// Different seeds differ (the batch-2 pattern has two distinct rows).
	if slices.Equal(PatternPixels(0, 8, 8), PatternPixels(1, 8, 8)) {
		t.Error("pattern seeds 0 and 1 give the same image")
	}
}

// The hashes pin the exact bits of the pattern inputs: if they change, the
// committed golden outputs no longer match their inputs (run make golden).
func TestPatternHashPinned(t *testing.T) {
	s, _ := Lookup("face_detection_short_range.tflite", "pattern")
	c, err := s.Build("")
	if err != nil {
		t.Fatal(err)
	}
	const want = "6269cec1f9ed9851c0c51ac670c6fc0e9ea3e52b5161ffe0c1d84dc850eb0a93"
	if got := Hash(c.Inputs[0].Data); got != want {
		t.Errorf("short-range pattern sha256 = %s, want %s", got, want)
	}
}

func TestNorm(t *testing.T) {
	tests := []struct {
		n       Norm
		v, want float32
	}{
		{NormSigned, 0, -1}, {NormSigned, 255, 1}, {NormSigned, 127.5, 0},
		{NormMobileFaceNet, 127.5, 0}, {NormMobileFaceNet, 255, 127.5 / 128}, {NormMobileFaceNet, 0, -127.5 / 128},
		{NormUnit, 0, 0}, {NormUnit, 255, 1}, {NormUnit, 51, 0.2},
	}
	for _, tt := range tests {
		if got := tt.n.apply(tt.v); got != tt.want {
			t.Errorf("%v.apply(%g) = %g, want %g", tt.n, tt.v, got, tt.want)
		}
	}
}

func TestCropResize(t *testing.T) {
	// A 6x4 image: the centred square is columns 1..4. Red = 10*x, green =
	// 10*y, blue 7.
	img := image.NewRGBA(image.Rect(0, 0, 6, 4))
	for y := range 4 {
		for x := range 6 {
			img.Set(x, y, color.RGBA{uint8(10 * x), uint8(10 * y), 7, 255})
		}
	}
	// Same size: the crop itself.
	px, err := cropResize(img, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	for y := range 4 {
		for x := range 4 {
			i := (y*4 + x) * 3
			if got, want := px[i:i+3], []float32{float32(10 * (x + 1)), float32(10 * y), 7}; !slices.Equal(got, want) {
				t.Errorf("identity resize (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
	// Half size: each output is the mean of a 2x2 block (sample at the
	// block's centre).
	px, err = cropResize(img, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{15, 5, 7, 35, 5, 7, 15, 25, 7, 35, 25, 7}
	if !slices.Equal(px, want) {
		t.Errorf("half-size resize = %v, want %v", px, want)
	}
	// Double size: corners clamp to the edge pixels, inner samples blend.
	px, err = cropResize(img, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	if px[0] != 10 || px[1] != 0 {
		t.Errorf("upscaled corner = %v, want red 10 green 0", px[:3])
	}
	if got := px[3]; got != 12.5 { // dest x=1 -> source 0.25 within the crop
		t.Errorf("upscaled (1,0) red = %g, want 12.5", got)
	}
	if _, err := cropResize(image.NewRGBA(image.Rect(0, 0, 0, 5)), 4, 4); err == nil {
		t.Error("empty image resized without error")
	}
}

func TestFacePixelsErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := FacePixels(filepath.Join(dir, "missing.jpg"), 8, 8); err == nil {
		t.Error("missing file: no error")
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(dir, "trunc.jpg")
	if err := os.WriteFile(trunc, buf.Bytes()[:buf.Len()/2], 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := FacePixels(trunc, 8, 8)
	if err == nil || !strings.Contains(err.Error(), "trunc.jpg") {
		t.Errorf("truncated JPEG: err = %v, want an error naming the file", err)
	}
	good := filepath.Join(dir, "grey.jpg")
	if err := os.WriteFile(good, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	px, err := FacePixels(good, 4, 4)
	if err != nil || len(px) != 48 {
		t.Fatalf("grey JPEG: %d values, err %v", len(px), err)
	}
}

func TestFaceBuild(t *testing.T) {
	dir := testfaces.Dir(t, "dev")
	s, _ := Lookup("MobileFaceNet.tflite", "faces")
	c, err := s.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	row := 112 * 112 * 3
	d := c.Inputs[0].Data
	if len(d) != 2*row || slices.Equal(d[:row], d[row:]) {
		t.Fatalf("faces case: %d values, rows equal: %v", len(d), slices.Equal(d[:row], d[row:]))
	}
	b1, _ := Lookup("MobileFaceNet.tflite", "face_a_b1")
	c1, err := b1.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c1.Inputs[0].Data, d[:row]) {
		t.Error("face_a_b1 differs from row 0 of faces")
	}
	if _, err := s.Build(t.TempDir()); err == nil {
		t.Error("Build with an empty faces folder succeeded")
	}
}

func TestCompare(t *testing.T) {
	want := []float32{0, 1, -100, 5}
	if d := Compare(want, want, RelTol); !d.OK || d.Bad != 0 {
		t.Errorf("identical: %+v", d)
	}
	// Within tolerance: 1e-4*(1+100) = 0.0101 at index 2.
	got := []float32{0.00005, 1, -100.01, 5}
	if d := Compare(got, want, RelTol); !d.OK {
		t.Errorf("within tolerance reported bad: %v", d)
	}
	got = []float32{0, 1, -100.02, 5.01}
	d := Compare(got, want, RelTol)
	if d.OK || d.Bad != 2 || d.Worst != 3 || d.Got != 5.01 || d.Want != 5 {
		t.Errorf("out of tolerance: %+v, want 2 bad, worst index 3", d)
	}
	if !strings.Contains(d.String(), "index 3") {
		t.Errorf("String() = %q, want the worst index", d.String())
	}
	nan := float32(math.NaN())
	if d := Compare([]float32{0, nan}, []float32{0, 1}, RelTol); d.OK || d.Worst != 1 {
		t.Errorf("NaN: %+v", d)
	}
	if d := Compare([]float32{0, 1}, []float32{0, 1, 2}, RelTol); d.OK || d.Worst != 2 {
		t.Errorf("length mismatch: %+v", d)
	}
}

func TestCosine(t *testing.T) {
	a := []float32{1, 2, 3}
	if c := Cosine(a, a); math.Abs(c-1) > 1e-12 {
		t.Errorf("Cosine(a, a) = %g", c)
	}
	if c := Cosine(a, []float32{-1, -2, -3}); math.Abs(c+1) > 1e-12 {
		t.Errorf("Cosine(a, -a) = %g", c)
	}
	if c := Cosine(a, []float32{1, 2}); !math.IsNaN(c) {
		t.Errorf("length mismatch: %g, want NaN", c)
	}
	if c := Cosine(a, []float32{0, 0, 0}); !math.IsNaN(c) {
		t.Errorf("zero vector: %g, want NaN", c)
	}
}

func TestManifestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	data := []float32{1.5, -2, 3.25, 0}
	file := "m.c.out0.f32"
	if err := os.WriteFile(filepath.Join(dir, file), Encode(data), 0o600); err != nil {
		t.Fatal(err)
	}
	m := &Manifest{Format: FileFormat, Cases: []ManifestCase{{
		Model: "m.tflite", Case: "c",
		Inputs:  []ManifestTensor{{Index: 0, Shape: []int{1, 2, 2, 1}, SHA256: Hash(data)}},
		Outputs: []ManifestTensor{{Index: 0, Name: "out", Shape: []int{2, 2}, File: file, SHA256: Hash(data)}},
	}}}
	path := filepath.Join(dir, "manifest.json")
	if err := WriteManifest(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ReadTensor(dir, got.Cases[0].Outputs[0])
	if err != nil || !slices.Equal(v, data) {
		t.Fatalf("ReadTensor = %v, %v; want %v", v, err, data)
	}

	bad := []struct {
		name string
		t    ManifestTensor
		want string
	}{
		{"wrong size", ManifestTensor{Shape: []int{5}, File: file}, "want 20"},
		{"wrong hash", ManifestTensor{Shape: []int{4}, File: file, SHA256: strings.Repeat("0", 64)}, "sha256"},
		{"path escape", ManifestTensor{Shape: []int{4}, File: "../" + file}, "plain file name"},
		{"bad shape", ManifestTensor{Shape: []int{-1, 4}, File: file}, "bad shape"},
		{"huge shape", ManifestTensor{Shape: []int{1 << 20, 1 << 20}, File: file}, "bad shape"},
		{"missing", ManifestTensor{Shape: []int{4}, File: "nope.f32"}, "nope.f32"},
	}
	for _, tt := range bad {
		if _, err := ReadTensor(dir, tt.t); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}

	for name, body := range map[string]string{
		"not json":     "{",
		"wrong format": `{"format":"npy","cases":[]}`,
		"no model":     `{"format":"` + FileFormat + `","cases":[{"case":"x"}]}`,
		"bad shape":    `{"format":"` + FileFormat + `","cases":[{"model":"m","case":"x","inputs":[{"shape":[0]}]}]}`,
	} {
		p := filepath.Join(dir, "bad.json")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadManifest(p); err == nil {
			t.Errorf("ReadManifest(%s) succeeded", name)
		}
	}
}
