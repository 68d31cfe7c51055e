// Package tflite is a pure-Go interpreter for TensorFlow Lite flatbuffer
// models: it loads a .tflite file, validates it, plans memory once and runs
// float32 (and fp16-weight) models with the semantics of TFLite's reference
// kernels, and full-integer (int8) models with the exact results of Google's
// LiteRT.js (int8*.go). It needs no C library, so facegated stays one static
// binary that cross-compiles for the Raspberry Pi.
//
// A Model is immutable and may be shared between goroutines; an Interpreter
// holds the activations of one inference and is used by one goroutine.
package tflite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// ErrUnsupportedOp is returned (wrapped) when a model uses an operator,
// operator version or tensor type the interpreter does not implement. The
// message names the op, its version and the model.
var ErrUnsupportedOp = errors.New("unsupported op")

// ErrInvalidModel is returned (wrapped) when a model file is corrupt,
// truncated or inconsistent. The message says what was wrong.
var ErrInvalidModel = errors.New("invalid model")

// DataType is the element type of a tensor (schema.fbs TensorType).
type DataType int

// Tensor element types, numbered as in the TFLite schema.
const (
	Float32 DataType = 0
	Float16 DataType = 1
	Int32   DataType = 2
	Uint8   DataType = 3
	Int64   DataType = 4
	String  DataType = 5
	Bool    DataType = 6
	Int16   DataType = 7
	Int8    DataType = 9
	Float64 DataType = 10
)

func (d DataType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float16:
		return "float16"
	case Int32:
		return "int32"
	case Uint8:
		return "uint8"
	case Int64:
		return "int64"
	case String:
		return "string"
	case Bool:
		return "bool"
	case Int16:
		return "int16"
	case Int8:
		return "int8"
	case Float64:
		return "float64"
	}
	return "type" + strconv.Itoa(int(d))
}

// size returns the element size in bytes, or 0 for unknown/variable types.
func (d DataType) size() int {
	switch d {
	case Float32, Int32:
		return 4
	case Float16, Int16:
		return 2
	case Uint8, Int8, Bool:
		return 1
	case Int64, Float64:
		return 8
	}
	return 0
}

// TensorInfo describes a model input or output.
type TensorInfo struct {
	// Name is the tensor's name in the model.
	Name string
	// Type is the element type.
	Type DataType
	// Shape is the shape stored in the model (dimensions, outermost first).
	Shape []int
}

// quant holds per-tensor or per-axis affine quantization parameters.
type quant struct {
	scale     []float32
	zeroPoint []int64
	axis      int
}

// tensorDef is a tensor as stored in the model.
type tensorDef struct {
	name  string
	typ   DataType
	shape []int
	q     *quant
	// data is the raw constant data (a sub-slice of the file), nil for
	// activations.
	data []byte
	// f32, i32 and i8 hold constant data converted once at load.
	f32 []float32
	i32 []int32
	i8  []int8
}

func (t *tensorDef) isConst() bool { return t.data != nil || t.f32 != nil || t.i32 != nil }

// opDef is an operator as stored in the model.
type opDef struct {
	code    int32
	version int32
	inputs  []int // -1 marks an omitted optional input
	outputs []int
	opts    options
	// packed is the op's constant weights pre-packed for its kernel
	// (CONV_2D, FULLY_CONNECTED), set at load.
	packed *packedWeights
	// prelu, in Model.run only, is the per-channel alpha of a PRELU the
	// float CONV_2D or DEPTHWISE_CONV_2D applies to its output itself
	// (fuse.go); nil for none.
	prelu []float32
	// add, in Model.run only, is an ADD of a same-shape tensor the float
	// CONV_2D applies to its output itself (fuse.go); nil for none.
	add *fusedAdd
	// dw, in Model.run only, is the float DEPTHWISE_CONV_2D whose output
	// is this 1×1 CONV_2D's input (inputs[0]) and nothing else's: the
	// convolution computes each block of it into scratch just before
	// multiplying it (fuse.go), so inputs[0] is never stored; nil for none.
	dw *opDef
}

// fusedAdd is an ADD folded into the convolution that computes one of its
// operands: out = conv + other (or other + conv, as the ADD had them),
// then the ADD's activation.
type fusedAdd struct {
	other      int  // the other operand's tensor
	convFirst  bool // the convolution's output was the ADD's first input
	activation int
}

