// flatbuf.mjs: just enough of a TFLite flatbuffer reader to change the batch
// dimension of a model's input tensor in place.
//
// LiteRT.js has no ResizeInput in its JS API, and it rejects an input whose
// shape differs from the stored one. MobileFaceNet is stored at batch 2; to
// run Google's runtime at batch 1 we patch the stored shape (and
// shape_signature, if any) of the input tensor, and let TFLite's Prepare
// propagate the new shape through the graph, as ResizeInputTensor would.
//
// A graph can pin its batch elsewhere too: MobileFaceNet ends in a RESHAPE
// whose constant shape operand is [2,192], which TFLite (like our
// interpreter) would reject at batch 1. So RESHAPE ops whose constant int32
// shape operand (or ReshapeOptions.new_shape) starts with the old batch get
// the new batch as well. This mirrors what a batch-agnostic export would
// have stored ([-1,192]). LiteRT.js also reads output shapes from the stored
// tensors, so every activation tensor (no constant data) whose stored
// dimension 0 is the old batch gets the new batch; in NHWC graphs like ours
// dimension 0 of an activation is the batch. Weights are never changed.
//
// Schema (tensorflow/lite/schema/schema.fbs): Model.operator_codes = field 1,
// Model.subgraphs = 2, Model.buffers = 4; OperatorCode.deprecated_builtin_code
// = 0 (int8), OperatorCode.builtin_code = 3 (int32); SubGraph.tensors = 0,
// SubGraph.inputs = 1, SubGraph.operators = 3; Operator.opcode_index = 0,
// Operator.inputs = 1, Operator.builtin_options = 4 (ReshapeOptions.new_shape
// = 0); Tensor.shape = 0, Tensor.type = 1 (INT32 = 2), Tensor.buffer = 2,
// Tensor.shape_signature = 7; Buffer.data = 0.

const RESHAPE = 22;
const INT32 = 2;

function table(dv, pos) {
  const vt = pos - dv.getInt32(pos, true);
  const vtSize = dv.getUint16(vt, true);
  return {
    pos,
    field(i) {
      const o = 4 + 2 * i;
      if (o >= vtSize) return 0;
      const off = dv.getUint16(vt + o, true);
      return off ? pos + off : 0;
    },
  };
}

function deref(dv, p) {
  return p + dv.getUint32(p, true);
}

function vector(dv, t, i) {
  const f = t.field(i);
  if (!f) return null;
  const v = deref(dv, f);
  return { len: dv.getUint32(v, true), start: v + 4 };
}

/**
 * Returns a copy of the model bytes with dimension 0 of subgraph 0's input
 * `inputIndex` set to `batch`.
 * @param {Uint8Array} bytes
 * @param {number} inputIndex
 * @param {number} batch
 */
export function withBatch(bytes, inputIndex, batch) {
  const out = new Uint8Array(bytes);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const model = table(dv, deref(dv, 0));
  const subgraphs = vector(dv, model, 2);
  if (!subgraphs || subgraphs.len < 1) throw new Error('model has no subgraphs');
  const sg = table(dv, deref(dv, subgraphs.start));
  const inputs = vector(dv, sg, 1);
  const tensors = vector(dv, sg, 0);
  if (!inputs || inputIndex >= inputs.len) throw new Error(`model has no input ${inputIndex}`);
  const ti = dv.getInt32(inputs.start + 4 * inputIndex, true);
  if (ti < 0 || ti >= tensors.len) throw new Error(`input tensor index ${ti} out of range`);
  const tensor = table(dv, deref(dv, tensors.start + 4 * ti));
  const codes = vector(dv, model, 1);
  const buffers = vector(dv, model, 4);
  const ops = vector(dv, sg, 3);
  const dims = vector(dv, tensor, 0);
  if (!dims || dims.len < 1) throw new Error(`input ${inputIndex} has no shape`);
  const old = dv.getInt32(dims.start, true);
  const setFirstIf = (v) => {
    if (v && v.len > 0 && dv.getInt32(v.start, true) === old) {
      dv.setInt32(v.start, batch, true);
    }
  };
  const bufferData = (t) => {
    if (!t.field(2) || !buffers) return null;
    const bi = dv.getUint32(t.field(2), true);
    if (bi === 0 || bi >= buffers.len) return null;
    return vector(dv, table(dv, deref(dv, buffers.start + 4 * bi)), 0);
  };
  const hasData = (t) => {
    const d = bufferData(t);
    return d !== null && d.len > 0;
  };
  for (const field of [0, 7]) {
    const shape = vector(dv, tensor, field);
    if (shape && shape.len > 0) dv.setInt32(shape.start, batch, true);
  }
  if (old === batch) return out;

  for (let i = 0; i < tensors.len; i++) {
    const t = table(dv, deref(dv, tensors.start + 4 * i));
    if (hasData(t)) continue;
    for (const field of [0, 7]) setFirstIf(vector(dv, t, field));
  }

  for (let i = 0; ops && i < ops.len; i++) {
    const op = table(dv, deref(dv, ops.start + 4 * i));
    const oc = op.field(0) ? dv.getUint32(op.field(0), true) : 0;
    if (!codes || oc >= codes.len) continue;
    const code = table(dv, deref(dv, codes.start + 4 * oc));
    const builtin = code.field(3)
      ? dv.getInt32(code.field(3), true)
      : code.field(0) ? dv.getInt8(code.field(0)) : 0;
    if (builtin !== RESHAPE) continue;
    if (op.field(4)) setFirstIf(vector(dv, table(dv, deref(dv, op.field(4))), 0));
    const ins = vector(dv, op, 1);
    if (!ins || ins.len < 2) continue;
    const si = dv.getInt32(ins.start + 4, true);
    if (si < 0 || si >= tensors.len) continue;
    const st = table(dv, deref(dv, tensors.start + 4 * si));
    if (!st.field(1) || dv.getInt8(st.field(1)) !== INT32) continue;
    const data = bufferData(st);
    if (data && data.len >= 4) setFirstIf({ len: data.len / 4, start: data.start });
  }
  return out;
}
