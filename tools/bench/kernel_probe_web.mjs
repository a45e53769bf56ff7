// Times kernel_probe_web.wasm's pieces (tools/bench/kernel_probe_web.cpp) on Node's process CPU clock:
// the best of 7 rounds, each ≥ 20 ms. Prints µs per call and GFLOP/s (the products' multiply-adds ×2).
//   node tools/bench/kernel_probe_web.mjs [PROBE.wasm ...]   (default build/bench-web/kernel_probe_web.wasm)
// With several modules (say, before and after a change to the kernels), the rounds alternate between
// them, so that the machine's load falls on each alike.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadavg } from 'node:os';

const files = process.argv.slice(2);
if (files.length === 0) files.push('build/bench-web/kernel_probe_web.wasm');
const mods = [];
for (const f of files) {
  const stub = new Proxy({}, { get: () => () => 0 });
  const { instance } = await WebAssembly.instantiate(readFileSync(f), { wasi_snapshot_preview1: stub, env: stub });
  instance.exports._initialize?.();
  instance.exports.probe_setup();
  mods.push(instance.exports);
}
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
// Seconds per call of each module's fn(e, reps), the rounds alternating between the modules.
function best(fn) {
  let reps = 1;
  for (;;) { const t0 = cpu(); fn(mods[0], reps); if (cpu() - t0 > 0.02) break; reps *= 2; }
  const b = mods.map(() => Infinity);
  for (let r = 0; r < 7; r++)
    mods.forEach((e, i) => { const t0 = cpu(); fn(e, reps); b[i] = Math.min(b[i], (cpu() - t0) / reps); });
  return b;
}
const sizes = [3, 128, 128, 128, 2];
const us = s => s.map(v => (v * 1e6).toFixed(2)).join(' | ');
console.log(`modules: ${files.map(f => basename(f)).join(' | ')}; load ${loadavg().map(v => v.toFixed(2)).join(' ')}`);
{
  const s = best((e, r) => e.probe_block(r));
  console.log(`one 4 × 8 block, k = 128, B's 8 columns contiguous: ${s.map(v => (2 * 4 * 8 * 128 / v / 1e9).toFixed(1)).join(' | ')} GFLOP/s`);
}
for (const m of [1, 16, 64]) {
  const flops = m * 2 * sizes.slice(0, -1).reduce((s, f, i) => s + f * sizes[i + 1], 0);
  const fwd = best((e, r) => e.probe_panel_forward(m, r));
  console.log(`rows ${m}: forward ${us(fwd)} µs = ${fwd.map(s => (flops / s / 1e9).toFixed(2)).join(' | ')} GFLOP/s`);
  const rows = best((e, r) => e.probe_forward(m, r));
  console.log(`  in rows, no panels: ${us(rows)} µs = ${rows.map(s => (flops / s / 1e9).toFixed(2)).join(' | ')} GFLOP/s`);
  for (let i = 0; i < 4; i++) {
    const gf = s => s.map(v => (2 * m * sizes[i] * sizes[i + 1] / v / 1e9).toFixed(1)).join(' | ');
    const p = m % 8 === 0 ? best((e, r) => e.probe_panel_layer(i, m, r)) : null;
    const s = best((e, r) => e.probe_layer(i, m, r));
    console.log(`  L${i} ${sizes[i]}→${sizes[i + 1]}: ${p ? `panel ${us(p)} µs = ${gf(p)} GFLOP/s; ` : ''}rows ${us(s)} µs = ${gf(s)} GFLOP/s`);
  }
  const silu = best((e, r) => e.probe_silu(m, r));
  console.log(`  SiLU ${m}×128: ${us(silu)} µs (×3: ${silu.map((v, i) => (300 * v / fwd[i]).toFixed(0)).join(' | ')}% of forward)`);
  const slope = best((e, r) => e.probe_silu_slope(m, r));
  console.log(`  SiLU with slope ${m}×64: ${us(slope)} µs`);
}
