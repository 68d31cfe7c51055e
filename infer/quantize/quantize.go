package quantize

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/facegate/facegate/infer/tflite"
)

// Options configure Quantize.
type Options struct {
	// PerChannel gives CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
	// weights one scale per output channel (axis 0, or axis 3 for
	// depthwise) instead of one per tensor.
	PerChannel bool
	// FloatOps are op codes left float even where an int8 form exists.
	FloatOps []tflite.OpCode
	// FloatTensors names activations whose producing ops stay float
	// (mixed precision: the layers an int8 step hurts most, found by
	// measuring each layer's effect on the outputs).
	FloatTensors []string
	// FloatHeads leaves float the ops that compute the model's outputs:
	// each output's producer, looking through RESHAPE and CONCATENATION.
	// BlazeFace needs it: its score logits span [-13778, 5] on the
	// calibration images, so one int8 step (54) would swallow the whole
	// decision range around 0, and box offsets would move by 29 pixels.
	FloatHeads bool
	// BiasCorrection subtracts from each quantized convolution's bias the
	// mean change its weight rounding causes: Σ ΔW·E[x], with E[x] the
	// input's channel means from calibration (Ranges.Means; ops whose
	// input has none are left as they are). Rounding a small weight tensor
	// shifts its outputs' mean; BlazeFace's keypoints moved by several
	// percent of the eye distance from weight rounding alone.
	BiasCorrection bool
}

// int8 versions of the ops Quantize writes, as TFLite's converter writes
// them for int8 models (lite/tools/versioning/op_version.cc).
var int8Version = map[tflite.OpCode]int32{
	tflite.OpConv2D:          3,
	tflite.OpDepthwiseConv2D: 3,
	tflite.OpFullyConnected:  4,
	tflite.OpAdd:             2,
	tflite.OpMul:             2,
	tflite.OpMaxPool2D:       2,
	tflite.OpAveragePool2D:   2,
	tflite.OpPad:             2,
	tflite.OpReshape:         1,
	tflite.OpPrelu:           1,
	tflite.OpQuantize:        1,
	tflite.OpDequantize:      2,
}

// sameScale ops pass values through: their int8 output reuses the input's
// scale and zero point, as TFLite requires for them.
func sameScale(c tflite.OpCode) bool {
	switch c {
	case tflite.OpMaxPool2D, tflite.OpAveragePool2D, tflite.OpPad, tflite.OpReshape:
		return true
	}
	return false
}

// Params are int8 affine quantization parameters: real = Scale·(q − ZeroPoint).
type Params struct {
	Scale     float32
	ZeroPoint int32
}

// ActivationParams returns the asymmetric int8 parameters for values in
// [lo, hi], as TFLite's converter chooses them: the range is widened to
// contain 0 (so 0 is exact), scale = (hi − lo)/255 and zero point
// round(−128 − lo/scale) clamped to [−128, 127].
func ActivationParams(lo, hi float32) Params {
	l, h := math.Min(float64(lo), 0), math.Max(float64(hi), 0)
	if h == l {
		return Params{Scale: 1, ZeroPoint: 0}
	}
	scale := float32((h - l) / 255)
	zp := math.Round(-128 - l/float64(scale))
	zp = math.Max(-128, math.Min(127, zp))
	return Params{Scale: scale, ZeroPoint: int32(zp)}
}

// Quantize returns a full-integer copy of the float graph g: every op with
// an int8 form (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MUL,
// PRELU, MAX_POOL_2D, AVERAGE_POOL_2D, PAD, RESHAPE) whose float
// activations all have ranges runs on int8 tensors; other ops stay float
// between a DEQUANTIZE and a QUANTIZE. The graph's inputs and outputs stay
// float32 with their names. The result depends only on g, r and opts.
func Quantize(g *tflite.Graph, r *Ranges, opts Options) (*tflite.Graph, error) {
	q := &quantizer{g: g, r: r, opts: opts}
	return q.run()
}

type quantizer struct {
	g    *tflite.Graph
	r    *Ranges
	opts Options

	out      *tflite.Graph
	producer []int // producer op index in g, -1 for none
	quant    []bool
	// f32 and i8 are a tensor's float and int8 versions in out (-1 when
	// not made yet).
	f32, i8  []int
	params   []Params
	names    map[string]bool
	isOutput []bool
}

