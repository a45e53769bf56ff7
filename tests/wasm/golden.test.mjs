// The committed golden vectors (tests/golden/golden.txt) through rill.mjs: the
// WebAssembly module must compute the same hashes as every other target. The
// native `golden --emit-json` (make golden-json) writes golden.json and the
// model files into RILL_GOLDEN_DIR; without it the test is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRill } from './helpers.mjs';

const dir = process.env.RILL_GOLDEN_DIR;
const file = dir ? join(dir, 'golden.json') : null;

/** FNV-1a 64 of the bytes of a typed array, as 16 lowercase hex digits. */
function fnv1a64(array) {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** The golden inputs of field and integrate: x[k] = ((7k) mod 33 - 16) / 8. */
function goldenPoints(count) {
  return Float32Array.from({ length: count }, (_, k) => (((7 * k) % 33) - 16) / 8);
}

test('golden vectors: every committed hash, computed by the WebAssembly module', { skip: dir ? false : 'RILL_GOLDEN_DIR is not set' }, async () => {
  assert.ok(existsSync(file), `${file} is missing (make golden-json)`);
  const golden = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(golden.format, 1);
  const { rill } = await loadRill();
  const models = new Map();
  try {
    for (const m of golden.models) {
      const bytes = readFileSync(join(dir, m.file));
      assert.equal(bytes.length, m.bytes, `${m.name}: file size`);
      assert.equal(fnv1a64(bytes), m.fnv, `${m.name}: file hash`);
      const model = rill.loadModel(bytes);
      models.set(m.name, model);
      assert.equal(model.info.dim, m.dim, `${m.name}: dim`);
    }
    const wrong = [];
    for (const c of golden.cases) {
      const model = models.get(c.model);
      let out;
      if (c.kind === 'sample') out = model.sample({ n: c.n, steps: c.steps, solver: c.solver, seed: c.seed }).x;
      else if (c.kind === 'field') out = model.field(goldenPoints(c.n * model.info.dim), c.t);
      else if (c.kind === 'integrate')
        out = model.integrate(goldenPoints(c.n * model.info.dim), { steps: c.steps, solver: c.solver, t0: c.t0, t1: c.t1 }).x;
      else throw new Error(`unknown case kind ${c.kind}`);
      const h = fnv1a64(out);
      if (h !== c.hash) wrong.push(`${JSON.stringify(c)} gave ${h}`);
    }
    assert.deepEqual(wrong, [], `${wrong.length} of ${golden.cases.length} cases differ`);
    assert.ok(golden.cases.length > 0);
  } finally {
    for (const m of models.values()) m.free();
  }
});
