package tflite

import (
	"bytes"
	"context"
	"math"
	"os"
	"testing"

	"github.com/facegate/facegate/internal/litertrun"
	"github.com/facegate/facegate/internal/testfaces"
)

// roundTripModels are the models whose graphs are written and reloaded.
var roundTripModels = []string{
	"face_detection_short_range.tflite",
	"MobileFaceNet.tflite",
	"face_landmark.tflite",
}

func runAll(t *testing.T, m *Model) [][]float32 {
	t.Helper()
	ip, err := NewInterpreter(m, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ip.Close()
	in := ip.Input(0).Float32s()
	for i := range in {
		in[i] = float32((i*7919)%2000)/1000 - 1
	}
	if err := ip.Invoke(context.Background()); err != nil {
		t.Fatal(err)
	}
	var outs [][]float32
	for i := 0; i < ip.NumOutputs(); i++ {
		outs = append(outs, append([]float32(nil), ip.Output(i).Float32s()...))
	}
	return outs
}

// TestGraphRoundTrip writes each real model's graph, loads the file again
// and checks the same outputs (bit for bit), the same op list, and that
// writing the reloaded graph gives the same bytes.
func TestGraphRoundTrip(t *testing.T) {
	for _, name := range roundTripModels {
		t.Run(name, func(t *testing.T) {
			m, err := Load(testfaces.Model(t, name))
			if err != nil {
				t.Fatal(err)
			}
			g := m.Graph()
			b, err := g.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			m2, err := LoadBytes(b)
			if err != nil {
				t.Fatalf("reload written model: %v", err)
			}
			if len(m2.exec) != len(m.exec) {
				t.Errorf("reloaded model runs %d ops, original %d", len(m2.exec), len(m.exec))
			}
			for i := range min(len(m.exec), len(m2.exec)) {
				if m.exec[i].code != m2.exec[i].code || m.exec[i].opts.activation != m2.exec[i].opts.activation {
					t.Errorf("op %d: got %v act %d, want %v act %d", i, opName(m2.exec[i].code), m2.exec[i].opts.activation, opName(m.exec[i].code), m.exec[i].opts.activation)
				}
			}
			if a, b := m.Inputs(), m2.Inputs(); a[0].Name != b[0].Name || !sameShape(a[0].Shape, b[0].Shape) {
				t.Errorf("input 0: got %q %v, want %q %v", b[0].Name, b[0].Shape, a[0].Name, a[0].Shape)
			}
			want, got := runAll(t, m), runAll(t, m2)
			for i := range want {
				for k := range want[i] {
					if math.Float32bits(got[i][k]) != math.Float32bits(want[i][k]) {
						t.Fatalf("output %d[%d]: got %v, want %v", i, k, got[i][k], want[i][k])
					}
				}
			}
			b2, err := m2.Graph().Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, b2) {
				t.Errorf("writing the reloaded graph gives %d bytes that differ from the first %d", len(b2), len(b))
			}
		})
	}
}

// TestGraphLiteRT checks that Google's runtime loads a written float model
// and computes what it computes on the original file.
func TestGraphLiteRT(t *testing.T) {
	litertrun.Need(t)
	for _, name := range roundTripModels {
		t.Run(name, func(t *testing.T) {
			path := testfaces.Model(t, name)
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := LoadBytes(orig)
			if err != nil {
				t.Fatal(err)
			}
			b, err := m.Graph().Marshal()
			if err != nil {
				t.Fatal(err)
			}
			in := m.Inputs()[0]
			n, _ := numElements(in.Shape)
			data := make([]float32, n)
			for i := range data {
				data[i] = float32((i*7919)%2000)/1000 - 1
			}
			inputs := []litertrun.Input{{Shape: in.Shape, Data: data}}
			want, err := litertrun.Run(t, orig, inputs)
			if err != nil {
				t.Fatal(err)
			}
			got, err := litertrun.Run(t, b, inputs)
			if err != nil {
				t.Fatalf("LiteRT.js on the written model: %v", err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d outputs, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i].Name != want[i].Name || len(got[i].Data) != len(want[i].Data) {
					t.Fatalf("output %d: got %q (%d values), want %q (%d)", i, got[i].Name, len(got[i].Data), want[i].Name, len(want[i].Data))
				}
				var maxDiff float64
				for k := range want[i].Data {
					maxDiff = max(maxDiff, math.Abs(float64(got[i].Data[k]-want[i].Data[k])))
				}
				t.Logf("output %d %q: max |written - original| = %g", i, want[i].Name, maxDiff)
				if maxDiff != 0 { // measured: identical on all three models
					t.Errorf("output %d %q: LiteRT.js differs by up to %g between the written and the original model", i, want[i].Name, maxDiff)
				}
			}
		})
	}
}
