package tflite

import (
	"fmt"
	"math"
)

// opSpec says which versions of an operator we run and which tensor types
// its inputs and outputs may have. Newer operator versions mostly add
// quantized types, so types are checked per tensor as well.
type opSpec struct {
	maxVersion int32
	// in[i] lists the types allowed for input i; the last entry applies
	// to any further inputs. nil means float32 only.
	in  [][]DataType
	out []DataType
	new func(ip *Interpreter, op *opDef) (kernel, error)
}

var (
	f32Only   = []DataType{Float32}
	intShape  = []DataType{Int32, Int64}
	anyNumber = []DataType{Float32, Int32, Bool, Uint8, Int8, Int64}
)

// registry maps builtin operator codes to their kernels.
var registry = map[int32]opSpec{
	opAdd:             {5, nil, nil, newBinary},
	opSub:             {5, nil, nil, newBinary},
	opMul:             {7, nil, nil, newBinary},
	opDiv:             {2, nil, nil, newBinary},
	opLess:            {3, [][]DataType{f32Only}, []DataType{Bool}, newBinary},
	opGreaterEqual:    {3, [][]DataType{f32Only}, []DataType{Bool}, newBinary},
	opAbs:             {5, nil, nil, newUnary},
	opRelu:            {3, nil, nil, newUnary},
	opRelu6:           {3, nil, nil, newUnary},
	opLogistic:        {3, nil, nil, newUnary},
	opTanh:            {3, nil, nil, newUnary},
	opHardSwish:       {1, nil, nil, newUnary},
	opLeakyRelu:       {2, nil, nil, newUnary},
	opCast:            {6, [][]DataType{anyNumber}, anyNumber, newCast},
	opDequantize:      {6, [][]DataType{{Float16, Int8, Uint8, Float32}}, nil, newDequantize},
	opConv2d:          {8, [][]DataType{f32Only}, nil, newConv},
	opDepthwiseConv2d: {7, [][]DataType{f32Only}, nil, newDepthwise},
	opFullyConnected:  {12, [][]DataType{f32Only}, nil, newFullyConnected},
	opMaxPool2d:       {3, nil, nil, newPool2d},
	opAveragePool2d:   {3, nil, nil, newPool2d},
	opPad:             {4, [][]DataType{f32Only, intShape}, nil, newPad},
	opConcatenation:   {4, nil, nil, newConcat},
	opReshape:         {1, [][]DataType{anyNumber, intShape}, anyNumber, newReshape},
	opStridedSlice:    {8, [][]DataType{anyNumber, intShape}, anyNumber, newStridedSlice},
	opMean:            {3, [][]DataType{f32Only, intShape}, nil, newMean},
	opSoftmax:         {3, nil, nil, newSoftmax},
	opL2Normalization: {2, nil, nil, newL2Norm},
	opResizeBilinear:  {4, [][]DataType{f32Only, intShape}, nil, newResizeBilinear},
	opPrelu:           {1, nil, nil, newPrelu},
}

// int8Registry maps builtin operator codes to the kernels for their
// quantized (int8) form; an operator whose first input or first output is
// an int8 tensor is looked up here first. It is filled by the int8 kernels'
// init functions.
var int8Registry = map[int32]opSpec{}

// specFor returns the registry entry that runs op.
func (m *Model) specFor(op *opDef) (opSpec, bool) {
	if len(int8Registry) > 0 && m.quantizedOp(op) {
		if s, ok := int8Registry[op.code]; ok {
			return s, true
		}
	}
	s, ok := registry[op.code]
	return s, ok
}

// quantizedOp reports whether op's first input or first output is int8.
func (m *Model) quantizedOp(op *opDef) bool {
	for _, ti := range [...][]int{op.inputs, op.outputs} {
		for _, t := range ti {
			if t >= 0 {
				if m.tensors[t].typ == Int8 {
					return true
				}
				break
			}
		}
	}
	return false
}

