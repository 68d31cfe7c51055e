package tflite

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// runModel loads b, feeds inputs and returns every output's data and shape.
func runModel(t *testing.T, b []byte, inputs ...[]float32) ([][]float32, [][]int) {
	t.Helper()
	m, err := LoadBytes(b)
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}
	ip, err := NewInterpreter(m, Options{})
	if err != nil {
		t.Fatalf("NewInterpreter: %v", err)
	}
	for i, in := range inputs {
		dst := ip.Input(i).Float32s()
		if len(dst) != len(in) {
			t.Fatalf("input %d: %d values, tensor has %d", i, len(in), len(dst))
		}
		copy(dst, in)
	}
	if err := ip.Invoke(context.Background()); err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var outs [][]float32
	var shapes [][]int
	for i := 0; i < ip.NumOutputs(); i++ {
		o := ip.Output(i)
		switch o.Type() {
		case Bool:
			v := make([]float32, o.NumElements())
			for k, b := range o.Bools() {
				if b {
					v[k] = 1
				}
			}
			outs = append(outs, v)
		default:
			outs = append(outs, append([]float32(nil), o.Float32s()...))
		}
		shapes = append(shapes, o.Shape())
	}
	return outs, shapes
}

func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*(1+math.Abs(float64(want[i]))) || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: element %d = %v, want %v (|diff| %g)", what, i, got[i], want[i], d)
		}
	}
}

func assertShape(t *testing.T, what string, got, want []int) {
	t.Helper()
	if !sameShape(got, want) {
		t.Fatalf("%s: shape %v, want %v", what, got, want)
	}
}

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

// refConv is a direct, obviously-correct NHWC convolution (TFLite
// reference semantics: SAME padding puts the smaller half before).
func refConv(in []float32, n, h, w, c int, filt []float32, oc, kh, kw int, bias []float32, sh, sw, dh, dw int, same bool, depthMul int, depthwise bool) ([]float32, int, int) {
	effH, effW := (kh-1)*dh+1, (kw-1)*dw+1
	var oh, ow, pt, pl int
	if same {
		oh, ow = (h+sh-1)/sh, (w+sw-1)/sw
		pt = max((oh-1)*sh+effH-h, 0) / 2
		pl = max((ow-1)*sw+effW-w, 0) / 2
	} else {
		oh, ow = (h-effH)/sh+1, (w-effW)/sw+1
	}
	out := make([]float32, n*oh*ow*oc)
	for b := 0; b < n; b++ {
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				for o := 0; o < oc; o++ {
					var s float64
					if bias != nil {
						s = float64(bias[o])
					}
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							iy, ix := y*sh-pt+ky*dh, x*sw-pl+kx*dw
							if iy < 0 || iy >= h || ix < 0 || ix >= w {
								continue
							}
							if depthwise {
								ic := o / depthMul
								s += float64(in[((b*h+iy)*w+ix)*c+ic]) * float64(filt[(ky*kw+kx)*oc+o])
								continue
							}
							for ic := 0; ic < c; ic++ {
								s += float64(in[((b*h+iy)*w+ix)*c+ic]) * float64(filt[((o*kh+ky)*kw+kx)*c+ic])
							}
						}
					}
					out[((b*oh+y)*ow+x)*oc+o] = float32(s)
				}
			}
		}
	}
	return out, oh, ow
}

