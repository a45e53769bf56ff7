// check_types.mjs — rill.d.ts against rill.mjs, name by name, both ways (make npm-test).
//
//   node check_types.mjs PACKAGE_DIR TYPESCRIPT_DIR MODEL_FILE
//
// Loads the package's rill.mjs in Node (with a real rill.wasm and a model, so that instances and
// results exist) and reads its rill.d.ts with the TypeScript compiler API. Fails, with one line per
// difference, when:
//   - an export of rill.mjs is not declared, or a declared value is not exported;
//   - a class's static or prototype member (method or getter), or an own property of a live instance,
//     is not declared, or a declared member does not exist, or one is a method and the other a getter;
//   - a function's parameters differ in number, name or optionality (a default needs `?`), or a
//     destructured options parameter's keys differ from its declared options type;
//   - the trainer's option keys (read from rill.mjs's source) differ from TrainerOptions';
//   - a name list (SOLVERS, DATASETS, ACTIVATIONS, EVALUATIONS, and rill_base.mjs's private SCHEDULES,
//     COUPLINGS, METADATA_KEYS) or the core's status names differ from the declared literal types;
//   - the keys of model.info, sample() and integrate() results, rill.layouts and the loader's
//     result differ from their declared interfaces.
// Prints `check <name>: ok|FAIL` lines and returns the counts through the exit code and stdout.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [pkgDir, tsDir, modelPath] = process.argv.slice(2).map((p) => resolve(p));
if (process.argv.length !== 5 || !tsDir || !modelPath) {
  console.error('usage: node check_types.mjs PACKAGE_DIR TYPESCRIPT_DIR MODEL_FILE');
  process.exit(2);
}
const ts = createRequire(import.meta.url)(join(tsDir, 'lib', 'typescript.js'));
const dtsPath = join(pkgDir, 'rill.d.ts');
const mjsPath = join(pkgDir, 'rill.mjs');
// rill.mjs and the modules it is built from (their private name lists and the trainer's source).
const mjsSource = ['rill.mjs', 'rill_base.mjs', 'rill_model.mjs', 'safetensors.mjs'].map((f) => readFileSync(join(pkgDir, f), 'utf8')).join('\n');

let passed = 0, failed = 0;
function check(name, problems) {
  if (problems.length === 0) { passed++; console.log(`check ${name}: ok`); return; }
  failed++;
  console.log(`check ${name}: FAIL`);
  for (const p of problems) console.log(`  - ${p}`);
}
const sorted = (xs) => [...new Set(xs)].sort();
// Differences between what rill.mjs has (`actual`) and what rill.d.ts declares (`declared`).
function diff(what, actual, declared) {
  const a = new Set(actual), d = new Set(declared), out = [];
  for (const x of sorted(actual)) if (!d.has(x)) out.push(`${what}: rill.mjs has "${x}", rill.d.ts does not declare it`);
  for (const x of sorted(declared)) if (!a.has(x)) out.push(`${what}: rill.d.ts declares "${x}", rill.mjs has no such thing`);
  return out;
}
const sameList = (what, actual, declared) =>
  (JSON.stringify(actual) === JSON.stringify(declared) ? [] : [`${what}: rill.mjs has ${JSON.stringify(actual)}, rill.d.ts ${JSON.stringify(declared)}`]);

// ---- rill.d.ts through the compiler --------------------------------------------------------------
const program = ts.createProgram([dtsPath], {
  strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [],
});
const checker = program.getTypeChecker();
const dts = program.getSourceFile(dtsPath);
check('rill.d.ts compiles on its own (strict)', ts.getPreEmitDiagnostics(program).map((d) =>
  ts.flattenDiagnosticMessageText(d.messageText, ' ')));
const declared = new Map(checker.getExportsOfModule(checker.getSymbolAtLocation(dts)).map((s) => [s.name, s]));
const sym = (name) => {
  const s = declared.get(name);
  if (!s) throw new Error(`rill.d.ts does not export ${name}`);
  return s;
};
const typeOf = (name) => checker.getDeclaredTypeOfSymbol(sym(name));
const literals = (type) => (type.isUnion() ? type.types : [type]).map((t) => t.value);
const propsOf = (type) => sorted((type.isUnion() ? type.types : [type]).flatMap((t) => checker.getPropertiesOfType(t).map((p) => p.name)));

// ---- rill.mjs in Node ----------------------------------------------------------------------------
const mod = await import(pathToFileURL(mjsPath).href);
const rill = await mod.Rill.load();
const model = rill.loadModel(readFileSync(modelPath));
const trainer = rill.trainer({ dataset: 'moons', width: 8, depth: 1, batch: 8, seed: 1 });
trainer.step(1);
const trainerModel = trainer.model();
let error;
try { rill.loadModel(new Uint8Array(3)); } catch (e) { error = e; }
const instances = { Rill: [rill], Model: [model, trainerModel], Trainer: [trainer], RillError: [error] };