// checkSupported reports the first operator the interpreter cannot run.
func (m *Model) checkSupported() error {
	for i := range m.ops {
		op := &m.ops[i]
		spec, ok := m.specFor(op)
		if !ok {
			return fmt.Errorf("%w: %s version %d (operator %d) in %s", ErrUnsupportedOp, opName(op.code), op.version, i, m.name)
		}
		if op.version > spec.maxVersion || op.version < 1 {
			return fmt.Errorf("%w: %s version %d (operator %d) in %s: versions 1-%d are supported", ErrUnsupportedOp, opName(op.code), op.version, i, m.name, spec.maxVersion)
		}
		check := func(kind string, k, ti int, allowed []DataType) error {
			if ti < 0 {
				return nil
			}
			if allowed == nil {
				allowed = f32Only
			}
			typ := m.tensors[ti].typ
			for _, a := range allowed {
				if a == typ {
					return nil
				}
			}
			return fmt.Errorf("%w: %s version %d (operator %d) in %s: %s %d (%q) is %v, supported: %v", ErrUnsupportedOp, opName(op.code), op.version, i, m.name, kind, k, m.tensors[ti].name, typ, allowed)
		}
		for k, ti := range op.inputs {
			var allowed []DataType
			if len(spec.in) > 0 {
				allowed = spec.in[min(k, len(spec.in)-1)]
			}
			// Convolution weights may be constants of any float type
			// that DEQUANTIZE turned into float32: they are float32 here.
			if err := check("input", k, ti, allowed); err != nil {
				return err
			}
		}
		for k, ti := range op.outputs {
			if err := check("output", k, ti, spec.out); err != nil {
				return err
			}
		}
	}
	return nil
}

func newKernel(ip *Interpreter, i int) (kernel, error) {
	op := &ip.m.run[i]
	spec, _ := ip.m.specFor(op)
	k, err := spec.new(ip, op)
	if err != nil {
		return nil, fmt.Errorf("%s: operator %d (%s): %w", ip.m.name, i, opName(op.code), err)
	}
	return k, nil
}

// io resolves an op's tensors, checking the counts.
func (ip *Interpreter) io(op *opDef, minIn, maxIn, nOut int) ([]*Tensor, []*Tensor, error) {
	if len(op.inputs) < minIn || len(op.inputs) > maxIn {
		return nil, nil, fmt.Errorf("%w: %d inputs, want %d to %d", ErrInvalidModel, len(op.inputs), minIn, maxIn)
	}
	if len(op.outputs) != nOut {
		return nil, nil, fmt.Errorf("%w: %d outputs, want %d", ErrInvalidModel, len(op.outputs), nOut)
	}
	in := make([]*Tensor, len(op.inputs))
	for k, ti := range op.inputs {
		if ti >= 0 {
			in[k] = &ip.t[ti]
		} else if k < minIn {
			return nil, nil, fmt.Errorf("%w: required input %d omitted", ErrInvalidModel, k)
		}
	}
	out := make([]*Tensor, nOut)
	for k, ti := range op.outputs {
		out[k] = &ip.t[ti]
	}
	return in, out, nil
}

// setShape sets t's shape and element count.
func setShape(t *Tensor, shape []int) error {
	n, ok := numElements(shape)
	if !ok {
		return fmt.Errorf("%w: tensor %q shape %v is too large", ErrInvalidModel, t.def.name, shape)
	}
	t.shape = append(t.shape[:0], shape...)
	t.n = n
	return nil
}

// actRange returns the clamp bounds of a fused activation.
func actRange(a int) (lo, hi float32, err error) {
	switch a {
	case 0:
		return float32(math.Inf(-1)), float32(math.Inf(1)), nil
	case 1:
		return 0, float32(math.Inf(1)), nil
	case 2:
		return -1, 1, nil
	case 3:
		return 0, 6, nil
	}
	return 0, 0, fmt.Errorf("%w: fused activation %d (only NONE, RELU, RELU_N1_TO_1, RELU6 are defined for float kernels)", ErrUnsupportedOp, a)
}

