package tflite

import (
	"fmt"
)

// Convolutions run as GEMM: each output pixel's receptive field is copied
// into a row of A (im2col; 1×1 stride-1 convolutions read the input
// directly), and the weights are pre-packed at load into K-major panels of
// gemmNR output channels, B[k][gemmNR], the layout gemmKernel (kernels.go)
// reads.

// packedWeights are an op's weights in the layout its kernel reads.
type packedWeights struct {
	// panels is ceil(N/gemmNR) panels of K×gemmNR floats, zero-padded.
	panels []float32
	k, n   int
	bias   []float32 // N values (zeros if the op has no bias)
}

// packGEMM packs w, laid out as N rows of K (TFLite's [O, KH, KW, I] and
// [O, I]), into panels.
func packGEMM(w []float32, n, k int, bias []float32) *packedWeights {
	np := (n + gemmNR - 1) / gemmNR
	p := &packedWeights{panels: make([]float32, np*k*gemmNR), k: k, n: n, bias: make([]float32, np*gemmNR)}
	for o := 0; o < n; o++ {
		pn, j := o/gemmNR, o%gemmNR
		base := pn * k * gemmNR
		for kk := 0; kk < k; kk++ {
			p.panels[base+kk*gemmNR+j] = w[o*k+kk]
		}
	}
	copy(p.bias, bias)
	return p
}

// prepack packs the constant weights of convolutions and fully connected
// ops once, when the model loads.
func (m *Model) prepack() error {
	for i := range m.exec {
		op := &m.exec[i]
		if op.code != opConv2d && op.code != opFullyConnected {
			continue
		}
		if len(op.inputs) < 2 || op.inputs[1] < 0 {
			return invalid(m.name, "operator %d (%s): missing weights", i, opName(op.code))
		}
		w := &m.tensors[op.inputs[1]]
		if w.f32 == nil {
			continue // non-constant weights: the kernel reports ErrUnsupportedOp
		}
		if len(w.shape) < 2 {
			return invalid(m.name, "operator %d (%s): weights shape %v", i, opName(op.code), w.shape)
		}
		n := w.shape[0]
		k := len(w.f32) / max(n, 1)
		var bias []float32
		if len(op.inputs) > 2 && op.inputs[2] >= 0 {
			b := &m.tensors[op.inputs[2]]
			if b.f32 == nil || len(b.f32) != n {
				return invalid(m.name, "operator %d (%s): bias %q must be a float32 constant of %d values", i, opName(op.code), b.name, n)
			}
			bias = b.f32
		}
		op.packed = packGEMM(w.f32, n, k, bias)
	}
	return nil
}

// convGeom is a convolution's shape: input n×h×wd×c, output oh×ow×oc,
// window kh×kw with the op's strides, dilations and padding. The float and
// int8 convolutions share it and im2col.
type convGeom struct {
	o           options
	n, h, wd, c int
	oh, ow, oc  int
	kh, kw      int
	padT, padL  int
}

type conv struct {
	convGeom
	in, w, out *Tensor
	pw         *packedWeights
	lo, hi     float32
	direct     bool // 1×1, stride 1, no padding: A is the input itself
	tile       int  // output pixels per GEMM call (im2col tile)
	blocks     int  // work items per panel group: gemmMaxRows output pixels each
	groups     int  // weight panel groups the threads split
	serial     bool // too little work to split
	threads    int
	prelu      []float32 // fused PRELU alpha per output channel (fuse.go), or nil
	// fused residual ADD (fuse.go): out = out + add (or add + out), then
	// clamped to addLo, addHi
	add          *Tensor
	addFirst     bool // the convolution's output is the ADD's first operand
	addLo, addHi float32
	// fused depthwise convolution (fuse.go): computes this 1×1
	// convolution's input block by block; in is its output, never stored
	// unless apart is set
	dw *depthwise
	// apart: with weight panel groups every group would compute the
	// same depthwise block again (a 1×1 map's global depthwise layer:
	// each worker reading all of its input), so the depthwise layer runs
	// first, on its own, into dwOut (in's memory)
	apart bool
	dwOut []float32
}

