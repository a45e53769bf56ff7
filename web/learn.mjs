// learn.mjs — the Learn view (index.html#learn): the chapter rill began from (shared/seed), live,
// in its order. A vector field u(x) = A·x; a leaf's exact path X_t = exp(tA)·x₀; the flow ψ_t as a
// deformed grid; Euler against Heun (midpoint, RK4) with their global errors on a log–log plot;
// backwards, data → noise; and a learned model beside the exact field of its target.
//
// Every number is computed by the WebAssembly core through rill.mjs: the field by model.field on
// a `linear:a,b,c,d` or `exact:8gaussians` formula model, exp(tA) by rill.matrixExp2x2, paths
// by model.integrate. Nothing is canned. The heavy parts (the solver sweep, the flow grid, the
// backwards run, the flow model and its heat map) run in learn_worker.mjs, so the page never
// waits for them; the main thread keeps the arrows and exp(tA) (microseconds). For the browser
// test (tests/browser/learn_test.mjs), window.rillLearn exposes what each part last computed.

import { Rill, EVALUATIONS } from './rill.mjs';
import { Plot, THEME, HUES } from './plot.mjs';
import { fieldGrid } from './field.mjs';
import { LISTED_DATASETS } from './datasets.mjs';
import { loadModelIndex } from './model_menu.mjs';
import {
  SOLVER_NAMES, SOLVER_COLOURS, PRESETS, LIN_EXTENT, MODEL_EXTENT, ARROW_DT, LEAF_T_MAX, FLOW_LINES, FLOW_POINTS, ERROR_NS, EULER_X0, el, fmt, apply, fitSlope, lesson, canvas, slider, button,
  LearnJobs, drawErrorChart, eulerNote,
} from './learn_kit.mjs';

const EULER_MAX_N = 32, HEAT_G = 40;


let mounted = null;
/** Builds the Learn view inside `root` the first time (loads its own rill.wasm instance). */
export function showLearn(root) {
  if (!mounted) mounted = mount(root).catch((e) => {
    root.append(el('p', { class: 'lesson-error', role: 'alert', text: `The Learn view cannot start: ${e.message}` }));
    throw e;
  });
  return mounted;
}

async function mount(root) {
  const rill = await Rill.load();
  const L = new Learn(rill, root, new LearnJobs(rill.wasm.module));
  window.rillLearn = L.api();
  await L.start();
  root.dataset.ready = '1';
}

class Learn {
  constructor(rill, root, jobs) {
    this.rill = rill;
    this.root = root;
    this.jobs = jobs;           // learn_worker.mjs: the heavy parts
    this.tickets = {};          // part → number of its latest request (older answers are dropped)
    this.A = PRESETS.rotation.A.slice();
    this.preset = 'rotation';
    this.lin = null; this.linKey = '';
    this.exact = null;
    this.shipped = new Map();   // name → the model file's bytes
    this.leaves = [];
    this.leafT = 0;
    this.playing = false;
    this.flow = null; this.errors = null; this.back = null; this.compare = null;
  }

  api() {
    const me = this;
    return {
      get A() { return me.A.slice(); },
      get fieldRun() { return me.fieldRun; },
      leaves: () => me.leaves.map((l) => ({ x0: l.x0.slice(), t: me.leafT, x: me.leafAt(l.x0, me.leafT) })),
      get flow() { return me.flow && { ...me.flow, traj: undefined }; },
      flowPositions: () => me.flow && Array.from(me.flowNow()),
      flowVertices: () => me.flow && Array.from(me.flow.vertices),
      get errors() { return me.errors && { ...me.errors, paths: undefined }; },
      jobs: me.jobs,
      get back() { return me.back; },
      get compare() { return me.compare; },
      toScreen: (id, x, y) => me.plots[id].toScreen(x, y),
    };
  }

  linear() {
    const key = this.A.join(',');
    if (this.linKey !== key) {
      this.lin?.free();
      this.lin = this.rill.loadModel(`linear:${key}`);
      this.linKey = key;
    }
    return this.lin;
  }

  /** The bytes of a shipped model, fetched once. */
  async shippedModel(name) {
    if (!this.shipped.has(name)) {
      const res = await fetch(`models/${name}.safetensors`);
      if (!res.ok) throw new Error(`models/${name}.safetensors: HTTP ${res.status}`);
      this.shipped.set(name, new Uint8Array(await res.arrayBuffer()));
    }
    return this.shipped.get(name);
  }

