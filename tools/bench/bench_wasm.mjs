// The WebAssembly module under Node: the same workloads as `rill bench`
// (Euler sampling of the default model; CFM training), single-threaded.
//   node tools/bench/bench_wasm.mjs [build/web] [--json] [--quick]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const dir = resolve(args.find(a => !a.startsWith('--')) ?? 'build/web');
const json = args.includes('--json'), quick = args.includes('--quick');
const { Rill } = await import(pathToFileURL(join(dir, 'rill.mjs')).href);
const rill = await Rill.load(readFileSync(join(dir, 'rill.wasm')));

// As `rill bench` times the native side: the fastest of `reps` rounds, each at least minSeconds long
// (a shared machine only ever adds time), so that wasm / native compares one statistic with itself.
function fastest(fn, reps, minSeconds) {
  let calls = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    const s = (performance.now() - t0) / 1e3;
    if (s >= minSeconds || calls > 1 << 20) break;
    calls = Math.max(calls * 2, Math.ceil(calls * minSeconds / Math.max(s, 1e-6) * 1.2));
  }
  const t = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    t.push((performance.now() - t0) / 1e3 / calls);
  }
  return Math.min(...t);
}

// A random default-size model: a trainer's initial weights, saved (width 128, depth 3, raw t).
const init = rill.trainer({ dataset: 'moons', seed: 1 });
const model = rill.loadModel(init.save());
init.free();
const flops = model.info.flops;
const c = rill.c, h = model.handle();
const reps = quick ? 8 : 20, minS = quick ? 0.005 : 0.01;  // as rill bench
const rows = [];
for (const batch of quick ? [1, 256, 4096] : [1, 16, 256, 4096, 65536]) {
  const steps = Math.max(1, Math.min(100, Math.floor(200000 / batch)));
  const out = rill.alloc(batch * 2 * 4);
  const secs = fastest(() => { if (c.rill_sample(h, batch, steps, 0, 1, out, 0) !== 0) throw new Error('sample failed'); }, reps, minS);
  rill.free(out);
  const evals = batch * steps / secs;
  rows.push({ what: 'sample', batch, threads: 1, per_second: evals, gflops: evals * flops / 1e9 });
}
model.free();
for (const batch of [256, 4096]) {
  const t = rill.trainer({ dataset: 'moons', batch, seed: 1 });
  const secs = fastest(() => t.step(1), reps, minS);
  t.free();
  rows.push({ what: 'train', batch, threads: 1, per_second: 1 / secs, gflops: 3 * flops * batch / secs / 1e9 });
}
if (json) {
  console.log(JSON.stringify({ model: 'default (width 128, depth 3, raw t, random weights)', flops_per_eval: flops,
    kernel: 'wasm simd128', runtime: `node ${process.version}`, results: rows }));
} else {
  console.log(`WebAssembly (SIMD128) under Node ${process.version}; ${flops} FLOP per field evaluation`);
  console.log(`\n${''.padEnd(8)} ${'batch'.padStart(7)} ${'per second'.padStart(16)} ${'GFLOP/s'.padStart(9)}`);
  for (const r of rows)
    console.log(`${r.what.padEnd(8)} ${String(r.batch).padStart(7)} ${r.per_second.toFixed(0).padStart(13)} ${r.what === 'sample' ? 'ev' : 'st'} ${r.gflops.toFixed(2).padStart(9)}`);
}
