package tflite

import (
	"fmt"
	"math"
)

// int8 (full-integer quantized) kernels.
//
// The reference is Google's runtime as facegate uses it, LiteRT.js
// (@litertjs/core, WASM + XNNPACK, pinned in bench/litert): our int8 outputs
// must equal its outputs exactly, so each kernel computes what XNNPACK (or,
// for the ops XNNPACK does not take, TFLite's builtin kernel) computes on
// the same file, found op by op with single-op models (int8_golden_test.go)
// and documented on each kernel. The main difference from TFLite's
// reference kernels is requantization: XNNPACK scales the int32 accumulator
// in float32 ("fp32" requantization: float32(acc)·scale, clamp, round half
// to even, + zero point) where the reference kernels multiply by a 31-bit
// fixed-point multiplier and shift (MultiplyByQuantizedMultiplier). The two
// differ by one in the last bit for some accumulators.
//
// What LiteRT.js computes, as found with the single-op models of
// int8cases_test.go (their outputs are in testdata/golden/int8):
//
//	QUANTIZE, DEQUANTIZE, CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
//	ADD, MUL, MAX_POOL_2D, PAD, RESHAPE, CONCATENATION, RELU/RELU6:
//	    XNNPACK's qs8/qc8 kernels (fp32 requantization, round half to
//	    even; ADD's fixed-point multipliers with a round-half-up shift)
//	PRELU, AVERAGE_POOL_2D:
//	    TFLite's integer kernels (fixed-point PRELU, average rounded half
//	    away from zero)
//
// Fused activations become int8 bounds the XNNPACK way,
// round_even(v/scale + zp) in float32.

func init() {
	for code, s := range map[int32]opSpec{
		opQuantize:        {2, [][]DataType{{Float32}}, []DataType{Int8}, newQuantize8},
		opDequantize:      {6, [][]DataType{{Int8}}, []DataType{Float32}, newDequantize8},
		opConv2d:          {8, [][]DataType{{Int8}, {Int8}, {Int32}}, []DataType{Int8}, newConv8},
		opDepthwiseConv2d: {7, [][]DataType{{Int8}, {Int8}, {Int32}}, []DataType{Int8}, newDepthwise8},
		opFullyConnected:  {12, [][]DataType{{Int8}, {Int8}, {Int32}}, []DataType{Int8}, newFullyConnected8},
		opAdd:             {5, [][]DataType{{Int8}}, []DataType{Int8}, newBinary8},
		opMul:             {7, [][]DataType{{Int8}}, []DataType{Int8}, newBinary8},
		opPrelu:           {1, [][]DataType{{Int8}}, []DataType{Int8}, newPrelu8},
		opMaxPool2d:       {3, [][]DataType{{Int8}}, []DataType{Int8}, newPool8},
		opAveragePool2d:   {3, [][]DataType{{Int8}}, []DataType{Int8}, newPool8},
		opPad:             {4, [][]DataType{{Int8}, intShape}, []DataType{Int8}, newPad8},
		opReshape:         {1, [][]DataType{{Int8}, intShape}, []DataType{Int8}, newReshape8},
		opConcatenation:   {4, [][]DataType{{Int8}}, []DataType{Int8}, newConcat8},
		opRelu:            {3, [][]DataType{{Int8}}, []DataType{Int8}, newRelu8},
		opRelu6:           {3, [][]DataType{{Int8}}, []DataType{Int8}, newRelu8},
	} {
		int8Registry[code] = s
	}
}

// qparams returns a tensor's per-tensor quantization.
func qparams(t *Tensor) (scale float32, zp int32, err error) {
	s, z, ok := t.Quantization()
	if !ok {
		return 0, 0, fmt.Errorf("%w: int8 tensor %q needs per-tensor quantization parameters", ErrInvalidModel, t.def.name)
	}
	if !(s > 0) || math.IsInf(float64(s), 0) {
		return 0, 0, fmt.Errorf("%w: int8 tensor %q has scale %g", ErrInvalidModel, t.def.name, s)
	}
	if z < -128 || z > 127 {
		return 0, 0, fmt.Errorf("%w: int8 tensor %q has zero point %d", ErrInvalidModel, t.def.name, z)
	}
	return s, z, nil
}

