// rill_model.mjs — rill.mjs's Model (sample, integrate, field, logProb of a loaded model) and
// Trainer (steps, its model, save): thin layers over the C API, as rill.mjs describes. Internal:
// users import rill.mjs, which re-exports both.

import {
  SOLVERS, ACTIVATIONS, CONDITIONS, METADATA_KEYS, INT_MAX, MAX_BYTES, SLOT_PTR, SLOT_STRUCT, RillError, fail,
  checkInt, checkNumber, checkSeed, pick, asFloat32, floatBytes,
} from './rill_base.mjs';

/** points (n×d values: a Float32Array or numbers) as { x: Float32Array, n } for a model of dimension d. */
function pointsOf(points, d) {
  const x = asFloat32('points', points);
  if (x.length % d !== 0) fail(`points must hold n × ${d} values (got ${x.length})`);
  return { x, n: x.length / d };
}

const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(({ rill, ptr, kind }) => {
    if (kind === 'model') rill.c.rill_model_free(ptr); else rill.c.rill_trainer_free(ptr);
  })
  : null;

/** A model: sample, integrate, evaluate the field. From Rill.loadModel (owned) or Trainer.model (borrowed). */
export class Model {
  constructor(rill, ptr, owned, owner = null, formula = null, fileMetadata = null) {
    this.rill = rill;
    this.fileMetadata = fileMetadata;  // a file model's `__metadata__` (a Map, from safetensors.mjs), else null
    this.ptr = ptr;
    this.owned = owned;
    this.owner = owner;            // the Trainer of a borrowed model
    this.formula = formula;        // the name of a model that is a formula ('exact:8gaussians'), else null
    this.generation = owner ? owner.generation : 0;
    this.info = this.readInfo();
    if (owned && registry) registry.register(this, { rill, ptr, kind: 'model' }, this);
  }

  handle() {
    if (!this.ptr) fail('this model was freed');
    if (this.owner && (this.owner.ptr === 0 || this.owner.generation !== this.generation))
      fail('this trainer model is stale: the trainer stepped or was freed since trainer.model() (call it again)');
    return this.ptr;
  }

  readInfo() {
    const r = this.rill, p = r.scratch + SLOT_STRUCT;
    const rc = r.c.rill_model_get_info(this.handle(), p);
    if (rc !== 0) throw r.statusError(rc);
    const get = (name) => r.field(r.layouts.info, p, name);
    const info = {
      dim: get('dim'),
      layers: get('layers'),
      width: get('width'),
      activation: ACTIVATIONS[get('activation')] ?? 'unknown',
      timeK: get('time_k'),
      stepK: get('step_k'),  // -1: no step embedding; 0: raw h; K: sin:K (a step-conditioned model)
      params: get('params'),
      flops: get('flops'),
      sigmaMin: get('sigma_min'),
      formula: this.formula,  // a formula model's name (then layers, width, params and flops are 0), else null
      metadata: {},
    };
    info.depth = Math.max(0, info.layers - 1);
    if (!this.owner && !this.formula) info.metadata = this.readMetadata();
    const out = r.scratch + SLOT_PTR;
    if (r.c.rill_model_condition(this.ptr, out, out + 4) === 0) {
      const v = r.view();
      info.condition = { kind: CONDITIONS[v.getInt32(out, true)], width: v.getInt32(out + 4, true) };
    }
    return info;
  }

  /** The model's condition: { kind: 'none' | 'class' | 'vector', width: C classes or M values (0 for none) }. */
  get condition() { return { ...this.info.condition }; }
  /** Where sample() draws x0: 'gaussian' (N(0, I)) or the dataset of the model's `source`. */
  // formats.md: `source` means where x0 comes from only in rill.format 2 files (format 1 files carry it as
  // free text, e.g. "rill golden"); absent, or in a format 1 file, it is 'gaussian'.
  get source() {
    if (this.owner) return this.owner.source;
    const m = this.info.metadata;
    return m['rill.format'] === '2' && m.source !== undefined ? m.source : 'gaussian';
  }
  /**
   * A step-conditioned model's step embedding ('raw' or 'sin:K': it reads the step length h, its output
   * is the average velocity over [t, t + h]; it integrates forwards only and has no logProb), else 'none'.
   */
  get stepEmbedding() { const k = this.info.stepK; return k < 0 ? 'none' : k === 0 ? 'raw' : `sin:${k}`; }
  /** A class model's class names (metadata class_names), or null. */
  get classNames() {
    const names = this.info.metadata.class_names;
    return names === undefined ? null : names.split(',');
  }