// options is the union of the builtin options the kernels read. Fields not
// used by an op keep their zero values (the schema defaults are applied
// where they are not zero).
type options struct {
	padding        int // 0 SAME, 1 VALID
	strideW        int
	strideH        int
	dilationW      int
	dilationH      int
	filterW        int
	filterH        int
	depthMult      int
	activation     int
	axis           int
	keepNumDims    bool
	keepDims       bool
	newShape       []int
	hasNewShape    bool
	alignCorners   bool
	halfPixel      bool
	beta           float32
	alpha          float32
	beginMask      int32
	endMask        int32
	ellipsisMask   int32
	newAxisMask    int32
	shrinkAxisMask int32
	offset         bool
	weightsFormat  int
}

// Model is a parsed and validated TFLite model. It is immutable after Load
// and safe for concurrent use by several Interpreters.
type Model struct {
	name        string
	description string
	tensors     []tensorDef
	ops         []opDef
	// exec is the operator graph after the exact rewrites of fuse.go that
	// are still TFLite ops (Graph exports it).
	exec []opDef
	// run is the list the interpreter runs: exec with the kernel-level
	// fusions of fuse.go (a PRELU computed by the convolution before it).
	run     []opDef
	inputs  []int
	outputs []int
}

// Load reads and validates the model file at path.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	m, err := loadBytes(b, filepath.Base(path))
	if err != nil {
		return nil, err
	}
	return m, nil
}

// LoadBytes parses and validates a model held in memory. The model keeps
// references into b: the caller must not modify b afterwards.
func LoadBytes(b []byte) (*Model, error) {
	return loadBytes(b, "model")
}

// Name returns the model's file name (or "model" for LoadBytes).
func (m *Model) Name() string { return m.name }

// Description returns the description string stored in the model.
func (m *Model) Description() string { return m.description }

// Inputs describes the model's input tensors, in subgraph order.
func (m *Model) Inputs() []TensorInfo { return m.infos(m.inputs) }

// Outputs describes the model's output tensors, in subgraph order.
func (m *Model) Outputs() []TensorInfo { return m.infos(m.outputs) }

func (m *Model) infos(idx []int) []TensorInfo {
	out := make([]TensorInfo, len(idx))
	for i, ti := range idx {
		t := &m.tensors[ti]
		out[i] = TensorInfo{Name: t.name, Type: t.typ, Shape: append([]int(nil), t.shape...)}
	}
	return out
}

// OpCounts returns how many times each operator occurs, by schema name.
func (m *Model) OpCounts() map[string]int {
	c := map[string]int{}
	for _, op := range m.ops {
		c[opName(op.code)]++
	}
	return c
}

// NumOps returns the number of operators in the model's main subgraph.
func (m *Model) NumOps() int { return len(m.ops) }

func invalid(name, format string, a ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidModel, name, fmt.Sprintf(format, a...))
}

// Limits that keep a hostile file from making us allocate more than it
// justifies: every vector we read is bounded by the file size, and these cap
// the counts that are not.
const (
	maxRank    = 8
	maxTensors = 1 << 20
)