func (q *quantizer) isActivation(ti int) bool {
	return ti >= 0 && q.g.Tensors[ti].Type == tflite.Float32 && !q.g.Tensors[ti].IsConst()
}

func (q *quantizer) rangeOf(ti int) ([2]float32, bool) {
	mm, ok := q.r.Tensors[q.g.Tensors[ti].Name]
	return mm, ok
}

// heads returns the ops that compute the graph outputs, looking through
// RESHAPE and CONCATENATION.
func (q *quantizer) heads() map[int]bool {
	h := map[int]bool{}
	seen := map[int]bool{}
	var walk func(ti int)
	walk = func(ti int) {
		if ti < 0 || seen[ti] {
			return
		}
		seen[ti] = true
		p := q.producer[ti]
		if p < 0 {
			return
		}
		op := &q.g.Ops[p]
		h[p] = true
		if op.Code == tflite.OpReshape || op.Code == tflite.OpConcatenation {
			for _, in := range op.Inputs {
				if q.isActivation(in) {
					walk(in)
				}
			}
		}
	}
	for _, ti := range q.g.Outputs {
		walk(ti)
	}
	return h
}

// quantizable reports whether op gets its int8 form.
func (q *quantizer) quantizable(op *tflite.GraphOp) bool {
	if _, ok := int8Version[op.Code]; !ok || op.Code == tflite.OpQuantize || op.Code == tflite.OpDequantize {
		return false
	}
	for _, c := range q.opts.FloatOps {
		if c == op.Code {
			return false
		}
	}
	for _, ti := range op.Outputs {
		if ti >= 0 && slices.Contains(q.opts.FloatTensors, q.g.Tensors[ti].Name) {
			return false
		}
	}
	if len(op.Outputs) != 1 || !q.isActivation(op.Outputs[0]) {
		return false
	}
	if _, ok := q.rangeOf(op.Outputs[0]); !ok && !sameScale(op.Code) {
		return false
	}
	if len(op.Inputs) == 0 || !q.isActivation(op.Inputs[0]) {
		return false
	}
	if _, ok := q.rangeOf(op.Inputs[0]); !ok {
		return false
	}
	in := func(k int) *tflite.GraphTensor {
		if k >= len(op.Inputs) || op.Inputs[k] < 0 {
			return nil
		}
		return &q.g.Tensors[op.Inputs[k]]
	}
	floatConst := func(t *tflite.GraphTensor) bool { return t != nil && t.Type == tflite.Float32 && t.IsConst() }
	switch op.Code {
	case tflite.OpConv2D, tflite.OpDepthwiseConv2D, tflite.OpFullyConnected:
		w, b := in(1), in(2)
		if !floatConst(w) || (b != nil && !floatConst(b)) {
			return false
		}
		if op.Code == tflite.OpFullyConnected && (len(w.Shape) != 2 || op.Options.WeightsFormat != 0) {
			return false
		}
		if op.Code != tflite.OpFullyConnected && len(w.Shape) != 4 {
			return false
		}
		return op.Options.Activation == tflite.ActNone || op.Options.Activation == tflite.ActRelu || op.Options.Activation == tflite.ActRelu6
	case tflite.OpAdd, tflite.OpMul:
		if len(op.Inputs) != 2 || (op.Options.Activation != tflite.ActNone && op.Options.Activation != tflite.ActRelu && op.Options.Activation != tflite.ActRelu6) {
			return false
		}
		t := in(1)
		if t == nil {
			return false
		}
		if q.isActivation(op.Inputs[1]) {
			_, ok := q.rangeOf(op.Inputs[1])
			return ok
		}
		return floatConst(t)
	case tflite.OpPrelu:
		return len(op.Inputs) == 2 && floatConst(in(1))
	case tflite.OpMaxPool2D, tflite.OpAveragePool2D:
		return op.Options.Activation == tflite.ActNone
	case tflite.OpPad, tflite.OpReshape:
		for k := 1; k < len(op.Inputs); k++ {
			if t := in(k); t != nil && !t.IsConst() {
				return false
			}
		}
		return true
	}
	return false
}

func (q *quantizer) uniqueName(name string) string {
	n := name
	for i := 1; q.names[n]; i++ {
		n = fmt.Sprintf("%s/%d", name, i)
	}
	q.names[n] = true
	return n
}

func (q *quantizer) addTensor(t tflite.GraphTensor) int {
	t.Name = q.uniqueName(t.Name)
	q.out.Tensors = append(q.out.Tensors, t)
	return len(q.out.Tensors) - 1
}

