// `make bench-web`: rill.wasm against onnxruntime-web (wasm backend, SIMD, 1 thread) and
// @tensorflow/tfjs-backend-wasm (SIMD, 1 thread) on the same network and weights, in one Node process.
//   node tools/bench/bench_web.mjs BUILD_WEB BENCH_DIR [--json] [--quick]
// BUILD_WEB holds rill.mjs + rill.wasm (make wasm); BENCH_DIR holds the peers' node_modules (installed
// there by the make target from tools/bench/web/package-lock.json: dev-only, never shipped) and
// peak_simd128.wasm (tools/bench/peak_simd128.cpp, built with rill.wasm's compiler flags). The figures
// also go to BENCH_DIR/bench-web.json (--json: printed instead of the table).
//
// The network: a default-size model's initial weights (width 128, depth 3, SiLU, raw t), saved by rill
// as safetensors to BENCH_DIR/model.safetensors; the ONNX graph (written here, a small protobuf
// encoder) and the TF.js ops are built from that file's tensors. What is timed is one field evaluation
// of a batch: u = net([x | t]) for n points at one t (rill_field; session.run; the TF.js ops + dataSync),
// each peer through its ordinary API (its input copies included). Before timing, every peer's output is
// checked against rill's within 1e-4. Rounds alternate the three (rill, ORT, TF.js, rill, ...) and the
// best round of each is reported (process CPU time: other processes' load only ever adds to it).
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync, constants as zc } from 'node:zlib';
import { createRequire } from 'node:module';
import { join, resolve, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpus, loadavg } from 'node:os';

const args = process.argv.slice(2);
const pos = args.filter(a => !a.startsWith('--'));
const webDir = resolve(pos[0] ?? 'build/web'), benchDir = resolve(pos[1] ?? 'build/bench-web');
const json = args.includes('--json'), quick = args.includes('--quick');
const require = createRequire(join(benchDir, 'package.json'));
const pkgVersion = name => JSON.parse(readFileSync(join(benchDir, 'node_modules', name, 'package.json'))).version;

// ---- rill and the network's file -------------------------------------------------------------
const { Rill } = await import(pathToFileURL(join(webDir, 'rill.mjs')).href);
const rill = await Rill.load(readFileSync(join(webDir, 'rill.wasm')));
const init = rill.trainer({ dataset: 'moons', seed: 1 });
const fileBytes = init.save();
init.free();
const modelPath = join(benchDir, 'model.safetensors');
writeFileSync(modelPath, fileBytes);
const model = rill.loadModel(readFileSync(modelPath));
const flops = model.info.flops;

// safetensors: u64 header length, JSON header, then the tensors (F32 here: a trainer's file).
function readSafetensors(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
  const meta = header.__metadata__ ?? {};
  const layers = [];
  for (const [name, e] of Object.entries(header)) {
    const m = /^layers\.(\d+)\.(weight|bias)$/.exec(name);
    if (!m) continue;
    if (e.dtype !== 'F32') throw new Error(`${name}: dtype ${e.dtype}, the bench reads F32 files`);
    const [b0, b1] = e.data_offsets;
    const data = new Float32Array(Uint8Array.prototype.slice.call(bytes, 8 + hlen + b0, 8 + hlen + b1).buffer);  // a copy (a Buffer's slice is a view)
    (layers[+m[1]] ??= {})[m[2]] = { shape: e.shape, data };
  }
  return { meta, layers };
}
const net = readSafetensors(readFileSync(modelPath));
if ((net.meta.activation ?? 'silu') !== 'silu' || (net.meta.time_embedding ?? 'raw') !== 'raw')
  throw new Error('the bench builds SiLU networks with raw t');
const dim = net.layers.at(-1).weight.shape[0];