func TestConvHandComputed(t *testing.T) {
	// 1×3×3×1 input, 2×2 filter of ones, VALID, stride 1: each output is the
	// sum of a 2×2 window: [[1+2+4+5, 2+3+5+6], [4+5+7+8, 5+6+8+9]] + bias 1.
	b := buildModel([]tTensor{
		{name: "in", shape: []int{1, 3, 3, 1}},
		{name: "w", shape: []int{1, 2, 2, 1}, f32: []float32{1, 1, 1, 1}},
		{name: "b", shape: []int{1}, f32: []float32{1}},
		{name: "out", shape: []int{1, 2, 2, 1}},
	}, []tOp{{code: opConv2d, inputs: i32s(0, 1, 2), outputs: i32s(3), opts: wtbl(uint8(1), int32(1), int32(1), uint8(0))}}, []int{0}, []int{3})
	out, shapes := runModel(t, b, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9})
	assertShape(t, "conv", shapes[0], []int{1, 2, 2, 1})
	assertClose(t, "conv", out[0], []float32{13, 17, 25, 29}, 0)

	// SAME, stride 2 on a 4×4 input with a 3×3 filter: total padding is
	// (2-1)*2+3-4 = 1, all of it after (TFLite puts floor(1/2)=0 before), so
	// output (0,0) sees rows/cols 0..2 and (1,1) sees rows/cols 2..3.
	in := make([]float32, 16)
	for i := range in {
		in[i] = float32(i + 1)
	}
	ones := make([]float32, 9)
	for i := range ones {
		ones[i] = 1
	}
	b = buildModel([]tTensor{
		{name: "in", shape: []int{1, 4, 4, 1}},
		{name: "w", shape: []int{1, 3, 3, 1}, f32: ones},
		{name: "out", shape: []int{1, 2, 2, 1}},
	}, []tOp{{code: opConv2d, inputs: i32s(0, 1, -1), outputs: i32s(2), opts: wtbl(uint8(0), int32(2), int32(2), uint8(0))}}, []int{0}, []int{2})
	out, _ = runModel(t, b, in)
	// (0,0): rows 0-2, cols 0-2 = 1+2+3+5+6+7+9+10+11 = 54
	// (0,1): rows 0-2, cols 2-3 = 3+4+7+8+11+12 = 45
	// (1,0): rows 2-3, cols 0-2 = 9+10+11+13+14+15 = 72
	// (1,1): rows 2-3, cols 2-3 = 11+12+15+16 = 54
	assertClose(t, "conv same stride 2", out[0], []float32{54, 45, 72, 54}, 0)
}

func TestConvMatchesReference(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	cases := []struct {
		h, w, c, oc, kh, kw, sh, sw, dh, dw int
		same                                bool
		act                                 uint8
	}{
		{8, 8, 3, 5, 3, 3, 1, 1, 1, 1, true, 0},
		{9, 7, 4, 9, 3, 3, 2, 2, 1, 1, true, 0},
		{9, 7, 4, 9, 5, 5, 2, 2, 1, 1, true, 1}, // BlazeFace stem: 5×5 s2 SAME, RELU fused
		{10, 10, 6, 17, 1, 1, 1, 1, 1, 1, false, 3},
		{10, 11, 6, 8, 4, 4, 2, 2, 1, 1, false, 0}, // 4×4 s2 VALID (FaceAntiSpoofing)
		{12, 12, 3, 4, 3, 3, 1, 1, 2, 2, true, 2},  // dilation, RELU_N1_TO_1
		{5, 5, 2, 3, 1, 1, 2, 1, 1, 1, true, 0},    // 1×1 with stride
	}
	for i, tc := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			in := randVec(r, 2*tc.h*tc.w*tc.c)
			filt := randVec(r, tc.oc*tc.kh*tc.kw*tc.c)
			bias := randVec(r, tc.oc)
			want, oh, ow := refConv(in, 2, tc.h, tc.w, tc.c, filt, tc.oc, tc.kh, tc.kw, bias, tc.sh, tc.sw, tc.dh, tc.dw, tc.same, 1, false)
			lo, hi, _ := actRange(int(tc.act))
			for k := range want {
				want[k] = clamp(want[k], lo, hi)
			}
			pad := uint8(1)
			if tc.same {
				pad = 0
			}
			b := buildModel([]tTensor{
				{name: "in", shape: []int{2, tc.h, tc.w, tc.c}},
				{name: "w", shape: []int{tc.oc, tc.kh, tc.kw, tc.c}, f32: filt},
				{name: "b", shape: []int{tc.oc}, f32: bias},
				{name: "out", shape: []int{2, oh, ow, tc.oc}},
			}, []tOp{{code: opConv2d, inputs: i32s(0, 1, 2), outputs: i32s(3),
				opts: wtbl(pad, int32(tc.sw), int32(tc.sh), tc.act, int32(tc.dw), int32(tc.dh))}}, []int{0}, []int{3})
			out, shapes := runModel(t, b, in)
			assertShape(t, "conv", shapes[0], []int{2, oh, ow, tc.oc})
			assertClose(t, "conv", out[0], want, 1e-5)
		})
	}
}