func (q *quantizer) emit(op tflite.GraphOp) { q.out.Ops = append(q.out.Ops, op) }

// float returns the float version of tensor ti in out, adding a
// DEQUANTIZE after its int8 producer when needed.
func (q *quantizer) float(ti int) int {
	if ti < 0 {
		return -1
	}
	if q.f32[ti] >= 0 {
		return q.f32[ti]
	}
	src := &q.g.Tensors[ti]
	if !q.isActivation(ti) || q.i8[ti] < 0 {
		// constants, non-float tensors, graph inputs and outputs of
		// float ops: copied once
		q.f32[ti] = q.addTensor(*src)
		return q.f32[ti]
	}
	// the float value of an int8 op's output; a graph output keeps its
	// name (its int8 version was renamed)
	name := src.Name + "/dequantized"
	if q.isOutput[ti] {
		name = src.Name
	}
	t := tflite.GraphTensor{Name: name, Type: tflite.Float32, Shape: append([]int(nil), src.Shape...)}
	q.f32[ti] = q.addTensor(t)
	q.emit(tflite.GraphOp{Code: tflite.OpDequantize, Version: int8Version[tflite.OpDequantize], Inputs: []int{q.i8[ti]}, Outputs: []int{q.f32[ti]}})
	return q.f32[ti]
}

// int8 returns the int8 version of activation ti, adding a QUANTIZE of
// its float version when needed.
func (q *quantizer) int8(ti int) int {
	if q.i8[ti] >= 0 {
		return q.i8[ti]
	}
	src := &q.g.Tensors[ti]
	mm, _ := q.rangeOf(ti)
	p := ActivationParams(mm[0], mm[1])
	q.params[ti] = p
	f := q.float(ti)
	t := tflite.GraphTensor{Name: src.Name + "/quantized", Type: tflite.Int8, Shape: append([]int(nil), src.Shape...), Quant: perTensor(p)}
	q.i8[ti] = q.addTensor(t)
	q.emit(tflite.GraphOp{Code: tflite.OpQuantize, Version: int8Version[tflite.OpQuantize], Inputs: []int{f}, Outputs: []int{q.i8[ti]}})
	return q.i8[ti]
}

func perTensor(p Params) *tflite.Quantization {
	return &tflite.Quantization{Scale: []float32{p.Scale}, ZeroPoint: []int64{int64(p.ZeroPoint)}}
}

func (q *quantizer) run() (*tflite.Graph, error) {
	g := q.g
	n := len(g.Tensors)
	for _, name := range q.opts.FloatTensors {
		if !slices.ContainsFunc(g.Tensors, func(t tflite.GraphTensor) bool { return t.Name == name }) {
			return nil, fmt.Errorf("float tensor %q: the model has no tensor of that name", name)
		}
	}
	q.out = &tflite.Graph{Description: g.Description}
	q.names = map[string]bool{}
	q.f32, q.i8 = make([]int, n), make([]int, n)
	q.params = make([]Params, n)
	q.producer = make([]int, n)
	for i := range n {
		q.f32[i], q.i8[i], q.producer[i] = -1, -1, -1
	}
	for i, op := range g.Ops {
		for _, ti := range op.Outputs {
			q.producer[ti] = i
		}
	}
	// Inputs keep their names and stay float.
	q.isOutput = make([]bool, n)
	for _, ti := range g.Outputs {
		q.isOutput[ti] = true
	}
	for _, ti := range g.Inputs {
		q.float(ti)
	}
	nq := 0
	var heads map[int]bool
	if q.opts.FloatHeads {
		heads = q.heads()
	}
	for i := range g.Ops {
		op := &g.Ops[i]
		if heads[i] || !q.quantizable(op) {
			ins := make([]int, len(op.Inputs))
			for k, ti := range op.Inputs {
				ins[k] = q.float(ti)
			}
			outs := make([]int, len(op.Outputs))
			for k, ti := range op.Outputs {
				outs[k] = q.float(ti)
			}
			q.emit(tflite.GraphOp{Code: op.Code, Version: op.Version, Inputs: ins, Outputs: outs, Options: op.Options})
			continue
		}
		nq++
		if err := q.quantizeOp(op); err != nil {
			return nil, fmt.Errorf("quantize operator %d (%v): %w", i, op.Code, err)
		}
	}
	if nq == 0 {
		return nil, fmt.Errorf("quantize: no operator could be quantized (do the ranges belong to this model? %s)", q.r.Model)
	}
	for _, ti := range g.Inputs {
		q.out.Inputs = append(q.out.Inputs, q.f32[ti])
	}
	for _, ti := range g.Outputs {
		q.out.Outputs = append(q.out.Outputs, q.float(ti))
	}
	return q.out, nil
}