func loadBytes(b []byte, name string) (m *Model, err error) {
	// The parser checks every offset; this is a last line of defence so that
	// a bug in it reports an error instead of crashing the daemon.
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, invalid(name, "internal parser error: %v", r)
		}
	}()
	if len(b) < 8 {
		return nil, invalid(name, "file is %d bytes, too short for a flatbuffer", len(b))
	}
	if id := string(b[4:8]); id != "TFL3" {
		return nil, invalid(name, "file identifier %q, want \"TFL3\" (not a TFLite model?)", id)
	}
	f := &fb{b: b}
	root, err := f.indirect(0)
	if err != nil {
		return nil, invalid(name, "root: %v", err)
	}
	mt, err := f.table(root)
	if err != nil {
		return nil, invalid(name, "model table: %v", err)
	}
	m = &Model{name: name}
	if m.description, err = f.str(mt, 3); err != nil {
		return nil, invalid(name, "description: %v", err)
	}

	// operator codes
	codes, err := f.tableVector(mt, 1)
	if err != nil {
		return nil, invalid(name, "operator_codes: %v", err)
	}
	type opcode struct {
		code    int32
		version int32
		custom  string
	}
	opcodes := make([]opcode, len(codes))
	for i, ct := range codes {
		dep, err1 := f.fieldU8(ct, 0, 0)
		ver, err2 := f.fieldI32(ct, 2, 1)
		bc, err3 := f.fieldI32(ct, 3, 0)
		custom, err4 := f.str(ct, 1)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return nil, invalid(name, "operator_codes[%d]: %v", i, err)
		}
		code := int32(int8(dep))
		if bc > code {
			code = bc
		}
		opcodes[i] = opcode{code: code, version: ver, custom: custom}
	}

	// buffers
	bufs, err := f.tableVector(mt, 4)
	if err != nil {
		return nil, invalid(name, "buffers: %v", err)
	}
	bufData := make([][]byte, len(bufs))
	for i, bt := range bufs {
		d, err := f.bytesVector(bt, 0)
		if err != nil {
			return nil, invalid(name, "buffers[%d].data: %v", i, err)
		}
		off, err1 := f.fieldU64(bt, 1, 0)
		size, err2 := f.fieldU64(bt, 2, 0)
		if err := errors.Join(err1, err2); err != nil {
			return nil, invalid(name, "buffers[%d]: %v", i, err)
		}
		if off > 1 {
			if off > uint64(len(b)) || size > uint64(len(b))-off {
				return nil, invalid(name, "buffers[%d]: external data at %d+%d past end of file (%d bytes)", i, off, size, len(b))
			}
			d = b[off : off+size : off+size]
		}
		if len(d) > 0 {
			bufData[i] = d
		}
	}

	// subgraph 0
	sgs, err := f.tableVector(mt, 2)
	if err != nil {
		return nil, invalid(name, "subgraphs: %v", err)
	}
	if len(sgs) == 0 {
		return nil, invalid(name, "no subgraph")
	}
	sg := sgs[0]
	tts, err := f.tableVector(sg, 0)
	if err != nil {
		return nil, invalid(name, "tensors: %v", err)
	}
	if len(tts) > maxTensors {
		return nil, invalid(name, "%d tensors, more than the %d supported", len(tts), maxTensors)
	}
	m.tensors = make([]tensorDef, len(tts))
	for i, tt := range tts {
		t := &m.tensors[i]
		if err := parseTensor(f, tt, t, bufData); err != nil {
			return nil, invalid(name, "tensor %d (%q): %v", i, t.name, err)
		}
	}
	in, _, err1 := f.int32Vector(sg, 1)
	out, _, err2 := f.int32Vector(sg, 2)
	if err := errors.Join(err1, err2); err != nil {
		return nil, invalid(name, "subgraph inputs/outputs: %v", err)
	}
	if m.inputs, err = tensorIndices(in, len(m.tensors), false); err != nil {
		return nil, invalid(name, "subgraph inputs: %v", err)
	}
	if m.outputs, err = tensorIndices(out, len(m.tensors), false); err != nil {
		return nil, invalid(name, "subgraph outputs: %v", err)
	}

	ots, err := f.tableVector(sg, 3)
	if err != nil {
		return nil, invalid(name, "operators: %v", err)
	}
	m.ops = make([]opDef, len(ots))
	for i, ot := range ots {
		op := &m.ops[i]
		idx, err := f.fieldU32(ot, 0, 0)
		if err != nil {
			return nil, invalid(name, "operator %d: opcode_index: %v", i, err)
		}
		if int(idx) >= len(opcodes) {
			return nil, invalid(name, "operator %d: opcode_index %d out of range (%d codes)", i, idx, len(opcodes))
		}
		oc := opcodes[idx]
		op.code, op.version = oc.code, oc.version
		if oc.code == 32 { // CUSTOM
			return nil, fmt.Errorf("%w: custom op %q in %s", ErrUnsupportedOp, oc.custom, name)
		}
		ins, _, err1 := f.int32Vector(ot, 1)
		outs, _, err2 := f.int32Vector(ot, 2)
		if err := errors.Join(err1, err2); err != nil {
			return nil, invalid(name, "operator %d (%s): %v", i, opName(op.code), err)
		}
		if op.inputs, err = tensorIndices(ins, len(m.tensors), true); err != nil {
			return nil, invalid(name, "operator %d (%s) inputs: %v", i, opName(op.code), err)
		}
		if op.outputs, err = tensorIndices(outs, len(m.tensors), false); err != nil {
			return nil, invalid(name, "operator %d (%s) outputs: %v", i, opName(op.code), err)
		}
		if err := parseOptions(f, ot, op); err != nil {
			return nil, invalid(name, "operator %d (%s) options: %v", i, opName(op.code), err)
		}
	}
	if err := m.validateGraph(); err != nil {
		return nil, err
	}
	if err := m.checkSupported(); err != nil {
		return nil, err
	}
	if err := m.foldConstants(); err != nil {
		return nil, err
	}
	m.fuse()
	if err := m.prepack(); err != nil {
		return nil, err
	}
	m.run = m.fuseRun()
	return m, nil
}

