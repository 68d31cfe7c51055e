package tflite

import (
	"context"
	"fmt"
	"runtime"
	"sort"
)

// Options configure an Interpreter.
type Options struct {
	// Threads is how many goroutines the heavy operators (convolutions,
	// fully connected) split their work across. 0 or 1 means one. Results
	// do not depend on it.
	Threads int
	// MaxArenaBytes caps the activation memory the interpreter may plan,
	// so a hostile model cannot make it allocate without bound. 0 means
	// 256 MiB, several times what the face models need (FaceAntiSpoofing
	// at 256×256 plans 24 MiB).
	MaxArenaBytes int64
}

// Tensor is a tensor of an Interpreter: an input to fill, an output to read,
// or an intermediate. Its data is a view into the interpreter's memory,
// valid until the next ResizeInput.
type Tensor struct {
	def   *tensorDef
	shape []int
	n     int // elements
	f32   []float32
	bools []bool
	i32   []int32
	i8    []int8
	// planning
	first, last int
	off         int
	inArena     bool
}

// Name returns the tensor's name in the model.
func (t *Tensor) Name() string { return t.def.name }

// Type returns the tensor's element type.
func (t *Tensor) Type() DataType { return t.def.typ }

// Shape returns the tensor's current shape (a copy).
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// NumElements returns the number of elements at the current shape.
func (t *Tensor) NumElements() int { return t.n }

// Float32s returns the tensor's float32 data (nil for other types). Write
// inputs into it before Invoke and read outputs after.
func (t *Tensor) Float32s() []float32 { return t.f32 }

// Int32s returns the tensor's int32 data (nil for other types).
func (t *Tensor) Int32s() []int32 { return t.i32 }

// Int8s returns the tensor's int8 data (nil for other types): the
// quantized values of an int8 tensor, whose real value is
// scale·(q − zero point) (see Quantization).
func (t *Tensor) Int8s() []int8 { return t.i8 }

// Quantization returns the tensor's per-tensor scale and zero point, and
// ok=false when the tensor has no (or per-channel) quantization.
func (t *Tensor) Quantization() (scale float32, zeroPoint int32, ok bool) {
	q := t.def.q
	if q == nil || len(q.scale) != 1 {
		return 0, 0, false
	}
	if len(q.zeroPoint) > 0 {
		zeroPoint = int32(q.zeroPoint[0])
	}
	return q.scale[0], zeroPoint, true
}

// Bools returns the tensor's bool data (nil for other types).
func (t *Tensor) Bools() []bool { return t.bools }

// kernel is one operator bound to its tensors.
type kernel interface {
	// prepare computes the output shapes from the input shapes and
	// returns the scratch floats it needs per worker.
	prepare() (scratch int, err error)
	// eval runs the operator.
	eval(ip *Interpreter)
}

// Interpreter runs a Model. It is not safe for concurrent use.
type Interpreter struct {
	m       *Model
	t       []Tensor
	kernels []kernel
	arena   []float32
	arena8  []int8 // int8 activations
	scratch []float32
	perWork int // scratch floats per worker
	threads int
	maxB    int64
	pool    *pool
}

// NewInterpreter creates an interpreter for m and plans its memory at the
// input shapes stored in the model.
func NewInterpreter(m *Model, opts Options) (*Interpreter, error) {
	ip := &Interpreter{m: m, threads: max(opts.Threads, 1), maxB: opts.MaxArenaBytes}
	if ip.maxB <= 0 {
		ip.maxB = 256 << 20
	}
	ip.t = make([]Tensor, len(m.tensors))
	for i := range m.tensors {
		d := &m.tensors[i]
		t := &ip.t[i]
		t.def = d
		t.shape = append([]int(nil), d.shape...)
		if d.isConst() {
			t.f32, t.i32, t.i8 = d.f32, d.i32, d.i8
			t.n, _ = numElements(t.shape)
		}
	}
	ip.kernels = make([]kernel, len(m.run))
	for i := range m.run {
		k, err := newKernel(ip, i)
		if err != nil {
			return nil, err
		}
		ip.kernels[i] = k
	}
	if ip.threads > 1 {
		ip.pool = newPool(ip.threads)
		// Stop the workers when the interpreter is garbage collected, for
		// callers that never call Close.
		runtime.AddCleanup(ip, func(p *pool) { p.close() }, ip.pool)
	}
	if err := ip.allocate(); err != nil {
		return nil, err
	}
	return ip, nil
}

// Close stops the interpreter's worker goroutines (if Threads > 1). The
// interpreter must not be used afterwards.
func (ip *Interpreter) Close() {
	if ip.pool != nil {
		ip.pool.close()
	}
}

