// rill_base.mjs — what rill.mjs and rill_model.mjs share: the name lists of the C API's enums,
// the struct field names whose layouts the module reports, the scratch block's slots, RillError and
// the argument checks. Internal: users import rill.mjs, which re-exports the public names.

export const SOLVERS = ['euler', 'midpoint', 'heun', 'rk4'];
export const EVALUATIONS = { euler: 1, midpoint: 2, heun: 2, rk4: 4 };  // field evaluations per step
export const DATASETS = ['gaussian', '8gaussians', 'moons', 'checkerboard', 'circles', 'spirals', 'swissroll'];
export const ACTIVATIONS = ['silu', 'relu', 'tanh', 'gelu', 'gelu_tanh'];
export const SCHEDULES = ['constant', 'cosine'];
export const COUPLINGS = ['independent', 'ot'];
export const CONDITIONS = ['none', 'class', 'vector'];  // rill.h's RILL_CONDITION_*
/** Classes of each of DATASETS (datasets.md, "Labels"): 0 for a dataset without labels. */
export const DATASET_CLASSES = [0, 8, 2, 8, 2, 2, 0];
export const METADATA_KEYS = ['rill.format', 'dim', 'activation', 'time_embedding', 'path', 'sigma_min', 'dataset',
  'steps', 'batch', 'lr', 'seed', 'coupling', 'ema', 'final_loss', 'train_seconds', 'condition', 'class_names',
  'source', 'cfg_dropout', 'made_by', 'sample_solver', 'sample_steps', 'teacher', 'step_embedding'];

export const INT_MAX = 0x7fffffff;
export const MAX_BYTES = 2 ** 31 - 2 ** 24;  // wasm32 here: 2 GiB of memory at most, less what the module holds

// The C structs these files read or write (rill.h): their layouts come from the module itself
// (rill_layout_fields / rill_layout_offset) at load time, never copied here. Fields by name.
export const LAYOUT_INFO = 0, LAYOUT_CONFIG = 1, LAYOUT_OPTIONS = 2;  // RILL_LAYOUT_MODEL_INFO, _TRAIN_CONFIG, _RUN_OPTIONS
export const LAYOUT_COMPILED = 3;  // RILL_LAYOUT_COMPILED_MODEL: rill_compiled_model, which loadModel fills
export const COMPILED_FIELDS = ['version', 'dim', 'layers', 'sizes', 'activation', 'time_k', 'step_k', 'condition_kind',
  'condition_count', 'source', 'sigma_min', 'dtype', 'weight', 'bias', 'scale', 'checksum'];
// rill.h's RILL_COMPILED_VERSION: a struct of another version is refused by the module with its message
// ("compiled model of another version"), so every loadModel test would fail if the two differed.
export const COMPILED_VERSION = 2;
export const INFO_FIELDS = ['dim', 'layers', 'width', 'activation', 'time_k', 'params', 'flops', 'sigma_min', 'step_k'];
export const CONFIG_FIELDS = ['width', 'depth', 'activation', 'time_k', 'steps', 'batch', 'lr', 'schedule', 'warmup',
  'lr_floor', 'clip', 'ema', 'coupling', 'sigma_min', 'seed', 'cfg_dropout', 'source', 'condition'];
export const OPTIONS_FIELDS = ['solver', 'steps', 't0', 't1', 't', 'class_index', 'condition', 'condition_rows', 'guidance', 'probes',
  'probe_seed', 'h'];

// Scratch block reserved at load time (the module is single-threaded).
export const SLOT_PTR = 0;      // an out-pointer (rill_model**, rill_trainer**) or size_t
export const SLOT_ERR = 16;     // err buffer for the functions that take one
export const ERR_CAP = 512;
export const SLOT_STRUCT = SLOT_ERR + ERR_CAP;  // rill_model_info, rill_train_config or rill_run_options (sizes from the layouts)

/** An error from rill: `message` is the core's reason; `status` its name ('bad_header'); `code` the number. */
export class RillError extends Error {
  constructor(message, code = 1, status = 'invalid_argument') {
    super(message);
    this.name = 'RillError';
    this.code = code;
    this.status = status;
  }
}

export function fail(message) { throw new RillError(message, 1); }

export function checkInt(name, v, lo, hi) {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    fail(`${name} must be an integer in ${lo}..${hi} (got ${v})`);
  return v;
}
export function checkNumber(name, v, lo, hi) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi)
    fail(`${name} must be a number in [${lo}, ${hi}] (got ${v})`);
  return v;
}
export function checkSeed(seed) { return checkInt('seed', seed, 0, 0xffffffff); }
export function pick(name, v, names) {
  const i = typeof v === 'number' ? (Number.isInteger(v) && v >= 0 && v < names.length ? v : -1) : names.indexOf(v);
  if (i < 0) fail(`unknown ${name} ${JSON.stringify(v)} (one of: ${names.join(', ')})`);
  return i;
}
export function asFloat32(name, points) {
  if (points instanceof Float32Array) return points;
  if (Array.isArray(points) || ArrayBuffer.isView(points)) return Float32Array.from(points);
  fail(`${name} must be a Float32Array or an array of numbers`);
}
export function asBytes(bytes) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  fail('the model file must be a Uint8Array or an ArrayBuffer');
}
export function floatBytes(count, what) {
  const bytes = count * 4;
  if (!(bytes <= MAX_BYTES)) fail(`${what} needs ${bytes} bytes, more than WebAssembly memory can hold`);
  return bytes;
}
