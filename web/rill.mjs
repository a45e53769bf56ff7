// rill.mjs — the JavaScript API of rill: flow-matching models in the browser and in Node.
//
// A thin layer over the C API (src/rill/rill.h) compiled to rill.wasm. Every
// call copies its inputs into the module, calls C, and copies the results out:
// the typed arrays you get are yours (never views into wasm memory, which moves
// when it grows). Everything allocated for a call is freed before it returns;
// models and trainers hold wasm memory until you call free().
//
//   import { Rill } from './rill.mjs';
//   const rill = await Rill.load();                       // fetches rill.wasm beside this file
//   // or await Rill.loadSampler(): rill-sample.wasm, the same models and bits without the trainer (smaller)
//   const model = rill.loadModel(bytes);                   // a .safetensors file (Uint8Array / ArrayBuffer)
//   model.info;                                           // { dim, layers, width, activation, params, ... }
//   const { x, trajectory } = model.sample({ n: 2000, steps: 20, solver: 'heun', seed: 1, trajectory: true });
//                                                         // x: n×d floats; trajectory: (steps+1)×n×d (or null)
//   const u = model.field(points, 0.5);                   // u_t at n points (n×d in, n×d out)
//   model.condition;                                      // { kind: 'none'|'class'|'vector', width }
//   model.sample({ n: 500, condition: 3, guidance: 2 });  // class 3 of a class model, guided (w = 2)
//   model.sample({ n: 500, condition: new Float32Array([0.5]) });  // a vector model: M values (or n×M)
//   model.field(points, { t: 0.5, condition: 3, guidance: 2 });     // its field
//   const logp = model.logProb(points, { steps: 32, solver: 'rk4', t: 1 });  // log p_t in nats, n values
//   model.free();
//   const exact = rill.loadModel('exact:8gaussians');      // a model that is a formula, by name
//   rill.loadModel('linear:0,1,-1,0');                      // u = A·x, A row-major
//   rill.matrixExp2x2([0, 1, -1, 0], 0.5);                 // exp(tA) for a 2×2 A: Float32Array(4), row-major
//   rill.drawDataset('moons', 1000, 7);                    // Float32Array of 1000 (x, y): `rill data`'s points
//   rill.drawDataset('moons', 1000, 7, { classIndex: 1 });  // class 1 alone (`rill data --class 1`)
//   rill.drawDataset('moons', 1000, 7, { labels: true });   // { points, labels: Int32Array } (`--labels-out`)
//
//   const trainer = rill.trainer({ dataset: 'moons', width: 128, depth: 3, lr: 1e-3, seed: 1 });
//   // or { points: Float32Array (count×dim), dim: 2, ... }
//   // conditioned: { dataset: 'moons', condition: 'class', cfgDropout: 0.1 }, { dataset: 'swissroll',
//   //   condition: 'vector' }, { points, dim, labels: Int32Array } or { points, dim, cond: Float32Array, condDim };
//   // source: 'gaussian' (default) or a dataset name x0 is drawn from ({ dataset: 'moons', source: '8gaussians' })
//   const losses = trainer.step(100);                      // Float32Array of 100 minibatch losses
//   trainer.model().sample({ n: 500 });                    // the model being trained (EMA if enabled)
//   const file = trainer.save();                           // Uint8Array: a .safetensors file `rill` reads
//   trainer.free();
//
// Errors are thrown as RillError (an Error) carrying the core's message, its
// status name (`err.status`, e.g. 'bad_header') and code. Seeds are uint32.
// Points are row-major Float32Array (arrays of numbers are accepted too).

import { loadRillWasm } from './rill_loader.mjs';

