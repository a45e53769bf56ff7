// The Learn view (index.html#learn, web/learn.mjs) in headless Chromium (playwright-core).
//
//   node tests/browser/learn_test.mjs <web dir> [screenshot.png]
//
// Serves <web dir> (the output of `make wasm`) on a random localhost port, opens #learn and drives
// each part: the presets and an edited A (the arrows are the core's u = A·x); dropping leaves by
// click and by keyboard (their positions match exp(tA)·x₀ from a power series computed here, within
// 1e-5); the flow grid (its vertices move with t and equal model.integrate's bits in Node); the
// h slider and the log–log plot (fitted slopes within ±0.15 of 1, 2, 2, 4); the flow model beside
// exact:8gaussians with its heat map; the backwards integration; every control labelled; no console
// errors. The heavy parts run in learn_worker.mjs: once the view is up, the main thread's rill.mjs
// is counted and never integrates or samples, and a main-thread heartbeat keeps ticking while the
// worker runs a job of a second or so. Screenshots at 1280×900 and 390×844. Ends with `N passed, M failed`.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, finish, runInBrowser } from './harness.mjs';

const [dirArg = 'build/web', shot = 'build/learn-screenshot.png'] = process.argv.slice(2);
const dir = resolve(dirArg);

const { Rill } = await import(pathToFileURL(join(dir, 'rill.mjs')).href);
const rill = await Rill.load();
const bitsOf = (a) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

/** exp(tA)·x by the power series Σ (tA)^k x / k!, in doubles (independent of the core). */
function seriesExp(A, t, x) {
  let term = [x[0], x[1]], sum = [x[0], x[1]];
  for (let k = 1; k < 80; k++) {
    term = [(t * (A[0] * term[0] + A[1] * term[1])) / k, (t * (A[2] * term[0] + A[3] * term[1])) / k];
    sum = [sum[0] + term[0], sum[1] + term[1]];
  }
  return sum;
}

