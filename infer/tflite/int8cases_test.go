package tflite

import (
	"math"
	"math/rand/v2"
)

// Single-op int8 models for the exactness tests against LiteRT.js. Each
// case is float input → QUANTIZE → op → DEQUANTIZE → float output, so the
// reference runtime (which takes and returns float tensors here) runs the
// int8 kernels, and its float output identifies the int8 result exactly.
// The models and inputs are generated from fixed seeds: the test rebuilds
// them and checks their sha256 against what LiteRT ran (manifest).

// tQuant is a tensor's quantization in a test model.
type tQuant struct {
	scale []float32
	zp    []int64
	axis  int
}

// tTensor8 is a test tensor with optional quantization.
type tTensor8 struct {
	tTensor
	q *tQuant
}

// Builtin options union types (schema.fbs BuiltinOptions) of the ops the
// int8 cases use; LiteRT reads options only with the right type.
var optionsType = map[int32]uint8{
	opConv2d: 1, opDepthwiseConv2d: 2, opAveragePool2d: 5, opMaxPool2d: 5,
	opFullyConnected: 8, opConcatenation: 10, opAdd: 11, opReshape: 17,
	opMul: 21, opPad: 22, opDequantize: 38, opQuantize: 89,
}

// buildModel8 serialises a one-subgraph model like buildModel, with
// quantization parameters and typed builtin options.
func buildModel8(tensors []tTensor8, ops []tOp, inputs, outputs []int) []byte {
	buffers := []*wtab{wtbl()}
	var tts []*wtab
	for _, t := range tensors {
		data := constData(t.f32, t.i32, t.raw)
		buf := uint32(0)
		if data != nil {
			buffers = append(buffers, wtbl(data))
			buf = uint32(len(buffers) - 1)
		}
		var q any
		if t.q != nil {
			zp := t.q.zp
			if zp == nil {
				zp = make([]int64, len(t.q.scale))
			}
			q = wtbl(nil, nil, t.q.scale, zp, nil, nil, int32(t.q.axis))
		}
		tts = append(tts, wtbl(i32s(t.shape...), uint8(t.typ), buf, t.name, q))
	}
	codeIndex := map[[2]int32]uint32{}
	var codes []*wtab
	var ots []*wtab
	for _, op := range ops {
		v := max(op.version, 1)
		key := [2]int32{op.code, v}
		idx, ok := codeIndex[key]
		if !ok {
			codes = append(codes, wtbl(uint8(min(op.code, 127)), nil, v, op.code))
			idx = uint32(len(codes) - 1)
			codeIndex[key] = idx
		}
		var opts, typ any
		if op.opts != nil {
			opts, typ = op.opts, optionsType[op.code]
		}
		ots = append(ots, wtbl(idx, op.inputs, op.outputs, typ, opts))
	}
	sg := wtbl(tts, i32s(inputs...), i32s(outputs...), ots, "main")
	return finishModel(wtbl(uint32(3), codes, []*wtab{sg}, "facegate int8 test model", buffers))
}

// case8 is one int8 exactness case.
type case8 struct {
	name  string
	model []byte
	shape []int
	input []float32
}

// int8 op versions as the TFLite converter writes them for int8.
const (
	vQuantize   = 2
	vDequantize = 2
)

// caseGen builds a case: it holds the tensors and ops so far.
type caseGen struct {
	r   *rand.Rand
	ts  []tTensor8
	ops []tOp
}

func newCaseGen(seed uint64) *caseGen {
	return &caseGen{r: rand.New(rand.NewPCG(seed, 0x1234))}
}

func (g *caseGen) tensor(name string, typ DataType, shape []int, q *tQuant) int {
	g.ts = append(g.ts, tTensor8{tTensor: tTensor{name: name, typ: typ, shape: shape}, q: q})
	return len(g.ts) - 1
}

