// rill.mjs's log-densities and formula models against closed forms: exact:8gaussians's
// logProb is the mixture's log-density within 1e-3 nats; a linear field's is
// log N(exp(−tA)·x) − t·trace A; matrixExp2x2 is the series of exp(tA); points that overflow
// on the way back and bad options are RillErrors with the core's reasons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRill } from './helpers.mjs';

const { rill, mod } = await loadRill();

// log p of the 8gaussians mixture (shared/spec/datasets.md): centres 4·(cos kπ/4, sin kπ/4), std 0.35, equal weights.
function mixtureLogDensity(x, y) {
  const s2 = 0.35 * 0.35, terms = [];
  for (let k = 0; k < 8; k++) {
    const dx = x - 4 * Math.cos(k * Math.PI / 4), dy = y - 4 * Math.sin(k * Math.PI / 4);
    terms.push(-(dx * dx + dy * dy) / (2 * s2));
  }
  const m = Math.max(...terms);
  return m + Math.log(terms.reduce((a, v) => a + Math.exp(v - m), 0)) - Math.log(2 * Math.PI * s2) - Math.log(8);
}

test('exact:8gaussians: logProb (RK4, 64 steps) is the mixture\'s log-density within 1e-3 nats at 1,000 points', () => {
  const model = rill.loadModel('exact:8gaussians');
  try {
    assert.equal(model.info.formula, 'exact:8gaussians');
    assert.equal(model.info.dim, 2);
    assert.equal(model.info.layers, 0);
    assert.equal(model.info.params, 0);
    assert.deepEqual(model.info.metadata, {});
    const x = rill.drawDataset('8gaussians', 1000, 5);
    const logp = model.logProb(x, { steps: 64, solver: 'rk4' });
    assert.equal(logp.length, 1000);
    let worst = 0;
    for (let i = 0; i < 1000; i++) worst = Math.max(worst, Math.abs(logp[i] - mixtureLogDensity(x[2 * i], x[2 * i + 1])));
    assert.ok(worst < 1e-3, `largest error ${worst} nats`);
  } finally {
    model.free();
  }
});

test('linear:a,b,c,d: logProb is log N(exp(−tA)·x) − t·trace A, with matrixExp2x2', () => {
  const A = [-0.5, 1, -1, -0.25], t = 0.75;
  const model = rill.loadModel(`linear:${A.join(',')}`);
  try {
    const x = new Float32Array([0.3, -1.2, 2, 0.5, -1, -1, 0, 0]);
    const logp = model.logProb(x, { steps: 64, solver: 'rk4', t });
    const E = rill.matrixExp2x2(A, -t);
    for (let i = 0; i < 4; i++) {
      const x0 = E[0] * x[2 * i] + E[1] * x[2 * i + 1], x1 = E[2] * x[2 * i] + E[3] * x[2 * i + 1];
      const want = -0.5 * (x0 * x0 + x1 * x1) - Math.log(2 * Math.PI) - t * (A[0] + A[3]);
      assert.ok(Math.abs(logp[i] - want) < 1e-4, `point ${i}: ${logp[i]} vs ${want}`);
    }
  } finally {
    model.free();
  }
});

test('matrixExp2x2 equals the series of exp(tA) within 1e-6 for rotation, spiral, saddle and shear', () => {
  const series = (A, t) => {
    let term = [1, 0, 0, 1], sum = [1, 0, 0, 1];
    for (let k = 1; k < 60; k++) {
      term = [term[0] * A[0] + term[1] * A[2], term[0] * A[1] + term[1] * A[3],
        term[2] * A[0] + term[3] * A[2], term[2] * A[1] + term[3] * A[3]].map((v) => v * t / k);
      sum = sum.map((v, i) => v + term[i]);
    }
    return sum;
  };
  for (const A of [[0, 1, -1, 0], [-0.2, 1, -1, -0.2], [1, 0, 0, -1], [0, 1, 0, 0]])
    for (const t of [-1, 0, 0.37, 1]) {
      const E = rill.matrixExp2x2(A, t), want = series(A, t);
      assert.ok(E instanceof Float32Array && E.length === 4);
      for (let i = 0; i < 4; i++) assert.ok(Math.abs(E[i] - want[i]) < 1e-6 * Math.max(1, Math.abs(want[i])), `${A} t=${t}`);
    }
  assert.throws(() => rill.matrixExp2x2([1, 2, 3], 1), /4 values/);
});

