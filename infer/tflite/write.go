package tflite

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Marshal writes g as a TFLite flatbuffer (schema version 3, file
// identifier "TFL3") that this package and Google's runtime load: operator
// codes with both the deprecated 8-bit and the 32-bit builtin code, one
// subgraph, one buffer per constant (buffer 0 is the empty sentinel) and
// the builtin options table of every op. The output depends only on g:
// the same graph gives the same bytes.
func (g *Graph) Marshal() ([]byte, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	buffers := []*wtab{wtbl()}
	tensors := make([]*wtab, len(g.Tensors))
	for i := range g.Tensors {
		t := &g.Tensors[i]
		buf := uint32(0)
		if t.Data != nil {
			buffers = append(buffers, wtbl(t.Data))
			buf = uint32(len(buffers) - 1)
		}
		var q any
		if t.Quant != nil && len(t.Quant.Scale) > 0 {
			zp := t.Quant.ZeroPoint
			if len(zp) == 0 {
				zp = make([]int64, len(t.Quant.Scale))
			}
			q = wtbl(nil, nil, append([]float32(nil), t.Quant.Scale...), append([]int64(nil), zp...), nil, nil, int32(t.Quant.Axis))
		}
		shape := make([]int32, len(t.Shape))
		for k, d := range t.Shape {
			shape[k] = int32(d)
		}
		tensors[i] = wtbl(shape, uint8(t.Type), buf, t.Name, q)
	}
	type codeKey struct{ code, version int32 }
	codeIndex := map[codeKey]uint32{}
	var codes, ops []*wtab
	for i := range g.Ops {
		op := &g.Ops[i]
		k := codeKey{int32(op.Code), op.Version}
		idx, ok := codeIndex[k]
		if !ok {
			// deprecated_builtin_code is an int8: codes above 127 store
			// PLACEHOLDER_FOR_GREATER_OP_CODES (127) there.
			codes = append(codes, wtbl(uint8(min(k.code, 127)), nil, k.version, k.code))
			idx = uint32(len(codes) - 1)
			codeIndex[k] = idx
		}
		typ, opts, err := g.options(op)
		if err != nil {
			return nil, fmt.Errorf("write model: operator %d (%v): %w", i, op.Code, err)
		}
		var o any
		if opts != nil {
			o = opts
		}
		ops = append(ops, wtbl(idx, ints32(op.Inputs), ints32(op.Outputs), typ, o))
	}
	sg := wtbl(tensors, ints32(g.Inputs), ints32(g.Outputs), ops, "main")
	root := wtbl(uint32(3), codes, []*wtab{sg}, g.Description, buffers)
	return finishModel(root), nil
}

// finishModel writes root after a 4-byte root offset and the "TFL3" file
// identifier.
func finishModel(root *wtab) []byte {
	w := &fbBuilder{b: make([]byte, 8, 1<<16)}
	copy(w.b[4:], "TFL3")
	tp := w.table(root)
	binary.LittleEndian.PutUint32(w.b[0:], uint32(tp))
	return w.b
}

// check validates indices and constant sizes so Marshal never writes a file
// the loader would reject for a reason the caller could have seen here.
func (g *Graph) check() error {
	n := len(g.Tensors)
	idx := func(what string, v []int, optional bool) error {
		for _, ti := range v {
			if ti == -1 && optional {
				continue
			}
			if ti < 0 || ti >= n {
				return fmt.Errorf("write model: %s: tensor index %d out of range (%d tensors)", what, ti, n)
			}
		}
		return nil
	}
	if err := idx("inputs", g.Inputs, false); err != nil {
		return err
	}
	if err := idx("outputs", g.Outputs, false); err != nil {
		return err
	}
	for i := range g.Ops {
		op := &g.Ops[i]
		if err := idx(fmt.Sprintf("operator %d (%v) inputs", i, op.Code), op.Inputs, true); err != nil {
			return err
		}
		if err := idx(fmt.Sprintf("operator %d (%v) outputs", i, op.Code), op.Outputs, false); err != nil {
			return err
		}
		if op.Version < 1 {
			return fmt.Errorf("write model: operator %d (%v): version %d", i, op.Code, op.Version)
		}
	}
	for i := range g.Tensors {
		t := &g.Tensors[i]
		if t.Data == nil {
			continue
		}
		ne, ok := numElements(t.Shape)
		if !ok || t.Type.size() == 0 || ne*t.Type.size() != len(t.Data) {
			return fmt.Errorf("write model: tensor %d (%q): shape %v of %v does not match %d data bytes", i, t.Name, t.Shape, t.Type, len(t.Data))
		}
		if q := t.Quant; q != nil && len(q.Scale) > 1 {
			if q.Axis < 0 || q.Axis >= len(t.Shape) || t.Shape[q.Axis] != len(q.Scale) {
				return fmt.Errorf("write model: tensor %d (%q): %d scales along axis %d of shape %v", i, t.Name, len(q.Scale), q.Axis, t.Shape)
			}
		}
	}
	return nil
}

// options returns the schema's BuiltinOptions union type and table for op.
func (g *Graph) options(op *GraphOp) (uint8, *wtab, error) {
	o := &op.Options
	act := uint8(o.Activation)
	switch op.Code {
	case OpConv2D:
		return 1, wtbl(uint8(o.Padding), int32(o.StrideW), int32(o.StrideH), act, int32(o.DilationW), int32(o.DilationH)), nil
	case OpDepthwiseConv2D:
		return 2, wtbl(uint8(o.Padding), int32(o.StrideW), int32(o.StrideH), int32(o.DepthMultiplier), act, int32(o.DilationW), int32(o.DilationH)), nil
	case OpAveragePool2D, OpMaxPool2D:
		return 5, wtbl(uint8(o.Padding), int32(o.StrideW), int32(o.StrideH), int32(o.FilterW), int32(o.FilterH), act), nil
	case OpFullyConnected:
		return 8, wtbl(act, uint8(o.WeightsFormat), o.KeepNumDims), nil
	case OpSoftmax:
		return 9, wtbl(o.Beta), nil
	case OpConcatenation:
		return 10, wtbl(int32(o.Axis), act), nil
	case OpAdd:
		return 11, wtbl(act), nil
	case OpL2Normalization:
		return 12, wtbl(act), nil
	case OpResizeBilinear:
		return 15, wtbl(nil, nil, o.AlignCorners, o.HalfPixelCenters), nil
	case OpReshape:
		if o.NewShape == nil {
			return 0, nil, nil
		}
		return 17, wtbl(ints32(o.NewShape)), nil
	case OpMul:
		return 21, wtbl(act), nil
	case OpPad:
		return 22, wtbl(), nil
	case OpMean:
		return 27, wtbl(o.KeepDims), nil
	case OpSub:
		return 28, wtbl(act), nil
	case OpDiv:
		return 29, wtbl(act), nil
	case OpStridedSlice:
		return 32, wtbl(o.BeginMask, o.EndMask, o.EllipsisMask, o.NewAxisMask, o.ShrinkAxisMask, o.Offset), nil
	case OpCast:
		if len(op.Inputs) == 1 && len(op.Outputs) == 1 && op.Inputs[0] >= 0 {
			return 37, wtbl(uint8(g.Tensors[op.Inputs[0]].Type), uint8(g.Tensors[op.Outputs[0]].Type)), nil
		}
		return 0, nil, nil
	case OpDequantize:
		return 38, wtbl(), nil
	case OpLess:
		return 41, wtbl(), nil
	case OpGreaterEqual:
		return 45, wtbl(), nil
	case OpLeakyRelu:
		return 75, wtbl(o.Alpha), nil
	case OpAbs:
		return 78, wtbl(), nil
	case OpQuantize:
		return 89, wtbl(), nil
	case OpHardSwish:
		return 91, wtbl(), nil
	case OpRelu, OpRelu6, OpLogistic, OpTanh, OpPrelu:
		return 0, nil, nil // no options table in the schema
	}
	return 0, nil, fmt.Errorf("%w: the model writer has no options table for this op", ErrUnsupportedOp)
}

func ints32(v []int) []int32 {
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}

// A FlatBuffers writer that lays tables out front to back: a table's
// vtable, then the table, then what its fields reference, so every uoffset
// points forward as the format requires and every soffset to a vtable is
// positive. Scalars sit in 4-byte slots (1-byte fields are read from the
// slot's first byte); 8-byte vector elements are 8-aligned and buffer data
// 16-aligned, as TFLite's converter aligns them.

// wtab is a table under construction: fields[i] is field i's value or nil.
// Values: uint8, bool, int32, uint32, float32, string, []byte (a [ubyte]
// vector, written 16-byte aligned: buffer data), []int32, []float32,
// []int64, *wtab, []*wtab. The package's tests build their models with it
// too (builder_test.go).
type wtab struct{ fields []any }

func wtbl(fields ...any) *wtab { return &wtab{fields: fields} }

type fbBuilder struct{ b []byte }

func (w *fbBuilder) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }

