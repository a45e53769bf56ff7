// plot.mjs — canvas drawing for the demo: a square 2-D view of the plane
// (points, arrows, paths, a grid) and a small line chart for the loss.
//
// Canvases are sized in CSS pixels by the page's layout; the backing store is
// scaled by devicePixelRatio so lines and points stay sharp on any screen.
// World coordinates: x to the right, y up; the view is the square
// [-extent, extent]² centred in the canvas.

export const THEME = {
  background: '#0f1522',
  grid: 'rgba(255,255,255,0.06)',
  axis: 'rgba(255,255,255,0.16)',
  label: 'rgba(255,255,255,0.45)',
  target: 'rgba(203,213,225,0.62)',   // the data behind the samples: visible even on the checkerboard
  arrow: 'rgba(125,211,252,0.7)',
  arrowClipped: 'rgba(251,191,36,0.85)', // arrows cut to the maximum length
  legend: 'rgba(226,232,240,0.9)',
  path: 'rgba(255,255,255,0.24)',
};

// Twelve hues around the colour wheel: particles are coloured by the angle of
// their starting noise, so one can follow where each region of the noise goes.
export const HUES = Array.from({ length: 12 }, (_, k) => `hsl(${(k * 30 + 200) % 360} 85% 66%)`);

/** Sizes a canvas's backing store to its CSS box × devicePixelRatio. Returns true when it changed. */
export function fitCanvas(canvas) {
  const dpr = globalThis.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width === w && canvas.height === h) return false;
  canvas.width = w;
  canvas.height = h;
  return true;
}

