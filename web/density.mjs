// density.mjs — the page's density view: a heat map of log p_t (the density of the model's flow at
// the slider's t, in nats, exact divergence) on a grid computed in its own worker
// (density_worker.mjs), a colour legend in nats, and the read-out of log p at one point.
//
// The grid's size adapts to the cost: log p at a point costs about 3 field evaluations per solver
// evaluation (the field and its 2-D divergence, two Jacobian-vector products), so k × k points ×
// steps × EVALUATIONS[solver] × 3 is kept near GRID_BUDGET; a coarse grid comes first when the fine
// one is bigger. Requests are debounced; one runs at a time and the newest waiting one follows it.

import { EVALUATIONS } from './rill.mjs';

const GRID_BUDGET = 200000;  // field evaluations per heat map (≈ 0.6 s in the page's worker for moons)
const MIN_K = 12, MAX_K = 64, COARSE_K = 20;
const DEBOUNCE_MS = 120;
const RESTART_MS = 1500;     // a request waiting behind one older than this replaces it
export const SPAN_NATS = 12;    // the colour scale covers [top − SPAN_NATS, top]
export const NO_DENSITY = '#9ca3af';
// A perceptual ramp (viridis' stops), dark = low log p.
const RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

/** The grid side for a solver and step count: k² · steps · evaluations · 3 ≈ GRID_BUDGET. */
export function gridSide(steps, solver) {
  const k = Math.round(Math.sqrt(GRID_BUDGET / (3 * steps * EVALUATIONS[solver])));
  return Math.max(MIN_K, Math.min(MAX_K, k));
}

/** [r, g, b] of a fraction 0..1 of the colour scale. */
export function rampColour(f) {
  const x = Math.max(0, Math.min(1, f)) * (RAMP.length - 1), i = Math.min(RAMP.length - 2, Math.floor(x)), a = x - i;
  return RAMP[i].map((c, m) => Math.round(c + a * (RAMP[i + 1][m] - c)));
}

/** "−1.82" with a true minus sign. */
export const nats = (v, digits = 2) => v.toFixed(digits).replace('-', '−');

export class DensityView {
  /** module: the compiled rill.wasm; onChange(): a grid arrived or the status changed (redraw). */
  constructor(module, onChange, onError) {
    this.module = module;
    this.onChange = onChange;
    this.onError = onError;
    this.source = null;
    this.grid = null;        // { k, ext, logp, bad, lo, hi, t, steps, solver, ms, coarse }
    this.shownKey = '';
    this.inflight = null;    // { key, req, coarseId, fineId, since }
    this.next = null;
    this.timer = 0;
    this.id = 0;
    this.spawn();
  }