func (q *quantizer) quantizeOp(op *tflite.GraphOp) error {
	g := q.g
	in0 := q.int8(op.Inputs[0])
	inP := q.params[op.Inputs[0]]
	ins := []int{in0}
	switch op.Code {
	case tflite.OpConv2D, tflite.OpDepthwiseConv2D, tflite.OpFullyConnected:
		w := &g.Tensors[op.Inputs[1]]
		axis := 0
		if op.Code == tflite.OpDepthwiseConv2D {
			axis = 3
		}
		wq, scales := quantizeWeights(w, axis, q.opts.PerChannel)
		wi := q.addTensor(wq)
		ins = append(ins, wi)
		if len(op.Inputs) > 2 && op.Inputs[2] >= 0 {
			b := &g.Tensors[op.Inputs[2]]
			if q.opts.BiasCorrection {
				if mu, ok := q.r.Means[g.Tensors[op.Inputs[0]].Name]; ok {
					b = correctBias(op.Code, w, &wq, scales, mu, b)
				}
			}
			bq, err := quantizeBias(b, inP.Scale, scales)
			if err != nil {
				return err
			}
			ins = append(ins, q.addTensor(bq))
		} else if len(op.Inputs) > 2 {
			ins = append(ins, -1)
		}
	case tflite.OpAdd, tflite.OpMul:
		b := op.Inputs[1]
		if q.isActivation(b) {
			ins = append(ins, q.int8(b))
		} else {
			ins = append(ins, q.addTensor(quantizeConstAsym(&g.Tensors[b])))
		}
	case tflite.OpPrelu:
		ins = append(ins, q.addTensor(quantizeConstAsym(&g.Tensors[op.Inputs[1]])))
	default:
		for _, ti := range op.Inputs[1:] {
			ins = append(ins, q.float(ti)) // shape and padding constants
		}
	}
	o := op.Outputs[0]
	var p Params
	if sameScale(op.Code) {
		p = inP
	} else {
		mm, _ := q.rangeOf(o)
		p = ActivationParams(mm[0], mm[1])
	}
	q.params[o] = p
	name := g.Tensors[o].Name
	if q.isOutput[o] {
		name += "/int8" // the float output keeps the name
	}
	q.i8[o] = q.addTensor(tflite.GraphTensor{Name: name, Type: tflite.Int8, Shape: append([]int(nil), g.Tensors[o].Shape...), Quant: perTensor(p)})
	q.emit(tflite.GraphOp{Code: op.Code, Version: int8Version[op.Code], Inputs: ins, Outputs: []int{q.i8[o]}, Options: op.Options})
	return nil
}

// quantizeWeights returns w as symmetric int8 (zero point 0, values in
// [−127, 127]) with one scale per index of axis, or one for the tensor, and
// the scale of each output channel.
func quantizeWeights(w *tflite.GraphTensor, axis int, perChannel bool) (tflite.GraphTensor, []float32) {
	v := w.Float32s()
	ch := w.Shape[axis]
	inner := 1
	for _, d := range w.Shape[axis+1:] {
		inner *= d
	}
	chOf := func(k int) int { return (k / inner) % ch }
	maxAbs := make([]float64, ch)
	for k, x := range v {
		c := chOf(k)
		maxAbs[c] = math.Max(maxAbs[c], math.Abs(float64(x)))
	}
	if !perChannel {
		m := 0.0
		for _, a := range maxAbs {
			m = math.Max(m, a)
		}
		for c := range maxAbs {
			maxAbs[c] = m
		}
	}
	scales := make([]float32, ch)
	for c, a := range maxAbs {
		scales[c] = float32(a / 127)
		if scales[c] == 0 {
			scales[c] = 1 // an all-zero channel: any scale represents it
		}
	}
	data := make([]byte, len(v))
	for k, x := range v {
		qv := math.Round(float64(x) / float64(scales[chOf(k)]))
		data[k] = byte(int8(math.Max(-127, math.Min(127, qv))))
	}
	t := tflite.GraphTensor{Name: w.Name, Type: tflite.Int8, Shape: append([]int(nil), w.Shape...), Data: data}
	if perChannel {
		t.Quant = &tflite.Quantization{Scale: scales, ZeroPoint: make([]int64, ch), Axis: axis}
	} else {
		t.Quant = &tflite.Quantization{Scale: []float32{scales[0]}, ZeroPoint: []int64{0}}
	}
	return t, scales
}