test('logProb: points that overflow on the way back are named; bad options are refused', () => {
  const model = rill.loadModel('linear:-1000,0,0,-1000');
  try {
    const x = new Float32Array(30);
    for (let i = 3; i < 15; i++) x[2 * i] = 1e10;
    assert.throws(() => model.logProb(x, { solver: 'euler' }), (e) => {
      assert.equal(e.name, 'RillError');
      assert.equal(e.status, 'non_finite');
      assert.match(e.message, /12 of 15 points .*: 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, \.\.\.$/);
      return true;
    });
    assert.throws(() => model.logProb([0, NaN]), (e) => e.status === 'invalid_argument' && /point 0 is not finite/.test(e.message));
    assert.throws(() => model.logProb([0, 0], { t: 1.5 }), /t must be a number in \[0, 1\]/);
    assert.throws(() => model.logProb([0, 0], { steps: 0 }), /steps/);
    assert.throws(() => model.logProb([0, 0], { solver: 'rk5' }), /unknown solver/);
    assert.throws(() => model.logProb([0, 0, 0]), /n × 2/);
    assert.equal(model.logProb([]).length, 0);
  } finally {
    model.free();
  }
});

test('formula names: the core\'s reasons as RillErrors', () => {
  assert.throws(() => rill.loadModel('linear:1,2,3'), (e) => e instanceof mod.RillError && e.status === 'invalid_argument' &&
    e.message === 'linear: needs d² values for some d from 1 to 8, got 3');
  assert.throws(() => rill.loadModel('exact:moons'), /unknown exact model 'moons'/);
  assert.throws(() => rill.loadModel('moons'), /Uint8Array or ArrayBuffer\) or a formula name/);
});

test('formula models sample and integrate: linear:0,1,-1,0 turns (1, 0) by exp(tA)', () => {
  const model = rill.loadModel('linear:0,1,-1,0');
  try {
    const { x } = model.integrate([1, 0], { steps: 64, solver: 'rk4', t0: 0, t1: 1 });
    const E = rill.matrixExp2x2([0, 1, -1, 0], 1);
    assert.ok(Math.abs(x[0] - E[0]) < 1e-6 && Math.abs(x[1] - E[2]) < 1e-6);
    assert.equal(model.sample({ n: 10, steps: 4 }).x.length, 20);
  } finally {
    model.free();
  }
});

test('logProb({probes, probeSeed}): Hutchinson\'s estimate, the same bits for the same seed, εᵀAε for a linear field', () => {
  // linear:A with trace 0.5: one Rademacher probe gives εᵀAε = trace A ± (A01 + A10), so
  // log p_t − exact = t·(∓(A01 + A10)) per point: here A01 + A10 = 0 makes every estimate exact.
  const model = rill.loadModel('linear:0.3,-1,1,0.2');
  try {
    const x = Float32Array.from([0.5, -1, 2, 0.25, -1, -1]);
    const exact = model.logProb(x, { steps: 32, solver: 'rk4' });
    const est = model.logProb(x, { steps: 32, solver: 'rk4', probes: 3, probeSeed: 7 });
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(est[i] - exact[i]) < 1e-5, `${est[i]} vs ${exact[i]}`);
    assert.deepEqual(model.logProb(x, { probes: 0 }), model.logProb(x));
    assert.throws(() => model.logProb(x, { probes: -1 }), /probes must be an integer in 0\.\.4096/);
    assert.throws(() => model.logProb(x, { probes: 4097 }), /probes/);
    assert.throws(() => model.logProb(x, { probes: 1, probeSeed: -1 }), /probeSeed/);
  } finally {
    model.free();
  }
  const skew = rill.loadModel('linear:0.3,-1,0.5,0.2');
  try {
    const x = Float32Array.from([0.5, -1, 2, 0.25]);
    const a = skew.logProb(x, { probes: 1, probeSeed: 3 }), b = skew.logProb(x, { probes: 1, probeSeed: 3 });
    assert.deepEqual(a, b);
    const exact = skew.logProb(x);
    // One probe: εᵀAε = trace A ± (A01 + A10) = 0.5 ± (−0.5), so each estimate is off by exactly ±0.5·t.
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(Math.abs(a[i] - exact[i]) - 0.5) < 1e-4, `${a[i]} vs ${exact[i]}`);
  } finally {
    skew.free();
  }
  const mixture = rill.loadModel('exact:8gaussians');
  try {
    assert.throws(() => mixture.logProb([0, 0], { probes: 1 }), (e) => e.status === 'unsupported' && /only its exact divergence/.test(e.message));
  } finally {
    mixture.free();
  }
});
