// bench.mjs: time Google's runtime (LiteRT.js, WASM/XNNPACK, one thread) on
// one model, like TensorFlow's benchmark_model: untimed warm-up runs, then
// timed runs, reporting the median, min and max in milliseconds as JSON.
//
// Usage: node bench.mjs MODEL.tflite [--runs N] [--warmup N] [--batch N]
//
// --batch N runs the model with input 0's batch dimension set to N (LiteRT.js
// cannot resize inputs, so the model bytes are patched: see flatbuf.mjs).
// The input is the same deterministic sequence `facegate model bench` feeds
// our interpreter: element j = float32((j*7919) % 2000)/1000 - 1, so both
// runtimes see identical data. Each timed run is one CompiledModel.run call
// on pre-made input tensors (plus freeing its output tensors).
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as L from './litert.mjs';

function usage(msg) {
  console.error(`bench.mjs: ${msg}\nusage: node bench.mjs MODEL.tflite [--runs N] [--warmup N] [--batch N]`);
  process.exit(2);
}

function parseArgs(argv) {
  const a = { runs: 50, warmup: 5, batch: 0, model: '' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (['--runs', '--warmup', '--batch'].includes(k)) {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < (k === '--warmup' ? 0 : 1)) usage(`bad value for ${k}`);
      a[k.slice(2)] = v;
    } else if (!k.startsWith('--') && !a.model) {
      a.model = k;
    } else {
      usage(`unexpected argument ${k}`);
    }
  }
  if (!a.model) usage('no model given');
  return a;
}

function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const lr = await L.init();
  const model = a.batch ? await L.compileWithBatch(a.model, a.batch) : await L.compile(a.model);
  const details = model.getInputDetails();
  const inputs = details.map((d) => {
    if (d.dtype !== 'float32') throw new Error(`input ${d.name} is ${d.dtype}, only float32 is supported`);
    const shape = Array.from(d.shape);
    const n = shape.reduce((x, y) => x * y, 1);
    const data = new Float32Array(n);
    for (let j = 0; j < n; j++) data[j] = Math.fround(Math.fround(((j * 7919) % 2000) / 1000) - 1);
    return new lr.Tensor(data, shape);
  });
  const once = async () => {
    const outs = await model.run(inputs);
    for (const t of outs) t.delete();
  };
  for (let i = 0; i < a.warmup; i++) await once();
  const times = [];
  for (let i = 0; i < a.runs; i++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const r = {
    model: path.basename(a.model),
    input_shape: Array.from(details[0].shape),
    runtime: `@litertjs/core@${L.version} ${L.loadedScript} accelerator=wasm numThreads=1 node=${process.version}`,
    threads: 1,
    runs: a.runs,
    warmup: a.warmup,
    median_ms: median(times),
    min_ms: times[0],
    max_ms: times[times.length - 1],
  };
  for (const t of inputs) t.delete();
  process.stdout.write(JSON.stringify(r) + '\n');
}

main().catch((e) => {
  console.error('bench.mjs:', e.message ?? e);
  process.exit(1);
});
