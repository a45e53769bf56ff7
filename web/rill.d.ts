// rill.d.ts — TypeScript declarations for rill.mjs, the JavaScript API of rill (npm package rill-flow).
//
// Every export of rill.mjs, every method and property of its classes, is declared here, and nothing
// else: `make npm-test` (tests/npm/check_types.mjs) loads rill.mjs in Node and fails when either side
// has a name, a parameter, an option key or a name list the other lacks. The "low-level" members are
// the binding's plumbing over the C API (src/rill/rill.h); they are public in JavaScript, so they are
// declared, but ordinary use needs none of them.

// ---- the name lists ---------------------------------------------------------------------------

/** The fixed-step ODE solvers, in the C API's order (RILL_EULER … RILL_RK4). */
export declare const SOLVERS: readonly ['euler', 'midpoint', 'heun', 'rk4'];
/** A solver by name. Where a solver is taken, its index in {@link SOLVERS} is accepted too. */
export type Solver = 'euler' | 'midpoint' | 'heun' | 'rk4';

/** Field evaluations per step of each solver: euler 1, midpoint 2, heun 2, rk4 4. */
export declare const EVALUATIONS: { readonly euler: 1; readonly midpoint: 2; readonly heun: 2; readonly rk4: 4 };

/** The built-in 2-D datasets (`rill data --data NAME`), in the C API's order. */
export declare const DATASETS: readonly ['gaussian', '8gaussians', 'moons', 'checkerboard', 'circles', 'spirals',
  'swissroll'];
/** A built-in dataset by name (or its index in {@link DATASETS}, where one is taken). */
export type Dataset = 'gaussian' | '8gaussians' | 'moons' | 'checkerboard' | 'circles' | 'spirals' | 'swissroll';

/** Classes of each of {@link DATASETS} (datasets.md, "Labels"): 0 for a dataset without labels. */
export declare const DATASET_CLASSES: readonly [0, 8, 2, 8, 2, 2, 0];

/** The kinds of a model's condition, in the C API's order (RILL_CONDITION_NONE, _CLASS, _VECTOR). */
export declare const CONDITIONS: readonly ['none', 'class', 'vector'];
/** A kind of condition by name (or its index in {@link CONDITIONS}, where one is taken). */
export type ConditionKind = 'none' | 'class' | 'vector';

/**
 * The condition of one call: a class index (0..C-1) for a class:C model, or the M values of a
 * vector:M model's condition (one for every point) or n×M values (one per point). Absent: none.
 */
export type Condition = number | Points;

/** The MLP's activations, in the C API's order. */
export declare const ACTIVATIONS: readonly ['silu', 'relu', 'tanh', 'gelu', 'gelu_tanh'];
/** An activation by name (or its index in {@link ACTIVATIONS}, where one is taken). */
export type Activation = 'silu' | 'relu' | 'tanh' | 'gelu' | 'gelu_tanh';

/** The trainer's learning-rate schedules. */
export type Schedule = 'constant' | 'cosine';
/** How the trainer pairs noise with data: independently, or by minibatch optimal transport. */
export type Coupling = 'independent' | 'ot';

/** The status names of the C API (`rill_status_name`), as {@link RillError.status} carries them. */
export type RillStatus = 'ok' | 'invalid_argument' | 'out_of_memory' | 'io_error' | 'truncated' | 'bad_header'
  | 'bad_json' | 'unsupported_dtype' | 'bad_tensor' | 'bad_shape' | 'bad_offsets' | 'non_finite' | 'bad_metadata'
  | 'unsupported' | 'unknown';

/** The `__metadata__` keys of a model file that {@link ModelInfo.metadata} reads (see the format spec). */
export type MetadataKey = 'rill.format' | 'dim' | 'activation' | 'time_embedding' | 'path' | 'sigma_min'
  | 'dataset' | 'steps' | 'batch' | 'lr' | 'seed' | 'coupling' | 'ema' | 'final_loss' | 'train_seconds' | 'condition'
  | 'class_names' | 'source' | 'cfg_dropout' | 'made_by' | 'sample_solver' | 'sample_steps' | 'teacher'
  | 'step_embedding';
