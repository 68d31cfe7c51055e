package tflite

import (
	"fmt"
	"math"
)

// ---- MAX_POOL_2D / AVERAGE_POOL_2D ----

type pool2d struct {
	code       int32
	in, out    *Tensor
	o          options
	lo, hi     float32
	n, h, w, c int
	oh, ow     int
	padT, padL int
}

func newPool2d(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	k := &pool2d{code: op.code, in: in[0], out: out[0], o: op.opts}
	if k.lo, k.hi, err = actRange(op.opts.activation); err != nil {
		return nil, err
	}
	if k.o.filterW <= 0 || k.o.filterH <= 0 {
		return nil, fmt.Errorf("%w: filter %dx%d", ErrInvalidModel, k.o.filterW, k.o.filterH)
	}
	return k, nil
}

// convOut returns the output size and leading padding of a convolution or
// pooling window along one axis, as TFLite's ComputePaddingHeightWidth.
func convOut(padding, in, filter, stride, dilation int) (out, padBefore int, err error) {
	eff := (filter-1)*dilation + 1
	switch padding {
	case 0: // SAME
		out = (in + stride - 1) / stride
	case 1: // VALID
		out = (in - eff + stride) / stride
	default:
		return 0, 0, fmt.Errorf("%w: padding type %d", ErrInvalidModel, padding)
	}
	if out <= 0 {
		return 0, 0, fmt.Errorf("%w: input %d is smaller than the window %d", ErrInvalidModel, in, eff)
	}
	total := (out-1)*stride + eff - in
	if total < 0 {
		total = 0
	}
	return out, total / 2, nil
}

func nhwc(t *Tensor) (n, h, w, c int, err error) {
	if len(t.shape) != 4 {
		return 0, 0, 0, 0, fmt.Errorf("%w: tensor %q has shape %v, want 4-D NHWC", ErrInvalidModel, t.def.name, t.shape)
	}
	return t.shape[0], t.shape[1], t.shape[2], t.shape[3], nil
}

func (k *pool2d) prepare() (int, error) {
	var err error
	if k.n, k.h, k.w, k.c, err = nhwc(k.in); err != nil {
		return 0, err
	}
	if k.oh, k.padT, err = convOut(k.o.padding, k.h, k.o.filterH, k.o.strideH, 1); err != nil {
		return 0, err
	}
	if k.ow, k.padL, err = convOut(k.o.padding, k.w, k.o.filterW, k.o.strideW, 1); err != nil {
		return 0, err
	}
	return 0, setShape(k.out, []int{k.n, k.oh, k.ow, k.c})
}

func (k *pool2d) eval(ip *Interpreter) {
	ip.parallelElems(k, k.n*k.oh, k.out.n)
}

// runRange computes output rows [lo,hi), counted across the batch.
func (k *pool2d) runRange(_ *Interpreter, _, lo, hi int) {
	in, out := k.in.f32, k.out.f32
	c := k.c
	isMax := k.code == opMaxPool2d
	act := k.lo > -maxF || k.hi < maxF
	for r := lo; r < hi; r++ {
		b, oy := r/k.oh, r%k.oh
		y0 := oy*k.o.strideH - k.padT
		ys, ye := max(y0, 0), min(y0+k.o.filterH, k.h)
		for ox := 0; ox < k.ow; ox++ {
			x0 := ox*k.o.strideW - k.padL
			xs, xe := max(x0, 0), min(x0+k.o.filterW, k.w)
			o := out[((b*k.oh+oy)*k.ow+ox)*c:][:c]
			if isMax {
				k.maxWindow(o, in, b, ys, ye, xs, xe)
			} else {
				clear(o)
				for y := ys; y < ye; y++ {
					for x := xs; x < xe; x++ {
						p := in[((b*k.h+y)*k.w+x)*c:][:c]
						for i, v := range p {
							o[i] += v
						}
					}
				}
				cnt := float32((ye - ys) * (xe - xs))
				for i := range o {
					o[i] /= cnt
				}
			}
			if act {
				for i := range o {
					o[i] = clamp(o[i], k.lo, k.hi)
				}
			}
		}
	}
}

// maxWindow sets o to the channel-wise maximum of input pixels
// [ys,ye)×[xs,xe) of image b: a copy of the first, then max with the rest,
// which equals starting from -Inf (max(-Inf, v) is v, even for -0 and NaN).
func (k *pool2d) maxWindow(o, in []float32, b, ys, ye, xs, xe int) {
	c := len(o)
	if ys >= ye || xs >= xe {
		for i := range o {
			o[i] = float32(math.Inf(-1))
		}
		return
	}
	copy(o, in[((b*k.h+ys)*k.w+xs)*c:][:c])
	for y := ys; y < ye; y++ {
		for x := xs; x < xe; x++ {
			if y == ys && x == xs {
				continue
			}
			maxRow(o, o, in[((b*k.h+y)*k.w+x)*c:][:c])
		}
	}
}

