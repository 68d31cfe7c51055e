package tflite

import (
	"context"
	"math"
	"testing"
)

// TestSplitOpsMatchOneThread runs the operators that split their rows over
// the workers (pooling, channel padding; float and int8) on inputs large
// enough to be split, at one and three threads: every output must be the
// same bits.
func TestSplitOpsMatchOneThread(t *testing.T) {
	const h, c = 40, 24 // pooled to 20×20×24: above minParallelElems
	shape := []int{1, h, h, c}
	type build func() case8
	pool := func(name string, code, f, s int32, padding uint8, int8ops bool) build {
		return func() case8 {
			g := newCaseGen(900)
			oh := outDim(h, int(f), int(s), padding)
			oshape := []int{1, oh, oh, c}
			opts := wtbl(padding, s, s, f, f, uint8(0))
			if !int8ops {
				x := g.tensor("in", Float32, shape, nil)
				y := g.tensor("out", Float32, oshape, nil)
				g.op(code, 1, []int{x}, y, opts)
				return case8{name: name, model: buildModel8(g.ts, g.ops, []int{x}, []int{y}), input: g.floats(numel(shape), -5, 6)}
			}
			q := pq(0.045, -9)
			x := g.start(shape, q)
			y := g.tensor(name, Int8, oshape, q)
			g.op(code, 2, []int{x}, y, opts)
			return g.finishModel(name, shape, g.floats(numel(shape), -5, 6), y)
		}
	}
	pad := func(name string, int8ops bool) build {
		return func() case8 {
			g := newCaseGen(901)
			oshape := []int{1, h, h, c + 8}
			if !int8ops {
				x := g.tensor("in", Float32, shape, nil)
				p := g.constI32("paddings", []int{4, 2}, nil, i32s(0, 0, 0, 0, 0, 0, 3, 5))
				y := g.tensor("out", Float32, oshape, nil)
				g.op(opPad, 1, []int{x, p}, y, nil)
				return case8{name: name, model: buildModel8(g.ts, g.ops, []int{x}, []int{y}), input: g.floats(numel(shape), -5, 6)}
			}
			q := pq(0.02, 17)
			x := g.start(shape, q)
			p := g.constI32("paddings", []int{4, 2}, nil, i32s(0, 0, 0, 0, 0, 0, 3, 5))
			y := g.tensor(name, Int8, oshape, q)
			g.op(opPad, 2, []int{x, p}, y, nil)
			return g.finishModel(name, shape, g.floats(numel(shape), -5, 6), y)
		}
	}
	for _, b := range []build{
		pool("maxpool", opMaxPool2d, 3, 2, 0, false),
		pool("avgpool", opAveragePool2d, 3, 2, 0, false),
		pool("maxpool8", opMaxPool2d, 3, 2, 0, true),
		pool("avgpool8", opAveragePool2d, 2, 2, 1, true),
		pad("pad_channels", false),
		pad("pad8_channels", true),
	} {
		c := b()
		var ref []float32
		for _, threads := range []int{1, 3} {
			m, err := LoadBytes(c.model)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			ip, err := NewInterpreter(m, Options{Threads: threads})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			copy(ip.Input(0).Float32s(), c.input)
			if err := ip.Invoke(context.Background()); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			out := ip.Output(0).Float32s()
			if ref == nil {
				ref = append([]float32(nil), out...)
			} else {
				for i := range out {
					if math.Float32bits(out[i]) != math.Float32bits(ref[i]) {
						t.Fatalf("%s: element %d = %v at %d threads, %v at one", c.name, i, out[i], threads, ref[i])
					}
				}
			}
			ip.Close()
		}
	}
}
