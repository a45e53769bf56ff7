// Conditions through rill.mjs (issue 12): a class model and a vector model trained in the module,
// sampled, integrated and evaluated under a condition and guidance with the bits of the native
// command line given the same file (`rill sample --class K --guidance W`, `--cond FILE`, `rill field`);
// a model with a source; labelled dataset draws (`rill data --class K --labels-out F`); the
// model's condition, source and class names; and each bad input as a RillError with its message.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRill, firstDiff, readNpy, writeNpy } from './helpers.mjs';

const cli = process.env.RILL_CLI;
const dir = mkdtempSync(join(tmpdir(), 'rill-condition-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { mod, rill } = await loadRill();
const { RillError } = mod;

// Runs the native command line; returns the .npy it wrote as floats.
function native(args, out = join(dir, 'out.npy')) {
  assert.ok(cli, 'RILL_CLI is not set (run through `make wasm-test`)');
  const run = spawnSync(cli, [...args, '--out', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, `rill ${args.join(' ')}: ${run.stderr}`);
  return readNpy(readFileSync(out));
}
function sameBits(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.equal(firstDiff(actual, expected), -1, `${what}: differs from native`);
}
function rillError(fn, words) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof RillError, `not a RillError: ${e}`);
    assert.ok(e.message.includes(words), `"${e.message}" does not say "${words}"`);
    return true;
  });
}

const small = { width: 24, depth: 2, batch: 64, lr: 3e-3, timeK: 2, seed: 5 };
function trained(opts, steps = 150) {
  const trainer = rill.trainer({ ...small, ...opts });
  try {
    trainer.step(steps);
    const file = trainer.save();
    const live = trainer.model();
    return { file, live: live.sample({ n: 64, steps: 4, seed: 3, ...(opts.condition === 'class' ? { condition: 1, guidance: 1.5 } : {}) }).x };
  } finally {
    trainer.free();
  }
}

const classModel = trained({ dataset: '8gaussians', condition: 'class' });
const classPath = join(dir, 'class.safetensors');
writeFileSync(classPath, classModel.file);

test('a class model: sample under every guidance has the CLI\'s bits (rill sample --class K --guidance W)', () => {
  const m = rill.loadModel(classModel.file);
  try {
    assert.deepEqual(m.condition, { kind: 'class', width: 8 });
    assert.equal(m.source, 'gaussian');
    assert.equal(m.classNames, null);
    sameBits(m.sample({ n: 64, steps: 4, seed: 3, condition: 1, guidance: 1.5 }).x, classModel.live, 'the trainer\'s model');
    for (const [k, w] of [[0, 1], [3, 2.5], [7, 0], [5, -0.5]]) {
      const want = native(['sample', '--model', classPath, '--class', String(k), '--guidance', String(w), '--n', '300',
        '--steps', '6', '--solver', 'rk4', '--seed', '11']);
      const got = m.sample({ n: 300, steps: 6, solver: 'rk4', seed: 11, condition: k, guidance: w });
      sameBits(got.x, want, `class ${k} guidance ${w}`);
    }
    // w = 0 is the unconditional model; w = 1 (the default) one evaluation of the class's field.
    sameBits(m.sample({ n: 50, seed: 2, condition: 4, guidance: 0 }).x, m.sample({ n: 50, seed: 2 }).x, 'w = 0');
    sameBits(m.sample({ n: 50, seed: 2, condition: 4 }).x, m.sample({ n: 50, seed: 2, condition: 4, guidance: 1 }).x, 'w = 1');
    // The field, at t = 0.5, of `rill field --class 2 --guidance 3`.
    const x = m.sample({ n: 40, seed: 9 }).x;
    writeNpy(join(dir, 'x.npy'), x, 2);
    const want = native(['field', '--model', classPath, '--class', '2', '--guidance', '3', '--t', '0.5', '--x', join(dir, 'x.npy')]);
    sameBits(m.field(x, { t: 0.5, condition: 2, guidance: 3 }), want, 'field');
    sameBits(m.field(x, 0.5), m.field(x, { t: 0.5 }), 'field(x, t)');
    // logProb under a condition: w = 0 is the unconditional density, other w another one.
    const plainLogp = m.logProb(x, { steps: 8, solver: 'rk4' });
    sameBits(m.logProb(x, { steps: 8, solver: 'rk4', condition: 2, guidance: 0 }), plainLogp, 'logProb w = 0');
    assert.notEqual(firstDiff(m.logProb(x, { steps: 8, solver: 'rk4', condition: 2, guidance: 2 }), plainLogp), -1);
    // ... with the bits of `rill logp --class 2 --guidance 2`, exact and with Hutchinson's probes.
    const lpArgs = ['logp', '--model', classPath, '--x', join(dir, 'x.npy'), '--class', '2', '--guidance', '2', '--steps', '8', '--solver', 'rk4'];
    sameBits(m.logProb(x, { steps: 8, solver: 'rk4', condition: 2, guidance: 2 }), native(lpArgs), 'logProb = rill logp --class 2 --guidance 2');
    sameBits(m.logProb(x, { steps: 8, solver: 'rk4', condition: 2, guidance: 2, probes: 2, probeSeed: 3 }),
      native([...lpArgs, '--probes', '2', '--seed', '3']), 'logProb with probes = rill logp --probes 2 --seed 3');
    // integrate back and forth under a condition: integrate(sample's x0) = sample.
    const x0 = rill.loadModel('linear:0,0,0,0');
    try {
      const noise = x0.sample({ n: 30, steps: 1, seed: 21, solver: 'euler' }).x;  // u = 0: x0 itself
      sameBits(m.integrate(noise, { steps: 5, condition: 6, guidance: 2 }).x,
        m.sample({ n: 30, steps: 5, seed: 21, condition: 6, guidance: 2 }).x, 'integrate');
    } finally {
      x0.free();
    }
  } finally {
    m.free();
  }
});