await runInBrowser(dir, 'the Learn test', {}, async ({ page, port, errors }) => {

  // 0. The header link leads to #learn; the view replaces the demo and builds itself.
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30000 });
  await page.click('#nav-learn');
  await page.waitForFunction(() => document.getElementById('learn').dataset.ready === '1', null, { timeout: 60000 });
  const shown = await page.evaluate(() => ({ hash: location.hash, learn: !document.getElementById('learn').hidden,
    demo: getComputedStyle(document.querySelector('main.layout')).display,
    parts: Array.from(document.querySelectorAll('#learn .lesson h2'), (h) => h.textContent) }));
  check('the header link opens #learn in place of the demo, with its six parts in the seed\'s order',
    shown.hash === '#learn' && shown.learn && shown.demo === 'none' && shown.parts.length === 6 &&
    shown.parts.map((p) => p[0]).join('') === '123456', shown.parts.join(' | '));

  const unlabelled = await page.evaluate(() => Array.from(document.querySelectorAll('#learn input, #learn select, #learn button, #learn canvas'))
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim() ||
      (el.closest('label') && el.closest('label').textContent.trim())))
    .map((el) => el.id || el.outerHTML.slice(0, 40)));
  check('every control and canvas of the Learn view is labelled', unlabelled.length === 0, unlabelled.join(', '));

  // From here on, count what the main thread's rill.mjs (the module learn.mjs imported) is asked to
  // do: the view's heavy parts must all go to its worker. And watch for long tasks (> 50 ms).
  await page.evaluate(async () => {
    const { Model } = await import('/rill.mjs');
    const calls = { integrate: 0, sample: 0, logProb: 0, fieldPoints: 0 };
    window.mainCalls = calls;
    for (const name of ['integrate', 'sample', 'logProb']) {
      const f = Model.prototype[name];
      Model.prototype[name] = function (...a) { calls[name]++; return f.apply(this, a); };
    }
    const field = Model.prototype.field;
    Model.prototype.field = function (x, ...a) { calls.fieldPoints = Math.max(calls.fieldPoints, x.length / 2); return field.call(this, x, ...a); };
    window.longTasks = [];
    try { new PerformanceObserver((l) => window.longTasks.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' }); } catch { /* not in this browser */ }
  });
  // The worker's answers for a new A: the sweep, and the flow grid while it shows the linear field.
  const sameA = (A) => page.waitForFunction((A) => window.rillLearn.errors?.A.join(',') === A.join(',') &&
    (document.getElementById('learn-flow-source').value !== 'linear' || window.rillLearn.flow?.source === `linear:${A.join(',')}`),
  A, { timeout: 30000 });

  // 1. Vector field: each preset's arrows are u = A·x computed by the core (compared with A·x here).
  const fieldMatches = async () => page.evaluate(() => {
    const r = window.rillLearn.fieldRun, A = window.rillLearn.A;
    let worst = 0;
    for (let i = 0; i < r.grid.length; i += 2) {
      worst = Math.max(worst, Math.abs(A[0] * r.grid[i] + A[1] * r.grid[i + 1] - r.u[i]), Math.abs(A[2] * r.grid[i] + A[3] * r.grid[i + 1] - r.u[i + 1]));
    }
    return { model: r.model, worst, points: r.grid.length / 2 };
  });
  const presets = { rotation: [0, -1, 1, 0], spiral: [-0.5, -1, 1, -0.5], saddle: [1, 0, 0, -1], shear: [0, 1, 0, 0] };
  const presetResults = [];
  for (const [name, A] of Object.entries(presets)) {
    await page.selectOption('#learn-preset', name);
    const f = await fieldMatches();
    presetResults.push(f.model === `linear:${A.join(',')}` && f.worst < 1e-5 ? 'ok' : `${name}: ${f.model} ${f.worst}`);
  }
  check('each preset draws the core\'s field u = A·x for its A', presetResults.every((r) => r === 'ok'), presetResults.join(', '));
  await page.fill('#learn-a0', '0.3');
  await page.dispatchEvent('#learn-a0', 'change');
  const edited = await fieldMatches();
  check('an edited A (typed into a₁₁) changes the field', edited.model === 'linear:0.3,1,0,0' && edited.worst < 1e-5,
    `${edited.model}, worst |u − A·x| ${edited.worst.toExponential(1)} at ${edited.points} points`);
  await page.selectOption('#learn-preset', 'exact');
  const fieldAt = (t) => page.evaluate((t) => {
    const s = document.getElementById('learn-field-t');
    s.value = String(t);
    s.dispatchEvent(new Event('input'));
    return window.rillLearn.fieldRun;
  }, t);
  const f1 = await fieldAt(0.2), f2 = await fieldAt(0.8);
  const exactModel = rill.loadModel('exact:8gaussians');
  const want = bitsOf(exactModel.field(Float32Array.from(f2.grid), 0.8));
  exactModel.free();
  const moved = f1.u.some((v, i) => Math.abs(v - f2.u[i]) > 1e-3);
  check('the time-dependent field (exact:8gaussians) changes with t and is the core\'s field',
    f2.model === 'exact:8gaussians' && f2.t === 0.8 && moved && bitsOf(f2.u).every((b, i) => b === want[i]),
    `${f2.model} at t = ${f1.t} and ${f2.t}: ${f2.grid.length / 2} arrows, moved ${moved}, ${bitsOf(f2.u).filter((b, i) => b !== want[i]).length} differ`);

  // 2. Leaves: a click and the keyboard drop leaves; at t their positions are exp(tA)·x₀.
  await page.selectOption('#learn-preset', 'spiral');
  await page.locator('#learn-leaves-canvas').scrollIntoViewIfNeeded();
  const [sx, sy] = await page.evaluate(() => window.rillLearn.toScreen('leaves', 1.5, -1));
  const box = await page.locator('#learn-leaves-canvas').boundingBox();
  await page.mouse.click(box.x + sx, box.y + sy);
  await page.fill('#learn-leaf-x', '-2');
  await page.fill('#learn-leaf-y', '0.5');
  await page.focus('#learn-drop');
  await page.keyboard.press('Enter');
  const worstLeaf = async (t) => {
    await page.evaluate((t) => { const s = document.getElementById('learn-leaves-t'); s.value = String(t); s.dispatchEvent(new Event('input')); }, t);
    const leaves = await page.evaluate(() => window.rillLearn.leaves());
    const A = await page.evaluate(() => window.rillLearn.A);
    return { n: leaves.length, clicked: leaves[0]?.x0, worst: Math.max(...leaves.map((l) => {
      const e = seriesExp(A, l.t, l.x0);
      return Math.max(Math.abs(e[0] - l.x[0]), Math.abs(e[1] - l.x[1]));
    })) };
  };
  const leafRuns = [];
  for (const t of [0, 0.7, 2.5, 6]) leafRuns.push(await worstLeaf(t));
  const clicked = leafRuns[0].clicked;
  const leavesNote = await page.evaluate(() => document.getElementById('learn-leaves-note').textContent);
  check('a click drops a leaf where it was clicked, and a keyboard Enter on the button drops another (the note counts "2 leaves")',
    leafRuns[0].n === 2 && Math.abs(clicked[0] - 1.5) < 0.05 && Math.abs(clicked[1] + 1) < 0.05 && leavesNote.startsWith('2 leaves;'),
    `x₀ = (${clicked?.map((v) => v.toFixed(3))}); ${leavesNote.slice(0, 40)}`);
  check('each leaf\'s position is exp(tA)·x₀ (power series) within 1e-5 at t = 0, 0.7, 2.5, 6',
    leafRuns.every((r) => r.worst < 1e-5), leafRuns.map((r) => r.worst.toExponential(1)).join(', '));
  await page.selectOption('#learn-preset', 'rotation');
  await sameA([0, -1, 1, 0]);
  const rot = await worstLeaf(Math.PI);
  check('under rotation, leaves follow exp(tA)·x₀ too (half a turn at t = π)', rot.worst < 1e-5, `worst ${rot.worst.toExponential(1)}`);
  await page.click('#learn-leaves-play');
  await page.waitForTimeout(400);
  const playing = await page.evaluate(() => window.rillLearn.leaves()[0].t);
  await page.click('#learn-leaves-play');
  check('play moves the leaves along in t', playing > 0, `t = ${playing.toFixed(2)} after 0.4 s`);

  // 3. Flow: the grid's vertices move with t and are model.integrate's results, bit for bit.
  const flowCheck = async (source) => {
    if (source) {
      await page.selectOption('#learn-flow-source', source);
      await page.waitForFunction((s) => window.rillLearn.flow?.source === s, source, { timeout: 30000 });
    }
    const setT = (t) => page.evaluate((t) => { const s = document.getElementById('learn-flow-t'); s.value = String(t); s.dispatchEvent(new Event('input')); }, t);
    const f = await page.evaluate(() => window.rillLearn.flow);
    const verts = await page.evaluate(() => window.rillLearn.flowVertices());
    await setT(f.t1 / 2);
    const mid = await page.evaluate(() => ({ pos: window.rillLearn.flowPositions(), k: window.rillLearn.flow.k }));
    await setT(f.t1);
    const end = await page.evaluate(() => ({ pos: window.rillLearn.flowPositions(), k: window.rillLearn.flow.k }));
    const model = /^(linear|exact):/.test(f.source) ? rill.loadModel(f.source) : rill.loadModel(readFileSync(join(dir, 'models', `${f.source}.safetensors`)));
    const traj = model.integrate(Float32Array.from(verts), { t0: 0, t1: f.t1, steps: f.steps, solver: f.solver, trajectory: true }).trajectory;
    const direct = model.integrate(Float32Array.from(verts), { t0: 0, t1: f.t1, steps: f.steps, solver: f.solver }).x;
    model.free();
    const n = verts.length, snap = (k) => bitsOf(traj.subarray(k * n, (k + 1) * n));
    const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
    const movement = Math.max(...mid.pos.map((v, i) => Math.abs(v - verts[i])));
    return { f, ok: same(bitsOf(mid.pos), snap(mid.k)) && same(bitsOf(end.pos), bitsOf(direct)) && movement > 0.1, movement, n: n / 2 };
  };
  const linFlow = await flowCheck(null);
  check('the flow grid of the linear field deforms with t and equals model.integrate\'s bits', linFlow.ok,
    `${linFlow.f.source}: ${linFlow.n} vertices, ${linFlow.f.solver} ${linFlow.f.steps} steps to t = ${linFlow.f.t1}, moved up to ${linFlow.movement.toFixed(2)}`);
  const learnedFlow = await flowCheck('moons');
  const exactFlow = await flowCheck('exact:8gaussians');
  check('the flow grid of exact:8gaussians (part 1\'s time-dependent field) equals model.integrate\'s bits', exactFlow.ok,
    `${exactFlow.n} vertices, ${exactFlow.f.solver} ${exactFlow.f.steps} steps, moved up to ${exactFlow.movement.toFixed(2)}`);
  // Every entry of part 3's and part 6's menus computes (they list the models they can carry: 2-D,
  // from N(0, I), no condition or step input), with no error note.
  const menus = await page.evaluate(() => ({ flow: Array.from(document.querySelectorAll('#learn-flow-source option'), (o) => o.value),
    back: Array.from(document.querySelectorAll('#learn-back-source option'), (o) => o.value) }));
  const failed = [];
  for (const v of menus.flow) {
    await page.selectOption('#learn-flow-source', v);
    const want = v === 'linear' ? null : v;
    await page.waitForFunction((w) => document.getElementById('learn-flow-note').classList.contains('lesson-error') ||
      (w === null ? window.rillLearn.flow?.source.startsWith('linear:') : window.rillLearn.flow?.source === w), want, { timeout: 30000 });
    if (await page.evaluate(() => document.getElementById('learn-flow-note').classList.contains('lesson-error'))) failed.push(`flow ${v}`);
  }
  for (const v of menus.back) {
    await page.selectOption('#learn-back-source', v);
    await page.waitForFunction((w) => document.getElementById('learn-back-note').classList.contains('lesson-error') || window.rillLearn.back?.model === w, v, { timeout: 60000 });
    if (await page.evaluate(() => document.getElementById('learn-back-note').classList.contains('lesson-error'))) failed.push(`back ${v}`);
  }
  check('every model in the Flow and Backwards menus computes without an error (2-D models from N(0, I) only)',
    failed.length === 0 && menus.flow.length >= 3 && menus.back.length >= 2 && !menus.back.includes('digits') && !menus.flow.includes('digits'),
    `flow: ${menus.flow.join(', ')}; back: ${menus.back.join(', ')}${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
  await page.selectOption('#learn-back-source', 'moons');
  await page.waitForFunction(() => window.rillLearn.back?.model === 'moons', null, { timeout: 60000 });
  check('the flow grid of a learned model (moons) deforms with t and equals model.integrate\'s bits', learnedFlow.ok,
    `${learnedFlow.n} vertices, ${learnedFlow.f.solver} ${learnedFlow.f.steps} steps, moved up to ${learnedFlow.movement.toFixed(2)}`);

  // 4. Euler vs Heun: the slopes of the log–log plot, the h slider, the errors against exp(A)·x₀.
  await page.selectOption('#learn-preset', 'spiral');
  await sameA([-0.5, -1, 1, -0.5]);
  await page.locator('#learn-euler-canvas').scrollIntoViewIfNeeded();
  const errs = await page.evaluate(() => window.rillLearn.errors);
  const wantSlopes = { euler: 1, midpoint: 2, heun: 2, rk4: 4 };
  check('the fitted slopes are within ±0.15 of 1, 2, 2, 4 (spiral sink)',
    Object.entries(wantSlopes).every(([s, w]) => errs.slopes[s] !== null && Math.abs(errs.slopes[s] - w) <= 0.15),
    Object.entries(errs.slopes).map(([s, v]) => `${s} ${v?.toFixed(3)}`).join(', '));
  const exactEnd = seriesExp(errs.A, 1, errs.x0);
  check('the reference end point is exp(A)·x₀ (power series) within 1e-5',
    Math.max(Math.abs(exactEnd[0] - errs.exact[0]), Math.abs(exactEnd[1] - errs.exact[1])) < 1e-5, `(${errs.exact.map((v) => v.toFixed(5))})`);
  const lin = rill.loadModel(`linear:${errs.A.join(',')}`);
  const euler8 = lin.integrate(errs.x0, { t0: 0, t1: 1, steps: 8, solver: 'euler' }).x;
  lin.free();
  const errE8 = Math.hypot(euler8[0] - errs.exact[0], euler8[1] - errs.exact[1]);
  check('the plotted errors are model.integrate\'s (Euler, n = 8)', Math.abs(errs.err.euler[3] - errE8) < 1e-7, `${errE8.toExponential(3)}`);
  const slider = page.locator('#learn-euler-n');
  await slider.focus();
  await page.keyboard.press('End');
  const atEnd = await page.evaluate(() => window.rillLearn.errors.now);
  await page.keyboard.press('Home');
  const atStart = await page.evaluate(() => window.rillLearn.errors.now);
  const tableRows = await page.evaluate(() => document.querySelectorAll('#learn-euler-table tr').length);
  check('the h slider (keyboard: Home/End) changes n and the end-point errors shrink with h',
    atEnd.n === 32 && atStart.n === 1 && Object.keys(wantSlopes).every((s) => atEnd.err[s] < atStart.err[s]) && tableRows === 5,
    `n = 1: Euler ${atStart.err.euler.toExponential(1)}, RK4 ${atStart.err.rk4.toExponential(1)}; n = 32: Euler ${atEnd.err.euler.toExponential(1)}, RK4 ${atEnd.err.rk4.toExponential(1)}`);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.selectOption('#learn-preset', 'shear');
  await sameA([0, 1, 0, 0]);
  const shear = await page.evaluate(() => ({ slopes: window.rillLearn.errors.slopes, note: document.getElementById('learn-euler-note').textContent }));
  check('a shear (nilpotent A) is solved exactly by every solver, and the page says so instead of a slope, and why',
    Object.values(shear.slopes).every((v) => v === null) && /exact up to float rounding/.test(shear.note) && /A² = 0/.test(shear.note),
    shear.note.slice(0, 80) + ' … ' + shear.note.slice(-150));
  await page.selectOption('#learn-preset', 'spiral');

  // 5. The flow model beside exact:8gaussians, and the heat map of ‖u^θ − u*‖.
  await page.waitForFunction(() => window.rillLearn.compare?.heat, null, { timeout: 60000 });
  await page.evaluate(() => { const s = document.getElementById('learn-model-t'); s.value = '0.5'; s.dispatchEvent(new Event('input')); });
  await page.waitForFunction(() => window.rillLearn.compare.heat.t === 0.5, null, { timeout: 30000 });
  const cmp = await page.evaluate(() => window.rillLearn.compare.heat);
  check('the flow model part shows the network beside the exact field, with a finite error heat map', Number.isFinite(cmp.mean) && cmp.max > cmp.mean && cmp.mean > 0,
    `t = ${cmp.t}: mean ‖u^θ − u*‖ ${cmp.mean.toFixed(3)}, max ${cmp.max.toFixed(2)}`);

  // 6. Backwards: data → noise, and forward again.
  await page.waitForFunction(() => window.rillLearn.back, null, { timeout: 60000 });
  const back = await page.evaluate(() => window.rillLearn.back);
  const bm = rill.loadModel(readFileSync(join(dir, 'models', `${back.model}.safetensors`)));
  const down = bm.integrate(rill.drawDataset(back.model, back.n, 3), { t0: 1, t1: 0, steps: back.steps, solver: back.solver }).x;
  bm.free();
  check('backwards, data becomes noise (mean ≈ 0, variance ≈ 1) with model.integrate\'s bits, and returns forward within 1e-2',
    bitsOf(back.noise).every((b, i) => b === bitsOf(down)[i]) && Math.hypot(...back.noiseMean) < 0.25 && Math.abs(back.noiseVar - 1) < 0.25 && back.roundTrip < 1e-2,
    `${back.model}: mean (${back.noiseMean.map((v) => v.toFixed(2))}), variance ${back.noiseVar.toFixed(2)}, round trip ${back.roundTrip.toExponential(1)}`);

  // 7. Off the main thread: since the view was up (presets, the solver sweep, flow grids, the heat
  // map, the backwards run), the main thread never integrated or sampled; its field calls were the
  // arrows (≤ 17 × 17 points). Then a heartbeat (a 4 ms timer) runs while the worker does a job of
  // at least 300 ms (the flow-model comparison, 2,000 samples and doubled until it takes that long on
  // this machine): it must keep ticking.
  await page.selectOption('#learn-back-source', 'spirals');
  await page.waitForFunction(() => window.rillLearn.back?.model === 'spirals', null, { timeout: 60000 });
  const main = await page.evaluate(() => window.mainCalls);
  check('after start-up the main thread never integrates or samples: the solver sweep, flow grids, heat map and backwards run are the worker\'s',
    main.integrate === 0 && main.sample === 0 && main.logProb === 0 && main.fieldPoints <= 17 * 17,
    `main thread: ${main.integrate} integrate, ${main.sample} sample, largest field call ${main.fieldPoints} points; ` +
    `worker: sweep ${(await page.evaluate(() => window.rillLearn.errors.ms)).toFixed(1)} ms, backwards run ${(await page.evaluate(() => window.rillLearn.back.ms)).toFixed(0)} ms`);
  const beat = await page.evaluate(async () => {
    const bytes = new Uint8Array(await (await fetch('models/8gaussians.safetensors')).arrayBuffer());
    for (let n = 2000; ; n *= 2) {
      const ticks = [];
      let on = true;
      const tick = () => { ticks.push(performance.now()); if (on) setTimeout(tick, 4); };
      tick();
      const start = performance.now();
      const m = await window.rillLearn.jobs.run('8gaussians', { bytes }, 'compare', { n, steps: 20 });
      const end = performance.now();
      on = false;
      if (m.ms < 300 && n < 128000) continue;
      const inside = ticks.filter((t) => t >= start && t <= end);
      const gaps = inside.slice(1).map((t, i) => t - inside[i]);
      return { n, workerMs: m.ms, wallMs: end - start, ticks: inside.length, maxGap: Math.max(0, ...gaps), longTasks: window.longTasks };
    }
  });
  check('the page stays responsive: a main-thread heartbeat keeps ticking while the worker computes',
    beat.workerMs > 150 && beat.ticks >= 10 && beat.maxGap < beat.workerMs / 2,
    `worker job (${beat.n} samples) ${beat.workerMs.toFixed(0)} ms (${beat.wallMs.toFixed(0)} ms wall): ${beat.ticks} heartbeats, longest gap ${beat.maxGap.toFixed(0)} ms; ` +
    `long tasks (> 50 ms) on the main thread since start-up: ${beat.longTasks.length ? beat.longTasks.map((d) => d.toFixed(0)).join(', ') + ' ms' : 'none'}`);

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot });
  await page.screenshot({ path: shot.replace(/\.png$/, '-full.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  check('at 390×844 nothing is wider than the screen', overflow <= 0, `${overflow} px too wide`);
  await page.locator('#learn-euler').scrollIntoViewIfNeeded();
  await page.screenshot({ path: shot.replace(/\.png$/, '-phone.png') });
  await page.screenshot({ path: shot.replace(/\.png$/, '-phone-full.png'), fullPage: true });
  // Back to the demo by the header link.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.click('nav.views a[href="#"]');
  // the view changes on the hashchange event, after the click returns: wait for it (up to 5 s)
  const demoBack = await page.waitForFunction(
    () => document.getElementById('learn').hidden && getComputedStyle(document.querySelector('main.layout')).display !== 'none',
    null, { timeout: 5000 }).then(() => true, () => false);
  check('the Demo link returns to the demo', demoBack);
  check('no console errors', errors.length === 0, errors.join(' | '));
});
finish(`screenshots ${shot}`);