func tensorIndices(v []int32, n int, optional bool) ([]int, error) {
	out := make([]int, len(v))
	for i, x := range v {
		if x == -1 && optional {
			out[i] = -1
			continue
		}
		if x < 0 || int(x) >= n {
			return nil, fmt.Errorf("tensor index %d out of range (%d tensors)", x, n)
		}
		out[i] = int(x)
	}
	return out, nil
}

func parseTensor(f *fb, tt table, t *tensorDef, bufData [][]byte) error {
	var err error
	if t.name, err = f.str(tt, 3); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	shape, _, err := f.int32Vector(tt, 0)
	if err != nil {
		return fmt.Errorf("shape: %w", err)
	}
	if len(shape) > maxRank {
		return fmt.Errorf("rank %d, more than %d", len(shape), maxRank)
	}
	t.shape = make([]int, len(shape))
	for i, d := range shape {
		if d < 0 {
			return fmt.Errorf("shape %v has a negative dimension", shape)
		}
		t.shape[i] = int(d)
	}
	typ, err := f.fieldU8(tt, 1, 0)
	if err != nil {
		return fmt.Errorf("type: %w", err)
	}
	t.typ = DataType(typ)
	bi, err := f.fieldU32(tt, 2, 0)
	if err != nil {
		return fmt.Errorf("buffer: %w", err)
	}
	if int(bi) >= len(bufData) {
		if bi != 0 || len(bufData) != 0 {
			return fmt.Errorf("buffer index %d out of range (%d buffers)", bi, len(bufData))
		}
	} else if d := bufData[bi]; d != nil {
		es := t.typ.size()
		if es == 0 {
			return fmt.Errorf("constant data of unsupported type %v", t.typ)
		}
		n, ok := numElements(t.shape)
		if !ok || uint64(n)*uint64(es) != uint64(len(d)) {
			return fmt.Errorf("shape %v of %v needs %d bytes, buffer %d has %d", t.shape, t.typ, n*es, bi, len(d))
		}
		t.data = d
	}
	if qt, ok, err := f.subTable(tt, 4); err != nil {
		return fmt.Errorf("quantization: %w", err)
	} else if ok {
		scale, err1 := f.float32Vector(qt, 2)
		zp, err2 := f.int64Vector(qt, 3)
		axis, err3 := f.fieldI32(qt, 6, 0)
		if err := errors.Join(err1, err2, err3); err != nil {
			return fmt.Errorf("quantization: %w", err)
		}
		if len(scale) > 0 {
			if len(zp) != 0 && len(zp) != len(scale) {
				return fmt.Errorf("quantization: %d scales but %d zero points", len(scale), len(zp))
			}
			if axis < 0 || (len(t.shape) > 0 && int(axis) >= len(t.shape)) {
				return fmt.Errorf("quantization: axis %d out of range for rank %d", axis, len(t.shape))
			}
			t.q = &quant{scale: scale, zeroPoint: zp, axis: int(axis)}
		}
	}
	if _, ok, _ := f.subTable(tt, 6); ok {
		return fmt.Errorf("%w: sparse tensors (DENSIFY) are not supported", ErrUnsupportedOp)
	}
	return nil
}

// maxElements bounds a tensor's element count (it also keeps the count
// within int on 32-bit ARM).
const maxElements = math.MaxInt32

