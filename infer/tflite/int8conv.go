package tflite

import (
	"fmt"
)

// int8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED.
//
// All three are XNNPACK's qs8 (per-tensor weights) / qc8 (per-channel
// weights) operators: the int32 accumulator is bias + Σ (x − x_zp)·w
// (weights are symmetric, zero point 0; the input zero point is folded into
// the bias at load: bias − x_zp·Σw), requantized in float32 with the
// per-channel scale x_scale·w_scale[c]/out_scale (float32, left to right)
// by requant. Padding reads as the input zero point, i.e. a real 0. TFLite's
// reference kernels differ only in the requantization (fixed-point
// multiplier and shift, rounding half away from zero on the shift).

// weights8 are an op's int8 weights as N rows of K with the per-row
// quantities the kernels need.
type weights8 struct {
	w     []int8    // N×K, TFLite order (depthwise: unused)
	pk    *s8Panels // w packed for gemmS8, rows padded with zeros to np
	n, k  int
	np    int       // n rounded up to whole 16-column panels: the accumulator row length
	bias  []int32   // bias − x_zp·Σ_k w[j][k] (when folded)
	scale []float32 // requantization scale per output channel
	zo    int32
	lo    int32
	hi    int32
}

// newWeights8 checks the quantization of an int8 op's input, weights (N
// rows, per-channel along qaxis or per-tensor), bias and output, and
// prepares the scales and the bias (with the input zero point folded in
// when fold is set). at maps output channel j and reduction index kk to
// the flat weight index.
func newWeights8(op string, in, w, bias, out *Tensor, n, k, qaxis, act int, fold bool, at func(j, kk int) int) (*weights8, error) {
	si, zi, err := qparams(in)
	if err != nil {
		return nil, err
	}
	so, zo, err := qparams(out)
	if err != nil {
		return nil, err
	}
	if w.def.i8 == nil {
		return nil, fmt.Errorf("%w: %s with non-constant int8 weights", ErrUnsupportedOp, op)
	}
	if len(w.def.i8) != n*k {
		return nil, fmt.Errorf("%w: %s weights %v hold %d values, want %d×%d", ErrInvalidModel, op, w.shape, len(w.def.i8), n, k)
	}
	q := w.def.q
	if q == nil || (len(q.scale) != 1 && len(q.scale) != n) {
		return nil, fmt.Errorf("%w: %s weights %q need 1 or %d scales", ErrInvalidModel, op, w.def.name, n)
	}
	if len(q.scale) == n && n > 1 && q.axis != qaxis {
		return nil, fmt.Errorf("%w: %s weights %q quantized along axis %d, want %d", ErrUnsupportedOp, op, w.def.name, q.axis, qaxis)
	}
	for _, z := range q.zeroPoint {
		if z != 0 {
			return nil, fmt.Errorf("%w: %s weights %q with zero point %d (int8 weights are symmetric)", ErrUnsupportedOp, op, w.def.name, z)
		}
	}
	p := &weights8{w: make([]int8, n*k), n: n, k: k, bias: make([]int32, n), scale: make([]float32, n), zo: zo}
	if p.lo, p.hi, err = actRange8(act, so, zo); err != nil {
		return nil, err
	}
	if bias != nil {
		if bias.def.i32 == nil || len(bias.def.i32) != n {
			return nil, fmt.Errorf("%w: %s bias %q must be an int32 constant of %d values", ErrInvalidModel, op, bias.def.name, n)
		}
		copy(p.bias, bias.def.i32)
	}
	for j := 0; j < n; j++ {
		var sum int32
		for kk := 0; kk < k; kk++ {
			v := w.def.i8[at(j, kk)]
			p.w[j*k+kk] = v
			sum += int32(v)
		}
		if fold {
			p.bias[j] -= zi * sum
		}
		sw := q.scale[0]
		if len(q.scale) == n {
			sw = q.scale[j]
		}
		p.scale[j] = si * sw / so
		if !(p.scale[j] > 0) {
			return nil, fmt.Errorf("%w: %s requantization scale %g for channel %d", ErrInvalidModel, op, p.scale[j], j)
		}
	}
	if fold {
		// Whole panels only: gemmS8 then never takes its ragged-edge path.
		p.np = (n + s8NR - 1) / s8NR * s8NR
		wp := make([]int8, p.np*k)
		copy(wp, p.w)
		p.pk = packS8(wp, p.np, k)
	}
	return p, nil
}

