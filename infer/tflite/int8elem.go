package tflite

import (
	"fmt"
	"math"
)

// ---- ADD / MUL ----

// binary8 is int8 ADD or MUL with broadcasting.
//
// ADD is XNNPACK's qs8 vadd: both inputs are scaled by fixed-point
// multipliers with a common shift chosen from the larger of the two scale
// ratios (a_scale/out_scale, b_scale/out_scale, float32):
// shift = 20 − exponent(larger ratio), multiplier = round_even(ratio·2^shift),
// out = (bias + a·ma + b·mb) >> shift (arithmetic shift; bias holds
// 2^(shift−1) and −ma·za − mb·zb, so the shift rounds half up), clamped,
// + out_zp. TFLite's reference ADD instead shifts the inputs left by 20 and
// applies three MultiplyByQuantizedMultiplier steps.
//
// MUL is XNNPACK's qs8 vmul with fp32 requantization:
// requant((a−za)·(b−zb), a_scale·b_scale/out_scale). TFLite's reference
// uses a fixed-point multiplier for the same product.
type binary8 struct {
	code       int32
	bc         *binop // shape, broadcast strides
	za, zb, zo int32
	lo, hi     int32
	add        i8AddParams
	// MUL
	scale float32
}

// i8AddParams are the constants of the ADD row kernel, laid out as the
// assembly reads them.
type i8AddParams struct {
	ma, mb, bias, shift int32
	lo, hi              int32 // output range less the zero point
	zo                  int32
}

// i8AddRowGo is the portable ADD row: out[i] = clamp((bias + a[i]·ma +
// b[i]·mb) >> shift) + zo, in int32 (wrapping like the SIMD lanes; the
// multipliers keep the sum far from overflow).
func i8AddRowGo(a, b, out []int8, p *i8AddParams) {
	a, b = a[:len(out)], b[:len(out)]
	sh := uint(p.shift)
	for i := range out {
		v := (p.bias + int32(a[i])*p.ma + int32(b[i])*p.mb) >> sh
		out[i] = int8(min(max(v, p.lo), p.hi) + p.zo)
	}
}

func newBinary8(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 2, 1)
	if err != nil {
		return nil, err
	}
	k := &binary8{code: op.code, bc: &binop{code: op.code, a: in[0], b: in[1], out: out[0]}}
	sa, za, err := qparams(in[0])
	if err != nil {
		return nil, err
	}
	sb, zb, err := qparams(in[1])
	if err != nil {
		return nil, err
	}
	so, zo, err := qparams(out[0])
	if err != nil {
		return nil, err
	}
	if in[1].def.typ != Int8 {
		return nil, fmt.Errorf("%w: %s of int8 and %v", ErrUnsupportedOp, opName(op.code), in[1].def.typ)
	}
	k.za, k.zb, k.zo = za, zb, zo
	if k.lo, k.hi, err = actRange8(op.opts.activation, so, zo); err != nil {
		return nil, err
	}
	if op.code == opAdd {
		ma, mb, shift, err := addParams(sa, sb, so)
		if err != nil {
			return nil, err
		}
		k.add = i8AddParams{ma: ma, mb: mb, shift: int32(shift), bias: int32(1)<<(shift-1) - ma*za - mb*zb, lo: k.lo - zo, hi: k.hi - zo, zo: zo}
	} else {
		k.scale = sa * sb / so
	}
	return k, nil
}

// addParams computes XNNPACK's qs8 vadd multipliers and shift
// (xnn_init_qs8_add_minmax_scalar_params): the ratios are float32
// divisions a_scale/out_scale (a multiply by 1/out_scale differs in the
// last bit for some scales, and LiteRT's BlazeFace then differs in a sum
// that lands 1.6e-5 steps from a tie), multipliers of 20 significant bits.
func addParams(sa, sb, so float32) (ma, mb int32, shift uint, err error) {
	ra, rb := sa/so, sb/so
	m := max(ra, rb)
	// XNNPACK documents ratios in [2^-10, 2^8). Above, one input step is
	// hundreds of output steps and the sums saturate (LiteRT's outputs
	// match this formula on such cases); below, |sum| < 0.25 output steps
	// and every output is the zero point, which a shift capped at 31
	// gives.
	if !(m > 0 && m < 0x1p+19) {
		return 0, 0, 0, fmt.Errorf("%w: int8 ADD input/output scale ratio %g outside (0, 2^19)", ErrUnsupportedOp, m)
	}
	exp := int(math.Float32bits(m)>>23) - 127
	shift = uint(min(20-exp, 31))
	ma = roundEven(ra * float32(math.Ldexp(1, int(shift))))
	mb = roundEven(rb * float32(math.Ldexp(1, int(shift))))
	return ma, mb, shift, nil
}

