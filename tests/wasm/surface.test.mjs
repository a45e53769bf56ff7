// The module's surface against rill.h and the native build: every function rill.h declares
// for WebAssembly is exported (and build/web/exports.txt is that list), the module imports
// only the loader's two functions, rill.mjs's struct layouts (read from the module) match
// the native offsetof/sizeof and every field round-trips, and rill.mjs's dataset draws are
// `rill data`'s points bit for bit.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadRill, webDir, firstDiff } from './helpers.mjs';

const header = resolve(process.env.RILL_HEADER ?? 'src/rill/rill.h');
const cli = process.env.RILL_CLI;
const helper = process.env.RILL_NATIVE_VECTORS;
const dir = mkdtempSync(join(tmpdir(), 'rill-surface-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { mod, rill } = await loadRill();

/** The rill_* functions rill.h declares to an Emscripten build: comments and the `#ifndef __EMSCRIPTEN__` section dropped. */
export function declaredFunctions(text) {
  let code = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, '');
  code = code.replace(/#ifndef __EMSCRIPTEN__[\s\S]*?#endif/g, '');
  return [...new Set([...code.matchAll(/\b(rill_\w+)\s*\(/g)].map((m) => m[1]))].sort();
}

test('every function rill.h declares for WebAssembly is exported, and exports.txt lists exactly those', () => {
  const text = readFileSync(header, 'utf8');
  const declared = declaredFunctions(text);
  assert.ok(declared.length >= 25, `only ${declared.length} functions found in ${header}`);
  assert.ok(!declared.includes('rill_model_set_threads') && !declared.includes('rill_trainer_set_threads'),
    'the native-only section is excluded');
  assert.ok(/#ifndef __EMSCRIPTEN__[\s\S]*rill_model_set_threads[\s\S]*#endif/.test(text), 'the thread functions are in the native-only section');
  const exported = WebAssembly.Module.exports(rill.wasm.module).filter((e) => e.kind === 'function').map((e) => e.name);
  const missing = declared.filter((name) => !exported.includes(name));
  assert.deepEqual(missing, [], 'declared in rill.h but not exported by rill.wasm');
  const list = readFileSync(join(webDir, 'exports.txt'), 'utf8').trim().split('\n');
  assert.deepEqual(list, declared, 'build/web/exports.txt is rill.h\'s list');
  for (const name of exported.filter((n) => n.startsWith('rill_')))
    assert.ok(declared.includes(name), `${name} is exported but not declared in rill.h`);
});

test('the module imports only proc_exit and emscripten_notify_memory_growth', () => {
  const imports = WebAssembly.Module.imports(rill.wasm.module).map((i) => `${i.module}.${i.name}`).sort();
  assert.deepEqual(imports, ['env.emscripten_notify_memory_growth', 'wasi_snapshot_preview1.proc_exit']);
});

test('rill_version is rill.h\'s RILL_VERSION_MAJOR.MINOR.PATCH', () => {
  const text = readFileSync(header, 'utf8');
  const part = (p) => text.match(new RegExp(`#define RILL_VERSION_${p} (\\d+)`))[1];
  assert.equal(rill.version, `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`);
});

// A struct's offsets and size by the C rules from its fields' types in order: 4 bytes each, a
// pointer (type 'p') `ptr` bytes at its own alignment. The native offsetof follow them with ptr 8,
// the module's with ptr 4 (wasm32; capi_layout.cpp's static_asserts hold them to offsetof there).
function cLayout(types, ptr) {
  let end = 0, align = 4;
  const offsets = types.map((t) => {
    const s = t === 'p' ? ptr : 4, at = Math.ceil(end / s) * s;
    align = Math.max(align, s);
    end = at + s;
    return at;
  });
  return { offsets, size: Math.ceil(end / align) * align };
}

test('struct layouts: the module describes every field, at the native offsetof and sizeof', () => {
  assert.ok(helper, 'RILL_NATIVE_VECTORS is not set (run through `make wasm-test`)');
  const model = resolve('web/models/moons.safetensors');
  const run = spawnSync(helper, ['--layout', ...(existsSync(model) ? [model] : [])], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const native = JSON.parse(run.stdout);
  for (const [key, layout] of [['info', rill.layouts.info], ['config', rill.layouts.config],
    ['options', rill.layouts.options]]) {
    const { size, ...fields } = native[key];
    assert.deepEqual(Object.keys(layout.fields).sort(), Object.keys(fields).sort(), `the fields of ${key}`);
    for (const { type } of Object.values(layout.fields)) assert.match(type, /^[iufp]$/);
    // In declaration order (the module's), with their types: the native offsets are those of the rule
    // with 8-byte pointers, the module's those with 4-byte ones; without a pointer the two are equal.
    const names = Object.keys(layout.fields), types = names.map((n) => layout.fields[n].type);
    const native64 = cLayout(types, 8), wasm32 = cLayout(types, 4);
    assert.deepEqual(names.map((n) => fields[n]), native64.offsets, `native offsetof of ${key}`);
    assert.equal(size, native64.size, `native sizeof ${key}`);
    assert.deepEqual(names.map((n) => layout.fields[n].offset), wasm32.offsets, `wasm32 offsets of ${key}`);
    assert.equal(layout.size, wasm32.size, `wasm32 sizeof ${key}`);
    if (!types.includes('p')) assert.deepEqual(wasm32, native64);
  }
  assert.equal(rill.layouts.options.fields.condition.type, 'p');
  assert.equal(rill.layouts.options.fields.condition.offset, 24);
  assert.equal(rill.layouts.options.size, 48);
  assert.deepEqual(rill.layouts.options.fields.h, { offset: 44, type: 'f' });  // the last field (a step model's h)
  assert.deepEqual(rill.layouts.info.fields.step_k, { offset: rill.layouts.info.size - 4, type: 'i' });
  assert.equal(rill.c.rill_layout_fields(7), 0);
  assert.equal(rill.c.rill_layout_offset(0, 99), -1);
  // rill_model_info through rill.mjs: the native library's values for the same file.
  for (const [file, want] of Object.entries(native.models)) {
    const m = rill.loadModel(readFileSync(file));
    try {
      const { metadata, depth, formula, condition, ...info } = m.info;
      assert.deepEqual(condition, { kind: 'none', width: 0 });
      assert.deepEqual(info, want, file);
      assert.equal(formula, null);
      assert.equal(depth, want.layers - 1);
    } finally {
      m.free();
    }
  }
});

test('struct layouts: every field rill.mjs writes to rill_train_config reads back as written', () => {
  const L = rill.layouts.config, p = rill.alloc(L.size);
  try {
    rill.c.rill_train_config_default(p);
    assert.equal(rill.field(L, p, 'width'), 128);
    assert.equal(rill.field(L, p, 'lr'), Math.fround(1e-3));
    // A distinct value per field, each of its type, then every field read back.
    const values = {};
    Object.entries(L.fields).forEach(([name, { type }], i) => {
      values[name] = type === 'f' ? Math.fround(0.5 + i) : type === 'u' ? 0xfffffff0 + i : -100 - i;
      rill.field(L, p, name, values[name]);
    });
    for (const [name, v] of Object.entries(values)) assert.equal(rill.field(L, p, name), v, name);
    // ... at distinct bytes: the block holds exactly those values at the described offsets.
    const seen = new Set(Object.values(L.fields).map((f) => f.offset));
    assert.equal(seen.size, Object.keys(L.fields).length);
    assert.equal(4 * seen.size, L.size);
  } finally {
    rill.free(p);
  }
  // Read by C: bits.test.mjs trains 'every_field' (every config field away from its default)
  // and compares losses and file bytes with the native trainer given the same struct.
});

function readNpy(bytes) {
  assert.equal(bytes.subarray(0, 6).toString('latin1'), '\x93NUMPY');
  const major = bytes[6];
  const hlen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + hlen;
  assert.match(bytes.subarray(0, start).toString('latin1'), /'descr': '<f4'/);
  const data = bytes.subarray(start);
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

test('drawDataset: `rill data`\'s points bit for bit, for every built-in dataset', () => {
  assert.ok(cli, 'RILL_CLI is not set (run through `make wasm-test`)');
  for (const name of mod.DATASETS) {
    for (const [n, seed] of [[1, 0], [257, 4000000000], [1000, 12345]]) {
      const out = join(dir, `${name}-${n}-${seed}.npy`);
      const run = spawnSync(cli, ['data', '--data', name, '--n', String(n), '--seed', String(seed), '--out', out],
        { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const want = readNpy(readFileSync(out));
      const got = rill.drawDataset(name, n, seed);
      assert.equal(got.length, 2 * n);
      assert.equal(firstDiff(got, want), -1, `${name} n ${n} seed ${seed}`);
    }
  }
  assert.equal(rill.drawDataset('moons', 0, 1).length, 0);
  assert.throws(() => rill.drawDataset('nope', 10), /unknown dataset/);
  assert.throws(() => rill.drawDataset('moons', -1), /n must be/);
  assert.equal(rill.c.rill_dataset_draw(7, 1, 0, 0), 1);
  assert.equal(rill.c.rill_dataset_draw(-1, 1, 0, 0), 1);
});