  /**
   * Request `type` of learn_worker.mjs on `model` (a formula name, or a shipped model's name); null
   * when a newer request of the same `part` was made meanwhile (its answer is the one to show).
   */
  async work(part, model, type, msg) {
    const ticket = (this.tickets[part] = (this.tickets[part] ?? 0) + 1);
    const load = /^(linear|exact):/.test(model) ? { source: model } : { bytes: await this.shippedModel(model) };
    const m = await this.jobs.run(model, load, type, msg);
    return ticket === this.tickets[part] ? m : null;
  }

  async start() {
    const root = this.root;
    root.append(el('header', { class: 'learn-intro' }, el('h1', { text: 'Learn: from a vector field to a flow model' }),
      el('p', { html: 'The chapter rill began from, in its order. Every arrow, path and number below is computed live by the same ' +
        'WebAssembly core as the demo (<a href="#">back to the demo</a>).' })));
    this.plots = {};
    this.buildField();
    this.buildLeaves();
    this.buildFlow();
    this.buildEuler();
    this.buildModel();
    this.buildBack();
    new ResizeObserver(() => this.drawAll()).observe(root);
    this.setPreset('rotation');
    await this.computeModelParts();
  }

  drawAll() {
    this.drawField(); this.drawLeaves(); this.drawFlow(); this.drawEuler(); this.drawCompare(); this.drawBack();
  }

  note(id, text, error = false) {
    const p = document.getElementById(id);
    p.textContent = text;
    p.classList.toggle('lesson-error', error);
  }

  // ---- 1. vector field ----
  buildField() {
    const body = lesson(this.root, 'learn-field', '1. Vector field',
      'A vector field gives a velocity at every point: think of a river, and <i>u</i>(<i>x</i>) the speed and direction of the ' +
      'water at <i>x</i>. The simplest fields are linear, u = A·x; the matrix A decides whether the water turns, sinks, ' +
      'splits or shears. A field may also change with time (non-autonomous): <code>exact:8gaussians</code> is the field that ' +
      'carries noise to eight blobs, and its arrows move with t.',
      'u<sub>t</sub>(x) = A·x &nbsp; (autonomous: the same at every t) &nbsp;&nbsp; or u<sub>t</sub>(x), a field that depends on t');
    const cv = canvas('learn-field-canvas', 'arrows of the vector field u');
    this.plots.field = new Plot(cv, LIN_EXTENT);
    const preset = el('select', { id: 'learn-preset' });
    for (const [k, p] of Object.entries(PRESETS)) preset.append(new Option(p.label, k));
    preset.addEventListener('change', () => this.setPreset(preset.value));
    const grid = el('div', { class: 'matrix', role: 'group', 'aria-label': 'the matrix A, row by row' });
    this.aInputs = ['a₁₁', 'a₁₂', 'a₂₁', 'a₂₂'].map((name, i) => {
      const input = el('input', { id: `learn-a${i}`, type: 'number', step: '0.1', inputmode: 'decimal', value: '0' });
      input.addEventListener('change', () => this.editA());
      grid.append(el('label', {}, el('span', { text: name }), input));
      return input;
    });
    const t = slider('learn-field-t', 't', 0, 1, 0.01, 0.5);
    this.fieldT = t;
    t.input.addEventListener('input', () => this.drawField());
    body.append(el('div', { class: 'lesson-canvas' }, cv), el('div', { class: 'lesson-controls' },
      el('label', {}, el('span', { text: 'Preset' }), preset), grid, t.box,
      el('p', { class: 'small-print', id: 'learn-field-note', role: 'status' })));
    this.presetSelect = preset;
  }

  setPreset(name) {
    this.preset = name;
    this.presetSelect.value = name;
    if (PRESETS[name].A) this.A = PRESETS[name].A.slice();
    this.aInputs.forEach((input, i) => { input.value = String(this.A[i]); input.disabled = name === 'exact'; });
    this.linChanged();
  }

  editA() {
    const v = this.aInputs.map((i) => Number(i.value));
    if (!v.every((x) => Number.isFinite(x) && Math.abs(x) <= 10)) {
      this.note('learn-field-note', 'Each entry of A must be a number between −10 and 10.', true);
      return;
    }
    if (this.preset === 'exact' || v.every((x, i) => x === this.A[i])) return;  // nothing new (a second change on blur)
    this.A = v;
    const match = Object.entries(PRESETS).find(([, p]) => p.A && p.A.every((x, i) => x === v[i]));
    this.preset = match ? match[0] : 'custom';
    if (!match && ![...this.presetSelect.options].some((o) => o.value === 'custom')) this.presetSelect.append(new Option('custom A', 'custom'));
    this.presetSelect.value = this.preset;
    this.linChanged();
  }