// sameQuant8 returns the quantization of an op whose output must be
// quantized exactly as its input (PAD, pooling, RELU).
func sameQuant8(code int32, in, out *Tensor) (scale float32, zp int32, err error) {
	si, zi, err := qparams(in)
	if err != nil {
		return 0, 0, err
	}
	so, zo, err := qparams(out)
	if err != nil {
		return 0, 0, err
	}
	if si != so || zi != zo {
		return 0, 0, fmt.Errorf("%w: int8 %s with input scale %g zero point %d and output %g %d (they must be equal)", ErrUnsupportedOp, opName(code), si, zi, so, zo)
	}
	return so, zo, nil
}

// roundEven rounds to the nearest integer, ties to even (what the FPU's
// default rounding, lrintf and XNNPACK's magic-bias trick do).
func roundEven(f float32) int32 { return int32(math.RoundToEven(float64(f))) }

// roundEvenSmall is roundEven for |f| < 2^22 (every clamped value): adding
// 1.5·2^23 rounds f to an integer in the low mantissa bits.
func roundEvenSmall(f float32) int32 {
	return int32(math.Float32bits(f+12582912) - 0x4B400000)
}

// quantizeEdge returns the int8 value XNNPACK gives a float bound of a
// fused activation: lrintf(clamp(v/scale + zp, −128, 127)), computed in
// float32 (xnn_qs8_quantize). TFLite's reference computes
// zp + round_half_away(v/scale) instead.
func quantizeEdge(v, scale float32, zp int32) int32 {
	f := v/scale + float32(zp)
	return roundEven(min(max(f, -128), 127))
}

// actRange8 returns the int8 output range of a fused activation.
func actRange8(a int, scale float32, zp int32) (lo, hi int32, err error) {
	lo, hi = -128, 127
	switch a {
	case 0:
	case 1:
		lo = quantizeEdge(0, scale, zp)
	case 2:
		lo, hi = quantizeEdge(-1, scale, zp), quantizeEdge(1, scale, zp)
	case 3:
		lo, hi = quantizeEdge(0, scale, zp), quantizeEdge(6, scale, zp)
	default:
		return 0, 0, fmt.Errorf("%w: fused activation %d on an int8 op", ErrUnsupportedOp, a)
	}
	return lo, hi, nil
}

// requant is XNNPACK's fp32 requantization of one accumulator: the float32
// product, clamped to the output range less the zero point, rounded half to
// even, plus the zero point (xnn_qs8_requantize_fp32 and the fp32 GEMM,
// depthwise and vmul microkernels).
func requant(acc int32, scale float32, zp, lo, hi int32) int8 {
	f := float32(acc) * scale
	f = max(f, float32(lo-zp))
	f = min(f, float32(hi-zp))
	return int8(roundEvenSmall(f) + zp)
}

// ---- QUANTIZE ----

// quantize8 is QUANTIZE float32 → int8 as XNNPACK's f32-qs8 convert:
// x·(1/scale) in float32 (a multiply by the reciprocal, not a division),
// clamped to [−128−zp, 127−zp], rounded half to even, plus zp. TFLite's
// reference divides and rounds half away from zero.
type quantize8 struct {
	in, out *Tensor
	inv     float32
	zp      int32
}

func newQuantize8(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	s, zp, err := qparams(out[0])
	if err != nil {
		return nil, err
	}
	return &quantize8{in: in[0], out: out[0], inv: 1 / s, zp: zp}, nil
}

func (k *quantize8) prepare() (int, error) { return 0, setShape(k.out, k.in.shape) }

func (k *quantize8) eval(ip *Interpreter) {
	// Split over the workers, so that each core holds the int8 rows the
	// next layer reads there: the image's QUANTIZE feeds the first
	// convolution, whose im2col read the other core's half of a
	// caller-written buffer a few bytes at a time (on this VM it took
	// BlazeFace's first layer from 81 µs to 183 µs at two threads).
	n := len(k.out.i8)
	ip.parallelElems(k, (n+quantBlock-1)/quantBlock, n)
}

// quantBlock is the elements of one work item of QUANTIZE.
const quantBlock = 1024

// runRange quantizes blocks [lo,hi) of quantBlock elements.
func (k *quantize8) runRange(_ *Interpreter, _, lo, hi int) {
	n := len(k.out.i8)
	out := k.out.i8[lo*quantBlock : min(hi*quantBlock, n)]
	in := k.in.f32[lo*quantBlock:][:len(out)]
	lo8, hi8 := float32(-128-k.zp), float32(127-k.zp)
	for i, v := range in {
		f := v * k.inv
		f = max(f, lo8)
		f = min(f, hi8)
		out[i] = int8(roundEvenSmall(f) + k.zp)
	}
}