func clamp(v, lo, hi float32) float32 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// ---- elementwise binary ops with broadcasting ----

type binop struct {
	code      int32
	a, b, out *Tensor
	lo, hi    float32
	rank      int
	dims      [maxRank]int
	sa, sb    [maxRank]int // strides, 0 where broadcast
}

func newBinary(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 2, 1)
	if err != nil {
		return nil, err
	}
	k := &binop{code: op.code, a: in[0], b: in[1], out: out[0]}
	if k.lo, k.hi, err = actRange(op.opts.activation); err != nil {
		return nil, err
	}
	return k, nil
}

// broadcastShape returns the numpy-style broadcast of a and b.
func broadcastShape(a, b []int) ([]int, error) {
	r := max(len(a), len(b))
	out := make([]int, r)
	for i := 0; i < r; i++ {
		da, db := 1, 1
		if j := i - (r - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (r - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("%w: shapes %v and %v do not broadcast", ErrInvalidModel, a, b)
		}
	}
	return out, nil
}

func (k *binop) prepare() (int, error) {
	shape, err := broadcastShape(k.a.shape, k.b.shape)
	if err != nil {
		return 0, err
	}
	if len(shape) > maxRank {
		return 0, fmt.Errorf("%w: rank %d", ErrUnsupportedOp, len(shape))
	}
	if err := setShape(k.out, shape); err != nil {
		return 0, err
	}
	// Strides for a and b over the output shape, then merge adjacent dims
	// with the same broadcast pattern so the inner loop is as long as
	// possible.
	r := len(shape)
	var sa, sb [maxRank]int
	strides := func(s []int, st *[maxRank]int) {
		acc := 1
		for i := r - 1; i >= 0; i-- {
			j := i - (r - len(s))
			d := 1
			if j >= 0 {
				d = s[j]
			}
			if d == 1 && shape[i] != 1 {
				st[i] = 0
			} else {
				st[i] = acc
			}
			acc *= d
		}
	}
	strides(k.a.shape, &sa)
	strides(k.b.shape, &sb)
	k.rank = 0
	for i := 0; i < r; i++ {
		if shape[i] == 1 {
			continue
		}
		if p := k.rank - 1; p >= 0 && (k.sa[p] == 0) == (sa[i] == 0) && (k.sb[p] == 0) == (sb[i] == 0) {
			k.dims[p] *= shape[i]
			k.sa[p], k.sb[p] = sa[i], sb[i]
			continue
		}
		k.dims[k.rank], k.sa[k.rank], k.sb[k.rank] = shape[i], sa[i], sb[i]
		k.rank++
	}
	if k.rank == 0 {
		k.rank, k.dims[0], k.sa[0], k.sb[0] = 1, 1, 1, 1
	}
	return 0, nil
}

func (k *binop) eval(ip *Interpreter) {
	if k.out.n == 0 {
		return
	}
	if k.rank == 1 && k.out.n >= minParallelElems && ip != nil && ip.pool != nil {
		// Same-shape or scalar-broadcast operands (residual ADDs): split
		// the range into blocks over the workers.
		ip.parallel(k, (k.out.n+binBlock-1)/binBlock)
		return
	}
	k.walk(k)
}

// rower computes one innermost row of a broadcast walk: n outputs from
// a[i*ia] and b[i*ib] into output offset o.
type rower interface {
	row(a, b []float32, ia, ib, o, n int)
}

// walk visits the broadcast's innermost rows in order, an odometer over
// the outer dimensions, and hands each to r.
func (k *binop) walk(r rower) {
	rank := k.rank
	inner := k.dims[rank-1]
	ia, ib := k.sa[rank-1], k.sb[rank-1]
	var idx [maxRank]int
	offA, offB, offO := 0, 0, 0
	a, b := k.a.f32, k.b.f32
	for {
		r.row(a[offA:], b[offB:], ia, ib, offO, inner)
		offO += inner
		d := rank - 2
		for ; d >= 0; d-- {
			idx[d]++
			offA += k.sa[d]
			offB += k.sb[d]
			if idx[d] < k.dims[d] {
				break
			}
			offA -= k.sa[d] * k.dims[d]
			offB -= k.sb[d] * k.dims[d]
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// minParallelElems is the size from which same-shape elementwise ops
// (ADD, MUL, PRELU) are split across threads; see minParallelMACs.
const minParallelElems = 1 << 12

// binBlock is the number of elements per work item of a parallel binop.
const binBlock = 4096

// runRange computes blocks [lo,hi) of a rank-1 binop.
func (k *binop) runRange(_ *Interpreter, _, lo, hi int) {
	ia, ib := k.sa[0], k.sb[0]
	o0, o1 := lo*binBlock, min(hi*binBlock, k.out.n)
	k.row(k.a.f32[o0*ia:], k.b.f32[o0*ib:], ia, ib, o0, o1-o0)
}

// row computes n outputs from a (stride ia: 0 or 1) and b (stride ib).
func (k *binop) row(a, b []float32, ia, ib, o, n int) {
	if k.out.def.typ == Bool {
		out := k.out.bools[o : o+n]
		for i := range out {
			x, y := a[i*ia], b[i*ib]
			if k.code == opLess {
				out[i] = x < y
			} else {
				out[i] = x >= y
			}
		}
		return
	}
	out := k.out.f32[o : o+n]
	lo, hi := k.lo, k.hi
	if ia == 1 && ib == 1 {
		a, b = a[:n], b[:n]
		switch k.code {
		case opAdd:
			addRow(out, a, b, lo, hi)
		case opSub:
			for i := range out {
				out[i] = clamp(a[i]-b[i], lo, hi)
			}
		case opMul:
			mulRow(out, a, b, lo, hi)
		case opDiv:
			for i := range out {
				out[i] = clamp(a[i]/b[i], lo, hi)
			}
		}
		return
	}
	for i := range out {
		x, y := a[i*ia], b[i*ib]
		var v float32
		switch k.code {
		case opAdd:
			v = x + y
		case opSub:
			v = x - y
		case opMul:
			v = x * y
		case opDiv:
			v = x / y
		}
		out[i] = clamp(v, lo, hi)
	}
}

// ---- elementwise unary ops ----

type unary struct {
	code  int32
	in    *Tensor
	out   *Tensor
	alpha float32
	// alphas is alpha repeated: LEAKY_RELU with alpha ≥ 0 equals PRELU
	// with that alpha (v > 0 ? v : alpha·v and v < 0 ? alpha·v : v differ
	// only for ±0, where alpha·v is v when alpha ≥ 0), so it runs on the
	// PRELU row kernel, alphaRun values at a time.
	alphas []float32
}

const alphaRun = 1024

func newUnary(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	k := &unary{code: op.code, in: in[0], out: out[0], alpha: op.opts.alpha}
	if k.code == opLeakyRelu && k.alpha >= 0 {
		k.alphas = make([]float32, alphaRun)
		for i := range k.alphas {
			k.alphas[i] = k.alpha
		}
	}
	return k, nil
}

func (k *unary) prepare() (int, error) { return 0, setShape(k.out, k.in.shape) }

func (k *unary) eval(*Interpreter) {
	in, out := k.in.f32, k.out.f32
	in = in[:len(out)]
	switch k.code {
	case opRelu:
		for i, v := range in {
			out[i] = max(v, 0)
		}
	case opRelu6:
		for i, v := range in {
			out[i] = min(max(v, 0), 6)
		}
	case opAbs:
		for i, v := range in {
			out[i] = float32(math.Abs(float64(v)))
		}
	case opLogistic:
		for i, v := range in {
			out[i] = sigmoid(v)
		}
	case opTanh:
		for i, v := range in {
			out[i] = float32(math.Tanh(float64(v)))
		}
	case opHardSwish:
		for i, v := range in {
			out[i] = v * min(max(v+3, 0), 6) / 6
		}
	case opLeakyRelu:
		if k.alphas != nil {
			rows := len(out) / alphaRun
			preluRows(out, in, k.alphas, rows, alphaRun)
			preluRow(out[rows*alphaRun:], in[rows*alphaRun:], k.alphas)
			return
		}
		a := k.alpha
		for i, v := range in {
			if v > 0 {
				out[i] = v
			} else {
				out[i] = a * v
			}
		}
	}
}

func sigmoid(v float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(v))))
}

// ---- CAST and DEQUANTIZE ----

type cast struct{ in, out *Tensor }

func newCast(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	for _, t := range []*Tensor{in[0], out[0]} {
		switch t.def.typ {
		case Float32, Bool, Int32:
		default:
			return nil, fmt.Errorf("%w: CAST of %v", ErrUnsupportedOp, t.def.typ)
		}
	}
	return &cast{in[0], out[0]}, nil
}

func (k *cast) prepare() (int, error) { return 0, setShape(k.out, k.in.shape) }

func (k *cast) eval(*Interpreter) {
	n := k.out.n
	get := func(i int) float64 {
		switch k.in.def.typ {
		case Bool:
			if k.in.bools[i] {
				return 1
			}
			return 0
		case Int32:
			return float64(k.in.i32[i])
		}
		return float64(k.in.f32[i])
	}
	switch k.out.def.typ {
	case Float32:
		if k.in.def.typ == Bool {
			for i, b := range k.in.bools[:n] {
				k.out.f32[i] = 0
				if b {
					k.out.f32[i] = 1
				}
			}
			return
		}
		for i := 0; i < n; i++ {
			k.out.f32[i] = float32(get(i))
		}
	case Int32:
		for i := 0; i < n; i++ {
			k.out.i32[i] = int32(get(i))
		}
	case Bool:
		for i := 0; i < n; i++ {
			k.out.bools[i] = get(i) != 0
		}
	}
}

type dequantize struct {
	in, out *Tensor
	folded  bool
}

func newDequantize(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	if out[0].def.isConst() {
		return &dequantize{folded: true}, nil
	}
	if in[0].def.typ != Float32 {
		// Activations are float32; quantized activations need the int8
		// kernels.
		return nil, fmt.Errorf("%w: DEQUANTIZE of a %v activation", ErrUnsupportedOp, in[0].def.typ)
	}
	return &dequantize{in: in[0], out: out[0]}, nil
}

func (k *dequantize) prepare() (int, error) {
	if k.folded {
		return 0, nil
	}
	return 0, setShape(k.out, k.in.shape)
}

func (k *dequantize) eval(*Interpreter) {
	if !k.folded {
		copy(k.out.f32, k.in.f32)
	}
}

// ---- shape ops ----

// constInts returns the int32 data of a constant tensor.
func constInts(t *Tensor, what string) ([]int, error) {
	if t == nil || t.def.i32 == nil {
		return nil, fmt.Errorf("%w: %s must be a constant int32 tensor", ErrUnsupportedOp, what)
	}
	out := make([]int, len(t.def.i32))
	for i, v := range t.def.i32 {
		out[i] = int(v)
	}
	return out, nil
}

type reshape struct {
	in, out  *Tensor
	newShape []int
}

func newReshape(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 1, 2, 1)
	if err != nil {
		return nil, err
	}
	if in[0].def.typ != out[0].def.typ {
		return nil, fmt.Errorf("%w: RESHAPE from %v to %v", ErrInvalidModel, in[0].def.typ, out[0].def.typ)
	}
	k := &reshape{in: in[0], out: out[0]}
	switch {
	case len(in) == 2 && in[1] != nil:
		if k.newShape, err = constInts(in[1], "RESHAPE shape"); err != nil {
			return nil, err
		}
	case op.opts.hasNewShape:
		k.newShape = op.opts.newShape
	default:
		k.newShape = out[0].def.shape
	}
	return k, nil
}