func TestDepthwiseMatchesReference(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	cases := []struct {
		h, w, c, mul, k, s int
		same               bool
	}{
		{8, 8, 4, 1, 3, 1, true},
		{9, 9, 5, 1, 3, 2, true},
		{7, 7, 6, 1, 7, 1, false}, // global depthwise (MobileFaceNet)
		{6, 5, 3, 2, 3, 1, true},  // depth multiplier
	}
	for i, tc := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			oc := tc.c * tc.mul
			in := randVec(r, tc.h*tc.w*tc.c)
			filt := randVec(r, tc.k*tc.k*oc)
			bias := randVec(r, oc)
			want, oh, ow := refConv(in, 1, tc.h, tc.w, tc.c, filt, oc, tc.k, tc.k, bias, tc.s, tc.s, 1, 1, tc.same, tc.mul, true)
			pad := uint8(1)
			if tc.same {
				pad = 0
			}
			b := buildModel([]tTensor{
				{name: "in", shape: []int{1, tc.h, tc.w, tc.c}},
				{name: "w", shape: []int{1, tc.k, tc.k, oc}, f32: filt},
				{name: "b", shape: []int{oc}, f32: bias},
				{name: "out", shape: []int{1, oh, ow, oc}},
			}, []tOp{{code: opDepthwiseConv2d, inputs: i32s(0, 1, 2), outputs: i32s(3),
				opts: wtbl(pad, int32(tc.s), int32(tc.s), int32(tc.mul), uint8(0))}}, []int{0}, []int{3})
			out, _ := runModel(t, b, in)
			assertClose(t, "depthwise", out[0], want, 1e-5)
		})
	}
}

func TestPooling(t *testing.T) {
	in := []float32{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	}
	for _, tc := range []struct {
		name string
		code int32
		pad  uint8
		want []float32
	}{
		// 2×2 stride 2 SAME on 3×3: windows rows/cols {0,1},{2}: the average
		// counts only the cells inside the image.
		{"max same", opMaxPool2d, 0, []float32{5, 6, 8, 9}},
		{"avg same", opAveragePool2d, 0, []float32{3, 4.5, 7.5, 9}},
		{"max valid", opMaxPool2d, 1, []float32{5}},
		{"avg valid", opAveragePool2d, 1, []float32{3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outShape := []int{1, 2, 2, 1}
			if tc.pad == 1 {
				outShape = []int{1, 1, 1, 1}
			}
			b := buildModel([]tTensor{
				{name: "in", shape: []int{1, 3, 3, 1}},
				{name: "out", shape: outShape},
			}, []tOp{{code: tc.code, inputs: i32s(0), outputs: i32s(1), opts: wtbl(tc.pad, int32(2), int32(2), int32(2), int32(2), uint8(0))}}, []int{0}, []int{1})
			out, shapes := runModel(t, b, in)
			assertShape(t, tc.name, shapes[0], outShape)
			assertClose(t, tc.name, out[0], tc.want, 0)
		})
	}
}