func (g *caseGen) constI8(name string, shape []int, q *tQuant, v []int8) int {
	raw := make([]byte, len(v))
	for i, x := range v {
		raw[i] = byte(x)
	}
	g.ts = append(g.ts, tTensor8{tTensor: tTensor{name: name, typ: Int8, shape: shape, raw: raw}, q: q})
	return len(g.ts) - 1
}

func (g *caseGen) constI32(name string, shape []int, q *tQuant, v []int32) int {
	g.ts = append(g.ts, tTensor8{tTensor: tTensor{name: name, typ: Int32, shape: shape, i32: v}, q: q})
	return len(g.ts) - 1
}

func (g *caseGen) op(code, version int32, in []int, out int, opts *wtab) {
	g.ops = append(g.ops, tOp{code: code, version: version, inputs: i32s(in...), outputs: i32s(out), opts: opts})
}

func pq(scale float32, zp int64) *tQuant { return &tQuant{scale: []float32{scale}, zp: []int64{zp}} }

// weights returns n random int8 weights in [−127, 127].
func (g *caseGen) weights(n int) []int8 {
	w := make([]int8, n)
	for i := range w {
		w[i] = int8(g.r.IntN(255) - 127)
	}
	return w
}

// scales returns n per-channel weight scales spread over two decades.
func (g *caseGen) scales(n int, base float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = base * float32(math.Pow(10, g.r.Float64()*2-1))
	}
	return s
}

// floats returns n input values: mostly uniform in [lo, hi], some exactly
// on quantization ties of (scale, zp).
func (g *caseGen) floats(n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		// The conversion keeps arm64 from fusing the multiply and add
		// (the inputs must be the same bytes on every architecture).
		v[i] = lo + float32((hi-lo)*g.r.Float32())
	}
	return v
}

// wrap finishes a case: in (float, shape) → QUANTIZE(qin) → body → out
// (int8, qout) → DEQUANTIZE → float.
func (g *caseGen) finishModel(name string, shape []int, input []float32, last int) case8 {
	lt := g.ts[last]
	out := g.tensor("output", Float32, lt.shape, nil)
	g.op(opDequantize, vDequantize, []int{last}, out, nil)
	return case8{name: name, model: buildModel8(g.ts, g.ops, []int{0}, []int{out}), shape: shape, input: input}
}

