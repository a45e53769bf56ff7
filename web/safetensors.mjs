// safetensors.mjs — reads a rill model file (shared/spec/formats.md, "Model file") in JavaScript,
// so that rill.wasm carries no safetensors, JSON or decimal parser: rill.mjs lays the tensors out
// as a rill_compiled_model and opens it with rill_model_open_compiled. Internal to rill.mjs.
//
// It is a port of the C loader (src/rill/safetensors_header.cpp, model_io.cpp, model_meta.cpp,
// narrow.cpp's value checks, MlpSpec::validate), check for check in the same order, so that both
// accept the same files and refuse the others with the same status and the same one-line message
// (tests/wasm/loaders.test.mjs runs every good and damaged model file through both). The header is
// read byte by byte, not with JSON.parse: the C reader's rules (no duplicate keys, keys of at most
// 256 bytes, no \u0000, paired surrogates, integers only) and its byte positions are the contract.
// Sizes and offsets are BigInts: a hostile header can spell any integer.

const STATUS = {
  truncated: 4, bad_header: 5, bad_json: 6, unsupported_dtype: 7, bad_tensor: 8, bad_shape: 9, bad_offsets: 10,
  non_finite: 11, bad_metadata: 12,
};
const MAX_HEADER = 100 * 2 ** 20, MAX_KEY = 256, MAX_TENSORS = 64, MAX_METADATA = 64, MAX_LAYERS = 16;
const MAX_DIM = 4096, MAX_WIDTH = 65536, MAX_K = 12, MAX_COUNT = 4096, FORMAT = 2, MESSAGE_CAP = 200;
const U64_MAX = (1n << 64n) - 1n;
const ACTIVATIONS = ['silu', 'relu', 'tanh', 'gelu', 'gelu_tanh'];
const DATASETS = ['gaussian', '8gaussians', 'moons', 'checkerboard', 'circles', 'spirals', 'swissroll'];
const DTYPES = { F32: 4, F16: 2, BF16: 2, F64: 8, I8: 1, U8: 1, I16: 2, U16: 2, I32: 4, U32: 4, I64: 8, U64: 8,
  BOOL: 1, F8_E5M2: 1, F8_E4M3: 1 };
const WEIGHT_DTYPES = ['F32', 'F16', 'BF16', 'I8'];  // rill_compiled_model's dtype numbers
const utf8 = new TextEncoder(), text = new TextDecoder();

/** A refusal: `code` is the C status number, `message` its one line (cut as the C Message is). */
export class LoadError {
  constructor(status, message) {
    const bytes = utf8.encode(message);
    this.code = STATUS[status];
    this.message = bytes.length < MESSAGE_CAP ? message : text.decode(bytes.subarray(0, MESSAGE_CAP - 1));
  }
}
const fail = (status, message) => { throw new LoadError(status, message); };

// ---- the JSON header, byte by byte (safetensors_header.cpp) ----

const isWs = (c) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c) => c >= 0x30 && c <= 0x39;