// ---- STRIDED_SLICE ----

type stridedSlice struct {
	in, out            *Tensor
	begin, end, stride []int
	o                  options
	rank               int
	start, step, count [maxRank]int
	inStr              [maxRank]int
}

func newStridedSlice(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 4, 4, 1)
	if err != nil {
		return nil, err
	}
	k := &stridedSlice{in: in[0], out: out[0], o: op.opts}
	if k.begin, err = constInts(in[1], "STRIDED_SLICE begin"); err != nil {
		return nil, err
	}
	if k.end, err = constInts(in[2], "STRIDED_SLICE end"); err != nil {
		return nil, err
	}
	if k.stride, err = constInts(in[3], "STRIDED_SLICE strides"); err != nil {
		return nil, err
	}
	if k.o.ellipsisMask != 0 || k.o.newAxisMask != 0 {
		return nil, fmt.Errorf("%w: STRIDED_SLICE with ellipsis_mask %d / new_axis_mask %d", ErrUnsupportedOp, k.o.ellipsisMask, k.o.newAxisMask)
	}
	if in[0].def.typ != out[0].def.typ {
		return nil, fmt.Errorf("%w: STRIDED_SLICE from %v to %v", ErrInvalidModel, in[0].def.typ, out[0].def.typ)
	}
	return k, nil
}

func (k *stridedSlice) prepare() (int, error) {
	r := len(k.in.shape)
	if len(k.begin) != r || len(k.end) != r || len(k.stride) != r || r > maxRank {
		return 0, fmt.Errorf("%w: begin/end/strides of length %d/%d/%d for rank %d", ErrInvalidModel, len(k.begin), len(k.end), len(k.stride), r)
	}
	var shape []int
	acc := 1
	for d := r - 1; d >= 0; d-- {
		k.inStr[d] = acc
		acc *= k.in.shape[d]
	}
	for d := 0; d < r; d++ {
		dim := k.in.shape[d]
		st := k.stride[d]
		if st == 0 {
			return 0, fmt.Errorf("%w: stride 0 on axis %d", ErrInvalidModel, d)
		}
		b, e := k.begin[d], k.end[d]
		if k.o.offset {
			e += b
		}
		// StridedSliceStartForAxis / StopForAxis of TFLite's reference.
		if k.o.beginMask&(1<<d) != 0 {
			if st > 0 {
				b = 0
			} else {
				b = dim - 1
			}
		} else {
			if b < 0 {
				b += dim
			}
			if st > 0 {
				b = min(max(b, 0), dim)
			} else {
				b = min(max(b, -1), dim-1)
			}
		}
		shrink := k.o.shrinkAxisMask&(1<<d) != 0
		switch {
		case shrink:
			e = b + 1
			if st < 0 {
				e = b - 1
			}
		case k.o.endMask&(1<<d) != 0:
			if st > 0 {
				e = dim
			} else {
				e = -1
			}
		default:
			if e < 0 {
				e += dim
			}
			if st > 0 {
				e = min(max(e, 0), dim)
			} else {
				e = min(max(e, -1), dim-1)
			}
		}
		cnt := 0
		if st > 0 && e > b {
			cnt = (e - b + st - 1) / st
		} else if st < 0 && e < b {
			cnt = (b - e - st - 1) / -st
		}
		k.start[d], k.step[d], k.count[d] = b, st, cnt
		if !shrink {
			shape = append(shape, cnt)
		} else if cnt != 1 {
			return 0, fmt.Errorf("%w: shrink axis %d selects %d elements", ErrInvalidModel, d, cnt)
		}
	}
	k.rank = r
	if shape == nil {
		shape = []int{}
	}
	return 0, setShape(k.out, shape)
}

func (k *stridedSlice) eval(*Interpreter) {
	if k.out.n == 0 {
		return
	}
	r := k.rank
	var idx [maxRank]int
	for o := 0; o < k.out.n; o++ {
		src := 0
		for d := 0; d < r; d++ {
			src += (k.start[d] + idx[d]*k.step[d]) * k.inStr[d]
		}
		switch k.out.def.typ {
		case Float32:
			k.out.f32[o] = k.in.f32[src]
		case Int32:
			k.out.i32[o] = k.in.i32[src]
		case Bool:
			k.out.bools[o] = k.in.bools[src]
		}
		for d := r - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < k.count[d] {
				break
			}
			idx[d] = 0
		}
	}
}

// ---- MEAN ----