  // Fills rill_run_options in the scratch block; returns [its address, a block to free (vector conditions) or 0].
  // condition: a class index (number), or a Float32Array of M values (one condition for every point) or n×M
  // (one per point), for a vector:M model; guidance: w (default 1; needs a condition).
  runOptions(n, { solver, steps, t0, t1, t, h, condition, guidance = 1, probes = 0, probeSeed = 0 } = {}) {
    const r = this.rill, o = r.scratch + SLOT_STRUCT, L = r.layouts.options;
    r.c.rill_run_options_default(o);
    const set = (name, v) => { if (v !== undefined) r.field(L, o, name, v); };
    set('solver', solver);
    set('steps', steps);
    set('t0', t0);
    set('t1', t1);
    set('t', t);
    set('probes', probes);
    set('probe_seed', probeSeed);
    set('h', h);
    set('guidance', checkNumber('guidance', guidance, -1e30, 1e30));
    if (condition === undefined || condition === null) return [o, 0];
    if (typeof condition === 'number') {
      set('class_index', checkInt('condition (a class index)', condition, 0, INT_MAX));
      return [o, 0];
    }
    const values = asFloat32('condition', condition), { kind, width } = this.info.condition;
    if (kind !== 'vector')
      fail(`condition: the model has no vector condition (its condition is ${kind === 'class' ? `class:${width}: give a class index` : 'none'})`);
    if (values.length !== width && values.length !== n * width)
      fail(`condition holds ${values.length} values; the model's condition is vector:${width} (${width} value${width === 1 ? '' : 's'}, or n × ${width} = ${n * width})`);
    const rows = values.length === width ? 1 : n;
    const block = r.alloc(Math.max(4 * values.length, 4));
    r.putFloats(block, values);
    set('condition', block);
    set('condition_rows', rows);
    return [o, block];
  }

  // The keys of METADATA_KEYS the file has, as rill_model_metadata gave them (a value of 4096 bytes or more
  // did not fit its buffer and was left out): the file was read in JavaScript (safetensors.mjs).
  readMetadata() {
    const meta = {}, enc = new TextEncoder();
    for (const key of METADATA_KEYS) {
      const value = this.fileMetadata?.get(key);
      if (value !== undefined && enc.encode(value).length < 4096) meta[key] = value;
    }
    return meta;
  }

  lastError(code) {
    const r = this.rill;
    return r.statusError(code, r.cstring(r.c.rill_model_error(this.ptr)));
  }

  /**
   * Draws n samples: x0 ~ N(0, I) from `seed` (or the model's source dataset), integrated from t = 0 to 1.
   * Returns { x: Float32Array(n×d), trajectory: Float32Array((steps+1)×n×d) or null }.
   * condition: a class index, or a vector model's M (or n×M) values; guidance: w (default 1).
   * The same model, n, steps, solver, seed, condition and guidance give the same bits as the native library.
   * A step-conditioned model reads h = 1 / steps, the step length of each step (and stage).
   */
  sample({ n = 1000, steps = 20, solver = 'heun', seed = 0, trajectory = false, condition, guidance = 1 } = {}) {
    const r = this.rill, d = this.info.dim;
    checkInt('n', n, 0, INT_MAX);
    checkInt('steps', steps, 1, INT_MAX);
    const s = pick('solver', solver, SOLVERS);
    checkSeed(seed);
    const outBytes = floatBytes(n * d, `${n} samples`);
    const trajBytes = trajectory ? floatBytes((steps + 1) * n * d, `a trajectory of ${steps} steps × ${n} samples`) : 0;
    if (outBytes + trajBytes > MAX_BYTES) fail('the samples and their trajectory do not fit in WebAssembly memory');
    const h = this.handle();
    const out = r.alloc(Math.max(outBytes, 4));
    let traj = 0, cond = 0;
    try {
      if (trajectory) traj = r.alloc(Math.max(trajBytes, 4));
      let o;
      [o, cond] = this.runOptions(n, { solver: s, steps, condition, guidance });
      const rc = r.c.rill_sample_with(h, n, seed, o, out, traj);
      if (rc !== 0) throw this.lastError(rc);
      return { x: r.getFloats(out, n * d), trajectory: trajectory ? r.getFloats(traj, (steps + 1) * n * d) : null };
    } finally {
      r.free(cond);
      r.free(traj);
      r.free(out);
    }
  }

