package tflite

import "slices"

// Load-time graph rewrites. Each one gives bit-identical results (up to the
// sign of a zero) and only removes work:
//
//   - PReLU stored as relu(x) + c·(x − |x|) (MobileFaceNet's 5-op form)
//     becomes one PRELU with alpha 2c: for x < 0, x − |x| = 2x exactly and
//     2x·c = x·2c exactly (scaling by 2 commutes with rounding); for
//     x ≥ 0 both give x.
//   - RELU / RELU6 after a CONV_2D, DEPTHWISE_CONV_2D, ADD or
//     FULLY_CONNECTED without fused activation, whose output nothing else
//     reads, becomes the producer's fused activation (the same clamp; for
//     int8 tensors only when input and output share scale and zero point,
//     so the clamp is at the same integers).
//   - DEQUANTIZE of a constant was already evaluated at load; the op is
//     dropped.
//
// fuseRun then makes the interpreter's op list, with fusions that have no
// TFLite form (so Graph does not see them):
//
//   - A float PRELU with one alpha per channel, whose input is the output
//     of a float CONV_2D or DEPTHWISE_CONV_2D that nothing else reads, is
//     computed by the convolution on each block of outputs it has just
//     written, with the same PRELU kernel, instead of in a second pass over
//     memory. Same values: the PRELU kernel sees the same inputs.
//   - A float ADD of two same-shape tensors, one of them the output of a
//     float CONV_2D that nothing else reads (a residual connection), is
//     computed by the convolution on each block it has just written, with
//     the same add kernel and operand order, when the other operand is
//     computed before the convolution.
//   - A float DEPTHWISE_CONV_2D (with its PRELU, if fused) whose output
//     only a float 1×1 CONV_2D of stride 1 reads is computed by that
//     convolution, one block of pixels at a time into the worker's scratch
//     right before the block is multiplied, instead of being stored and
//     read back (and, with threads, in one operator instead of two). Same
//     values: each depthwise output is the same sum whichever span of a
//     row computes it (depthwise.span).

// dataflow returns, for each tensor, how many of ops read it (a graph
// output counts as one more reader, the caller) and which op writes it
// (-1 for none).
func (m *Model) dataflow(ops []opDef) (readers, producer []int) {
	readers = make([]int, len(m.tensors))
	producer = make([]int, len(m.tensors))
	for i := range producer {
		producer[i] = -1
	}
	for i, op := range ops {
		for _, ti := range op.inputs {
			if ti >= 0 {
				readers[ti]++
			}
		}
		for _, ti := range op.outputs {
			producer[ti] = i
		}
	}
	for _, ti := range m.outputs {
		readers[ti]++
	}
	return readers, producer
}