func (k *reshape) prepare() (int, error) {
	shape, err := reshapeTo(k.newShape, k.in.n)
	if err != nil && len(k.newShape) > 0 && len(k.in.shape) > 0 && k.newShape[0] > 0 && len(k.in.def.shape) > 0 &&
		k.newShape[0] == k.in.def.shape[0] && k.in.shape[0] != k.in.def.shape[0] {
		// Batch propagation: a shape stored with the model's batch (such
		// as MobileFaceNet's [2,192]) follows a resized batch.
		ns := append([]int{k.in.shape[0]}, k.newShape[1:]...)
		shape, err = reshapeTo(ns, k.in.n)
	}
	if err != nil {
		return 0, fmt.Errorf("reshape %v (%d elements) to %v: %w", k.in.shape, k.in.n, k.newShape, err)
	}
	if err := setShape(k.out, shape); err != nil {
		return 0, err
	}
	return 0, nil
}

func reshapeTo(ns []int, n int) ([]int, error) {
	shape := append([]int(nil), ns...)
	known, neg := 1, -1
	for i, d := range shape {
		switch {
		case d == -1 && neg < 0:
			neg = i
		case d < 0:
			return nil, fmt.Errorf("%w: bad dimension %d", ErrInvalidModel, d)
		default:
			known *= d
		}
	}
	if neg >= 0 {
		if known == 0 || n%known != 0 {
			return nil, fmt.Errorf("%w: cannot infer -1", ErrInvalidModel)
		}
		shape[neg] = n / known
		known = n
	}
	if known != n {
		return nil, fmt.Errorf("%w: element count %d differs", ErrInvalidModel, known)
	}
	return shape, nil
}