func TestBinaryBroadcasting(t *testing.T) {
	a := []float32{1, 2, 3, 4, 5, 6} // [1,2,3]
	for _, tc := range []struct {
		name   string
		code   int32
		bShape []int
		b      []float32
		act    uint8
		want   []float32
		wShape []int
	}{
		{"add same", opAdd, []int{1, 2, 3}, []float32{1, 1, 1, 1, 1, 1}, 0, []float32{2, 3, 4, 5, 6, 7}, []int{1, 2, 3}},
		{"add channel", opAdd, []int{3}, []float32{10, 20, 30}, 0, []float32{11, 22, 33, 14, 25, 36}, []int{1, 2, 3}},
		{"mul column", opMul, []int{2, 1}, []float32{2, -1}, 0, []float32{2, 4, 6, -4, -5, -6}, []int{1, 2, 3}},
		{"sub scalar relu", opSub, []int{}, []float32{3}, 1, []float32{0, 0, 0, 1, 2, 3}, []int{1, 2, 3}},
		{"div", opDiv, []int{1, 1, 3}, []float32{1, 2, 4}, 0, []float32{1, 1, 0.75, 4, 2.5, 1.5}, []int{1, 2, 3}},
		{"add relu6", opAdd, []int{1}, []float32{2}, 3, []float32{3, 4, 5, 6, 6, 6}, []int{1, 2, 3}},
		{"outer", opMul, []int{2, 1, 1}, []float32{1, 10}, 0, []float32{1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60}, []int{2, 2, 3}},
		{"less", opLess, []int{3}, []float32{2, 2, 6}, 0, []float32{1, 0, 1, 0, 0, 0}, []int{1, 2, 3}},
		{"greater_equal", opGreaterEqual, []int{}, []float32{4}, 0, []float32{0, 0, 0, 1, 1, 1}, []int{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outType := Float32
			var opts *wtab
			if tc.code == opLess || tc.code == opGreaterEqual {
				outType = Bool
			} else {
				opts = wtbl(tc.act)
			}
			b := buildModel([]tTensor{
				{name: "a", shape: []int{1, 2, 3}},
				{name: "b", shape: tc.bShape, f32: tc.b},
				{name: "out", typ: outType, shape: tc.wShape},
			}, []tOp{{code: tc.code, inputs: i32s(0, 1), outputs: i32s(2), opts: opts}}, []int{0}, []int{2})
			out, shapes := runModel(t, b, a)
			assertShape(t, tc.name, shapes[0], tc.wShape)
			assertClose(t, tc.name, out[0], tc.want, 1e-7)
		})
	}
}

func TestUnary(t *testing.T) {
	in := []float32{-4, -1, -0.5, 0, 0.5, 2, 7}
	sig := func(v float32) float32 { return float32(1 / (1 + math.Exp(-float64(v)))) }
	for _, tc := range []struct {
		name string
		code int32
		opts *wtab
		f    func(float32) float32
	}{
		{"relu", opRelu, nil, func(v float32) float32 { return max(v, 0) }},
		{"relu6", opRelu6, nil, func(v float32) float32 { return min(max(v, 0), 6) }},
		{"abs", opAbs, nil, func(v float32) float32 { return float32(math.Abs(float64(v))) }},
		{"logistic", opLogistic, nil, sig},
		{"tanh", opTanh, nil, func(v float32) float32 { return float32(math.Tanh(float64(v))) }},
		{"hard_swish", opHardSwish, nil, func(v float32) float32 { return v * min(max(v+3, 0), 6) / 6 }},
		{"leaky_relu", opLeakyRelu, wtbl(float32(0.2)), func(v float32) float32 {
			if v > 0 {
				return v
			}
			return 0.2 * v
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := buildModel([]tTensor{{name: "in", shape: []int{7}}, {name: "out", shape: []int{7}}},
				[]tOp{{code: tc.code, inputs: i32s(0), outputs: i32s(1), opts: tc.opts}}, []int{0}, []int{1})
			out, _ := runModel(t, b, in)
			want := make([]float32, len(in))
			for i, v := range in {
				want[i] = tc.f(v)
			}
			assertClose(t, tc.name, out[0], want, 1e-6)
		})
	}
}