func newConv(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 3, 1)
	if err != nil {
		return nil, err
	}
	k := &conv{convGeom: convGeom{o: op.opts}, in: in[0], w: in[1], out: out[0], threads: ip.threads, prelu: op.prelu}
	if k.lo, k.hi, err = actRange(op.opts.activation); err != nil {
		return nil, err
	}
	if op.add != nil {
		k.add, k.addFirst = &ip.t[op.add.other], op.add.convFirst
		if k.addLo, k.addHi, err = actRange(op.add.activation); err != nil {
			return nil, err
		}
	}
	if op.dw != nil {
		d, err := newDepthwise(ip, op.dw)
		if err != nil {
			return nil, fmt.Errorf("fused DEPTHWISE_CONV_2D: %w", err)
		}
		k.dw = d.(*depthwise)
	}
	k.pw = op.packed
	if k.pw == nil {
		return nil, fmt.Errorf("%w: CONV_2D with non-constant weights", ErrUnsupportedOp)
	}
	if len(k.w.shape) != 4 {
		return nil, fmt.Errorf("%w: CONV_2D filter shape %v, want [O,KH,KW,I]", ErrInvalidModel, k.w.shape)
	}
	k.oc, k.kh, k.kw = k.w.shape[0], k.w.shape[1], k.w.shape[2]
	return k, nil
}

func (k *conv) prepare() (int, error) {
	var err error
	if k.dw != nil {
		if _, err := k.dw.prepare(); err != nil {
			return 0, fmt.Errorf("fused DEPTHWISE_CONV_2D: %w", err)
		}
	}
	if k.n, k.h, k.wd, k.c, err = nhwc(k.in); err != nil {
		return 0, err
	}
	if k.w.shape[3] != k.c {
		return 0, fmt.Errorf("%w: CONV_2D filter %v for %d input channels (grouped convolution is not supported)", ErrUnsupportedOp, k.w.shape, k.c)
	}
	if k.oh, k.padT, err = convOut(k.o.padding, k.h, k.kh, k.o.strideH, k.o.dilationH); err != nil {
		return 0, err
	}
	if k.ow, k.padL, err = convOut(k.o.padding, k.wd, k.kw, k.o.strideW, k.o.dilationW); err != nil {
		return 0, err
	}
	if k.prelu != nil && len(k.prelu) != k.oc {
		return 0, fmt.Errorf("%w: fused PRELU with %d alphas for %d channels", ErrInvalidModel, len(k.prelu), k.oc)
	}
	if k.add != nil && !sameShape(k.add.shape, []int{k.n, k.oh, k.ow, k.oc}) {
		return 0, fmt.Errorf("%w: ADD of %v to a convolution output of %v", ErrInvalidModel, k.add.shape, []int{k.n, k.oh, k.ow, k.oc})
	}
	k.direct = k.kh == 1 && k.kw == 1 && k.o.strideH == 1 && k.o.strideW == 1 && k.padT == 0 && k.padL == 0
	if k.dw != nil && !k.direct {
		return 0, fmt.Errorf("%w: fused DEPTHWISE_CONV_2D before a CONV_2D that is not 1×1 of stride 1", ErrInvalidModel)
	}
	K := k.kh * k.kw * k.c
	// A tile of about 64 KB (it stays in L2 while every weight panel
	// passes over it), a whole number of kernel row blocks.
	k.tile = max(min(16384/max(K, 1), 256)/gemmMaxRows, 1) * gemmMaxRows
	// Work items for the threads: blocks of gemmMaxRows output pixels (of
	// all batches), so that a split is never off by more than one block.
	// Layers with too few pixels for every worker to get a fair share (the
	// 1×1 maps at the end of MobileFaceNet) are split across output
	// channels as well: groups of weight panels, each item one group × one
	// block, group-major so that each worker reads only its own panels.
	// Only then: with the channels of every row split, each core streams
	// half of each output row and the hardware prefetchers, running on
	// past the end of its half, fetch the lines the other core is writing;
	// measured here, that made each half of a 7×7 layer take as long as
	// the whole. Every output is computed the same way whatever the split.
	rows := k.n * k.oh * k.ow
	k.blocks = (rows + gemmMaxRows - 1) / gemmMaxRows
	k.groups = 1
	if np := (k.oc + gemmNR - 1) / gemmNR; k.threads > 1 && np > 1 && !fairRows(rows, k.blocks, k.threads) {
		k.groups = min(k.threads, np)
	}
	macs := k.n * k.oh * k.ow * K * k.oc
	k.serial = k.threads == 1 || (macs < minParallelMACs && K*k.oc < minParallelWeights)
	k.apart = k.dw != nil && k.groups > 1 && !k.serial
	if k.apart {
		if cap(k.dwOut) < k.in.n {
			k.dwOut = make([]float32, k.in.n)
		}
		k.in.f32 = k.dwOut[:k.in.n]
	}
	scratch := 0
	if !k.direct || (k.dw != nil && !k.apart) {
		scratch = k.tile * K
	}
	return scratch, setShape(k.out, []int{k.n, k.oh, k.ow, k.oc})
}