func (k *binary8) prepare() (int, error) { return k.bc.prepare() }

func (k *binary8) eval(*Interpreter) {
	if k.bc.out.n == 0 {
		return
	}
	b := k.bc
	rank := b.rank
	inner := b.dims[rank-1]
	ia, ib := b.sa[rank-1], b.sb[rank-1]
	var idx [maxRank]int
	offA, offB, offO := 0, 0, 0
	for {
		k.row(b.a.i8[offA:], b.b.i8[offB:], ia, ib, b.out.i8[offO:offO+inner])
		offO += inner
		d := rank - 2
		for ; d >= 0; d-- {
			idx[d]++
			offA += b.sa[d]
			offB += b.sb[d]
			if idx[d] < b.dims[d] {
				break
			}
			offA -= b.sa[d] * b.dims[d]
			offB -= b.sb[d] * b.dims[d]
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

func (k *binary8) row(a, b []int8, ia, ib int, out []int8) {
	if k.code == opAdd {
		if ia == 1 && ib == 1 {
			i8AddRow(a, b, out, &k.add)
			return
		}
		p := &k.add
		for i := range out {
			v := (p.bias + int32(a[i*ia])*p.ma + int32(b[i*ib])*p.mb) >> uint(p.shift)
			out[i] = int8(min(max(v, p.lo), p.hi) + p.zo)
		}
		return
	}
	for i := range out {
		acc := (int32(a[i*ia]) - k.za) * (int32(b[i*ib]) - k.zb)
		out[i] = requant(acc, k.scale, k.zo, k.lo, k.hi)
	}
}

// ---- PRELU ----

// prelu8 is int8 PRELU as TFLite's reference kernel (LiteRT's outputs match
// it, not a float requantization, so XNNPACK does not run it there): x ≥ zp
// gives
// MultiplyByQuantizedMultiplier(x−zp, in_scale/out_scale), otherwise
// MultiplyByQuantizedMultiplier((x−zp)·(alpha−alpha_zp),
// in_scale·alpha_scale/out_scale), plus out_zp, saturated to int8. The
// scale ratios are computed in float32 as TFLite's Prepare does.
//
// The output depends only on x and the alpha element, so with a constant
// alpha the kernel is a table of 256 outputs per alpha element, built when
// the interpreter is created.
type prelu8 struct {
	bc         *binop
	zi, za, zo int32
	m1, m2     int32
	s1, s2     int
	lut        [][256]int8 // per alpha element, indexed by uint8(x)^0x80; for a constant alpha
	lutFlat    []int8      // the same tables back to back (lutS8's layout)
}

func newPrelu8(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 2, 1)
	if err != nil {
		return nil, err
	}
	if in[1].def.typ != Int8 {
		return nil, fmt.Errorf("%w: PRELU of int8 with %v alpha", ErrUnsupportedOp, in[1].def.typ)
	}
	si, zi, err := qparams(in[0])
	if err != nil {
		return nil, err
	}
	sa, za, err := qparams(in[1])
	if err != nil {
		return nil, err
	}
	so, zo, err := qparams(out[0])
	if err != nil {
		return nil, err
	}
	k := &prelu8{bc: &binop{a: in[0], b: in[1], out: out[0]}, zi: zi, za: za, zo: zo}
	k.m1, k.s1 = quantizeMultiplier(float64(si / so))
	k.m2, k.s2 = quantizeMultiplier(float64(si * sa / so))
	// 256 bytes per alpha element: per-channel alphas (a few hundred
	// channels) get a table, an alpha as large as the input is computed
	// per element.
	if a := in[1].def.i8; a != nil && len(a) <= 4096 {
		k.lutFlat = make([]int8, 256*len(a))
		k.lut = make([][256]int8, len(a))
		for i, av := range a {
			for x := -128; x < 128; x++ {
				k.lut[i][x+128] = k.one(int8(x), av)
			}
			copy(k.lutFlat[i*256:], k.lut[i][:])
		}
	}
	return k, nil
}

// one computes the output for input x and alpha a.
func (k *prelu8) one(x, a int8) int8 {
	v := int32(x) - k.zi
	var r int32
	if v >= 0 {
		r = multiplyByQuantizedMultiplier(v, k.m1, k.s1)
	} else {
		r = multiplyByQuantizedMultiplier(v*(int32(a)-k.za), k.m2, k.s2)
	}
	return int8(min(max(r+k.zo, -128), 127))
}

func (k *prelu8) prepare() (int, error) {
	if _, err := k.bc.prepare(); err != nil {
		return 0, err
	}
	if !sameShape(k.bc.out.shape, k.bc.a.shape) {
		return 0, fmt.Errorf("%w: PRELU alpha %v does not broadcast to input %v", ErrInvalidModel, k.bc.b.shape, k.bc.a.shape)
	}
	return 0, nil
}

func (k *prelu8) eval(ip *Interpreter) {
	b := k.bc
	if b.out.n == 0 {
		return
	}
	// [pixels, channels] with one alpha per channel (or one row): the
	// shared per-channel table kernel, pixels split over the workers.
	if k.lut != nil && b.rank == 2 && b.sa[1] == 1 && b.sb[1] == 1 && b.sa[0] == b.dims[1] && b.sb[0] == 0 {
		ip.parallelElems(k, (b.dims[0]+prelu8Block-1)/prelu8Block, b.out.n)
		return
	}
	if k.lut != nil && b.rank == 1 && b.sa[0] == 1 && b.sb[0] == 1 {
		lutS8(b.out.i8, b.a.i8, k.lutFlat, 1, b.dims[0])
		return
	}
	rank := b.rank
	inner := b.dims[rank-1]
	ia, ib := b.sa[rank-1], b.sb[rank-1]
	var idx [maxRank]int
	offA, offB, offO := 0, 0, 0
	for {
		x, out := b.a.i8[offA:], b.out.i8[offO:offO+inner]
		switch {
		case k.lut != nil && ia == 1 && ib == 1:
			lut := k.lut[offB : offB+inner]
			x = x[:len(out)]
			lut = lut[:len(out)]
			for i, v := range x {
				out[i] = lut[i][uint8(v)^0x80]
			}
		case k.lut != nil:
			for i := range out {
				out[i] = k.lut[offB+i*ib][uint8(x[i*ia])^0x80]
			}
		default:
			a := b.b.i8[offB:]
			for i := range out {
				out[i] = k.one(x[i*ia], a[i*ib])
			}
		}
		offO += inner
		d := rank - 2
		for ; d >= 0; d-- {
			idx[d]++
			offA += b.sa[d]
			offB += b.sb[d]
			if idx[d] < b.dims[d] {
				break
			}
			offA -= b.sa[d] * b.dims[d]
			offB -= b.sb[d] * b.dims[d]
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// prelu8Block is the pixels of one work item of a per-channel PRELU.
const prelu8Block = 16

// runRange applies the per-channel tables to pixel blocks [lo,hi).
func (k *prelu8) runRange(_ *Interpreter, _, lo, hi int) {
	b := k.bc
	c := b.dims[1]
	p0, p1 := lo*prelu8Block, min(hi*prelu8Block, b.dims[0])
	lutS8(b.out.i8[p0*c:p1*c], b.a.i8[p0*c:p1*c], k.lutFlat, p1-p0, c)
}

// quantizeMultiplier splits a real multiplier into a Q31 fixed-point value
// and a power-of-two exponent, as TFLite's QuantizeMultiplier.
func quantizeMultiplier(m float64) (int32, int) {
	if m == 0 {
		return 0, 0
	}
	q, shift := math.Frexp(m)
	qf := int64(math.Round(q * (1 << 31)))
	if qf == 1<<31 {
		qf /= 2
		shift++
	}
	if shift < -31 {
		shift, qf = 0, 0
	}
	if shift > 30 {
		shift, qf = 30, 1<<31-1
	}
	return int32(qf), shift
}

// multiplyByQuantizedMultiplier is TFLite's
// MultiplyByQuantizedMultiplier: a saturating rounding doubling high
// multiply, then a rounding (half away from zero) right shift.
func multiplyByQuantizedMultiplier(x, m int32, shift int) int32 {
	left, right := 0, 0
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x*(1<<left), m), right)
}

func saturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == b && a == math.MinInt32 {
		return math.MaxInt32
	}
	ab := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if ab < 0 {
		nudge = 1 - 1<<30
	}
	return int32((ab + nudge) / (1 << 31))
}

func roundingDivideByPOT(x int32, exp int) int32 {
	mask := int32(1)<<exp - 1
	rem := x & mask
	th := mask >> 1
	if x < 0 {
		th++
	}
	r := x >> exp
	if rem > th {
		r++
	}
	return r
}

// ---- MAX_POOL_2D / AVERAGE_POOL_2D ----

// pool8 is int8 pooling; input and output share scale and zero point.
// MAX_POOL_2D takes the window maximum and clamps to the fused activation.
// AVERAGE_POOL_2D is TFLite's integer kernel: the sum of the raw int8
// values over the part of the window inside the input, divided by that
// count rounding half away from zero, clamped.
type pool8 struct {
	*pool2d
	lo8, hi8 int32
}

func newPool8(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	so, zo, err := sameQuant8(op.code, in[0], out[0])
	if err != nil {
		return nil, err
	}
	if op.opts.filterW <= 0 || op.opts.filterH <= 0 {
		return nil, fmt.Errorf("%w: filter %dx%d", ErrInvalidModel, op.opts.filterW, op.opts.filterH)
	}
	k := &pool8{pool2d: &pool2d{code: op.code, in: in[0], out: out[0], o: op.opts}}
	if k.lo8, k.hi8, err = actRange8(op.opts.activation, so, zo); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *pool8) eval(ip *Interpreter) {
	ip.parallelElems(k, k.n*k.oh, k.out.n)
}

// runRange computes output rows [lo,hi), counted across the batch.
func (k *pool8) runRange(_ *Interpreter, _, lo, hi int) {
	if k.code == opMaxPool2d {
		k.maxPool(lo, hi)
		return
	}
	in, out := k.in.i8, k.out.i8
	c := k.c
	var accBuf [64]int32
	for r := lo; r < hi; r++ {
		b, oy := r/k.oh, r%k.oh
		y0 := oy*k.o.strideH - k.padT
		ys, ye := max(y0, 0), min(y0+k.o.filterH, k.h)
		for ox := 0; ox < k.ow; ox++ {
			x0 := ox*k.o.strideW - k.padL
			xs, xe := max(x0, 0), min(x0+k.o.filterW, k.w)
			o := out[((b*k.oh+oy)*k.ow+ox)*c:][:c]
			cnt := int32((ye - ys) * (xe - xs))
			for c0 := 0; c0 < c; c0 += len(accBuf) {
				acc := accBuf[:min(len(accBuf), c-c0)]
				clear(acc)
				for y := ys; y < ye; y++ {
					for x := xs; x < xe; x++ {
						p := in[((b*k.h+y)*k.w+x)*c+c0:][:len(acc)]
						for i, v := range p {
							acc[i] += int32(v)
						}
					}
				}
				for i, v := range acc {
					if cnt > 0 {
						if v > 0 {
							v = (v + cnt/2) / cnt
						} else {
							v = (v - cnt/2) / cnt
						}
					}
					o[c0+i] = int8(min(max(v, k.lo8), k.hi8))
				}
			}
		}
	}
}

// maxPool is MAX_POOL_2D on int8 values directly, output rows [r0,r1).
func (k *pool8) maxPool(r0, r1 int) {
	in, out := k.in.i8, k.out.i8
	c := k.c
	clampOut := k.lo8 > -128 || k.hi8 < 127
	lo, hi := int8(k.lo8), int8(k.hi8)
	for r := r0; r < r1; r++ {
		b, oy := r/k.oh, r%k.oh
		y0 := oy*k.o.strideH - k.padT
		ys, ye := max(y0, 0), min(y0+k.o.filterH, k.h)
		for ox := 0; ox < k.ow; ox++ {
			x0 := ox*k.o.strideW - k.padL
			xs, xe := max(x0, 0), min(x0+k.o.filterW, k.w)
			o := out[((b*k.oh+oy)*k.ow+ox)*c:][:c]
			first := true
			for y := ys; y < ye; y++ {
				for x := xs; x < xe; x++ {
					p := in[((b*k.h+y)*k.w+x)*c:][:c]
					if first {
						copy(o, p)
						first = false
						continue
					}
					i8MaxRow(o, p)
				}
			}
			if first { // empty window
				for i := range o {
					o[i] = -128
				}
			}
			if clampOut {
				for i, v := range o {
					o[i] = min(max(v, lo), hi)
				}
			}
		}
	}
}

// i8MaxRowGo sets o[i] = max(o[i], p[i]) for i < len(o).
func i8MaxRowGo(o, p []int8) {
	p = p[:len(o)]
	for i, v := range p {
		o[i] = max(o[i], v)
	}
}

// ---- RELU / RELU6 ----

// relu8 is int8 RELU or RELU6 with the output quantized as the input: a
// clamp at the quantized 0 (and 6), the values XNNPACK's clamp uses. (The
// loader folds it into a preceding convolution or ADD, fuse.go.)
type relu8 struct {
	in, out *Tensor
	lo, hi  int8
}

func newRelu8(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	so, zo, err := sameQuant8(op.code, in[0], out[0])
	if err != nil {
		return nil, err
	}
	act := 1
	if op.code == opRelu6 {
		act = 3
	}
	lo, hi, err := actRange8(act, so, zo)
	if err != nil {
		return nil, err
	}
	return &relu8{in: in[0], out: out[0], lo: int8(lo), hi: int8(hi)}, nil
}

func (k *relu8) prepare() (int, error) { return 0, setShape(k.out, k.in.shape) }

func (k *relu8) eval(*Interpreter) {
	out := k.out.i8
	for i, v := range k.in.i8[:len(out)] {
		out[i] = min(max(v, k.lo), k.hi)
	}
}