// NumInputs returns the number of model inputs.
func (ip *Interpreter) NumInputs() int { return len(ip.m.inputs) }

// NumOutputs returns the number of model outputs.
func (ip *Interpreter) NumOutputs() int { return len(ip.m.outputs) }

// Input returns input tensor i (nil if out of range).
func (ip *Interpreter) Input(i int) *Tensor {
	if i < 0 || i >= len(ip.m.inputs) {
		return nil
	}
	return &ip.t[ip.m.inputs[i]]
}

// Output returns output tensor i (nil if out of range).
func (ip *Interpreter) Output(i int) *Tensor {
	if i < 0 || i >= len(ip.m.outputs) {
		return nil
	}
	return &ip.t[ip.m.outputs[i]]
}

// InputByName returns the input tensor with the given name, or nil.
func (ip *Interpreter) InputByName(name string) *Tensor {
	for _, ti := range ip.m.inputs {
		if ip.t[ti].def.name == name {
			return &ip.t[ti]
		}
	}
	return nil
}

// OutputByName returns the output tensor with the given name, or nil.
func (ip *Interpreter) OutputByName(name string) *Tensor {
	for _, ti := range ip.m.outputs {
		if ip.t[ti].def.name == name {
			return &ip.t[ti]
		}
	}
	return nil
}

// ResizeInput changes the shape of input i (for example MobileFaceNet's
// stored batch of 2 to a batch of 1), propagates shapes through the graph
// and plans memory again. Tensor data slices obtained before are invalid
// afterwards.
func (ip *Interpreter) ResizeInput(i int, shape []int) error {
	t := ip.Input(i)
	if t == nil {
		return fmt.Errorf("resize input %d: model %s has %d inputs", i, ip.m.name, len(ip.m.inputs))
	}
	if len(shape) != len(t.def.shape) {
		return fmt.Errorf("resize input %d (%q) to %v: rank %d, model has rank %d", i, t.def.name, shape, len(shape), len(t.def.shape))
	}
	for _, d := range shape {
		if d <= 0 {
			return fmt.Errorf("resize input %d (%q) to %v: dimensions must be positive", i, t.def.name, shape)
		}
	}
	old := t.shape
	t.shape = append([]int(nil), shape...)
	if err := ip.allocate(); err != nil {
		t.shape = old
		if err2 := ip.allocate(); err2 != nil {
			return fmt.Errorf("resize input %d to %v: %w (and restoring %v failed: %v)", i, shape, err, old, err2)
		}
		return fmt.Errorf("resize input %d to %v: %w", i, shape, err)
	}
	return nil
}

// allocate propagates shapes and plans the activation arena.
func (ip *Interpreter) allocate() error {
	m := ip.m
	for _, ti := range m.inputs {
		t := &ip.t[ti]
		n, ok := numElements(t.shape)
		if !ok {
			return fmt.Errorf("%w: %s: input %q shape %v is too large", ErrInvalidModel, m.name, t.def.name, t.shape)
		}
		t.n = n
	}
	maxScratch := 0
	for i, k := range ip.kernels {
		s, err := k.prepare()
		if err != nil {
			return fmt.Errorf("%s: operator %d (%s): %w", m.name, i, opName(m.run[i].code), err)
		}
		maxScratch = max(maxScratch, s)
	}
	// lifetimes of activations
	for i := range ip.t {
		t := &ip.t[i]
		t.first, t.last, t.inArena = -2, -2, false
	}
	use := func(ti, at int) {
		t := &ip.t[ti]
		if t.def.isConst() {
			return
		}
		if t.first == -2 {
			t.first = at
		}
		t.last = max(t.last, at)
	}
	for _, ti := range m.inputs {
		use(ti, -1)
	}
	for i, op := range m.run {
		for _, ti := range op.outputs {
			use(ti, i)
		}
		if op.add != nil {
			use(op.add.other, i)
		}
		for j, ti := range op.inputs {
			if j == 0 && op.dw != nil {
				// computed block by block inside the convolution from
				// the depthwise input, never stored
				ti = op.dw.inputs[0]
			}
			if ti >= 0 {
				use(ti, i)
			}
		}
	}
	for _, ti := range m.outputs {
		use(ti, len(m.run))
	}
	var planned, planned8 []*Tensor
	var other int64
	for i := range ip.t {
		t := &ip.t[i]
		if t.first == -2 {
			continue
		}
		switch t.def.typ {
		case Float32:
			planned = append(planned, t)
		case Int8:
			planned8 = append(planned8, t)
		default:
			other += int64(t.n) * 4
		}
	}
	total := planArena(planned, 16)   // 16 floats: 64-byte alignment
	total8 := planArena(planned8, 64) // 64 bytes
	need := int64(total)*4 + int64(total8) + int64(maxScratch)*int64(ip.threads)*4 + other
	if need > ip.maxB {
		return fmt.Errorf("%w: %s needs %d bytes of activations, more than the %d allowed (Options.MaxArenaBytes)", ErrInvalidModel, m.name, need, ip.maxB)
	}
	if cap(ip.arena) < total {
		ip.arena = make([]float32, total)
	}
	ip.arena = ip.arena[:total]
	for _, t := range planned {
		t.f32 = ip.arena[t.off : t.off+t.n : t.off+t.n]
	}
	if cap(ip.arena8) < total8 {
		ip.arena8 = make([]int8, total8)
	}
	ip.arena8 = ip.arena8[:total8]
	for _, t := range planned8 {
		t.i8 = ip.arena8[t.off : t.off+t.n : t.off+t.n]
	}
	for i := range ip.t {
		t := &ip.t[i]
		if t.first == -2 || t.def.typ == Float32 || t.def.typ == Int8 {
			continue
		}
		switch t.def.typ {
		case Bool:
			t.bools = make([]bool, t.n)
		case Int32:
			t.i32 = make([]int32, t.n)
		default:
			return fmt.Errorf("%w: %s: activation %q of type %v", ErrUnsupportedOp, m.name, t.def.name, t.def.typ)
		}
	}
	ip.perWork = maxScratch
	if len(ip.scratch) < maxScratch*ip.threads {
		ip.scratch = make([]float32, maxScratch*ip.threads)
	}
	return nil
}

