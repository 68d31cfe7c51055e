package quantize

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/tflite"
	"github.com/facegate/facegate/internal/testfaces"
)

// TestCalibrator records the ranges of the one-conv model on two inputs
// and checks them against the outputs worked out by hand:
// out[c] = x·w[c] + b[c] with w = (1.27, −0.635), b = (0.5, −0.3).
func TestCalibrator(t *testing.T) {
	b, err := oneConv().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	m, err := tflite.LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCalibrator(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Ranges(RangeMinMax); err == nil {
		t.Error("Ranges before any input: no error")
	}
	// out: channel 0 (-0.77, 0.1825, 1.135, 1.77), channel 1 (0.335,
	// -0.14125, -0.6175, -0.935); then all (0.5, -0.3).
	for _, in := range [][]float32{{-1, -0.25, 0.5, 1}, {0, 0, 0, 0}} {
		if err := c.Add(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Add(context.Background(), []float32{1}); err == nil {
		t.Error("Add with 1 value for a 4-value input: no error")
	}
	for _, tc := range []struct {
		stat    RangeStat
		in, out [2]float32
	}{
		{RangeMinMax, [2]float32{-1, 1}, [2]float32{-0.935, 1.77}},
		{RangeMean, [2]float32{-1, 1}, [2]float32{(-0.935 - 0.3) / 2, (1.77 + 0.5) / 2}},
	} {
		r, err := c.Ranges(tc.stat)
		if err != nil {
			t.Fatal(err)
		}
		if r.Samples != 2 || len(r.Tensors) != 2 {
			t.Errorf("%s: %d samples, %d tensors; want 2 and 2", tc.stat, r.Samples, len(r.Tensors))
		}
		for name, want := range map[string][2]float32{"in": tc.in, "out": tc.out} {
			got := r.Tensors[name]
			if math.Abs(float64(got[0]-want[0])) > 1e-5 || math.Abs(float64(got[1]-want[1])) > 1e-5 {
				t.Errorf("%s: %q range %v, want %v", tc.stat, name, got, want)
			}
		}
	}
	r, _ := c.Ranges(RangeMinMax)
	// channel means over both inputs: in (−1−0.25+0.5+1)/8; out channel 0
	// (−0.77+0.1825+1.135+1.77+4·0.5)/8, channel 1 (0.335−0.14125−0.6175−0.935−4·0.3)/8
	for name, want := range map[string][]float32{"in": {0.03125}, "out": {0.5396875, -0.31984375}} {
		got := r.Means[name]
		if len(got) != len(want) {
			t.Fatalf("means of %q: %v, want %v", name, got, want)
		}
		for k := range want {
			if math.Abs(float64(got[k]-want[k])) > 1e-4 {
				t.Errorf("means of %q: %v, want %v", name, got, want)
			}
		}
	}
	if _, err := c.Ranges("p99"); err == nil {
		t.Error("unknown statistic: no error")
	}
}

// TestCalibrateImagesDetector calibrates BlazeFace on three dev images
// through infer's pipeline: one input per image (each has a face), and a
// range for every activation.
func TestCalibrateImagesDetector(t *testing.T) {
	dev := testfaces.Dir(t, "dev")
	files, err := ImageFiles(dev)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range files[:3] {
		// links, not copies: face images never leave the faces folder
		if err := os.Symlink(f, filepath.Join(dir, filepath.Base(filepath.Dir(f))+"_"+filepath.Base(f))); err != nil {
			t.Fatal(err)
		}
	}
	det := testfaces.Model(t, "face_detection_short_range.tflite")
	emb := testfaces.Model(t, "MobileFaceNet.tflite")
	m, err := tflite.Load(det)
	if err != nil {
		t.Fatal(err)
	}
	kind, err := KindOf(m)
	if err != nil || kind != Detector {
		t.Fatalf("KindOf(BlazeFace) = %q, %v", kind, err)
	}
	c, err := NewCalibrator(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n, err := CalibrateImages(context.Background(), c, m, kind, infer.Config{DetectorModel: det, EmbedderModel: emb}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || c.Samples() < 3 {
		t.Errorf("%d images, %d inputs; want 3 images and at least 3 inputs", n, c.Samples())
	}
	r, err := c.Ranges(RangeMean)
	if err != nil {
		t.Fatal(err)
	}
	g := m.Graph()
	for _, op := range g.Ops {
		for _, ti := range op.Outputs {
			if _, ok := r.Tensors[g.Tensors[ti].Name]; !ok && g.Tensors[ti].Type == tflite.Float32 {
				t.Errorf("no range for %q", g.Tensors[ti].Name)
			}
		}
	}
	if _, err := CalibrateImages(context.Background(), c, m, kind, infer.Config{DetectorModel: det, EmbedderModel: emb}, t.TempDir()); err == nil {
		t.Error("an empty folder: no error")
	}
}