export class Plot {
  constructor(canvas, extent = 5) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.extent = extent;
  }

  /** Pixels per world unit, and the centre, in CSS pixels. */
  get scale() { return Math.min(this.canvas.clientWidth, this.canvas.clientHeight) / (2 * this.extent); }

  /** World (x, y) → CSS pixel coordinates inside the canvas. */
  toScreen(x, y) {
    const s = this.scale;
    return [this.canvas.clientWidth / 2 + x * s, this.canvas.clientHeight / 2 - y * s];
  }

  /** CSS pixel coordinates → world (x, y). */
  toWorld(px, py) {
    const s = this.scale;
    return [(px - this.canvas.clientWidth / 2) / s, (this.canvas.clientHeight / 2 - py) / s];
  }

  /** Fits the backing store and sets the transform so drawing uses CSS pixels. */
  begin() {
    fitCanvas(this.canvas);
    const dpr = this.canvas.width / Math.max(1, this.canvas.clientWidth);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return this.ctx;
  }

  /** Background, a unit grid and the axes. */
  clear({ grid = true } = {}) {
    const c = this.begin(), w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    c.fillStyle = THEME.background;
    c.fillRect(0, 0, w, h);
    if (!grid) return;
    const e = Math.ceil(this.extent + 1);
    c.lineWidth = 1;
    c.strokeStyle = THEME.grid;
    c.beginPath();
    for (let k = -e; k <= e; k++) {
      const [gx] = this.toScreen(k, 0), [, gy] = this.toScreen(0, k);
      c.moveTo(Math.round(gx) + 0.5, 0); c.lineTo(Math.round(gx) + 0.5, h);
      c.moveTo(0, Math.round(gy) + 0.5); c.lineTo(w, Math.round(gy) + 0.5);
    }
    c.stroke();
    c.strokeStyle = THEME.axis;
    c.beginPath();
    const [ox, oy] = this.toScreen(0, 0);
    c.moveTo(Math.round(ox) + 0.5, 0); c.lineTo(Math.round(ox) + 0.5, h);
    c.moveTo(0, Math.round(oy) + 0.5); c.lineTo(w, Math.round(oy) + 0.5);
    c.stroke();
    c.fillStyle = THEME.label;
    c.font = '11px system-ui, sans-serif';
    for (const k of [-4, -2, 2, 4]) {
      if (Math.abs(k) > this.extent) continue;
      const [tx] = this.toScreen(k, 0), [, ty] = this.toScreen(0, k);
      c.fillText(String(k), tx + 3, oy - 4);
      c.fillText(String(k), ox + 4, ty - 3);
    }
  }

  /**
   * Squares of `size` CSS px at points xy (stride `dim`, first two coordinates).
   * colour: a CSS colour, or { buckets: [[indices], ...], colours: [...] }.
   */
  points(xy, dim, colour, size = 2) {
    const c = this.ctx, s = this.scale, cx = this.canvas.clientWidth / 2, cy = this.canvas.clientHeight / 2;
    const half = size / 2;
    const draw = (i) => {
      const x = xy[i * dim], y = xy[i * dim + 1];
      c.fillRect(cx + x * s - half, cy - y * s - half, size, size);
    };
    if (typeof colour === 'string') {
      c.fillStyle = colour;
      const n = Math.floor(xy.length / dim);
      for (let i = 0; i < n; i++) draw(i);
    } else {
      colour.buckets.forEach((idx, b) => {
        c.fillStyle = colour.colours[b];
        for (const i of idx) draw(i);
      });
    }
  }

  /**
   * Arrows from grid points (pairs) along vectors u (pairs), `len` world units per unit of u (a
   * fixed scale: the caller keeps it across frames and models). Arrows longer than `maxLen`
   * world units are cut to it and drawn in `clipped` so a cut arrow does not pass for a short one.
   */
  arrows(grid, u, len, { maxLen = Infinity, colour = THEME.arrow, clipped = THEME.arrowClipped } = {}) {
    const c = this.ctx, s = this.scale;
    this.arrowScale = len;  // for the browser test: the scale of the last arrows drawn
    c.lineWidth = 1;
    for (const pass of [false, true]) {
      c.strokeStyle = pass ? clipped : colour;
      c.beginPath();
      for (let i = 0; i < grid.length; i += 2) {
        const wl = Math.hypot(u[i], u[i + 1]) * len, cut = wl > maxLen;
        if (cut !== pass) continue;
        const k = cut ? maxLen / wl : 1;
        const [x0, y0] = this.toScreen(grid[i], grid[i + 1]);
        this.arrowPath(x0, y0, x0 + u[i] * len * k * s, y0 - u[i + 1] * len * k * s);
      }
      c.stroke();
    }
  }

  arrowPath(x0, y0, x1, y1) {
    const c = this.ctx, dx = x1 - x0, dy = y1 - y0, l = Math.hypot(dx, dy);
    if (!(l > 0.5)) return;
    c.moveTo(x0, y0);
    c.lineTo(x1, y1);
    const head = Math.min(5, l * 0.4), ux = dx / l, uy = dy / l;
    c.moveTo(x1, y1);
    c.lineTo(x1 - head * (ux + 0.5 * uy), y1 - head * (uy - 0.5 * ux));
    c.moveTo(x1, y1);
    c.lineTo(x1 - head * (ux - 0.5 * uy), y1 - head * (uy + 0.5 * ux));
  }

  /** A legend box in the bottom-left corner: an arrow of `worldLen` world units and its caption. */
  legend(worldLen, text) {
    const c = this.ctx, px = worldLen * this.scale, h = this.canvas.clientHeight;
    c.font = '12px system-ui, sans-serif';
    const w = px + c.measureText(text).width + 30;
    c.fillStyle = 'rgba(15,21,34,0.85)';
    c.fillRect(6, h - 30, w, 24);
    c.strokeStyle = THEME.legend;
    c.lineWidth = 1.5;
    c.beginPath();
    this.arrowPath(14, h - 18, 14 + px, h - 18);
    c.stroke();
    c.lineWidth = 1;
    c.fillStyle = THEME.legend;
    c.fillText(text, 22 + px, h - 14);
  }

  /** Polylines (arrays of world x, y pairs), each with its opacity in [0, 1]. */
  lines(polylines, alphas, rgb = '125,211,252') {
    const c = this.ctx;
    c.lineWidth = 1.2;
    polylines.forEach((line, k) => {
      if (line.length < 4) return;
      c.strokeStyle = `rgba(${rgb},${alphas[k].toFixed(3)})`;
      c.beginPath();
      for (let i = 0; i < line.length; i += 2) {
        const [x, y] = this.toScreen(line[i], line[i + 1]);
        if (i === 0) c.moveTo(x, y); else c.lineTo(x, y);
      }
      c.stroke();
    });
  }

  /** A cross-hair at world (x, y) (the keyboard painting cursor). */
  cursor(x, y) {
    const c = this.ctx, [px, py] = this.toScreen(x, y);
    c.strokeStyle = '#ffffff';
    c.lineWidth = 1.5;
    c.beginPath();
    c.moveTo(px - 8, py); c.lineTo(px + 8, py);
    c.moveTo(px, py - 8); c.lineTo(px, py + 8);
    c.stroke();
    c.lineWidth = 1;
  }

  /** Paths of particles `ids` through snapshots 0..upto (fractional) of a (steps+1)×n×dim trajectory. */
  paths(traj, n, dim, steps, ids, upto, colour = THEME.path) {
    const c = this.ctx, last = Math.floor(upto), frac = upto - last;
    c.strokeStyle = colour;
    c.lineWidth = 1;
    c.beginPath();
    for (const i of ids) {
      for (let s = 0; s <= last; s++) {
        const o = (s * n + i) * dim;
        const [px, py] = this.toScreen(traj[o], traj[o + 1]);
        if (s === 0) c.moveTo(px, py); else c.lineTo(px, py);
      }
      if (frac > 0 && last < steps) {
        const a = (last * n + i) * dim, b = ((last + 1) * n + i) * dim;
        const [px, py] = this.toScreen(traj[a] + frac * (traj[b] - traj[a]), traj[a + 1] + frac * (traj[b + 1] - traj[a + 1]));
        c.lineTo(px, py);
      }
    }
    c.stroke();
  }
}