func TestPadConcatReshape(t *testing.T) {
	// PAD the channel axis of [1,1,2,2] by {1,2}: as BlazeFace pads channels
	// for its residual adds.
	b := buildModel([]tTensor{
		{name: "in", shape: []int{1, 1, 2, 2}},
		{name: "p", typ: Int32, shape: []int{4, 2}, i32: i32s(0, 0, 0, 0, 0, 0, 1, 2)},
		{name: "out", shape: []int{1, 1, 2, 5}},
	}, []tOp{{code: opPad, inputs: i32s(0, 1), outputs: i32s(2)}}, []int{0}, []int{2})
	out, _ := runModel(t, b, []float32{1, 2, 3, 4})
	assertClose(t, "pad channels", out[0], []float32{0, 1, 2, 0, 0, 0, 3, 4, 0, 0}, 0)

	// PAD spatially: [1,2,2,1] by 1 on top and left.
	b = buildModel([]tTensor{
		{name: "in", shape: []int{1, 2, 2, 1}},
		{name: "p", typ: Int32, shape: []int{4, 2}, i32: i32s(0, 0, 1, 0, 1, 0, 0, 0)},
		{name: "out", shape: []int{1, 3, 3, 1}},
	}, []tOp{{code: opPad, inputs: i32s(0, 1), outputs: i32s(2)}}, []int{0}, []int{2})
	out, _ = runModel(t, b, []float32{1, 2, 3, 4})
	assertClose(t, "pad spatial", out[0], []float32{0, 0, 0, 0, 1, 2, 0, 3, 4}, 0)

	// CONCATENATION on axis 1 (as BlazeFace joins its two anchor layers),
	// then RESHAPE with -1 from the options' new_shape.
	b = buildModel([]tTensor{
		{name: "a", shape: []int{1, 2, 2}},
		{name: "b", shape: []int{1, 1, 2}, f32: []float32{9, 9}},
		{name: "c", shape: []int{1, 3, 2}},
		{name: "r", shape: []int{3, 2}},
	}, []tOp{
		{code: opConcatenation, inputs: i32s(0, 1), outputs: i32s(2), opts: wtbl(int32(1), uint8(0))},
		{code: opReshape, inputs: i32s(2), outputs: i32s(3), opts: wtbl(i32s(-1, 2))},
	}, []int{0}, []int{3, 2})
	outs, shapes := runModel(t, b, []float32{1, 2, 3, 4})
	assertShape(t, "reshape", shapes[0], []int{3, 2})
	assertClose(t, "concat", outs[1], []float32{1, 2, 3, 4, 9, 9}, 0)

	// Negative axis concatenation.
	b = buildModel([]tTensor{
		{name: "a", shape: []int{2, 1}},
		{name: "b", shape: []int{2, 2}, f32: []float32{5, 6, 7, 8}},
		{name: "c", shape: []int{2, 3}},
	}, []tOp{{code: opConcatenation, inputs: i32s(0, 1), outputs: i32s(2), opts: wtbl(int32(-1), uint8(0))}}, []int{0}, []int{2})
	out, _ = runModel(t, b, []float32{1, 2})
	assertClose(t, "concat -1", out[0], []float32{1, 5, 6, 2, 7, 8}, 0)
}

func TestStridedSlice(t *testing.T) {
	in := make([]float32, 2*3*4)
	for i := range in {
		in[i] = float32(i)
	}
	for _, tc := range []struct {
		name                string
		begin, end, strides []int32
		beginMask, endMask  int32
		shrink              int32
		wantShape           []int
		want                []float32
	}{
		{"all masked", i32s(0, 0, 0), i32s(0, 0, 0), i32s(1, 1, 1), 7, 7, 0, []int{2, 3, 4}, in},
		{"row 1", i32s(0, 1, 0), i32s(2, 2, 4), i32s(1, 1, 1), 0, 0, 0, []int{2, 1, 4}, []float32{4, 5, 6, 7, 16, 17, 18, 19}},
		{"negative and stride", i32s(0, 0, -1), i32s(1, 3, 0), i32s(1, 2, -2), 0, 0, 0, []int{1, 2, 2}, []float32{3, 1, 11, 9}},
		{"shrink", i32s(1, 0, 2), i32s(2, 3, 3), i32s(1, 1, 1), 0, 0, 5, []int{3}, []float32{14, 18, 22}},
		{"begin/end mask as FaceAntiSpoofing", i32s(5, 5, 1), i32s(5, 5, 2), i32s(1, 1, 1), 3, 3, 0, []int{2, 3, 1}, []float32{1, 5, 9, 13, 17, 21}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := buildModel([]tTensor{
				{name: "in", shape: []int{2, 3, 4}},
				{name: "b", typ: Int32, shape: []int{3}, i32: tc.begin},
				{name: "e", typ: Int32, shape: []int{3}, i32: tc.end},
				{name: "s", typ: Int32, shape: []int{3}, i32: tc.strides},
				{name: "out", shape: tc.wantShape},
			}, []tOp{{code: opStridedSlice, inputs: i32s(0, 1, 2, 3), outputs: i32s(4),
				opts: wtbl(tc.beginMask, tc.endMask, int32(0), int32(0), tc.shrink)}}, []int{0}, []int{4})
			out, shapes := runModel(t, b, in)
			assertShape(t, tc.name, shapes[0], tc.wantShape)
			assertClose(t, tc.name, out[0], tc.want, 0)
		})
	}
}

