package tflite

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// FuzzLoadBytes feeds arbitrary bytes to the model parser: it must return a
// model or an error, never panic, and a model that loads must plan and run
// (with caps on activation memory and work) without crashing.
func FuzzLoadBytes(f *testing.F) {
	_, file, _, _ := runtime.Caller(0)
	models := filepath.Join(filepath.Dir(file), "..", "..", "models")
	for _, name := range []string{"face_detection_short_range.tflite", "face_landmark.tflite"} {
		b, err := os.ReadFile(filepath.Join(models, name))
		if err != nil {
			continue // models not fetched: the synthetic seeds still run
		}
		// The whole file is large for the fuzzer; its truncations exercise
		// the bounds checks on every table.
		for _, n := range []int{8, 64, 1024, len(b) / 3, len(b) / 2, len(b) - 1} {
			f.Add(b[:n])
		}
	}
	f.Add(buildModel([]tTensor{
		{name: "in", shape: []int{1, 4, 4, 2}},
		{name: "w", shape: []int{3, 3, 3, 2}, f32: make([]float32, 54)},
		{name: "out", shape: []int{1, 2, 2, 3}},
	}, []tOp{{code: opConv2d, inputs: i32s(0, 1, -1), outputs: i32s(2), opts: wtbl(uint8(0), int32(2), int32(2), uint8(1))}}, []int{0}, []int{2}))
	f.Add(buildModel([]tTensor{
		{name: "in", shape: []int{2, 3}},
		{name: "p", typ: Int32, shape: []int{2, 2}, i32: i32s(1, 1, 0, 2)},
		{name: "out", shape: []int{4, 5}},
		{name: "r", shape: []int{20}},
	}, []tOp{
		{code: opPad, inputs: i32s(0, 1), outputs: i32s(2)},
		{code: opReshape, inputs: i32s(2), outputs: i32s(3), opts: wtbl(i32s(-1))},
	}, []int{0}, []int{3}))
	f.Add([]byte("\x08\x00\x00\x00TFL3\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := LoadBytes(b)
		if err != nil {
			return
		}
		ip, err := NewInterpreter(m, Options{MaxArenaBytes: 16 << 20})
		if err != nil {
			return
		}
		// A valid but huge model is not a bug, only slow: run the small ones.
		if ip.MACs() > 20_000_000 {
			return
		}
		_ = ip.Invoke(context.Background())
	})
}
