// The two model loaders agree: the C one (src/rill/model_io.cpp, which the CLI, the native library
// and the firmware use) and rill.mjs's JavaScript one (web/safetensors.mjs, the only one rill.wasm
// and rill-sample.wasm have). Every good and damaged file here goes through both: the native helper
// (tests/wasm/native_load.cpp, rill_model_open) and rill.loadModel in both modules. They must accept
// the same files (then the same architecture, metadata and sample bits) and refuse the others with
// the same status and the same one-line message.
//
// The files: the page's models, the golden models (every activation and weight dtype), the fuzz seed
// corpus, step-conditioned models (helpers.mjs's modelFile; formats.md, `step_embedding`), and from
// those, made here deterministically: truncations, header edits (every rule of
// formats.md the loaders check: dtypes, shapes, offsets, tiling, names, metadata values, decimals
// that round to a float32 tie, escapes and UTF-8), non-finite or out-of-range values, and seeded
// random byte changes in the header and the length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { webDir, modelFile } from './helpers.mjs';

const helper = process.env.RILL_NATIVE_LOAD ?? 'build/tests/wasm/native_load';
const goldenDir = resolve(process.env.RILL_GOLDEN_DIR ?? 'build/golden');
const { Rill } = await import(pathToFileURL(resolve(webDir, 'rill.mjs')).href);
const full = await Rill.load(), sampler = await Rill.loadSampler();

const enc = new TextEncoder(), dec = new TextDecoder();
const hex = (s) => Buffer.from(enc.encode(s)).toString('hex');

// ---- the files --------------------------------------------------------------------------------------
const files = new Map();  // name -> bytes
const add = (name, bytes) => files.set(name, new Uint8Array(bytes));  // not a Buffer: slice() copies
const dirFiles = (dir, ext = '.safetensors') => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).sort() : []);
for (const f of dirFiles(resolve(webDir, 'models'))) add(`models/${f}`, readFileSync(join(webDir, 'models', f)));
for (const f of dirFiles(goldenDir)) add(`golden/${f}`, readFileSync(join(goldenDir, f)));
for (const f of readdirSync('tests/fuzz/corpus').sort()) add(`corpus/${f}`, readFileSync(join('tests/fuzz/corpus', f)));

function split(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: bytes.subarray(8, 8 + n), data: bytes.subarray(8 + n) };
}
function join8(header, data, length = header.length) {
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}
const withHeader = (bytes, text) => join8(enc.encode(text), split(bytes).data);
const jsonOf = (bytes) => JSON.parse(dec.decode(split(bytes).header));
const withJson = (bytes, fn) => { const j = jsonOf(bytes); fn(j); return withHeader(bytes, JSON.stringify(j)); };
const withMeta = (bytes, meta) => withJson(bytes, (j) => {
  j.__metadata__ = { ...(j.__metadata__ ?? {}), ...meta };
  for (const k of Object.keys(j.__metadata__)) if (j.__metadata__[k] === null) delete j.__metadata__[k];
});
const tensorsOf = (j) => Object.keys(j).filter((k) => k !== '__metadata__');

// The exact decimal of a double (every binary fraction has one).
function exactDecimal(x) {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  const bits = v.getBigUint64(0), e = Number((bits >> 52n) & 0x7ffn) - 1075;
  const m = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
  if (e >= 0) return (m << BigInt(e)).toString();
  const digits = (m * 5n ** BigInt(-e)).toString().padStart(-e + 1, '0');
  return `${digits.slice(0, digits.length + e)}.${digits.slice(digits.length + e)}`.replace(/0+$/, '');
}
function float32Ties() {  // decimals at, just above and just below a tie between two float32s
  const out = [];
  for (const x of [0.1, 0.5, 0.3, 1e-3, 0.75, 1e-30]) {
    const f = Math.fround(x), g = new Float32Array([f]);
    new Uint32Array(g.buffer)[0] += 1;
    const mid = exactDecimal((f + g[0]) / 2);
    out.push(mid, `${mid}1`, mid.replace(/(\d)$/, (d) => String(Number(d) - 1)) + '9');
  }
  return out.filter((s) => s.length < 64);
}