func TestReductionsAndNormalisation(t *testing.T) {
	in := []float32{1, 2, 3, 4, 5, 6} // [1,2,3]
	b := buildModel([]tTensor{
		{name: "in", shape: []int{1, 2, 3}},
		{name: "axis", typ: Int32, shape: []int{1}, i32: i32s(1)},
		{name: "mean", shape: []int{1, 3}},
		{name: "soft", shape: []int{1, 2, 3}},
		{name: "l2", shape: []int{1, 2, 3}},
	}, []tOp{
		{code: opMean, inputs: i32s(0, 1), outputs: i32s(2), opts: wtbl(false)},
		{code: opSoftmax, inputs: i32s(0), outputs: i32s(3), opts: wtbl(float32(1))},
		{code: opL2Normalization, inputs: i32s(0), outputs: i32s(4), opts: wtbl(uint8(0))},
	}, []int{0}, []int{2, 3, 4})
	outs, shapes := runModel(t, b, in)
	assertShape(t, "mean", shapes[0], []int{1, 3})
	assertClose(t, "mean", outs[0], []float32{2.5, 3.5, 4.5}, 1e-7)
	e := func(x float64) float32 { return float32(math.Exp(x)) }
	s := float32(1 + math.Exp(1) + math.Exp(2))
	assertClose(t, "softmax", outs[1], []float32{1 / s, e(1) / s, e(2) / s, 1 / s, e(1) / s, e(2) / s}, 1e-6)
	n1, n2 := float32(math.Sqrt(14)), float32(math.Sqrt(77))
	assertClose(t, "l2", outs[2], []float32{1 / n1, 2 / n1, 3 / n1, 4 / n2, 5 / n2, 6 / n2}, 1e-6)

	// MEAN over H and W with keep_dims (global average pooling).
	b = buildModel([]tTensor{
		{name: "in", shape: []int{1, 2, 2, 2}},
		{name: "axis", typ: Int32, shape: []int{2}, i32: i32s(1, 2)},
		{name: "mean", shape: []int{1, 1, 1, 2}},
	}, []tOp{{code: opMean, inputs: i32s(0, 1), outputs: i32s(2), opts: wtbl(true)}}, []int{0}, []int{2})
	outs, shapes = runModel(t, b, []float32{1, 10, 2, 20, 3, 30, 4, 40})
	assertShape(t, "mean keep", shapes[0], []int{1, 1, 1, 2})
	assertClose(t, "mean keep", outs[0], []float32{2.5, 25}, 1e-7)
}

func TestResizeBilinear(t *testing.T) {
	in := []float32{0, 1, 2, 3} // [1,2,2,1]
	for _, tc := range []struct {
		name        string
		align, half bool
		want        []float32
	}{
		// scale 0.5: x' = x*0.5 → 0, 0.5, 1, 1.5 (clamped to 1)
		{"default", false, false, []float32{
			0, 0.5, 1, 1,
			1, 1.5, 2, 2,
			2, 2.5, 3, 3,
			2, 2.5, 3, 3}},
		// align corners: scale (2-1)/(4-1) = 1/3
		{"align_corners", true, false, []float32{
			0, 1. / 3, 2. / 3, 1,
			2. / 3, 1, 4. / 3, 5. / 3,
			4. / 3, 5. / 3, 2, 7. / 3,
			2, 7. / 3, 8. / 3, 3}},
		// half pixel: x' = (x+0.5)*0.5-0.5 → -0.25, 0.25, 0.75, 1.25; TFLite
		// clamps both neighbours into the image, so the edge columns and
		// rows repeat the edge pixel.
		{"half_pixel", false, true, []float32{
			0, 0.25, 0.75, 1,
			0.5, 0.75, 1.25, 1.5,
			1.5, 1.75, 2.25, 2.5,
			2, 2.25, 2.75, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := buildModel([]tTensor{
				{name: "in", shape: []int{1, 2, 2, 1}},
				{name: "size", typ: Int32, shape: []int{2}, i32: i32s(4, 4)},
				{name: "out", shape: []int{1, 4, 4, 1}},
			}, []tOp{{code: opResizeBilinear, inputs: i32s(0, 1), outputs: i32s(2), opts: wtbl(nil, nil, tc.align, tc.half)}}, []int{0}, []int{2})
			out, _ := runModel(t, b, in)
			assertClose(t, tc.name, out[0], tc.want, 1e-6)
		})
	}
}