func (m *Model) fuse() {
	readers, producer := m.dataflow(m.ops)
	// private: t is an intermediate read by exactly n ops (a graph output
	// has the caller as a reader too, so it is never private).
	private := func(t, n int) bool { return t >= 0 && readers[t] == n && !slices.Contains(m.outputs, t) }
	drop := make([]bool, len(m.ops))
	exec := make([]opDef, len(m.ops))
	copy(exec, m.ops)

	for i := range exec {
		op := &exec[i]
		if op.code == opDequantize && len(op.outputs) == 1 && m.tensors[op.outputs[0]].f32 != nil {
			drop[i] = true
		}
	}

	// PReLU: out = ADD(RELU(x), MUL(SUB(x, ABS(x)), c)) in any operand order.
	for i := range exec {
		add := &exec[i]
		if add.code != opAdd || add.opts.activation != 0 || len(add.inputs) != 2 {
			continue
		}
		for _, perm := range [][2]int{{0, 1}, {1, 0}} {
			tRelu, tMul := add.inputs[perm[0]], add.inputs[perm[1]]
			if !private(tRelu, 1) || !private(tMul, 1) {
				continue
			}
			pr, pm := producer[tRelu], producer[tMul]
			if pr < 0 || pm < 0 || exec[pr].code != opRelu || exec[pm].code != opMul || exec[pm].opts.activation != 0 {
				continue
			}
			x := exec[pr].inputs[0]
			mul := &exec[pm]
			var tSub, tC int = -1, -1
			for _, mp := range [][2]int{{0, 1}, {1, 0}} {
				a, c := mul.inputs[mp[0]], mul.inputs[mp[1]]
				if private(a, 1) && m.tensors[c].f32 != nil && producer[a] >= 0 && exec[producer[a]].code == opSub {
					tSub, tC = a, c
				}
			}
			if tSub < 0 {
				continue
			}
			sub := &exec[producer[tSub]]
			if sub.opts.activation != 0 || sub.inputs[0] != x || !private(sub.inputs[1], 1) {
				continue
			}
			pa := producer[sub.inputs[1]]
			if pa < 0 || exec[pa].code != opAbs || exec[pa].inputs[0] != x || m.tensors[x].typ != Float32 {
				continue
			}
			// x feeds RELU, ABS and SUB here; rewrite.
			c := m.tensors[tC].f32
			alpha := make([]float32, len(c))
			for k, v := range c {
				alpha[k] = 2 * v
			}
			m.tensors = append(m.tensors, tensorDef{
				name:  m.tensors[tC].name + "/prelu_alpha",
				typ:   Float32,
				shape: append([]int(nil), m.tensors[tC].shape...),
				f32:   alpha,
			})
			alphaIdx := len(m.tensors) - 1
			*add = opDef{code: opPrelu, version: 1, inputs: []int{x, alphaIdx}, outputs: add.outputs, opts: add.opts}
			drop[pr], drop[pm], drop[producer[tSub]], drop[pa] = true, true, true, true
			break
		}
	}

	// Fused RELU / RELU6.
	for i := range exec {
		op := &exec[i]
		if drop[i] || (op.code != opRelu && op.code != opRelu6) {
			continue
		}
		in := op.inputs[0]
		p := producer[in]
		if p < 0 || drop[p] || !private(in, 1) {
			continue
		}
		prod := &exec[p]
		switch prod.code {
		case opConv2d, opDepthwiseConv2d, opAdd, opFullyConnected:
		default:
			continue
		}
		if prod.opts.activation != 0 || len(prod.outputs) != 1 {
			continue
		}
		if !sameQuant(&m.tensors[in], &m.tensors[op.outputs[0]]) {
			// An int8 RELU that also requantizes is not the producer's
			// clamp.
			continue
		}
		if op.code == opRelu {
			prod.opts.activation = 1
		} else {
			prod.opts.activation = 3
		}
		prod.outputs = []int{op.outputs[0]}
		producer[op.outputs[0]] = p
		drop[i] = true
	}

	m.exec = m.exec[:0]
	for i := range exec {
		if !drop[i] {
			m.exec = append(m.exec, exec[i])
		}
	}
}

