// use_package.mjs — what a user does after `npm install rill-flow` (make npm-test runs it inside a
// fresh project, so 'rill-flow' resolves through node_modules and the package's exports map).
//
//   node use_package.mjs MODEL_FILE
//
// Prints `ok NAME` or `FAIL NAME: why` per check; the runner counts them.

import { readFileSync } from 'node:fs';
import { Rill, RillError, SOLVERS, DATASETS } from 'rill-flow';

async function check(name, fn) {
  try {
    const why = await fn();
    console.log(why ? `FAIL ${name}: ${why}` : `ok ${name}`);
  } catch (e) {
    console.log(`FAIL ${name}: threw ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`);
  }
}
const finite = (a) => a.every(Number.isFinite);

const rill = await Rill.load();
const bytes = readFileSync(process.argv[2]);
let model;
await check('Rill.load() finds rill.wasm inside the installed package', () =>
  (/^\d+\.\d+\.\d+$/.test(rill.version) ? '' : `version ${rill.version}`));
await check('loadModel: a shipped model from its bytes', () => {
  model = rill.loadModel(new Uint8Array(bytes));
  return model.info.dim === 2 && model.info.metadata['rill.format'] ? '' : JSON.stringify(model.info);
});
await check('sample: n×d finite floats, a trajectory of (steps+1)×n×d, the same bits twice', () => {
  const a = model.sample({ n: 500, steps: 10, solver: 'heun', seed: 3, trajectory: true });
  const b = model.sample({ n: 500, steps: 10, solver: 'heun', seed: 3 });
  if (!(a.x instanceof Float32Array) || a.x.length !== 1000 || !finite(a.x)) return 'x';
  if (a.trajectory.length !== 11 * 1000 || b.trajectory !== null) return 'trajectory';
  return Buffer.compare(Buffer.from(a.x.buffer), Buffer.from(b.x.buffer)) === 0 ? '' : 'not reproducible';
});
await check('every solver samples', () =>
  SOLVERS.every((solver) => finite(model.sample({ n: 20, steps: 4, solver }).x)) ? '' : 'a solver gave non-finite points');
await check('integrate backwards and field', () => {
  const pts = rill.drawDataset(DATASETS[2], 50, 1);
  const noise = model.integrate(pts, { steps: 10, t0: 1, t1: 0 }).x;
  const u = model.field(pts, 0.5);
  return noise.length === 100 && finite(noise) && u.length === 100 && finite(u) ? '' : 'bad shapes or values';
});
await check('Rill.loadSampler() finds rill-sample.wasm inside the package: the same bits, no trainer', async () => {
  const sampler = await Rill.loadSampler();
  const m = sampler.loadModel(new Uint8Array(bytes));
  const a = m.sample({ n: 300, steps: 8, solver: 'rk4', seed: 5 }).x, b = model.sample({ n: 300, steps: 8, solver: 'rk4', seed: 5 }).x;
  m.free();
  if (sampler.hasTrainer || !rill.hasTrainer) return `hasTrainer ${sampler.hasTrainer} / ${rill.hasTrainer}`;
  return Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer)) === 0 ? '' : 'samples differ from rill.wasm';
});
model.free();
let saved;
await check('train a few steps; losses finite and falling overall', () => {
  const trainer = rill.trainer({ dataset: 'moons', width: 32, depth: 2, batch: 128, lr: 3e-3, seed: 1 });
  const losses = trainer.step(200);
  const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
  const first = mean(losses.slice(0, 20)), last = mean(losses.slice(-20));
  const preview = trainer.model().sample({ n: 10 });
  saved = trainer.save();
  const done = trainer.stepsDone;
  trainer.free();
  if (!finite(losses) || done !== 200 || preview.x.length !== 20) return `losses/steps ${done}`;
  return last < first ? '' : `loss did not fall: ${first} -> ${last}`;
});
await check('the saved file opens again, with its training facts', () => {
  const again = rill.loadModel(saved);
  const ok = again.info.width === 32 && again.info.metadata.dataset === 'moons' && again.info.metadata.steps === '200';
  const info = JSON.stringify(again.info);
  again.free();
  return ok ? '' : info;
});
await check('a damaged file throws RillError with a status', () => {
  try { rill.loadModel(bytes.subarray(0, 40)); } catch (e) {
    return e instanceof RillError && typeof e.status === 'string' && e.status !== 'ok' && e.message ? '' : String(e);
  }
  return 'no error';
});
await check('the exports map hides the package internals', async () => {
  try { await import('rill-flow/rill_loader.mjs'); } catch (e) {
    return e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' ? '' : `${e.code}: ${e.message}`;
  }
  return 'rill-flow/rill_loader.mjs was importable';
});