// ---- exports ---------------------------------------------------------------------------------------
const valueExports = [...declared.values()].filter((s) => s.flags & ts.SymbolFlags.Value).map((s) => s.name);
check('exports', diff('export', Object.keys(mod), valueExports));

// ---- parameters, from the function's source text ------------------------------------------------
function splitTop(text) {  // splits at commas outside brackets and strings
  const parts = []; let depth = 0, quote = null, start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) { if (c === '\\') i++; else if (c === quote) quote = null; continue; }
    if (c === '\'' || c === '"' || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length);
}
function paramText(source, from) {  // the text between the parenthesis at `from` and its match
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    if (source[i] === '(') depth++;
    else if (source[i] === ')' && --depth === 0) return source.slice(from + 1, i);
  }
  throw new Error('unbalanced parameter list');
}
function runtimeParams(fn, isConstructor) {
  const src = fn.toString();
  const at = isConstructor ? src.indexOf('constructor(') + 'constructor'.length : src.indexOf('(');
  if (isConstructor && at < 'constructor'.length) return [];  // no explicit constructor
  return splitTop(paramText(src, at)).map((p) => {
    if (p.startsWith('{')) {  // a destructured options object: its keys, and whether it has a default
      const end = p.lastIndexOf('}');
      const keys = splitTop(p.slice(1, end)).map((k) => k.split(/[=:]/)[0].trim());
      return { name: null, keys, optional: p.slice(end + 1).trim().startsWith('=') };
    }
    return { name: p.split('=')[0].trim(), keys: null, optional: p.includes('=') };
  });
}
function declaredParams(decls) {  // the longest overload's parameters; optional if so in every overload that has it
  const lists = decls.map((d) => d.parameters);
  const longest = lists.reduce((a, b) => (b.length > a.length ? b : a), []);
  return longest.map((p, i) => ({
    name: p.name.getText(),
    optional: lists.every((l) => i >= l.length || !!l[i].questionToken),
    type: checker.getTypeAtLocation(p),
  }));
}
function compareParams(what, fn, decls, isConstructor = false) {
  const got = runtimeParams(fn, isConstructor), want = declaredParams(decls), out = [];
  if (got.length !== want.length)
    return [`${what}: rill.mjs takes ${got.length} parameter(s) (${got.map((p) => p.name ?? '{…}').join(', ')}), rill.d.ts ${want.length} (${want.map((p) => p.name).join(', ')})`];
  got.forEach((g, i) => {
    const w = want[i];
    if (g.name !== null && g.name !== w.name) out.push(`${what}: parameter ${i + 1} is "${g.name}" in rill.mjs, "${w.name}" in rill.d.ts`);
    if (g.optional && !w.optional) out.push(`${what}: parameter "${w.name}" has a default in rill.mjs but is not optional in rill.d.ts`);
    if (g.keys) out.push(...diff(`${what} option`, g.keys, propsOf(checker.getNonNullableType(w.type))));
  });
  return out;
}

// ---- classes ---------------------------------------------------------------------------------------
for (const [name, value] of Object.entries(mod)) {
  if (typeof value !== 'function' || !/^class\b/.test(value.toString())) continue;
  const decl = (declared.get(name)?.declarations ?? []).find(ts.isClassDeclaration);
  if (!decl) { check(`class ${name}`, [`${name} is a class in rill.mjs but not declared as one`]); continue; }
  const problems = [];
  const isStatic = (m) => !!(ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Static);
  const membersNamed = (n, stat) => decl.members.filter((m) => m.name && m.name.getText() === n && isStatic(m) === stat);
  // statics and prototype members
  const runtimeStatic = Object.getOwnPropertyNames(value).filter((n) => !['length', 'name', 'prototype'].includes(n));
  const runtimeProto = Object.getOwnPropertyNames(value.prototype).filter((n) => n !== 'constructor');
  const declStatic = decl.members.filter((m) => m.name && isStatic(m)).map((m) => m.name.getText());
  const declProto = decl.members.filter((m) => m.name && !isStatic(m) && !ts.isPropertyDeclaration(m)).map((m) => m.name.getText());
  problems.push(...diff(`${name} static member`, runtimeStatic, declStatic));
  problems.push(...diff(`${name} method or getter`, runtimeProto, declProto));
  for (const [n, holder, stat] of [...runtimeStatic.map((n) => [n, value, true]), ...runtimeProto.map((n) => [n, value.prototype, false])]) {
    const desc = Object.getOwnPropertyDescriptor(holder, n), decls = membersNamed(n, stat);
    if (decls.length === 0) continue;
    const label = `${name}${stat ? '.' : '#'}${n}`;
    if (desc.get) {
      if (!decls.every(ts.isGetAccessorDeclaration)) problems.push(`${label} is a getter in rill.mjs, not declared with get`);
    } else if (typeof desc.value === 'function') {
      if (!decls.every(ts.isMethodDeclaration)) problems.push(`${label} is a method in rill.mjs, not declared as one`);
      else problems.push(...compareParams(label, desc.value, decls));
    }
  }
  const ctors = decl.members.filter(ts.isConstructorDeclaration);
  problems.push(...compareParams(`new ${name}`, value, ctors, true));
  // own properties of live instances (a property set in the constructor)
  const instanceType = checker.getDeclaredTypeOfSymbol(declared.get(name));
  const allDeclared = checker.getPropertiesOfType(instanceType).map((p) => p.name);  // inherited too (Error's)
  const ownDeclared = decl.members.filter((m) => ts.isPropertyDeclaration(m) && !isStatic(m)).map((m) => m.name.getText());
  const own = sorted(instances[name].flatMap((o) => Object.getOwnPropertyNames(o)));
  for (const n of own.filter((n) => !allDeclared.includes(n)))
    problems.push(`${name} property: rill.mjs has "${n}" on its instances, rill.d.ts does not declare it`);
  for (const n of ownDeclared.filter((n) => !own.includes(n)))
    problems.push(`${name} property: rill.d.ts declares "${n}", no instance of rill.mjs has it`);
  check(`class ${name}`, problems);
}

