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
// opened again; no console errors. And what a new user hits (issue 15): errors
// shown in view with the focus; a non-model file named as such; heavy training
// warned, reporting progress and stopping within a second; the field at a fixed
// scale, and streamlines; data switches clear the last run; stale read-outs
// marked; the layout at 1280×900 and 390×844; painted-data presets and the
// painted target kept in the model file; the target overlay's contrast and the
// slider's step; the explanations; an honest samples/s; every control labelled
// and keyboard painting. Ends with `N passed, M failed`.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, finish, runInBrowser } from './harness.mjs';

const [dirArg = 'build/web', shot = 'build/browser-screenshot.png', goldenDir] = process.argv.slice(2);
const dir = resolve(dirArg);

const { Rill } = await import(pathToFileURL(join(dir, 'rill.mjs')).href);
const { targetOf } = await import(pathToFileURL(join(dir, 'datasets.mjs')).href);
const rill = await Rill.load();
const bitsOf = (f32) => Array.from(new Uint32Array(f32.buffer, f32.byteOffset, f32.length));

// A stand-in model for builds without shipped models: a quick moons model made here.
function standIn() {
  const t = rill.trainer({ dataset: 'moons', width: 64, depth: 3, lr: 3e-3, seed: 2 });
  try { t.step(300); return t.save(); } finally { t.free(); }
}

