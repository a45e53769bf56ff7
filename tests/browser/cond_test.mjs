// The page's conditioned models in headless Chromium (issue 12).
//
//   node tests/browser/cond_test.mjs <web dir> [screenshot.png]
//
// Checks: the page lists the conditioned models this build has (and a listed model whose file is
// missing gives a message, not a broken page); the class picker changes the samples, and the
// samples of class K lie on class K's reference (a nearest-neighbour vote against a labelled
// draw), with the bits rill.mjs gives in Node; "all classes" samples each class, in its colour;
// the guidance slider re-samples live with the bits of model.sample({condition, guidance}); the
// s slider of swissroll-s moves the samples along the roll; a source model (moons-from-8gaussians)
// is named as such and sampled with Node's bits; the digits grid (10 rows × 8 images)
// and its "nearest training image" toggle, whose distances are the L2 nearest of the real set;
// two paint colours train a class model in the worker whose classes are the colours; every control
// labelled, keyboard use of the condition controls; a step-conditioned model's card and samples; no console errors; screenshots at 1280×900
// and 390×844. Models this build does not ship are made here (small, quick stand-ins) and opened
// as files. Ends with `N passed, M failed`.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, finish, runInBrowser } from './harness.mjs';
import { modelFile } from '../wasm/helpers.mjs';

const [dirArg = 'build/web', shot = 'build/cond-screenshot.png'] = process.argv.slice(2);
const dir = resolve(dirArg);
const { Rill } = await import(pathToFileURL(join(dir, 'rill.mjs')).href);
const rill = await Rill.load();
const bitsOf = (a) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
const sameBits = (a, b) => a.length === b.length && bitsOf(a).every((v, i) => v === bitsOf(b)[i]);
const index = JSON.parse(readFileSync(join(dir, 'models', 'index.json'), 'utf8'));

/** A shipped model's bytes, or a stand-in trained here (opened in the page as a file). */
function modelBytes(name, make) {
  const file = join(dir, 'models', `${name}.safetensors`);
  if (index.includes(name) && existsSync(file)) return { bytes: readFileSync(file), shipped: true };
  const t = rill.trainer(make);
  try { t.step(make.steps); return { bytes: t.save(), shipped: false }; } finally { t.free(); }
}

/** The share of points (pairs) whose nearest reference point (pairs, labels) has label k. */
function agreement(points, k, ref) {
  let agree = 0;
  const n = points.length / 2;
  for (let i = 0; i < n; i++) {
    let best = Infinity, label = -1;
    for (let j = 0; j < ref.labels.length; j++) {
      const dx = points[2 * i] - ref.points[2 * j], dy = points[2 * i + 1] - ref.points[2 * j + 1], d = dx * dx + dy * dy;
      if (d < best) { best = d; label = ref.labels[j]; }
    }
    if (label === k) agree++;
  }
  return agree / n;
}

// A model listed in models/index.json whose file cannot be fetched (the test serves a 404 for it).
const MISSING = 'checkerboard-class';