// gemm computes rows of a (lda apart) times the weights and writes int8
// outputs: out[r*N+j] = requant(bias[j] + Σ_k a[r*lda+k]·w[j][k]). acc
// holds rows×np scratch accumulators.
func (p *weights8) gemm(a []int8, lda, rows int, acc []int32, out []int8) {
	N, np := p.n, p.np
	gemmS8(a, lda, rows, p.pk, acc, np)
	for r := 0; r < rows; r++ {
		requantFP32(acc[r*np:r*np+N], p.bias, p.scale, p.zo, p.lo, p.hi, out[r*N:(r+1)*N])
	}
}

// ---- CONV_2D ----

type conv8 struct {
	convGeom
	in, out *Tensor
	p       *weights8
	zi      int8
	direct  bool
	tile    int
	batch   int
	threads int
	// per-worker scratch
	cols [][]int8
	accs [][]int32
}

func newConv8(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 3, 1)
	if err != nil {
		return nil, err
	}
	w := in[1]
	if len(w.shape) != 4 {
		return nil, fmt.Errorf("%w: CONV_2D filter shape %v, want [O,KH,KW,I]", ErrInvalidModel, w.shape)
	}
	k := &conv8{convGeom: convGeom{o: op.opts}, in: in[0], out: out[0], threads: ip.threads}
	k.oc, k.kh, k.kw = w.shape[0], w.shape[1], w.shape[2]
	K := w.shape[1] * w.shape[2] * w.shape[3]
	var bias *Tensor
	if len(in) > 2 {
		bias = in[2]
	}
	if k.p, err = newWeights8("CONV_2D", in[0], w, bias, out[0], k.oc, K, 0, op.opts.activation, true, func(j, kk int) int { return j*K + kk }); err != nil {
		return nil, err
	}
	_, zi, _ := qparams(in[0])
	k.zi = int8(zi)
	k.cols = make([][]int8, k.threads)
	k.accs = make([][]int32, k.threads)
	return k, nil
}

func (k *conv8) prepare() (int, error) {
	var err error
	if k.n, k.h, k.wd, k.c, err = nhwc(k.in); err != nil {
		return 0, err
	}
	if k.kh*k.kw*k.c != k.p.k {
		return 0, fmt.Errorf("%w: CONV_2D filter %d×%d×? for %d input channels", ErrUnsupportedOp, k.kh, k.kw, k.c)
	}
	if k.oh, k.padT, err = convOut(k.o.padding, k.h, k.kh, k.o.strideH, k.o.dilationH); err != nil {
		return 0, err
	}
	if k.ow, k.padL, err = convOut(k.o.padding, k.wd, k.kw, k.o.strideW, k.o.dilationW); err != nil {
		return 0, err
	}
	k.direct = k.kh == 1 && k.kw == 1 && k.o.strideH == 1 && k.o.strideW == 1 && k.padT == 0 && k.padL == 0
	K := k.p.k
	k.tile = min(max(16384/max(K, 1), 8), 256)
	if k.threads > 1 {
		M := k.oh * k.ow
		k.tile = max(min(k.tile, (M+2*k.threads-1)/(2*k.threads)), 1)
	}
	for w := range k.cols {
		if !k.direct && len(k.cols[w]) < k.tile*K {
			k.cols[w] = make([]int8, k.tile*K)
		}
		if len(k.accs[w]) < k.tile*k.p.np {
			k.accs[w] = make([]int32, k.tile*k.p.np)
		}
	}
	return 0, setShape(k.out, []int{k.n, k.oh, k.ow, k.oc})
}

