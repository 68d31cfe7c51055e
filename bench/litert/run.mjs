// run.mjs: run LiteRT.js (single thread, WASM/XNNPACK) on one model and
// raw float32 inputs, and write each output as raw float32. Used by tests
// that compare our interpreter with Google's runtime on files we write
// (infer/tflite's Marshal round trip, infer/quantize's int8 models).
//
// Usage: node run.mjs MODEL.tflite OUTDIR IN0.f32:1,2,3,4 [IN1.f32:shape ...]
// Writes OUTDIR/out<i>.f32 and OUTDIR/outputs.json ([{name, shape, file}]).
import fs from 'node:fs';
import path from 'node:path';
import * as L from './litert.mjs';

async function main() {
  const [model, out, ...ins] = process.argv.slice(2);
  if (!model || !out || ins.length === 0) {
    throw new Error('usage: node run.mjs MODEL.tflite OUTDIR IN.f32:d0,d1,... [...]');
  }
  const inputs = ins.map((a) => {
    const i = a.lastIndexOf(':');
    if (i < 0) throw new Error(`input ${a}: want FILE:shape`);
    const shape = a.slice(i + 1).split(',').map(Number);
    const b = fs.readFileSync(a.slice(0, i));
    const n = shape.reduce((x, y) => x * y, 1);
    if (b.length !== 4 * n) throw new Error(`${a}: ${b.length} bytes, want ${4 * n}`);
    const ab = new ArrayBuffer(b.length);
    new Uint8Array(ab).set(b);
    return { shape, data: new Float32Array(ab) };
  });
  const m = await L.compile(model);
  const outs = await L.run(m, inputs);
  fs.mkdirSync(out, { recursive: true });
  const list = outs.map((o, i) => {
    const file = `out${i}.f32`;
    fs.writeFileSync(path.join(out, file), Buffer.from(o.data.buffer, o.data.byteOffset, o.data.byteLength));
    return { name: o.name, shape: o.shape, file };
  });
  fs.writeFileSync(path.join(out, 'outputs.json'), JSON.stringify(list) + '\n');
}

main().catch((e) => {
  console.error('run.mjs:', e.message ?? e);
  process.exit(1);
});