/** A minimal line chart of a growing series (the training loss), with a smoothed line over the raw one. */
export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.values = [];
  }

  reset() { this.values = []; this.draw(); }
  push(losses) { for (const v of losses) this.values.push(v); }

  draw() {
    const cv = this.canvas;
    fitCanvas(cv);
    const c = cv.getContext('2d'), dpr = cv.width / Math.max(1, cv.clientWidth);
    const w = cv.clientWidth, h = cv.clientHeight, pad = { l: 36, r: 8, t: 8, b: 18 };
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.clearRect(0, 0, w, h);
    c.font = '10px system-ui, sans-serif';
    c.fillStyle = '#64748b';
    const v = this.values;
    if (v.length < 2) {
      c.fillText('loss: appears while training', 8, h / 2);
      return;
    }
    // Robust range: ignore the first few steps' spike when choosing the top.
    const tail = v.slice(Math.min(v.length - 1, Math.floor(v.length * 0.02)));
    let lo = Infinity, hi = -Infinity;
    for (const x of tail) { if (x < lo) lo = x; if (x > hi) hi = x; }
    if (!(hi > lo)) hi = lo + 1;
    const X = (i) => pad.l + (i / (v.length - 1)) * (w - pad.l - pad.r);
    const Y = (x) => pad.t + (1 - (Math.min(x, hi) - lo) / (hi - lo)) * (h - pad.t - pad.b);
    c.strokeStyle = '#e2e8f0';
    c.beginPath();
    c.moveTo(pad.l, pad.t); c.lineTo(pad.l, h - pad.b); c.lineTo(w - pad.r, h - pad.b);
    c.stroke();
    c.fillText(hi.toFixed(2), 2, pad.t + 8);
    c.fillText(lo.toFixed(2), 2, h - pad.b);
    c.fillText(`step ${v.length}`, w - pad.r - 60, h - 4);
    const stride = Math.max(1, Math.floor(v.length / (w * 2)));
    c.strokeStyle = 'rgba(99,102,241,0.25)';
    c.beginPath();
    for (let i = 0; i < v.length; i += stride) { if (i === 0) c.moveTo(X(i), Y(v[i])); else c.lineTo(X(i), Y(v[i])); }
    c.stroke();
    c.strokeStyle = '#4f46e5';
    c.lineWidth = 1.5;
    c.beginPath();
    const a = Math.min(0.3, 50 / v.length);  // EMA over about 2% of the run
    let m = v[0];
    for (let i = 0; i < v.length; i++) {
      m += a * (v[i] - m);
      if (i % stride === 0) { if (i === 0) c.moveTo(X(i), Y(m)); else c.lineTo(X(i), Y(m)); }
    }
    c.stroke();
    c.lineWidth = 1;
  }
}

/** The first two coordinates of n points of dimension d (d = 1: y = 0), as (x, y) pairs. */
export function plane(a, n, d) {
  if (d === 2 || !a) return a;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) { out[2 * i] = a[i * d]; out[2 * i + 1] = d > 1 ? a[i * d + 1] : 0; }
  return out;
}

/** The view's half-width for n points (x, dimension d ≥ 2): [-5, 5]² unless the samples reach further. */
export function viewExtent(x, n, d) {
  const a = [];
  for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 2000))) a.push(Math.abs(x[i * d]), Math.abs(x[i * d + 1]));
  a.sort((p, q) => p - q);
  const q = a[Math.floor(0.99 * (a.length - 1))] ?? 0;
  return Math.min(1e4, Math.max(5, 1.1 * (Number.isFinite(q) ? q : 5)));
}