// ---- the ONNX graph: a minimal protobuf writer (onnx.proto3 field numbers) -------------------
const te = new TextEncoder();
function varint(n) {
  const out = [];
  let v = BigInt(n);
  do { let b = Number(v & 0x7fn); v >>= 7n; if (v) b |= 0x80; out.push(b); } while (v);
  return out;
}
const concat = parts => { const a = new Uint8Array(parts.reduce((s, p) => s + p.length, 0)); let o = 0; for (const p of parts) { a.set(p, o); o += p.length; } return a; };
const fInt = (field, n) => Uint8Array.from([...varint(field << 3), ...varint(n)]);
const fBytes = (field, b) => { b = typeof b === 'string' ? te.encode(b) : b; return concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(b.length)]), b]); };
const FLOAT = 1;
const tensorProto = (name, dims, f32) => concat([...dims.map(d => fInt(1, d)), fInt(2, FLOAT), fBytes(8, name), fBytes(9, new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength))]);
const dimProto = d => fBytes(1, typeof d === 'string' ? fBytes(2, d) : fInt(1, d));
const valueInfo = (name, dims) => concat([fBytes(1, name), fBytes(2, fBytes(1, concat([fInt(1, FLOAT), fBytes(2, concat(dims.map(dimProto)))])))]);
const attrInt = (name, i) => concat([fBytes(1, name), fInt(3, i), fInt(20, 2)]);
const node = (op, inputs, outputs, attrs = []) => concat([...inputs.map(s => fBytes(1, s)), ...outputs.map(s => fBytes(2, s)), fBytes(3, `${op}_${outputs[0]}`), fBytes(4, op), ...attrs.map(a => fBytes(5, a))]);

function onnxModel(layers) {
  const nodes = [node('Concat', ['x', 't'], ['h0'], [attrInt('axis', 1)])];
  const inits = [];
  let h = 'h0';
  layers.forEach((l, i) => {
    inits.push(tensorProto(`W${i}`, l.weight.shape, l.weight.data), tensorProto(`b${i}`, l.bias.shape, l.bias.data));
    const z = i === layers.length - 1 ? 'u' : `z${i + 1}`;
    nodes.push(node('Gemm', [h, `W${i}`, `b${i}`], [z], [attrInt('transB', 1)]));  // z = h·Wᵀ + b
    if (i < layers.length - 1) {  // SiLU: z·σ(z)
      nodes.push(node('Sigmoid', [z], [`s${i + 1}`]), node('Mul', [z, `s${i + 1}`], [`h${i + 1}`]));
      h = `h${i + 1}`;
    }
  });
  const graph = concat([...nodes.map(n => fBytes(1, n)), fBytes(2, 'rill_mlp'), ...inits.map(t => fBytes(5, t)),
    fBytes(11, valueInfo('x', ['n', dim])), fBytes(11, valueInfo('t', ['n', 1])), fBytes(12, valueInfo('u', ['n', dim]))]);
  return concat([fInt(1, 8), fBytes(2, 'rill bench_web'), fBytes(7, graph), fBytes(8, fInt(2, 17))]);  // IR 8, opset 17
}
const onnxBytes = onnxModel(net.layers);
writeFileSync(join(benchDir, 'model.onnx'), onnxBytes);

// ---- the peers ----------------------------------------------------------------------------------
const ort = await import(pathToFileURL(require.resolve('onnxruntime-web')).href);
ort.env.wasm.numThreads = 1;
ort.env.wasm.simd = true;
ort.env.wasm.proxy = false;
const session = await ort.InferenceSession.create(onnxBytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });

const tf = await import(pathToFileURL(require.resolve('@tensorflow/tfjs-core')).href);
const tfw = await import(pathToFileURL(require.resolve('@tensorflow/tfjs-backend-wasm')).href);
const tfwDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
tfw.setWasmPaths(tfwDist + '/');
tfw.setThreadsCount(1);
await tf.setBackend('wasm');
await tf.ready();
// Each kernel stored [in, out], as a TF.js dense layer keeps it (tf.fused.matMul with transposeB and a
// bias gives wrong values in tfjs-backend-wasm 4.22: 0.3 off here).
const tfLayers = net.layers.map(l => ({
  W: tf.tidy(() => tf.transpose(tf.tensor2d(l.weight.data, l.weight.shape))),
  b: tf.tensor1d(l.bias.data),
}));
function tfForward(x, t) {
  return tf.tidy(() => {
    let h = tf.concat([x, t], 1);
    tfLayers.forEach((l, i) => {
      h = tf.fused.matMul({ a: h, b: l.W, bias: l.b });  // h·W + b
      if (i < tfLayers.length - 1) h = tf.mul(h, tf.sigmoid(h));
    });
    return h;
  });
}

// ---- one batch for all three -------------------------------------------------------------------
const T = 0.37;
function inputs(n) {
  const x = new Float32Array(n * dim), t = new Float32Array(n).fill(T);
  let s = 12345;
  for (let i = 0; i < x.length; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; x[i] = (s / 2 ** 32) * 4 - 2; }
  return { x, t };
}

