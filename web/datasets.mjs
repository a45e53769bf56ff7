// datasets.mjs — the built-in 2-D targets of shared/spec/datasets.md, for display only.
//
// The page draws these behind the samples so you can see what a model was
// trained to produce. They follow the spec's formulas but use JavaScript's
// floating point and a small PRNG of their own, so the points are not the
// core's bits (training uses the core's own datasets, never these).

/** mulberry32: a tiny seeded uniform generator in [0, 1). */
function uniformStream(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalStream(uniform) {
  let spare = null;
  return () => {
    if (spare !== null) { const s = spare; spare = null; return s; }
    const u = 1 - uniform(), v = uniform();  // u in (0, 1]
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

const GENERATORS = {
  gaussian: (U, N) => [N(), N()],
  '8gaussians': (U, N) => {
    const k = Math.floor(U() * 8);
    return [4 * Math.cos(k * Math.PI / 4) + 0.35 * N(), 4 * Math.sin(k * Math.PI / 4) + 0.35 * N()];
  },
  moons: (U, N) => {
    const b = U() < 0.5 ? 0 : 1, u = U() * Math.PI;
    let px = b === 0 ? Math.cos(u) : 1 - Math.cos(u);
    let py = b === 0 ? Math.sin(u) : 0.5 - Math.sin(u);
    px += 0.1 * N();
    py += 0.1 * N();
    return [2 * (px - 0.5), 2 * (py - 0.25)];
  },
  checkerboard: (U) => {
    const x1 = U() * 4 - 2;
    const x2p = U() - 2 * (U() < 0.5 ? 0 : 1);
    const m = ((Math.floor(x1) % 2) + 2) % 2;
    return [2 * x1, 2 * (x2p + m)];
  },
  circles: (U, N) => {
    const r = U() < 0.5 ? 3 : 1.5, th = U() * 2 * Math.PI;
    return [r * Math.cos(th) + 0.24 * N(), r * Math.sin(th) + 0.24 * N()];
  },
  spirals: (U) => {
    const n = Math.sqrt(U()) * 3 * Math.PI;
    const sign = U() < 0.5 ? 1 : -1;
    return [sign * (-n * Math.cos(n) + U() * 0.5) / 3, sign * (n * Math.sin(n) + U() * 0.5) / 3];
  },
  swissroll: (U, N) => {
    const th = 1.5 * Math.PI * (1 + 2 * U());
    return [(th * Math.cos(th) + N()) / 5, (th * Math.sin(th) + N()) / 5];
  },
};

const drawn = new Map();  // the overlays redraw the same draws on every frame

/**
 * n points of dataset `name` as a Float32Array of (x, y) pairs, or null for an unknown name.
 * Deterministic, so each (name, n, seed) is drawn once and the same array returned after
 * (callers must not modify it).
 */
export function drawDataset(name, n, seed = 1) {
  const key = `${name}/${n}/${seed}`;
  if (!drawn.has(key)) drawn.set(key, draw(name, n, seed));
  return drawn.get(key);
}

function draw(name, n, seed) {
  const gen = GENERATORS[name];
  if (!gen) return null;
  const U = uniformStream(seed), N = normalStream(U);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [x, y] = gen(U, N);
    out[2 * i] = x;
    out[2 * i + 1] = y;
  }
  return out;
}