// ---- DEQUANTIZE ----

// dequantize8 is DEQUANTIZE int8 → float32: float32(q − zp)·scale, as
// XNNPACK's qs8-f32 convert and TFLite's reference (whose double product
// rounds to the same float: both are exact before the final rounding).
type dequantize8 struct {
	in, out *Tensor
	scale   float32
	zp      int32
}

func newDequantize8(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	if out[0].def.isConst() {
		return &dequantize{folded: true}, nil
	}
	s, zp, err := qparams(in[0])
	if err != nil {
		return nil, err
	}
	return &dequantize8{in: in[0], out: out[0], scale: s, zp: zp}, nil
}

func (k *dequantize8) prepare() (int, error) { return 0, setShape(k.out, k.in.shape) }

func (k *dequantize8) eval(*Interpreter) {
	out := k.out.f32
	in := k.in.i8[:len(out)]
	for i, q := range in {
		out[i] = float32(int32(q)-k.zp) * k.scale
	}
}

// ---- RESHAPE ----

// reshape8 is RESHAPE of an int8 tensor: a copy (the quantization of input
// and output is the same in the files TFLite writes; XNNPACK treats it as
// a copy whatever the parameters).
type reshape8 struct{ *reshape }

func newReshape8(ip *Interpreter, op *opDef) (kernel, error) {
	k, err := newReshape(ip, op)
	if err != nil {
		return nil, err
	}
	return &reshape8{k.(*reshape)}, nil
}

func (k *reshape8) eval(*Interpreter) { copy(k.out.i8, k.in.i8) }

// ---- PAD ----

// pad8 is PAD of an int8 tensor: the padding value is the output zero
// point (a real 0), as in TFLite and XNNPACK.
type pad8 struct {
	*pad
	zp int8
}

func newPad8(ip *Interpreter, op *opDef) (kernel, error) {
	kp, err := newPad(ip, op)
	if err != nil {
		return nil, err
	}
	p := kp.(*pad)
	_, zo, err := sameQuant8(op.code, p.in, p.out)
	if err != nil {
		return nil, err
	}
	return &pad8{pad: p, zp: int8(zo)}, nil
}

func (k *pad8) eval(ip *Interpreter) {
	if r := k.rank; r > 0 && k.channelsOnly() {
		// Padding along the last axis only: each output row written
		// once, the rows split over the workers.
		ip.parallelElems(k, k.in.n/k.ins[r-1], k.out.n)
		return
	}
	out := k.out.i8
	if len(out) > 0 {
		out[0] = k.zp
		for n := 1; n < len(out); n *= 2 {
			copy(out[n:], out[:n])
		}
	}
	r := k.rank
	in := k.in.i8
	if r == 0 {
		copy(out, in)
		return
	}
	padRows(k.pad, out, in)
}

// runRange pads rows [lo,hi) when only the last axis is padded.
func (k *pad8) runRange(_ *Interpreter, _, lo, hi int) {
	padChannels(k.pad, k.out.i8, k.in.i8, k.zp, lo, hi)
}

// ---- CONCATENATION ----

// concat8 concatenates int8 tensors that share the output's scale and zero
// point (TFLite's int8 CONCATENATION requires that; it does not
// requantize), so it is a copy.
type concat8 struct{ *concat }

func newConcat8(ip *Interpreter, op *opDef) (kernel, error) {
	kc, err := newConcat(ip, op)
	if err != nil {
		return nil, err
	}
	c := kc.(*concat)
	so, zo, err := qparams(c.out)
	if err != nil {
		return nil, err
	}
	if op.opts.activation != 0 {
		return nil, fmt.Errorf("%w: int8 CONCATENATION with a fused activation", ErrUnsupportedOp)
	}
	for _, t := range c.in {
		s, z, err := qparams(t)
		if err != nil {
			return nil, err
		}
		if s != so || z != zo {
			return nil, fmt.Errorf("%w: int8 CONCATENATION input %q (scale %g, zero point %d) differs from the output's (%g, %d)", ErrUnsupportedOp, t.def.name, s, z, so, zo)
		}
	}
	return &concat8{c}, nil
}

func (k *concat8) eval(*Interpreter) {
	out := k.out.i8
	o := 0
	for i := 0; i < k.outer; i++ {
		for _, t := range k.in {
			chunk := t.n / max(k.outer, 1)
			copy(out[o:o+chunk], t.i8[i*chunk:(i+1)*chunk])
			o += chunk
		}
	}
}