func TestPreluFullyConnectedCast(t *testing.T) {
	b := buildModel([]tTensor{
		{name: "in", shape: []int{1, 2, 2}},
		{name: "alpha", shape: []int{2}, f32: []float32{0.5, 2}},
		{name: "out", shape: []int{1, 2, 2}},
	}, []tOp{{code: opPrelu, inputs: i32s(0, 1), outputs: i32s(2)}}, []int{0}, []int{2})
	out, _ := runModel(t, b, []float32{-2, -2, 3, -1})
	assertClose(t, "prelu", out[0], []float32{-1, -4, 3, -2}, 0)

	// FULLY_CONNECTED: [2,3] × W[4,3]ᵀ + b, with keep_num_dims on a [1,2,3] input.
	w := []float32{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}
	b = buildModel([]tTensor{
		{name: "in", shape: []int{1, 2, 3}},
		{name: "w", shape: []int{4, 3}, f32: w},
		{name: "b", shape: []int{4}, f32: []float32{0, 0, 0, -1}},
		{name: "out", shape: []int{1, 2, 4}},
	}, []tOp{{code: opFullyConnected, inputs: i32s(0, 1, 2), outputs: i32s(3), opts: wtbl(uint8(0), uint8(0), true)}}, []int{0}, []int{3})
	outs, shapes := runModel(t, b, []float32{1, 2, 3, 4, 5, 6})
	assertShape(t, "fc", shapes[0], []int{1, 2, 4})
	assertClose(t, "fc", outs[0], []float32{1, 2, 3, 5, 4, 5, 6, 14}, 0)

	// GREATER_EQUAL → CAST bool→float32, as FaceAntiSpoofing routes its tree.
	b = buildModel([]tTensor{
		{name: "in", shape: []int{3}},
		{name: "zero", shape: []int{}, f32: []float32{0}},
		{name: "ge", typ: Bool, shape: []int{3}},
		{name: "f", shape: []int{3}},
	}, []tOp{
		{code: opGreaterEqual, inputs: i32s(0, 1), outputs: i32s(2)},
		{code: opCast, inputs: i32s(2), outputs: i32s(3)},
	}, []int{0}, []int{3})
	out, _ = runModel(t, b, []float32{-1, 0, 2})
	assertClose(t, "cast", out[0], []float32{0, 1, 1}, 0)
}

func TestDequantizeFP16Folded(t *testing.T) {
	// fp16 weights behind DEQUANTIZE (as BlazeFace stores them): 1.0 = 0x3c00,
	// -2.0 = 0xc000, 0.5 = 0x3800, a subnormal 0x0001 = 2^-24.
	raw := []byte{0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0x01, 0x00}
	b := buildModel([]tTensor{
		{name: "in", shape: []int{4}},
		{name: "w16", typ: Float16, shape: []int{4}, raw: raw},
		{name: "w", shape: []int{4}},
		{name: "out", shape: []int{4}},
	}, []tOp{
		{code: opDequantize, version: 2, inputs: i32s(1), outputs: i32s(2)},
		{code: opMul, inputs: i32s(0, 2), outputs: i32s(3), opts: wtbl(uint8(0))},
	}, []int{0}, []int{3})
	out, _ := runModel(t, b, []float32{1, 1, 1, 1})
	assertClose(t, "fp16", out[0], []float32{1, -2, 0.5, float32(math.Ldexp(1, -24))}, 0)
}