  spawn() {
    this.worker = new Worker(new URL('./density_worker.mjs', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e) => this.message(e.data);
    this.worker.onerror = (e) => { e.preventDefault(); this.inflight = null; this.onError(`the density worker failed: ${e.message || 'cannot start'}`); };
    this.worker.postMessage({ type: 'init', module: this.module });
    if (this.source) this.worker.postMessage({ type: 'load', source: this.source });
  }

  restart() { this.worker.terminate(); this.inflight = null; this.spawn(); }

  /** A new model (bytes of a file, or a formula name): the old heat map is dropped. */
  load(source) {
    this.source = source;
    this.grid = null;
    this.shownKey = '';
    if (this.inflight) this.restart(); else this.worker.postMessage({ type: 'load', source });
  }

  get computing() { return !!(this.inflight || this.next); }

  /** Asks for the heat map of { t, steps, solver, ext } (debounced; nothing if it is shown or under way). */
  want(req) {
    const key = `${req.t}|${req.steps}|${req.solver}|${req.ext}`;
    if (key === this.shownKey && !this.next) return;
    if (key === this.inflight?.key) { this.next = null; return; }
    if (key === this.next?.key) return;
    const was = this.computing;
    this.next = { key, req };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), DEBOUNCE_MS);
    if (!was) this.onChange();  // "computing…"
  }

  kick() {
    if (!this.next) return;
    if (this.inflight) {
      if (performance.now() - this.inflight.since < RESTART_MS) return;  // it ends soon; the next follows
      this.restart();
    }
    const { key, req } = this.next;
    this.next = null;
    const k = gridSide(req.steps, req.solver);
    const job = { key, req, since: performance.now(), coarseId: 0, fineId: 0 };
    const send = (side) => {
      const id = ++this.id;
      this.worker.postMessage({ type: 'grid', id, k: side, ext: req.ext, t: req.t, steps: req.steps, solver: req.solver });
      return id;
    };
    if (k > COARSE_K && !this.grid) job.coarseId = send(COARSE_K);
    job.fineId = send(k);
    this.inflight = job;
  }

  message(m) {
    const job = this.inflight;
    if (m.type === 'error') {
      if (!job || (m.id !== null && m.id !== job.fineId && m.id !== job.coarseId)) return;
      this.inflight = null;
      this.shownKey = job.key;  // not again for the same settings
      this.onError(`density: ${m.message}`);
      this.kick();
      this.onChange();
      return;
    }
    if (m.type !== 'grid' || !job || (m.id !== job.fineId && m.id !== job.coarseId)) return;
    let hi = -Infinity;
    for (const v of m.logp) if (v > hi) hi = v;
    hi = Number.isFinite(hi) ? Math.ceil(hi) : 0;
    this.grid = { ...m, ...job.req, hi, lo: hi - SPAN_NATS, coarse: m.id === job.coarseId };
    if (m.id === job.fineId) {
      this.inflight = null;
      this.shownKey = job.key;
      this.kick();
    }
    this.onChange();
  }

  /** The heat map under everything else on `plot` (a Plot), and its legend in the top-left corner. */
  draw(plot) {
    const g = this.grid, c = plot.ctx;
    if (g) {
      const img = new ImageData(g.k, g.k), span = g.hi - g.lo;
      const grey = [parseInt(NO_DENSITY.slice(1, 3), 16), parseInt(NO_DENSITY.slice(3, 5), 16), parseInt(NO_DENSITY.slice(5, 7), 16)];
      for (let p = 0; p < g.k * g.k; p++) {
        const v = g.logp[p], rgb = Number.isNaN(v) ? grey : rampColour((v - g.lo) / span);
        img.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * p);
      }
      const off = new OffscreenCanvas(g.k, g.k);
      off.getContext('2d').putImageData(img, 0, 0);
      const [x0, y0] = plot.toScreen(-g.ext, g.ext), side = 2 * g.ext * plot.scale;
      c.save();
      c.imageSmoothingEnabled = true;
      c.globalAlpha = 0.72;  // dimmer than the particles drawn over it
      c.drawImage(off, x0, y0, side, side);
      c.restore();
    }
    this.legend(c);
  }

  legend(c) {
    const g = this.grid, w = 150, x = 8, y = 8;
    c.save();
    c.font = '12px system-ui, sans-serif';
    c.fillStyle = 'rgba(15,21,34,0.85)';
    c.fillRect(x - 2, y - 2, w + 20, g?.bad ? 62 : 46);
    c.fillStyle = 'rgba(226,232,240,0.92)';
    const status = this.computing ? '  computing…' : '';
    c.fillText(g ? `log p at t = ${g.t.toFixed(2)}, nats${status}` : `log p: computing…`, x + 4, y + 12);
    if (g) {
      for (let i = 0; i < w; i++) {
        const [r, gg, b] = rampColour(i / (w - 1));
        c.fillStyle = `rgb(${r},${gg},${b})`;
        c.fillRect(x + 4 + i, y + 18, 1, 8);
      }
      c.fillStyle = 'rgba(226,232,240,0.92)';
      c.fillText(`≤ ${nats(g.lo, 0)}`, x + 4, y + 40);
      const top = nats(g.hi, 0);
      c.fillText(top, x + 4 + w - c.measureText(top).width, y + 40);
      if (g.bad) {
        c.fillStyle = NO_DENSITY;
        c.fillRect(x + 4, y + 47, 10, 8);
        c.fillStyle = 'rgba(226,232,240,0.92)';
        c.fillText(`no density (${g.bad} points)`, x + 20, y + 55);
      }
    }
    c.restore();
  }
}

/**
 * The read-out of log p_t at world (x, y), computed here with the page's own model (one point: a
 * few milliseconds at most): "log p = −1.82 nats at (4.00, 0.00)", or "no density" when the core
 * reports the way back as not finite.
 */