func (k *reshape) eval(*Interpreter) {
	switch k.out.def.typ {
	case Float32:
		copy(k.out.f32, k.in.f32)
	case Int32:
		copy(k.out.i32, k.in.i32)
	case Bool:
		copy(k.out.bools, k.in.bools)
	}
}

// ---- PAD ----

type pad struct {
	in, out *Tensor
	pads    []int // [rank][2]
	rank    int
	ins     [maxRank]int
	outs    [maxRank]int
}

func newPad(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 2, 2, 1)
	if err != nil {
		return nil, err
	}
	k := &pad{in: in[0], out: out[0]}
	if k.pads, err = constInts(in[1], "PAD paddings"); err != nil {
		return nil, err
	}
	for _, p := range k.pads {
		if p < 0 {
			return nil, fmt.Errorf("%w: negative padding %v", ErrInvalidModel, k.pads)
		}
	}
	return k, nil
}

func (k *pad) prepare() (int, error) {
	r := len(k.in.shape)
	if len(k.pads) != 2*r || r > maxRank {
		return 0, fmt.Errorf("%w: paddings %v for rank %d", ErrInvalidModel, k.pads, r)
	}
	shape := make([]int, r)
	for i, d := range k.in.shape {
		shape[i] = d + k.pads[2*i] + k.pads[2*i+1]
		k.ins[i], k.outs[i] = d, shape[i]
	}
	k.rank = r
	return 0, setShape(k.out, shape)
}