await runInBrowser(dir, 'the conditioned page test', {}, async ({ page, port, errors }) => {
  await page.route('**/models/index.json', async (route) => {
    const list = await (await route.fetch()).json();
    await route.fulfill({ json: list.includes(MISSING) ? list : list.concat([MISSING]) });
  });
  await page.route(`**/models/${MISSING}.safetensors`, (route) => route.fulfill({ status: 404, body: '' }));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
  const lastRun = () => page.evaluate(() => window.rillDemo.lastRun);
  // Samples at `solver` × `steps` (the form's Sample button) and returns the hint under the plot ('' when hidden).
  const hintAfterRun = async (solver, steps) => {
    await page.selectOption('#solver', solver);
    await page.fill('#steps', steps);
    const before = (await lastRun()).id;
    await page.click('#sample');
    await newRun(before);
    return page.evaluate(() => { const h = document.getElementById('explain-hint'); return h.hidden ? '' : h.textContent; });
  };
  const newRun = (before) => page.waitForFunction((id) => window.rillDemo.lastRun && window.rillDemo.lastRun.id !== id && document.getElementById('busy').hidden,
    before, { timeout: 30000 });
  const samples = () => page.evaluate(() => Array.from(window.rillDemo.lastSamples));
  const message = () => page.evaluate(() => (document.getElementById('message').hidden ? '' : document.getElementById('message-text').textContent));
  const dismiss = () => page.evaluate(() => { if (!document.getElementById('message').hidden) document.getElementById('message-close').click(); });

  // 0. The models list: every conditioned model of this build, enabled; nothing listed that is not there.
  const listed = await page.evaluate(() => Array.from(document.getElementById('model').options, (o) => ({ v: o.value, off: o.disabled })));
  const conditioned = ['moons-class', '8gaussians-class', 'checkerboard-class', 'swissroll-s', 'moons-from-8gaussians', 'digits'];
  const want = conditioned.filter((n) => index.includes(n) || n === MISSING);
  const have = listed.filter((o) => conditioned.includes(o.v.replace(/^shipped:/, '')) && !o.off).map((o) => o.v.replace(/^shipped:/, ''));
  check('the page lists the conditioned models this build has, and no other', JSON.stringify(have) === JSON.stringify(want), `${have.join(', ') || 'none'}`);
  const hidden = await page.evaluate(() => document.getElementById('cond-box').hidden);
  check('an unconditioned model shows no condition controls', hidden);

  // Opens a model: the shipped one by its option, a stand-in as a file.
  async function open(name, make) {
    const m = modelBytes(name, make);
    const before = (await lastRun())?.id ?? null;
    if (m.shipped) await page.selectOption('#model', `shipped:${name}`);
    else await page.setInputFiles('#file', { name: `${name}.safetensors`, mimeType: 'application/octet-stream', buffer: Buffer.from(m.bytes) });
    await newRun(before);
    return m;
  }
  // Sets a range input's value as a user does (input event), then waits for the new run.
  async function slide(id, value) {
    const before = (await lastRun()).id;
    await page.evaluate(([id, v]) => { const el = document.getElementById(id); el.value = String(v); el.dispatchEvent(new Event('input', { bubbles: true })); }, [id, value]);
    await newRun(before);
  }
  async function pick(value) {
    const before = (await lastRun()).id;
    await page.selectOption('#cond-class', value);
    await newRun(before);
  }

  // 1. moons-class: the class picker, all classes, guidance.
  const moons = await open('moons-class', { dataset: 'moons', condition: 'class', width: 64, depth: 3, lr: 3e-3, steps: 1500, seed: 3, timeK: 4 });
  const controls = await page.evaluate(() => ({
    box: !document.getElementById('cond-box').hidden, s: !document.getElementById('s-box').hidden,
    options: Array.from(document.getElementById('cond-class').options, (o) => o.value), value: document.getElementById('cond-class').value,
    guidance: document.getElementById('guidance').value,
  }));
  check('a class model shows the class picker (all, each class, none) and guidance 1, no s slider',
    controls.box && !controls.s && controls.options.join() === 'all,0,1,none' && controls.value === 'all' && controls.guidance === '1', JSON.stringify(controls));
  const ref = rill.drawDataset('moons', 2000, 99, { labels: true });
  const model = rill.loadModel(moons.bytes);
  const runAll = await lastRun();
  const labelsAll = await page.evaluate(() => Array.from(window.rillDemo.lastLabels ?? []));
  const counts = [0, 1].map((k) => labelsAll.filter((l) => l === k).length);
  check('"all classes" samples each class, as many of each', counts[0] > 0 && counts[0] === counts[1] && runAll.n === counts[0] + counts[1], `${counts.join(' + ')} samples`);
  // The samples/s of an all-classes run counts every class's rows: reps × n over the timed ms (a
  // transferred labels array once made it 0).
  await page.waitForFunction(() => document.getElementById('stat-rate').textContent !== 'timing…', null, { timeout: 20000 });
  const rateAll = await page.textContent('#stat-rate'), timed = await lastRun();
  const rateNumber = Number((rateAll.match(/^([\d,]+) \(/)?.[1] ?? '').replace(/,/g, ''));
  const expectRate = timed.workers === 1 ? (timed.reps * timed.n) / (timed.timedMs / 1000) : NaN;
  check('"all classes": samples/s = runs × samples of every class / timed seconds',
    rateAll.startsWith('too fast to time') || Math.abs(rateNumber - expectRate) <= 0.01 * expectRate + 1,
    `${rateAll}; ${timed.reps} × ${timed.n} samples in ${timed.timedMs?.toFixed(0)} ms`);
  const colours = await page.textContent('#explain-colours');
  const swatches = await page.evaluate(() => Array.from(document.querySelectorAll('#explain-colours .swatch'), (e) => e.style.background));
  check('the page says the colours are the classes, with a legend of their colours', /coloured by the class/.test(colours) && swatches.length === 2 &&
    swatches[0] !== swatches[1], `${colours.slice(0, 90)} ${swatches.join(' ')}`);

  const agree = [];
  for (const k of [0, 1]) {
    await pick(String(k));
    const x = await samples(), run = await lastRun();
    const want = model.sample({ n: run.n, steps: run.steps, solver: run.solver, seed: run.seed, condition: k }).x;
    check(`class ${k}: the page's samples have the bits of model.sample({condition: ${k}}) in Node`, sameBits(x, want), `${run.n} samples`);
    agree.push(agreement(x.slice(0, 2 * 500), k, ref));
  }
  check('the class picker changes the samples: class K\'s samples lie on class K\'s half of moons (nearest-neighbour vote)',
    agree.every((a) => a >= 0.9), agree.map((a) => `${(100 * a).toFixed(1)} %`).join(', '));

  // Guidance: live (no Sample press), the bits of model.sample({condition, guidance}).
  await page.selectOption('#cond-class', '1');
  await page.waitForFunction(() => document.getElementById('busy').hidden);
  await slide('guidance', 3);
  {
    const x = await samples(), run = await lastRun();
    const want = model.sample({ n: run.n, steps: run.steps, solver: run.solver, seed: run.seed, condition: 1, guidance: 3 }).x;
    check('the guidance slider re-samples live with model.sample({condition, guidance: 3})\'s bits',
      run.condition?.guidance === 3 && sameBits(x, want) && (await page.textContent('#guidance-out')) === '3.0', JSON.stringify(run.condition));
  }
  // Keyboard: the guidance slider moves 0.1 per arrow key; the class picker is a labelled select.
  {
    const before = (await lastRun()).id;
    await page.focus('#guidance');
    await page.keyboard.press('ArrowLeft');
    await newRun(before);
    check('keyboard: an arrow key on the guidance slider re-samples at w − 0.1', (await lastRun()).condition?.guidance === 2.9 &&
      (await page.textContent('#guidance-out')) === '2.9');
  }
  await slide('guidance', 1);
  model.free();

  // A listed model whose file is missing: a message, the page keeps the current model.
  {
    const current = await page.evaluate(() => document.getElementById('model').value);
    const errCount = errors.length;
    await page.selectOption('#model', `shipped:${MISSING}`);
    await page.waitForFunction(() => !document.getElementById('message').hidden, null, { timeout: 10000 });
    const text = await message(), after = await page.evaluate(() => document.getElementById('model').value);
    errors.splice(errCount);  // the browser logs the 404 itself
    await dismiss();
    check('a listed model whose file is missing gives a message; the page keeps the current model and its controls',
      text.includes(MISSING) && /HTTP 404/.test(text) && after === current && !(await page.isHidden('#cond-box')), text);
  }

  // 2. swissroll-s: the s slider moves the samples along the roll.
  await open('swissroll-s', { dataset: 'swissroll', condition: 'vector', width: 64, depth: 3, lr: 3e-3, steps: 1500, seed: 3, timeK: 4 });
  const sBox = await page.evaluate(() => !document.getElementById('s-box').hidden && document.getElementById('class-box').hidden);
  const radius = async () => { const x = await samples(); let r = 0; for (let i = 0; i < x.length; i += 2) r += Math.hypot(x[i], x[i + 1]); return r / (x.length / 2); };
  await slide('cond-s', 0.1);
  const r1 = await radius();
  await slide('cond-s', 0.9);
  const r9 = await radius();
  check('swissroll-s: an s slider (no class picker); s moves the samples along the roll (mean radius grows with s)', sBox && r9 > r1 + 0.5,
    `mean radius ${r1.toFixed(2)} at s = 0.1, ${r9.toFixed(2)} at s = 0.9`);

  // 2b. moons-from-8gaussians: a source model; the page names its source and samples it as Node does.
  {
    const m = await open('moons-from-8gaussians', { dataset: 'moons', source: '8gaussians', width: 64, depth: 3, lr: 3e-3, steps: 800, seed: 3, timeK: 4 });
    const run = await lastRun(), x = await samples(), model = rill.loadModel(m.bytes);
    const want = model.sample({ n: run.n, steps: run.steps, solver: run.solver, seed: run.seed }).x;
    model.free();
    const info = await page.textContent('#model-info'), note = await page.textContent('#explain-colours');
    check('a source model: the page names its source (model info, the note under the plot) and its samples are model.sample\'s bits',
      /source8gaussians/.test(info) && /source is 8gaussians/.test(note) && sameBits(x, want) && (await page.isHidden('#cond-box')), note.slice(-120));
    const why = await page.evaluate(() => ({ disabled: document.getElementById('show-density').disabled,
      text: document.getElementById('density-why').hidden ? '' : document.getElementById('density-why').textContent }));
    check('a source model offers no density overlay, and says why (log p needs the N(0, I) source)', why.disabled && /8gaussians/.test(why.text) && /N\(0, I\)/.test(why.text), why.text);
  }

  // 2c. A step-conditioned model (formats.md, step_embedding) opened as a file: the model card says so,
  // and its samples are model.sample's bits (h = 1 / steps), as in Node.
  {
    const bytes = modelFile({ step: 'sin:2', time: 'sin:2', width: 16, seed: 9 }), before = (await lastRun())?.id ?? null;
    await page.setInputFiles('#file', { name: 'step.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
    await newRun(before);
    const run = await lastRun(), x = await samples(), model = rill.loadModel(bytes);
    const want = model.sample({ n: run.n, steps: run.steps, solver: run.solver, seed: run.seed }).x;
    model.free();
    const info = await page.textContent('#model-info');
    check('a step-conditioned model: the model card says "step-conditioned (sin:2)", 2+4+4 inputs, and its samples are model.sample\'s bits',
      /step inputstep-conditioned \(sin:2\)/.test(info) && /2\+4\+4 →/.test(info) && sameBits(x, want), info.slice(0, 200));
    const why = await page.evaluate(() => ({ disabled: document.getElementById('show-density').disabled,
      text: document.getElementById('density-why').hidden ? '' : document.getElementById('density-why').textContent }));
    check('a step-conditioned model offers no density overlay, and says why (an average velocity over a step)',
      why.disabled && /average velocity/.test(why.text), why.text);
    // One Euler step: the hint says what such a model does with h = 1 (not the plain model's collapse to the mean).
    const solverWas = await page.inputValue('#solver'), stepsWas = await page.inputValue('#steps');
    const hint = await hintAfterRun('euler', '1');
    check('a step-conditioned model at one Euler step: the hint explains h = 1 and the average velocity, not a collapse to the mean',
      /step-conditioned/.test(hint) && /h = 1/.test(hint) && !/collapses/.test(hint), hint);
    await page.selectOption('#solver', solverWas);  // as the page had them, for the checks below
    await page.fill('#steps', stepsWas);
  }

  // 3. digits: the grid of images per class, and the nearest training image.
  const lines = gunzipSync(readFileSync(join(dir, 'data', 'digits.csv.gz'))).toString('utf8').trim().split('\n');
  const digitsRef = lines.map((l) => l.split(',').slice(0, 64).map((v) => Number(v) / 8 - 1));
  const digitsRecipe = { points: Float32Array.from(digitsRef.flat()), dim: 64, labels: Int32Array.from(lines, (l) => Number(l.split(',')[64])),
    width: 96, depth: 2, lr: 3e-3, steps: 400, seed: 1, timeK: 4 };
  await open('digits', digitsRecipe);
  await page.waitForFunction(() => window.rillDemo.imageGrid?.rows === 10, null, { timeout: 20000 }).catch(() => {});
  const grid = await page.evaluate(() => ({ grid: window.rillDemo.imageGrid, plot: document.getElementById('plot').hidden, digits: document.getElementById('digits').hidden,
    toggle: !document.getElementById('nearest-box').hidden }));
  check('digits: a grid of 10 rows × 8 images in place of the scatter, with the nearest-image toggle',
    grid.grid?.rows === 10 && grid.grid?.cols === 8 && grid.plot && !grid.digits && grid.toggle, JSON.stringify(grid.grid));
  const inked = await page.evaluate(() => {
    const c = document.getElementById('digits'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let bright = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 120) bright++;
    return bright / (d.length / 4);
  });
  check('digits: the images are drawn', inked > 0.01, `${(100 * inked).toFixed(1)} % bright pixels`);
  await page.evaluate(() => { window.rillDemo.setTime(1); scrollTo(0, 0); });
  await page.screenshot({ path: shot.replace(/\.png$/, '-digits.png') });
  await page.check('#show-nearest');
  await page.waitForFunction(() => window.rillDemo.imageGrid?.nearest, null, { timeout: 20000 });
  {
    const near = await page.evaluate(() => window.rillDemo.imageGrid.nearest);
    const x = await samples();
    let ok = 0;
    for (const i of [0, 17, 42, 79]) {
      let best = Infinity, arg = -1;
      digitsRef.forEach((r, j) => { let s = 0; for (let q = 0; q < 64; q++) s += (x[i * 64 + q] - r[q]) ** 2; if (s < best) { best = s; arg = j; } });
      if (arg === near.index[i] && Math.abs(Math.sqrt(best) - near.dist[i]) < 1e-4) ok++;
    }
    const note = await page.textContent('#explain-colours');
    check('digits: "nearest training image" shows each sample\'s L2-nearest real image and its distance', ok === 4 && near.index.length === 80 &&
      /nearest other real image/.test(note), `${ok}/4 checked; ${note.slice(-160)}`);
  }
  await page.screenshot({ path: shot.replace(/\.png$/, '-digits-nearest.png') });

  // 4. Two paint colours train a class model in the worker; the class picker shows the colours.
  await page.selectOption('#train-data', 'drawing');
  await page.focus('#paint');
  const paintAt = async (key, colourKey, moves) => {
    await page.keyboard.press(colourKey);
    for (let i = 0; i < moves; i++) await page.keyboard.press(key);
    for (let i = 0; i < 6; i++) { await page.keyboard.press('Shift+ArrowUp'); await page.keyboard.press(' '); }
  };
  await paintAt('ArrowLeft', '1', 10);
  await paintAt('ArrowRight', '2', 20);
  const painted = await page.textContent('#paint-count');
  check('keyboard painting in two colours (keys 1 and 2)', /in 2 colours/.test(painted), painted);
  await page.fill('#train-steps', '60');
  await page.fill('#train-width', '32');
  await page.click('#train');
  await page.waitForFunction(() => document.body.dataset.train === 'done' || document.body.dataset.train === 'error', null, { timeout: 60000 });
  await page.waitForFunction(() => window.rillDemo.lastRun?.model?.startsWith('user:') && document.getElementById('busy').hidden, null, { timeout: 20000 });
  const trained = await page.evaluate(() => ({ state: document.body.dataset.train, options: Array.from(document.getElementById('cond-class').options, (o) => o.text),
    box: !document.getElementById('cond-box').hidden, labels: Array.from(new Set(window.rillDemo.lastLabels ?? [])) }));
  check('two paint colours train a class model; the class picker offers the colours', trained.state === 'done' && trained.box &&
    trained.options.some((t) => /amber/.test(t)) && trained.options.some((t) => /sky/.test(t)) && trained.labels.length === 2, JSON.stringify(trained));

  // 4b. Issue 14's compare toggle: a one-step model beside its teacher, with their NFE and time.
  if (await page.$('option[value="onestep:moons-1step"]')) {
    await page.selectOption('#model', 'onestep:moons-1step');
    await page.waitForFunction(() => !document.getElementById('compare-box').hidden && document.getElementById('busy').hidden, null, { timeout: 20000 });
    const hintText = await page.textContent('#explain-hint');
    check('a one-step model is explained as such (not as one Euler step collapsing to the mean)',
      /one-step model/.test(hintText) && !/collapses/.test(hintText), hintText);
    await page.fill('#n', '1000');
    await page.check('#compare-toggle');
    await page.waitForFunction(() => window.rillDemo.compare && !document.getElementById('compare').hidden, null, { timeout: 30000 });
    const cmp = await page.evaluate(() => ({ last: window.rillDemo.compare,
      captions: Array.from(document.querySelectorAll('#compare figcaption'), (f) => f.textContent) }));
    const [one, teacher] = cmp.last;
    check('compare: the one-step model (euler × 1 = 1 NFE) beside its teacher (heun × 20 = 40 NFE), each timed',
      one.nfe === 1 && one.solver === 'euler' && teacher.nfe === 40 && /teacher/.test(teacher.label) && one.ms > 0 && teacher.ms > 0 &&
      /1 NFE/.test(cmp.captions[0]) && /40 NFE/.test(cmp.captions[1]), JSON.stringify(cmp));
    const oneStepHint = await page.textContent('#explain-hint');
    check('with compare ticked the hint no longer asks to tick it', !/Tick "compare"/.test(oneStepHint) && /side by side/.test(oneStepHint), oneStepHint.slice(-80));
    const heunHint = await hintAfterRun('heun', '20');
    check('compare with the form at heun × 20: the hint says the panes run each model as it is meant, the main plot the form',
      /euler × 1/.test(heunHint) && /heun × 20/.test(heunHint) && /main plot/.test(heunHint), heunHint);
    await page.screenshot({ path: shot.replace(/\.png$/, '-compare.png'), fullPage: true });
    await page.uncheck('#compare-toggle');
    const hidden = await page.evaluate(() => getComputedStyle(document.getElementById('compare')).display === 'none');
    await page.selectOption('#model', 'shipped:moons');
    await page.waitForFunction(() => document.getElementById('busy').hidden);
    // Not shown, not just marked hidden: `label` sets display, which once overrode [hidden] here.
    const boxHidden = await page.evaluate(() => getComputedStyle(document.getElementById('compare-box')).display === 'none');
    check('compare: unticked it hides; a model not made by reflow offers no compare', hidden && boxHidden);
    const run = await page.evaluate(() => [document.getElementById('solver').value, document.getElementById('steps').value]);
    check('leaving a one-step model gives the next model back the solver and steps it had (not one Euler step)',
      run[0] === 'heun' && run[1] === '20', run.join(' × '));
  }

  // 5. Labels, screenshots (the moons-class model on all classes at 1280×900 and 390×844), errors.
  const unlabelled = await page.evaluate(() => Array.from(document.querySelectorAll('input, select, button, canvas, [tabindex]'))
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.textContent.trim() ||
      (el.closest('label') && el.closest('label').textContent.trim())))
    .map((el) => el.id || el.outerHTML.slice(0, 40)));
  check('every control and canvas is labelled', unlabelled.length === 0, unlabelled.join(', '));
  await open('moons-class', { dataset: 'moons', condition: 'class', width: 64, depth: 3, lr: 3e-3, steps: 1500, seed: 3, timeK: 4 });
  await page.evaluate(() => { window.rillDemo.setTime(1); scrollTo(0, 0); });
  await page.screenshot({ path: shot });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('#cond-box').scrollIntoViewIfNeeded();
  const fits = await page.evaluate(() => {
    const box = document.getElementById('cond-box').getBoundingClientRect();
    return box.right <= innerWidth && box.left >= 0 && document.documentElement.scrollWidth <= innerWidth;
  });
  check('on a phone the condition controls fit the width', fits);
  await page.screenshot({ path: shot.replace(/\.png$/, '-phone.png'), fullPage: true });
  // The digits grid on a phone, with the nearest images: 4 pairs a row, each image at least 20 px.
  await open('digits', digitsRecipe);
  await page.waitForFunction(() => window.rillDemo.imageGrid?.nearest, null, { timeout: 20000 });
  const phoneGrid = await page.evaluate(() => window.rillDemo.imageGrid);
  check('on a phone the digits grid with nearest images shows 4 pairs a row, large enough to see', phoneGrid.pair && phoneGrid.cols === 4 && phoneGrid.size >= 20,
    `${phoneGrid.cols} pairs a row, ${phoneGrid.size} px images`);
  const phoneNote = await page.textContent('#explain-colours');
  check('on a phone the note under the grid says it shows the first 4 of each row\'s 8', /first 4 of each row/.test(phoneNote), phoneNote.slice(0, 200));
  await page.evaluate(() => { window.rillDemo.setTime(1); document.getElementById('drop-zone').scrollIntoView(); });
  await page.screenshot({ path: shot.replace(/\.png$/, '-digits-phone.png') });
  check('no console errors', errors.length === 0, errors.join(' | '));
});
finish(`screenshots ${shot.replace(/\.png$/, '*.png')}`);