func (k *conv) eval(ip *Interpreter) {
	if k.apart {
		k.dw.eval(ip)
	}
	if k.serial {
		k.runRange(ip, 0, 0, k.groups*k.blocks)
		return
	}
	ip.parallel(k, k.groups*k.blocks)
}

// Below these sizes an op runs on the calling goroutine even with
// Threads > 1: handing half of a few microseconds of work to another
// goroutine can cost what it saves. With the spinning pool (see pool) a
// worker that ran moments before starts within about a microsecond, so
// the sizes are about 1-2 µs of work at the kernels' speed here; with a
// channel hand-off they had to be 10 µs and two threads were slower than
// one. Results do not depend on them.
const (
	minParallelMACs    = 1 << 16 // CONV_2D multiply-adds
	minParallelWeights = 1 << 13 // CONV_2D weights (memory-bound layers: 1×1 on one pixel)
	minParallelDwMACs  = 1 << 14 // DEPTHWISE_CONV_2D multiply-adds
)

// fairRows reports whether splitting rows output pixels, in blocks of
// gemmMaxRows, over threads workers gives none of them more than 1.25×
// an even share.
func fairRows(rows, blocks, threads int) bool {
	most := 0
	for w := range threads {
		lo, hi := blocks*w/threads*gemmMaxRows, min(blocks*(w+1)/threads*gemmMaxRows, rows)
		most = max(most, hi-lo)
	}
	return most*threads*4 <= rows*5
}

// stealable implements stealable: a block of output pixels is hundreds of
// multiply-adds per value read.
func (k *conv) stealable() {}

// runRange computes work items [lo,hi): item i is row block i%blocks of
// panel group i/blocks.
func (k *conv) runRange(ip *Interpreter, worker, lo, hi int) {
	rows := k.n * k.oh * k.ow
	for i := lo; i < hi; {
		g := i / k.blocks
		end := min(hi, (g+1)*k.blocks)
		r0 := (i - g*k.blocks) * gemmMaxRows
		r1 := min((end-g*k.blocks)*gemmMaxRows, rows)
		k.rows(ip, worker, g, r0, r1)
		i = end
	}
}

// rows computes output pixels [r0,r1) (counted across the batch) for the
// weight panels of group g, in tiles that do not cross an image.
func (k *conv) rows(ip *Interpreter, worker, g, r0, r1 int) {
	M := k.oh * k.ow
	K := k.kh * k.kw * k.c
	N := k.oc
	np := (N + gemmNR - 1) / gemmNR
	p0, p1 := g*np/k.groups, (g+1)*np/k.groups
	for r := r0; r < r1; {
		b, m0 := r/M, r%M
		m1 := min(m0+k.tile, M, m0+r1-r)
		var a []float32
		switch {
		case k.dw != nil && !k.apart:
			a = ip.workerScratch(worker)[:(m1-m0)*K]
			k.dw.pixels(a, b, m0, m1)
		case k.direct:
			a = k.in.f32[(b*M+m0)*K : (b*M+m1)*K]
		default:
			a = ip.workerScratch(worker)[:(m1-m0)*K]
			im2col(&k.convGeom, a, k.in.f32, 0, b, m0, m1)
		}
		out := k.out.f32[(b*M+m0)*N : (b*M+m1)*N]
		gemm(a, m1-m0, K, k.pw, p0, p1, out, N, k.lo, k.hi)
		if k.prelu != nil || k.add != nil {
			k.epilogue(out, (b*M+m0)*N, m1-m0, p0*gemmNR, min(p1*gemmNR, N))
		}
		r += m1 - m0
	}
}

