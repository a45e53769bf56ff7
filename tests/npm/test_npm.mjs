// test_npm.mjs — the npm package as a user gets it (make npm-test).
//
//   node tests/npm/test_npm.mjs TARBALL VERSION TYPESCRIPT_DIR MODELS_DIR
//
// 1. the tarball: exactly the package's files, package.json's fields, its sizes (printed);
// 2. `npm install --offline TARBALL` into a fresh temporary project, then tests/npm/use_package.mjs
//    and the package README's Node example run there against the installed package, and its page
//    example in headless Chromium (playwright-core and chromium from `make deps`);
// 3. tests/npm/consumer.ts type-checks there with `tsc --strict --noEmit` (the pinned TypeScript of
//    `make deps`, never installed into the project or shipped);
// 4. tests/npm/check_types.mjs: rill.d.ts against rill.mjs, name by name.
// Ends with `N passed, M failed`. The temporary project is removed unless something failed.

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.argv.length !== 6) {
  console.error('usage: node tests/npm/test_npm.mjs TARBALL VERSION TYPESCRIPT_DIR MODELS_DIR');
  process.exit(2);
}
const [tarball, version, tsDir, modelsDir] = process.argv.slice(2).map((a, i) => (i === 1 ? a : resolve(a)));
const here = dirname(fileURLToPath(import.meta.url));
const model = join(modelsDir, 'moons.safetensors');
let passed = 0, failed = 0;
function check(name, problem) {
  if (problem) { failed++; console.log(`FAIL ${name}: ${problem}`); } else { passed++; console.log(`ok   ${name}`); }
}
function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { rc: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}
const tail = (text) => text.trim().split('\n').slice(-15).join('\n    ');

// ---- 1. the tarball ---------------------------------------------------------------------------------
const FILES = ['README.md', 'package.json', 'rill-sample.wasm', 'rill.d.ts', 'rill.mjs', 'rill.wasm', 'rill_base.mjs', 'rill_loader.mjs',
  'rill_model.mjs', 'safetensors.mjs'];
const listed = run('tar', ['-tzf', tarball]);
const entries = listed.out.trim().split('\n').map((f) => f.replace(/^package\//, '')).sort();
check(`${basename(tarball)} holds exactly ${FILES.join(', ')}`,
  listed.rc === 0 && JSON.stringify(entries) === JSON.stringify(FILES) ? '' : entries.join(', '));

const project = mkdtempSync(join(tmpdir(), 'rill-npm-test-'));
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'rill-npm-user', private: true, type: 'module' }));
const install = run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], project);
check('npm install --offline TARBALL in a fresh project', install.rc === 0 ? '' : tail(install.out));
const pkgDir = join(project, 'node_modules', 'rill-flow');