await runInBrowser(dir, 'the browser test', { acceptDownloads: true }, async ({ page, port, errors }) => {
  page.on('request', (r) => { if (!r.url().startsWith(`http://127.0.0.1:${port}/`) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) errors.push(`request outside the origin: ${r.url()}`); });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
  const messageText = () => page.evaluate(() => (document.getElementById('message').hidden ? '' : document.getElementById('message-text').textContent));
  const lastRun = () => page.evaluate(() => window.rillDemo.lastRun);
  // The Model read-out: its name (the text before the sub line), the sub line, the tooltip, and whether the name fits.
  const statModel = () => page.evaluate(() => {
    const el = document.getElementById('stat-model'), sub = el.querySelector('.sub');
    return { name: el.firstChild?.nodeType === 3 ? el.firstChild.textContent : null, kind: sub?.textContent ?? null, title: el.title,
      fits: el.scrollWidth <= el.clientWidth };
  });
  // The message is where the user is looking: inside the viewport, role=alert, with the focus.
  const messageSeen = () => page.evaluate(() => {
    const m = document.getElementById('message'), r = m.getBoundingClientRect();
    return { shown: !m.hidden, inView: r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth && r.height > 0,
      alert: m.getAttribute('role') === 'alert', focused: document.activeElement === m };
  });
  const seenOk = (s) => s.shown && s.inView && s.alert && s.focused;
  const dismiss = () => page.evaluate(() => { if (!document.getElementById('message').hidden) document.getElementById('message-close').click(); });
  const newRun = async (before) => page.waitForFunction((id) => window.rillDemo.lastRun && window.rillDemo.lastRun.id !== id, before, { timeout: 20000 });
  // Every <option> of a <select> fits its box (text + room for the arrow).
  const optionsFit = (id) => page.evaluate((id) => {
    const sel = document.getElementById(id), cs = getComputedStyle(sel), c = document.createElement('canvas').getContext('2d');
    c.font = `${cs.fontSize} ${cs.fontFamily}`;
    const room = sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20;
    const worst = Math.max(...Array.from(sel.options, (o) => c.measureText(o.text).width));
    return { fits: worst <= room, worst: Math.round(worst), room: Math.round(room) };
  }, id);

  // 0. Layout at 1280×900 (nothing scrolled): the read-out row and the model card above the fold;
  // the solver names not cut off; the models with a shape first, gaussian last.
  const fold = await page.evaluate(() => ({
    stats: document.getElementById('stats').getBoundingClientRect().bottom,
    card: document.getElementById('h-model').closest('.card').getBoundingClientRect().bottom,
    options: Array.from(document.querySelector('#model optgroup').children, (o) => o.value),  // the datasets' models
    trainOptions: Array.from(document.getElementById('train-data').options, (o) => o.value),
  }));
  check('at 1280×900 the read-out row and the model card are above the fold', fold.stats <= 900 && fold.card <= 900,
    `read-outs end at ${fold.stats.toFixed(0)} px, model card at ${fold.card.toFixed(0)} px`);
  const solverFit = await optionsFit('solver');
  check('at 1280×900 the solver names fit their box', solverFit.fits, `${solverFit.worst} px of text in ${solverFit.room} px`);
  check('moons is listed first and gaussian after the shapes', fold.options[0] === 'shipped:moons' && fold.trainOptions[0] === 'moons' &&
    fold.options.filter((o) => o.startsWith('shipped:')).pop() === 'shipped:gaussian' && fold.trainOptions.indexOf('gaussian') === fold.trainOptions.length - 2,
    fold.options.join(' '));
  const unlabelled = await page.evaluate(() => Array.from(document.querySelectorAll('input, select, button, canvas, [tabindex]'))
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.textContent.trim() ||
      (el.closest('label') && el.closest('label').textContent.trim())))
    .map((el) => el.id || el.outerHTML.slice(0, 40)));
  check('every control and canvas is labelled', unlabelled.length === 0, unlabelled.join(', '));

  // 1. The first samples: the default model if this build ships it, else a stand-in uploaded as a file.
  let run = await lastRun();
  let modelBytes;
  if (run) {
    const name = run.model.replace(/^shipped:/, '');
    modelBytes = readFileSync(join(dir, 'models', `${name}.safetensors`));
    check('the page sampled the default model on load', run.n === 2000 && run.steps === 20 && run.solver === 'heun',
      `${name}: ${run.n} samples × ${run.steps} ${run.solver} steps in ${run.ms.toFixed(0)} ms = ${Math.round(run.n / run.ms * 1000)} samples/s`);
    const stat = await statModel();
    check('the Model read-out names the shipped model, and says it is one', stat.name === name && stat.kind === 'shipped' && stat.title === name,
      JSON.stringify(stat));
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
    time.value = '1';
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
    const diff = (p, q) => Math.abs(p[0] - q[0]) + Math.abs(p[1] - q[1]) + Math.abs(p[2] - q[2]);
    const changed = on.filter((p, i) => diff(p, off[i]) > 30).length;
    // Samples drawn over the target cover some of its points; most must show the overlay.
    check('the canvas shows the target overlay at its points', on.length >= 20 && changed >= on.length / 2,
      `${changed}/${on.length} target positions change colour with the overlay`);
    // Strong enough to see (issue 15: it was too faint on the checkerboard): the median target pixel stands out.
    const contrast = on.map((p) => diff(p, pixels.bg)).sort((a, b) => a - b)[Math.floor(on.length / 2)];
    check('the target overlay stands out from the background', contrast >= 250, `median colour distance ${contrast}`);
  }

  // 2c. samples/s: timed over at least 100 ms of work, or "too fast to time"; and on how many workers
  // (two where the machine has two cores and the request 512 rows or more: sampler.mjs).
  await page.waitForFunction(() => document.getElementById('stat-rate').textContent !== 'timing…', null, { timeout: 5000 });
  const rateOf = () => page.evaluate(() => ({ text: document.getElementById('stat-rate').textContent, timedMs: window.rillDemo.lastRun.timedMs,
    n: window.rillDemo.lastRun.n, want: navigator.hardwareConcurrency >= 2 && window.rillDemo.lastRun.n >= 512 ? 2 : 1 }));
  const rate1 = await rateOf();
  {
    const before = (await lastRun()).id;
    await page.fill('#n', '10');
    await page.fill('#steps', '1');
    await page.click('#sample');
    await newRun(before);
    await page.waitForFunction(() => document.getElementById('stat-rate').textContent !== 'timing…', null, { timeout: 5000 });
  }
  const rate2 = await rateOf();
  const honest = (r) => (r.timedMs >= 100 ? /^[\d,]+ \(/.test(r.text) : r.text.startsWith('too fast to time (')) &&
    r.text.endsWith(`(${r.want} worker${r.want > 1 ? 's' : ''})`);
  check('samples/s is timed over ≥ 100 ms of work or says "too fast to time", and says on how many workers', honest(rate1) && honest(rate2),
    `${run.n} samples: ${rate1.text} over ${rate1.timedMs?.toFixed(0)} ms; 10 samples × 1 step: ${rate2.text} over ${rate2.timedMs?.toFixed(0)} ms`);

  // 2d. One Euler step collapses to the mean, and the page says why; stale read-outs are marked.
  const spread = () => page.evaluate(() => {
    const x = window.rillDemo.lastSamples, n = x.length / 2;
    let mx = 0, my = 0; for (let i = 0; i < n; i++) { mx += x[2 * i] / n; my += x[2 * i + 1] / n; }
    let v = 0; for (let i = 0; i < n; i++) v += ((x[2 * i] - mx) ** 2 + (x[2 * i + 1] - my) ** 2) / n;
    return Math.sqrt(v);
  });
  await page.fill('#n', '2000');
  await page.fill('#steps', '20');
  let staleShown = await page.isVisible('#stale-note');
  await page.selectOption('#solver', 'euler');
  const staleAfterSolver = await page.isVisible('#stale-note');
  await page.fill('#steps', '1');
  {
    const before = (await lastRun()).id;
    await page.click('#sample');
    await newRun(before);
  }
  const staleAfterSample = await page.isVisible('#stale-note');
  check('changing the solver or steps marks the NFE/time read-out stale until the next Sample',
    staleShown && staleAfterSolver && !staleAfterSample, `before ${staleShown}, after a solver change ${staleAfterSolver}, after Sample ${staleAfterSample}`);
  const oneStep = await spread();
  const hint = await page.evaluate(() => { const h = document.getElementById('explain-hint'); return h.hidden ? '' : h.textContent; });
  await page.selectOption('#solver', 'heun');
  await page.fill('#steps', '20');
  {
    const before = (await lastRun()).id;
    await page.click('#sample');
    await newRun(before);
  }
  const twenty = await spread();
  check('one Euler step collapses the samples to the mean, and the page explains it', oneStep < 0.25 * twenty && /mean/.test(hint),
    `spread ${oneStep.toFixed(3)} after 1 Euler step vs ${twenty.toFixed(3)} after 20 Heun steps; ${JSON.stringify(hint.slice(0, 60))}`);
  const colours = await page.textContent('#explain-colours');
  check('the page says what the colours encode', /colour is the direction of its\s+starting noise/.test(colours));

  // 2e. The time slider moves 0.01 per arrow key.
  await page.waitForFunction(() => document.getElementById('play').getAttribute('aria-label') === 'play', null, { timeout: 10000 });
  await page.evaluate(() => window.rillDemo.setTime(0.5));
  await page.focus('#time');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  const tLabel = await page.textContent('#time-label');
  check('the time slider moves 0.01 per arrow key', tLabel === 't = 0.52', tLabel);

  // 2f. The field at a fixed scale (the same at every t and for every model), with a legend, and as streamlines.
  await page.click('#show-field');
  const scales = [];
  for (const t of [0.1, 0.5, 0.95]) { await page.evaluate((t) => window.rillDemo.setTime(t), t); scales.push(await page.evaluate(() => window.rillDemo.drawnArrowScale)); }
  const fieldText = await page.textContent('#explain-field');
  check('field arrows keep one fixed scale, shown in a legend', scales.every((s) => s === scales[0]) && scales[0] > 0 && /fixed scale/.test(fieldText),
    `world units per unit speed at t = 0.1, 0.5, 0.95: ${scales.join(', ')}`);
  check('near t = 1 the page explains why the field points away from the data', /points away from the data/.test(fieldText) && /independent coupling/.test(fieldText));
  const canvasSum = () => page.evaluate(() => {
    const c = document.getElementById('plot'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i + 2]; return s;
  });
  await page.evaluate(() => window.rillDemo.setTime(0.5));
  await page.click('#show-field');
  const noField = await canvasSum();
  await page.selectOption('#field-style', 'streamlines');  // turns the field on
  const streams = await canvasSum();
  const fieldOn = await page.isChecked('#show-field');
  check('the field can be drawn as streamlines', fieldOn && streams > noField * 1.02, `blue sum ${noField} → ${streams}`);
  await page.selectOption('#field-style', 'arrows');
  await page.click('#show-field');

  // 2f'. The flow grid overlay (issue 15): lines of the noise region carried by the model's own
  // integrate, drawn at the slider's t: at t = 0 the straight grid, later deformed, and the drawn
  // vertices are rill.mjs's integrate of the same grid, bit for bit, at a solver step.
  if (run.model === 'shipped:moons') {
    await page.evaluate(() => window.rillDemo.setTime(0));
    await page.click('#show-grid');
    const at0 = await page.evaluate(() => window.rillDemo.gridLines.map((l) => Array.from(l)));
    await page.evaluate(() => window.rillDemo.setTime(1));
    const at1 = await page.evaluate(() => window.rillDemo.gridLines.map((l) => Array.from(l)));
    const straight = at0[0].every((v, i) => i % 2 === 0 || v === -3);  // line 0 is y = −3 at t = 0
    let moved = 0;
    for (let l = 0; l < at0.length; l++) for (let i = 0; i < at0[l].length; i++) moved = Math.max(moved, Math.abs(at1[l][i] - at0[l][i]));
    const gm = rill.loadModel(modelBytes);
    const start = Float32Array.from(at0.flat());
    const steps = await page.evaluate(() => Number(document.getElementById('steps').value));
    const solver = await page.evaluate(() => document.getElementById('solver').value);
    const ref = gm.integrate(start, { steps, solver, t0: 0, t1: 1 }).x;
    gm.free();
    const same = at1.flat().every((v, i) => Object.is(Math.fround(v), ref[i]));
    check('flow grid overlay: the straight grid at t = 0 is carried by the model\'s flow (t = 1 equals integrate, bit for bit)',
      straight && moved > 0.5 && same, `${at0.length} lines; largest move ${moved.toFixed(2)}`);
    const gridNote = await page.evaluate(() => { const p = document.getElementById('explain-grid'); return p.hidden ? '' : p.textContent; });
    check('the page says what the flow grid is, at the slider\'s t and the form\'s solver', /t = 1\.00/.test(gridNote) && gridNote.includes(`${solver}, ${steps} steps`), gridNote);
    await page.click('#show-grid');
    check('unticked, the flow grid\'s note goes', await page.isHidden('#explain-grid'));
  }

  // 2g. The density view (issue 13): a heat map of log p_t computed in a worker, with a read-out at
  // the cursor (higher on the data than far away) and at the keyboard probe; the formula model
  // exact:8gaussians reads its closed-form log-density at a mode's centre.
  if (run.model === 'shipped:moons') {
    const densityReady = () => page.waitForFunction(() => { const g = window.rillDemo.densityGrid; return g && !g.coarse && !window.rillDemo.densityBusy; }, null, { timeout: 20000 });
    const readoutAt = async (x, y) => {
      const [px, py] = await page.evaluate(([x, y]) => window.rillDemo.toScreen(x, y), [x, y]);
      const box = await page.locator('#plot').boundingBox();
      await page.mouse.move(box.x + px, box.y + py);
      await page.waitForFunction(([x, y]) => { const r = window.rillDemo.densityReadout; return r && Math.abs(r.x - x) < 0.05 && Math.abs(r.y - y) < 0.05; }, [x, y], { timeout: 5000 });
      return page.evaluate(() => ({ ...window.rillDemo.densityReadout, shown: document.getElementById('density-readout').textContent }));
    };
    await page.evaluate(() => window.rillDemo.setTime(1));
    const plain = await canvasSum();
    await page.click('#show-density');
    const computing = await page.evaluate(() => window.rillDemo.densityBusy);
    await densityReady();
    const heat = await canvasSum();
    const g = await page.evaluate(() => { const g = window.rillDemo.densityGrid; return { k: g.k, ext: g.ext, t: g.t, steps: g.steps, solver: g.solver, ms: g.ms, logp: Array.from(g.logp) }; });
    check('density view: the heat map of log p_1 is drawn (computed in the worker, "computing…" meanwhile)', computing && heat > plain * 1.1 && g.t === 1,
      `blue sum ${plain} → ${heat}; ${g.k} × ${g.k} grid, ${g.solver} × ${g.steps}, ${g.ms.toFixed(0)} ms`);
    // The heat map's cells are rill.mjs's logProb at the cells' centres, bit for bit.
    const cells = [0, (g.k * g.k) >> 1, g.k * 7 + 3, g.k * g.k - 1];
    const centres = cells.flatMap((c) => { const cell = 2 * g.ext / g.k; return [-g.ext + ((c % g.k) + 0.5) * cell, g.ext - (Math.floor(c / g.k) + 0.5) * cell]; });
    const dm = rill.loadModel(modelBytes);
    const want = dm.logProb(Float32Array.from(centres), { t: 1, steps: g.steps, solver: g.solver });
    dm.free();
    check('the heat map\'s cells are logProb at their centres, bit for bit', cells.every((c, i) => Math.fround(g.logp[c]) === want[i]),
      cells.map((c, i) => `${g.logp[c].toFixed(3)}/${want[i].toFixed(3)}`).join(' '));
    const data = await page.evaluate(() => Array.from(window.rillDemo.targetPoints().slice(0, 20)));
    const onData = [];
    for (let i = 0; i < 3; i++) onData.push(await readoutAt(data[2 * i], data[2 * i + 1]));
    const far = await readoutAt(4.5, -4.5);
    check('the hover read-out is higher on the data than far away', onData.every((r) => r.value > far.value + 5) && /^log p = −?[\d.]+ nats at \(/.test(onData[0].shown),
      `${onData.map((r) => r.shown).join('; ')} | ${far.shown}`);
    await page.mouse.move(0, 0);
    await page.focus('#plot');
    await page.keyboard.press('ArrowRight');
    const probe = await page.evaluate(() => ({ ...window.rillDemo.densityReadout, shown: document.getElementById('density-readout').textContent }));
    check('keyboard: the read-out follows a probe from the centre, moved with the arrow keys', probe.x === 0.1 && probe.y === 0 && /at \(0\.10, 0\.00\)/.test(probe.shown), probe.shown);
    // A touch: the read-out follows the finger and stays where it lifted (a finger's pointer leaves on lift).
    const touched = await page.evaluate(() => {
      const cv = document.getElementById('plot'), r = cv.getBoundingClientRect();
      const [sx, sy] = window.rillDemo.toScreen(1.5, -0.5);
      const at = { clientX: r.left + sx, clientY: r.top + sy, pointerType: 'touch', bubbles: true, isPrimary: true, pointerId: 7 };
      for (const type of ['pointerdown', 'pointermove', 'pointerup', 'pointerleave']) cv.dispatchEvent(new PointerEvent(type, at));
      return new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok({ ...window.rillDemo.densityReadout,
        shown: document.getElementById('density-readout').textContent, hidden: document.getElementById('density-readout').hidden }))));
    });
    check('touch: the read-out stays at the point the finger lifted from (not back at the probe)',
      !touched.hidden && Math.hypot(touched.x, touched.y) > 0.5 && /^log p = /.test(touched.shown), touched.shown);
    const note = await page.textContent('#explain-density');
    check('the page says what the heat map is and what it costs', /exact divergence/.test(note) && /3 field evaluations/.test(note) && /tap/.test(note), note.slice(0, 80));
    // The formula model: log p_1 at a mode's centre against the mixture's closed form.
    await page.selectOption('#model', 'formula:exact:8gaussians');
    await page.waitForFunction(() => window.rillDemo.lastRun?.model === 'formula:exact:8gaussians', null, { timeout: 20000 });
    await page.evaluate(() => window.rillDemo.setTime(1));
    await densityReady();
    const mode = await readoutAt(4, 0);
    const closed = Math.log(1 / 8) - Math.log(2 * Math.PI * 0.35 ** 2);  // the other modes add < 1e-15
    check('exact:8gaussians: the read-out at a mode\'s centre is the closed-form log-density within 0.05 nats',
      Math.abs(mode.value - closed) < 0.05, `${mode.shown}; closed form ${closed.toFixed(4)}`);
    await page.screenshot({ path: shot.replace(/\.png$/, '-density.png') });
    await page.selectOption('#model', 'shipped:moons');
    await page.waitForFunction(() => window.rillDemo.lastRun?.model === 'shipped:moons' && document.getElementById('busy').hidden, null, { timeout: 20000 });
    await page.click('#show-density');
  }

  // 3. Absurd numbers give a visible message in view with the focus, and sampling still works afterwards.
  for (const [id, value, expect] of [['n', '-5', /samples must be a whole number/], ['steps', '1e9', /steps must be a whole number/],
    ['seed', '4294967296', /seed must be/]]) {
    const old = await page.inputValue(`#${id}`);
    await page.fill(`#${id}`, value);
    await page.click('#sample');
    const text = await messageText();
    const seen = await messageSeen();
    check(`${id} = ${value} is refused with a message in view, with the focus`, expect.test(text) && seenOk(seen), `${JSON.stringify(text)} ${JSON.stringify(seen)}`);
    await page.keyboard.press('Escape');
    const back = await page.evaluate(() => document.activeElement?.id);
    if (id === 'n') check('Escape dismisses the message and the focus returns to the field', back === id && (await messageText()) === '', back);
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
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));  // the user is at the file card, far below the top
  await page.setInputFiles('#file', { name: 'damaged.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(bad) });
  await page.waitForFunction(() => !document.getElementById('message').hidden, null, { timeout: 5000 });
  const shown = await messageText();
  const seenBad = await messageSeen();
  check('a damaged model file shows the core\'s message, in view, with the focus', expected !== '' && shown.includes(expected) &&
    /damaged or unsupported model file/.test(shown) && seenOk(seenBad), `${JSON.stringify(shown)} ${JSON.stringify(seenBad)}`);
  await dismiss();
  // A PNG (or any bytes that are not a safetensors file): say what it is first, the detail after.
  const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82]), Buffer.alloc(200, 7)]);
  await page.setInputFiles('#file', { name: 'picture.png', mimeType: 'image/png', buffer: png });
  await page.waitForFunction(() => !document.getElementById('message').hidden, null, { timeout: 5000 });
  const pngText = await messageText();
  check('a PNG opened as a model says "not a rill/safetensors model file" first', /^file: picture\.png: not a rill\/safetensors model file \(.+\)$/.test(pngText) &&
    seenOk(await messageSeen()), JSON.stringify(pngText));
  await dismiss();
  await page.evaluate(() => window.scrollTo(0, 0));
  const before = (await lastRun()).id;
  await page.fill('#seed', '7');
  await page.click('#sample');
  await page.waitForFunction((id) => window.rillDemo.lastRun.seed === 7 && window.rillDemo.lastRun.id !== id, before, { timeout: 20000 });
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
  const lossNote = await page.textContent('#explain-loss');
  check('the page explains why the loss levels off near 2, and it does', /levels off near 2/.test(lossNote) && last > 1.5 && last < 2.5,
    `moons loss after 400 steps ${last.toFixed(3)}`);
  await page.waitForFunction(() => window.rillDemo.lastRun?.model?.startsWith('user:'), null, { timeout: 20000 });
  check('the trained model is sampled in the main view', (await lastRun()).model.startsWith('user:'));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#train-download')]);
  const saved = readFileSync(await download.path());
  let savedInfo = null;
  try { const m = rill.loadModel(saved); savedInfo = m.info; m.free(); } catch (e) { savedInfo = { error: e.message }; }
  check('the downloaded .safetensors opens, with its training facts', savedInfo?.metadata?.steps === '400' && savedInfo.width === 64,
    `${download.suggestedFilename()}, ${saved.length} bytes`);

  // 6. Switching the training data to "your drawing": the last run's loss, preview and status go,
  // and the settings become ones that work for painted shapes.
  await page.selectOption('#train-data', 'drawing');
  const cleared = await page.evaluate(() => ({ losses: window.rillDemo.trainLosses.length, preview: window.rillDemo.trainPreview,
    status: document.getElementById('train-status').textContent, progress: document.getElementById('train-progress').value,
    steps: document.getElementById('train-steps').value, coupling: document.getElementById('train-coupling').value,
    timeK: document.getElementById('train-time').value }));
  check('switching the data to "your drawing" clears the last run\'s loss, preview and status',
    cleared.losses === 0 && cleared.preview === null && !/done/.test(cleared.status) && cleared.progress === 0, JSON.stringify(cleared.status));
  const couplings = await page.evaluate(() => Array.from(document.getElementById('train-coupling').options, (o) => o.value));
  check('painted data gets settings that work (more steps, sin/cos time features), OT coupling offered',
    Number(cleared.steps) >= 5000 && cleared.timeK === '4' && couplings.includes('ot'), `${cleared.steps} steps, ${cleared.coupling}, K = ${cleared.timeK}`);
  await page.selectOption('#train-coupling', 'ot');  // the run below uses it: OT trains, and its file says so

  // Painting with the keyboard alone; a bad learning rate is refused in view with the focus.
  await page.focus('#paint');
  for (let k = 0; k < 8; k++) { await page.keyboard.press('Space'); await page.keyboard.press('Shift+ArrowRight'); }
  for (let k = 0; k < 4; k++) await page.keyboard.press('Shift+ArrowUp');
  const painted = await page.evaluate(() => document.getElementById('paint-count').textContent);
  check('the drawing can be painted with the keyboard (arrow keys, Space)', /^\d+ points$/.test(painted) && parseInt(painted, 10) >= 40, painted);
  await page.fill('#train-lr', '5');
  await page.click('#train');
  const lrText = await messageText(), lrSeen = await messageSeen();
  check('a bad learning rate is refused with a message in view, with the focus', /learning rate must be between/.test(lrText) && seenOk(lrSeen),
    `${JSON.stringify(lrText)} ${JSON.stringify(lrSeen)}`);
  await dismiss();
  await page.fill('#train-lr', '0.002');
  await page.fill('#train-steps', '150');
  await page.fill('#train-width', '32');
  await page.click('#train');
  await page.waitForFunction(() => document.body.dataset.train !== 'running', null, { timeout: 30000 });
  await page.waitForFunction(() => window.rillDemo.lastRun?.model?.startsWith('user:') && /drawing/.test(document.getElementById('stat-model').textContent), null, { timeout: 20000 });
  const trainedStat = await statModel();
  check('a model trained here: the Model read-out says "trained" and its steps', trainedStat.name === 'your drawing' && trainedStat.kind === 'trained, 150 steps',
    JSON.stringify(trainedStat));
  const paintedPoints = await page.evaluate(() => Array.from(window.rillDemo.targetPoints() ?? []));
  const [dl2] = await Promise.all([page.waitForEvent('download'), page.click('#train-download')]);
  const drawnFile = readFileSync(await dl2.path());
  const kept = targetOf(new Uint8Array(drawnFile));
  const sameAs = (a, b) => !!a && !!b && a.length === b.length && Array.from(a).every((v, i) => Math.fround(v) === Math.fround(b[i]));
  let opens = false;
  try {
    const m = rill.loadModel(drawnFile);
    opens = m.info.timeK === 4 && m.info.metadata.coupling === 'ot';  // the chosen settings reached the trainer
    m.free();
  } catch { /* opens stays false */ }
  check('the painted target is shown under the samples and kept in the downloaded model (tensor rill.target)',
    paintedPoints.length >= 80 && sameAs(kept, paintedPoints) && opens, `${paintedPoints.length / 2} points; the file opens in rill with sin:4 and OT coupling: ${opens}`);
  await page.setInputFiles('#file', { name: 'drawing.safetensors', mimeType: 'application/octet-stream', buffer: drawnFile });
  await page.waitForFunction(() => document.getElementById('stat-model').title === 'file: drawing.safetensors', null, { timeout: 20000 });
  const fileStat = await statModel();
  check('an opened file\'s Model read-out: its name without .safetensors, "opened file" below, the whole label as its tooltip',
    fileStat.name === 'drawing' && fileStat.kind === 'opened file' && fileStat.fits, JSON.stringify(fileStat));
  const reopened = await page.evaluate(() => Array.from(window.rillDemo.targetPoints() ?? []));
  check('a reopened painted model shows its painted target again', sameAs(reopened, paintedPoints), `${reopened.length / 2} points`);

  // 7. Heavy training (width 1024, depth 8, batch 4096): a warning first, progress while the first
  // step runs, and Stop honoured within a second.
  await page.selectOption('#train-data', 'moons');
  for (const [id, v] of [['train-width', '1024'], ['train-depth', '8'], ['train-batch', '4096'], ['train-steps', '3000']]) await page.fill(`#${id}`, v);
  await page.click('#train');
  const warning = await messageText();
  const notStarted = await page.evaluate(() => document.body.dataset.train !== 'running');
  check('a configuration that takes hours is warned about before it starts', notStarted && /will take about [\d.]+ (hours|minutes)/.test(warning) &&
    seenOk(await messageSeen()), JSON.stringify(warning.slice(0, 90)));
  await dismiss();
  await page.click('#train');  // "Train anyway"
  await page.waitForFunction(() => /running for/.test(document.getElementById('train-status').textContent), null, { timeout: 15000 });
  const progressText = await page.textContent('#train-status');
  const tStop = Date.now();
  await page.click('#train-stop');
  await page.waitForFunction(() => document.body.dataset.train !== 'running', null, { timeout: 10000 });
  const stopMs = Date.now() - tStop;
  check('heavy training reports progress while a step runs', /step 1 running for \d+ s/.test(progressText), JSON.stringify(progressText.slice(0, 100)));
  check('Stop ends heavy training within a second', stopMs < 1000, `${stopMs} ms; ${await page.textContent('#train-status')}`);
  for (const [id, v] of [['train-width', '128'], ['train-depth', '3'], ['train-batch', '256']]) await page.fill(`#${id}`, v);

  // The screenshot: every overlay on, part-way along the flow.
  await page.evaluate(() => {
    for (const id of ['show-target', 'show-field', 'show-paths']) {
      const c = document.getElementById(id);
      if (!c.checked && !c.disabled) c.click();
    }
    const t = document.getElementById('time');
    t.value = '0.6';
    t.dispatchEvent(new Event('input'));
  });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot });
  await page.screenshot({ path: shot.replace(/\.png$/, '-full.png'), fullPage: true });

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
  // 8. On a phone: after tapping Sample (below the plot) the plot is brought into view; the solver names fit.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.selectOption('#model', 'shipped:moons').catch(() => {});
  await page.waitForFunction(() => window.rillDemo.lastRun?.model === 'shipped:moons' && document.getElementById('busy').hidden, null, { timeout: 20000 });
  await page.locator('#sample').scrollIntoViewIfNeeded();
  const plotTopBefore = await page.evaluate(() => document.getElementById('drop-zone').getBoundingClientRect().top);
  {
    const before = (await lastRun()).id;
    await page.click('#sample');
    await newRun(before);
  }
  await page.waitForTimeout(900);
  const plotBox = await page.evaluate(() => { const r = document.getElementById('drop-zone').getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; });
  check('on a phone, Sample brings the plot into view', plotTopBefore < 0 && plotBox.top >= -1 && plotBox.bottom <= 844,
    `plot top ${plotTopBefore.toFixed(0)} → ${plotBox.top.toFixed(0)} px, bottom ${plotBox.bottom.toFixed(0)} px`);
  const phoneFit = await optionsFit('solver');
  check('on a phone the solver names fit their box', phoneFit.fits, `${phoneFit.worst} px of text in ${phoneFit.room} px`);
  await page.screenshot({ path: shot.replace(/\.png$/, '-phone.png') });
  await page.screenshot({ path: shot.replace(/\.png$/, '-phone-full.png'), fullPage: true });
  // On a phone the overlay toggles sit far below the plot: turning one on brings the plot into view.
  if (!(await page.isDisabled('#show-grid'))) {
    if (await page.isChecked('#show-grid')) await page.uncheck('#show-grid');
    await page.evaluate(() => document.getElementById('show-grid').scrollIntoView({ block: 'center' }));
    const before = await page.evaluate(() => [document.getElementById('drop-zone').getBoundingClientRect().bottom, document.getElementById('show-grid').getBoundingClientRect().top]);
    const hiddenBefore = before[0] <= 0;
    await page.check('#show-grid');
    const shownAfter = await page.waitForFunction(() => { const r = document.getElementById('drop-zone').getBoundingClientRect(); return r.top >= -1 && r.top < innerHeight / 2; },
      null, { timeout: 5000 }).then(() => true, () => false);
    check('on a phone, ticking an overlay below the plot scrolls the plot into view', hiddenBefore && shownAfter,
      `plot off-screen before: ${hiddenBefore} (its bottom at ${before[0].toFixed(0)} px, the toggle at ${before[1].toFixed(0)}); in view after: ${shownAfter}`);
    await page.uncheck('#show-grid');
  }
  if (!(await page.isDisabled('#show-density'))) {  // the density view on a phone
    await page.evaluate(() => { for (const id of ['show-field', 'show-paths']) if (document.getElementById(id).checked) document.getElementById(id).click(); });
    await page.check('#show-density');
    await page.evaluate(() => window.rillDemo.setTime(1));
    await page.waitForFunction(() => { const g = window.rillDemo.densityGrid; return g && !g.coarse && !window.rillDemo.densityBusy; }, null, { timeout: 20000 });
    await page.locator('#drop-zone').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot.replace(/\.png$/, '-density-phone.png') });
  }
  check('no console errors and no requests outside the origin', errors.length === 0, errors.join(' | '));
});
finish(`screenshot ${shot}`);