function runners(n) {
  const { x, t } = inputs(n);
  const c = rill.c, h = model.handle();
  const px = rill.alloc(x.byteLength), pu = rill.alloc(x.byteLength);
  rill.putFloats(px, x);
  const rillRun = () => { if (c.rill_field(h, px, n, T, pu) !== 0) throw new Error('rill_field failed'); };
  const rillOut = () => { rillRun(); return rill.getFloats(pu, n * dim); };
  const ortFeeds = { x: new ort.Tensor('float32', x, [n, dim]), t: new ort.Tensor('float32', t, [n, 1]) };
  const ortRun = async () => (await session.run(ortFeeds)).u.data;
  const tx = tf.tensor2d(x, [n, dim]), tt = tf.tensor2d(t, [n, 1]);
  const tfRun = () => { const u = tfForward(tx, tt); const d = u.dataSync(); u.dispose(); return d; };
  const free = () => { rill.free(px); rill.free(pu); tx.dispose(); tt.dispose(); };
  return { rillRun, rillOut, ortRun, tfRun, free };
}

function maxDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
}

// The machine is shared: every figure is this process's CPU time (user + system, process.cpuUsage),
// which other processes' load barely moves, where wall time would count their turns too.
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
// Calls of fn (async allowed) that take ≥ minS of CPU time.
async function calibrate(fn, minS) {
  let calls = 1;
  for (;;) {
    const t0 = cpuSeconds();
    for (let i = 0; i < calls; i++) await fn();
    const s = cpuSeconds() - t0;
    if (s >= minS || calls > 1 << 20) return calls;
    calls = Math.max(calls * 2, Math.ceil(calls * minS / Math.max(s, 1e-4) * 1.2));
  }
}
// CPU seconds per call over `calls` calls.
async function timed(fn, calls, isAsync) {
  const t0 = cpuSeconds();
  if (isAsync) for (let i = 0; i < calls; i++) await fn();
  else for (let i = 0; i < calls; i++) fn();
  return (cpuSeconds() - t0) / calls;
}

// ---- the SIMD128 mul+add peak (tools/bench/peak_simd128.cpp, rill.wasm's flags) -----------------
async function simdPeak() {
  const { instance } = await WebAssembly.instantiate(readFileSync(join(benchDir, 'peak_simd128.wasm')), {
    wasi_snapshot_preview1: { proc_exit(code) { throw new Error(`exit ${code}`); } }, env: {} });
  let best = { gflops: 0, chains: 0 };
  for (const chains of [8, 10, 12, 14]) {
    const fn = instance.exports[`peak_${chains}`];
    const iters = 1 << 16;
    fn(1000);
    const calls = await calibrate(() => fn(iters), 0.05);
    const s = [];
    for (let r = 0; r < 7; r++) s.push(await timed(() => fn(iters), calls, false));
    const g = 2 * 4 * chains * iters / Math.min(...s) / 1e9;  // a mul and an add on 4 lanes per chain step
    if (g > best.gflops) best = { gflops: g, chains };
  }
  return best;
}

// ---- sizes as shipped (wasm + JS, each gzip -9) ------------------------------------------------
function sizes(files) {
  let raw = 0, gz = 0;
  for (const f of files) { const b = readFileSync(f); raw += b.length; gz += gzipSync(b, { level: zc.Z_BEST_COMPRESSION }).length; }
  return { files: files.map(f => f.split('/').slice(-1)[0]), bytes: raw, gzip: gz };
}
const nm = p => join(benchDir, 'node_modules', p);
const RILL_JS = ['rill.mjs', 'rill_base.mjs', 'rill_model.mjs', 'safetensors.mjs', 'rill_loader.mjs'];  // rill.mjs and what it imports
const shipped = {
  rill: sizes(['rill.wasm', ...RILL_JS].map((f) => join(webDir, f))),
  // The sampler-only module (no trainer), which is what an inference runtime is compared with.
  'rill-sample': sizes(['rill-sample.wasm', ...RILL_JS].map((f) => join(webDir, f))),
  ort: sizes([nm('onnxruntime-web/dist/ort-wasm-simd-threaded.wasm'), nm('onnxruntime-web/dist/ort.wasm.bundle.min.mjs')]),
  tfjs: sizes([nm('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'),
    nm('@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js'), nm('@tensorflow/tfjs-core/dist/tf-core.min.js')]),
};

