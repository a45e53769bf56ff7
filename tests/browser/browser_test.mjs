// The demo page in headless Chromium (Debian's, through playwright-core).
//
//   node tests/browser/browser_test.mjs <web dir> [screenshot.png]
//
// Serves <web dir> (the output of `make wasm`) on a random localhost port,
// then checks: the page loads and samples the default model; the plotted
// points are the module's output (the page's samples have the bits rill.mjs
// gives in Node for the same model and settings, and the canvas is coloured
// at their screen positions); absurd numbers and a damaged model file give a
// visible message and the page keeps working; a model trains in the worker
// while the page stays responsive, its loss falls, it can be downloaded and
// opened again; no console errors. Ends with `N passed, M failed`.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dirArg = 'build/web', shot = 'build/browser-screenshot.png', goldenDir] = process.argv.slice(2);
const dir = resolve(dirArg);
const started = Date.now();
let passed = 0, failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
  return ok;
}

const { Rill } = await import(pathToFileURL(join(dir, 'rill.mjs')).href);
const rill = await Rill.load();
const bitsOf = (f32) => Array.from(new Uint32Array(f32.buffer, f32.byteOffset, f32.length));

// A stand-in model for builds without shipped models: a quick moons model made here.
function standIn() {
  const t = rill.trainer({ dataset: 'moons', width: 64, depth: 3, lr: 3e-3, seed: 2 });
  try { t.step(300); return t.save(); } finally { t.free(); }
}

const port = 20000 + Math.floor(Math.random() * 20000);
const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir],
  { stdio: 'ignore' });
