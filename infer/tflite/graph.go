package tflite

import (
	"encoding/binary"
	"math"
)

// OpCode is a TFLite builtin operator number (schema.fbs BuiltinOperator).
type OpCode int32

// Builtin operators a Graph may hold; the numbers are the schema's.
const (
	OpAdd             OpCode = opAdd
	OpAveragePool2D   OpCode = opAveragePool2d
	OpConcatenation   OpCode = opConcatenation
	OpConv2D          OpCode = opConv2d
	OpDepthwiseConv2D OpCode = opDepthwiseConv2d
	OpDequantize      OpCode = opDequantize
	OpFullyConnected  OpCode = opFullyConnected
	OpL2Normalization OpCode = opL2Normalization
	OpLogistic        OpCode = opLogistic
	OpMaxPool2D       OpCode = opMaxPool2d
	OpMul             OpCode = opMul
	OpRelu            OpCode = opRelu
	OpRelu6           OpCode = opRelu6
	OpReshape         OpCode = opReshape
	OpResizeBilinear  OpCode = opResizeBilinear
	OpSoftmax         OpCode = opSoftmax
	OpTanh            OpCode = opTanh
	OpPad             OpCode = opPad
	OpMean            OpCode = opMean
	OpSub             OpCode = opSub
	OpDiv             OpCode = opDiv
	OpStridedSlice    OpCode = opStridedSlice
	OpCast            OpCode = opCast
	OpPrelu           OpCode = opPrelu
	OpLess            OpCode = opLess
	OpGreaterEqual    OpCode = opGreaterEqual
	OpLeakyRelu       OpCode = opLeakyRelu
	OpAbs             OpCode = opAbs
	OpQuantize        OpCode = opQuantize
	OpHardSwish       OpCode = opHardSwish
)

func (c OpCode) String() string { return opName(int32(c)) }

// ParseOpCode returns the builtin operator with the schema name s
// ("CONV_2D").
func ParseOpCode(s string) (OpCode, bool) {
	for i, n := range opNames {
		if n != "" && n == s {
			return OpCode(i), true
		}
	}
	return 0, false
}

// Fused activation functions (schema.fbs ActivationFunctionType), the
// values of OpOptions.Activation.
const (
	ActNone  = 0
	ActRelu  = 1
	ActRelu1 = 2
	ActRelu6 = 3
	ActTanh  = 4
)

// Padding values of OpOptions.Padding (schema.fbs Padding).
const (
	PaddingSame  = 0
	PaddingValid = 1
)

// Graph is an editable copy of a loaded model's main subgraph: the
// operators the interpreter runs (after the load-time rewrites: MobileFaceNet's
// 5-op PReLU is one PRELU, a RELU after a convolution is its fused
// activation, fp16 weights are float32 constants), the tensors they use and
// the subgraph's inputs and outputs. A quantizer rewrites it and Marshal
// writes it as a standard TFLite file.
type Graph struct {
	// Description is the model's description string.
	Description string
	// Tensors are the subgraph's tensors; ops refer to them by index.
	Tensors []GraphTensor
	// Ops are the operators in execution order.
	Ops []GraphOp
	// Inputs and Outputs are the subgraph's input and output tensor indices.
	Inputs, Outputs []int
}

// GraphTensor is a tensor of a Graph.
type GraphTensor struct {
	// Name is the tensor's name.
	Name string
	// Type is the element type.
	Type DataType
	// Shape is the stored shape, outermost dimension first.
	Shape []int
	// Quant holds affine quantization parameters (nil for none).
	Quant *Quantization
	// Data is a constant's little-endian contents in Type (nil for
	// activations and graph inputs).
	Data []byte
}

// Quantization is TFLite's affine quantization: real = Scale·(q − ZeroPoint),
// per tensor (one scale) or per channel along Axis (one scale per index of
// that dimension; the schema's quantized_dimension).
type Quantization struct {
	Scale     []float32
	ZeroPoint []int64
	Axis      int
}

// GraphOp is an operator of a Graph.
type GraphOp struct {
	// Code is the builtin operator.
	Code OpCode
	// Version is the operator version written in the operator code table.
	Version int32
	// Inputs and Outputs are tensor indices; -1 marks an omitted optional
	// input.
	Inputs, Outputs []int
	// Options are the builtin options (only the fields the op uses).
	Options OpOptions
}