/** A model file's metadata: each key the file has, with its string value as written. */
export type ModelMetadata = { readonly [K in MetadataKey]?: string };

// ---- values in and out --------------------------------------------------------------------------

/**
 * Points as row-major numbers: n points of d coordinates are n×d values. A Float32Array is used as is;
 * arrays of numbers and other numeric typed arrays are converted to float32.
 */
export type Points = Float32Array | Float64Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array
  | Uint16Array | Int32Array | Uint32Array | readonly number[];

/** The bytes of a `.safetensors` model file. They are copied into the module. */
export type ModelBytes = Uint8Array | ArrayBuffer | ArrayBufferView;

/** Where rill.wasm comes from: a URL (relative to rill.mjs), its bytes, or a compiled module. */
export type RillWasmSource = string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/** The functions rill.wasm exports, under their C names (`rill_sample`, …), and its memory. */
export interface RillExports {
  readonly memory: WebAssembly.Memory;
  readonly [name: `rill_${string}`]: (...args: number[]) => number;
}

/** An instantiated rill.wasm, as the loader (rill_loader.mjs) returns it. */
export interface RillWasm {
  readonly exports: RillExports;
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
}

/** One field of a C struct as the module describes it: byte offset and type ('i' int32, 'u' uint32, 'f' float, 'p' pointer). */
export interface StructField {
  readonly offset: number;
  readonly type: string;
}

/** A C struct's layout, read from the module at load time (`rill_layout_fields`, `rill_layout_offset`). */
export interface StructLayout {
  readonly size: number;
  readonly fields: { readonly [name: string]: StructField };
}

/** What a model is: its architecture and, for a model opened from a file, the file's metadata. */
export interface ModelInfo {
  /** Dimension of the points (2 for the built-in datasets). */
  readonly dim: number;
  /** Linear layers of the MLP (hidden layers + 1). */
  readonly layers: number;
  /** Width of the hidden layers. */
  readonly width: number;
  /** Hidden layers (`layers - 1`), the trainer's `depth`. */
  readonly depth: number;
  /** The activation by name ('unknown' for an index this version does not name). */
  readonly activation: Activation | 'unknown';
  /** Frequencies of the sinusoidal time embedding (0: t itself is the time input). */
  readonly timeK: number;
  /**
   * The step embedding (formats.md, `step_embedding`): -1 none; 0 raw h; K sin:K. A step-conditioned
   * model (>= 0) reads the step length h: its output is the average velocity over [t, t + h]; it
   * integrates forwards only and has no log-density. As {@link Model.stepEmbedding}, by name.
   */
  readonly stepK: number;
  /** Number of weights and biases. */
  readonly params: number;
  /** Floating-point operations of one field evaluation of one point. */
  readonly flops: number;
  /** σ_min of the probability path the model was trained for. */
  readonly sigmaMin: number;
  /** The file's metadata; empty for a trainer's model and a formula model. */
  readonly metadata: ModelMetadata;
  /** A formula model's name ('exact:8gaussians', 'linear:…'; then layers, width, params and flops are 0), else null. */
  readonly formula: string | null;
  /** The model's condition (as {@link Model.condition}). */
  readonly condition: ModelCondition;
}

/** A model's step embedding by name: 'none', or 'raw' / 'sin:K' for a step-conditioned model. */
export type StepEmbedding = 'none' | 'raw' | `sin:${number}`;

/** A model's condition: none, class:C (width C classes) or vector:M (width M values). */
export interface ModelCondition {
  readonly kind: ConditionKind;
  /** C or M; 0 for none. */
  readonly width: number;
}

/** The condition and guidance of a call (sample, integrate, field, logProb). */
export interface ConditionOptions {
  /** A class index, or a vector model's M (or n×M) values; absent: the unconditional field. */
  condition?: Condition;
  /**
   * Classifier-free guidance weight w (default 1): u(·|0) + w·(u(·|c) − u(·|0)); 1 is u(·|c) alone, 0 the
   * unconditional field. Needs a condition.
   */
  guidance?: number;
}

