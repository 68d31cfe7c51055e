// golden.mjs: run LiteRT.js (single thread, WASM/XNNPACK) on the golden
// inputs written by infer/tflite/internal/golden/cmd/goldeninputs and write
// the reference outputs plus manifest.json for infer/tflite's golden tests.
//
// Usage: node golden.mjs --inputs DIR --out DIR [--models DIR]
//
// Tensor files are raw little-endian float32, row-major, no header. The
// output manifest keeps each input's shape and sha256 (the inputs are not
// written: the Go test rebuilds them) and lists each output's index, name,
// shape, file and sha256.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as L from './litert.mjs';

const FORMAT = 'raw little-endian float32, row-major, no header';
const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const a = { models: path.join(here, '..', '..', 'models') };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (!['--inputs', '--out', '--models'].includes(k) || i + 1 >= argv.length) {
      throw new Error(`usage: node golden.mjs --inputs DIR --out DIR [--models DIR] (bad argument ${k})`);
    }
    a[k.slice(2)] = argv[++i];
  }
  if (!a.inputs || !a.out) throw new Error('usage: node golden.mjs --inputs DIR --out DIR [--models DIR]');
  return a;
}

function readF32(file, shape) {
  const n = shape.reduce((x, y) => x * y, 1);
  const b = fs.readFileSync(file);
  if (b.length !== 4 * n) throw new Error(`${file}: ${b.length} bytes, want ${4 * n} for shape [${shape}]`);
  // Copy so the Float32Array is aligned; the file is little-endian like every
  // platform Node runs on here.
  const ab = new ArrayBuffer(b.length);
  new Uint8Array(ab).set(b);
  return new Float32Array(ab);
}

function bytesOf(f32) {
  return Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength);
}

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const inManifest = JSON.parse(fs.readFileSync(path.join(args.inputs, 'manifest.json'), 'utf8'));
  if (inManifest.format !== FORMAT) throw new Error(`inputs manifest format ${inManifest.format}`);
  fs.mkdirSync(args.out, { recursive: true });

  const compiled = new Map(); // "model@batch" -> {model, note}
  async function get(modelFile, shape) {
    const file = path.join(args.models, modelFile);
    let base = compiled.get(modelFile);
    if (!base) {
      base = { model: await L.compile(file), note: '' };
      compiled.set(modelFile, base);
    }
    const stored = Array.from(base.model.getInputDetails()[0].shape);
    if (stored.length === shape.length && stored.every((d, i) => d === shape[i])) return base;
    if (stored.length !== shape.length || !stored.slice(1).every((d, i) => d === shape[i + 1])) {
      throw new Error(`${modelFile}: input shape [${shape}] differs from stored [${stored}] beyond the batch`);
    }
    const key = `${modelFile}@${shape[0]}`;
    let c = compiled.get(key);
    if (!c) {
      c = {
        model: await L.compileWithBatch(file, shape[0]),
        note: `LiteRT.js cannot resize inputs: model bytes patched from batch ${stored[0]} to ${shape[0]} (bench/litert/flatbuf.mjs: input, activations, RESHAPE shape constants)`,
      };
      compiled.set(key, c);
    }
    return c;
  }

  const out = { runtime: '', format: FORMAT, cases: [] };
  for (const c of inManifest.cases) {
    if (c.inputs.length !== 1) throw new Error(`${c.model}/${c.case}: ${c.inputs.length} inputs, want 1`);
    const inputs = c.inputs.map((t) => {
      const data = readF32(path.join(args.inputs, t.file), t.shape);
      if (sha256(bytesOf(data)) !== t.sha256) throw new Error(`${t.file}: sha256 differs from its manifest`);
      return { shape: t.shape, data };
    });
    const { model, note } = await get(c.model, c.inputs[0].shape);
    const outs = await L.run(model, inputs);
    const stem = c.model.replace(/\.tflite$/, '');
    const mc = {
      model: c.model,
      case: c.case,
      faces: c.faces,
      inputs: c.inputs.map((t) => ({ index: t.index, shape: t.shape, sha256: t.sha256 })),
      outputs: [],
    };
    if (note) mc.note = note;
    // Generated models (the int8 single-op cases) are checked by hash: the
    // Go test rebuilds them and compares.
    if (c.model.startsWith('int8_') || c.model.includes('-int8')) mc.modelSha256 = sha256(fs.readFileSync(path.join(args.models, c.model)));
    outs.forEach((o, i) => {
      for (const v of o.data) {
        if (!Number.isFinite(v)) throw new Error(`${c.model}/${c.case}: output ${i} has ${v}`);
      }
      const file = `${stem}.${c.case}.out${i}.f32`;
      const b = bytesOf(o.data);
      fs.writeFileSync(path.join(args.out, file), b);
      mc.outputs.push({ index: i, name: o.name, shape: o.shape, file, sha256: sha256(b) });
    });
    out.cases.push(mc);
    console.error(`golden: ${c.model} ${c.case} [${c.inputs[0].shape}] -> ${mc.outputs.map((o) => `${o.name}[${o.shape}]`).join(' ')}`);
  }
  out.runtime = `@litertjs/core@${L.version} ${L.loadedScript} accelerator=wasm numThreads=1 node=${process.version}`;
  fs.writeFileSync(path.join(args.out, 'manifest.json'), JSON.stringify(out, null, 2) + '\n');
}

main().catch((e) => {
  console.error('golden.mjs:', e.message ?? e);
  process.exit(1);
});