// OpOptions are the builtin options of an operator: the fields of the
// schema's options table for its op code (others stay zero).
type OpOptions struct {
	// Padding is PaddingSame or PaddingValid (convolutions and pooling).
	Padding int
	// Strides, dilations, pooling window and depth multiplier.
	StrideW, StrideH, DilationW, DilationH, FilterW, FilterH, DepthMultiplier int
	// Activation is the fused activation (ActNone, ActRelu, …).
	Activation int
	// Axis is CONCATENATION's axis.
	Axis int
	// KeepNumDims is FULLY_CONNECTED's keep_num_dims; KeepDims is MEAN's.
	KeepNumDims, KeepDims bool
	// WeightsFormat is FULLY_CONNECTED's weights_format.
	WeightsFormat int
	// NewShape is RESHAPE's new_shape option (nil when absent; the shape
	// input then decides).
	NewShape []int
	// AlignCorners and HalfPixelCenters are RESIZE_BILINEAR's.
	AlignCorners, HalfPixelCenters bool
	// Beta is SOFTMAX's, Alpha LEAKY_RELU's.
	Beta, Alpha float32
	// STRIDED_SLICE's masks and offset.
	BeginMask, EndMask, EllipsisMask, NewAxisMask, ShrinkAxisMask int32
	Offset                                                        bool
}

// IsConst reports whether t is a constant (has data).
func (t *GraphTensor) IsConst() bool { return t.Data != nil }

// Float32s decodes a float32 constant's data (nil for other types).
func (t *GraphTensor) Float32s() []float32 {
	if t.Type != Float32 || t.Data == nil {
		return nil
	}
	v := make([]float32, len(t.Data)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return v
}

// Float32Bytes encodes v as the little-endian data of a float32 constant.
func Float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// Int32Bytes encodes v as the little-endian data of an int32 constant.
func Int32Bytes(v []int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

// Graph returns an editable copy of the model's graph as the interpreter
// runs it (see Graph). Tensors no remaining operator uses (the fp16
// originals of folded weights, the pieces of a fused PReLU) are left out;
// the order of the others is kept.
func (m *Model) Graph() *Graph {
	used := make([]bool, len(m.tensors))
	for _, op := range m.exec {
		for _, v := range [...][]int{op.inputs, op.outputs} {
			for _, ti := range v {
				if ti >= 0 {
					used[ti] = true
				}
			}
		}
	}
	for _, v := range [...][]int{m.inputs, m.outputs} {
		for _, ti := range v {
			used[ti] = true
		}
	}
	remap := make([]int, len(m.tensors))
	g := &Graph{Description: m.description}
	for i := range m.tensors {
		remap[i] = -1
		if !used[i] {
			continue
		}
		t := &m.tensors[i]
		gt := GraphTensor{Name: t.name, Type: t.typ, Shape: append([]int(nil), t.shape...)}
		if t.q != nil {
			gt.Quant = &Quantization{
				Scale:     append([]float32(nil), t.q.scale...),
				ZeroPoint: append([]int64(nil), t.q.zeroPoint...),
				Axis:      t.q.axis,
			}
		}
		switch {
		case t.typ == Float32 && t.f32 != nil:
			gt.Data = Float32Bytes(t.f32)
			gt.Quant = nil // folded from fp16/int8: the values are plain floats now
		case t.data != nil:
			gt.Data = append([]byte{}, t.data...)
		}
		remap[i] = len(g.Tensors)
		g.Tensors = append(g.Tensors, gt)
	}
	mapIdx := func(v []int) []int {
		out := make([]int, len(v))
		for k, ti := range v {
			out[k] = -1
			if ti >= 0 {
				out[k] = remap[ti]
			}
		}
		return out
	}
	g.Inputs, g.Outputs = mapIdx(m.inputs), mapIdx(m.outputs)
	for _, op := range m.exec {
		o := op.opts
		gop := GraphOp{
			Code: OpCode(op.code), Version: op.version,
			Inputs: mapIdx(op.inputs), Outputs: mapIdx(op.outputs),
			Options: OpOptions{
				Padding: o.padding, StrideW: o.strideW, StrideH: o.strideH,
				DilationW: o.dilationW, DilationH: o.dilationH, FilterW: o.filterW, FilterH: o.filterH,
				DepthMultiplier: o.depthMult, Activation: o.activation, Axis: o.axis,
				KeepNumDims: o.keepNumDims, KeepDims: o.keepDims, WeightsFormat: o.weightsFormat,
				AlignCorners: o.alignCorners, HalfPixelCenters: o.halfPixel, Beta: o.beta, Alpha: o.alpha,
				BeginMask: o.beginMask, EndMask: o.endMask, EllipsisMask: o.ellipsisMask,
				NewAxisMask: o.newAxisMask, ShrinkAxisMask: o.shrinkAxisMask, Offset: o.offset,
			},
		}
		if o.hasNewShape {
			gop.Options.NewShape = append([]int{}, o.newShape...)
		}
		g.Ops = append(g.Ops, gop)
	}
	return g
}