// epilogue applies the fused PRELU or ADD (fuse.go) to columns [c0,c1)
// of the rows of out just written, at element offset off of the output,
// while they are still in cache.
func (k *conv) epilogue(out []float32, off, rows, c0, c1 int) {
	N := k.oc
	if k.prelu != nil {
		if c0 == 0 && c1 == N {
			preluRows(out, out, k.prelu, rows, N)
			return
		}
		for i := 0; i < rows; i++ {
			row := out[i*N+c0 : i*N+c1]
			preluRow(row, row, k.prelu[c0:c1])
		}
		return
	}
	other := k.add.f32[off : off+rows*N]
	if c0 == 0 && c1 == N {
		rows, N, c1 = 1, rows*N, rows*N // one contiguous run
	}
	for i := 0; i < rows; i++ {
		o, r := out[i*N+c0:i*N+c1], other[i*N+c0:i*N+c1]
		if k.addFirst {
			addRow(o, o, r, k.addLo, k.addHi)
		} else {
			addRow(o, r, o, k.addLo, k.addHi)
		}
	}
}

// im2col writes the receptive fields of output pixels [m0,m1) of batch b
// of in as rows of a; taps outside the input read pad (0 for float, the
// input zero point for int8).
func im2col[T float32 | int8](g *convGeom, a, in []T, pad T, b, m0, m1 int) {
	c := g.c
	K := g.kh * g.kw * c
	fill := func(s []T) {
		for i := range s {
			s[i] = pad
		}
	}
	for m := m0; m < m1; m++ {
		oy, ox := m/g.ow, m%g.ow
		row := a[(m-m0)*K : (m-m0+1)*K]
		iy0 := oy*g.o.strideH - g.padT
		ix0 := ox*g.o.strideW - g.padL
		p := 0
		for ky := 0; ky < g.kh; ky++ {
			iy := iy0 + ky*g.o.dilationH
			if iy < 0 || iy >= g.h {
				fill(row[p : p+g.kw*c])
				p += g.kw * c
				continue
			}
			base := (b*g.h + iy) * g.wd
			if g.o.dilationW == 1 && ix0 >= 0 && ix0+g.kw <= g.wd {
				copy(row[p:p+g.kw*c], in[(base+ix0)*c:(base+ix0+g.kw)*c])
				p += g.kw * c
				continue
			}
			for kx := 0; kx < g.kw; kx++ {
				ix := ix0 + kx*g.o.dilationW
				if ix < 0 || ix >= g.wd {
					fill(row[p : p+c])
				} else {
					copy(row[p:p+c], in[(base+ix)*c:(base+ix+1)*c])
				}
				p += c
			}
		}
	}
}

// ---- FULLY_CONNECTED ----

type fullyConnected struct {
	in, w, out *Tensor
	pw         *packedWeights
	lo, hi     float32
	keep       bool
	rows       int
}

func newFullyConnected(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 3, 1)
	if err != nil {
		return nil, err
	}
	if op.opts.weightsFormat != 0 {
		return nil, fmt.Errorf("%w: FULLY_CONNECTED weights format %d", ErrUnsupportedOp, op.opts.weightsFormat)
	}
	k := &fullyConnected{in: in[0], w: in[1], out: out[0], keep: op.opts.keepNumDims}
	if k.lo, k.hi, err = actRange(op.opts.activation); err != nil {
		return nil, err
	}
	k.pw = op.packed
	if k.pw == nil {
		return nil, fmt.Errorf("%w: FULLY_CONNECTED with non-constant weights", ErrUnsupportedOp)
	}
	if len(k.w.shape) != 2 {
		return nil, fmt.Errorf("%w: FULLY_CONNECTED weights shape %v, want [O,I]", ErrInvalidModel, k.w.shape)
	}
	return k, nil
}

func (k *fullyConnected) prepare() (int, error) {
	K, N := k.pw.k, k.pw.n
	if K == 0 || k.in.n%K != 0 {
		return 0, fmt.Errorf("%w: FULLY_CONNECTED input %v is not a multiple of %d", ErrInvalidModel, k.in.shape, K)
	}
	k.rows = k.in.n / K
	shape := []int{k.rows, N}
	if k.keep {
		shape = append(append([]int(nil), k.in.shape[:len(k.in.shape)-1]...), N)
	}
	return 0, setShape(k.out, shape)
}

func (k *fullyConnected) eval(ip *Interpreter) {
	gemm(k.in.f32, k.rows, k.pw.k, k.pw, 0, (k.pw.n+gemmNR-1)/gemmNR, k.out.f32, k.pw.n, k.lo, k.hi)
}