export const SOLVERS = ['euler', 'midpoint', 'heun', 'rk4'];
export const EVALUATIONS = { euler: 1, midpoint: 2, heun: 2, rk4: 4 };  // field evaluations per step
export const DATASETS = ['gaussian', '8gaussians', 'moons', 'checkerboard', 'circles', 'spirals', 'swissroll'];
export const ACTIVATIONS = ['silu', 'relu', 'tanh', 'gelu', 'gelu_tanh'];
const SCHEDULES = ['constant', 'cosine'];
const COUPLINGS = ['independent', 'ot'];
export const CONDITIONS = ['none', 'class', 'vector'];  // rill.h's RILL_CONDITION_*
/** Classes of each of DATASETS (datasets.md, "Labels"): 0 for a dataset without labels. */
export const DATASET_CLASSES = [0, 8, 2, 8, 2, 2, 0];
const METADATA_KEYS = ['rill.format', 'dim', 'activation', 'time_embedding', 'path', 'sigma_min', 'dataset',
  'steps', 'batch', 'lr', 'seed', 'coupling', 'ema', 'final_loss', 'train_seconds', 'condition', 'class_names',
  'source', 'cfg_dropout', 'made_by', 'sample_solver', 'sample_steps', 'teacher'];

const INT_MAX = 0x7fffffff;
const MAX_BYTES = 2 ** 31 - 2 ** 24;  // wasm32 here: 2 GiB of memory at most, less what the module holds

// The two C structs this file reads or writes (rill.h): their layouts come from the module itself
// (rill_layout_fields / rill_layout_offset) at load time, never copied here. Fields by name.
const LAYOUT_INFO = 0, LAYOUT_CONFIG = 1, LAYOUT_OPTIONS = 2;  // RILL_LAYOUT_MODEL_INFO, _TRAIN_CONFIG, _RUN_OPTIONS
const INFO_FIELDS = ['dim', 'layers', 'width', 'activation', 'time_k', 'params', 'flops', 'sigma_min'];
const CONFIG_FIELDS = ['width', 'depth', 'activation', 'time_k', 'steps', 'batch', 'lr', 'schedule', 'warmup',
  'lr_floor', 'clip', 'ema', 'coupling', 'sigma_min', 'seed', 'cfg_dropout', 'source', 'condition'];
const OPTIONS_FIELDS = ['solver', 'steps', 't0', 't1', 't', 'class_index', 'condition', 'condition_rows', 'guidance', 'probes', 'probe_seed'];

// Scratch block reserved at load time (the module is single-threaded).
const SLOT_PTR = 0;      // an out-pointer (rill_model**, rill_trainer**) or size_t
const SLOT_ERR = 16;     // err buffer for the functions that take one
const ERR_CAP = 512;
const SLOT_STRUCT = SLOT_ERR + ERR_CAP;  // rill_model_info, rill_train_config or rill_run_options (sizes from the layouts)

/** An error from rill: `message` is the core's reason; `status` its name ('bad_header'); `code` the number. */
export class RillError extends Error {
  constructor(message, code = 1, status = 'invalid_argument') {
    super(message);
    this.name = 'RillError';
    this.code = code;
    this.status = status;
  }
}

function fail(message) { throw new RillError(message, 1); }

function checkInt(name, v, lo, hi) {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    fail(`${name} must be an integer in ${lo}..${hi} (got ${v})`);
  return v;
}
function checkNumber(name, v, lo, hi) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi)
    fail(`${name} must be a number in [${lo}, ${hi}] (got ${v})`);
  return v;
}
function checkSeed(seed) { return checkInt('seed', seed, 0, 0xffffffff); }
function pick(name, v, names) {
  const i = typeof v === 'number' ? (Number.isInteger(v) && v >= 0 && v < names.length ? v : -1) : names.indexOf(v);
  if (i < 0) fail(`unknown ${name} ${JSON.stringify(v)} (one of: ${names.join(', ')})`);
  return i;
}
function asFloat32(name, points) {
  if (points instanceof Float32Array) return points;
  if (Array.isArray(points) || ArrayBuffer.isView(points)) return Float32Array.from(points);
  fail(`${name} must be a Float32Array or an array of numbers`);
}
function asBytes(bytes) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  fail('the model file must be a Uint8Array or an ArrayBuffer');
}
function floatBytes(count, what) {
  const bytes = count * 4;
  if (!(bytes <= MAX_BYTES)) fail(`${what} needs ${bytes} bytes, more than WebAssembly memory can hold`);
  return bytes;
}