/** Options of {@link Model.field} given as an object. */
export interface FieldOptions extends ConditionOptions {
  /** The time of u_t. */
  t: number;
  /**
   * A step-conditioned model's step length h in [0, 1] (default 0: the instantaneous velocity): the
   * field is then its average velocity over [t, t + h] (`rill field --h H`). Refused for a model
   * without a step embedding.
   */
  h?: number;
}

/** Options of {@link Rill.drawDataset}. */
export interface DrawOptions {
  /** A labelled dataset's class K alone (`rill data --class K`); -1 (default): every class. */
  classIndex?: number;
  /** true: return the points with each one's class (`--labels-out`). */
  labels?: boolean;
}

/** Points of a labelled draw, with each point's class. */
export interface LabeledPoints {
  readonly points: Float32Array;
  readonly labels: Int32Array;
}

/** Options of {@link Model.logProb}: a condition is one for every point (a class index or M values). */
export interface LogProbOptions extends ConditionOptions {
  /** Solver steps from t back to 0 (default 20). */
  steps?: number;
  /** The solver (default 'heun'). */
  solver?: Solver;
  /** The time of the density log p_t, in [0, 1] (default 1: the data). */
  t?: number;
  /** 0 (default): the exact divergence; K in 1..4096: Hutchinson's unbiased estimate with K Rademacher probes a point. */
  probes?: number;
  /** Seed of the Hutchinson probes, 0..4294967295 (default 0). */
  probeSeed?: number;
}

/** Options of {@link Model.sample}. */
export interface SampleOptions extends ConditionOptions {
  /** Number of samples (default 1000). */
  n?: number;
  /** Solver steps from t = 0 to 1 (default 20). */
  steps?: number;
  /** The solver (default 'heun'). */
  solver?: Solver | number;
  /** uint32 seed of the x0 ~ N(0, I) draws (default 0). */
  seed?: number;
  /** Also return every step's points (default false). */
  trajectory?: boolean;
}

/** Options of {@link Model.integrate}. */
export interface IntegrateOptions extends ConditionOptions {
  /** Solver steps (default 20). */
  steps?: number;
  /** The solver (default 'heun'). */
  solver?: Solver | number;
  /** Start time in [0, 1] (any for a linear: formula; default 0). */
  t0?: number;
  /** End time in [0, 1] (any for a linear: formula; default 1); t1 < t0 runs backwards, data → noise (refused for a step-conditioned model). */
  t1?: number;
  /** Also return every step's points (default false). */
  trajectory?: boolean;
}

/** Points at the end of an integration, and optionally on the way. */
export interface SampleResult {
  /** n×d floats at the end time. */
  readonly x: Float32Array;
  /** (steps+1)×n×d floats, the start points first, or null unless `trajectory: true`. */
  readonly trajectory: Float32Array | null;
}

/** Settings of {@link Rill.trainer}; every one optional, with rill.h's defaults. */
export interface TrainerSettings {
  /** Hidden width (default 128, 1..65536). */
  width?: number;
  /** Hidden layers (default 3, 0..15). */
  depth?: number;
  /** Activation (default 'silu'). */
  activation?: Activation | number;
  /** Sinusoidal time frequencies (default 0: t itself; 0..12). */
  timeK?: number;
  /** Planned length of the run, for the cosine schedule (default 20000). */
  steps?: number;
  /** Minibatch size (default 256). */
  batch?: number;
  /** Learning rate of Adam (default 1e-3). */
  lr?: number;
  /** Learning-rate schedule (default 'constant'). */
  schedule?: Schedule | number;
  /** Warm-up steps (default 0). */
  warmup?: number;
  /** The cosine schedule's floor as a share of lr (default 0). */
  lrFloor?: number;
  /** Gradient-norm clip (default 0: none). */
  clip?: number;
  /** EMA decay of the weights (default 0: no EMA). */
  ema?: number;
  /** Noise–data coupling (default 'independent'). */
  coupling?: Coupling | number;
  /** σ_min of the probability path (default 0). */
  sigmaMin?: number;
  /** uint32 seed of initialisation and minibatches (default 0). */
  seed?: number;
  /** A conditioned model's share of rows trained as "no condition" (default 0.1, 0 <= p < 1). */
  cfgDropout?: number;
  /** Where x0 is drawn from: 'gaussian' (default, N(0, I)) or a built-in dataset (2-D data). */
  source?: Dataset | number;
}