// ---- run ---------------------------------------------------------------------------------------
const peak = await simdPeak();
const rounds = quick ? 3 : 7, minS = quick ? 0.03 : 0.1;
const rows = [];
for (const n of [1, 16, 256, 4096]) {
  const r = runners(n);
  const ref = r.rillOut();
  const dOrt = maxDiff(ref, await r.ortRun()), dTf = maxDiff(ref, r.tfRun());
  if (!(dOrt <= 1e-4) || !(dTf <= 1e-4))
    throw new Error(`batch ${n}: outputs differ from rill's (onnxruntime-web ${dOrt}, tfjs ${dTf}; the bar is 1e-4)`);
  const calls = { rill: await calibrate(r.rillRun, minS), ort: await calibrate(r.ortRun, minS), tfjs: await calibrate(r.tfRun, minS) };
  const s = { rill: [], ort: [], tfjs: [] };
  for (let k = 0; k < rounds; k++) {
    s.rill.push(await timed(r.rillRun, calls.rill, false));
    s.ort.push(await timed(r.ortRun, calls.ort, true));
    s.tfjs.push(await timed(r.tfRun, calls.tfjs, false));
  }
  r.free();
  const eps = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, n / Math.min(...v)]));
  const best = Math.max(eps.ort, eps.tfjs);
  rows.push({ batch: n, evals_per_second: eps, rill_gflops: eps.rill * flops / 1e9,
    rill_peak_fraction: eps.rill * flops / 1e9 / peak.gflops, rill_vs_faster_peer: eps.rill / best,
    rill_vs_ort: eps.rill / eps.ort, rill_vs_tfjs: eps.rill / eps.tfjs, max_diff: { ort: dOrt, tfjs: dTf } });
}
model.free();

const env = { node: process.version, cpu: cpus()[0]?.model ?? '?', load: loadavg().map(v => +v.toFixed(2)),
  'onnxruntime-web': pkgVersion('onnxruntime-web'), '@tensorflow/tfjs-backend-wasm': pkgVersion('@tensorflow/tfjs-backend-wasm'),
  '@tensorflow/tfjs-core': pkgVersion('@tensorflow/tfjs-core') };
const report = JSON.stringify({ model: `width ${net.layers[0].weight.shape[0]}, ${net.layers.length} layers, SiLU, raw t (random initial weights)`,
  flops_per_eval: flops, env, simd128_peak: peak, results: rows, shipped }, null, 1);
writeFileSync(join(benchDir, 'bench-web.json'), report + '\n');
if (json) {
  console.log(report);
} else {
  const f = v => v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(0);
  console.log(`Field evaluations per CPU second, one thread, Node ${process.version} (${env.cpu}, load ${env.load.join(' ')});`);
  console.log(`onnxruntime-web ${env['onnxruntime-web']} (wasm, SIMD), tfjs-backend-wasm ${env['@tensorflow/tfjs-backend-wasm']} (SIMD); ${flops} FLOP per evaluation`);
  console.log(`outputs equal within 1e-4 (largest difference: ORT ${Math.max(...rows.map(r => r.max_diff.ort)).toExponential(1)}, TF.js ${Math.max(...rows.map(r => r.max_diff.tfjs)).toExponential(1)})\n`);
  console.log(`${'batch'.padStart(6)} ${'rill.wasm'.padStart(11)} ${'ORT-web'.padStart(11)} ${'TF.js-wasm'.padStart(11)} ${'÷ORT'.padStart(6)} ${'÷TF.js'.padStart(6)} ${'GFLOP/s'.padStart(8)} ${'% peak'.padStart(7)}`);
  for (const r of rows)
    console.log(`${String(r.batch).padStart(6)} ${f(r.evals_per_second.rill).padStart(11)} ${f(r.evals_per_second.ort).padStart(11)} ${f(r.evals_per_second.tfjs).padStart(11)} ${r.rill_vs_ort.toFixed(2).padStart(6)} ${r.rill_vs_tfjs.toFixed(2).padStart(6)} ${r.rill_gflops.toFixed(2).padStart(8)} ${(100 * r.rill_peak_fraction).toFixed(0).padStart(6)}%`);
  console.log(`\nSIMD128 mul+add peak in this Node: ${peak.gflops.toFixed(2)} GFLOP/s (${peak.chains} chains)`);
  console.log('Shipped (wasm + JS, gzip -9):');
  for (const [k, v] of Object.entries(shipped)) console.log(`  ${k.padEnd(11)} ${(v.gzip / 1000).toFixed(1).padStart(8)} KB gzip (${(v.bytes / 1000).toFixed(1)} KB): ${v.files.join(' + ')}`);
}
