// The sampler-only module, rill-sample.wasm (Rill.loadSampler): the exports of rill.wasm less the
// trainer's, the same two imports, the bits of the full module for sampling (every solver, with
// trajectories), integration both ways, fields and log-densities of the shipped models and of a
// formula model, and a clear refusal for a trainer. Prints both modules' sizes (gzip -9).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadRill, webDir, firstDiff } from './helpers.mjs';

const { mod, rill } = await loadRill();
const sampler = await mod.Rill.loadSampler();
const open = [];
after(() => { for (const m of open) m.free(); });

const functions = (r) => WebAssembly.Module.exports(r.wasm.module).filter((e) => e.kind === 'function').map((e) => e.name).sort();
const sameBits = (a, b, what) => assert.equal(firstDiff(a, b), -1, `${what}: first differing byte`);
const both = (source) => {
  const pair = [rill.loadModel(source), sampler.loadModel(source)];
  open.push(...pair);
  return pair;
};
const modelFiles = readdirSync(join(webDir, 'models')).filter((f) => f.endsWith('.safetensors')).sort();

test('rill-sample.wasm exports rill.wasm\'s functions less the trainer\'s, and imports the same two', () => {
  const full = functions(rill), small = functions(sampler);
  assert.ok(full.includes('rill_trainer_new') && full.includes('rill_train_config_default'));
  assert.deepEqual(small, full.filter((n) => !n.startsWith('rill_train')));
  const imports = (r) => WebAssembly.Module.imports(r.wasm.module).map((i) => `${i.module}.${i.name}`).sort();
  assert.deepEqual(imports(sampler), imports(rill));
  const size = (f) => readFileSync(join(webDir, f)).length, gz = (f) => gzipSync(readFileSync(join(webDir, f)), { level: 9 }).length;
  console.log(`# rill.wasm ${size('rill.wasm')} bytes (${gz('rill.wasm')} gzip -9), ` +
    `rill-sample.wasm ${size('rill-sample.wasm')} bytes (${gz('rill-sample.wasm')} gzip -9)`);
  assert.ok(gz('rill-sample.wasm') < gz('rill.wasm'), 'the sampler is smaller');
});

test('the sampler refuses a trainer with a RillError naming rill.wasm; the full module has one', () => {
  assert.equal(sampler.hasTrainer, false);
  assert.equal(rill.hasTrainer, true);
  assert.throws(() => sampler.trainer({ dataset: 'moons', steps: 10 }),
    (e) => e instanceof mod.RillError && e.status === 'unsupported' && /sampler-only/.test(e.message) && /rill\.wasm/.test(e.message));
});

test('sampling, integration, fields and log-densities: the bits of the full module', () => {
  assert.ok(modelFiles.length > 0, 'no shipped models in build/web/models');
  const sources = modelFiles.map((f) => [f, new Uint8Array(readFileSync(join(webDir, 'models', f)))]);
  sources.push(['exact:8gaussians', 'exact:8gaussians'], ['linear:0,1,-1,0', 'linear:0,1,-1,0']);
  for (const [name, source] of sources) {
    const [a, b] = both(source);
    assert.deepEqual(b.info, a.info, `${name} info`);
    for (const solver of mod.SOLVERS) {
      const o = { n: 97, steps: 7, solver, seed: 11, trajectory: solver === 'rk4' };
      const x = a.sample(o), y = b.sample(o);
      sameBits(y.x, x.x, `${name} ${solver} samples`);
      if (o.trajectory) sameBits(y.trajectory, x.trajectory, `${name} ${solver} trajectory`);
    }
    const pts = a.sample({ n: 64, steps: 4, seed: 3 }).x;
    sameBits(b.integrate(pts, { steps: 6, solver: 'midpoint', t0: 1, t1: 0 }).x,
      a.integrate(pts, { steps: 6, solver: 'midpoint', t0: 1, t1: 0 }).x, `${name} integrate backwards`);
    sameBits(b.field(pts, 0.25), a.field(pts, 0.25), `${name} field`);
    if (a.source === 'gaussian')  // log-likelihood needs a source with a density (formats.md)
      sameBits(b.logProb(pts, { steps: 8, solver: 'rk4', t: 1 }), a.logProb(pts, { steps: 8, solver: 'rk4', t: 1 }),
        `${name} logProb`);
  }
});

test('the sampler reports damaged files as the full module does', () => {
  const bytes = new Uint8Array(readFileSync(join(webDir, 'models', modelFiles[0]))).slice(0, 100);
  const error = (r) => { try { r.loadModel(bytes); } catch (e) { return [e.status, e.message]; } return null; };
  assert.ok(error(rill) !== null);
  assert.deepEqual(error(sampler), error(rill));
});
