// The page's sampling over two workers (web/sampler.mjs, web/sample_worker.mjs) in headless Chromium.
//
//   node tests/browser/sampling_test.mjs <web dir> [--bench [reps]]
//
// Checks that a request split by rows over two workers (each its own rill.wasm instance) gives the
// bits of one worker and of model.sample in Node — samples and trajectories, four solvers, odd n
// (halves of unequal size), the largest seed, and a request too small to split; that navigator.hardwareConcurrency decides
// how many workers (2 with two cores or more, else 1); and a quick 1-against-2 timing.
// --bench: the issue-17 figure — 20,000 samples of moons (Heun, 20 steps, seed 1), one worker
// against two, `reps` runs each (default 3) alternated, wall time on the page from the request to
// the combined answer; prints the medians, the ratio, the samples/s read-outs and the machine's load.
// Ends with `N passed, M failed`.
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, finish, runInBrowser } from './harness.mjs';

const args = process.argv.slice(2);
const dir = resolve(args[0] ?? 'build/web');
const benchAt = args.indexOf('--bench');
const benchReps = benchAt >= 0 ? Number(args[benchAt + 1] ?? 3) || 3 : 0;

const { Rill } = await import(pathToFileURL(join(dir, 'rill.mjs')).href);
const { sampleRows } = await import(pathToFileURL(join(dir, 'sample_rows.mjs')).href);
const rill = await Rill.load();
const moons = rill.loadModel(readFileSync(join(dir, 'models', 'moons.safetensors')));
const bitsOf = (a) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
const differ = (a, b) => (a.length !== b.length ? Infinity : a.filter((v, i) => v !== b[i]).length);

/** CPU seconds (user + system) used so far by this process's descendants (Chromium and its workers), Linux only. */
function childrenCpu() {
  const stats = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
      stats.set(Number(pid), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch { /* gone */ }
  }
  let sum = 0;
  const mine = (pid) => { for (let p = pid, i = 0; p > 1 && i < 64; p = stats.get(p)?.ppid ?? 0, i++) if (p === process.pid) return true; return false; };
  for (const [pid, s] of stats) if (pid !== process.pid && mine(pid)) sum += s.ticks;
  return sum / 100;   // USER_HZ
}

// sample_rows.mjs in Node on a 3-dimensional model (a formula, u = A·x with a 3×3 A): a split at an
// odd row starts inside a Box–Muller pair of the noise stream, and still gives model.sample's bits.
{
  const m3 = rill.loadModel('linear:0.1,-1,0,1,0.2,0,0.3,0,-0.5');
  const opts = { n: 1001, steps: 6, solver: 'rk4', seed: 12, trajectory: true };
  const want = m3.sample(opts), parts = [[0, 333], [333, 1001]].map(([begin, end]) => sampleRows(m3, rill, { ...opts, begin, end }));
  const x = bitsOf([...parts[0].x, ...parts[1].x]), wx = bitsOf(want.x);
  const traj = [];
  for (let s = 0; s <= opts.steps; s++) for (const [i, [b, e]] of [[0, 333], [333, 1001]].entries()) traj.push(...parts[i].trajectory.subarray(s * (e - b) * 3, (s + 1) * (e - b) * 3));
  const bad = differ(x, wx) + differ(bitsOf(traj), bitsOf(want.trajectory));
  check('row ranges keep model.sample\'s bits for d = 3, split at an odd row (inside a Box–Muller pair)', bad === 0, `${bad} differ`);
  m3.free();
}