/** The loaded module. Create with `await Rill.load()`; one per thread (page or worker). */
export class Rill {
  /** Loads rill.wasm (URL, bytes or WebAssembly.Module; default beside this file). */
  static async load(source) {
    return new Rill(await loadRillWasm(source));
  }

  /**
   * Loads the sampler-only module, rill-sample.wasm (default: beside this file): models, sampling,
   * integration, fields and log-densities with the bits of rill.wasm, in about two thirds of its
   * bytes; no trainer (trainer() throws, hasTrainer is false).
   */
  static async loadSampler(source = new URL('./rill-sample.wasm', import.meta.url)) {
    return Rill.load(source);
  }

  /** False for the sampler-only module (rill-sample.wasm), which has no trainer. */
  get hasTrainer() { return typeof this.c.rill_trainer_new === 'function'; }

  constructor(wasm) {
    this.wasm = wasm;
    this.c = wasm.exports;
    /** The layouts of rill_model_info, rill_train_config and rill_run_options: { size, fields: { name: { offset, type } } }. */
    this.layouts = {
      info: this.readLayout(LAYOUT_INFO, INFO_FIELDS),
      config: this.readLayout(LAYOUT_CONFIG, CONFIG_FIELDS),
      options: this.readLayout(LAYOUT_OPTIONS, OPTIONS_FIELDS),
    };
    const structBytes = Math.max(this.layouts.info.size, this.layouts.config.size, this.layouts.options.size);
    this.scratch = this.c.rill_alloc(SLOT_STRUCT + structBytes);
    if (!this.scratch) fail('cannot allocate the binding scratch block');
  }

  /** The library's version, "0.2.0" (rill.h's RILL_VERSION_*). */
  get version() { return this.cstring(this.c.rill_version()); }

  /** Bytes of WebAssembly memory in use by the module (it only grows). */
  get memoryBytes() { return this.c.memory.buffer.byteLength; }

  // ---- memory helpers: fresh views every time (memory may have grown) ----
  u8() { return new Uint8Array(this.c.memory.buffer); }
  view() { return new DataView(this.c.memory.buffer); }
  alloc(bytes) {
    const p = this.c.rill_alloc(bytes);
    if (!p) throw new RillError(`out of memory: cannot allocate ${bytes} bytes in WebAssembly memory`, 2, 'out_of_memory');
    return p;
  }
  free(p) { if (p) this.c.rill_free(p); }
  cstring(ptr, cap = 1 << 20) {
    if (!ptr) return '';
    const mem = this.u8();
    let end = ptr;
    while (end < ptr + cap && mem[end] !== 0) end++;
    return new TextDecoder().decode(mem.subarray(ptr, end));
  }
  putBytes(ptr, bytes) { this.u8().set(bytes, ptr); }
  putFloats(ptr, floats) {
    new Float32Array(this.c.memory.buffer, ptr, floats.length).set(floats);
  }
  getFloats(ptr, count) { return new Float32Array(this.c.memory.buffer, ptr, count).slice(); }
  /** Calls fn with a temporary wasm block of `bytes` bytes, freed afterwards. */
  withBlock(bytes, fn) {
    const p = this.alloc(bytes);
    try { return fn(p); } finally { this.free(p); }
  }
  statusError(code, message) {
    const text = message || this.cstring(this.c.rill_status_message(code));
    return new RillError(text, code, this.cstring(this.c.rill_status_name(code)));
  }
  errBuffer() { const p = this.scratch + SLOT_ERR; this.u8()[p] = 0; return p; }
  errText() { return this.cstring(this.scratch + SLOT_ERR, ERR_CAP); }

