// report.mjs: print the side-by-side table of bench/tflite.sh.
//
// Usage: node report.mjs RESULTS
//
// RESULTS has one line per benchmark: LABEL<TAB>OURS_JSON<TAB>LITERT_JSON,
// where OURS_JSON is `facegate model bench --json` output and LITERT_JSON is
// bench.mjs output. The table comes first; the last lines are, per model,
// exactly: model=<label> ours_ms=<median> litert_ms=<median> ratio=<ours/litert>
import fs from 'node:fs';

const rows = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean).map((line) => {
  const [label, ours, litert] = line.split('\t');
  return { label, ours: JSON.parse(ours), litert: JSON.parse(litert) };
});
const f = (x, d = 2) => x.toFixed(d);
const header = ['model', 'input', 'ours median', 'ours min', 'ours max', 'allocs/run', 'LiteRT median', 'LiteRT min', 'LiteRT max', 'ratio (median)', 'ratio (min)'];
const table = rows.map((r) => [
  r.label,
  `[${r.ours.input_shape ?? r.litert.input_shape}]`,
  f(r.ours.median_ms), f(r.ours.min_ms), f(r.ours.max_ms), String(r.ours.allocs_per_run ?? '?'),
  f(r.litert.median_ms), f(r.litert.min_ms), f(r.litert.max_ms),
  f(r.ours.median_ms / r.litert.median_ms), f(r.ours.min_ms / r.litert.min_ms),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log('times in ms; ours = facegate infer/tflite (Threads: 1), LiteRT = ' + (rows[0]?.litert.runtime ?? 'LiteRT.js'));
console.log(`runs: ${[...new Set(rows.map((r) => `${r.label} ${r.ours.runs}/${r.litert.runs}`))].join(', ')} (ours/LiteRT, after ${rows[0]?.litert.warmup ?? '?'} warm-up runs)`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const t of table) console.log(line(t));
console.log('');
for (const r of rows) {
  console.log(`model=${r.label} ours_ms=${f(r.ours.median_ms)} litert_ms=${f(r.litert.median_ms)} ratio=${f(r.ours.median_ms / r.litert.median_ms)}`);
}