test('a vector model (points with cond): one condition for all, or one per point, as rill sample --cond', () => {
  const count = 200, pts = new Float32Array(count * 3), cond = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    cond[2 * i] = (i % 17) / 8 - 1;
    cond[2 * i + 1] = (i % 5) / 5;
    for (let j = 0; j < 3; j++) pts[3 * i + j] = cond[2 * i + (j % 2)] + 0.01 * ((i * 7 + j) % 11);
  }
  const { file } = trained({ points: pts, dim: 3, cond, condDim: 2 });
  const path = join(dir, 'vector.safetensors');
  writeFileSync(path, file);
  const m = rill.loadModel(file);
  try {
    assert.deepEqual(m.condition, { kind: 'vector', width: 2 });
    writeNpy(join(dir, 'one.npy'), [0.25, -0.5], 2);
    let want = native(['sample', '--model', path, '--cond', join(dir, 'one.npy'), '--guidance', '1.75', '--n', '270',
      '--steps', '5', '--solver', 'midpoint', '--seed', '8']);
    sameBits(m.sample({ n: 270, steps: 5, solver: 'midpoint', seed: 8, condition: new Float32Array([0.25, -0.5]),
      guidance: 1.75 }).x, want, 'one condition for all');
    const per = Float32Array.from({ length: 540 }, (_, q) => (q % 2 ? 0.5 : q / 540 - 0.5));
    writeNpy(join(dir, 'per.npy'), per, 2);
    want = native(['sample', '--model', path, '--cond', join(dir, 'per.npy'), '--steps', '5', '--seed', '8']);
    sameBits(m.sample({ n: 270, steps: 5, seed: 8, condition: per }).x, want, 'one condition per point');
    rillError(() => m.sample({ n: 10, condition: new Float32Array(3) }),
      'condition holds 3 values; the model\'s condition is vector:2 (2 values, or n × 2 = 20)');
    rillError(() => m.sample({ n: 10, condition: [0.5, NaN] }), 'condition value 1 of row 0 is nan');
    rillError(() => m.sample({ n: 10, condition: 1 }), 'class_index 1: the model has no classes (its condition is vector:2)');
    rillError(() => m.logProb(new Float32Array(30), { condition: per.subarray(0, 20) }),
      'rill_log_prob takes one condition for every point (condition_rows 1)');
  } finally {
    m.free();
  }
});