// padRows copies each innermost row of in (k's input shape) to its place
// in out (already filled with the padding value); shared by the float and
// int8 PAD.
func padRows[T float32 | int8](k *pad, out, in []T) {
	r := k.rank
	inner := k.ins[r-1]
	if inner == 0 {
		return
	}
	var idx [maxRank]int
	for row := 0; row < k.in.n/inner; row++ {
		// output offset of idx (outer dims) + pad
		off := 0
		for d := 0; d < r-1; d++ {
			off = off*k.outs[d] + idx[d] + k.pads[2*d]
		}
		off = off*k.outs[r-1] + k.pads[2*(r-1)]
		copy(out[off:off+inner], in[row*inner:(row+1)*inner])
		for d := r - 2; d >= 0; d-- {
			idx[d]++
			if idx[d] < k.ins[d] {
				break
			}
			idx[d] = 0
		}
	}
}

func (k *pad) eval(ip *Interpreter) {
	out := k.out.f32
	r := k.rank
	if r > 0 && k.channelsOnly() {
		// Padding along the last axis only (BlazeFace widens its residual
		// branches this way): one pass, each output row written once,
		// the rows split over the workers.
		ip.parallelElems(k, k.in.n/k.ins[r-1], k.out.n)
		return
	}
	clear(out)
	if r == 0 {
		copy(out, k.in.f32)
		return
	}
	padRows(k, out, k.in.f32)
}