  /**
   * Integrates given points (n×d) from t0 to t1 in [0, 1] (any for a linear: formula; t1 < t0 runs backwards, data → noise; refused for a
   * step-conditioned model, which integrates forwards only). Returns { x, trajectory } like sample();
   * the input is not modified. condition, guidance: as sample(). A step-conditioned model reads
   * h = (t1 - t0) / steps at every step, as in sample().
   */
  integrate(points, { steps = 20, solver = 'heun', t0 = 0, t1 = 1, trajectory = false, condition, guidance = 1 } = {}) {
    const r = this.rill;
    const { x, n } = pointsOf(points, this.info.dim);
    checkInt('steps', steps, 1, INT_MAX);
    const s = pick('solver', solver, SOLVERS);
    checkNumber('t0', t0, -1e30, 1e30);  // the range is the model's (rill_integrate_with): [0, 1], any for linear:
    checkNumber('t1', t1, -1e30, 1e30);
    const bytes = floatBytes(x.length, `${n} points`);
    const trajBytes = trajectory ? floatBytes((steps + 1) * x.length, 'the trajectory') : 0;
    const h = this.handle();
    const buf = r.alloc(Math.max(bytes, 4));
    let traj = 0, cond = 0;
    try {
      if (trajectory) traj = r.alloc(Math.max(trajBytes, 4));
      r.putFloats(buf, x);
      let o;
      [o, cond] = this.runOptions(n, { solver: s, steps, t0, t1, condition, guidance });
      const rc = r.c.rill_integrate_with(h, buf, n, o, traj);
      if (rc !== 0) throw this.lastError(rc);
      return { x: r.getFloats(buf, x.length), trajectory: trajectory ? r.getFloats(traj, (steps + 1) * x.length) : null };
    } finally {
      r.free(cond);
      r.free(traj);
      r.free(buf);
    }
  }

  /**
   * The vector field u_t at n points (n×d floats in, n×d floats out), t in [0, 1] (any for a linear: formula): field(points, t), or
   * field(points, { t, condition, guidance, h }) for a conditioned field (condition, guidance: as
   * sample()) or a step-conditioned model's average velocity over [t, t + h] (h in [0, 1], default 0:
   * the instantaneous velocity; `rill field --h H`; refused for a model without step_embedding).
   */
  field(points, t) {
    const r = this.rill;
    let condition, guidance, h;
    if (typeof t === 'object' && t !== null) ({ t, condition, guidance, h } = t);
    const { x, n } = pointsOf(points, this.info.dim);
    checkNumber('t', t, -1e30, 1e30);  // [0, 1] but for a linear formula (rill_field_with says)
    if (h !== undefined) {
      checkNumber('h', h, 0, 1);
      if (this.info.stepK < 0) fail('h: the model is not step-conditioned (it has no step_embedding)');
    }
    const bytes = floatBytes(x.length, `${n} points`);
    const m = this.handle();
    const buf = r.alloc(Math.max(2 * bytes, 4));
    let cond = 0;
    try {
      r.putFloats(buf, x);
      let o;
      [o, cond] = this.runOptions(n, { t, h, condition, guidance });
      const rc = r.c.rill_field_with(m, buf, n, o, buf + bytes);
      if (rc !== 0) throw this.lastError(rc);
      return r.getFloats(buf + bytes, x.length);
    } finally {
      r.free(cond);
      r.free(buf);
    }
  }