// planArena places tensors (with first/last use set) in one arena, greedy
// by size as TFLite's arena planner: the largest first, at the lowest
// offset that does not overlap a tensor alive at the same time. Offsets are
// multiples of align elements. It sets each tensor's off and inArena and
// returns the arena size in elements.
func planArena(planned []*Tensor, align int) int {
	sort.SliceStable(planned, func(a, b int) bool { return planned[a].n > planned[b].n })
	type span struct{ off, end, first, last int }
	var placed []span
	total := 0
	for _, t := range planned {
		size := (t.n + align - 1) / align * align
		var live []span
		for _, s := range placed {
			if s.first <= t.last && t.first <= s.last {
				live = append(live, s)
			}
		}
		sort.Slice(live, func(a, b int) bool { return live[a].off < live[b].off })
		off := 0
		for _, s := range live {
			if off+size <= s.off {
				break
			}
			off = max(off, s.end)
		}
		t.off, t.inArena = off, true
		placed = append(placed, span{off, off + size, t.first, t.last})
		total = max(total, off+size)
	}
	return total
}

// Invoke runs the model on the current input data. It allocates nothing;
// ctx is checked between operators.
func (ip *Interpreter) Invoke(ctx context.Context) error {
	for i, k := range ip.kernels {
		if i&7 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("invoke %s: %w", ip.m.name, err)
			}
		}
		k.eval(ip)
	}
	return nil
}

// workerScratch returns worker w's scratch space.
func (ip *Interpreter) workerScratch(w int) []float32 {
	return ip.scratch[w*ip.perWork : (w+1)*ip.perWork]
}

// MACs returns the multiply-accumulates of CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED (float and int8) at the current input shapes (the usual measure of a
// model's cost; FLOPs ≈ 2×MACs).
func (ip *Interpreter) MACs() int64 {
	var total int64
	for _, k := range ip.kernels {
		switch k := k.(type) {
		case *conv:
			total += int64(k.n) * int64(k.oh*k.ow) * int64(k.oc) * int64(k.kh*k.kw*k.c)
			if d := k.dw; d != nil {
				total += int64(d.n) * int64(d.oh*d.ow) * int64(d.oc) * int64(d.kh*d.kw)
			}
		case *depthwise:
			total += int64(k.n) * int64(k.oh*k.ow) * int64(k.oc) * int64(k.kh*k.kw)
		case *fullyConnected:
			total += int64(k.rows) * int64(k.pw.n) * int64(k.pw.k)
		case *conv8:
			total += int64(k.n) * int64(k.oh*k.ow) * int64(k.oc) * int64(k.p.k)
		case *depthwise8:
			total += int64(k.n) * int64(k.oh*k.ow) * int64(k.oc) * int64(k.kh*k.kw)
		case *fullyConnected8:
			total += int64(k.rows) * int64(k.p.n) * int64(k.p.k)
		}
	}
	return total
}