  // A struct's layout as the module describes it; `needed`: the fields this file uses.
  readLayout(which, needed) {
    const text = this.cstring(this.c.rill_layout_fields(which));
    const layout = { size: this.c.rill_layout_offset(which, -1), fields: {} };
    text.trim().split(/ +/).forEach((entry, i) => {
      const [name, type] = entry.split(':');
      layout.fields[name] = { offset: this.c.rill_layout_offset(which, i), type };
    });
    const missing = needed.filter((name) => !layout.fields[name] || layout.fields[name].offset < 0);
    if (layout.size <= 0 || missing.length)
      throw new Error(`rill.wasm does not describe the field(s) ${missing.join(', ')} (rill.mjs and rill.wasm differ: rebuild both)`);
    return layout;
  }

  /** Reads (value === undefined) or writes a field of the struct at p, by name, with its C type (p: a wasm32 pointer). */
  field(layout, p, name, value) {
    const { offset, type } = layout.fields[name], v = this.view();
    if (value === undefined)
      return type === 'f' ? v.getFloat32(p + offset, true) : type === 'u' || type === 'p' ? v.getUint32(p + offset, true) : v.getInt32(p + offset, true);
    if (type === 'f') v.setFloat32(p + offset, value, true);
    else if (type === 'u' || type === 'p') v.setUint32(p + offset, value, true);
    else v.setInt32(p + offset, value, true);
  }

  /**
   * n points of a built-in dataset (one of DATASETS) drawn with `seed`: a Float32Array of n (x, y)
   * pairs, the points `rill data --data NAME --n N --seed SEED` writes, bit for bit. Options:
   * classIndex (a labelled dataset's class K alone, `--class K`; -1 or absent: all) and labels
   * (true: returns { points, labels: Int32Array of n }, `--labels-out`).
   */
  drawDataset(name, n, seed = 0, { classIndex = -1, labels = false } = {}) {
    const dataset = pick('dataset', name, DATASETS);
    checkInt('n', n, 0, INT_MAX);
    checkSeed(seed);
    checkInt('classIndex', classIndex, -1, INT_MAX);
    const classes = DATASET_CLASSES[dataset];
    if ((classIndex >= 0 || labels) && classes === 0) fail(`dataset ${DATASETS[dataset]} has no labels`);
    if (classIndex >= classes) fail(`classIndex ${classIndex}: dataset ${DATASETS[dataset]} has classes 0..${classes - 1}`);
    const plain = classIndex === -1 && !labels;
    return this.withBlock(Math.max(floatBytes(3 * n, `${n} points`), 4), (out) => {
      const lab = labels ? out + 8 * n : 0;
      const rc = plain ? this.c.rill_dataset_draw(dataset, n, seed, out)
        : this.c.rill_dataset_draw_labeled(dataset, n, seed, classIndex, out, lab);
      if (rc !== 0) throw this.statusError(rc);
      const points = this.getFloats(out, 2 * n);
      return labels ? { points, labels: new Int32Array(this.c.memory.buffer, lab, n).slice() } : points;
    });
  }

  /**
   * Opens a model from the bytes of a .safetensors file (copied), or a model that is a formula by
   * its name: 'exact:8gaussians' (the closed-form marginal field of the 8gaussians mixture) or
   * 'linear:a,b,c,d' (u = A·x, A row-major, d² values). Throws RillError with the reason.
   */
  loadModel(source) {
    if (typeof source === 'string') return this.openName(source);
    const data = asBytes(source);
    return this.withBlock(Math.max(data.length, 1), (file) => {
      this.putBytes(file, data);
      const out = this.scratch + SLOT_PTR;
      this.view().setUint32(out, 0, true);
      const rc = this.c.rill_model_open(file, data.length, out, this.errBuffer(), ERR_CAP);
      if (rc !== 0) throw this.statusError(rc, this.errText());
      return new Model(this, this.view().getUint32(out, true), true);
    });
  }