/** Train on a built-in dataset (default 'moons'). */
export interface DatasetTrainerOptions extends TrainerSettings {
  dataset?: Dataset | number;
  /** Condition the model on the dataset's labels ('class') or its vector ('vector': swissroll's s). */
  condition?: ConditionKind | number;
  points?: undefined;
  dim?: undefined;
  labels?: undefined;
  cond?: undefined;
  condDim?: undefined;
}

/** Train on your own points: count×dim floats. */
export interface PointsTrainerOptions extends TrainerSettings {
  points: Points;
  /** Dimension of the points (default 2, 1..4096). */
  dim?: number;
  /** A class model: each point's class (count values >= 0; C = 1 + the largest). */
  labels?: Int32Array | readonly number[];
  /** A vector model: each point's condition, count×condDim values (not with labels). */
  cond?: Points;
  /** Values per condition (default 1, 1..4096). */
  condDim?: number;
  /** 'none' (default), or the kind labels / cond give. */
  condition?: ConditionKind | number;
  dataset?: undefined;
}

/** Options of {@link Rill.trainer}: a dataset or points (not both), and settings. */
export type TrainerOptions = DatasetTrainerOptions | PointsTrainerOptions;

// ---- the classes --------------------------------------------------------------------------------

/** An error from rill: `message` is the core's reason. Thrown by every function here on bad input. */
export declare class RillError extends Error {
  constructor(message: string, code?: number, status?: RillStatus);
  /** Always 'RillError'. */
  name: string;
  /** The C API's status code (1 for an argument refused before reaching the core). */
  readonly code: number;
  /** The status's name, e.g. 'bad_header'. */
  readonly status: RillStatus;
}

/** The loaded module. Create with `await Rill.load()`; one per thread (page or worker). */
export declare class Rill {
  /** Loads rill.wasm: from `source`, or by default the file beside rill.mjs (read from disk in Node). */
  static load(source?: RillWasmSource): Promise<Rill>;
  /** Loads the sampler-only rill-sample.wasm (default: beside rill.mjs): no trainer, the same bits. */
  static loadSampler(source?: RillWasmSource): Promise<Rill>;
  /** False for the sampler-only module; its trainer() throws a RillError with status 'unsupported'. */
  get hasTrainer(): boolean;
  /** Wraps an instantiated module; {@link Rill.load} does this for you. */
  constructor(wasm: RillWasm);

  /** The library's version, e.g. "0.2.0" (rill.h's RILL_VERSION_*). */
  get version(): string;
  /** Bytes of WebAssembly memory in use by the module (it only grows). */
  get memoryBytes(): number;

  /**
   * n points of a built-in dataset drawn with `seed` (uint32, default 0): a Float32Array of n (x, y)
   * pairs, bit for bit the points `rill data --data NAME --n N --seed SEED` writes; with
   * `classIndex`, class K alone (`--class K`); with `labels: true`, the points and their classes.
   */
  drawDataset<L extends boolean = false>(name: Dataset | number, n: number, seed?: number,
    opts?: DrawOptions & { labels?: L }): L extends true ? LabeledPoints : Float32Array;
  /**
   * Opens a model from the bytes of a .safetensors file (copied), or a model that is a formula by its
   * name: 'exact:8gaussians' (the closed-form marginal field of the 8gaussians mixture) or
   * 'linear:a,b,c,d' (u = A·x, A row-major, d² values). Throws {@link RillError} with the reason.
   */
  loadModel(source: ModelBytes | string): Model;
  /** A formula model by name (what loadModel does with a string). */
  openName(name: string): Model;
  /**
   * Low-level: opens a model file read by safetensors.mjs (`model`: its readModel result; `data`: the
   * file's bytes) as a rill_compiled_model, which is how loadModel opens files (rill.wasm has no loader).
   */
  openCompiled(model: unknown, data: Uint8Array): Model;
  /** exp(t·A) for a 2×2 matrix A (4 numbers, row-major), in closed form: a Float32Array(4), row-major. */
  matrixExp2x2(A: ArrayLike<number>, t: number): Float32Array;
  /** A fresh trainer: on a dataset (default 'moons') or on `points` + `dim` (with labels or cond). */
  trainer(opts?: TrainerOptions): Trainer;
  /** Low-level: the labels or conditions of a trainer's points, checked against their count. */
  trainerConditions(opts: PointsTrainerOptions, count: number):
    { labels: Int32Array | null; cond: Float32Array | null; condDim: number };

