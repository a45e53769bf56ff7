// golden_wasm.mjs — the golden vectors under WebAssembly (Node), through rill.mjs.
//
//   node tests/golden/golden_wasm.mjs GOLDEN_DIR WEB_DIR
//
// GOLDEN_DIR holds golden.json and the model files (`golden --emit-json`,
// `make golden-json`); WEB_DIR the built page (rill.mjs, rill.wasm; `make wasm`).
// Every case is run through rill.mjs and its FNV-1a 64 hash compared with the
// committed one (tests/golden/golden.txt). Ends with `N passed, M failed`.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [goldenDir = 'build/golden', webDir = 'build/web'] = process.argv.slice(2);
const golden = JSON.parse(readFileSync(join(goldenDir, 'golden.json'), 'utf8'));
const { Rill } = await import(pathToFileURL(resolve(webDir, 'rill.mjs')).href);
const rill = await Rill.load();

/** FNV-1a 64 of the floats as little-endian float32 bytes, as 16 hex digits. */
export function fnv1a64(floats) {
  const bytes = new Uint8Array(floats.length * 4);
  const view = new DataView(bytes.buffer);
  floats.forEach((f, i) => view.setFloat32(4 * i, f, true));
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

/** The fixed inputs of field and integrate cases: x[k] = ((7k) mod 33 − 16) / 8. */
function points(count) {
  const x = new Float32Array(count);
  for (let k = 0; k < count; k++) x[k] = (((7 * k) % 33) - 16) / 8;
  return x;
}

let passed = 0, failed = 0;
const models = new Map();
for (const m of golden.models) {
  const bytes = readFileSync(join(goldenDir, m.file));
  if (bytes.length !== m.bytes) { console.log(`FAIL model ${m.name}: ${bytes.length} bytes, golden ${m.bytes}`); failed++; continue; }
  models.set(m.name, { model: rill.loadModel(bytes), dim: m.dim });
}
for (const c of golden.cases) {
  const m = models.get(c.model);
  const what = `${c.kind} ${c.model} ${c.solver ?? ''} ${c.steps ?? ''} ${c.seed ?? c.t ?? ''} n=${c.n}`;
  if (!m) { console.log(`FAIL ${what}: no model`); failed++; continue; }
  let out;
  try {
    if (c.kind === 'sample') out = m.model.sample({ n: c.n, steps: c.steps, solver: c.solver, seed: c.seed }).x;
    else if (c.kind === 'field') out = m.model.field(points(c.n * m.dim), c.t);
    else out = m.model.integrate(points(c.n * m.dim), { steps: c.steps, solver: c.solver, t0: c.t0, t1: c.t1 }).x;
  } catch (e) {
    console.log(`FAIL ${what}: ${e.message}`); failed++; continue;
  }
  const h = fnv1a64(out);
  if (h === c.hash) passed++;
  else { console.log(`FAIL ${what}: wasm ${h}, golden ${c.hash}`); failed++; }
}
console.log(`golden (WebAssembly, Node ${process.versions.node}): ${golden.cases.length} cases of ${golden.source}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
