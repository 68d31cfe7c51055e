// litert.mjs: load Google's LiteRT.js (@litertjs/core, WASM + XNNPACK) under
// Node and compile models for single-threaded CPU inference.
//
// The package is written for browsers and workers: its loader calls
// importScripts(url) when that function exists. Node has no importScripts, so
// we provide one that require()s the Emscripten loader from
// node_modules/@litertjs/core/wasm/. The loader is CommonJS but the package
// is "type":"module", so it is copied to a .cjs file in a temp dir first; the
// .wasm file is then located next to the original through Module.locateFile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

/** Directory holding the LiteRT.js .js/.wasm files. */
export const wasmDir = path.join(here, 'node_modules', '@litertjs', 'core', 'wasm');

/** The installed @litertjs/core version. */
export const version = JSON.parse(
  fs.readFileSync(path.join(here, 'node_modules', '@litertjs', 'core', 'package.json'), 'utf8'),
).version;

/** Which Emscripten loader was used (set by importScripts). */
export let loadedScript = '';

function installShim() {
  globalThis.self = globalThis;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'litert-'));
  globalThis.importScripts = (url) => {
    const name = path.basename(String(url));
    if (!name.endsWith('.js')) {
      throw new Error(`litert shim: unexpected script ${url}`);
    }
    const src = path.join(wasmDir, name);
    const dst = path.join(tmp, name.replace(/\.js$/, '.cjs'));
    fs.copyFileSync(src, dst);
    globalThis.ModuleFactory = require(dst);
    globalThis.Module = { locateFile: (p) => path.join(wasmDir, p) };
    loadedScript = name;
    fs.rmSync(tmp, { recursive: true, force: true });
  };
}

let litert;

/**
 * Loads LiteRT.js once and returns the module namespace.
 * @returns {Promise<typeof import('@litertjs/core')>}
 */
export async function init() {
  if (litert) return litert;
  installShim();
  litert = await import('@litertjs/core');
  await litert.loadLiteRt(wasmDir + '/');
  return litert;
}

/**
 * Compiles a .tflite file for the WASM (XNNPACK) CPU path with one thread.
 * @param {string} file
 */
export async function compile(file) {
  const lr = await init();
  const bytes = new Uint8Array(fs.readFileSync(file));
  return lr.loadAndCompile(bytes, { accelerator: 'wasm', cpuOptions: { numThreads: 1 } });
}

/**
 * Runs the model on Float32 inputs and returns the outputs as
 * {name, shape, data: Float32Array}, in the model's output order.
 * @param {*} model compiled model
 * @param {{shape:number[], data:Float32Array}[]} inputs
 */
export async function run(model, inputs) {
  const lr = await init();
  const tensors = inputs.map((x) => new lr.Tensor(x.data, x.shape));
  try {
    const outs = await model.run(tensors);
    const details = model.getOutputDetails();
    const res = outs.map((t, i) => {
      const data = t.toTypedArray();
      const r = {
        name: details[i]?.name ?? `output${i}`,
        shape: Array.from(t.type.layout.dimensions),
        data: new Float32Array(data),
      };
      t.delete();
      return r;
    });
    return res;
  } finally {
    for (const t of tensors) t.delete();
  }
}

/**
 * Compiles a .tflite file like compile, after setting the batch dimension of
 * input 0 to `batch` (see flatbuf.mjs).
 * @param {string} file
 * @param {number} batch
 */
export async function compileWithBatch(file, batch) {
  const lr = await init();
  const { withBatch } = await import('./flatbuf.mjs');
  const bytes = withBatch(new Uint8Array(fs.readFileSync(file)), 0, batch);
  return lr.loadAndCompile(bytes, { accelerator: 'wasm', cpuOptions: { numThreads: 1 } });
}