export function readOut(model, x, y, { t, steps, solver }) {
  const at = `at (${nats(x)}, ${nats(y)})`;
  try {
    const v = model.logProb([x, y], { t, steps, solver })[0];
    return { value: v, text: `log p = ${nats(v)} nats ${at}` };
  } catch (e) {
    if (e.status === 'non_finite') return { value: NaN, text: `no density ${at} (the way back is not finite)` };
    throw e;
  }
}

/**
 * The hover read-out: log p at the cursor over the plot, or, without a cursor, at the probe — the
 * centre of the view at first, moved with the arrow keys while the canvas has the focus (Shift:
 * steps of 1 instead of 0.1), shown as a cross-hair. `settings()` gives { t, steps, solver };
 * `model()` the page's model; `redraw()` draws the page again.
 */
export class ReadOut {
  constructor({ canvas, box, plot, model, settings, active, redraw }) {
    Object.assign(this, { canvas, box, plot, model, settings, active, redraw });
    this.probe = [0, 0];
    this.cursor = null;      // world (x, y) under the mouse, or null
    this.key = '';
    this.last = null;        // { value, text, x, y } of the last read-out
    this.frame = 0;
    const follow = (e) => {
      if (!this.active()) return;
      const hadProbe = !this.cursor && document.activeElement === this.canvas;  // its cross-hair is on the canvas
      this.cursor = this.plot.toWorld(e.offsetX, e.offsetY);
      if (hadProbe) this.redraw(); else this.schedule();
    };
    canvas.addEventListener('pointermove', follow);
    canvas.addEventListener('pointerdown', follow);  // a tap reads the point it touched
    canvas.addEventListener('pointerleave', (e) => {
      // A finger or pen leaves when it lifts: the read-out stays where it touched last (the probe moves
      // there). A mouse leaving the plot hands the read-out back to the probe.
      if (e.pointerType !== 'mouse' && this.cursor) {
        const lim = this.plot.extent;
        this.probe = this.cursor.map((v) => Math.max(-lim, Math.min(lim, v)));
      }
      this.cursor = null;
      if (document.activeElement === this.canvas) this.redraw(); else this.schedule();
    });
    canvas.addEventListener('focus', () => this.redraw());
    canvas.addEventListener('blur', () => this.redraw());
    canvas.addEventListener('keydown', (e) => {
      const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[e.key];
      if (!d || !this.active()) return;
      e.preventDefault();
      const h = e.shiftKey ? 1 : 0.1, lim = this.plot.extent;
      this.probe = this.probe.map((v, i) => Math.max(-lim, Math.min(lim, Math.round((v + h * d[i]) * 100) / 100)));
      this.cursor = null;
      this.redraw();
    });
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.update(); });
  }

  /** Recomputes the read-out when the point or the settings changed (cheap to call every frame). */
  update() {
    const on = this.active() && this.model();
    this.box.hidden = !on;
    if (!on) { this.key = ''; return; }
    const [x, y] = this.cursor ?? this.probe, s = this.settings();
    const key = `${x}|${y}|${s.t}|${s.steps}|${s.solver}|${this.model().ptr}`;
    if (key !== this.key) {
      this.key = key;
      try {
        this.last = { ...readOut(this.model(), x, y, s), x, y };
      } catch (e) {
        this.last = { value: NaN, text: `log p: ${e.message}`, x, y };
      }
      this.box.textContent = this.last.text;
    }
    // Beside the point, inside the plot.
    const [px, py] = this.plot.toScreen(x, y), wrap = this.box.parentElement;
    const bw = this.box.offsetWidth, bh = this.box.offsetHeight;
    const left = px + 14 + bw > wrap.clientWidth ? px - 14 - bw : px + 14;
    const top = Math.max(4, Math.min(wrap.clientHeight - bh - 4, py - bh - 10));
    this.box.style.left = `${Math.max(4, left)}px`;
    this.box.style.top = `${top}px`;
  }

  /** The probe's cross-hair while the canvas has the keyboard focus. */
  drawProbe() {
    if (this.active() && document.activeElement === this.canvas && !this.cursor) this.plot.cursor(...this.probe);
  }
}