func TestUnsupportedAndInvalid(t *testing.T) {
	// An op we do not implement must name itself and its version.
	b := buildModel([]tTensor{{name: "in", shape: []int{2}}, {name: "out", shape: []int{2}}},
		[]tOp{{code: 73 /* LOG */, version: 1, inputs: i32s(0), outputs: i32s(1)}}, []int{0}, []int{1})
	_, err := LoadBytes(b)
	if !errors.Is(err, ErrUnsupportedOp) {
		t.Fatalf("LOG: err = %v, want ErrUnsupportedOp", err)
	}
	if want := "LOG version 1"; !contains(err.Error(), want) {
		t.Errorf("LOG: error %q does not name %q", err, want)
	}
	// A too-new version.
	b = buildModel([]tTensor{{name: "in", shape: []int{2}}, {name: "out", shape: []int{2}}},
		[]tOp{{code: opRelu, version: 99, inputs: i32s(0), outputs: i32s(1)}}, []int{0}, []int{1})
	if _, err := LoadBytes(b); !errors.Is(err, ErrUnsupportedOp) {
		t.Fatalf("RELU v99: err = %v, want ErrUnsupportedOp", err)
	}
	// Reading a tensor nobody wrote.
	b = buildModel([]tTensor{{name: "in", shape: []int{2}}, {name: "x", shape: []int{2}}, {name: "out", shape: []int{2}}},
		[]tOp{{code: opAdd, inputs: i32s(0, 1), outputs: i32s(2), opts: wtbl(uint8(0))}}, []int{0}, []int{2})
	if _, err := LoadBytes(b); !errors.Is(err, ErrInvalidModel) {
		t.Fatalf("dangling input: err = %v, want ErrInvalidModel", err)
	}
	// A constant whose buffer does not match its shape.
	b = buildModel([]tTensor{{name: "in", shape: []int{2}}, {name: "c", shape: []int{3}, f32: []float32{1, 2}}, {name: "out", shape: []int{2}}},
		[]tOp{{code: opAdd, inputs: i32s(0, 1), outputs: i32s(2), opts: wtbl(uint8(0))}}, []int{0}, []int{2})
	if _, err := LoadBytes(b); !errors.Is(err, ErrInvalidModel) {
		t.Fatalf("short buffer: err = %v, want ErrInvalidModel", err)
	}
	// Not a flatbuffer at all.
	for _, junk := range [][]byte{nil, []byte("TFL3"), []byte("\x10\x00\x00\x00TFL3garbage-garbage")} {
		if _, err := LoadBytes(junk); !errors.Is(err, ErrInvalidModel) {
			t.Errorf("junk %q: err = %v, want ErrInvalidModel", junk, err)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestArenaReuseKeepsResults(t *testing.T) {
	// A chain a→relu→abs→neg-ish: intermediates share arena space, and
	// the result must be as if each had its own buffer.
	b := buildModel([]tTensor{
		{name: "in", shape: []int{64}},
		{name: "t1", shape: []int{64}},
		{name: "t2", shape: []int{64}},
		{name: "t3", shape: []int{64}},
		{name: "out", shape: []int{64}},
	}, []tOp{
		{code: opAbs, inputs: i32s(0), outputs: i32s(1)},
		{code: opRelu6, inputs: i32s(1), outputs: i32s(2)},
		{code: opAdd, inputs: i32s(1, 2), outputs: i32s(3), opts: wtbl(uint8(0))},
		{code: opMul, inputs: i32s(3, 0), outputs: i32s(4), opts: wtbl(uint8(0))},
	}, []int{0}, []int{4})
	in := randVec(rand.New(rand.NewSource(3)), 64)
	for i := range in {
		in[i] *= 10
	}
	out, _ := runModel(t, b, in)
	want := make([]float32, 64)
	for i, v := range in {
		a := float32(math.Abs(float64(v)))
		want[i] = (a + min(a, 6)) * v
	}
	assertClose(t, "chain", out[0], want, 1e-6)
}