// ---- DEPTHWISE_CONV_2D ----

type depthwise struct {
	in, out    *Tensor
	w          []float32 // [KH*KW][OC]
	bias       []float32
	o          options
	lo, hi     float32
	n, h, wd   int
	c, oc, mul int
	kh, kw     int
	oh, ow     int
	padT, padL int
	batch      int
	prelu      []float32 // fused PRELU alpha per output channel (fuse.go), or nil
}

func newDepthwise(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 3, 1)
	if err != nil {
		return nil, err
	}
	k := &depthwise{in: in[0], out: out[0], o: op.opts, prelu: op.prelu}
	if k.lo, k.hi, err = actRange(op.opts.activation); err != nil {
		return nil, err
	}
	w := in[1]
	if w.def.f32 == nil || len(w.shape) != 4 || w.shape[0] != 1 {
		return nil, fmt.Errorf("%w: DEPTHWISE_CONV_2D filter must be a constant [1,KH,KW,OC], got %v", ErrUnsupportedOp, w.shape)
	}
	k.kh, k.kw, k.oc = w.shape[1], w.shape[2], w.shape[3]
	k.w = w.def.f32
	k.bias = make([]float32, k.oc)
	if len(in) > 2 && in[2] != nil {
		if in[2].def.f32 == nil || len(in[2].def.f32) != k.oc {
			return nil, fmt.Errorf("%w: DEPTHWISE_CONV_2D bias must be a constant of %d values", ErrInvalidModel, k.oc)
		}
		copy(k.bias, in[2].def.f32)
	}
	return k, nil
}

func (k *depthwise) prepare() (int, error) {
	var err error
	if k.n, k.h, k.wd, k.c, err = nhwc(k.in); err != nil {
		return 0, err
	}
	if k.c == 0 || k.oc%k.c != 0 {
		return 0, fmt.Errorf("%w: DEPTHWISE_CONV_2D %d output channels for %d inputs", ErrInvalidModel, k.oc, k.c)
	}
	k.mul = k.oc / k.c
	if k.prelu != nil && len(k.prelu) != k.oc {
		return 0, fmt.Errorf("%w: fused PRELU with %d alphas for %d channels", ErrInvalidModel, len(k.prelu), k.oc)
	}
	if k.oh, k.padT, err = convOut(k.o.padding, k.h, k.kh, k.o.strideH, k.o.dilationH); err != nil {
		return 0, err
	}
	if k.ow, k.padL, err = convOut(k.o.padding, k.wd, k.kw, k.o.strideW, k.o.dilationW); err != nil {
		return 0, err
	}
	return 0, setShape(k.out, []int{k.n, k.oh, k.ow, k.oc})
}

func (k *depthwise) eval(ip *Interpreter) {
	serial := k.oh*k.ow*k.oc*k.kh*k.kw < minParallelDwMACs
	for b := 0; b < k.n; b++ {
		k.batch = b
		if serial {
			k.runRange(ip, 0, 0, k.oh)
			continue
		}
		ip.parallel(k, k.oh)
	}
}

// runRange computes output rows [lo,hi) of the current batch.
func (k *depthwise) runRange(_ *Interpreter, _, lo, hi int) {
	n := k.ow * k.oc
	for oy := lo; oy < hi; oy++ {
		k.span(k.out.f32[(k.batch*k.oh+oy)*n:][:n], k.batch, oy, 0, k.ow)
	}
}

// pixels computes output pixels [m0,m1) of image b (counted along its
// rows) into dst, one value per output channel each: the depthwise part
// of a CONV_2D that computes its input itself (fuse.go).
func (k *depthwise) pixels(dst []float32, b, m0, m1 int) {
	for m := m0; m < m1; {
		oy, x0 := m/k.ow, m%k.ow
		x1 := min(k.ow, x0+m1-m)
		k.span(dst[(m-m0)*k.oc:(m-m0+x1-x0)*k.oc], b, oy, x0, x1)
		m += x1 - x0
	}
}