// ---- options, name lists, results ---------------------------------------------------------------
const trainerSource = mod.Rill.prototype.trainer.toString();
const trainerKeys = [...trainerSource.matchAll(/\b(?:i32|f32|named)\('(\w+)'/g), ...trainerSource.matchAll(/\bopts\.(\w+)/g)].map((m) => m[1]);
check('TrainerOptions keys', diff('trainer option', trainerKeys, propsOf(typeOf('TrainerOptions'))));

const tupleOf = (name) => checker.getTypeArguments(checker.getTypeOfSymbol(sym(name))).map((t) => t.value);
for (const [list, alias] of [['SOLVERS', 'Solver'], ['DATASETS', 'Dataset'], ['ACTIVATIONS', 'Activation']]) {
  check(`${list} and ${alias}`, [...sameList(list, mod[list], tupleOf(list)),
    ...diff(alias, mod[list], literals(typeOf(alias)))]);
}
const evaluations = checker.getTypeOfSymbol(sym('EVALUATIONS'));
check('EVALUATIONS', sameList('EVALUATIONS', Object.entries(mod.EVALUATIONS),
  checker.getPropertiesOfType(evaluations).map((p) => [p.name, checker.getTypeOfSymbol(p).value])));
const privateList = (name) => {
  const m = mjsSource.match(new RegExp(`const ${name} = \\[([^\\]]*)\\]`));
  return m ? [...m[1].matchAll(/'([^']*)'/g)].map((x) => x[1]) : null;
};
for (const [list, alias] of [['SCHEDULES', 'Schedule'], ['COUPLINGS', 'Coupling'], ['METADATA_KEYS', 'MetadataKey']]) {
  const names = privateList(list);
  check(`${list} and ${alias}`, names ? diff(alias, names, literals(typeOf(alias)))
    : [`rill_base.mjs has no \`const ${list} = [...]\` any more: update this check and rill.d.ts's ${alias}`]);
}
const statuses = ['unknown'];
for (let i = 0; i < 256 && rill.cstring(rill.c.rill_status_name(i)) !== 'unknown'; i++) statuses.push(rill.cstring(rill.c.rill_status_name(i)));
check('RillStatus (rill_status_name)', diff('status', statuses, literals(typeOf('RillStatus'))));
check('RillError#status of a live error', literals(typeOf('RillStatus')).includes(error.status) ? [] : [`status ${error.status}`]);

const wasm = await (await import(pathToFileURL(join(pkgDir, 'rill_loader.mjs')).href)).loadRillWasm();
const results = [
  ['ModelInfo', Object.keys(model.info)],
  ['ModelInfo (trainer model)', Object.keys(trainerModel.info)],
  ['SampleResult', Object.keys(model.sample({ n: 2, steps: 1 }))],
  ['SampleResult', Object.keys(model.integrate([0, 0], { steps: 1 }))],
  ['StructLayout', Object.keys(rill.layouts.info)],
  ['StructField', Object.keys(Object.values(rill.layouts.info.fields)[0])],
  ['RillWasm', Object.keys(wasm)],
];
for (const [type, keys] of results) check(`${type} keys`, diff(type, keys, propsOf(typeOf(type.split(' ')[0]))));
check('Rill#layouts keys', diff('layouts', Object.keys(rill.layouts),
  propsOf(checker.getTypeOfSymbol(checker.getPropertyOfType(typeOf('Rill'), 'layouts')))));
check('ModelMetadata keys of a shipped model', Object.keys(model.info.metadata)
  .filter((k) => !literals(typeOf('MetadataKey')).includes(k)).map((k) => `metadata key "${k}" is not a MetadataKey`));

model.free();
trainer.free();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