let pkg = {};
try { pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')); } catch (e) { check('package.json', e.message); }
const expect = {
  name: 'rill-flow', version, type: 'module', types: './rill.d.ts', engines: { node: '>=18' },
  exports: { '.': { types: './rill.d.ts', default: './rill.mjs' } },
};
for (const [key, want] of Object.entries(expect))
  check(`package.json ${key} is ${JSON.stringify(want)}`, JSON.stringify(pkg[key]) === JSON.stringify(want) ? '' : JSON.stringify(pkg[key]));
check('package.json files lists the package files', JSON.stringify([...(pkg.files ?? [])].sort())
  === JSON.stringify(FILES.filter((f) => f !== 'package.json')) ? '' : JSON.stringify(pkg.files));

let unpacked = 0, count = 0;
try {
  for (const f of readdirSync(pkgDir)) { unpacked += statSync(join(pkgDir, f)).size; count++; }
} catch { /* reported by the install check */ }
console.log(`${basename(tarball)}: ${statSync(tarball).size} bytes; unpacked ${unpacked} bytes in ${count} files ` +
  `(rill.wasm ${statSync(join(pkgDir, 'rill.wasm'), { throwIfNoEntry: false })?.size ?? 0})`);

// ---- 2. used from Node, as installed ------------------------------------------------------------------
copyFileSync(join(here, 'use_package.mjs'), join(project, 'use_package.mjs'));
const use = run('node', ['use_package.mjs', model], project);
const lines = use.out.split('\n').filter((l) => /^(ok|FAIL) /.test(l));
for (const l of lines) check(`in Node: ${l.replace(/^(ok|FAIL) /, '')}`, l.startsWith('FAIL') ? ' ' : '');
check('use_package.mjs ran to the end', use.rc === 0 && lines.length >= 9 ? '' : tail(use.out));

const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8');
const example = readme.match(/## In Node\s+```js\n([\s\S]*?)```/);
if (!example) check('the package README has a Node example', 'no "## In Node" ```js block');
else {
  writeFileSync(join(project, 'example.mjs'), example[1]);
  copyFileSync(model, join(project, 'moons.safetensors'));
  const ran = run('node', ['example.mjs'], project);
  check(`the package README's Node example runs (${example[1].trim().split('\n').length} lines)`,
    ran.rc === 0 && /^2 /m.test(ran.out) ? '' : tail(ran.out));
}

// The README's page example, served from the project (node_modules/ and all) to headless Chromium.
const page = readme.match(/## In a browser page[\s\S]*?```html\n([\s\S]*?)```/);
if (!page) check('the package README has a page example', 'no "## In a browser page" ```html block');
else check(`the package README's page example runs in Chromium (${page[1].trim().split('\n').length} lines)`,
  await runPage(`<!doctype html><meta charset="utf-8"><title>rill-flow</title>\n${page[1]}`));

async function runPage(html) {
  let chromium;
  try { ({ chromium } = await import('playwright-core')); } catch { return 'playwright-core is missing: run make deps'; }
  writeFileSync(join(project, 'index.html'), html);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', project],
    { stdio: 'ignore' });
  const profile = mkdtempSync(join(tmpdir(), 'rill-npm-chromium-'));
  const errors = [];
  let ctx;
  try {
    for (let i = 0; i < 50; i++) {
      try { await fetch(`http://127.0.0.1:${port}/`); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    const tab = ctx.pages()[0] ?? await ctx.newPage();
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`http://127.0.0.1:${port}/index.html`);
    await tab.waitForFunction(() => /samples/.test(document.body.textContent), null, { timeout: 20000 })
      .catch((e) => errors.push(e.message.split('\n')[0]));
    const text = await tab.evaluate(() => document.body.textContent);
    console.log(`     the page says: ${text}`);
    if (errors.length) return errors.join('; ');
    return text === '2000 samples, 84000 floats of trajectory' ? '' : `the page says "${text}"`;
  } catch (e) {
    return String(e.message ?? e).split('\n')[0];
  } finally {
    if (ctx) await ctx.close();
    server.kill();
    rmSync(profile, { recursive: true, force: true });
  }
}

// ---- 3. a strict TypeScript consumer ----------------------------------------------------------------
copyFileSync(join(here, 'consumer.ts'), join(project, 'consumer.ts'));
const tsc = run('node', [join(tsDir, 'bin', 'tsc'), '--strict', '--noEmit', '--target', 'es2022', '--module', 'nodenext',
  '--moduleResolution', 'nodenext', '--lib', 'es2022,dom', '--noUnusedLocals', 'consumer.ts'], project);
check('consumer.ts type-checks with tsc --strict against the installed package', tsc.rc === 0 ? '' : tail(tsc.out));

// ---- 4. rill.d.ts against rill.mjs ------------------------------------------------------------------
const drift = run('node', [join(here, 'check_types.mjs'), pkgDir, tsDir, model], project);
for (const l of drift.out.split('\n')) if (/^check .*: FAIL|^  - /.test(l)) console.log(`  ${l}`);
const counts = drift.out.match(/^(\d+) passed, (\d+) failed$/m);
check(`rill.d.ts declares exactly rill.mjs (${counts ? `${counts[1]} checks, ${counts[2]} failed` : 'did not finish'})`,
  drift.rc === 0 && counts ? '' : (counts ? 'the differences are listed above' : tail(drift.out)));

if (failed === 0) rmSync(project, { recursive: true, force: true });
else console.log(`the temporary project is kept for a look: ${project}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