  openName(name) {
    if (!/^(exact|linear):/.test(name))
      fail(`a model is the bytes of a .safetensors file (Uint8Array or ArrayBuffer) or a formula name (exact:8gaussians, linear:a,b,...), not ${JSON.stringify(name.slice(0, 40))}`);
    const text = new TextEncoder().encode(name);
    return this.withBlock(text.length + 1, (p) => {
      this.putBytes(p, text);
      this.u8()[p + text.length] = 0;
      const out = this.scratch + SLOT_PTR;
      this.view().setUint32(out, 0, true);
      const rc = this.c.rill_model_open_name(p, out, this.errBuffer(), ERR_CAP);
      if (rc !== 0) throw this.statusError(rc, this.errText());
      return new Model(this, this.view().getUint32(out, true), true, null, name);
    });
  }

  /** exp(t·A) for a 2×2 matrix A (4 numbers, row-major), in closed form: a Float32Array(4), row-major. */
  matrixExp2x2(A, t) {
    const a = asFloat32('A', A);
    if (a.length !== 4) fail(`A must hold 4 values (a 2×2 matrix, row-major; got ${a.length})`);
    checkNumber('t', t, -1e30, 1e30);
    return this.withBlock(32, (p) => {
      this.putFloats(p, a);
      this.c.rill_matrix_exp_2x2(p, t, p + 16);
      return this.getFloats(p + 16, 4);
    });
  }

