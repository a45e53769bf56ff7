// learn_kit.mjs — the Learn view's constants and small building blocks (DOM helpers, formatting,
// the global-error slope fit and its log–log chart), kept apart from learn.mjs's lessons so each file reads in one sitting.

import { Plot, THEME } from './plot.mjs';

export const SOLVER_NAMES = { euler: 'Euler', midpoint: 'midpoint', heun: 'Heun', rk4: 'RK4' };
export const SOLVER_COLOURS = { euler: '#f87171', midpoint: '#fbbf24', heun: '#34d399', rk4: '#a78bfa' };
export const PRESETS = {
  rotation: { label: 'rotation', A: [0, -1, 1, 0] },
  spiral: { label: 'spiral sink', A: [-0.5, -1, 1, -0.5] },
  saddle: { label: 'saddle', A: [1, 0, 0, -1] },
  shear: { label: 'shear', A: [0, 1, 0, 0] },
  exact: { label: 'time-dependent: exact:8gaussians', A: null },
};
export const LIN_EXTENT = 3;         // the linear lessons show [-3, 3]²
export const MODEL_EXTENT = 5;       // the flow-model lessons show [-5, 5]²
export const ARROW_DT = 0.25;        // arrows: the motion over Δt = 0.25 (one fixed scale)
export const LEAF_T_MAX = 2 * Math.PI;
export const FLOW_LINES = 9, FLOW_POINTS = 24;   // grid lines each way, points per line
export const ERROR_NS = [1, 2, 4, 8, 16, 32, 64];
export const EULER_X0 = [1.5, 1];

export const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'html') e.innerHTML = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k) e.append(k);
  return e;
};
export const fmt = (v, d = 3) => (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(1) : v.toFixed(d));
export const apply = (M, x, y) => [M[0] * x + M[1] * y, M[2] * x + M[3] * y];

/** Least-squares slope of log(err) against log(h) over the points above the float floor. */
export function fitSlope(hs, errs, floor) {
  const pts = hs.map((h, i) => [Math.log(h), Math.log(errs[i])]).filter((p, i) => errs[i] > floor && hs[i] < 1);
  if (pts.length < 2) return null;
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length, my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  let sxy = 0, sxx = 0;
  for (const [x, y] of pts) { sxy += (x - mx) * (y - my); sxx += (x - mx) ** 2; }
  return sxy / sxx;
}

/** A lesson: heading, two or three sentences, the formula, a canvas row and its controls. */
export function lesson(root, id, title, text, formula) {
  const body = el('div', { class: 'lesson-body' });
  const sec = el('section', { class: 'lesson card', id, 'aria-labelledby': `${id}-h` },
    el('h2', { id: `${id}-h`, text: title }), el('p', { html: text }), el('p', { class: 'formula', html: formula }), body);
  root.append(sec);
  return body;
}
export function canvas(id, label) { return el('canvas', { id, role: 'img', 'aria-label': label, class: 'learn-canvas' }); }
export function slider(id, label, min, max, step, value) {
  const input = el('input', { id, type: 'range', min, max, step, value });
  const out = el('output', { for: id });
  return { input, out, box: el('label', { class: 'learn-range' }, el('span', { text: label }), input, out) };
}
export function button(id, text, label) { return el('button', { id, type: 'button', ...(label ? { 'aria-label': label } : {}), text }); }

/** The heat map's G × G cell centres over [-e, e]² as (x, y) pairs, column by column. */
export function heatCells(G, e) {
  const cells = new Float32Array(2 * G * G);
  for (let i = 0; i < G; i++) for (let j = 0; j < G; j++) { cells[2 * (i * G + j)] = -e + (2 * e * (i + 0.5)) / G; cells[2 * (i * G + j) + 1] = -e + (2 * e * (j + 0.5)) / G; }
  return cells;
}

/**
 * The main thread's side of learn_worker.mjs: run(key, load, type, msg) resolves to the worker's
 * answer to request `type`, after sending `load` ({ source } or { bytes }) when the worker's model
 * is not already `key`. Requests are answered in the order they are made.
 */