type mean struct {
	in, out   *Tensor
	axes      []int
	keep      bool
	reduce    [maxRank]bool
	rank      int
	outStride [maxRank]int
	count     int
}

func newMean(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 2, 1)
	if err != nil {
		return nil, err
	}
	k := &mean{in: in[0], out: out[0], keep: op.opts.keepDims}
	if k.axes, err = constInts(in[1], "MEAN axis"); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *mean) prepare() (int, error) {
	r := len(k.in.shape)
	k.rank = r
	k.reduce = [maxRank]bool{}
	for _, a := range k.axes {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r {
			return 0, fmt.Errorf("%w: MEAN axis %v for rank %d", ErrInvalidModel, k.axes, r)
		}
		k.reduce[a] = true
	}
	var shape []int
	k.count = 1
	acc := 1
	for d := r - 1; d >= 0; d-- {
		if k.reduce[d] {
			k.outStride[d] = 0
			k.count *= k.in.shape[d]
		} else {
			k.outStride[d] = acc
			acc *= k.in.shape[d]
		}
	}
	for d := 0; d < r; d++ {
		switch {
		case !k.reduce[d]:
			shape = append(shape, k.in.shape[d])
		case k.keep:
			shape = append(shape, 1)
		}
	}
	if shape == nil {
		shape = []int{}
	}
	return 0, setShape(k.out, shape)
}

func (k *mean) eval(*Interpreter) {
	out := k.out.f32
	clear(out)
	var idx [maxRank]int
	r := k.rank
	for i, v := range k.in.f32[:k.in.n] {
		_ = i
		o := 0
		for d := 0; d < r; d++ {
			o += idx[d] * k.outStride[d]
		}
		out[o] += v
		for d := r - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < k.in.shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	if k.count > 0 {
		for i := range out {
			out[i] /= float32(k.count)
		}
	}
}

// ---- SOFTMAX and L2_NORMALIZATION (over the last axis) ----

type lastAxis struct {
	code    int32
	in, out *Tensor
	beta    float32
	lo, hi  float32
}

func newSoftmax(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	return &lastAxis{code: op.code, in: in[0], out: out[0], beta: op.opts.beta}, nil
}

func newL2Norm(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	k := &lastAxis{code: op.code, in: in[0], out: out[0]}
	if k.lo, k.hi, err = actRange(op.opts.activation); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *lastAxis) prepare() (int, error) {
	if len(k.in.shape) == 0 {
		return 0, fmt.Errorf("%w: %s of a scalar", ErrInvalidModel, opName(k.code))
	}
	return 0, setShape(k.out, k.in.shape)
}

func (k *lastAxis) eval(*Interpreter) {
	d := k.in.shape[len(k.in.shape)-1]
	if d == 0 {
		return
	}
	for r := 0; r < k.in.n/d; r++ {
		in := k.in.f32[r*d : (r+1)*d]
		out := k.out.f32[r*d : (r+1)*d]
		if k.code == opSoftmax {
			m := in[0]
			for _, v := range in {
				m = max(m, v)
			}
			var sum float32
			for i, v := range in {
				e := float32(math.Exp(float64((v - m) * k.beta)))
				out[i] = e
				sum += e
			}
			for i := range out {
				out[i] /= sum
			}
			continue
		}
		var sq float32
		for _, v := range in {
			sq += float32(v * v) // not fused: same sums on every architecture
		}
		norm := max(float32(math.Sqrt(float64(sq))), 1e-6)
		for i, v := range in {
			out[i] = clamp(v/norm, k.lo, k.hi)
		}
	}
}

// ---- RESIZE_BILINEAR ----

type resizeBilinear struct {
	in, out    *Tensor
	size       []int
	align      bool
	half       bool
	n, h, w, c int
	oh, ow     int
}

func newResizeBilinear(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 2, 1)
	if err != nil {
		return nil, err
	}
	k := &resizeBilinear{in: in[0], out: out[0], align: op.opts.alignCorners, half: op.opts.halfPixel}
	if k.size, err = constInts(in[1], "RESIZE_BILINEAR size"); err != nil {
		return nil, err
	}
	if len(k.size) != 2 || k.size[0] <= 0 || k.size[1] <= 0 {
		return nil, fmt.Errorf("%w: RESIZE_BILINEAR size %v", ErrInvalidModel, k.size)
	}
	return k, nil
}

func (k *resizeBilinear) prepare() (int, error) {
	var err error
	if k.n, k.h, k.w, k.c, err = nhwc(k.in); err != nil {
		return 0, err
	}
	k.oh, k.ow = k.size[0], k.size[1]
	return 0, setShape(k.out, []int{k.n, k.oh, k.ow, k.c})
}

func resizeScale(in, out int, align bool) float32 {
	if align && out > 1 {
		return float32(in-1) / float32(out-1)
	}
	return float32(in) / float32(out)
}