func (w *fbBuilder) pad(mod, rem int) {
	for len(w.b)%mod != rem {
		w.b = append(w.b, 0)
	}
}

// table writes t and returns its position.
func (w *fbBuilder) table(t *wtab) int {
	w.pad(4, 0)
	n := len(t.fields)
	vt := len(w.b)
	vtLen := 4 + 2*n
	w.b = append(w.b, make([]byte, vtLen)...)
	w.pad(4, 0)
	tp := len(w.b)
	w.u32(uint32(int32(tp - vt)))
	type ref struct {
		pos int
		v   any
	}
	var refs []ref
	offs := make([]int, n)
	for i, f := range t.fields {
		if f == nil {
			continue
		}
		offs[i] = len(w.b) - tp
		switch v := f.(type) {
		case uint8:
			w.u32(uint32(v))
		case bool:
			if v {
				w.u32(1)
			} else {
				w.u32(0)
			}
		case int32:
			w.u32(uint32(v))
		case uint32:
			w.u32(v)
		case float32:
			w.u32(math.Float32bits(v))
		default:
			refs = append(refs, ref{len(w.b), v})
			w.u32(0)
		}
	}
	binary.LittleEndian.PutUint16(w.b[vt:], uint16(vtLen))
	binary.LittleEndian.PutUint16(w.b[vt+2:], uint16(len(w.b)-tp))
	for i, o := range offs {
		binary.LittleEndian.PutUint16(w.b[vt+4+2*i:], uint16(o))
	}
	for _, r := range refs {
		target := w.value(r.v)
		binary.LittleEndian.PutUint32(w.b[r.pos:], uint32(target-r.pos))
	}
	return tp
}