// runRange pads rows [lo,hi) when only the last axis is padded.
func (k *pad) runRange(_ *Interpreter, _, lo, hi int) {
	padChannels(k, k.out.f32, k.in.f32, 0, lo, hi)
}

// padChannels writes rows [lo,hi) of a PAD along the last axis only
// (channelsOnly): v, the input row, v; shared by the float and int8 PAD.
func padChannels[T float32 | int8](k *pad, out, in []T, v T, lo, hi int) {
	r := k.rank
	ic, oc, pl := k.ins[r-1], k.outs[r-1], k.pads[2*(r-1)]
	for row := lo; row < hi; row++ {
		o := out[row*oc : (row+1)*oc]
		for i := range o[:pl] {
			o[i] = v
		}
		copy(o[pl:pl+ic], in[row*ic:(row+1)*ic])
		for i := pl + ic; i < oc; i++ {
			o[i] = v
		}
	}
}

// channelsOnly reports whether only the last axis is padded.
func (k *pad) channelsOnly() bool {
	for d := 0; d < k.rank-1; d++ {
		if k.pads[2*d] != 0 || k.pads[2*d+1] != 0 {
			return false
		}
	}
	return k.ins[k.rank-1] > 0
}

// ---- CONCATENATION ----

type concat struct {
	in     []*Tensor
	out    *Tensor
	axis   int
	lo, hi float32
	outer  int
}

func newConcat(ip *Interpreter, op *opDef) (kernel, error) {
	in, out, err := ip.io(op, 1, 1<<16, 1)
	if err != nil {
		return nil, err
	}
	k := &concat{in: in, out: out[0], axis: op.opts.axis}
	if k.lo, k.hi, err = actRange(op.opts.activation); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *concat) prepare() (int, error) {
	r := len(k.in[0].shape)
	axis := k.axis
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis >= r {
		return 0, fmt.Errorf("%w: axis %d for rank %d", ErrInvalidModel, k.axis, r)
	}
	shape := append([]int(nil), k.in[0].shape...)
	shape[axis] = 0
	for _, t := range k.in {
		if len(t.shape) != r {
			return 0, fmt.Errorf("%w: inputs of rank %d and %d", ErrInvalidModel, r, len(t.shape))
		}
		for d := range t.shape {
			if d != axis && t.shape[d] != k.in[0].shape[d] {
				return 0, fmt.Errorf("%w: input shapes %v and %v differ off axis %d", ErrInvalidModel, k.in[0].shape, t.shape, axis)
			}
		}
		shape[axis] += t.shape[axis]
	}
	k.outer = 1
	for _, d := range shape[:axis] {
		k.outer *= d
	}
	return 0, setShape(k.out, shape)
}

func (k *concat) eval(*Interpreter) {
	out := k.out.f32
	o := 0
	for i := 0; i < k.outer; i++ {
		for _, t := range k.in {
			chunk := t.n / max(k.outer, 1)
			copy(out[o:o+chunk], t.f32[i*chunk:(i+1)*chunk])
			o += chunk
		}
	}
	if k.lo > float32(math.Inf(-1)) || k.hi < float32(math.Inf(1)) {
		for i, v := range out {
			out[i] = clamp(v, k.lo, k.hi)
		}
	}
}
