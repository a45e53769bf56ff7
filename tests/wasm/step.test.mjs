// Step-conditioned models (formats.md, `step_embedding`: shortcut models, MeanFlow) through rill.mjs, in
// rill.wasm and rill-sample.wasm: files made here (helpers.mjs's modelFile: raw and sin:K step
// embeddings, with and without a condition) sample, integrate forwards and give fields with the bits
// of the native command line given the same file (`rill sample`, `rill integrate`, `rill field --h`);
// a one-layer (linear) model against the closed form, so that h is read where formats.md puts it
// ([x | time | step | condition]) and sampling gives h = (t1 - t0) / steps; the model's stepK and
// stepEmbedding; and the refusals (backwards, logProb, h on another model) with the C API's messages.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { webDir, firstDiff, modelFile, readNpy, writeNpy } from './helpers.mjs';

const cli = process.env.RILL_CLI;
const dir = mkdtempSync(join(tmpdir(), 'rill-step-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { Rill, RillError } = await import(pathToFileURL(resolve(webDir, 'rill.mjs')).href);
const modules = [['rill.wasm', await Rill.load()], ['rill-sample.wasm', await Rill.loadSampler()]];

// Runs the native command line; returns the .npy it wrote as floats.
function native(args) {
  assert.ok(cli, 'RILL_CLI is not set (run through `make wasm-test`)');
  const out = join(dir, 'out.npy'), run = spawnSync(cli, [...args, '--out', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, `rill ${args.join(' ')}: ${run.stderr}`);
  return readNpy(readFileSync(out));
}
function sameBits(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.equal(firstDiff(actual, expected), -1, `${what}: differs from native`);
}
function refused(fn, message) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof RillError, `not a RillError: ${e}`);
    assert.equal(e.message, message);
    return true;
  });
}
function withModel(rill, bytes, fn) {
  const m = rill.loadModel(bytes);
  try { return fn(m); } finally { m.free(); }
}

const kinds = {
  raw: { step: 'raw' },
  'sin:3': { step: 'sin:3', time: 'raw', seed: 2 },
  'raw-class:3': { step: 'raw', condition: 'class:3', seed: 3, width: 16 },
  'sin:2-vector:2': { step: 'sin:2', condition: 'vector:2', time: 'sin:1', seed: 4, activation: 'tanh' },
};
const files = Object.fromEntries(Object.entries(kinds).map(([name, opts]) => {
  const bytes = modelFile(opts), path = join(dir, `${name}.safetensors`);
  writeFileSync(path, bytes);
  return [name, { bytes, path }];
}));
let seed = 99;
const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed / 2 ** 32 - 0.5) * 4; };
const points = Float32Array.from({ length: 2 * 37 }, rand);
writeNpy(join(dir, 'x.npy'), points, 2);

test('a step model says so: info.stepK, stepEmbedding, the metadata; other models say none', () => {
  for (const [, rill] of modules) {
    for (const [name, want, k] of [['raw', 'raw', 0], ['sin:3', 'sin:3', 3], ['sin:2-vector:2', 'sin:2', 2]]) {
      withModel(rill, files[name].bytes, (m) => {
        assert.equal(m.info.stepK, k);
        assert.equal(m.stepEmbedding, want);
        assert.equal(m.info.metadata.step_embedding, want);
      });
    }
    withModel(rill, modelFile({ step: null }), (m) => { assert.equal(m.info.stepK, -1); assert.equal(m.stepEmbedding, 'none'); });
    withModel(rill, modelFile({ step: 'none' }), (m) => assert.equal(m.stepEmbedding, 'none'));
    withModel(rill, 'exact:8gaussians', (m) => assert.equal(m.info.stepK, -1));
  }
});

test('sample: the bits of rill sample for every step embedding, solver and step count (h = 1 / steps)', () => {
  for (const [name, { bytes, path }] of Object.entries(files)) {
    const cond = name.includes('class') ? [['--class', '2', '--guidance', '1.5'], { condition: 2, guidance: 1.5 }]
      : name.includes('vector') ? [['--cond', join(dir, 'c.npy'), '--guidance', '2'], { condition: [0.5, -1], guidance: 2 }]
        : [[], {}];
    if (name.includes('vector')) writeNpy(join(dir, 'c.npy'), [0.5, -1], 2);
    for (const [solver, steps] of [['euler', 1], ['euler', 3], ['heun', 4], ['midpoint', 2], ['rk4', 3]]) {
      const want = native(['sample', '--model', path, '--n', '150', '--steps', String(steps), '--solver', solver,
        '--seed', '7', ...cond[0]]);
      for (const [which, rill] of modules) {
        withModel(rill, bytes, (m) => sameBits(m.sample({ n: 150, steps, solver, seed: 7, ...cond[1] }).x, want,
          `${name} ${solver} ${steps} (${which})`));
      }
    }
  }
});

