// rill.mjs — the JavaScript API of rill: flow-matching models in the browser and in Node.
//
// A thin layer over the C API (src/rill/rill.h) compiled to rill.wasm. Every
// call copies its inputs into the module, calls C, and copies the results out:
// the typed arrays you get are yours (never views into wasm memory, which moves
// when it grows). Everything allocated for a call is freed before it returns;
// models and trainers hold wasm memory until you call free().
// Model files are read here, in JavaScript (safetensors.mjs: the C loader's checks and messages),
// and handed to the module as compiled models: the modules carry no safetensors or JSON parser.
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
//   model.stepEmbedding;                                  // 'none', or 'raw' / 'sin:K': a step-conditioned model
//   model.field(points, { t: 0.3, h: 0.25 });             // its average velocity over [t, t + h] (forwards only, no logProb)
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
import {
  SOLVERS, EVALUATIONS, DATASETS, ACTIVATIONS, SCHEDULES, COUPLINGS, CONDITIONS, DATASET_CLASSES, INT_MAX,
  LAYOUT_INFO, INFO_FIELDS, CONFIG_FIELDS, OPTIONS_FIELDS, SLOT_PTR, SLOT_ERR, ERR_CAP, SLOT_STRUCT, RillError,
  fail, checkInt, checkNumber, checkSeed, pick, asFloat32, asBytes, floatBytes, LAYOUT_CONFIG, LAYOUT_OPTIONS,
  LAYOUT_COMPILED, COMPILED_FIELDS, COMPILED_VERSION,
} from './rill_base.mjs';
import { Model, Trainer } from './rill_model.mjs';
import { readModel, compiledArrays, LoadError } from './safetensors.mjs';

// The public names: the lists and the error (rill_base.mjs), the model and trainer classes (rill_model.mjs).
export { SOLVERS, EVALUATIONS, DATASETS, ACTIVATIONS, CONDITIONS, DATASET_CLASSES, RillError, Model, Trainer };

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
      compiled: this.readLayout(LAYOUT_COMPILED, COMPILED_FIELDS),
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
    let model;
    try {
      model = readModel(data);  // safetensors.mjs: the C loader's checks and messages, in JavaScript
    } catch (e) {
      if (e instanceof LoadError) throw this.statusError(e.code, e.message);
      throw e;
    }
    return this.openCompiled(model, data);
  }

  // A read model as a rill_compiled_model (rill.h) in one wasm block, the struct first and then its
  // arrays 8-byte aligned, opened by rill_model_open_compiled (which then owns the block). The layout
  // is the module's (RILL_LAYOUT_COMPILED_MODEL); array elements are 4 bytes apart (wasm32).
  openCompiled(model, data) {
    const L = this.layouts.compiled, { spec } = model, { dtype, layers } = compiledArrays(model, data);
    const align = (x) => Math.ceil(x / 8) * 8;
    let size = align(L.size);
    const places = layers.map((l) => ['w', 'b', 's'].map((k) => {
      if (!l[k]) return 0;
      const at = size;
      size = align(size + l[k].length);
      return at;
    }));
    const block = this.alloc(size);
    let owned = false;
    try {
      this.u8().fill(0, block, block + L.size);
      const set = (name, value, i = 0) => this.field(L, block + 4 * i, name, value);
      const fields = { version: COMPILED_VERSION, dim: spec.dim, layers: spec.layers, activation: spec.activation,
        time_k: spec.timeK, step_k: spec.stepK, condition_kind: spec.conditionKind, condition_count: spec.conditionCount,
        source: spec.source, sigma_min: spec.sigmaMin, dtype };
      for (const [name, value] of Object.entries(fields)) set(name, value);
      spec.sizes.forEach((v, i) => set('sizes', v, i));
      layers.forEach((l, i) => ['w', 'b', 's'].forEach((k, j) => {
        if (!l[k]) return;
        this.putBytes(block + places[i][j], l[k]);
        set(['weight', 'bias', 'scale'][j], block + places[i][j], i);
      }));
      set('checksum', this.c.rill_compiled_checksum(block) >>> 0);
      const out = this.scratch + SLOT_PTR;
      this.view().setUint32(out, 0, true);
      const rc = this.c.rill_model_open_compiled(block, out, this.errBuffer(), ERR_CAP);
      if (rc !== 0) throw this.statusError(rc, this.errText());
      owned = true;
      return new Model(this, this.view().getUint32(out, true), true, null, null, model.metadata);
    } finally {
      if (!owned) this.free(block);
    }
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