// numElements returns the product of shape, or ok=false if it is larger
// than any tensor may be.
func numElements(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d != 0 && n > maxElements/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

func parseOptions(f *fb, ot table, op *opDef) error {
	o := &op.opts
	o.strideW, o.strideH, o.dilationW, o.dilationH, o.depthMult = 1, 1, 1, 1, 1
	ot2, ok, err := f.subTable(ot, 4)
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	u8 := func(i int) int { v, e := f.fieldU8(ot2, i, 0); err = errors.Join(err, e); return int(v) }
	i32 := func(i int, def int32) int { v, e := f.fieldI32(ot2, i, def); err = errors.Join(err, e); return int(v) }
	b := func(i int) bool { v, e := f.fieldBool(ot2, i); err = errors.Join(err, e); return v }
	f32 := func(i int, def float32) float32 { v, e := f.fieldF32(ot2, i, def); err = errors.Join(err, e); return v }
	switch op.code {
	case opConv2d:
		o.padding, o.strideW, o.strideH, o.activation = u8(0), i32(1, 1), i32(2, 1), u8(3)
		o.dilationW, o.dilationH = i32(4, 1), i32(5, 1)
	case opDepthwiseConv2d:
		o.padding, o.strideW, o.strideH, o.depthMult, o.activation = u8(0), i32(1, 1), i32(2, 1), i32(3, 1), u8(4)
		o.dilationW, o.dilationH = i32(5, 1), i32(6, 1)
	case opAveragePool2d, opMaxPool2d:
		o.padding, o.strideW, o.strideH, o.filterW, o.filterH, o.activation = u8(0), i32(1, 1), i32(2, 1), i32(3, 1), i32(4, 1), u8(5)
	case opFullyConnected:
		o.activation, o.weightsFormat, o.keepNumDims = u8(0), u8(1), b(2)
	case opSoftmax:
		o.beta = f32(0, 1)
	case opConcatenation:
		o.axis, o.activation = i32(0, 0), u8(1)
	case opAdd, opMul, opSub, opDiv, opL2Normalization:
		o.activation = u8(0)
	case opReshape:
		v, ok, e := f.int32Vector(ot2, 0)
		err = errors.Join(err, e)
		if ok {
			o.hasNewShape = true
			o.newShape = make([]int, len(v))
			for i, d := range v {
				o.newShape[i] = int(d)
			}
		}
	case opResizeBilinear:
		o.alignCorners, o.halfPixel = b(2), b(3)
	case opMean:
		o.keepDims = b(0)
	case opStridedSlice:
		o.beginMask, o.endMask, o.ellipsisMask = int32(i32(0, 0)), int32(i32(1, 0)), int32(i32(2, 0))
		o.newAxisMask, o.shrinkAxisMask, o.offset = int32(i32(3, 0)), int32(i32(4, 0)), b(5)
	case opLeakyRelu:
		o.alpha = f32(0, 0)
	}
	if o.strideW <= 0 || o.strideH <= 0 || o.dilationW <= 0 || o.dilationH <= 0 || o.depthMult <= 0 {
		return fmt.Errorf("strides %dx%d, dilation %dx%d, depth multiplier %d must be positive", o.strideW, o.strideH, o.dilationW, o.dilationH, o.depthMult)
	}
	return err
}

// validateGraph checks that the operators form a graph the interpreter can
// run in stored order: every input is a constant, a graph input or produced
// by an earlier op, and every tensor has at most one producer.
func (m *Model) validateGraph() error {
	ready := make([]bool, len(m.tensors))
	produced := make([]bool, len(m.tensors))
	for i := range m.tensors {
		if m.tensors[i].isConst() {
			ready[i] = true
		}
	}
	for _, ti := range m.inputs {
		if m.tensors[ti].isConst() {
			return invalid(m.name, "input tensor %d (%q) is a constant", ti, m.tensors[ti].name)
		}
		ready[ti] = true
	}
	for i, op := range m.ops {
		for _, ti := range op.inputs {
			if ti >= 0 && !ready[ti] {
				return invalid(m.name, "operator %d (%s) reads tensor %d (%q) before any operator writes it", i, opName(op.code), ti, m.tensors[ti].name)
			}
		}
		for _, ti := range op.outputs {
			if m.tensors[ti].isConst() {
				return invalid(m.name, "operator %d (%s) writes constant tensor %d (%q)", i, opName(op.code), ti, m.tensors[ti].name)
			}
			if produced[ti] || (ready[ti] && !m.tensors[ti].isConst()) {
				return invalid(m.name, "operator %d (%s) writes tensor %d (%q), which already has a value", i, opName(op.code), ti, m.tensors[ti].name)
			}
			produced[ti], ready[ti] = true, true
		}
	}
	for _, ti := range m.outputs {
		if !ready[ti] {
			return invalid(m.name, "output tensor %d (%q) is never written", ti, m.tensors[ti].name)
		}
	}
	return nil
}

// foldConstants converts constant data to the element types the kernels
// read, once: float32 constants to []float32, int32 to []int32, and the
// DEQUANTIZE ops whose input is a constant (fp16 or int8 weights) are
// evaluated here, so no run repeats them.
func (m *Model) foldConstants() error {
	for i := range m.tensors {
		t := &m.tensors[i]
		if t.data == nil {
			continue
		}
		switch t.typ {
		case Float32:
			t.f32 = make([]float32, len(t.data)/4)
			for k := range t.f32 {
				t.f32[k] = math.Float32frombits(binary.LittleEndian.Uint32(t.data[4*k:]))
			}
		case Int32:
			t.i32 = make([]int32, len(t.data)/4)
			for k := range t.i32 {
				t.i32[k] = int32(binary.LittleEndian.Uint32(t.data[4*k:]))
			}
		case Int8:
			// Quantized weights stay integers for the int8 kernels;
			// a DEQUANTIZE of them (float models with int8 weights) is
			// folded to float32 below.
			t.i8 = make([]int8, len(t.data))
			for k, b := range t.data {
				t.i8[k] = int8(b)
			}
		case Int64:
			// Shape-like int64 constants: narrow to int32 when they fit.
			t.i32 = make([]int32, len(t.data)/8)
			for k := range t.i32 {
				v := int64(binary.LittleEndian.Uint64(t.data[8*k:]))
				if v < math.MinInt32 || v > math.MaxInt32 {
					return invalid(m.name, "tensor %q: int64 constant %d does not fit int32", t.name, v)
				}
				t.i32[k] = int32(v)
			}
		}
	}
	for _, op := range m.ops {
		if op.code != opDequantize || len(op.inputs) != 1 || len(op.outputs) != 1 {
			continue
		}
		in, out := &m.tensors[op.inputs[0]], &m.tensors[op.outputs[0]]
		if !in.isConst() || out.typ != Float32 {
			continue
		}
		v, err := dequantizeConst(in)
		if err != nil {
			return invalid(m.name, "DEQUANTIZE of %q: %v", in.name, err)
		}
		out.f32 = v
		if !sameShape(in.shape, out.shape) {
			return invalid(m.name, "DEQUANTIZE %q: output shape %v differs from input %v", out.name, out.shape, in.shape)
		}
	}
	return nil
}

func dequantizeConst(t *tensorDef) ([]float32, error) {
	switch t.typ {
	case Float16:
		v := make([]float32, len(t.data)/2)
		for k := range v {
			v[k] = float16to32(binary.LittleEndian.Uint16(t.data[2*k:]))
		}
		return v, nil
	case Int8, Uint8:
		if t.q == nil {
			return nil, fmt.Errorf("%v constant without quantization parameters", t.typ)
		}
		v := make([]float32, len(t.data))
		for k := range v {
			x := int32(int8(t.data[k]))
			if t.typ == Uint8 {
				x = int32(t.data[k])
			}
			s, z := t.q.params(k, t.shape)
			v[k] = s * float32(x-int32(z))
		}
		return v, nil
	case Float32:
		return t.f32, nil
	}
	return nil, fmt.Errorf("%w: DEQUANTIZE from %v", ErrUnsupportedOp, t.typ)
}

// params returns the scale and zero point that apply to flat element k.
func (q *quant) params(k int, shape []int) (float32, int64) {
	ch := 0
	if len(q.scale) > 1 {
		inner := 1
		for _, d := range shape[q.axis+1:] {
			inner *= d
		}
		ch = (k / inner) % shape[q.axis]
	}
	if ch >= len(q.scale) {
		ch = len(q.scale) - 1
	}
	var z int64
	if len(q.zeroPoint) > ch {
		z = q.zeroPoint[ch]
	}
	return q.scale[ch], z
}

// float16to32 converts an IEEE 754 half-precision value to float32.
func float16to32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		frac &= 0x3ff
		return math.Float32frombits(sign | e<<23 | frac<<13)
	case exp == 0x1f: // inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(i int) string { return strconv.Itoa(i) }