  /**
   * A fresh trainer. Options (defaults of rill.h): dataset ('moons', one of DATASETS) or
   * points (count×dim floats) + dim; width 128, depth 3, activation 'silu', timeK 0,
   * steps 20000 (planned length, for the cosine schedule), batch 256, lr 1e-3,
   * schedule 'constant'|'cosine', warmup 0, lrFloor 0, clip 0, ema 0,
   * coupling 'independent'|'ot', sigmaMin 0, seed 0. Conditions: condition 'class' | 'vector'
   * (a built-in dataset's labels, or swissroll's s), or for points labels (Int32Array, count
   * values >= 0: class:C with C = 1 + the largest) or cond (Float32Array, count × condDim);
   * cfgDropout 0.1 (conditioned models); source 'gaussian' or a dataset x0 is drawn from.
   */
  trainer(opts = {}) {
    if (!this.hasTrainer)
      throw new RillError('this module is sampler-only (rill-sample.wasm) and has no trainer: load rill.wasm (Rill.load) to train',
        13, 'unsupported');
    const p = this.scratch + SLOT_STRUCT, L = this.layouts.config;
    this.c.rill_train_config_default(p);
    const set = (name, value) => this.field(L, p, name, value);
    const i32 = (key, name, lo, hi) => { if (opts[key] !== undefined) set(name, checkInt(key, opts[key], lo, hi)); };
    const f32 = (key, name, lo, hi) => { if (opts[key] !== undefined) set(name, checkNumber(key, opts[key], lo, hi)); };
    const named = (key, names) => { if (opts[key] !== undefined) set(key, pick(key, opts[key], names)); };
    i32('width', 'width', 1, 65536);
    i32('depth', 'depth', 0, 15);
    named('activation', ACTIVATIONS);
    i32('timeK', 'time_k', 0, 12);
    i32('steps', 'steps', 1, INT_MAX);
    i32('batch', 'batch', 1, 1 << 20);
    f32('lr', 'lr', 0, 1e3);  // the core refuses lr <= 0 with its own message
    named('schedule', SCHEDULES);
    i32('warmup', 'warmup', 0, INT_MAX);
    f32('lrFloor', 'lr_floor', 0, 1);
    f32('clip', 'clip', 0, 3e38);
    f32('ema', 'ema', 0, 1);
    named('coupling', COUPLINGS);
    f32('sigmaMin', 'sigma_min', 0, 1);
    if (opts.seed !== undefined) set('seed', checkSeed(opts.seed));
    f32('cfgDropout', 'cfg_dropout', 0, 1);  // the core refuses 1 with its own message
    const source = opts.source === undefined ? 0 : pick('source', opts.source, DATASETS);  // 0: gaussian
    set('source', source === 0 ? -1 : source);
    if (opts.condition !== undefined) set('condition', pick('condition', opts.condition, CONDITIONS));

    let dataset = -1, points = null, count = 0, dim = 0, labels = null, cond = null, condDim = 0;
    if (opts.points !== undefined) {
      if (opts.dataset !== undefined) fail('give either dataset or points, not both');
      points = asFloat32('points', opts.points);
      dim = checkInt('dim', opts.dim ?? 2, 1, 4096);
      if (points.length === 0 || points.length % dim !== 0)
        fail(`points must hold count × dim values (got ${points.length} values for dim ${dim})`);
      count = points.length / dim;
      ({ labels, cond, condDim } = this.trainerConditions(opts, count));
    } else {
      dataset = pick('dataset', opts.dataset ?? 'moons', DATASETS);
      if (opts.labels !== undefined || opts.cond !== undefined || opts.condDim !== undefined)
        fail('labels, cond and condDim are for points; a built-in dataset gives its own (condition: \'class\' | \'vector\')');
    }
    // Growing memory for the points keeps every address (p included); only old views go stale.
    const blocks = [];
    const copy = (array) => {
      const q = this.alloc(Math.max(floatBytes(array.length, 'the training data'), 4));
      blocks.push(q);
      this.u8().set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), q);
      return q;
    };
    try {
      const pts = points ? copy(points) : 0;
      const out = this.scratch + SLOT_PTR;
      this.view().setUint32(out, 0, true);
      const rc = labels || cond
        ? this.c.rill_trainer_new_labeled(p, pts, count, dim, labels ? copy(labels) : 0, cond ? copy(cond) : 0, condDim,
          out, this.errBuffer(), ERR_CAP)
        : this.c.rill_trainer_new(p, dataset, pts, count, dim, out, this.errBuffer(), ERR_CAP);
      if (rc !== 0) throw this.statusError(rc, this.errText());
      return new Trainer(this, this.view().getUint32(out, true), DATASETS[source]);
    } finally {
      for (const q of blocks) this.free(q);
    }
  }

  // The labels (Int32Array) or condition vectors (Float32Array, count × condDim) of a trainer's points.
  trainerConditions(opts, count) {
    if (opts.labels !== undefined && opts.cond !== undefined) fail('give labels or cond, not both (a model has one kind of condition)');
    if (opts.labels !== undefined) {
      const labels = opts.labels instanceof Int32Array ? opts.labels : Int32Array.from(opts.labels);
      if (labels.length !== count) fail(`labels holds ${labels.length} values; the points are ${count}`);
      return { labels, cond: null, condDim: 0 };
    }
    if (opts.cond === undefined) {
      if (opts.condDim !== undefined) fail('condDim needs cond (count × condDim values)');
      return { labels: null, cond: null, condDim: 0 };
    }
    const cond = asFloat32('cond', opts.cond);
    const condDim = checkInt('condDim', opts.condDim ?? 1, 1, 4096);
    if (cond.length !== count * condDim)
      fail(`cond holds ${cond.length} values; ${count} points × condDim ${condDim} = ${count * condDim}`);
    return { labels: null, cond, condDim };
  }
}

const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(({ rill, ptr, kind }) => {
    if (kind === 'model') rill.c.rill_model_free(ptr); else rill.c.rill_trainer_free(ptr);
  })
  : null;