  /** Low-level: the instantiated module. */
  readonly wasm: RillWasm;
  /** Low-level: the module's exports (the C API by its C names). */
  readonly c: RillExports;
  /** Low-level: the layouts of rill_model_info, rill_train_config, rill_run_options and rill_compiled_model, read from the module. */
  readonly layouts: {
    readonly info: StructLayout; readonly config: StructLayout; readonly options: StructLayout; readonly compiled: StructLayout;
  };
  /** Low-level: address of the binding's scratch block in wasm memory. */
  readonly scratch: number;
  /** Low-level: a fresh byte view of wasm memory (stale once memory grows). */
  u8(): Uint8Array;
  /** Low-level: a fresh DataView of wasm memory. */
  view(): DataView;
  /** Low-level: allocates `bytes` in wasm memory; throws an out_of_memory RillError. */
  alloc(bytes: number): number;
  /** Low-level: frees a block from alloc() (0 is ignored). */
  free(p: number): void;
  /** Low-level: the NUL-terminated UTF-8 string at `ptr` (at most `cap` bytes, default 1 MiB). */
  cstring(ptr: number, cap?: number): string;
  /** Low-level: copies bytes into wasm memory at `ptr`. */
  putBytes(ptr: number, bytes: ArrayLike<number>): void;
  /** Low-level: copies floats into wasm memory at `ptr`. */
  putFloats(ptr: number, floats: ArrayLike<number>): void;
  /** Low-level: a copy of `count` floats at `ptr`. */
  getFloats(ptr: number, count: number): Float32Array;
  /** Low-level: calls `fn` with a temporary block of `bytes` bytes, freed afterwards. */
  withBlock<T>(bytes: number, fn: (ptr: number) => T): T;
  /** Low-level: a RillError for a status code, with `message` or the core's text for the code. */
  statusError(code: number, message?: string): RillError;
  /** Low-level: the scratch error buffer, emptied. */
  errBuffer(): number;
  /** Low-level: the scratch error buffer's text. */
  errText(): string;
  /** Low-level: a struct's layout from the module; throws if a field in `needed` is missing. */
  readLayout(which: number, needed: readonly string[]): StructLayout;
  /** Low-level: reads a field of the struct at `p` by name. */
  field(layout: StructLayout, p: number, name: string): number;
  /** Low-level: writes a field of the struct at `p` by name. */
  field(layout: StructLayout, p: number, name: string, value: number): void;
}

/**
 * A model: sample, integrate, evaluate the field. From {@link Rill.loadModel} (owned: free() it) or
 * {@link Trainer.model} (borrowed: valid until the trainer's next step() or free()).
 */
export declare class Model {
  /** Low-level: wraps a rill_model*; use {@link Rill.loadModel} or {@link Trainer.model}. */
  constructor(rill: Rill, ptr: number, owned: boolean, owner?: Trainer | null, formula?: string | null,
    fileMetadata?: ReadonlyMap<string, string> | null);

  /** The model's architecture and metadata. */
  readonly info: ModelInfo;
  /** A formula model's name ('exact:8gaussians', 'linear:…'), else null. */
  readonly formula: string | null;
  /** The model's condition: none, class:C or vector:M. */
  get condition(): ModelCondition;
  /** Where sample() draws x0: 'gaussian' (N(0, I)) or the dataset of the model's `source`. */
  get source(): Dataset;
  /** A class model's class names (metadata class_names), or null. */
  get classNames(): string[] | null;
  /**
   * 'raw' or 'sin:K' for a step-conditioned model (it reads the step length h: sample() and integrate()
   * give it h = (t1 - t0) / steps, field() takes `h`; it integrates forwards only and logProb() refuses
   * it), else 'none'. {@link ModelInfo.stepK} as a number.
   */
  get stepEmbedding(): StepEmbedding;