// correctBias returns a copy of bias b minus the expected output change
// that rounding w to wq causes for inputs with channel means mu: for each
// output channel o, Σ (wq − w)[o, …, i]·mu[i]. It returns b unchanged when
// the shapes do not fit.
func correctBias(code tflite.OpCode, w, wq *tflite.GraphTensor, scales []float32, mu []float32, b *tflite.GraphTensor) *tflite.GraphTensor {
	wf := w.Float32s()
	bias := b.Float32s()
	sh := w.Shape
	shift := make([]float64, len(bias))
	switch code {
	case tflite.OpConv2D, tflite.OpFullyConnected:
		in := sh[len(sh)-1]
		if len(mu) != in || sh[0] != len(bias) {
			return b
		}
		per := len(wf) / sh[0]
		for k, x := range wf {
			o := k / per
			d := float64(int8(wq.Data[k]))*float64(scales[o]) - float64(x)
			shift[o] += d * float64(mu[k%in])
		}
	case tflite.OpDepthwiseConv2D:
		c := sh[3]
		if c != len(bias) || len(mu) == 0 || c%len(mu) != 0 {
			return b
		}
		mult := c / len(mu)
		for k, x := range wf {
			ch := k % c
			d := float64(int8(wq.Data[k]))*float64(scales[ch]) - float64(x)
			shift[ch] += d * float64(mu[ch/mult])
		}
	default:
		return b
	}
	nb := make([]float32, len(bias))
	for o := range bias {
		nb[o] = float32(float64(bias[o]) - shift[o])
	}
	t := *b
	t.Data = tflite.Float32Bytes(nb)
	return &t
}

// quantizeBias returns b as int32 with scale inScale·wScale[c] and zero
// point 0 (per channel when there are several weight scales).
func quantizeBias(b *tflite.GraphTensor, inScale float32, wScales []float32) (tflite.GraphTensor, error) {
	v := b.Float32s()
	if len(v) != len(wScales) {
		return tflite.GraphTensor{}, fmt.Errorf("bias %q has %d values for %d output channels", b.Name, len(v), len(wScales))
	}
	scales := make([]float32, len(v))
	vals := make([]int32, len(v))
	for c, x := range v {
		scales[c] = inScale * wScales[c]
		qv := math.Round(float64(x) / float64(scales[c]))
		vals[c] = int32(math.Max(math.MinInt32, math.Min(math.MaxInt32, qv)))
	}
	t := tflite.GraphTensor{Name: b.Name, Type: tflite.Int32, Shape: append([]int(nil), b.Shape...), Data: tflite.Int32Bytes(vals)}
	allSame := true
	for _, s := range wScales {
		allSame = allSame && s == wScales[0]
	}
	if allSame {
		t.Quant = &tflite.Quantization{Scale: scales[:1], ZeroPoint: []int64{0}}
	} else {
		t.Quant = &tflite.Quantization{Scale: scales, ZeroPoint: make([]int64, len(v)), Axis: 0}
	}
	return t, nil
}

// quantizeConstAsym returns a float constant (an ADD/MUL operand, PRELU's
// alpha) as per-tensor asymmetric int8 from its own min and max.
func quantizeConstAsym(c *tflite.GraphTensor) tflite.GraphTensor {
	v := c.Float32s()
	lo, hi := float32(0), float32(0)
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	p := ActivationParams(lo, hi)
	data := make([]byte, len(v))
	for k, x := range v {
		qv := math.Round(float64(x)/float64(p.Scale)) + float64(p.ZeroPoint)
		data[k] = byte(int8(math.Max(-128, math.Min(127, qv))))
	}
	return tflite.GraphTensor{Name: c.Name, Type: tflite.Int8, Shape: append([]int(nil), c.Shape...), Data: data, Quant: perTensor(p)}
}

// int32s decodes little-endian int32 data (for tests).
func int32s(b []byte) []int32 {
	v := make([]int32, len(b)/4)
	for i := range v {
		v[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}