// Length of the valid UTF-8 sequence at s[i] (s[i] >= 0x80), or 0.
function utf8Seq(s, i, end) {
  const c = s[i];
  let n, lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c === 0xe0) { n = 3; lo = 0xa0; } else if (c >= 0xe1 && c <= 0xec) n = 3;
  else if (c === 0xed) { n = 3; hi = 0x9f; } else if (c >= 0xee && c <= 0xef) n = 3;
  else if (c === 0xf0) { n = 4; lo = 0x90; } else if (c >= 0xf1 && c <= 0xf3) n = 4;
  else if (c === 0xf4) { n = 4; hi = 0x8f; } else return 0;
  if (end - i < n || s[i + 1] < lo || s[i + 1] > hi) return 0;
  for (let k = 2; k < n; k++) if (s[i + k] < 0x80 || s[i + k] > 0xbf) return 0;
  return n;
}
const utf8Len = (cp) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
function hex4(s, i, end) {
  if (end - i < 4) return -1;
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = s[i + k];
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 87 : c >= 0x41 && c <= 0x46 ? c - 55 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

class Parser {
  constructor(s) { this.s = s; this.len = s.length; this.pos = 0; }
  ws() { while (this.pos < this.len && isWs(this.s[this.pos])) this.pos++; }
  peek(c) { return this.pos < this.len && this.s[this.pos] === c.charCodeAt(0); }
  syntax(what) { fail('bad_json', `bad JSON at header byte ${this.pos}: ${what}`); }
  expect(c, what) { if (!this.peek(c)) this.syntax(what); this.pos++; }
  more(close, what) {  // after a member: true for ',' (then whitespace), false for the closing bracket
    if (this.peek(',')) { this.pos++; this.ws(); return true; }
    this.expect(close, what);
    return false;
  }

  // A validated string at the opening quote: { text (decoded), bytes (its UTF-8 length), begin }.
  string() {
    const s = this.s;
    if (!this.peek('"')) this.syntax('expected a string');
    const begin = ++this.pos;
    let decoded = 0;
    for (;;) {
      if (this.pos >= this.len) this.syntax('unterminated string');
      const c = s[this.pos];
      if (c === 0x22) break;
      if (c < 0x20) this.syntax('control character in a string');
      if (c === 0x5c) {
        if (this.pos + 1 >= this.len) this.syntax('unterminated string');
        const e = s[this.pos + 1];
        if ('"\\/bfnrt'.includes(String.fromCharCode(e))) { this.pos += 2; decoded += 1; continue; }
        if (e !== 0x75) this.syntax('invalid escape in a string');
        let cp = hex4(s, this.pos + 2, this.len);
        if (cp < 0) this.syntax('invalid \\u escape');
        if (cp === 0) this.syntax('\\u0000 in a string is not supported');
        if (cp >= 0xdc00 && cp <= 0xdfff) this.syntax('unpaired surrogate in a \\u escape');
        if (cp >= 0xd800 && cp <= 0xdbff) {
          const at = this.pos + 6;
          const lo = at + 1 < this.len && s[at] === 0x5c && s[at + 1] === 0x75 ? hex4(s, at + 2, this.len) : -1;
          if (lo < 0xdc00 || lo > 0xdfff) this.syntax('unpaired surrogate in a \\u escape');
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          this.pos += 6;
        }
        this.pos += 6;
        decoded += utf8Len(cp);
        continue;
      }
      if (c < 0x80) { this.pos++; decoded++; continue; }
      const k = utf8Seq(s, this.pos, this.len);
      if (k === 0) this.syntax('invalid UTF-8 in a string');
      this.pos += k;
      decoded += k;
    }
    const raw = text.decode(s.subarray(begin, this.pos));
    this.pos++;
    return { text: raw.includes('\\') ? JSON.parse(`"${raw}"`) : raw, bytes: decoded, begin };
  }

  // A JSON number that must be a non-negative integer, as u64 with overflow flags.
  int() {
    const n = { value: 0n, negative: false, overflow: false };
    if (this.peek('-')) { n.negative = true; this.pos++; }
    const s = this.s;
    if (this.pos >= this.len || !isDigit(s[this.pos])) this.syntax('expected a number');
    if (s[this.pos] === 0x30 && this.pos + 1 < this.len && isDigit(s[this.pos + 1])) this.syntax('leading zero in a number');
    while (this.pos < this.len && isDigit(s[this.pos])) {
      const d = BigInt(s[this.pos] - 0x30);
      if (n.value > (U64_MAX - d) / 10n) n.overflow = true; else n.value = n.value * 10n + d;
      this.pos++;
    }
    if (this.peek('.') || this.peek('e') || this.peek('E')) this.syntax('expected an integer');
    return n;
  }

  intArray(notArray, badSeparator) {
    const a = { first2: [0n, 0n], count: 0, negative: false, overflow: false, product: 1n, productOverflow: false };
    this.expect('[', notArray);
    this.ws();
    if (this.peek(']')) { this.pos++; return a; }
    do {
      const n = this.int();
      if (a.count < 2) a.first2[a.count] = n.value;
      a.count++;
      if (n.negative && n.value !== 0n) a.negative = true;
      if (n.overflow) a.overflow = true;
      if (a.product !== 0n && n.value > U64_MAX / a.product) a.productOverflow = true;
      a.product = (a.product * n.value) & U64_MAX;
      this.ws();
    } while (this.more(']', badSeparator));
    return a;
  }

  entry() {
    if (!this.peek('{')) this.syntax('a tensor entry must be an object {"dtype", "shape", "data_offsets"}');
    this.pos++;
    this.ws();
    const e = { dtype: null, dtypeBytes: 0, shape: null, offsets: null };
    if (this.peek('}')) this.pos++;
    else {
      do {
        const key = this.string();
        const k = key.bytes < 16 ? key.text : '';
        this.ws();
        this.expect(':', "expected ':'");
        this.ws();
        if (k === 'dtype') {
          if (e.dtype !== null) this.syntax('duplicate key "dtype"');
          const v = this.string();
          e.dtype = cut(v.text, 17);
          e.dtypeBytes = v.bytes < 17 && Object.hasOwn(DTYPES, v.text) ? DTYPES[v.text] : 0;
        } else if (k === 'shape') {
          if (e.shape !== null) this.syntax('duplicate key "shape"');
          e.shape = this.intArray('"shape" must be an array of integers', 'expected \',\' or \']\' in "shape"');
        } else if (k === 'data_offsets') {
          if (e.offsets !== null) this.syntax('duplicate key "data_offsets"');
          e.offsets = this.intArray('"data_offsets" must be an array [begin, end]', 'expected \',\' or \']\' in "data_offsets"');
        } else this.syntax('unknown key in a tensor entry (rill reads dtype, shape, data_offsets)');
        this.ws();
      } while (this.more('}', "expected ',' or '}' in a tensor entry"));
    }
    if (e.dtype === null) this.syntax('tensor entry without "dtype"');
    if (e.shape === null) this.syntax('tensor entry without "shape"');
    if (e.offsets === null) this.syntax('tensor entry without "data_offsets"');
    return e;
  }

  metadata(onMeta) {
    if (this.pos + 4 <= this.len && text.decode(this.s.subarray(this.pos, this.pos + 4)) === 'null') { this.pos += 4; return; }
    this.expect('{', '__metadata__ must be an object of strings');
    this.ws();
    if (this.peek('}')) { this.pos++; return; }
    do {
      const k = this.string();
      if (k.bytes > MAX_KEY) fail('bad_json', `a metadata key of ${k.bytes} bytes; rill reads keys up to ${MAX_KEY} bytes`);
      this.ws();
      this.expect(':', "expected ':'");
      this.ws();
      if (!this.peek('"')) fail('bad_json', `bad JSON at header byte ${this.pos}: metadata value of ${k.text} is not a string`);
      onMeta(k, this.string());
      this.ws();
    } while (this.more('}', "expected ',' or '}' in __metadata__"));
  }

  // The whole header: onTensor(name, entry) and onMeta(key, value) in file order.
  walk(onTensor, onMeta) {
    this.ws();
    if (!this.peek('{')) fail('bad_json', "the header is not a JSON object (it must start with '{' after any JSON whitespace)");
    this.pos++;
    this.ws();
    let seenMeta = false;
    if (this.peek('}')) this.pos++;
    else {
      do {
        const key = this.string();
        if (key.bytes > MAX_KEY)
          fail('bad_json', `a key of ${key.bytes} bytes at header byte ${key.begin}; rill reads keys up to ${MAX_KEY} bytes`);
        this.ws();
        this.expect(':', "expected ':'");
        this.ws();
        if (key.text === '__metadata__') {
          if (seenMeta) fail('bad_json', 'duplicate __metadata__ in the header');
          seenMeta = true;
          this.metadata(onMeta);
        } else onTensor(key.text, this.entry());
        this.ws();
      } while (this.more('}', "expected ',' or '}' after a header entry"));
    }
    this.ws();
    if (this.pos !== this.len) this.syntax('trailing characters after the header object');
  }
}

// s cut to whole characters of at most cap - 1 UTF-8 bytes (the C side's decode into char[cap]).
function cut(s, cap) {
  const b = utf8.encode(s);
  if (b.length < cap) return s;
  let n = cap - 1;
  while (n > 0 && (b[n] & 0xc0) === 0x80) n--;
  return text.decode(b.subarray(0, n));
}
const byteLength = (s) => utf8.encode(s).length;

// ---- numbers in metadata (model_meta.cpp, decimal.cpp) ----

// Strict decimal integer: digits only, no sign, no leading zero; null if > max.
function parseUint(v, n, max) {
  if (n === 0 || n > 10 || (n > 1 && v[0] === '0') || !/^[0-9]+$/.test(v)) return null;
  const x = Number(v);
  return x > max ? null : x;
}
// A count 1..max in decimal without leading zeros (class:C, vector:M); null otherwise.
const parseCount = (s) => (/^[1-9][0-9]*$/.test(s) && Number(s) <= MAX_COUNT ? Number(s) : null);

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
function stepFloat(f, up) { f32[0] = f; u32[0] += up ? 1 : -1; return f32[0]; }  // f > 0 finite

// decimal_to_float: the decimal (sign, digits, '.', digits, exponent) rounded once to the nearest
// float32, ties to even. Number() rounds to double first; that double can sit exactly halfway
// between two floats when the decimal does not, so that one case is settled with BigInts.
function decimalToFloat(s) {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(s);
  if (!m || m[2].length + (m[3] ?? '').length === 0) return null;
  const d = Math.abs(Number(s));
  let f = Math.fround(d);
  if (f !== d && Number.isFinite(f) && f !== 0) {
    const g = stepFloat(f, f < d);
    if ((f + g) / 2 === d) {
      const frac = m[3] ?? '', digits = BigInt(m[2] + frac);
      const e10 = BigInt(Math.max(-4000, Math.min(4000, Number(m[4] ?? 0)))) - BigInt(frac.length);
      const dv = new DataView(new ArrayBuffer(8));
      dv.setFloat64(0, d);
      const bits = dv.getBigUint64(0), be = Number((bits >> 52n) & 0x7ffn);
      const mant = (bits & ((1n << 52n) - 1n)) | (be ? 1n << 52n : 0n), e2 = BigInt((be || 1) - 1075);
      const pos = (x) => (x > 0n ? x : 0n);
      const lhs = digits * 10n ** pos(e10) * 2n ** pos(-e2), rhs = mant * 2n ** pos(e2) * 10n ** pos(-e10);
      if (lhs !== rhs) f = (lhs > rhs) === (g > f) ? g : f;
    }
  }
  return m[1] === '-' ? -f : f;
}

// ---- the model (model_io.cpp, model_meta.cpp, narrow.cpp's checks, MlpSpec::validate) ----

const META = ['rill.format', 'dim', 'activation', 'time_embedding', 'path', 'sigma_min', 'condition', 'step_embedding',
  'class_names', 'source'];
const CONDITION_KINDS = { none: 0, class: 1, vector: 2 };

// parse_time_embedding: raw -> 0, sin:K (K in 1..12, no leading zero) -> K, else null.
const embeddingK = (v, n) => (v === 'raw' ? 0 : n < 64 && /^sin:[1-9][0-9]*$/.test(v) && Number(v.slice(4)) <= MAX_K ? Number(v.slice(4)) : null);

// The declared architecture from the metadata (model_meta::check_metadata); defaults without rill.format.
// A value is checked as the C side reads it: cut to 63 bytes (v), n its length in bytes (64 if longer).
function declared(known) {
  const d = { rill: false, format: 1, dim: 0, activation: 0, timeK: 0, condition: { kind: 0, count: 0 }, stepK: -1,
    sigmaMin: 0, source: -1, classNames: null };
  if (!known.has('rill.format')) return d;
  d.rill = true;
  const get = (key) => {
    if (!known.has(key)) return null;
    const value = known.get(key), bytes = byteLength(value);
    return { v: cut(value, 64), n: bytes < 64 ? bytes : 64 };
  };
  let m = get('rill.format');
  const format = parseUint(m.v, m.n, 1000000);
  if (format === null || format < 1) fail('bad_metadata', `rill.format ${m.v} is not a format number`);
  if (format > FORMAT) fail('bad_metadata', `model format ${m.v} is newer than this rill (reads 1 and 2)`);
  d.format = format;
  if ((m = get('dim'))) {
    d.dim = parseUint(m.v, m.n, MAX_DIM) ?? 0;
    if (d.dim < 1) fail('bad_metadata', `dim ${m.v} is not an integer in 1..${MAX_DIM}`);
  }
  if ((m = get('activation'))) {
    d.activation = m.n < 64 ? ACTIVATIONS.indexOf(m.v) : -1;
    if (d.activation < 0) fail('bad_metadata', `unknown activation ${m.v} (rill reads silu, relu, tanh, gelu, gelu_tanh)`);
  }
  if ((m = get('time_embedding'))) {
    const { v, n } = m, k = embeddingK(v, n) ?? -1;
    if (k < 0 && n > 4 && v.startsWith('sin:')) fail('bad_metadata', `time_embedding ${v}: K must be an integer in 1..${MAX_K}`);
    if (k < 0) fail('bad_metadata', `unknown time_embedding ${v} (rill reads raw or sin:K)`);
    d.timeK = k;
  }
  if ((m = get('path')) && m.v !== 'condot') fail('bad_metadata', `path ${m.v} is not supported (rill reads condot)`);
  if ((m = get('sigma_min'))) {
    const s = m.n < 64 ? decimalToFloat(m.v) : null;
    if (s === null || !(s >= 0 && s < 1)) fail('bad_metadata', `sigma_min ${m.v} is not a decimal in [0, 1)`);
    d.sigmaMin = s + 0;  // -0 -> +0
  }
  // The keys of format 2: in a format-1 file source and class_names are free text; a condition or a
  // step embedding needs 2.
  if (format < 2) {
    if (known.has('condition')) fail('bad_metadata', `a model with a condition is rill.format 2, not ${format}`);
    if (known.has('step_embedding')) fail('bad_metadata', `a model with a step_embedding is rill.format 2, not ${format}`);
    return d;
  }
  if ((m = get('condition'))) {
    const [, kind, count] = /^(class|vector):(.*)$/s.exec(m.v) ?? [];
    const c = m.v === 'none' ? 0 : kind && m.n < 64 ? parseCount(count) : null;
    if (c === null)
      fail('bad_metadata', `unknown condition ${m.v} (rill reads none, class:C or vector:M, C and M in 1..${MAX_COUNT})`);
    d.condition = m.v === 'none' ? { kind: 0, count: 0 } : { kind: CONDITION_KINDS[kind], count: c };
  }
  if ((m = get('step_embedding'))) {  // none, or h encoded as time is (raw, sin:K): -1, 0 or K
    d.stepK = m.v === 'none' ? -1 : embeddingK(m.v, m.n);
    if (d.stepK === null)
      fail('bad_metadata', `unknown step_embedding ${m.v} (rill reads none, raw or sin:K, K in 1..${MAX_K})`);
  }
  if ((m = get('source')) && m.v !== 'gaussian') {
    d.source = m.n < 64 ? DATASETS.indexOf(m.v) : -1;
    if (d.source < 0) fail('bad_metadata', `unknown source ${m.v} (gaussian or a built-in dataset)`);
  }
  if (known.has('class_names')) d.classNames = known.get('class_names');
  return d;
}

// `{prefix}{i}.weight` / `.bias` / `.weight_scale` → { prefix, index, part }, or null.
function layerName(name) {
  const m = /^(.*?)([0-9]+)\.(weight|bias|weight_scale)$/s.exec(name);
  if (!m || m[2].length > 9 || (m[2].length > 1 && m[2][0] === '0')) return null;
  return { prefix: m[1], index: Number(m[2]), part: m[3] === 'weight' ? 'w' : m[3] === 'bias' ? 'b' : 's' };
}

// safetensors::check_entry: the dtype known, the shape's bytes those of data_offsets [begin, end).
function checkEntry(name, e) {
  if (e.dtypeBytes === 0) fail('unsupported_dtype', `unsupported dtype ${e.dtype} (rill reads F32, F16, BF16, I8): ${name}`);
  const { shape, offsets } = e, item = BigInt(e.dtypeBytes);
  if (shape.negative) fail('bad_shape', `${name} has a negative dimension`);
  if (shape.overflow || shape.productOverflow || shape.product > U64_MAX / item) fail('bad_shape', `the shape of ${name} is too large`);
  const bytes = shape.product * item;
  if (offsets.count !== 2) fail('bad_offsets', `data_offsets of ${name} must be [begin, end]`);
  if (offsets.negative || offsets.overflow) fail('bad_offsets', `data_offsets of ${name} are not offsets in the data buffer`);
  const [begin, end] = offsets.first2;
  if (begin > end) fail('bad_offsets', `data_offsets of ${name} are [${begin}, ${end}]: begin after end`);
  if (end - begin !== bytes)
    fail('bad_offsets', `${name}: its shape needs ${bytes} bytes, data_offsets [${begin}, ${end}] give ${end - begin}`);
}

// Pass 2 (model_io.cpp's pass2_tensor): each tensor's name, dtype, rank and entry, into its layer's slot.
function pass2(tensors, layers) {
  let prefix = null;
  for (const { name, e } of tensors) {
    if (name.startsWith('rill.')) { checkEntry(name, e); continue; }
    const l = layerName(name);
    if (!l) fail('bad_tensor', `unexpected tensor ${name} (rill reads {prefix}{i}.weight, .bias and .weight_scale; other names must start with rill.)`);
    if (prefix === null) prefix = l.prefix;
    else if (l.prefix !== prefix) fail('bad_tensor', `tensor ${name} does not share the prefix "${prefix}" of the other layers`);
    const rank = l.part === 'w' ? 2 : 1, dtype = WEIGHT_DTYPES.indexOf(e.dtype);
    if (dtype < 0) fail('unsupported_dtype', `unsupported dtype ${e.dtype} (rill reads F32, F16, BF16, I8): ${name}`);
    if (e.shape.count !== rank)
      fail('bad_shape', `${name} has rank ${e.shape.count}; ${rank === 2 ? 'a weight is [out, in]' : 'a bias or weight_scale is [out]'}`);
    checkEntry(name, e);
    let slot = layers.find((s) => s.index === l.index);
    if (!slot) {
      if (layers.length >= MAX_LAYERS) fail('bad_shape', `more than ${MAX_LAYERS} linear layers (at ${name}); rill supports up to ${MAX_LAYERS}`);
      layers.push(slot = { index: l.index });
    }
    if (slot[l.part]) fail('bad_tensor', `duplicate tensor ${name}`);
    slot[l.part] = { name, dtype, dims: e.shape.first2, begin: e.offsets.first2[0], end: e.offsets.first2[1] };
  }
  return prefix;
}

// safetensors::check_tiling: the tensors fill the data buffer from 0, without gaps or overlaps, to its end.
function checkTiling(tensors, dataLen) {
  const spans = tensors.map(({ name, e }) => ({ name, begin: e.offsets.first2[0], end: e.offsets.first2[1] }));
  const order = [...spans].sort((x, y) => (x.begin !== y.begin ? (x.begin < y.begin ? -1 : 1) : x.end < y.end ? -1 : x.end > y.end ? 1 : 0));
  let pos = 0n, prev = null, gap = null;
  for (const s of order) {
    if (s.begin < pos) fail('bad_offsets', `tensors ${prev.name} and ${s.name} overlap in the data buffer`);
    if (s.begin > pos && gap === null) gap = { at: pos, before: s };
    pos = s.end;
    prev = s;
  }
  if (gap !== null) {
    const past = order.find((s) => s.begin > dataLen);
    if (past) fail('bad_offsets', `${past.name} starts at byte ${past.begin}, past the end of the ${dataLen}-byte data buffer`);
    fail('bad_offsets', `gap in the data buffer: bytes ${gap.at}..${gap.before.begin} before ${gap.before.name} belong to no tensor`);
  }
  if (pos > dataLen) fail('truncated', `the file is truncated: the tensors need ${pos} bytes of data, it has ${dataLen}`);
  if (pos < dataLen) fail('bad_offsets', `${dataLen - pos} bytes at the end of the data buffer belong to no tensor`);
}

// order_layers and check_dtypes: layers by index, each with a weight and a bias; one weight dtype;
// biases F32 or the weights' F16/BF16; I8 weights with an F32 weight_scale [out], and only they.
function checkLayers(layers, prefix) {
  if (layers.length === 0) fail('bad_tensor', 'no layer tensors ({prefix}{i}.weight and {prefix}{i}.bias) in the file');
  layers.sort((x, y) => x.index - y.index);
  for (const s of layers) {
    const at = `${prefix}${s.index}`;
    if (!s.w && !s.b) fail('bad_tensor', `${at}.weight_scale has no matching ${at}.weight`);
    if (!s.w) fail('bad_tensor', `${at}.bias has no matching ${at}.weight`);
    if (!s.b) fail('bad_tensor', `${at}.weight has no matching ${at}.bias`);
  }
  const first = layers[0], wt = first.w.dtype, bt = first.b.dtype, W = WEIGHT_DTYPES;
  for (const s of layers) {
    const a = s.w.name, b = s.b.name;
    if (s.w.dtype !== wt) fail('unsupported_dtype', `${a} is ${W[s.w.dtype]} but ${first.w.name} is ${W[wt]}: one weight dtype per file`);
    if (s.b.dtype !== 0 && (s.b.dtype !== wt || wt === 3))
      fail('unsupported_dtype', `${b} is ${W[s.b.dtype]}; with ${W[wt]} weights a bias is F32${wt === 1 || wt === 2 ? ` or ${W[wt]}` : ''}`);
    if (s.b.dtype !== bt) fail('unsupported_dtype', `${b} is ${W[s.b.dtype]} but the first layer's bias is ${W[bt]}: one bias dtype per file`);
    if (wt === 3 && !s.s) fail('bad_tensor', `${a} is I8 but the file has no ${prefix}${s.index}.weight_scale`);
    if (!s.s) continue;
    if (wt !== 3) fail('bad_tensor', `${s.s.name} given but ${a} is ${W[wt]}; a weight_scale goes with I8 weights`);
    if (s.s.dtype !== 0) fail('unsupported_dtype', `${s.s.name} is ${W[s.s.dtype]}; a weight_scale is F32`);
    if (s.s.dims[0] !== s.w.dims[0]) fail('bad_shape', `${s.s.name} has ${s.s.dims[0]} values but ${a} has ${s.w.dims[0]} rows`);
  }
  return wt;
}

// check_shapes and check_declared_extras: sizes 1..65536 that chain from d + features to d, and the
// declared class names and source; then MlpSpec::validate's ranges. Gives the layer sizes.
function checkShapes(layers, d) {
  const sizes = [];
  layers.forEach((s, i) => {
    const [out, inp] = s.w.dims, a = s.w.name;
    if (out < 1n || out > BigInt(MAX_WIDTH) || inp < 1n || inp > BigInt(MAX_WIDTH))
      fail('bad_shape', `${a} has shape [${out}, ${inp}]; rill supports layer sizes 1..${MAX_WIDTH}`);
    if (s.b.dims[0] !== out) fail('bad_shape', `${s.b.name} has ${s.b.dims[0]} values but ${a} has ${out} rows`);
    const prev = layers[i - 1];
    if (i > 0 && inp !== prev.w.dims[0])
      fail('bad_shape', `layer ${i}: ${a} takes ${inp} inputs but ${prev.w.name} gives ${prev.w.dims[0]} outputs`);
    if (i === 0) sizes.push(Number(inp));
    sizes.push(Number(out));
  });
  const L = layers.length, dim = d.dim !== 0 ? d.dim : sizes[L];
  const feat = (k) => (k < 0 ? 0 : k === 0 ? 1 : 2 * k), timeF = feat(d.timeK), stepF = feat(d.stepK), { kind, count } = d.condition;
  const condF = kind === 0 ? 0 : kind === 1 ? count : count + 1, inputs = dim + timeF + stepF + condF;
  if (sizes[L] !== dim) fail('bad_shape', `layer ${L - 1}: ${layers[L - 1].w.name} gives ${sizes[L]} outputs; the data dimension (dim) is ${dim}`);
  if (sizes[0] !== inputs) {
    const step = stepF === 0 ? '' : ` + ${stepF} step features`;
    const cond = condF === 0 && stepF === 0 ? '' : ` + ${condF} condition features`;
    fail('bad_shape', `layer 0: ${layers[0].w.name} takes ${sizes[0]} inputs; dimension ${dim} + ${timeF} time features${step}${cond} needs ${inputs}`);
  }
  if (d.classNames !== null) {
    if (kind !== 1) fail('bad_metadata', 'class_names given for a model without a class condition');
    const names = d.classNames.split(',');
    if (byteLength(d.classNames) > MAX_KEY || names.includes('')) fail('bad_metadata', 'class_names holds an empty name');
    if (names.length !== count) fail('bad_metadata', `class_names has ${names.length} names; the condition has ${count} classes`);
  }
  if (d.source >= 0 && dim !== 2)
    fail('bad_metadata', `source ${DATASETS[d.source]} is 2-dimensional; the model's dimension is ${dim}`);
  if (dim < 1 || dim > MAX_DIM) fail('bad_shape', `data dimension ${dim} is outside 1..${MAX_DIM}`);
  return { dim, sizes };
}

// check_weights: F32, F16 and BF16 values finite, I8 in [-127, 127], scales finite, >= 0 and such
// that 127 x scale is a float32 (narrow.cpp's check_narrow_values and check_scale_values).
function checkValues(name, dtype, v, at, count, scale = false) {
  const what = (bits, mant) => ((bits & mant) !== 0 ? 'NaN' : 'Inf');
  for (let i = 0; i < count; i++) {
    if (dtype === 3) {
      if (v.getUint8(at + i) === 0x80) fail('bad_tensor', `${name} holds -128 (element ${i}); I8 weights are in [-127, 127]`);
    } else if (dtype !== 0) {
      const h = v.getUint16(at + 2 * i, true), f16 = dtype === 1;
      if ((h & (f16 ? 0x7c00 : 0x7f80)) === (f16 ? 0x7c00 : 0x7f80))
        fail('non_finite', `${name} contains ${what(h, f16 ? 0x3ff : 0x7f)} (element ${i})`);
    } else {
      const b = v.getUint32(at + 4 * i, true);
      if ((b & 0x7f800000) === 0x7f800000) {
        fail('non_finite', `${name} contains ${what(b, 0x7fffff)} (element ${i})${scale ? '; a weight_scale is finite and >= 0' : ''}`);
      }
      if (!scale) continue;
      if (b >>> 31 && b !== 0x80000000) fail('bad_tensor', `${name} is negative at element ${i}; a weight_scale is finite and >= 0`);
      if (Math.fround(127 * v.getFloat32(at + 4 * i, true)) === Infinity)
        fail('bad_tensor', `${name} is too large at element ${i}: 127 x scale overflows float32 (a scale is at most 2.68e36)`);
    }
  }
}

/**
 * Reads and checks a model file as the C loader does (model_io.cpp's model_load). Returns
 * { spec: { dim, layers, sizes, activation, timeK, stepK (-1 none, 0 raw, K sin:K), conditionKind,
 * conditionCount, source, sigmaMin, dtype }, layers: [{ w, b, s }] (byte ranges [begin, end) in `bytes`, s null but for I8), biasDtype,
 * metadata: Map of every `__metadata__` key to its value }. Throws a LoadError.
 */
export function readModel(bytes) {
  const len = bytes.length;
  if (len < 8) fail('truncated', `the file has ${len} byte${len === 1 ? '' : 's'}; a safetensors file starts with an 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  const n = view.getBigUint64(0, true);
  if (n < 2n) fail('bad_header', `header length ${n} is too small`);
  if (n > BigInt(MAX_HEADER)) {
    fail('bad_header', `header length ${n} exceeds the ${MAX_HEADER}-byte limit${n > BigInt(len) ? ' (not a safetensors file?)' : ''}`);
  }
  if (n > BigInt(len - 8)) fail('truncated', `the header claims ${n} bytes but the file has only ${len - 8} after the length`);
  const headerEnd = 8 + Number(n), tensors = [], metadata = new Map();
  new Parser(bytes.subarray(8, headerEnd)).walk((name, e) => {  // pass 1: syntax, duplicates, the metadata
    if (tensors.some((t) => t.name === name)) fail('bad_tensor', `duplicate tensor ${name}`);
    if (tensors.length >= MAX_TENSORS) fail('bad_tensor', `more than ${MAX_TENSORS} tensors; rill reads up to ${MAX_TENSORS}`);
    tensors.push({ name, e });
  }, (k, v) => {
    if (metadata.has(k.text)) fail('bad_json', `duplicate metadata key ${k.text}`);
    if (metadata.size >= MAX_METADATA) fail('bad_metadata', `more than ${MAX_METADATA} metadata entries; rill reads up to ${MAX_METADATA}`);
    metadata.set(k.text, v.text);
  });
  const d = declared(new Map([...metadata].filter(([key]) => META.includes(key))));
  const layers = [], prefix = pass2(tensors, layers);
  checkTiling(tensors, BigInt(len - headerEnd));
  const dtype = checkLayers(layers, prefix), { dim, sizes } = checkShapes(layers, d);
  const at = (part) => (part ? [headerEnd + Number(part.begin), headerEnd + Number(part.end)] : null);
  const out = layers.map((s, i) => {
    const [w, b, sc] = [at(s.w), at(s.b), at(s.s)];
    checkValues(s.w.name, dtype, view, w[0], sizes[i] * sizes[i + 1]);
    checkValues(s.b.name, s.b.dtype, view, b[0], sizes[i + 1]);
    if (sc) checkValues(s.s.name, 0, view, sc[0], sizes[i + 1], true);
    return { w, b, s: sc };
  });
  const spec = { dim, layers: layers.length, sizes, activation: d.activation, timeK: d.timeK, stepK: d.stepK,
    conditionKind: d.condition.kind, conditionCount: d.condition.count, source: d.source, sigmaMin: d.sigmaMin, dtype };
  return { spec, layers: out, biasDtype: layers[0].b.dtype, metadata };
}

// An F16 or BF16 half as the float32 it is exactly (narrow.cpp's f16_to_f32, bf16's top half).
function widen(h, dtype) {
  if (dtype === 2) { u32[0] = h << 16; return f32[0]; }
  const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  return sign * (e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15));
}

/**
 * The arrays of a read model as rill_compiled_model holds them: { dtype, layers: [{ w, b, s }] } of
 * Uint8Arrays (views of `bytes`, or new arrays). The dtype is the file's, but F16/BF16 weights with
 * F32 biases, which a compiled model cannot state, are widened to F32 (exactly: the same bits, as
 * the loader widens them before it computes).
 */
export function compiledArrays(model, bytes) {
  const { spec, biasDtype } = model, widenAll = (spec.dtype === 1 || spec.dtype === 2) && biasDtype === 0;
  const part = (r) => (r ? bytes.subarray(r[0], r[1]) : null);
  const layers = model.layers.map(({ w, b, s }) => {
    let weight = part(w);
    if (widenAll) {
      const v = new DataView(weight.buffer, weight.byteOffset, weight.byteLength), out = new Float32Array(weight.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = widen(v.getUint16(2 * i, true), spec.dtype);
      weight = new Uint8Array(out.buffer);
    }
    return { w: weight, b: part(b), s: part(s) };
  });
  return { dtype: widenAll ? 0 : spec.dtype, layers };
}
