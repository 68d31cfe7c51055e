package tflite

import (
	"context"
	"math"
	"testing"

	"github.com/facegate/facegate/internal/testfaces"
)

// TestKernelFusionsExact runs each real model with and without the
// interpreter's kernel-level fusions (conv + PRELU, conv + residual ADD,
// depthwise conv into the 1×1 conv after it; fuse.go) at 1 and 2
// threads: every output must be bit-identical, and the fusions must have
// happened where the models have the pattern.
func TestKernelFusionsExact(t *testing.T) {
	for _, tc := range []struct {
		file              string
		shape             []int
		prelus, adds, dws int // fusions expected; -1: at least one
	}{
		{"MobileFaceNet.tflite", []int{1, 112, 112, 3}, 33, 12, 17},
		{"face_detection_short_range.tflite", nil, 0, -1, -1},
		{"face_landmark.tflite", nil, -1, -1, -1},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m, err := Load(testfaces.Model(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			prelus, adds, dws := 0, 0, 0
			for _, op := range m.run {
				if op.prelu != nil {
					prelus++
				}
				if op.add != nil {
					adds++
				}
				if op.dw != nil {
					dws++
					if op.dw.prelu != nil {
						prelus++
					}
				}
			}
			for _, c := range []struct {
				name      string
				got, want int
			}{{"PRELU", prelus, tc.prelus}, {"ADD", adds, tc.adds}, {"depthwise", dws, tc.dws}} {
				if c.want >= 0 && c.got != c.want || c.want < 0 && c.got == 0 {
					t.Errorf("%d %s fusions, want %d (-1: some)", c.got, c.name, c.want)
				}
			}
			if len(m.run) != len(m.exec)-prelus-adds-dws {
				t.Errorf("%d ops run for %d in the graph and %d fusions", len(m.run), len(m.exec), prelus+adds+dws)
			}
			unfused := *m
			unfused.run = m.exec
			for _, threads := range []int{1, 2} {
				outs := [2][][]float32{}
				for v, model := range []*Model{m, &unfused} {
					ip, err := NewInterpreter(model, Options{Threads: threads})
					if err != nil {
						t.Fatal(err)
					}
					defer ip.Close()
					if tc.shape != nil {
						if err := ip.ResizeInput(0, tc.shape); err != nil {
							t.Fatal(err)
						}
					}
					in := ip.Input(0).Float32s()
					for i := range in {
						in[i] = float32((i*7919)%2000)/1000 - 1
					}
					if err := ip.Invoke(context.Background()); err != nil {
						t.Fatal(err)
					}
					for o := range ip.NumOutputs() {
						outs[v] = append(outs[v], append([]float32(nil), ip.Output(o).Float32s()...))
					}
				}
				for o := range outs[0] {
					for i, x := range outs[0][o] {
						if y := outs[1][o][i]; math.Float32bits(x) != math.Float32bits(y) {
							t.Fatalf("threads %d output %d element %d: fused %v, unfused %v", threads, o, i, x, y)
						}
					}
				}
			}
		})
	}
}