test('integrate forwards and field with h: the bits of rill integrate and rill field --h', () => {
  for (const name of ['raw', 'sin:3']) {
    const { bytes, path } = files[name], x = join(dir, 'x.npy');
    const moved = native(['integrate', '--model', path, '--x', x, '--t0', '0.2', '--t1', '0.9', '--steps', '5', '--solver', 'rk4']);
    const fields = [0, 0.25, 1].map((h) => [h, native(['field', '--model', path, '--x', x, '--t', '0.3', '--h', String(h)])]);
    const plain = native(['field', '--model', path, '--x', x, '--t', '0.3']);
    for (const [which, rill] of modules) {
      withModel(rill, bytes, (m) => {
        sameBits(m.integrate(points, { t0: 0.2, t1: 0.9, steps: 5, solver: 'rk4' }).x, moved, `${name} integrate (${which})`);
        for (const [h, want] of fields) sameBits(m.field(points, { t: 0.3, h }), want, `${name} field h ${h} (${which})`);
        sameBits(m.field(points, 0.3), plain, `${name} field without h (${which})`);
        sameBits(m.field(points, { t: 0.3 }), fields[0][1], `${name}: h defaults to 0 (${which})`);
      });
    }
  }
});

// One linear layer (depth 0): u = W·[x, t, h] + b exactly, so h's column is the one after the time's,
// and one Euler step from t0 to t1 reads h = t1 - t0 (steps 1), or (t1 - t0) / steps each step.
test('a linear step model against the closed form: h after the time feature, h = (t1 - t0) / steps', () => {
  const bytes = modelFile({ depth: 0, time: 'raw', step: 'raw', seed: 11 });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const wb = new Float32Array(bytes.slice(8 + n).buffer);  // W (2×4, [x0, x1, t, h]) then b (2)
  const u = (x, y, t, h) => [0, 1].map((r) => wb[4 * r] * x + wb[4 * r + 1] * y + wb[4 * r + 2] * t + wb[4 * r + 3] * h + wb[8 + r]);
  const close = (got, want, what) => want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 1e-5, `${what}[${i}]: ${got[i]} vs ${w}`));
  for (const [, rill] of modules) {
    withModel(rill, bytes, (m) => {
      close(m.field([0.5, -1], { t: 0.25, h: 0.75 }), u(0.5, -1, 0.25, 0.75), 'field');
      close(m.integrate([0.5, -1], { t0: 0.2, t1: 0.7, steps: 1, solver: 'euler' }).x,
        u(0.5, -1, 0.2, 0.5).map((v, i) => [0.5, -1][i] + 0.5 * v), 'one Euler step');
      let p = [1, 2];
      for (let k = 0; k < 4; k++) p = u(p[0], p[1], 0.25 * k, 0.25).map((v, i) => p[i] + 0.25 * v);
      close(m.integrate([1, 2], { t0: 0, t1: 1, steps: 4, solver: 'euler' }).x, p, 'four Euler steps');
    });
  }
});

test('refused with the C API\'s messages: backwards, logProb; h out of range or on a model without step_embedding', () => {
  for (const [, rill] of modules) {
    withModel(rill, files.raw.bytes, (m) => {
      refused(() => m.integrate(points, { t0: 1, t1: 0 }),
        'the model is step-conditioned (step_embedding): it integrates forwards only (t1 >= t0)');
      refused(() => m.logProb(points),
        'the model is step-conditioned (step_embedding): its output is an average velocity over a step, so it has no log-density');
      refused(() => m.field(points, { t: 0.5, h: 1.5 }), 'h must be a number in [0, 1] (got 1.5)');
      refused(() => m.field(points, { t: 0.5, h: NaN }), 'h must be a number in [0, 1] (got NaN)');
      assert.equal(m.integrate(points, { t0: 0.5, t1: 0.5, steps: 2 }).x.length, points.length);  // h = 0: allowed
    });
    withModel(rill, modelFile({ step: null }), (m) => {
      refused(() => m.field(points, { t: 0.5, h: 0.25 }), 'h: the model is not step-conditioned (it has no step_embedding)');
      assert.equal(m.logProb(points, { steps: 2 }).length, points.length / 2);
    });
  }
});