/** A model: sample, integrate, evaluate the field. From Rill.loadModel (owned) or Trainer.model (borrowed). */
export class Model {
  constructor(rill, ptr, owned, owner = null, formula = null) {
    this.rill = rill;
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
  /** A class model's class names (metadata class_names), or null. */
  get classNames() {
    const names = this.info.metadata.class_names;
    return names === undefined ? null : names.split(',');
  }

  // Fills rill_run_options in the scratch block; returns [its address, a block to free (vector conditions) or 0].
  // condition: a class index (number), or a Float32Array of M values (one condition for every point) or n×M
  // (one per point), for a vector:M model; guidance: w (default 1; needs a condition).
  runOptions(n, { solver, steps, t0, t1, t, condition, guidance = 1, probes = 0, probeSeed = 0 } = {}) {
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
      fail(`condition holds ${values.length} values; the model's condition is vector:${width} (${width} values, or n × ${width} = ${n * width})`);
    const rows = values.length === width ? 1 : n;
    const block = r.alloc(Math.max(4 * values.length, 4));
    r.putFloats(block, values);
    set('condition', block);
    set('condition_rows', rows);
    return [o, block];
  }

  readMetadata() {
    const r = this.rill, meta = {}, cap = 4096, keyCap = 64;
    const enc = new TextEncoder();
    r.withBlock(keyCap + cap, (p) => {
      const out = p + keyCap;
      for (const key of METADATA_KEYS) {
        const k = enc.encode(key);  // the keys are short ASCII names (< keyCap)
        r.putBytes(p, k);
        r.u8()[p + k.length] = 0;
        if (r.c.rill_model_metadata(this.ptr, p, out, cap) === 0) meta[key] = r.cstring(out, cap);
      }
    });
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
   * Integrates given points (n×d) from t0 to t1 (t1 < t0 runs backwards, data → noise).
   * Returns { x, trajectory } like sample(); the input is not modified. condition, guidance: as sample().
   */
  integrate(points, { steps = 20, solver = 'heun', t0 = 0, t1 = 1, trajectory = false, condition, guidance = 1 } = {}) {
    const r = this.rill, d = this.info.dim;
    const x = asFloat32('points', points);
    if (x.length % d !== 0) fail(`points must hold n × ${d} values (got ${x.length})`);
    const n = x.length / d;
    checkInt('steps', steps, 1, INT_MAX);
    const s = pick('solver', solver, SOLVERS);
    checkNumber('t0', t0, -1e30, 1e30);
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
   * The vector field u_t at n points (n×d floats in, n×d floats out): field(points, t), or
   * field(points, { t, condition, guidance }) for a conditioned field (condition, guidance: as sample()).
   */
  field(points, t) {
    const r = this.rill, d = this.info.dim;
    let condition, guidance;
    if (typeof t === 'object' && t !== null) ({ t, condition, guidance } = t);
    const x = asFloat32('points', points);
    if (x.length % d !== 0) fail(`points must hold n × ${d} values (got ${x.length})`);
    checkNumber('t', t, -1e30, 1e30);
    const n = x.length / d;
    const bytes = floatBytes(x.length, `${n} points`);
    const h = this.handle();
    const buf = r.alloc(Math.max(2 * bytes, 4));
    let cond = 0;
    try {
      r.putFloats(buf, x);
      let o;
      [o, cond] = this.runOptions(n, { t, condition, guidance });
      const rc = r.c.rill_field_with(h, buf, n, o, buf + bytes);
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
   * probeSeed (an estimate, not the exact value; 0, the default, is exact; not under a condition).
   */
  logProb(points, { steps = 20, solver = 'heun', t = 1, condition, guidance = 1, probes = 0, probeSeed = 0 } = {}) {
    const r = this.rill, d = this.info.dim;
    const x = asFloat32('points', points);
    if (x.length % d !== 0) fail(`points must hold n × ${d} values (got ${x.length})`);
    const n = x.length / d;
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