  /**
   * log p_t(x) in nats at n points (n×d floats): a Float32Array of n. The points are integrated
   * back from t to 0 with the exact divergence as one more state (steps ≥ 1, solver, t in 0..1);
   * the same bits as the native library. A point whose way back overflows or gives NaN throws a
   * RillError with status 'non_finite' naming up to ten indices and the count. condition, guidance:
   * as sample(), one condition for every point (a class index or M values). probes = K ≥ 1:
   * Hutchinson's unbiased estimate of the divergence with K Rademacher probes a point from
   * probeSeed (an estimate, not the exact value; 0, the default, is exact; under a condition too).
   * Refused for a step-conditioned model (stepEmbedding not 'none'): its output is an average velocity
   * over a step, so it has no log-density.
   */
  logProb(points, { steps = 20, solver = 'heun', t = 1, condition, guidance = 1, probes = 0, probeSeed = 0 } = {}) {
    const r = this.rill;
    const { x, n } = pointsOf(points, this.info.dim);
    checkInt('steps', steps, 1, INT_MAX);
    const s = pick('solver', solver, SOLVERS);
    checkNumber('t', t, 0, 1);
    checkInt('probes', probes, 0, 4096);
    checkInt('probeSeed', probeSeed, 0, 0xffffffff);
    const bytes = floatBytes(x.length + n, `${n} points`);
    const h = this.handle();
    return r.withBlock(Math.max(bytes, 4), (buf) => {
      r.putFloats(buf, x);
      const [o, cond] = this.runOptions(n, { solver: s, steps, t, condition, guidance, probes, probeSeed });
      try {
        const rc = r.c.rill_log_prob(h, buf, n, o, buf + 4 * x.length);
        if (rc !== 0) throw this.lastError(rc);
      } finally {
        r.free(cond);
      }
      return r.getFloats(buf + 4 * x.length, n);
    });
  }

  /** Releases the model's memory (owned models; a trainer's model lives as long as the trainer). */
  free() {
    if (!this.ptr) return;
    if (this.owned) {
      if (registry) registry.unregister(this);
      this.rill.c.rill_model_free(this.ptr);
    }
    this.ptr = 0;
  }
}

/** Trains a fresh model in WebAssembly memory. From Rill.trainer(opts). */
export class Trainer {
  constructor(rill, ptr, source = 'gaussian') {
    this.rill = rill;
    this.ptr = ptr;
    this.source = source;  // where its model draws x0: 'gaussian' or a dataset name
    this.generation = 0;
    if (registry) registry.register(this, { rill, ptr, kind: 'trainer' }, this);
  }

  handle() {
    if (!this.ptr) fail('this trainer was freed');
    return this.ptr;
  }

  /** Runs k optimisation steps; returns their minibatch losses (Float32Array of k). */
  step(k = 1) {
    const r = this.rill;
    checkInt('k', k, 0, 1 << 24);
    const h = this.handle();
    this.generation++;
    const buf = r.alloc(Math.max(4 * k, 4));
    try {
      const rc = r.c.rill_trainer_step(h, k, buf);
      if (rc !== 0) throw r.statusError(rc, r.cstring(r.c.rill_trainer_error(h)));
      return r.getFloats(buf, k);
    } finally {
      r.free(buf);
    }
  }

  /** Steps done so far. */
  get stepsDone() { return this.rill.c.rill_trainer_steps_done(this.handle()); }

  /** The model being trained (the EMA when enabled); valid until the next step() or free(). */
  model() {
    const p = this.rill.c.rill_trainer_model(this.handle());
    return new Model(this.rill, p, false, this);
  }

  /** The model as a .safetensors file with its training facts (Uint8Array). */
  save() {
    const r = this.rill, h = this.handle();
    const size = r.c.rill_trainer_file_size(h) >>> 0;
    if (size === 0) throw new RillError(r.cstring(r.c.rill_trainer_error(h)) || 'the model cannot be written', 1);
    return r.withBlock(size, (buf) => {
      const written = r.scratch + SLOT_PTR;
      const rc = r.c.rill_trainer_write(h, buf, size, written);
      if (rc !== 0) throw r.statusError(rc, r.cstring(r.c.rill_trainer_error(h)));
      const n = r.view().getUint32(written, true);
      return r.u8().slice(buf, buf + n);
    });
  }

  /** Releases the trainer and everything it holds. */
  free() {
    if (!this.ptr) return;
    if (registry) registry.unregister(this);
    this.rill.c.rill_trainer_free(this.ptr);
    this.ptr = 0;
  }
}