  /**
   * Draws n samples: x0 ~ N(0, I) (or the model's source dataset) from `seed`, integrated from t = 0
   * to 1, under `condition` and `guidance` if given. The same model, n, steps, solver, seed, condition
   * and guidance give the same bits as the native library and `rill sample --class K --guidance W`.
   */
  sample(opts?: SampleOptions): SampleResult;
  /** Integrates given points (n×d) from t0 to t1; the input is not modified. A step-conditioned model: t1 >= t0 only. */
  integrate(points: Points, opts?: IntegrateOptions): SampleResult;
  /** The vector field u_t at n points (n×d values in, n×d floats out), t in [0, 1] (any for a linear: formula); with options, under a condition. */
  field(points: Points, t: number | FieldOptions): Float32Array;
  /**
   * log p_t(x) in nats at n points (n×d values): a Float32Array of n, with the exact divergence carried
   * back from t to 0 as one more solver state; the same bits as the native library. A point whose way
   * back overflows or gives NaN throws a {@link RillError} with status 'non_finite' naming the points.
   * A step-conditioned model has no log-density: refused with a {@link RillError}.
   */
  logProb(points: Points, opts?: LogProbOptions): Float32Array;
  /** Releases the model's memory (an owned model; a trainer's model lives as long as the trainer). */
  free(): void;

  /** Low-level: the module this model lives in. */
  readonly rill: Rill;
  /** Low-level: the rill_model* (0 once freed). */
  readonly ptr: number;
  /** Low-level: whether free() releases the model (false for a trainer's model). */
  readonly owned: boolean;
  /** Low-level: the trainer of a borrowed model, else null. */
  readonly owner: Trainer | null;
  /** Low-level: a file model's `__metadata__`, every key (read in JavaScript by safetensors.mjs), else null. */
  readonly fileMetadata: ReadonlyMap<string, string> | null;
  /** Low-level: the trainer's generation when this model was taken. */
  readonly generation: number;
  /** Low-level: the rill_model*, or throws if freed or stale. */
  handle(): number;
  /** Low-level: reads {@link ModelInfo} from the module. */
  readInfo(): ModelInfo;
  /** Low-level: reads the file's metadata keys. */
  readMetadata(): ModelMetadata;
  /** Low-level: a RillError with the model's last error text. */
  lastError(code: number): RillError;
  /**
   * Low-level: fills rill_run_options in the scratch block for n points; returns its address and a block
   * holding a vector condition (0 if none) for the caller to free.
   */
  runOptions(n: number, opts?: { solver?: number; steps?: number; t0?: number; t1?: number; t?: number; h?: number; probes?: number; probeSeed?: number }
    & ConditionOptions): [number, number];
}

/** Trains a fresh model in WebAssembly memory. From {@link Rill.trainer}. */
export declare class Trainer {
  /** Low-level: wraps a rill_trainer*; use {@link Rill.trainer}. */
  constructor(rill: Rill, ptr: number, source?: Dataset);
  /** Where its model draws x0: 'gaussian' or a dataset name. */
  readonly source: Dataset;

  /** Runs k optimisation steps (default 1); returns their minibatch losses (k floats). */
  step(k?: number): Float32Array;
  /** Steps done so far. */
  get stepsDone(): number;
  /** The model being trained (the EMA when enabled); valid until the next step() or free(). */
  model(): Model;
  /** The model as a .safetensors file with its training facts, which the native `rill` reads. */
  save(): Uint8Array;
  /** Releases the trainer and everything it holds. */
  free(): void;

  /** Low-level: the module this trainer lives in. */
  readonly rill: Rill;
  /** Low-level: the rill_trainer* (0 once freed). */
  readonly ptr: number;
  /** Low-level: counts step() calls; a model taken before the last one is stale. */
  readonly generation: number;
  /** Low-level: the rill_trainer*, or throws if freed. */
  handle(): number;
}