// interp follows TFLite's ComputeInterpolationValues.
func interp(v int, scale float32, half bool, size int) (float32, int, int) {
	var s float32
	if half {
		s = float32((float32(v)+0.5)*scale) - 0.5 // not fused (arm64 would)
	} else {
		s = float32(v) * scale
	}
	f := float32(math.Floor(float64(s)))
	lo := max(int(f), 0)
	hi := min(int(math.Ceil(float64(s))), size-1)
	return s, lo, hi
}

func (k *resizeBilinear) eval(*Interpreter) {
	sh := resizeScale(k.h, k.oh, k.align)
	sw := resizeScale(k.w, k.ow, k.align)
	c := k.c
	in, out := k.in.f32, k.out.f32
	for b := 0; b < k.n; b++ {
		for y := 0; y < k.oh; y++ {
			iy, y0, y1 := interp(y, sh, k.half, k.h)
			dy := iy - float32(y0)
			for x := 0; x < k.ow; x++ {
				ix, x0, x1 := interp(x, sw, k.half, k.w)
				dx := ix - float32(x0)
				p00 := in[((b*k.h+y0)*k.w+x0)*c:][:c]
				p10 := in[((b*k.h+y1)*k.w+x0)*c:][:c]
				p01 := in[((b*k.h+y0)*k.w+x1)*c:][:c]
				p11 := in[((b*k.h+y1)*k.w+x1)*c:][:c]
				o := out[((b*k.oh+y)*k.ow+x)*c:][:c]
				for i := range o {
					// Each product rounded before the sum, so arm64 (which
					// would fuse) computes what amd64 does.
					o[i] = float32(p00[i]*(1-dy)*(1-dx)) + float32(p10[i]*dy*(1-dx)) + float32(p01[i]*(1-dy)*dx) + float32(p11[i]*dy*dx)
				}
			}
		}
	}
}

// ---- PRELU ----

type prelu struct {
	in, alpha, out *Tensor
	bc             *binop // reuses the broadcasting walk
}

func newPrelu(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 2, 1)
	if err != nil {
		return nil, err
	}
	return &prelu{in: in[0], alpha: in[1], out: out[0], bc: &binop{a: in[0], b: in[1], out: out[0]}}, nil
}

func (k *prelu) prepare() (int, error) {
	if _, err := k.bc.prepare(); err != nil {
		return 0, err
	}
	if !sameShape(k.out.shape, k.in.shape) {
		return 0, fmt.Errorf("%w: PRELU alpha %v does not broadcast to input %v", ErrInvalidModel, k.alpha.shape, k.in.shape)
	}
	return 0, nil
}

func (k *prelu) eval(ip *Interpreter) {
	if k.out.n == 0 {
		return
	}
	b := k.bc
	switch {
	case b.rank == 2 && k.out.n >= minParallelElems:
		// [rows, channels]: rows are independent, split them.
		ip.parallel(k, b.dims[0])
	case b.rank == 2:
		k.rows(0, b.dims[0])
	case b.rank == 1:
		k.rows(0, 1)
	default:
		b.walk(k)
	}
}

// runRange computes rows [lo,hi) of a rank-2 PRELU.
func (k *prelu) runRange(_ *Interpreter, _, lo, hi int) { k.rows(lo, hi) }

// rows computes outer rows [lo,hi) when the broadcast walk has rank ≤ 2.
func (k *prelu) rows(lo, hi int) {
	b := k.bc
	r := b.rank
	inner := b.dims[r-1]
	ia, ib := b.sa[r-1], b.sb[r-1]
	var sa0, sb0 int
	if r == 2 {
		sa0, sb0 = b.sa[0], b.sb[0]
	}
	if r == 2 && sa0 == inner && ia == 1 && sb0 == 0 && ib == 1 {
		// One alpha per channel (the usual [1,1,C] alpha): all rows in
		// one kernel call.
		preluRows(k.out.f32[lo*inner:hi*inner], k.in.f32[lo*inner:hi*inner], k.alpha.f32[:inner], hi-lo, inner)
		return
	}
	for row := lo; row < hi; row++ {
		k.row(k.in.f32[row*sa0:], k.alpha.f32[row*sb0:], ia, ib, row*inner, inner)
	}
}

// row implements rower: out = x where x ≥ 0, else x·alpha.
func (k *prelu) row(x, a []float32, ia, ib, off, n int) {
	o := k.out.f32[off : off+n]
	if ia == 1 && ib == 1 {
		preluRow(o, x, a)
		return
	}
	for i := range o {
		v := x[i*ia]
		if v < 0 {
			v *= a[i*ib]
		}
		o[i] = v
	}
}
