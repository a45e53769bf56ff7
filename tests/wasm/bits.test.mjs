// rill.mjs gives the same bits as the native library: training (losses and the
// saved file), sampling for every solver (samples and trajectories), the field,
// the log-density, formula models opened by name, and the same refusal message
// for each damaged file. The native side is
// tests/wasm/native_vectors.cpp, run here into a temporary directory. Last,
// every row of a batch has the bits it has alone (rill.wasm's row panels).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadRill, f32, firstDiff, modelFile } from './helpers.mjs';

const helper = process.env.RILL_NATIVE_VECTORS;
const dir = mkdtempSync(join(tmpdir(), 'rill-vectors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Shipped models (web/models) join the cases when they exist.
const modelDir = resolve(process.env.RILL_MODELS ?? 'web/models');
const shipped = existsSync(modelDir)
  ? readdirSync(modelDir).filter((f) => f.endsWith('.safetensors')).sort().map((f) => join(modelDir, f))
  : [];

let manifest = [];
let setupError = null;
if (!helper) {
  setupError = 'RILL_NATIVE_VECTORS is not set (run through `make wasm-test`)';
} else {
  const run = spawnSync(helper, [dir, ...shipped], { encoding: 'utf8' });
  if (run.status !== 0) setupError = `${helper} failed (${run.status}): ${run.stderr}${run.error ?? ''}`;
  else manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
}
const { rill } = await loadRill();
const file = (name) => readFileSync(join(dir, name));
const cases = (kind) => manifest.filter((c) => c.kind === kind);
// A case's model: a formula by its name, or a file of the native helper.
const open = (c) => rill.loadModel(c.formula ? c.model : file(c.model));

function sameBits(actual, expected, what) {
  const at = firstDiff(actual, expected);
  assert.equal(at, -1, `${what}: differs from native at byte ${at} (${actual.byteLength} vs ${expected.byteLength} bytes)`);
}

test('the native helper ran and wrote every kind of case', () => {
  assert.equal(setupError, null);
  for (const kind of ['train', 'sample', 'field', 'logp', 'damaged']) assert.ok(cases(kind).length > 0, `no ${kind} cases`);
  for (const kind of ['sample', 'field', 'logp'])
    assert.ok(cases(kind).some((c) => c.formula), `no ${kind} case of a formula model`);
  if (shipped.length) assert.ok(manifest.some((c) => c.model?.startsWith('shipped_')), 'shipped models were not used');
});

test('training: the same losses and the same file bytes as native', () => {
  assert.ok(cases('train').length > 0);
  for (const c of cases('train')) {
    const opts = { ...c.options };
    if (c.points) opts.points = f32(file(c.points));
    const trainer = rill.trainer(opts);
    try {
      const losses = trainer.step(c.k);
      sameBits(losses, f32(file(c.losses)), `${c.name} losses`);
      assert.equal(trainer.stepsDone, c.k);
      sameBits(trainer.save(), file(c.file), `${c.name} saved file`);
    } finally {
      trainer.free();
    }
  }
});

test('sampling: the same samples and trajectories as native, for every solver', () => {
  assert.ok(cases('sample').length > 0);
  const models = new Map();
  try {
    for (const c of cases('sample')) {
      if (!models.has(c.model)) models.set(c.model, open(c));
      const out = models.get(c.model).sample({ n: c.n, steps: c.steps, solver: c.solver, seed: c.seed,
        trajectory: !!c.trajectory });
      const what = `${c.model} ${c.solver} steps=${c.steps} seed=${c.seed}`;
      sameBits(out.x, f32(file(c.x)), what);
      if (c.trajectory) sameBits(out.trajectory, f32(file(c.trajectory)), `${what} trajectory`);
      else assert.equal(out.trajectory, null);
    }
  } finally {
    for (const m of models.values()) m.free();
  }
});

test('field: u_t on a grid equals native', () => {
  assert.ok(cases('field').length > 0);
  for (const c of cases('field')) {
    const model = open(c);
    try {
      sameBits(model.field(f32(file(c.points)), c.t), f32(file(c.u)), `${c.model} field at t=${c.t}`);
    } finally {
      model.free();
    }
  }
});

test('logProb: log p_t on a grid equals native, for file and formula models', () => {
  assert.ok(cases('logp').length > 0);
  for (const c of cases('logp')) {
    const model = open(c);
    try {
      const logp = model.logProb(f32(file(c.points)), { steps: c.steps, solver: c.solver, t: c.t });
      sameBits(logp, f32(file(c.logp)), `${c.model} logProb ${c.solver} steps=${c.steps} t=${c.t}`);
    } finally {
      model.free();
    }
  }
});

test('damaged files: a RillError with the core\'s status and message', () => {
  assert.ok(cases('damaged').length > 0);
  for (const c of cases('damaged')) {
    assert.throws(() => rill.loadModel(file(c.file)), (e) => {
      assert.ok(e instanceof Error, `${c.what}: not an Error`);
      assert.equal(e.name, 'RillError');
      assert.equal(e.status, c.status, `${c.what}: status`);
      assert.equal(e.message, c.message, `${c.what}: message`);
      assert.ok(e.message.length > 0);
      return true;
    });
  }
});

// rill.wasm's forward pass runs a batch's rows in whole blocks of 8 as row panels (kernels_panel.cpp)
// and the rest (up to 7 per tile of 64) as rows: every row must give the bits it gives alone, at every
// count around those edges, for odd widths (strips of 4 columns with a tail), several depths, wide
// outputs and a guided class model (two evaluations per point); and a bad value in one row reaches no other.
test('field: each row has its own bits whatever the batch (row panels of 8, the rest as rows)', () => {
  const models = [
    ['2-D, width 13, depth 2', modelFile({ width: 13 })],
    ['3-D, width 37, depth 3', modelFile({ dim: 3, width: 37, depth: 3, seed: 2 })],
    ['5-D, width 4, depth 1', modelFile({ dim: 5, width: 4, depth: 1, seed: 3 })],
    ['class:3, width 20', modelFile({ width: 20, condition: 'class:3', seed: 4 })],
    ...shipped.filter((f) => /digits|moons\./.test(f)).map((f) => [f, readFileSync(f)]),
  ];
  const counts = [...Array(17).keys()].map((i) => i + 1).concat([31, 32, 33, 63, 64, 65, 71, 72, 73, 130]);
  for (const [name, bytes] of models) {
    const m = rill.loadModel(bytes);
    try {
      const d = m.info.dim, opts = m.info.condition.kind === 'class' ? { t: 0.4, condition: 1, guidance: 2 } : 0.4;
      const pts = new Float32Array(130 * d);
      let s = 7;
      for (let i = 0; i < pts.length; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; pts[i] = (s / 2 ** 32) * 6 - 3; }
      const alone = [];
      for (let r = 0; r < 130; r++) alone.push(m.field(pts.subarray(r * d, (r + 1) * d), opts));
      for (const n of counts) {
        const u = m.field(pts.subarray(0, n * d), opts);
        for (let r = 0; r < n; r++)
          assert.equal(firstDiff(u.subarray(r * d, (r + 1) * d), alone[r]), -1, `${name}: row ${r} of ${n} differs from the row alone`);
      }
      // A NaN and an infinity in two rows of a panel reach no other row.
      const bad = pts.slice(0, 16 * d);
      bad[3 * d] = NaN;
      bad[9 * d + d - 1] = Infinity;
      const u = m.field(bad, opts);
      for (let r = 0; r < 16; r++) {
        const row = u.subarray(r * d, (r + 1) * d);
        if (r === 3 || r === 9) assert.ok(row.some((v) => !Number.isFinite(v)), `${name}: row ${r} (a NaN or an infinity in) came out finite`);
        else assert.equal(firstDiff(row, alone[r]), -1, `${name}: row ${r} changed beside the bad rows`);
      }
    } finally {
      m.free();
    }
  }
});