// fuseRun returns m.exec with the PRELUs, residual ADDs and depthwise
// convolutions that a float convolution can compute itself merged into it
// (see the top of this file).
func (m *Model) fuseRun() []opDef {
	readers, producer := m.dataflow(m.exec)
	run := make([]opDef, len(m.exec))
	copy(run, m.exec)
	drop := make([]bool, len(run))
	for i := range run {
		op := &run[i]
		if op.code != opPrelu || len(op.inputs) != 2 || len(op.outputs) != 1 {
			continue
		}
		x, a := op.inputs[0], op.inputs[1]
		p := -1
		if x >= 0 {
			p = producer[x]
		}
		if p < 0 || readers[x] != 1 || a < 0 {
			continue
		}
		prod := &run[p]
		if (prod.code != opConv2d && prod.code != opDepthwiseConv2d) || len(prod.outputs) != 1 || prod.prelu != nil {
			continue
		}
		xt, at, yt := &m.tensors[x], &m.tensors[a], &m.tensors[op.outputs[0]]
		if xt.typ != Float32 || yt.typ != Float32 || at.f32 == nil || len(xt.shape) == 0 {
			continue
		}
		// one alpha per channel: alpha's shape is 1s and then C
		c := xt.shape[len(xt.shape)-1]
		perChannel := len(at.f32) == c && len(at.shape) >= 1 && at.shape[len(at.shape)-1] == c && len(at.shape) <= len(xt.shape)
		for _, d := range at.shape[:max(len(at.shape)-1, 0)] {
			perChannel = perChannel && d == 1
		}
		if !perChannel {
			continue
		}
		prod.outputs = []int{op.outputs[0]}
		prod.prelu = at.f32
		producer[op.outputs[0]] = p
		drop[i] = true
	}
	// residual ADDs
	for i := range run {
		op := &run[i]
		if drop[i] || op.code != opAdd || len(op.inputs) != 2 || len(op.outputs) != 1 {
			continue
		}
		if _, _, err := actRange(op.opts.activation); err != nil {
			continue
		}
		for k, x := range op.inputs {
			other := op.inputs[1-k]
			if x < 0 || other < 0 || x == other || producer[x] < 0 || readers[x] != 1 {
				continue
			}
			p := producer[x]
			if producer[other] >= p {
				// the other operand is computed after the convolution
				// (BlazeFace pads its residuals after the block's convs)
				continue
			}
			prod := &run[p]
			if prod.code != opConv2d || len(prod.outputs) != 1 || prod.prelu != nil || prod.add != nil {
				continue
			}
			xt, ot, yt := &m.tensors[x], &m.tensors[other], &m.tensors[op.outputs[0]]
			if xt.typ != Float32 || ot.typ != Float32 || yt.typ != Float32 || !slices.Equal(xt.shape, ot.shape) || ot.isConst() {
				continue
			}
			prod.outputs = []int{op.outputs[0]}
			prod.add = &fusedAdd{other: other, convFirst: k == 0, activation: op.opts.activation}
			producer[op.outputs[0]] = p
			drop[i] = true
			break
		}
	}
	// depthwise convolutions read only by a 1×1 convolution
	for i := range run {
		op := &run[i]
		if drop[i] || op.code != opConv2d || op.packed == nil || len(op.inputs) < 2 || op.inputs[0] < 0 || op.opts.strideH != 1 || op.opts.strideW != 1 {
			continue
		}
		x := op.inputs[0]
		w := &m.tensors[op.inputs[1]]
		p := producer[x]
		if len(w.shape) != 4 || w.shape[1] != 1 || w.shape[2] != 1 || p < 0 || drop[p] || readers[x] != 1 {
			continue
		}
		prod := &run[p]
		if prod.code != opDepthwiseConv2d || len(prod.outputs) != 1 || len(prod.inputs) < 2 || prod.inputs[0] < 0 {
			continue
		}
		if m.tensors[x].typ != Float32 || m.tensors[prod.inputs[0]].typ != Float32 || m.tensors[prod.inputs[1]].f32 == nil {
			continue
		}
		dw := *prod
		op.dw = &dw
		drop[p] = true
	}
	out := run[:0]
	for i := range run {
		if !drop[i] {
			out = append(out, run[i])
		}
	}
	return out
}

// sameQuant reports whether two tensors have the same type and the same
// quantization parameters (or none).
func sameQuant(a, b *tensorDef) bool {
	if a.typ != b.typ {
		return false
	}
	if (a.q == nil) != (b.q == nil) {
		return false
	}
	if a.q == nil {
		return true
	}
	if len(a.q.scale) != len(b.q.scale) || len(a.q.zeroPoint) != len(b.q.zeroPoint) {
		return false
	}
	for i := range a.q.scale {
		if a.q.scale[i] != b.q.scale[i] {
			return false
		}
	}
	for i := range a.q.zeroPoint {
		if a.q.zeroPoint[i] != b.q.zeroPoint[i] {
			return false
		}
	}
	return true
}