func (k *conv8) eval(ip *Interpreter) {
	M := k.oh * k.ow
	for b := 0; b < k.n; b++ {
		k.batch = b
		ip.parallel(k, (M+k.tile-1)/k.tile)
	}
}

func (k *conv8) runRange(_ *Interpreter, worker, lo, hi int) {
	M := k.oh * k.ow
	K, N := k.p.k, k.oc
	b := k.batch
	out := k.out.i8[b*M*N : (b+1)*M*N]
	for t := lo; t < hi; t++ {
		m0 := t * k.tile
		m1 := min(m0+k.tile, M)
		var a []int8
		if k.direct {
			a = k.in.i8[(b*M+m0)*K : (b*M+m1)*K]
		} else {
			a = k.cols[worker][:(m1-m0)*K]
			im2col(&k.convGeom, a, k.in.i8, k.zi, b, m0, m1)
		}
		k.p.gemm(a, K, m1-m0, k.accs[worker][:(m1-m0)*k.p.np], out[m0*N:m1*N])
	}
}

// ---- FULLY_CONNECTED ----

type fullyConnected8 struct {
	in, out *Tensor
	p       *weights8
	keep    bool
	rows    int
	acc     []int32
}

func newFullyConnected8(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 3, 1)
	if err != nil {
		return nil, err
	}
	if op.opts.weightsFormat != 0 {
		return nil, fmt.Errorf("%w: FULLY_CONNECTED weights format %d", ErrUnsupportedOp, op.opts.weightsFormat)
	}
	w := in[1]
	if len(w.shape) != 2 {
		return nil, fmt.Errorf("%w: FULLY_CONNECTED weights shape %v, want [O,I]", ErrInvalidModel, w.shape)
	}
	N, K := w.shape[0], w.shape[1]
	var bias *Tensor
	if len(in) > 2 {
		bias = in[2]
	}
	k := &fullyConnected8{in: in[0], out: out[0], keep: op.opts.keepNumDims}
	if k.p, err = newWeights8("FULLY_CONNECTED", in[0], w, bias, out[0], N, K, 0, op.opts.activation, true, func(j, kk int) int { return j*K + kk }); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *fullyConnected8) prepare() (int, error) {
	K, N := k.p.k, k.p.n
	if K == 0 || k.in.n%K != 0 {
		return 0, fmt.Errorf("%w: FULLY_CONNECTED input %v is not a multiple of %d", ErrInvalidModel, k.in.shape, K)
	}
	k.rows = k.in.n / K
	shape := []int{k.rows, N}
	if k.keep {
		shape = append(append([]int(nil), k.in.shape[:len(k.in.shape)-1]...), N)
	}
	if len(k.acc) < k.rows*k.p.np {
		k.acc = make([]int32, k.rows*k.p.np)
	}
	return 0, setShape(k.out, shape)
}

func (k *fullyConnected8) eval(*Interpreter) {
	k.p.gemm(k.in.i8, k.p.k, k.rows, k.acc[:k.rows*k.p.np], k.out.i8)
}

// ---- DEPTHWISE_CONV_2D ----

// depthwise8 copies each batch of the input into a buffer with the
// convolution's padding around it, filled with the input zero point, and
// with each pixel's channels padded to whole 16-lane vectors; every tap is
// then inside that buffer, and each (output row, tap) is one dwS8Tap call
// over the whole row. Accumulators start at 0 and the bias with the zero
// point folded in (bias − x_zp·Σ_taps w) is added at requantization, so
// each output is bias + Σ (x − x_zp)·w over its taps with padding reading
// as x_zp, as in XNNPACK.
type depthwise8 struct {
	in, out    *Tensor
	p          *weights8 // N = OC rows of K = KH·KW taps
	wt         []int8    // [KH·KW][cp]: weights, zero past OC
	cp         int       // channel stride of wt, the buffer and the accumulators
	zi         int8
	o          options
	n, h, wd   int
	c, oc, mul int
	kh, kw     int
	oh, ow     int
	padT, padL int
	ph, pw     int     // padded input height and width
	buf        []int8  // ph×pw×cp: the current batch, padded
	batch      int     // the batch eval is on
	maxB       int64   // Options.MaxArenaBytes: bound on buf
	batchOut   []int8  // the current batch's output
	biasRow    []int32 // bias and scale repeated over an output row (when oc = cp)
	scaleRow   []float32
	accs       [][]int32
}