const base = files.get('golden/s_silu.safetensors') ?? files.get('models/moons.safetensors');
const classBase = files.get('models/moons-class.safetensors');
const narrow = ['s_f16', 's_bf16', 's_i8'].map((n) => files.get(`golden/${n}.safetensors`)).filter(Boolean);

function edits() {
  const out = [];
  const e = (name, bytes) => out.push([`edit/${name}`, bytes]);
  const b = base, j = jsonOf(b), t = tensorsOf(j), h = dec.decode(split(b).header);
  // the length and the file's end
  for (const n of [0, 1, 7, 8, 9, 20, b.length - 1]) e(`truncate-${n}`, b.subarray(0, n));
  e('extra-bytes', join8(split(b).header, new Uint8Array([...split(b).data, 0, 0, 0, 0])));
  for (const len of [0, 1, 2, 100 * 2 ** 20 + 1, 2 ** 40, split(b).header.length + 1]) e(`length-${len}`, join8(split(b).header, split(b).data, len));
  // metadata values
  const meta = {
    'rill.format': ['0', '3', '01', '2x', '', '1000001', '99999999999'], dim: ['0', '3', '4097', '02', 'x'],
    activation: ['swish', 'relu', 'gelu_tanh', 'x'.repeat(70)], time_embedding: ['sin:0', 'sin:13', 'sin:', 'cos:2', 'sin:2', 'sin:01', 'raw'],
    path: ['rectified', 'condot'], sigma_min: ['0.5', '1', '-0', '1e-3', '.5', '5.', '+0.25', '0x1', 'nan', '1e', '.', 'e5', '1e-99999999',
      '0.' + '3'.repeat(70), '0.9999999999', '0.99999999', ...float32Ties()],
    condition: ['class:2', 'class:0', 'vector:1', 'bogus'], source: ['moons', 'foo', 'gaussian', 'swissroll'],
    step_embedding: ['none', 'raw', 'sin:2', 'bogus'],
  };
  for (const [key, values] of Object.entries(meta)) for (const v of values) e(`meta-${key}=${v.slice(0, 30)}`, withMeta(b, { [key]: v }));
  e('meta-format1-condition', withMeta(b, { 'rill.format': '1', condition: 'class:2' }));
  e('meta-format2-source-moons', withMeta(b, { 'rill.format': '2', source: 'moons' }));
  e('meta-format2-source-bad', withMeta(b, { 'rill.format': '2', source: 'mars' }));
  e('meta-no-format', withMeta(b, { 'rill.format': null, activation: 'bogus' }));
  e('meta-null', withHeader(b, h.replace(/"__metadata__":\{[^}]*\}/, '"__metadata__":null')));
  e('meta-number', withHeader(b, h.replace(/"__metadata__":\{/, '"__metadata__":{"x":1,')));
  e('meta-dup-key', withHeader(b, h.replace(/"__metadata__":\{/, '"__metadata__":{"dim":"2","dim":"2",')));
  e('meta-dup', withHeader(b, h.replace(/^\{/, '{"__metadata__":{},')));
  e('meta-long-key', withMeta(b, { ['k'.repeat(257)]: 'v' }));
  e('meta-key-256', withMeta(b, { ['k'.repeat(256)]: 'v' }));
  e('meta-many', withMeta(b, Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, 'v']))));
  e('meta-long-value', withMeta(b, { dataset: 'é'.repeat(3000) }));
  if (classBase) {
    for (const names of ['a,b', 'a,,b', ',a', 'a'.repeat(300), 'x,y,z,w,v,u,t,s', '0,1,2,3,4,5,6,7'.replace(/,7$/, '')])
      e(`class-names-${names.slice(0, 20)}`, withMeta(classBase, { class_names: names }));
    e('class-names-unconditioned', withMeta(b, { class_names: 'a,b' }));
    e('class-condition-wrong', withMeta(classBase, { condition: 'class:3' }));
    e('class-vector', withMeta(classBase, { condition: 'vector:7' }));
  }
  // tensor entries
  const first = t[0], second = t[1];
  const entry = (name, fn) => withJson(b, (x) => fn(x[name], x));
  for (const dt of ['F64', 'I8', 'F16', 'BF16', 'XX', 'F32_LONGER_THAN_SIXTEEN', 'U8']) e(`dtype-${dt}`, entry(first, (x) => { x.dtype = dt; }));
  for (const shape of [[], [2], [1, 2, 3], [-1, 2], [0, 2], [2 ** 53, 2 ** 53]]) e(`shape-${shape}`, entry(first, (x) => { x.shape = shape; }));
  e('shape-huge', withHeader(b, h.replace(/"shape":\[\d+/, '"shape":[99999999999999999999')));
  e('shape-neg0', withHeader(b, h.replace(/"shape":\[/, '"shape":[-0,')));
  e('shape-float', withHeader(b, h.replace(/"shape":\[(\d+)/, '"shape":[$1.0')));
  e('shape-lead0', withHeader(b, h.replace(/"shape":\[(\d+)/, '"shape":[0$1')));
  for (const [name, fn] of [['plus1', ([a, c]) => [a + 1, c + 1]], ['swap', ([a, c]) => [c, a]], ['one', ([a]) => [a]],
    ['neg', ([a, c]) => [-a - 1, c]], ['past', ([a, c]) => [a + 1e6, c + 1e6]], ['short', ([a, c]) => [a, c - 4]]])
    e(`offsets-${name}`, entry(first, (x) => { x.data_offsets = fn(x.data_offsets); }));
  e('offsets-overlap', withJson(b, (x) => { x[second].data_offsets = x[first].data_offsets; }));
  e('entry-unknown-key', entry(first, (x) => { x.extra = 1; }));
  e('entry-missing-dtype', entry(first, (x) => { delete x.dtype; }));
  e('entry-missing-shape', entry(first, (x) => { delete x.shape; }));
  e('entry-missing-offsets', entry(first, (x) => { delete x.data_offsets; }));
  e('entry-not-object', withJson(b, (x) => { x[first] = [1]; }));
  e('entry-dup-dtype', withHeader(b, h.replace(/"dtype":"F32"/, '"dtype":"F32","dtype":"F32"')));
  // names
  const rename = (from, to) => withHeader(b, h.replace(`"${from}"`, `"${to}"`));
  for (const to of ['foo', 'net.0.weight', 'layers.00.weight', 'layers.1234567890.weight', 'rill.extra', 'layers.0.weight_scale',
    'layers.99.bias', 'layers.0.w\\u0065ight', 'lay\\u00e9rs.0.weight', 'layers.0.weight', 'x'.repeat(257), 'layers\\ud83d\\ude00.0.weight',
    'bad\\ud800', 'bad\\udc00x', 'nul\\u0000', 'esc\\q', 'ctl\n', 'layers.0.bias'])
    e(`rename-${to.slice(0, 24)}`, rename(first, to));
  e('tensor-dup', withHeader(b, h.replace(/^\{/, `{"${first}":${JSON.stringify(j[first])},`)));
  e('no-layers', withHeader(b, '{"__metadata__":{"rill.format":"1"}}'));
  e('empty-object', withHeader(b, '{}'));
  // syntax and whitespace
  for (const [name, text] of [['lead-ws', ` \n\t${h}`], ['trail-ws', `${h}   `], ['trail-junk', `${h}x`], ['not-object', `[${h}]`],
    ['no-colon', h.replace('":', '" ')], ['unterminated', h.slice(0, 40)], ['bad-sep', h.replace(/,"/, ';"')], ['pad-nul', `${h}\0`]])
    e(`syntax-${name}`, withHeader(b, text));
  const utf = (name, bytes) => e(`utf8-${name}`, join8(new Uint8Array([...enc.encode(h.slice(0, 2)), ...bytes, ...enc.encode(h.slice(2))]), split(b).data));
  for (const [name, bytes] of [['c0', [0xc0, 0x80]], ['ed', [0xed, 0xa0, 0x80]], ['f4', [0xf4, 0x90, 0x80, 0x80]], ['trunc', [0xe2, 0x82]],
    ['ok', [0xe2, 0x82, 0xac]]]) utf(name, bytes);
  // values
  const data = (bytes, at, values) => { const c = bytes.slice(); c.set(values, 8 + split(bytes).header.length + at); return c; };
  const firstAt = j[first].data_offsets[0];
  e('value-nan', data(b, firstAt, [0, 0, 0xc0, 0x7f]));
  e('value-inf', data(b, firstAt + 4, [0, 0, 0x80, 0xff]));
  for (const nb of narrow) {
    const nj = jsonOf(nb), names = tensorsOf(nj), kind = nj[names[0]].dtype;
    for (const name of names) {
      const at = nj[name].data_offsets[0], dt = nj[name].dtype, tag = `${kind}-${name}`;
      if (dt === 'I8') e(`value-i8-128-${tag}`, data(nb, at + 1, [0x80]));
      if (dt === 'F16') e(`value-f16-inf-${tag}`, data(nb, at, [0x00, 0x7c]));
      if (dt === 'BF16') e(`value-bf16-nan-${tag}`, data(nb, at, [0x01, 0x7f]));
      if (name.endsWith('weight_scale')) {
        e(`scale-neg-${tag}`, data(nb, at, [0, 0, 0x80, 0xbf]));
        e(`scale-neg0-${tag}`, data(nb, at, [0, 0, 0, 0x80]));
        e(`scale-huge-${tag}`, data(nb, at, [0xff, 0xff, 0x7f, 0x7e]));
        e(`scale-nan-${tag}`, data(nb, at, [0, 0, 0xc0, 0x7f]));
        e(`scale-dtype-${tag}`, withJson(nb, (x) => { x[name].dtype = 'I8'; }));
      }
    }
    const w = names.find((n) => n.endsWith('.weight')), bias = names.find((n) => n.endsWith('.bias'));
    e(`mix-weight-${kind}`, withJson(nb, (x) => { x[w].dtype = kind === 'I8' ? 'F16' : 'I8'; }));
    e(`mix-bias-${kind}`, withJson(nb, (x) => { x[bias].dtype = kind === 'BF16' ? 'F16' : 'BF16'; }));
    const scale = names.find((n) => n.endsWith('weight_scale'));
    if (scale) {
      e(`scale-missing-${kind}`, withJson(nb, (x) => { delete x[scale]; }));
      e(`scale-shape-${kind}`, withJson(nb, (x) => { x[scale].shape = [x[scale].shape[0] + 1]; }));
    }
  }
  // F16/BF16 weights with F32 biases (allowed; rill.mjs widens such weights to F32 for the compiled model)
  for (const [dt, halves] of [['F16', [0x3800, 0x3400, 0xb800, 0x3c00, 0x3000, 0x3a00]], ['BF16', [0x3f00, 0x3e80, 0xbf00, 0x3f80, 0x3e00, 0x3f40]]]) {
    const head = enc.encode(JSON.stringify({ __metadata__: { 'rill.format': '2' }, 'layers.0.weight': { dtype: dt, shape: [2, 3], data_offsets: [0, 12] },
      'layers.0.bias': { dtype: 'F32', shape: [2], data_offsets: [12, 20] } }).padEnd(160, ' '));
    const body = new DataView(new ArrayBuffer(20));
    halves.forEach((h, i) => body.setUint16(2 * i, h, true));
    body.setFloat32(12, 0.3, true);
    body.setFloat32(16, -0.2, true);
    e(`mixed-${dt}-weights-F32-biases`, join8(head, new Uint8Array(body.buffer)));
  }
  return out;
}
for (const [name, bytes] of edits()) add(name, bytes);

// Step-conditioned files (step_embedding none, raw or sin:K; [x | time | step | condition]): good ones
// with and without a condition, and the refusals: format 1, unknown values, layer 0 of the wrong width.
function stepFiles() {
  const out = [];
  const s = (name, opts) => out.push([`step/${name}`, modelFile(opts)]);
  for (const step of ['raw', 'sin:1', 'sin:3', 'sin:12', 'none'])
    for (const condition of [null, 'class:3', 'vector:2']) s(`${step}-${condition}`, { step, condition, seed: out.length + 1 });
  s('raw-time-raw', { step: 'raw', time: 'raw', depth: 0 });
  s('sin:2-class-names', { step: 'sin:2', condition: 'class:2', meta: { class_names: 'a,b' } });
  s('sin:2-relu-dim3', { step: 'sin:2', dim: 3, activation: 'relu', meta: { sigma_min: '0.01' } });
  s('format1-raw', { step: 'raw', format: '1' });
  s('format1-none', { step: 'none', format: '1' });
  s('format1-class-raw', { step: 'raw', format: '1', condition: 'class:3' });
  s('no-format-raw', { step: 'raw', meta: { 'rill.format': undefined } });
  for (const v of ['sin:0', 'sin:13', 'sin:', 'sin:01', 'sin:1x', 'cos:2', 'RAW', 'none ', ' raw', '', 'sin:2 ',
    'x'.repeat(70), 'sin:' + '1'.repeat(70), 'é'.repeat(40), 'class:2'])
    s(`value-${v.slice(0, 20)}`, { step: 'raw', meta: { step_embedding: v } });
  s('value-bad-condition-first', { step: 'raw', meta: { step_embedding: 'bogus', condition: 'bogus' } });
  s('value-bad-source-after', { step: 'raw', meta: { step_embedding: 'raw', source: 'mars' } });
  // valid values the shapes do not match: the layer-0 message names the step features (or not, for none)
  for (const [made, said] of [['raw', 'none'], ['raw', 'sin:2'], ['sin:2', 'raw'], ['none', 'raw'], ['sin:3', 'sin:12']])
    for (const condition of [null, 'class:3', 'vector:1'])
      s(`shape-${made}-as-${said}-${condition}`, { step: made, condition, meta: { step_embedding: said } });
  for (const [step, condition, inputs] of [['raw', null, 6], ['raw', null, 8], ['sin:2', 'class:3', 20], ['sin:2', 'vector:2', 3],
    ['sin:12', null, 1], ['none', 'class:2', 9]])
    s(`width-${step}-${condition}-${inputs}`, { step, condition, inputs });
  s('dim-mismatch-raw', { step: 'raw', meta: { dim: '3' } });
  return out;
}
for (const [name, bytes] of stepFiles()) add(name, bytes);

// Seeded random byte changes: in the header (most of them), in the length, anywhere.
let seed = 12345;
const rand = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
const bases = [...files].filter(([n]) => n.startsWith('models/') || n.startsWith('golden/')).map(([, b]) => b);
for (let i = 0; i < 600; i++) {
  const b = bases[rand(bases.length)].slice(), hl = split(b).header.length;
  const k = 1 + rand(3);
  for (let r = 0; r < k; r++) {
    const at = i % 10 === 0 ? rand(8) : i % 10 === 1 ? rand(b.length) : 8 + rand(hl);
    b[at] = [0x22, 0x2c, 0x7b, 0x7d, 0x5b, 0x5d, 0x5c, 0x30, 0x39, 0x2d, 0x20, 0x80, 0xff, rand(256)][rand(14)];
  }
  add(`random/${i}`, b);
}
const stepBases = [...files].filter(([n]) => /^step\/(raw|sin:3)-/.test(n)).map(([, b]) => b);
for (let i = 0; i < 100; i++) {  // the same on step models, in the header
  const b = stepBases[rand(stepBases.length)].slice(), hl = split(b).header.length;
  for (let r = 1 + rand(3); r > 0; r--) b[8 + rand(hl)] = [0x22, 0x2c, 0x3a, 0x30, 0x31, 0x39, 0x20, 0x72, 0x73, rand(256)][rand(10)];
  add(`random-step/${i}`, b);
}

// ---- the two verdicts ----------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'rill-loaders-'));
const names = [...files.keys()];
const paths = names.map((name, i) => { const p = join(dir, `${i}.safetensors`); writeFileSync(p, files.get(name)); return p; });
const run = spawnSync(helper, [], { input: paths.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
rmSync(dir, { recursive: true, force: true });
const native = run.stdout.trim().split('\n');

function fnv64(x) {
  let h = 0xcbf29ce484222325n;
  for (const byte of new Uint8Array(x.buffer, x.byteOffset, x.byteLength)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}
const ACT = ['silu', 'relu', 'tanh', 'gelu', 'gelu_tanh'], KINDS = ['none', 'class', 'vector'];
function verdict(rill, bytes) {
  let m;
  try {
    m = rill.loadModel(bytes);
  } catch (e) {
    if (e.name !== 'RillError') throw e;
    return `refused ${e.code} ${hex(e.message)}`;
  }
  try {
    const i = m.info, sigma = new Uint32Array(new Float32Array([i.sigmaMin]).buffer)[0].toString(16).padStart(8, '0');
    const { x } = m.sample({ n: 16, steps: 4, solver: 'heun', seed: 1 });
    const meta = Object.entries(i.metadata).map(([k, v]) => ` ${k}=${hex(v)}`).join('');
    return `ok ${i.dim} ${i.layers} ${i.width} ${ACT.indexOf(i.activation)} ${i.timeK} ${i.stepK} ${i.params} ${sigma} ` +
      `${KINDS.indexOf(m.condition.kind)} ${m.condition.width} ${fnv64(x)}${meta}`;
  } finally {
    m.free();
  }
}
const readable = (line) => line.replace(/^refused (\d+) ([0-9a-f]*)$/, (_, c, h) => `refused ${c} ${dec.decode(Buffer.from(h, 'hex'))}`);

test(`the native helper read all ${names.length} files`, () => {
  assert.equal(run.status, 0, run.stderr);
  assert.equal(native.length, names.length);
});

test('the C loader and safetensors.mjs accept the same files and refuse the others with the same message', () => {
  const wrong = [];
  let accepted = 0;
  names.forEach((name, i) => {
    const want = readable(native[i]);
    for (const [which, rill] of [['rill.wasm', full], ['rill-sample.wasm', sampler]]) {
      let got = readable(verdict(rill, files.get(name)));
      if (want === 'ok copied' && got.startsWith('ok ')) got = want;  // tensors off 4-byte boundaries: see native_load.cpp
      if (got !== want) wrong.push(`${name} (${which}):\n    C:  ${want.slice(0, 400)}\n    JS: ${got.slice(0, 400)}`);
    }
    if (want.startsWith('ok')) accepted++;
  });
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} of ${2 * names.length} verdicts differ`);
  assert.ok(accepted >= 100 && accepted < names.length - 300, `${accepted} of ${names.length} accepted: both kinds are tested`);
});

test('every status and most messages of the loader are met', () => {
  const refused = native.filter((l) => l.startsWith('refused')).map(readable);
  const codes = new Set(refused.map((l) => l.split(' ')[1]));
  for (const code of ['4', '5', '6', '7', '8', '9', '10', '11', '12']) assert.ok(codes.has(code), `no file refused with status ${code}`);
  assert.ok(new Set(refused).size > 400, `${new Set(refused).size} distinct refusals`);
  console.log(`${names.length} files: ${native.length - refused.length} accepted, ${refused.length} refused (${new Set(refused).size} distinct messages, statuses ${[...codes].sort((a, b) => a - b).join(" ")})`);
});

// rill.mjs fills rill_compiled_model by the module's own layout (RILL_LAYOUT_COMPILED_MODEL): arrays are
// named once and their elements follow 4 bytes apart in wasm32 (capi_layout.cpp's static_assert holds the
// offsets to offsetof there; tests/test_capi_layout.cpp natively).
test('the compiled-model layout rill.mjs fills: every field, in order, at the wasm32 offsets', () => {
  for (const rill of [full, sampler]) {
    const L = rill.layouts.compiled, lengths = { sizes: 17, weight: 16, bias: 16, scale: 16 };
    let at = 0;
    for (const [name, { offset, type }] of Object.entries(L.fields)) {
      assert.equal(offset, at, name);
      assert.match(type, /^[iufp]$/);
      at += 4 * (lengths[name] ?? 1);
    }
    assert.equal(Object.keys(L.fields).join(' '), 'version dim layers sizes activation time_k step_k condition_kind ' +
      'condition_count source sigma_min dtype weight bias scale checksum');
    assert.equal(L.size, at);
  }
});

test('a model whose compiled struct is refused by the module frees its block and says why', () => {
  const bytes = files.get('models/moons.safetensors');
  const before = full.c.rill_alloc(16);
  full.c.rill_free(before);
  const saved = full.c.rill_compiled_checksum;
  full.c = { ...full.c, rill_compiled_checksum: () => 12345 };  // a checksum the module will not accept
  try {
    assert.throws(() => full.loadModel(bytes), (e) => e.name === 'RillError' && e.status === 'bad_tensor' &&
      /^compiled model checksum 0x00003039, its contents give 0x[0-9a-f]{8}/.test(e.message));
  } finally {
    full.c = { ...full.c, rill_compiled_checksum: saved };
  }
  const after = full.c.rill_alloc(16);  // the block went back to the allocator: the same address again
  full.c.rill_free(after);
  assert.equal(after, before);
  const m = full.loadModel(bytes);
  assert.equal(m.info.dim, 2);
  m.free();
});
