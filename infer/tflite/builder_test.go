package tflite

import (
	"encoding/binary"
	"math"
)

// A minimal FlatBuffers writer for tests: it lays tables out front to back
// (children after parents, so every uoffset points forward) and writes
// each scalar in a 4-byte slot. It produces files our reader, and the
// TFLite schema, accept, so per-op tests go through the whole Load path.

// fbTable is a table under construction: fields[i] is the value of field
// i, or nil when absent. Values: uint8, bool, int32, uint32, float32,
// string, []byte, []int32, []float32, []int64, *fbTable, []*fbTable.
type fbTable struct{ fields []any }

func tbl(fields ...any) *fbTable { return &fbTable{fields: fields} }

type fbWriter struct{ b []byte }

func (w *fbWriter) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }
func (w *fbWriter) align(n int) {
	for len(w.b)%n != 0 {
		w.b = append(w.b, 0)
	}
}

// table writes t (vtable first) and returns the table position.
func (w *fbWriter) table(t *fbTable) int {
	w.align(4)
	n := len(t.fields)
	vt := len(w.b)
	vtLen := 4 + 2*n
	// vtable: we fill field offsets after computing them
	w.b = append(w.b, make([]byte, vtLen)...)
	w.align(4)
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
	tLen := len(w.b) - tp
	binary.LittleEndian.PutUint16(w.b[vt:], uint16(vtLen))
	binary.LittleEndian.PutUint16(w.b[vt+2:], uint16(tLen))
	for i, o := range offs {
		binary.LittleEndian.PutUint16(w.b[vt+4+2*i:], uint16(o))
	}
	for _, r := range refs {
		w.align(4)
		target := w.value(r.v)
		binary.LittleEndian.PutUint32(w.b[r.pos:], uint32(target-r.pos))
	}
	return tp
}

// value writes a referenced value and returns its position.
func (w *fbWriter) value(v any) int {
	w.align(4)
	switch v := v.(type) {
	case *fbTable:
		return w.table(v)
	case string:
		p := len(w.b)
		w.u32(uint32(len(v)))
		w.b = append(append(w.b, v...), 0)
		return p
	case []byte:
		// 16-byte align the data, as the TFLite writer does.
		for (len(w.b)+4)%16 != 0 {
			w.b = append(w.b, 0)
		}
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
		p := len(w.b)
		w.u32(uint32(len(v)))
		for _, x := range v {
			w.b = binary.LittleEndian.AppendUint64(w.b, uint64(x))
		}
		return p
	case []*fbTable:
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
	panic("fbWriter: unsupported value type")
}

// finish writes the root table after a 4-byte root offset and the "TFL3"
// identifier.
func finish(root *fbTable) []byte {
	w := &fbWriter{b: make([]byte, 8)}
	copy(w.b[4:], "TFL3")
	tp := w.table(root)
	binary.LittleEndian.PutUint32(w.b[0:], uint32(tp))
	return w.b
}

// Test model description.
type tTensor struct {
	name  string
	typ   DataType
	shape []int
	f32   []float32 // constant float data
	i32   []int32   // constant int32 data
	raw   []byte    // other constant data
}

type tOp struct {
	code    int32
	version int32
	inputs  []int32
	outputs []int32
	opts    *fbTable
}

func i32s(v ...int) []int32 {
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}

// buildModel serialises a one-subgraph model.
func buildModel(tensors []tTensor, ops []tOp, inputs, outputs []int) []byte {
	buffers := []*fbTable{tbl()}
	var tts []*fbTable
	for _, t := range tensors {
		var data []byte
		switch {
		case t.f32 != nil:
			for _, v := range t.f32 {
				data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
			}
		case t.i32 != nil:
			for _, v := range t.i32 {
				data = binary.LittleEndian.AppendUint32(data, uint32(v))
			}
		case t.raw != nil:
			data = t.raw
		}
		buf := uint32(0)
		if data != nil {
			buffers = append(buffers, tbl(data))
			buf = uint32(len(buffers) - 1)
		}
		tts = append(tts, tbl(i32s(t.shape...), uint8(t.typ), buf, t.name))
	}
	codeIndex := map[[2]int32]uint32{}
	var codes []*fbTable
	var ots []*fbTable
	for _, op := range ops {
		v := op.version
		if v == 0 {
			v = 1
		}
		key := [2]int32{op.code, v}
		idx, ok := codeIndex[key]
		if !ok {
			dep := uint8(min(op.code, 127))
			codes = append(codes, tbl(dep, nil, v, op.code))
			idx = uint32(len(codes) - 1)
			codeIndex[key] = idx
		}
		var opts any
		if op.opts != nil {
			opts = op.opts
		}
		ots = append(ots, tbl(idx, op.inputs, op.outputs, uint8(0), opts))
	}
	in := make([]int, len(inputs))
	copy(in, inputs)
	sg := tbl(tts, i32s(in...), i32s(outputs...), ots, "main")
	return finish(tbl(uint32(3), codes, []*fbTable{sg}, "test model", buffers))
}
