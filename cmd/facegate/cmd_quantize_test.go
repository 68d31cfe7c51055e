package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/infer/tflite"
	"github.com/facegate/facegate/internal/testfaces"
)

func TestModelQuantizeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"quantize"},
		{"quantize", "in.tflite"},
		{"quantize", "in.tflite", "-o", "out.tflite"},
		{"quantize", "in.tflite", "-o", "out.tflite", "--ranges", "r.json", "--calib", "dir"},
		{"quantize", "a.tflite", "b.tflite", "-o", "out.tflite", "--ranges", "r.json"},
	} {
		var out, errb bytes.Buffer
		err := runModel(context.Background(), args, &out, &errb)
		if !errors.Is(err, errUsage) {
			t.Errorf("model %v: error %v, want a usage error", args, err)
		}
	}
}

// TestModelQuantizeRanges writes the int8 detector from the committed
// ranges twice (same bytes) and loads it; a ranges file of another model
// is refused with a message naming it.
func TestModelQuantizeRanges(t *testing.T) {
	det := testfaces.Model(t, "face_detection_short_range.tflite")
	ranges := filepath.Join("..", "..", "infer", "quantize", "ranges", "face_detection_short_range.json")
	dir := t.TempDir()
	var files [2][]byte
	for i := range files {
		out := filepath.Join(dir, "det-int8.tflite")
		var o, e bytes.Buffer
		if err := runModel(context.Background(), []string{"quantize", det, "-o", out, "--ranges", ranges, "--per-channel", "--float-heads"}, &o, &e); err != nil {
			t.Fatalf("model quantize: %v (%s)", err, e.String())
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = b
		if _, err := tflite.LoadBytes(b); err != nil {
			t.Fatalf("load the int8 model: %v", err)
		}
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two runs wrote different bytes")
	}
	mfnRanges := filepath.Join("..", "..", "infer", "quantize", "ranges", "MobileFaceNet.json")
	var o, e bytes.Buffer
	err := runModel(context.Background(), []string{"quantize", det, "-o", filepath.Join(dir, "x.tflite"), "--ranges", mfnRanges}, &o, &e)
	if err == nil || !strings.Contains(err.Error(), "MobileFaceNet.tflite") {
		t.Errorf("quantizing BlazeFace with MobileFaceNet's ranges: error %v, want one naming the ranges' model", err)
	}
}