// span computes output columns [xa,xb) of output row oy of image b into
// dst, then applies the activation and the fused PRELU. Interior pixels
// (every tap along x inside the input) go through dwPixels, which keeps
// each pixel's sum in registers across all taps; the pixels at the left
// and right edges take the per-tap row path. Both add the bias and then
// the taps in TFLite's reference order, skipping taps outside the input,
// so every output is the same sum whichever path, and whichever span of
// the row, computes it.
func (k *depthwise) span(dst []float32, b, oy, xa, xb int) {
	oc, c := k.oc, k.c
	sw, dw, dh := k.o.strideW, k.o.dilationW, k.o.dilationH
	// interior output columns [xi0, xi1)
	xi0 := min((k.padL+sw-1)/sw, k.ow)
	xi1 := 0
	if last := k.wd - 1 - (k.kw-1)*dw + k.padL; last >= 0 {
		xi1 = min(last/sw+1, k.ow)
	}
	iy0 := oy*k.o.strideH - k.padT
	// kernel rows inside the input: [ky0, ky1)
	ky0 := 0
	if iy0 < 0 {
		ky0 = min((-iy0+dh-1)/dh, k.kh)
	}
	ky1 := k.kh
	if last := k.h - 1 - iy0; last < 0 {
		ky1 = 0
	} else {
		ky1 = min(last/dh+1, k.kh)
	}
	// the interior part of this span: [ia, ie)
	ia, ie := max(xa, xi0), min(xb, xi1)
	if k.mul == 1 && dw == 1 && ia < ie && ky1 > ky0 {
		iy := iy0 + ky0*dh
		p := k.in.f32[((b*k.h+iy)*k.wd+ia*sw-k.padL)*c:]
		dwPixels(dst[(ia-xa)*oc:(ie-xa)*oc], p, k.w[ky0*k.kw*oc:], k.bias, ie-ia, c, sw*c, ky1-ky0, k.kw, dh*k.wd*c)
		k.taps(dst, xa, b, iy0, xa, ia)
		k.taps(dst, xa, b, iy0, ie, xb)
	} else {
		k.taps(dst, xa, b, iy0, xa, xb)
	}
	dst = dst[:(xb-xa)*oc]
	if k.lo > -maxF || k.hi < maxF {
		for i, v := range dst {
			dst[i] = clamp(v, k.lo, k.hi)
		}
	}
	if k.prelu != nil {
		preluRows(dst, dst, k.prelu, xb-xa, oc)
	}
}

// taps computes output columns [xa, xb) of one output row (whose window
// starts at input row iy0) tap by tap into row, where row[0] is column
// base: the columns are filled with the bias, then every kernel tap is
// added to all of them in one pass.
func (k *depthwise) taps(row []float32, base, b, iy0, xa, xb int) {
	if xa >= xb {
		return
	}
	oc, c := k.oc, k.c
	in := k.in.f32
	sw, dw := k.o.strideW, k.o.dilationW
	for ox := xa; ox < xb; ox++ {
		copy(row[(ox-base)*oc:(ox-base+1)*oc], k.bias)
	}
	for ky := 0; ky < k.kh; ky++ {
		iy := iy0 + ky*k.o.dilationH
		if iy < 0 || iy >= k.h {
			continue
		}
		inRow := in[(b*k.h+iy)*k.wd*c:][:k.wd*c]
		for kx := 0; kx < k.kw; kx++ {
			// output columns whose input column ox*sw-padL+kx*dw is inside
			off := kx*dw - k.padL
			ox0 := xa
			if off < 0 {
				ox0 = max(ox0, (-off+sw-1)/sw)
			}
			ox1 := xb
			if last := (k.wd - 1 - off) / sw; k.wd-1-off < 0 {
				ox1 = 0
			} else if last+1 < ox1 {
				ox1 = last + 1
			}
			if ox0 >= ox1 {
				continue
			}
			w := k.w[(ky*k.kw+kx)*oc:][:oc]
			ix0 := ox0*sw + off
			if k.mul == 1 {
				dwRowTap(row[(ox0-base)*oc:(ox1-base)*oc], inRow[ix0*c:], w, ox1-ox0, c, sw*c)
				continue
			}
			for ox := ox0; ox < ox1; ox++ {
				o := row[(ox-base)*oc:][:oc]
				p := inRow[(ix0+(ox-ox0)*sw)*c:][:c]
				for ic := 0; ic < c; ic++ {
					for m := 0; m < k.mul; m++ {
						o[ic*k.mul+m] += float32(p[ic] * w[ic*k.mul+m])
					}
				}
			}
		}
	}
}

const maxF = 3.4028234663852886e38