  linChanged() {
    try {
      this.linear();
    } catch (e) {
      this.note('learn-field-note', e.message, true);
      return;
    }
    this.drawField();
    this.drawLeaves();
    this.computeLinearFlow();
    this.computeErrors();
  }

  drawField() {
    const p = this.plots.field, exact = this.preset === 'exact';
    const t = Number(this.fieldT.input.value);
    this.fieldT.out.textContent = t.toFixed(2);
    p.extent = exact ? MODEL_EXTENT : LIN_EXTENT;
    p.clear();
    const k = Math.max(9, Math.min(17, Math.round(p.canvas.clientWidth / 26)));
    const { grid, cell } = fieldGrid(p.extent * 0.9, k);
    let u;
    try {
      if (exact) this.exact ??= this.rill.loadModel('exact:8gaussians');
      u = (exact ? this.exact : this.linear()).field(grid, t);
    } catch (e) {
      this.note('learn-field-note', e.message, true);
      return;
    }
    this.fieldRun = { model: exact ? 'exact:8gaussians' : `linear:${this.A.join(',')}`, t, grid: Array.from(grid), u: Array.from(u) };
    p.arrows(grid, u, ARROW_DT, { maxLen: 1.6 * cell });
    p.legend(2 * ARROW_DT, `speed 2 (arrow = motion in Δt = ${ARROW_DT})`);
    const A = `A = [[${this.A[0]}, ${this.A[1]}], [${this.A[2]}, ${this.A[3]}]]`;
    this.note('learn-field-note', exact
      ? `u_t at t = ${t.toFixed(2)} from the core's closed-form field of the 8gaussians mixture: move t and the arrows change. ` +
        `Parts 2 and 4 keep the last linear field, ${A} (greyed above): their exact answers need exp(tA). Part 3 shows this ` +
        'field\'s flow when its Field menu says exact:8gaussians.'
      : `${A}: autonomous, so t does not change the arrows.`);
  }

  // ---- 2. trajectory and ODE ----
  buildLeaves() {
    const body = lesson(this.root, 'learn-leaves', '2. Trajectory and ODE',
      'Drop a leaf on the water at x₀: it follows the field, its velocity at every moment the field where it is. That is an ' +
      'ordinary differential equation, and for a linear field its solution is known exactly: the matrix exponential (computed ' +
      'here in closed form by the core). Click the plot to drop leaves, or use the button.',
      'dX<sub>t</sub>/dt = u(X<sub>t</sub>) = A·X<sub>t</sub>, &nbsp; X<sub>0</sub> = x₀ &nbsp; ⇒ &nbsp; X<sub>t</sub> = exp(tA)·x₀');
    const cv = canvas('learn-leaves-canvas', 'leaves following the field of part 1; click to drop a leaf');
    this.plots.leaves = new Plot(cv, LIN_EXTENT);
    cv.addEventListener('click', (e) => {
      const r = cv.getBoundingClientRect();
      this.addLeaf(this.plots.leaves.toWorld(e.clientX - r.left, e.clientY - r.top));
    });
    const t = slider('learn-leaves-t', 't', 0, LEAF_T_MAX.toFixed(2), 0.01, 0);
    this.leavesT = t;
    t.input.addEventListener('input', () => { this.pauseLeaves(); this.leafT = Number(t.input.value); this.drawLeaves(); });
    const x = el('input', { id: 'learn-leaf-x', type: 'number', step: '0.1', value: '2', inputmode: 'decimal' });
    const y = el('input', { id: 'learn-leaf-y', type: 'number', step: '0.1', value: '0', inputmode: 'decimal' });
    const drop = button('learn-drop', 'Drop a leaf at (x, y)');
    drop.addEventListener('click', () => this.addLeaf([Number(x.value), Number(y.value)]));
    const play = button('learn-leaves-play', '▶ play', 'play the leaves');
    play.addEventListener('click', () => (this.playing ? this.pauseLeaves() : this.playLeaves()));
    this.playButton = play;
    const clear = button('learn-leaves-clear', 'Clear leaves');
    clear.addEventListener('click', () => { this.leaves = []; this.drawLeaves(); });
    body.append(el('div', { class: 'lesson-canvas' }, cv), el('div', { class: 'lesson-controls' },
      el('div', { class: 'row' }, el('label', {}, el('span', { text: 'x₀ (x)' }), x), el('label', {}, el('span', { text: 'x₀ (y)' }), y)),
      el('div', { class: 'buttons' }, drop, play, clear), t.box,
      el('p', { class: 'small-print', id: 'learn-leaves-note', role: 'status', text: 'No leaves yet.' })));
  }