test('a model with a source draws x0 from it, as the CLI does', () => {
  const { file } = trained({ dataset: 'moons', source: '8gaussians' }, 30);
  const path = join(dir, 'source.safetensors');
  writeFileSync(path, file);
  const m = rill.loadModel(file);
  try {
    assert.equal(m.source, '8gaussians');
    const want = native(['sample', '--model', path, '--n', '100', '--steps', '3', '--seed', '4']);
    sameBits(m.sample({ n: 100, steps: 3, seed: 4 }).x, want, 'source sample');
    rillError(() => m.logProb(want), 'log-likelihood needs a source with a density');
  } finally {
    m.free();
  }
  const t = rill.trainer({ ...small, dataset: 'moons', source: '8gaussians' });
  try {
    assert.equal(t.model().source, '8gaussians');
  } finally {
    t.free();
  }
});

test('drawDataset with classIndex and labels: rill data --class K --labels-out F', () => {
  for (const [name, k] of [['checkerboard', 5], ['moons', -1], ['8gaussians', 0]]) {
    const args = ['data', '--data', name, '--n', '300', '--seed', '3', '--labels-out', join(dir, 'labels.npy')];
    if (k >= 0) args.push('--class', String(k));
    const want = native(args);
    const wantLabels = readNpy(readFileSync(join(dir, 'labels.npy')), Int32Array);
    const got = rill.drawDataset(name, 300, 3, { classIndex: k, labels: true });
    sameBits(got.points, want, `${name} class ${k}`);
    assert.deepEqual(Array.from(got.labels), Array.from(wantLabels));
    sameBits(rill.drawDataset(name, 300, 3, { classIndex: k }), want, `${name} class ${k} without labels`);
  }
  rillError(() => rill.drawDataset('moons', 10, 1, { classIndex: 2 }), 'classIndex 2: dataset moons has classes 0..1');
  rillError(() => rill.drawDataset('swissroll', 10, 1, { labels: true }), 'dataset swissroll has no labels');
});

test('bad input: each a RillError naming the value and the limit', () => {
  const m = rill.loadModel(classModel.file);
  const plain = rill.loadModel(readFileSync('web/models/moons.safetensors'));
  try {
    assert.deepEqual(plain.condition, { kind: 'none', width: 0 });
    rillError(() => m.sample({ n: 5, condition: 8 }), 'class_index 8: the model has classes 0..7');
    rillError(() => m.field([0, 0], { t: 0.5, condition: 9 }), 'class_index 9: the model has classes 0..7');
    rillError(() => m.sample({ n: 5, condition: new Float32Array([1]) }), 'the model has no vector condition (its condition is class:8');
    rillError(() => plain.sample({ n: 5, guidance: 2 }), 'guidance 2 needs a condition');
    rillError(() => plain.integrate([0, 0], { condition: 0 }), 'class_index 0: the model has no classes (its condition is none)');
    rillError(() => m.logProb([0, 0], { condition: 9 }), 'class_index 9: the model has classes 0..7');
    const pts = new Float32Array(20);
    rillError(() => rill.trainer({ points: pts, dim: 2, labels: new Int32Array(9) }), 'labels holds 9 values; the points are 10');
    rillError(() => rill.trainer({ points: pts, dim: 2, labels: [0, 1, 0, 1, 0, 1, 0, 1, 0, -1] }), 'label 9 is -1');
    rillError(() => rill.trainer({ points: new Float32Array(30), dim: 3, source: 'moons' }),
      'source moons is 2-dimensional; the data is 3-dimensional');
    rillError(() => rill.trainer({ dataset: 'swissroll', condition: 'class' }), 'dataset swissroll has no labels');
    rillError(() => rill.trainer({ points: pts, dim: 2, cond: [1, 2, 3], condDim: 1 }), 'cond holds 3 values; 10 points × condDim 1 = 10');
    rillError(() => rill.trainer({ points: pts, dim: 2, cond: new Float32Array(10).fill(NaN) }), 'the condition of point 0 has value nan');
  } finally {
    m.free();
    plain.free();
  }
});