const profile = mkdtempSync(join(tmpdir(), 'rill-chromium-'));
const errors = [];
let ctx;
try {
  for (let i = 0; i < 50; i++) {
    try { await fetch(`http://127.0.0.1:${port}/`); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 900 }, acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] ?? await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => { if (!r.url().startsWith(`http://127.0.0.1:${port}/`) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) errors.push(`request outside the origin: ${r.url()}`); });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
  const messageText = () => page.evaluate(() => (document.getElementById('message').hidden ? '' : document.getElementById('message-text').textContent));
  const lastRun = () => page.evaluate(() => window.rillDemo.lastRun);

  // 1. The first samples: the default model if this build ships it, else a stand-in uploaded as a file.
  let run = await lastRun();
  let modelBytes;
  if (run) {
    const name = run.model.replace(/^shipped:/, '');
    modelBytes = readFileSync(join(dir, 'models', `${name}.safetensors`));
    check('the page sampled the default model on load', run.n === 2000 && run.steps === 20 && run.solver === 'heun',
      `${name}: ${run.n} samples × ${run.steps} ${run.solver} steps in ${run.ms.toFixed(0)} ms = ${Math.round(run.n / run.ms * 1000)} samples/s`);
  } else {
    modelBytes = standIn();
    await page.setInputFiles('#file', { name: 'standin.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(modelBytes) });
    await page.waitForFunction(() => window.rillDemo.lastRun?.model?.startsWith('user:'), null, { timeout: 20000 });
    run = await lastRun();
    check('no shipped models: a stand-in model was uploaded and sampled', !!run, `${run.n} samples in ${run.ms.toFixed(0)} ms`);
  }
  const model = rill.loadModel(modelBytes);
  const ref = model.sample({ n: run.n, steps: run.steps, solver: run.solver, seed: run.seed }).x;
  model.free();
  const pageBits = await page.evaluate(() => Array.from(new Uint32Array(window.rillDemo.lastSamples.buffer)));
  const refBits = bitsOf(ref);
  check('the page\'s samples have the bits rill.mjs gives in Node', pageBits.length === refBits.length && pageBits.every((b, i) => b === refBits[i]),
    `${pageBits.length / 2} points`);

  // 2. The plotted points are those samples: at t = 1, without overlays, the canvas is coloured where they are.
  await page.evaluate(() => {
    for (const id of ['show-target', 'show-field', 'show-paths']) {
      const c = document.getElementById(id);
      if (c.checked) c.click();
    }
    const time = document.getElementById('time');
    time.value = '1000';
    time.dispatchEvent(new Event('input'));
  });
  const pixels = await page.evaluate(() => {
    const c = document.getElementById('plot'), ctx = c.getContext('2d'), dpr = c.width / c.clientWidth;
    const x = window.rillDemo.lastSamples, bg = ctx.getImageData(1, 1, 1, 1).data;
    const res = { hits: 0, tried: 0, bg: Array.from(bg.slice(0, 3)) };
    for (let i = 0; i < x.length / 2 && res.tried < 40; i += 37) {
      const [px, py] = window.rillDemo.toScreen(x[2 * i], x[2 * i + 1]);
      if (px < 2 || py < 2 || px > c.clientWidth - 2 || py > c.clientHeight - 2) continue;
      const d = ctx.getImageData(Math.floor(px * dpr), Math.floor(py * dpr), 1, 1).data;
      res.tried++;
      if (Math.abs(d[0] - bg[0]) + Math.abs(d[1] - bg[1]) + Math.abs(d[2] - bg[2]) > 60) res.hits++;
    }
    return res;
  });
  check('the canvas shows a particle at each sample\'s screen position', pixels.tried >= 20 && pixels.hits === pixels.tried,
    `${pixels.hits}/${pixels.tried} positions coloured, background rgb(${pixels.bg})`);

  // 2b. The target overlay: the core's dataset draw (rill.drawDataset, `rill data`'s points) for a
  // shipped model, drawn on the canvas where those points are.
  if (run.model.startsWith('shipped:')) {
    const name = run.model.replace(/^shipped:/, '');
    const pageTarget = await page.evaluate(() => Array.from(new Uint32Array(window.rillDemo.targetPoints().buffer)));
    const want = bitsOf(rill.drawDataset(name, pageTarget.length / 2, 12345));
    check('the target overlay is rill.drawDataset\'s points, bit for bit', pageTarget.length === want.length && pageTarget.length > 0 &&
      pageTarget.every((b, i) => b === want[i]), `${name}: ${pageTarget.length / 2} points`);
    const targetPixels = () => page.evaluate(() => {
      const c = document.getElementById('plot'), ctx = c.getContext('2d'), dpr = c.width / c.clientWidth;
      const x = window.rillDemo.targetPoints(), out = [];
      for (let i = 0; i < x.length / 2 && out.length < 60; i += 41) {
        const [px, py] = window.rillDemo.toScreen(x[2 * i], x[2 * i + 1]);
        if (px < 2 || py < 2 || px > c.clientWidth - 2 || py > c.clientHeight - 2) continue;
        out.push(Array.from(ctx.getImageData(Math.floor(px * dpr), Math.floor(py * dpr), 1, 1).data.slice(0, 3)));
      }
      return out;
    });
    const off = await targetPixels();
    await page.click('#show-target');
    const on = await targetPixels();
    await page.click('#show-target');
    const changed = on.filter((p, i) => Math.abs(p[0] - off[i][0]) + Math.abs(p[1] - off[i][1]) + Math.abs(p[2] - off[i][2]) > 30).length;
    // Samples drawn over the target cover some of its points; most must show the overlay.
    check('the canvas shows the target overlay at its points', on.length >= 20 && changed >= on.length / 2,
      `${changed}/${on.length} target positions change colour with the overlay`);
  }

  // 3. Absurd numbers give a visible message, and sampling still works afterwards.
  for (const [id, value, expect] of [['n', '-5', /samples must be a whole number/], ['steps', '1e9', /steps must be a whole number/],
    ['seed', '4294967296', /seed must be/]]) {
    const old = await page.inputValue(`#${id}`);
    await page.fill(`#${id}`, value);
    await page.click('#sample');
    const text = await messageText();
    check(`${id} = ${value} is refused with a visible message`, expect.test(text), JSON.stringify(text));
    await page.fill(`#${id}`, old);
  }

  // A huge but valid request can be stopped; nothing is left running.
  const runBefore = await lastRun();
  await page.fill('#n', '200000');
  await page.fill('#steps', '10000');
  await page.click('#sample');
  await page.waitForTimeout(500);
  const busyShown = await page.isVisible('#busy');
  await page.click('#sample');  // the button reads "Stop" while sampling
  await page.waitForFunction(() => document.getElementById('busy').hidden, null, { timeout: 5000 });
  check('a huge request shows progress and can be stopped', busyShown && (await lastRun()).ms === runBefore.ms && (await messageText()) === '',
    await messageText());
  await page.fill('#n', String(runBefore.n));
  await page.fill('#steps', String(runBefore.steps));

  // 4. A damaged model file: the core's reason is shown; the current model keeps working.
  const bad = Uint8Array.from(modelBytes);
  bad.set(new TextEncoder().encode('{"oops'), 8);
  let expected = '';
  try { rill.loadModel(bad); } catch (e) { expected = e.message; }
  await page.setInputFiles('#file', { name: 'damaged.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(bad) });
  await page.waitForFunction(() => !document.getElementById('message').hidden, null, { timeout: 5000 });
  const shown = await messageText();
  check('a damaged model file shows the core\'s message', expected !== '' && shown.includes(expected), JSON.stringify(shown));
  const before = (await lastRun()).ms;
  await page.fill('#seed', '7');
  await page.click('#sample');
  await page.waitForFunction((ms) => window.rillDemo.lastRun.seed === 7 && window.rillDemo.lastRun.ms !== ms, before, { timeout: 20000 });
  check('the page keeps sampling after the errors', (await messageText()) === '');

  // 5. Training in the worker: the page stays responsive, the loss falls, the model comes back.
  await page.selectOption('#train-data', 'moons');
  await page.fill('#train-steps', '400');
  await page.fill('#train-width', '64');
  await page.click('#train');
  const t0 = Date.now();
  let worstFrame = 0;
  while (Date.now() - t0 < 60000) {
    const state = await page.evaluate(() => document.body.dataset.train);
    if (state !== 'running') break;
    const frame = await page.evaluate(() => new Promise((r) => { const s = performance.now(); requestAnimationFrame(() => r(performance.now() - s)); }));
    worstFrame = Math.max(worstFrame, frame);
    await new Promise((r) => setTimeout(r, 100));
  }
  const trainState = await page.evaluate(() => document.body.dataset.train);
  const losses = await page.evaluate(() => Array.from(window.rillDemo.trainLosses));
  const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
  check('a model trained in the worker', trainState === 'done' && losses.length === 400,
    `${losses.length} steps in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  check('the page stayed responsive while training', worstFrame < 250, `slowest frame ${worstFrame.toFixed(0)} ms`);
  const [first, last] = [mean(losses.slice(0, 25)), mean(losses.slice(-50))];
  check('the training loss fell', last < 0.9 * first, `${first.toFixed(3)} → ${last.toFixed(3)}`);
  await page.waitForFunction(() => window.rillDemo.lastRun?.model?.startsWith('user:'), null, { timeout: 20000 });
  check('the trained model is sampled in the main view', (await lastRun()).model.startsWith('user:'));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#train-download')]);
  const saved = readFileSync(await download.path());
  let savedInfo = null;
  try { const m = rill.loadModel(saved); savedInfo = m.info; m.free(); } catch (e) { savedInfo = { error: e.message }; }
  check('the downloaded .safetensors opens, with its training facts', savedInfo?.metadata?.steps === '400' && savedInfo.width === 64,
    `${download.suggestedFilename()}, ${saved.length} bytes`);

  // The screenshot: every overlay on, part-way along the flow.
  await page.evaluate(() => {
    for (const id of ['show-target', 'show-field', 'show-paths']) {
      const c = document.getElementById(id);
      if (!c.checked && !c.disabled) c.click();
    }
    const t = document.getElementById('time');
    t.value = '600';
    t.dispatchEvent(new Event('input'));
  });
  await page.screenshot({ path: shot, fullPage: true });

  // The committed golden vectors computed by Chromium's WebAssembly engine (given a golden dir).
  if (goldenDir && existsSync(join(goldenDir, 'golden.json'))) {
    const golden = JSON.parse(readFileSync(join(goldenDir, 'golden.json'), 'utf8'));
    const files = Object.fromEntries(golden.models.map((m) => [m.name, Array.from(readFileSync(join(goldenDir, m.file)))]));
    // The page imports the cases' runner (tests/golden/golden_cases.mjs), served beside rill.mjs.
    await page.route('**/golden_cases.mjs', (route) => route.fulfill({
      contentType: 'text/javascript', body: readFileSync(new URL('../golden/golden_cases.mjs', import.meta.url)),
    }));
    const wrong = await page.evaluate(async ({ golden, files }) => {
      const { Rill } = await import('/rill.mjs');
      const { wrongCases } = await import('/golden_cases.mjs');
      const r = await Rill.load();
      const models = new Map(golden.models.map((m) => [m.name, r.loadModel(new Uint8Array(files[m.name]))]));
      const bad = wrongCases(models, golden.cases);
      for (const m of models.values()) m.free();
      return bad;
    }, { golden, files });
    check(`Chromium computes all ${golden.cases.length} golden hashes`, wrong.length === 0, wrong.slice(0, 5).join('; '));
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  await page.screenshot({ path: shot.replace(/\.png$/, '-phone.png'), fullPage: true });
  check('no console errors and no requests outside the origin', errors.length === 0, errors.join(' | '));
} catch (e) {
  check('the browser test ran to the end', false, e.stack ?? String(e));
} finally {
  await ctx?.close();
  server.kill();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s; screenshot ${shot})`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