await runInBrowser(dir, 'the sampling test', {}, async ({ page, port, errors }) => {
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30000 });
  // A page-side helper: samplers of 1 and 2 workers on the page's own rill.wasm and moons.
  await page.evaluate(async () => {
    const { Sampler, defaultWorkers } = await import('/sampler.mjs');
    const module = await WebAssembly.compile(await (await fetch('rill.wasm')).arrayBuffer());
    const bytes = new Uint8Array(await (await fetch('models/moons.safetensors')).arrayBuffer());
    const make = (workers) => {
      const rates = [];
      const s = new Sampler(module, { workers, onRate: (m) => rates.push(m), onError: (t) => { throw new Error(t); } });
      s.load(bytes);
      s.rates = rates;
      return s;
    };
    window.samplers = { 1: make(1), 2: make(2), auto: new Sampler(module, { onRate() {}, onError() {} }), defaultWorkers };
    window.bitsOf = (a) => (a ? Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)) : null);
  });

  const hw = await page.evaluate(() => ({ cores: navigator.hardwareConcurrency, auto: window.samplers.auto.count, def: window.samplers.defaultWorkers() }));
  check('navigator.hardwareConcurrency decides the number of workers (2 with two cores or more, else 1)',
    hw.auto === hw.def && hw.def === (hw.cores >= 2 ? 2 : 1), `${hw.cores} cores → ${hw.auto} worker${hw.auto > 1 ? 's' : ''}`);

  const runs = [
    { n: 3001, steps: 7, solver: 'rk4', seed: 5, trajectory: true },
    { n: 1000, steps: 20, solver: 'heun', seed: 0, trajectory: false },
    { n: 513, steps: 3, solver: 'euler', seed: 4294967295, trajectory: true },
    { n: 2222, steps: 5, solver: 'midpoint', seed: 77, trajectory: false },
    { n: 300, steps: 4, solver: 'heun', seed: 9, trajectory: false },   // below 2 × MIN_ROWS: one worker
  ];
  const results = [];
  for (const opts of runs) {
    const got = await page.evaluate(async (opts) => {
      const one = await window.samplers[1].sample(opts), two = await window.samplers[2].sample(opts);
      return { workers: [one.workers, two.workers], x: [bitsOf(one.x), bitsOf(two.x)], traj: [bitsOf(one.trajectory), bitsOf(two.trajectory)] };
    }, opts);
    const want = moons.sample(opts);
    const wx = bitsOf(want.x), wt = want.trajectory ? bitsOf(want.trajectory) : null;
    const bad = differ(got.x[0], wx) + differ(got.x[1], wx) + (wt ? differ(got.traj[0], wt) + differ(got.traj[1], wt) : (got.traj[0] || got.traj[1] ? 1 : 0));
    const split = opts.n >= 512 ? 2 : 1;
    results.push({ opts, ok: bad === 0 && got.workers[0] === 1 && got.workers[1] === split,
      text: `${opts.solver} n=${opts.n}${opts.trajectory ? '+traj' : ''}: ${got.workers[1]} workers, ${bad} differ` });
  }
  check('two workers give one worker\'s bits and model.sample\'s bits in Node (samples and trajectories, four solvers)',
    results.every((r) => r.ok), results.map((r) => r.text).join('; '));

  // Timing: a quick look always (2,000 samples), the figure with --bench (20,000).
  // Each run also records the CPU time Chromium used over it: CPU seconds / wall seconds is how many
  // cores the page actually had (under load the machine may give two workers no more than one).
  const timeRuns = async (n, reps) => {
    const ms = { 1: [], 2: [] }, rates = { 1: [], 2: [] }, cores = { 1: [], 2: [] };
    for (let r = 0; r < reps; r++) {
      for (const k of [1, 2]) {
        const cpu0 = childrenCpu();
        const one = await page.evaluate(async ({ n, k }) => {
          const opts = { n, steps: 20, solver: 'heun', seed: 1, trajectory: false }, s = window.samplers[k], t0 = performance.now();
          const res = await s.sample(opts);
          const ms = performance.now() - t0;
          if (res.workers !== k) throw new Error(`asked for ${k} workers, got ${res.workers}`);
          // the read-out's timing (the workers repeat a run shorter than 100 ms) before the next run
          await new Promise((ok) => { const wait = () => (s.rates.at(-1)?.id === res.id ? ok() : setTimeout(wait, 20)); wait(); });
          return { ms, rate: s.rates.at(-1).rate, wallAll: performance.now() - t0 };
        }, { n, k });
        ms[k].push(one.ms);
        rates[k].push(one.rate);
        cores[k].push((childrenCpu() - cpu0) / (one.wallAll / 1000));
      }
    }
    return { ms, rates, cores };
  };
  const median = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const report = (label, t) => {
    const m1 = median(t.ms[1]), m2 = median(t.ms[2]);
    return { ratio: m1 / m2, text: `${label}: one worker ${m1.toFixed(0)} ms, two ${m2.toFixed(0)} ms (medians of ${t.ms[1].length}; ` +
      `runs ${t.ms[1].map((v) => v.toFixed(0)).join('/')} and ${t.ms[2].map((v) => v.toFixed(0)).join('/')}) = ${(m1 / m2).toFixed(2)}×; ` +
      `read-outs ${Math.round(median(t.rates[1])).toLocaleString('en')} and ${Math.round(median(t.rates[2])).toLocaleString('en')} samples/s; ` +
      `cores Chromium had: ${median(t.cores[1]).toFixed(2)} and ${median(t.cores[2]).toFixed(2)} (runs ${t.cores[1].map((v) => v.toFixed(2)).join('/')} and ${t.cores[2].map((v) => v.toFixed(2)).join('/')})` };
  };
  const load = () => `load average ${loadavg().map((v) => v.toFixed(1)).join(' ')} on ${cpus().length} × ${cpus()[0]?.model ?? '?'}`;
  const quick = report('2,000 samples', await timeRuns(2000, 1));
  check('a split request times on both workers (quick look, not a speed claim)', quick.ratio > 0, `${quick.text}; ${load()}`);
  if (benchReps) {
    const b = report('20,000 samples of moons, Heun 20', await timeRuns(20000, benchReps));
    console.log(`bench: ${b.text}; ${load()}`);
    // The split's work, in CPU time (so load does not count): one call against its two halves, one
    // after the other in this Node process. one / max(halves) is what two free cores would give.
    const opts = { n: 20000, steps: 20, solver: 'heun', seed: 1, trajectory: false }, cpu = (f) => {
      const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000;
    };
    const one = [], lo = [], hi = [];
    for (let r = 0; r < benchReps; r++) {
      one.push(cpu(() => moons.sample(opts)));
      lo.push(cpu(() => sampleRows(moons, rill, { ...opts, begin: 0, end: 10000 })));
      hi.push(cpu(() => sampleRows(moons, rill, { ...opts, begin: 10000, end: 20000 })));
    }
    const [o, a, z] = [one, lo, hi].map(median);
    console.log(`bench: the same split in Node, CPU time: one call ${o.toFixed(0)} ms, rows 0–10,000 ${a.toFixed(0)} ms, ` +
      `rows 10,000–20,000 (with the noise of 20,000) ${z.toFixed(0)} ms: two free cores would give ${(o / Math.max(a, z)).toFixed(2)}×`);
    check('the 20,000-sample bench ran (figure above; goal ≥ 1.8× with two free cores)', b.ratio > 0, `${b.ratio.toFixed(2)}×`);
  }
  await page.evaluate(() => { for (const k of [1, 2, 'auto']) window.samplers[k].close(); });
  check('no console errors', errors.length === 0, errors.join(' | '));
});
moons.free();
finish(benchReps ? 'with the bench' : 'without --bench');
