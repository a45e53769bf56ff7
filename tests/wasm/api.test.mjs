// The JavaScript API (rill.mjs) beyond bit-identity: training lowers the loss,
// arguments are checked, errors are RillErrors with reasons, memory is freed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRill, firstDiff } from './helpers.mjs';

const { mod, rill } = await loadRill();
const { RillError } = mod;

// A small model file made here (no shipped model needed).
function smallModel(seed = 1, steps = 5) {
  const t = rill.trainer({ dataset: 'moons', width: 32, depth: 2, batch: 64, seed });
  try { t.step(steps); return t.save(); } finally { t.free(); }
}
const bytes = smallModel();

test('info describes the model and its metadata', () => {
  const m = rill.loadModel(bytes);
  try {
    assert.equal(m.info.dim, 2);
    assert.equal(m.info.width, 32);
    assert.equal(m.info.depth, 2);
    assert.equal(m.info.layers, 3);
    assert.equal(m.info.activation, 'silu');
    assert.equal(m.info.params, 3 * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2);
    assert.equal(m.info.metadata.dataset, 'moons');
    assert.equal(m.info.metadata.steps, '5');
    assert.equal(m.info.metadata['rill.format'], '1');
  } finally {
    m.free();
  }
});

test('a short training run lowers the loss', () => {
  const t = rill.trainer({ dataset: 'moons', width: 64, depth: 2, lr: 3e-3, seed: 11 });
  try {
    const losses = t.step(400);
    const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
    const first = mean(losses.slice(0, 25)), last = mean(losses.slice(-50));
    assert.ok(last < 0.9 * first, `loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
    assert.ok(losses.every(Number.isFinite));
    const { x } = t.model().sample({ n: 500, steps: 10, seed: 2 });
    assert.ok(x.every(Number.isFinite));
  } finally {
    t.free();
  }
});

test('training on the user\'s points, and the trainer\'s model goes stale after a step', () => {
  const pts = new Float32Array(200).map((_, i) => ((i * 37) % 101) / 50 - 1);
  const t = rill.trainer({ points: pts, dim: 2, width: 16, depth: 1, seed: 3 });
  try {
    t.step(10);
    const m = t.model();
    assert.equal(m.info.dim, 2);
    m.sample({ n: 4 });
    t.step(1);
    assert.throws(() => m.sample({ n: 4 }), /stale/);
    assert.equal(t.model().sample({ n: 4 }).x.length, 8);
    assert.ok(t.save().length > 100);
  } finally {
    t.free();
  }
  assert.throws(() => t.step(1), /freed/);
  assert.throws(() => rill.trainer({ points: [1, 2, NaN, 4], dim: 2 }), (e) => e.status === 'non_finite');
  assert.throws(() => rill.trainer({ points: [1, 2, 3], dim: 2 }), /count × dim/);
});

test('the trajectory starts at the noise and ends at the samples; integrate() repeats sample()', () => {
  const m = rill.loadModel(bytes);
  try {
    const n = 50, steps = 6;
    const { x, trajectory } = m.sample({ n, steps, solver: 'rk4', seed: 9, trajectory: true });
    assert.equal(trajectory.length, (steps + 1) * n * 2);
    assert.equal(firstDiff(trajectory.subarray(steps * n * 2), x), -1);
    const x0 = trajectory.slice(0, n * 2);
    const again = m.integrate(x0, { steps, solver: 'rk4' });
    assert.equal(firstDiff(again.x, x), -1);
    const back = m.integrate(x, { steps: 30, solver: 'rk4', t0: 1, t1: 0 });
    assert.ok(back.x.every(Number.isFinite));
    assert.equal(m.sample({ n: 0 }).x.length, 0);
  } finally {
    m.free();
  }
});

test('bad arguments are refused with a reason, and the model keeps working', () => {
  const m = rill.loadModel(bytes);
  try {
    const bad = [
      [{ n: -5 }, /n must be an integer/],
      [{ n: 2.5 }, /n must be an integer/],
      [{ steps: 0 }, /steps must be/],
      [{ steps: NaN }, /steps must be/],
      [{ seed: -1 }, /seed must be an integer in 0..4294967295/],
      [{ seed: 2 ** 32 }, /seed/],
      [{ seed: 1.5 }, /seed/],
      [{ solver: 'leapfrog' }, /unknown solver "leapfrog"/],
      [{ n: 2 ** 31 - 1 }, /bytes, more than WebAssembly memory can hold/],
      [{ n: 1000, steps: 1e6, trajectory: true }, /more than WebAssembly memory can hold/],
    ];
    for (const [opts, re] of bad) assert.throws(() => m.sample(opts), (e) => e instanceof RillError && re.test(e.message), JSON.stringify(opts));
    assert.throws(() => m.field([1, 2, 3], 0.5), /n × 2 values/);
    assert.throws(() => m.field([1, 2], NaN), /t must be/);
    // Times outside the model's [0, 1]: refused as by rill_field / the CLI.
    assert.throws(() => m.field([1, 2], 2), (e) => e instanceof RillError && /t must be in 0\.\.1/.test(e.message));
    assert.throws(() => m.integrate([1, 2], { t1: 5 }), /t0 and t1 must be in 0\.\.1/);
    assert.throws(() => m.integrate([1, 2], { t0: -0.5 }), /t0 and t1 must be in 0\.\.1/);
    const lin = rill.loadModel('linear:0,1,-1,0');  // a linear formula does not depend on t: any time
    try {
      assert.equal(lin.field([1, 0], 6).length, 2);
      assert.equal(lin.integrate([1, 0], { t1: 6, steps: 60, solver: 'rk4' }).x.length, 2);
    } finally { lin.free(); }
    assert.throws(() => rill.trainer({ dataset: 'mooons' }), /unknown dataset "mooons"/);
    assert.throws(() => rill.trainer({ width: 0 }), /width/);
    assert.throws(() => rill.trainer({ lr: -1 }), /lr/);
    assert.throws(() => rill.loadModel('not bytes'), /Uint8Array/);
    assert.equal(m.sample({ n: 3, seed: 4294967295 }).x.length, 6);  // the largest seed is fine
  } finally {
    m.free();
  }
  assert.throws(() => m.sample({ n: 1 }), /freed/);
  m.free();  // twice is harmless
});

test('memory grows for a large call and every result stays correct afterwards', () => {
  const m = rill.loadModel(bytes);
  try {
    const ref = m.sample({ n: 100, steps: 3, seed: 5 }).x;
    const before = rill.memoryBytes;
    const big = m.sample({ n: 1_500_000, steps: 1, solver: 'euler', seed: 5 }).x;  // 12 MB out
    assert.equal(big.length, 3_000_000);
    assert.ok(rill.memoryBytes > before, 'the 12 MB output grew the memory');
    assert.equal(firstDiff(m.sample({ n: 100, steps: 3, seed: 5 }).x, ref), -1);
  } finally {
    m.free();
  }
});

test('freeing works: no memory growth over many load/sample/free and trainer cycles', () => {
  const cycle = () => {
    const m = rill.loadModel(bytes);
    m.sample({ n: 300, steps: 2, trajectory: true });
    m.field(new Float32Array(64), 0.5);
    m.free();
    try { rill.loadModel(bytes.slice(0, 100)); } catch { /* refused: nothing to free */ }
    const t = rill.trainer({ dataset: 'circles', width: 16, depth: 1, batch: 32 });
    t.step(2);
    t.model().sample({ n: 10 });
    t.save();
    t.free();
  };
  for (let i = 0; i < 5; i++) cycle();
  const settled = rill.memoryBytes;
  for (let i = 0; i < 300; i++) cycle();
  assert.equal(rill.memoryBytes, settled);
});
