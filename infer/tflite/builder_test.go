package tflite

import (
	"encoding/binary"
	"math"
)

// Test models are written with the package's own FlatBuffers writer
// (write.go: wtab, wtbl, finishModel), so per-op tests go through the
// whole Load path.

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
	opts    *wtab
}

func i32s(v ...int) []int32 {
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}

// constData is a constant tensor's buffer bytes (nil when it has none).
func constData(f32 []float32, i32 []int32, raw []byte) []byte {
	var data []byte
	switch {
	case f32 != nil:
		for _, v := range f32 {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
		}
	case i32 != nil:
		for _, v := range i32 {
			data = binary.LittleEndian.AppendUint32(data, uint32(v))
		}
	case raw != nil:
		data = raw
	}
	return data
}

// buildModel serialises a one-subgraph model.
func buildModel(tensors []tTensor, ops []tOp, inputs, outputs []int) []byte {
	buffers := []*wtab{wtbl()}
	var tts []*wtab
	for _, t := range tensors {
		data := constData(t.f32, t.i32, t.raw)
		buf := uint32(0)
		if data != nil {
			buffers = append(buffers, wtbl(data))
			buf = uint32(len(buffers) - 1)
		}
		tts = append(tts, wtbl(i32s(t.shape...), uint8(t.typ), buf, t.name))
	}
	codeIndex := map[[2]int32]uint32{}
	var codes []*wtab
	var ots []*wtab
	for _, op := range ops {
		v := op.version
		if v == 0 {
			v = 1
		}
		key := [2]int32{op.code, v}
		idx, ok := codeIndex[key]
		if !ok {
			dep := uint8(min(op.code, 127))
			codes = append(codes, wtbl(dep, nil, v, op.code))
			idx = uint32(len(codes) - 1)
			codeIndex[key] = idx
		}
		var opts any
		if op.opts != nil {
			opts = op.opts
		}
		ots = append(ots, wtbl(idx, op.inputs, op.outputs, uint8(0), opts))
	}
	in := make([]int, len(inputs))
	copy(in, inputs)
	sg := wtbl(tts, i32s(in...), i32s(outputs...), ots, "main")
	return finishModel(wtbl(uint32(3), codes, []*wtab{sg}, "test model", buffers))
}