  /** exp(tA)·x₀, the leaf's exact position (exp(tA) from the core). */
  leafAt(x0, t) { return apply(this.rill.matrixExp2x2(this.A, t), x0[0], x0[1]); }

  addLeaf([x, y]) {
    if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 100 || Math.abs(y) > 100) {
      this.note('learn-leaves-note', 'x₀ must be two numbers between −100 and 100.', true);
      return;
    }
    this.leaves.push({ x0: [x, y], hue: HUES[(this.leaves.length * 5) % HUES.length] });
    if (this.leaves.length > 24) this.leaves.shift();
    this.drawLeaves();
  }

  playLeaves() {
    if (this.leafT >= LEAF_T_MAX - 1e-9) this.leafT = 0;
    this.playing = true;
    this.playButton.textContent = '❚❚ pause';
    this.playButton.setAttribute('aria-label', 'pause the leaves');
    let last = performance.now();
    const frame = (now) => {
      if (!this.playing) return;
      this.leafT = Math.min(LEAF_T_MAX, this.leafT + Math.min(0.1, (now - last) / 1000) * 1.2);
      last = now;
      this.drawLeaves();
      if (this.leafT >= LEAF_T_MAX) this.pauseLeaves(); else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  pauseLeaves() {
    this.playing = false;
    this.playButton.textContent = '▶ play';
    this.playButton.setAttribute('aria-label', 'play the leaves');
  }

  drawLeaves() {
    const p = this.plots.leaves, t = this.leafT;
    this.leavesT.input.value = t.toFixed(2);
    this.leavesT.out.textContent = t.toFixed(2);
    p.clear();
    const { grid, cell } = fieldGrid(LIN_EXTENT * 0.9, 11);
    try {
      p.arrows(grid, this.linear().field(grid, 0), ARROW_DT, { maxLen: 1.6 * cell, colour: 'rgba(125,211,252,0.3)', clipped: 'rgba(251,191,36,0.35)' });
    } catch { return; }
    const K = 80, Ms = Array.from({ length: K + 1 }, (_, k) => this.rill.matrixExp2x2(this.A, (t * k) / K));
    const c = p.ctx;
    for (const leaf of this.leaves) {
      c.strokeStyle = leaf.hue;
      c.lineWidth = 1.5;
      c.beginPath();
      Ms.forEach((M, k) => { const [sx, sy] = p.toScreen(...apply(M, ...leaf.x0)); if (k) c.lineTo(sx, sy); else c.moveTo(sx, sy); });
      c.stroke();
      const [x, y] = apply(Ms[K], ...leaf.x0), [sx, sy] = p.toScreen(x, y), [ox, oy] = p.toScreen(...leaf.x0);
      c.fillStyle = 'rgba(255,255,255,0.5)';
      c.fillRect(ox - 2, oy - 2, 4, 4);
      c.fillStyle = leaf.hue;
      c.beginPath(); c.arc(sx, sy, 5, 0, 2 * Math.PI); c.fill();
    }
    const last = this.leaves.at(-1);
    if (last) {
      const [x, y] = this.leafAt(last.x0, t);
      this.note('learn-leaves-note', `${this.leaves.length} ${this.leaves.length > 1 ? 'leaves' : 'leaf'}; the last: x₀ = (${fmt(last.x0[0], 2)}, ${fmt(last.x0[1], 2)}), ` +
        `X_t = exp(${t.toFixed(2)}·A)·x₀ = (${fmt(x, 4)}, ${fmt(y, 4)}).`);
    }
  }

  // ---- 3. flow ----
  buildFlow() {
    const body = lesson(this.root, 'learn-flow', '3. Flow',
      'Drop a leaf everywhere at once: the flow ψ<sub>t</sub> maps every starting point to where it is at time t. Vector fields ' +
      'define ODEs whose solutions are flows. Here a grid of lines is carried along (integrated by the core with the solver shown): ' +
      'lines stay lines for a linear field and bend for a learned one.',
      'ψ<sub>0</sub>(x) = x, &nbsp; d/dt ψ<sub>t</sub>(x) = u<sub>t</sub>(ψ<sub>t</sub>(x)) &nbsp; (for u = A·x: ψ<sub>t</sub> = exp(tA))');
    const cv = canvas('learn-flow-canvas', 'a grid of lines deformed by the flow psi_t');
    this.plots.flow = new Plot(cv, LIN_EXTENT);
    const src = el('select', { id: 'learn-flow-source' }, new Option('the linear field of part 1', 'linear'));
    src.addEventListener('change', () => this.flowSource(src.value));
    this.flowSelect = src;
    const t = slider('learn-flow-t', 't', 0, 1, 0.025, 0);
    this.flowT = t;
    t.input.addEventListener('input', () => this.drawFlow());
    body.append(el('div', { class: 'lesson-canvas' }, cv), el('div', { class: 'lesson-controls' },
      el('label', {}, el('span', { text: 'Field' }), src), t.box,
      el('p', { class: 'small-print', id: 'learn-flow-note', role: 'status' })));
  }

  /** Vertices of FLOW_LINES lines each way over [-e, e]², FLOW_POINTS points per line, carried by the worker. */
  async runFlow(name, e, t1, steps, solver, extent) {
    try {
      const m = await this.work('flow', name, 'flow', { e, t1, steps, solver });
      if (!m) return;
      this.flow = { source: name, vertices: m.vertices, t0: 0, t1, steps, solver, traj: m.traj, extent, ms: m.ms };
      const t = this.flowT;
      t.input.max = String(t1);
      t.input.step = String(t1 / steps);
      this.drawFlow();
    } catch (err) { this.note('learn-flow-note', err.message, true); }
  }

  computeLinearFlow() {
    if (this.flowSelect.value !== 'linear') return;
    this.runFlow(`linear:${this.A.join(',')}`, 2, 2, 40, 'rk4', LIN_EXTENT);
  }

  flowSource(value) {
    if (value === 'linear') this.computeLinearFlow();
    else this.runFlow(value, 2.5, 1, 20, 'heun', MODEL_EXTENT);
  }

  /** The grid at the slider's t: snapshot k of the trajectory (t = k·t1/steps). */
  flowNow() {
    const f = this.flow, n = f.vertices.length;
    const k = Math.max(0, Math.min(f.steps, Math.round((Number(this.flowT.input.value) / f.t1) * f.steps)));
    f.k = k; f.t = (k * f.t1) / f.steps;
    return f.traj.subarray(k * n, (k + 1) * n);
  }

  drawFlow() {
    const f = this.flow, p = this.plots.flow;
    if (!f) return;
    p.extent = f.extent;
    p.clear();
    const pos = this.flowNow(), c = p.ctx, per = FLOW_POINTS;
    const line = (arr, li, colour, width) => {
      c.strokeStyle = colour; c.lineWidth = width; c.beginPath();
      for (let j = 0; j < per; j++) { const [x, y] = p.toScreen(arr[2 * (li * per + j)], arr[2 * (li * per + j) + 1]); if (j) c.lineTo(x, y); else c.moveTo(x, y); }
      c.stroke();
    };
    for (let li = 0; li < 2 * FLOW_LINES; li++) line(f.vertices, li, 'rgba(255,255,255,0.12)', 1);
    for (let li = 0; li < 2 * FLOW_LINES; li++) line(pos, li, li < FLOW_LINES ? '#7dd3fc' : '#f9a8d4', 1.4);
    this.flowT.out.textContent = f.t.toFixed(3);
    this.note('learn-flow-note', `ψ_t of ${f.source} at t = ${f.t.toFixed(3)}: ${pos.length / 2} grid vertices integrated from t = 0 by ` +
      `${SOLVER_NAMES[f.solver]} (${f.steps} steps to t = ${f.t1}; the slider stops at each step). Faint: the grid at t = 0.`);
  }

  // ---- 4. Euler vs Heun ----
  buildEuler() {
    const body = lesson(this.root, 'learn-euler', '4. Euler vs Heun',
      'A computer cannot follow the curve exactly; it takes steps of size h. Euler walks straight along the field where it ' +
      'stands (error ∝ h); Heun averages the field at both ends of the step, the trapezoid rule (error ∝ h²); midpoint (h²) ' +
      'and RK4 (h⁴) are shown too. The leaf starts at x₀ = (1.5, 1) in the field of part 1 and runs from t = 0 to 1.',
      'Euler: x<sub>k+1</sub> = x<sub>k</sub> + h·u(x<sub>k</sub>) &nbsp;&nbsp; Heun: x<sub>k+1</sub> = x<sub>k</sub> + ' +
      '(h/2)·[u(x<sub>k</sub>) + u(x<sub>k</sub> + h·u(x<sub>k</sub>))] &nbsp;&nbsp; h = 1/n');
    const cv = canvas('learn-euler-canvas', 'the exact path (white, dashed) and the polylines of Euler (red), midpoint (amber), Heun (green) and RK4 (violet)');
    const ll = canvas('learn-loglog-canvas', 'log-log plot of the global error against the step size h for four solvers');
    this.plots.euler = new Plot(cv, 2);
    this.loglog = ll;
    const n = slider('learn-euler-n', 'steps n', 1, 32, 1, 4);
    this.eulerN = n;
    n.input.addEventListener('input', () => this.drawEuler());
    const table = el('table', { class: 'learn-table', id: 'learn-euler-table' });
    body.append(el('div', { class: 'lesson-canvas' }, cv), el('div', { class: 'lesson-controls' }, n.box, table,
      el('div', { class: 'lesson-canvas small' }, ll),
      el('p', { class: 'small-print', id: 'learn-euler-note', role: 'status' })));
  }

  /** The sweep (4 solvers × ERROR_NS, and every path for the h slider) in the worker; the slopes here. */
  async computeErrors() {
    const A = this.A.slice();
    try {
      const m = await this.work('errors', `linear:${A.join(',')}`, 'errors', { A, x0: EULER_X0, ns: ERROR_NS, maxN: EULER_MAX_N });
      if (!m) return;
      const { exact, err, paths } = m, floor = 1e-6 * Math.max(1, Math.hypot(...exact)), slopes = {};
      for (const s of Object.keys(SOLVER_NAMES)) slopes[s] = fitSlope(ERROR_NS.map((n) => 1 / n), err[s], floor);
      this.errors = { A, x0: EULER_X0, exact, ns: ERROR_NS, err, slopes, floor, paths, ms: m.ms };
      this.drawEuler();
    } catch (e) { this.note('learn-euler-note', e.message, true); }
  }

  drawEuler() {
    const p = this.plots.euler, n = Number(this.eulerN.input.value);
    this.eulerN.out.textContent = `${n} (h = ${n === 1 ? '1' : `1/${n}`})`;
    if (!this.errors) { p.clear(); return; }
    const K = 100, A = this.errors.A, exactPath = Array.from({ length: K + 1 }, (_, k) => apply(this.rill.matrixExp2x2(A, k / K), ...EULER_X0));
    // The view holds every polyline at this n and the exact path (a coarse Euler step can leave [-2, 2]²).
    let reach = 2;
    for (const s of Object.keys(SOLVER_NAMES)) for (const v of this.errors.paths[s][n]) reach = Math.max(reach, 1.1 * Math.abs(v));
    for (const [x, y] of exactPath) reach = Math.max(reach, 1.1 * Math.abs(x), 1.1 * Math.abs(y));
    p.extent = Math.min(reach, 50);
    p.clear();
    const c = p.ctx;
    const exact = this.errors.exact, rows = [['solver', 'NFE', 'end-point error']], now = {};
    for (const s of Object.keys(SOLVER_NAMES)) {
      const trajectory = this.errors.paths[s][n];
      c.strokeStyle = SOLVER_COLOURS[s]; c.fillStyle = SOLVER_COLOURS[s]; c.lineWidth = 1.5; c.beginPath();
      for (let k = 0; k <= n; k++) { const [x, y] = p.toScreen(trajectory[2 * k], trajectory[2 * k + 1]); if (k) c.lineTo(x, y); else c.moveTo(x, y); }
      c.stroke();
      for (let k = 0; k <= n; k++) { const [x, y] = p.toScreen(trajectory[2 * k], trajectory[2 * k + 1]); c.fillRect(x - 2, y - 2, 4, 4); }
      now[s] = Math.hypot(trajectory[2 * n] - exact[0], trajectory[2 * n + 1] - exact[1]);
      rows.push([SOLVER_NAMES[s], String(n * EVALUATIONS[s]), now[s].toExponential(2)]);
    }
    // The exact path exp(tA)·x₀ last, dashed, so the solvers' lines do not hide it.
    c.strokeStyle = '#ffffff'; c.lineWidth = 2; c.setLineDash([6, 4]); c.beginPath();
    exactPath.forEach(([ex, ey], k) => { const [x, y] = p.toScreen(ex, ey); if (k) c.lineTo(x, y); else c.moveTo(x, y); });
    c.stroke();
    c.setLineDash([]);
    this.errors.now = { n, err: now };
    const table = document.getElementById('learn-euler-table');
    table.replaceChildren(...rows.map((r, i) => el('tr', {}, ...r.map((v, j) => {
      const cell = el(i ? 'td' : 'th', { text: v });
      if (i && !j) cell.style.color = SOLVER_COLOURS[Object.keys(SOLVER_NAMES)[i - 1]];
      return cell;
    }))));
    this.drawLogLog();
  }

  drawLogLog() {
    this.note('learn-euler-note', eulerNote(this.errors, drawErrorChart(this.loglog, this.errors)));
  }

  // ---- 5. flow model ----
  buildModel() {
    const body = lesson(this.root, 'learn-model', '5. Flow model',
      'A flow model is a field u<sup>θ</sup><sub>t</sub> (a small network) trained so that its flow carries N(0, I) at t = 0 to ' +
      'the data at t = 1. For the eight-Gaussian mixture the best field is known in closed form, u*: left the shipped network, ' +
      'right the exact field, from the same noise; the heat map shows where the network is wrong.',
      'X<sub>0</sub> ~ N(0, I), &nbsp; dX<sub>t</sub>/dt = u<sup>θ</sup><sub>t</sub>(X<sub>t</sub>) &nbsp; ⇒ &nbsp; X<sub>1</sub> ~ p<sub>data</sub>; ' +
      '&nbsp; heat: ‖u<sup>θ</sup><sub>t</sub>(x) − u*<sub>t</sub>(x)‖');
    const a = canvas('learn-model-net', 'samples of the shipped 8gaussians network at time t');
    const b = canvas('learn-model-exact', 'samples of the exact 8gaussians field at time t');
    const hm = canvas('learn-model-heat', 'heat map of the distance between the network field and the exact field at time t');
    this.plots.net = new Plot(a, MODEL_EXTENT); this.plots.exactS = new Plot(b, MODEL_EXTENT); this.plots.heat = new Plot(hm, MODEL_EXTENT);
    const t = slider('learn-model-t', 't', 0, 1, 0.05, 1);
    this.modelT = t;
    t.input.addEventListener('input', () => this.drawCompare());
    body.append(el('div', { class: 'triple' },
      el('figure', {}, a, el('figcaption', { text: 'network u^θ (8gaussians.safetensors)' })),
      el('figure', {}, b, el('figcaption', { text: 'exact u* (exact:8gaussians)' })),
      el('figure', {}, hm, el('figcaption', { text: '‖u^θ_t − u*_t‖: dark 0, bright ≥ 2' }))),
    el('div', { class: 'lesson-controls' }, t.box, el('p', { class: 'small-print', id: 'learn-model-note', role: 'status', text: 'computing…' })));
  }

  drawCompare() {
    const cmp = this.compare, t = Number(this.modelT.input.value);
    this.modelT.out.textContent = t.toFixed(2);
    for (const id of ['net', 'exactS', 'heat']) this.plots[id].clear();
    if (!cmp) return;
    const k = Math.round(t * cmp.steps), n = cmp.n;
    this.plots.net.points(cmp.net.subarray(k * 2 * n, (k + 1) * 2 * n), 2, '#f472b6', 2);
    this.plots.exactS.points(cmp.exact.subarray(k * 2 * n, (k + 1) * 2 * n), 2, '#34d399', 2);
    if (cmp.heatMap) this.drawHeat(cmp.heatMap);   // the last map until the worker answers for this t
    this.computeHeat(Math.min(t, 0.999));  // the exact field is singular at t = 1
  }

  /** ‖u^θ_t − u*_t‖ at the cells, from the worker (the newest request wins). */
  async computeHeat(tt) {
    try {
      const m = await this.work('heat', '8gaussians', 'heat', { t: tt, G: HEAT_G, e: MODEL_EXTENT });
      if (!m || !this.compare) return;
      this.compare.heatMap = m;
      this.drawHeat(m);
    } catch (e) { this.note('learn-model-note', e.message, true); }
  }

  drawHeat({ t: tt, G, e, cells, dist }) {
    const cmp = this.compare, p = this.plots.heat, c = p.ctx, px = (2 * e * p.scale) / G;
    p.clear();
    let sum = 0, max = 0;
    for (let q = 0; q < G * G; q++) {
      const d = dist[q];
      sum += d; max = Math.max(max, d);
      const v = Math.min(1, d / 2);
      c.fillStyle = `hsl(${40 - 40 * v} 90% ${8 + 55 * v}%)`;
      const [x, y] = p.toScreen(cells[2 * q], cells[2 * q + 1]);
      c.fillRect(x - px / 2, y - px / 2, px + 0.5, px + 0.5);
    }
    cmp.heat = { t: tt, mean: sum / (G * G), max };
    const t = Number(this.modelT.input.value);
    this.note('learn-model-note', `t = ${t.toFixed(2)}: ${cmp.n} samples of each from the same noise (seed 1, Heun, ${cmp.steps} steps); ` +
      `‖u^θ − u*‖ over [−5, 5]² at t = ${tt.toFixed(3)}: mean ${cmp.heat.mean.toFixed(3)}, max ${cmp.heat.max.toFixed(2)}.`);
  }

  // ---- 6. backwards ----
  buildBack() {
    const body = lesson(this.root, 'learn-back', '6. Backwards',
      'Run the same ODE with time reversed, from t = 1 to 0, and data turns back into noise: the flow is invertible. Forward ' +
      'again from that noise, the points come back to where they started (up to the solver\'s error).',
      'X<sub>0</sub> = ψ<sub>1</sub><sup>−1</sup>(X<sub>1</sub>): &nbsp; integrate dX<sub>t</sub>/dt = u<sub>t</sub>(X<sub>t</sub>) from t = 1 down to t = 0');
    const cv = canvas('learn-back-canvas', 'data points integrated backwards to noise');
    this.plots.back = new Plot(cv, MODEL_EXTENT);
    const t = slider('learn-back-t', 't', 0, 1, 0.05, 1);
    this.backT = t;
    t.input.addEventListener('input', () => this.drawBack());
    const src = el('select', { id: 'learn-back-source' });
    src.addEventListener('change', () => this.computeBack(src.value));
    this.backSelect = src;
    body.append(el('div', { class: 'lesson-canvas' }, cv), el('div', { class: 'lesson-controls' },
      el('label', {}, el('span', { text: 'Model' }), src), t.box,
      el('p', { class: 'small-print', id: 'learn-back-note', role: 'status', text: 'computing…' })));
  }

  /** n points of the dataset back to noise and forward again, in the worker. */
  async computeBack(name) {
    try {
      const n = 500, steps = 20, m = await this.work('back', name, 'back', { name, n, steps });
      if (!m) return;
      this.back = { model: name, n, steps, solver: 'rk4', data: Array.from(m.data), noise: Array.from(m.noise), traj: m.traj,
        roundTrip: m.roundTrip, noiseMean: m.noiseMean, noiseVar: m.noiseVar, ms: m.ms };
      this.drawBack();
    } catch (e) { this.note('learn-back-note', e.message, true); }
  }

  drawBack() {
    const b = this.back, p = this.plots.back, t = Number(this.backT.input.value);
    this.backT.out.textContent = t.toFixed(2);
    p.clear();
    if (!b) return;
    // The trajectory runs from t = 1 (snapshot 0) down to t = 0 (snapshot steps).
    const k = Math.round((1 - t) * b.steps), n = b.n;
    p.points(Float32Array.from(b.data), 2, THEME.target, 2);
    p.points(b.traj.subarray(k * 2 * n, (k + 1) * 2 * n), 2, '#fbbf24', 2.5);
    this.note('learn-back-note', `${n} points of ${b.model} (grey) at t = ${t.toFixed(2)} on their way back (RK4, ${b.steps} steps). ` +
      `At t = 0: mean (${b.noiseMean[0].toFixed(2)}, ${b.noiseMean[1].toFixed(2)}), variance ${b.noiseVar.toFixed(2)} per coordinate ` +
      `(N(0, I): 0 and 1). Forward again: every point returns within ${b.roundTrip.toExponential(1)}.`);
  }

  async computeModelParts() {
    const names = await loadModelIndex();
    // Parts 3 and 6 carry 2-D points from N(0, I) and back: the plain model of each built-in dataset
    // (models made with a condition, a source, a step input or more dimensions belong to the demo).
    const plain = LISTED_DATASETS.filter((nm) => names.includes(nm));
    for (const name of plain) this.flowSelect.append(new Option(`learned: ${name}`, name));
    this.flowSelect.append(new Option('exact: exact:8gaussians (part 1\'s time-dependent field)', 'exact:8gaussians'));
    const back = plain.filter((nm) => nm !== 'gaussian');
    for (const name of back) this.backSelect.append(new Option(name, name));
    if (back.length) {
      this.backSelect.value = back.includes('moons') ? 'moons' : back[0];
      await this.computeBack(this.backSelect.value);
    } else this.note('learn-back-note', 'This build has no shipped models (make models).', true);
    if (!names.includes('8gaussians')) { this.note('learn-model-note', 'This build has no shipped 8gaussians model (make models).', true); return; }
    try {
      const n = 600, steps = 20, m = await this.work('compare', '8gaussians', 'compare', { n, steps });
      if (!m) return;
      this.compare = { n, steps, net: m.net, exact: m.exact, ms: m.ms };
      this.drawCompare();
    } catch (e) { this.note('learn-model-note', e.message, true); }
  }
}