func newDepthwise8(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 3, 1)
	if err != nil {
		return nil, err
	}
	w := in[1]
	if len(w.shape) != 4 || w.shape[0] != 1 {
		return nil, fmt.Errorf("%w: DEPTHWISE_CONV_2D filter must be [1,KH,KW,OC], got %v", ErrUnsupportedOp, w.shape)
	}
	k := &depthwise8{in: in[0], out: out[0], o: op.opts, maxB: ip.maxB}
	k.kh, k.kw, k.oc = w.shape[1], w.shape[2], w.shape[3]
	taps, oc := k.kh*k.kw, k.oc
	var bias *Tensor
	if len(in) > 2 {
		bias = in[2]
	}
	if k.p, err = newWeights8("DEPTHWISE_CONV_2D", in[0], w, bias, out[0], oc, taps, 3, op.opts.activation, true, func(j, kk int) int { return kk*oc + j }); err != nil {
		return nil, err
	}
	_, zi, _ := qparams(in[0])
	k.zi = int8(zi)
	k.cp = (oc + 15) &^ 15
	k.wt = make([]int8, taps*k.cp)
	for t := 0; t < taps; t++ {
		copy(k.wt[t*k.cp:t*k.cp+oc], w.def.i8[t*oc:(t+1)*oc])
	}
	k.accs = make([][]int32, ip.threads)
	return k, nil
}

func (k *depthwise8) prepare() (int, error) {
	var err error
	if k.n, k.h, k.wd, k.c, err = nhwc(k.in); err != nil {
		return 0, err
	}
	if k.c == 0 || k.oc%k.c != 0 {
		return 0, fmt.Errorf("%w: DEPTHWISE_CONV_2D %d output channels for %d inputs", ErrInvalidModel, k.oc, k.c)
	}
	k.mul = k.oc / k.c
	if k.oh, k.padT, err = convOut(k.o.padding, k.h, k.kh, k.o.strideH, k.o.dilationH); err != nil {
		return 0, err
	}
	if k.ow, k.padL, err = convOut(k.o.padding, k.wd, k.kw, k.o.strideW, k.o.dilationW); err != nil {
		return 0, err
	}
	// The padded input covers every tap of every output.
	k.ph = max(k.padT+k.h, (k.oh-1)*k.o.strideH+(k.kh-1)*k.o.dilationH+1)
	k.pw = max(k.padL+k.wd, (k.ow-1)*k.o.strideW+(k.kw-1)*k.o.dilationW+1)
	// A hostile dilation could make the padded input huge.
	if need := int64(k.ph) * int64(k.pw) * int64(k.cp); need > k.maxB {
		return 0, fmt.Errorf("%w: DEPTHWISE_CONV_2D padded input %d×%d×%d is larger than Options.MaxArenaBytes", ErrInvalidModel, k.ph, k.pw, k.cp)
	}
	if need := k.ph * k.pw * k.cp; len(k.buf) < need {
		k.buf = make([]int8, need)
	}
	// The padding reads as the input zero point; eval only rewrites the
	// interior pixels' channels, so this is done once here.
	buf := k.buf[:k.ph*k.pw*k.cp]
	for i := range buf {
		buf[i] = k.zi
	}
	if k.oc == k.cp {
		// Whole output rows requantize in one call.
		n := k.ow * k.oc
		if len(k.biasRow) < n {
			k.biasRow, k.scaleRow = make([]int32, n), make([]float32, n)
		}
		for i := 0; i < n; i += k.oc {
			copy(k.biasRow[i:], k.p.bias)
			copy(k.scaleRow[i:], k.p.scale)
		}
	}
	for w := range k.accs {
		if len(k.accs[w]) < k.ow*k.cp {
			k.accs[w] = make([]int32, k.ow*k.cp)
		}
	}
	return 0, setShape(k.out, []int{k.n, k.oh, k.ow, k.oc})
}