// start adds the float input and its QUANTIZE; it returns the int8 tensor.
func (g *caseGen) start(shape []int, q *tQuant) int {
	in := g.tensor("input", Float32, shape, nil)
	x := g.tensor("input_q", Int8, shape, q)
	g.op(opQuantize, vQuantize, []int{in}, x, nil)
	return x
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func convOpts(padding uint8, sw, sh int32, act uint8) *wtab {
	return wtbl(padding, sw, sh, act, int32(1), int32(1))
}

// int8Cases returns the exactness cases.
func int8Cases() []case8 {
	var cs []case8
	add := func(c case8) { cs = append(cs, c) }

	// QUANTIZE/DEQUANTIZE alone, including values on rounding ties.
	{
		g := newCaseGen(1)
		shape := []int{1, 4096}
		s, z := float32(0.05), int64(-3)
		x := g.start(shape, pq(s, z))
		in := g.floats(numel(shape), -8, 8)
		for i := 0; i < 512; i++ {
			in[i] = (float32(i%300-150) + 0.5) * s
		}
		add(g.finishModel("quantize", shape, in, x))
	}

	// CONV_2D.
	type convCase struct {
		name       string
		h, w, c, o int
		kh, kw     int
		stride     int32
		padding    uint8
		act        uint8
		perChannel bool
		bias       bool
	}
	for i, cc := range []convCase{
		{"conv3x3_pc_same", 9, 9, 16, 24, 3, 3, 1, 0, 0, true, true},
		{"conv3x3_pc_s2_relu6", 11, 10, 8, 12, 3, 3, 2, 0, 3, true, true},
		{"conv1x1_pt_relu", 7, 7, 32, 20, 1, 1, 1, 1, 1, false, true},
		{"conv3x3_pt_valid", 8, 8, 3, 16, 3, 3, 2, 1, 0, false, true},
		// Many outputs: fixed-point requantization (TFLite's reference)
		// differs from fp32 on a few of them.
		{"conv1x1_pc_large", 16, 16, 32, 64, 1, 1, 1, 1, 0, true, true},
	} {
		g := newCaseGen(uint64(100 + i))
		shape := []int{1, cc.h, cc.w, cc.c}
		x := g.start(shape, pq(0.03, 5))
		K := cc.kh * cc.kw * cc.c
		var wq *tQuant
		var ws []float32
		if cc.perChannel {
			ws = g.scales(cc.o, 0.004)
			wq = &tQuant{scale: ws, axis: 0}
		} else {
			ws = []float32{0.003}
			wq = &tQuant{scale: ws}
		}
		w := g.constI8("w", []int{cc.o, cc.kh, cc.kw, cc.c}, wq, g.weights(cc.o*K))
		b := -1
		if cc.bias {
			bv := make([]int32, cc.o)
			bs := make([]float32, len(ws))
			for j := range bv {
				bv[j] = int32(g.r.IntN(4001) - 2000)
			}
			for j := range bs {
				bs[j] = 0.03 * ws[j]
			}
			b = g.constI32("b", []int{cc.o}, &tQuant{scale: bs}, bv)
		}
		oh, ow := outDim(cc.h, cc.kh, int(cc.stride), cc.padding), outDim(cc.w, cc.kw, int(cc.stride), cc.padding)
		y := g.tensor("conv", Int8, []int{1, oh, ow, cc.o}, pq(0.05, -7))
		g.op(opConv2d, 3, []int{x, w, b}, y, convOpts(cc.padding, cc.stride, cc.stride, cc.act))
		add(g.finishModel(cc.name, shape, g.floats(numel(shape), -3.5, 4), y))
	}

	// DEPTHWISE_CONV_2D.
	for i, dc := range []struct {
		name    string
		h, w, c int
		stride  int32
		padding uint8
		act     uint8
		mult    int
	}{
		{"dw3x3_s1_same", 10, 9, 24, 1, 0, 0, 1},
		{"dw3x3_s2_same_relu", 11, 11, 16, 2, 0, 1, 1},
		{"dw3x3_mult2_valid", 6, 6, 4, 1, 1, 0, 2},
	} {
		g := newCaseGen(uint64(200 + i))
		shape := []int{1, dc.h, dc.w, dc.c}
		x := g.start(shape, pq(0.04, -10))
		oc := dc.c * dc.mult
		ws := g.scales(oc, 0.01)
		w := g.constI8("w", []int{1, 3, 3, oc}, &tQuant{scale: ws, axis: 3}, g.weights(9*oc))
		bv := make([]int32, oc)
		bs := make([]float32, oc)
		for j := range bv {
			bv[j] = int32(g.r.IntN(801) - 400)
			bs[j] = 0.04 * ws[j]
		}
		b := g.constI32("b", []int{oc}, &tQuant{scale: bs}, bv)
		oh, ow := outDim(dc.h, 3, int(dc.stride), dc.padding), outDim(dc.w, 3, int(dc.stride), dc.padding)
		y := g.tensor("dw", Int8, []int{1, oh, ow, oc}, pq(0.06, 3))
		g.op(opDepthwiseConv2d, 3, []int{x, w, b}, y, wtbl(dc.padding, dc.stride, dc.stride, int32(dc.mult), dc.act, int32(1), int32(1)))
		add(g.finishModel(dc.name, shape, g.floats(numel(shape), -5, 5), y))
	}

	// FULLY_CONNECTED.
	for i, pc := range []bool{true, false} {
		g := newCaseGen(uint64(300 + i))
		shape := []int{3, 64}
		x := g.start(shape, pq(0.02, 0))
		N := 10
		ws := []float32{0.005}
		if pc {
			ws = g.scales(N, 0.005)
		}
		w := g.constI8("w", []int{N, 64}, &tQuant{scale: ws}, g.weights(N*64))
		bv := make([]int32, N)
		bs := make([]float32, len(ws))
		for j := range bv {
			bv[j] = int32(g.r.IntN(20001) - 10000)
		}
		for j := range bs {
			bs[j] = 0.02 * ws[j]
		}
		b := g.constI32("b", []int{N}, &tQuant{scale: bs}, bv)
		y := g.tensor("fc", Int8, []int{3, N}, pq(0.1, 12))
		name := "fc_pt"
		if pc {
			name = "fc_pc"
		}
		g.op(opFullyConnected, 4, []int{x, w, b}, y, wtbl(uint8(0), uint8(0), false))
		add(g.finishModel(name, shape, g.floats(numel(shape), -2.5, 2.5), y))
	}

	// ADD and MUL: a dynamic, b a constant of the same shape or broadcast
	// along channels, over several scale ratios.
	for i, bc := range []struct {
		name           string
		code           int32
		sa, sb, so     float32
		za, zb, zo     int64
		bshape         []int
		act            uint8
		dynamicSecond  bool
		secondQuantize *tQuant
	}{
		{name: "add_same", code: opAdd, sa: 0.05, sb: 0.03, so: 0.07, za: 3, zb: -20, zo: -5, bshape: []int{1, 8, 8, 16}},
		{name: "add_bcast_relu", code: opAdd, sa: 0.02, sb: 0.1, so: 0.09, za: -128, zb: 10, zo: 0, bshape: []int{16}, act: 1},
		{name: "add_ratio_big", code: opAdd, sa: 0.5, sb: 0.0101, so: 0.013, za: 0, zb: 1, zo: 100, bshape: []int{1, 8, 8, 16}},
		{name: "add_two_quantize", code: opAdd, sa: 0.047, so: 0.081, za: -2, zo: 7, dynamicSecond: true, secondQuantize: pq(0.031, 9)},
		{name: "add_ratio_huge", code: opAdd, sa: 0.2, sb: 0.3, so: 0.0005, za: 0, zb: 0, zo: 0, bshape: []int{1, 8, 8, 16}},
		{name: "add_ratio_tiny", code: opAdd, sa: 0.0001, sb: 0.5, so: 0.6, za: 5, zb: -3, zo: 1, bshape: []int{1, 8, 8, 16}},
		{name: "add_ratio_8000", code: opAdd, sa: 0.4, sb: 0.3, so: 0.00005, za: 1, zb: 0, zo: 0, bshape: []int{1, 8, 8, 16}},
		{name: "add_ratio_small", code: opAdd, sa: 0.0001, sb: 0.0002, so: 1, za: 0, zb: 0, zo: 0, bshape: []int{1, 8, 8, 16}},
		{name: "mul_scale_huge", code: opMul, sa: 0.5, sb: 0.5, so: 0.0005, za: 0, zb: 0, zo: 0, bshape: []int{1, 8, 8, 16}},
		{name: "mul_same", code: opMul, sa: 0.05, sb: 0.03, so: 0.04, za: 3, zb: -20, zo: -5, bshape: []int{1, 8, 8, 16}},
		{name: "mul_bcast", code: opMul, sa: 0.1, sb: 0.007, so: 0.02, za: -1, zb: 0, zo: 11, bshape: []int{16}},
	} {
		g := newCaseGen(uint64(400 + i))
		shape := []int{1, 8, 8, 16}
		x := g.start(shape, pq(bc.sa, bc.za))
		var b int
		if bc.dynamicSecond {
			b = g.tensor("b_q", Int8, shape, bc.secondQuantize)
			g.op(opQuantize, vQuantize, []int{0}, b, nil)
		} else {
			b = g.constI8("b", bc.bshape, pq(bc.sb, bc.zb), g.weights(numel(bc.bshape)))
		}
		y := g.tensor(bc.name, Int8, shape, pq(bc.so, bc.zo))
		g.op(bc.code, 2, []int{x, b}, y, wtbl(bc.act))
		add(g.finishModel(bc.name, shape, g.floats(numel(shape), -6, 6), y))
	}

	// PRELU with per-channel alpha.
	{
		g := newCaseGen(500)
		shape := []int{1, 6, 6, 16}
		x := g.start(shape, pq(0.05, 4))
		a := g.constI8("alpha", []int{1, 1, 16}, pq(0.004, 0), g.weights(16))
		y := g.tensor("prelu", Int8, shape, pq(0.03, -40))
		g.op(opPrelu, 1, []int{x, a}, y, nil)
		add(g.finishModel("prelu", shape, g.floats(numel(shape), -6, 3), y))
	}

	// Pooling (SAME padding exercises partial windows).
	for i, pc := range []struct {
		name    string
		code    int32
		f, s    int32
		padding uint8
	}{
		{"maxpool3x3_s2_same", opMaxPool2d, 3, 2, 0},
		{"avgpool3x3_s2_same", opAveragePool2d, 3, 2, 0},
		{"avgpool2x2_s2_valid", opAveragePool2d, 2, 2, 1},
		{"avgpool_global", opAveragePool2d, 7, 7, 1},
	} {
		g := newCaseGen(uint64(600 + i))
		shape := []int{1, 7, 7, 12}
		q := pq(0.045, -9)
		x := g.start(shape, q)
		oh := outDim(7, int(pc.f), int(pc.s), pc.padding)
		y := g.tensor(pc.name, Int8, []int{1, oh, oh, 12}, q)
		g.op(pc.code, 2, []int{x}, y, wtbl(pc.padding, pc.s, pc.s, pc.f, pc.f, uint8(0)))
		add(g.finishModel(pc.name, shape, g.floats(numel(shape), -5, 6), y))
	}

	// PAD, RESHAPE, CONCATENATION.
	{
		g := newCaseGen(700)
		shape := []int{1, 5, 5, 3}
		q := pq(0.02, 17)
		x := g.start(shape, q)
		p := g.constI32("paddings", []int{4, 2}, nil, i32s(0, 0, 1, 2, 2, 1, 0, 0))
		y := g.tensor("pad", Int8, []int{1, 8, 8, 3}, q)
		g.op(opPad, 2, []int{x, p}, y, nil)
		r := g.tensor("reshape", Int8, []int{1, 64, 3}, q)
		s := g.constI32("shape", []int{3}, nil, i32s(1, 64, 3))
		g.op(opReshape, 1, []int{y, s}, r, wtbl(i32s(1, 64, 3)))
		x2 := g.tensor("input_q2", Int8, shape, q)
		g.op(opQuantize, vQuantize, []int{0}, x2, nil)
		r2 := g.tensor("reshape2", Int8, []int{1, 25, 3}, q)
		s2 := g.constI32("shape2", []int{3}, nil, i32s(1, 25, 3))
		g.op(opReshape, 1, []int{x2, s2}, r2, wtbl(i32s(1, 25, 3)))
		c := g.tensor("concat", Int8, []int{1, 89, 3}, q)
		g.op(opConcatenation, 2, []int{r, r2}, c, wtbl(int32(1), uint8(0)))
		add(g.finishModel("pad_reshape_concat", shape, g.floats(numel(shape), -3, 2.5), c))
	}
	// PRELU with power-of-two scale ratios (1/2, and 1/4 for the negative
	// side): many products land exactly on .5, where TFLite's fixed-point
	// rounding (half away from zero) and a float one (half to even)
	// differ.
	{
		g := newCaseGen(802)
		shape := []int{1, 8, 8, 16}
		x := g.start(shape, pq(0.0625, 3))
		a := g.constI8("alpha", []int{16}, pq(0.5, -1), g.weights(16))
		y := g.tensor("prelu", Int8, shape, pq(0.125, -2))
		g.op(opPrelu, 1, []int{x, a}, y, nil)
		add(g.finishModel("prelu_ties", shape, g.floats(numel(shape), -2, 2), y))
	}
	// ADD and MUL with power-of-two scales: many results are exactly .5
	// output steps, where XNNPACK (ADD: half up; MUL: half to even) and
	// TFLite's fixed-point kernels (half away from zero) differ.
	for i, tc := range []struct {
		name       string
		code       int32
		sa, sb, so float32
	}{
		{"add_ties", opAdd, 0.5, 0.25, 1},
		// a's ratio 1+2^-21 needs a 21-bit multiplier: with 20 bits the
		// sums just below .5 become ties and round up.
		{"add_precision", opAdd, 1 + 0x1p-21, 0.5, 1},
		{"mul_ties", opMul, 0.5, 0.5, 0.5},
	} {
		g := newCaseGen(uint64(803 + i))
		shape := []int{1, 8, 8, 16}
		za := int64(1)
		if tc.name == "add_precision" {
			za = 0
		}
		x := g.start(shape, pq(tc.sa, za))
		b := g.constI8("b", shape, pq(tc.sb, -2), g.weights(numel(shape)))
		y := g.tensor(tc.name, Int8, shape, pq(tc.so, 0))
		g.op(tc.code, 2, []int{x, b}, y, wtbl(uint8(0)))
		add(g.finishModel(tc.name, shape, g.floats(numel(shape), -20, 20), y))
	}
	// ADD with BlazeFace's scales, including the sum (a=−35, b=72) that
	// lands 1.6e-5 output steps above a tie: the multipliers must come
	// from a_scale/out_scale (a division), as XNNPACK computes them.
	{
		g := newCaseGen(810)
		shape := []int{1, 8, 8, 16}
		sa, sb, so := float32(0.040954523), float32(0.06150936), float32(0.037958696)
		x := g.start(shape, pq(sa, -128))
		bv := g.weights(numel(shape))
		bv[0] = 72
		b := g.constI8("b", shape, pq(sb, 25), bv)
		y := g.tensor("add_division", Int8, shape, pq(so, -128))
		g.op(opAdd, 2, []int{x, b}, y, wtbl(uint8(0)))
		in := g.floats(numel(shape), -1, 9)
		in[0] = sa * 93 // quantizes to −35
		add(g.finishModel("add_division", shape, in, y))
	}
	// Standalone RELU6 (after QUANTIZE: not fused) and RELU after a
	// convolution (fused by the loader).
	{
		g := newCaseGen(800)
		shape := []int{1, 4, 4, 8}
		q := pq(0.05, -20)
		x := g.start(shape, q)
		y := g.tensor("relu6", Int8, shape, q)
		g.op(opRelu6, 2, []int{x}, y, nil)
		add(g.finishModel("relu6", shape, g.floats(numel(shape), -4, 9), y))
	}
	{
		g := newCaseGen(801)
		shape := []int{1, 6, 6, 8}
		x := g.start(shape, pq(0.03, 2))
		ws := g.scales(8, 0.01)
		w := g.constI8("w", []int{8, 1, 1, 8}, &tQuant{scale: ws}, g.weights(64))
		bs := make([]float32, 8)
		for j := range bs {
			bs[j] = 0.03 * ws[j]
		}
		b := g.constI32("b", []int{8}, &tQuant{scale: bs}, make([]int32, 8))
		q := pq(0.02, 5)
		y := g.tensor("conv", Int8, shape, q)
		g.op(opConv2d, 3, []int{x, w, b}, y, convOpts(1, 1, 1, 0))
		r := g.tensor("relu", Int8, shape, q)
		g.op(opRelu, 2, []int{y}, r, nil)
		add(g.finishModel("conv_then_relu", shape, g.floats(numel(shape), -3, 3), r))
	}
	return cs
}

// outDim is the output size of a window (SAME: 0, VALID: 1).
func outDim(in, f, s int, padding uint8) int {
	if padding == 0 {
		return (in + s - 1) / s
	}
	return (in-f)/s + 1
}