// value writes a referenced value and returns its position.
func (w *fbBuilder) value(v any) int {
	w.pad(4, 0)
	switch v := v.(type) {
	case *wtab:
		return w.table(v)
	case string:
		p := len(w.b)
		w.u32(uint32(len(v)))
		w.b = append(append(w.b, v...), 0)
		return p
	case []byte:
		w.pad(16, 12) // data at a multiple of 16
		p := len(w.b)
		w.u32(uint32(len(v)))
		w.b = append(w.b, v...)
		return p
	case []int32:
		p := len(w.b)
		w.u32(uint32(len(v)))
		for _, x := range v {
			w.u32(uint32(x))
		}
		return p
	case []float32:
		p := len(w.b)
		w.u32(uint32(len(v)))
		for _, x := range v {
			w.u32(math.Float32bits(x))
		}
		return p
	case []int64:
		w.pad(8, 4) // elements 8-aligned
		p := len(w.b)
		w.u32(uint32(len(v)))
		for _, x := range v {
			w.b = binary.LittleEndian.AppendUint64(w.b, uint64(x))
		}
		return p
	case []*wtab:
		p := len(w.b)
		w.u32(uint32(len(v)))
		slots := len(w.b)
		for range v {
			w.u32(0)
		}
		for i, t := range v {
			tp := w.table(t)
			binary.LittleEndian.PutUint32(w.b[slots+4*i:], uint32(tp-(slots+4*i)))
		}
		return p
	}
	panic(fmt.Sprintf("fbBuilder: unsupported value type %T", v))
}