func (k *depthwise8) eval(ip *Interpreter) {
	for b := 0; b < k.n; b++ {
		k.batch = b
		// Copying the input into the padded buffer is split by input
		// rows, as the layer before wrote them: done by the caller
		// alone, the other worker then read its half of the buffer
		// from the caller's cache, which made two threads slower than
		// one.
		if k.h*k.wd*k.c >= minParallelElems {
			ip.parallel(depthwise8Pad{k}, k.h)
		} else {
			k.pad(0, k.h)
		}
		k.batchOut = k.out.i8[b*k.oh*k.ow*k.oc : (b+1)*k.oh*k.ow*k.oc]
		ip.parallel(k, k.oh)
	}
}

// pad copies input rows [lo,hi) of the current batch into the padded
// buffer.
func (k *depthwise8) pad(lo, hi int) {
	cp, c := k.cp, k.c
	buf := k.buf[:k.ph*k.pw*cp]
	src := k.in.i8[k.batch*k.h*k.wd*c:]
	for y := lo; y < hi; y++ {
		row := buf[((k.padT+y)*k.pw+k.padL)*cp:]
		in := src[y*k.wd*c : (y+1)*k.wd*c]
		if k.mul == 1 && c == cp {
			copy(row, in)
			continue
		}
		if k.mul == 1 {
			for x := 0; x < k.wd; x++ {
				copy(row[x*cp:x*cp+c], in[x*c:(x+1)*c])
			}
			continue
		}
		// Channel multiplier m: output channel j reads input channel
		// j/m; spread the input so the buffer is indexed by output
		// channel.
		for x := 0; x < k.wd; x++ {
			o := row[x*cp : x*cp+k.oc]
			for j := range o {
				o[j] = in[x*c+j/k.mul]
			}
		}
	}
}

// depthwise8Pad runs depthwise8.pad on the workers.
type depthwise8Pad struct{ k *depthwise8 }

func (p depthwise8Pad) runRange(_ *Interpreter, _, lo, hi int) { p.k.pad(lo, hi) }

// runRange computes output rows [lo,hi) of the current batch.
func (k *depthwise8) runRange(_ *Interpreter, worker, lo, hi int) {
	oc, cp := k.oc, k.cp
	sw, dw, dh := k.o.strideW, k.o.dilationW, k.o.dilationH
	acc := k.accs[worker][:k.ow*cp]
	rowLen := k.pw * cp
	for oy := lo; oy < hi; oy++ {
		clear(acc)
		for ky := 0; ky < k.kh; ky++ {
			row := k.buf[(oy*k.o.strideH+ky*dh)*rowLen:][:rowLen]
			for kx := 0; kx < k.kw; kx++ {
				tap := (ky*k.kw + kx) * cp
				dwS8Tap(acc, row[kx*dw*cp:], k.wt[tap:tap+cp], k.ow, cp, sw*cp)
			}
		}
		o := k.batchOut[oy*k.ow*oc:][:k.ow*oc]
		if oc == cp {
			requantFP32(acc, k.biasRow, k.scaleRow, k.p.zo, k.p.lo, k.p.hi, o)
			continue
		}
		for ox := 0; ox < k.ow; ox++ {
			requantFP32(acc[ox*cp:ox*cp+oc], k.p.bias, k.p.scale, k.p.zo, k.p.lo, k.p.hi, o[ox*oc:(ox+1)*oc])
		}
	}
}