export class LearnJobs {
  constructor(module) {
    Object.assign(this, { loaded: null, id: 0, waiting: new Map(), broken: null });
    this.worker = new Worker(new URL('./learn_worker.mjs', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e) => this.message(e.data);
    this.worker.onerror = (e) => { e.preventDefault(); this.fail(`the Learn view's worker failed: ${e.message || 'cannot start'}`); };
    this.worker.postMessage({ type: 'init', module });
  }

  run(key, load, type, msg = {}) {
    if (this.broken) return Promise.reject(new Error(this.broken));
    if (this.loaded !== key) { this.worker.postMessage({ type: 'load', ...load }); this.loaded = key; }
    const id = ++this.id;
    return new Promise((resolve, reject) => { this.waiting.set(id, { resolve, reject }); this.worker.postMessage({ type, id, ...msg }); });
  }

  fail(message) {
    this.broken = message;
    for (const w of this.waiting.values()) w.reject(new Error(message));
    this.waiting.clear();
  }

  message(m) {
    if (m.type === 'error' && m.id === null) {   // a load failed (the requests after it say so), or the module
      this.loaded = null;
      this.loadError = m.message;
      if (m.message.startsWith('cannot load rill.wasm')) this.fail(m.message);
      return;
    }
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (m.type !== 'error') w.resolve(m);
    else w.reject(new Error(m.message === 'no model loaded' && this.loadError ? this.loadError : m.message));
  }
}

/**
 * The log–log chart of lesson 4 on canvas `cv`: each solver's global error at t = 1 against the step
 * h (e: { err: {solver: [error per ERROR_NS]}, floor, slopes }); points under floor/10 (float
 * rounding) left out. Returns the fitted slopes as text ("Euler 1.06, …").
 */
export function drawErrorChart(cv, e) {
const pl = new Plot(cv, 1), c = pl.begin();
  const w = cv.clientWidth, h = cv.clientHeight, L = 44, R = 8, T = 8, B = 30;
  c.fillStyle = THEME.background; c.fillRect(0, 0, w, h);
  const all = Object.values(e.err).flat().filter((v) => v > e.floor / 10);
  const yMin = Math.floor(Math.log10(Math.min(...all, e.floor))), yMax = Math.ceil(Math.log10(Math.max(...all, 1e-3)));
  const xMin = Math.log10(1 / ERROR_NS.at(-1)), xMax = 0;
  const X = (lh) => L + ((lh - xMin) / (xMax - xMin)) * (w - L - R), Y = (le) => T + ((yMax - le) / (yMax - yMin)) * (h - T - B);
  c.font = '11px system-ui, sans-serif'; c.fillStyle = THEME.label; c.strokeStyle = THEME.grid; c.lineWidth = 1;
  for (let k = yMin; k <= yMax; k++) { c.beginPath(); c.moveTo(L, Y(k)); c.lineTo(w - R, Y(k)); c.stroke(); c.fillText(`1e${k}`, 4, Y(k) + 4); }
  for (const n of ERROR_NS) { const x = X(Math.log10(1 / n)); c.fillText(n === 1 ? '1' : `1/${n}`, x - 8, h - 14); }
  c.fillText('h', w - R - 10, h - 2);
  const text = [];
  for (const s of Object.keys(SOLVER_NAMES)) {
    c.strokeStyle = SOLVER_COLOURS[s]; c.fillStyle = SOLVER_COLOURS[s]; c.lineWidth = 1.5; c.beginPath();
    let started = false;
    e.err[s].forEach((v, i) => {
      if (!(v > e.floor / 10)) return;
      const x = X(Math.log10(1 / ERROR_NS[i])), y = Y(Math.log10(v));
      if (started) c.lineTo(x, y); else c.moveTo(x, y);
      started = true;
      c.fillRect(x - 2, y - 2, 4, 4);
    });
    c.stroke();
    text.push(`${SOLVER_NAMES[s]} ${e.slopes[s] === null ? '— (exact up to float rounding)' : e.slopes[s].toFixed(2)}`);
  }
  return text.join(', ');
}

/**
 * Lesson 4's note under the chart for e (as drawErrorChart) and its fitted slopes' text: what is plotted,
 * why midpoint hides under Heun, and why the chart is empty when every solver is exact (A² = 0: the shear).
 */
export function eulerNote(e, slopes) {
  const [a, b, c, d] = e.A;
  const nilpotent = a * a + b * c === 0 && a * b + b * d === 0 && c * a + d * c === 0 && c * b + d * d === 0;
  const exactAll = Object.values(e.err).flat().every((v) => !(v > e.floor));
  const why = !exactAll ? '' : nilpotent
    ? ' Every solver lands on exp(A)·x₀ here: this A has A² = 0, so exp(tA) = I + tA and the leaf moves in a straight line at ' +
      'constant speed, which one Euler step already follows exactly (so the chart has no points). Pick another preset to see the errors.'
    : ' Every solver lands on exp(A)·x₀ to float rounding here, so the chart has no points.';
  return `Global error at t = 1 against h (log–log); fitted slopes: ${slopes} ` +
    `(expected 1, 2, 2, 4; points below ${e.floor.toExponential(0)}, float rounding, are left out). ` +
    'Errors: model.integrate on the linear model against exp(A)·x₀. For a linear field midpoint and Heun take the same step, ' +
    `x + hAx + (h²/2)A²x, so the amber line lies under the green.${why}`;
}
