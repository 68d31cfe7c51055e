package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testfaces"
)

func TestModelInfoAndBench(t *testing.T) {
	model := testfaces.Model(t, "MobileFaceNet.tflite")
	var out, errb bytes.Buffer
	if err := runModel(context.Background(), []string{"info", model, "--input-shape", "1,112,112,3"}, &out, &errb); err != nil {
		t.Fatalf("model info: %v (%s)", err, errb.String())
	}
	for _, want := range []string{"[1 112 112 3]", "[1 192]", "CONV_2D", "MACs: 234105344"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("model info output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	det := testfaces.Model(t, "face_detection_short_range.tflite")
	if err := runModel(context.Background(), []string{"bench", det, "--runs", "3", "--warmup", "1", "--json"}, &out, &errb); err != nil {
		t.Fatalf("model bench: %v", err)
	}
	var r map[string]any
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("bench JSON: %v: %s", err, out.String())
	}
	for _, k := range []string{"model", "threads", "runs", "median_ms", "min_ms", "max_ms", "allocs_per_run"} {
		if _, ok := r[k]; !ok {
			t.Errorf("bench JSON lacks %q: %s", k, out.String())
		}
	}
	if r["allocs_per_run"].(float64) != 0 || r["median_ms"].(float64) <= 0 || r["runs"].(float64) != 3 {
		t.Errorf("bench JSON values: %s", out.String())
	}
}

func TestModelErrors(t *testing.T) {
	var out, errb bytes.Buffer
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"info"},
		{"info", "a.tflite", "b.tflite"},
		{"bench", "x.tflite", "--runs", "0"},
		{"info", "x.tflite", "--input-shape", "1,a"},
	} {
		if err := runModel(context.Background(), args, &out, &errb); !errors.Is(err, errUsage) {
			t.Errorf("model %q: err = %v, want a usage error", args, err)
		}
	}
	err := runModel(context.Background(), []string{"info", "testdata/no-such-model.tflite"}, &out, &errb)
	if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), "no-such-model.tflite") {
		t.Errorf("missing model: err = %v, want an error naming the file", err)
	}
}
