// The committed golden vectors (tests/golden/golden.txt) through rill.mjs: the
// WebAssembly module must compute the same hashes as every other target. The
// native `golden --emit-json` (make golden-json) writes golden.json and the
// model files into RILL_GOLDEN_DIR; without it the test is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRill } from './helpers.mjs';
import { fnv1a64, wrongCases } from '../golden/golden_cases.mjs';

const dir = process.env.RILL_GOLDEN_DIR;
const file = dir ? join(dir, 'golden.json') : null;

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
    const wrong = wrongCases(models, golden.cases);
    assert.deepEqual(wrong, [], `${wrong.length} of ${golden.cases.length} cases differ`);
    assert.ok(golden.cases.length > 0);
  } finally {
    for (const m of models.values()) m.free();
  }
});
