// digit_grid.mjs — a 64-D model (digits: 8×8 images) is shown as a grid of images, one row per
// class, in place of the 2-D scatter; at the slider's t it shows x_t, so the animation turns noise
// into digits. With "nearest training image" each sample has beside it the real image nearest
// in L2 (x = pixel / 8 − 1, as datasets.md defines digits' points) and that distance, so a viewer
// can see the model is not replaying its training set. The real images are web/data/digits.csv.gz
// (64 pixels 0–16 then the label per line), fetched once and gunzipped by the browser
// (DecompressionStream), never part of rill.wasm.
import { fitCanvas } from './plot.mjs';
import { classColour, conditionOf } from './condition.mjs';

export const SIDE = 8, DIM = SIDE * SIDE;

/** Parses digits.csv text: { x: Float32Array(rows × 64), labels: Int32Array(rows), rows }. */
export function parseDigits(text) {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const x = new Float32Array(lines.length * DIM), labels = new Int32Array(lines.length);
  lines.forEach((line, i) => {
    const v = line.split(',');
    if (v.length !== DIM + 1) throw new Error(`digits.csv line ${i + 1}: ${v.length} values, expected ${DIM + 1}`);
    for (let j = 0; j < DIM; j++) x[i * DIM + j] = Number(v[j]) / 8 - 1;
    labels[i] = Number(v[DIM]);
  });
  return { x, labels, rows: lines.length };
}

let loading = null;
/** The real digits, fetched and gunzipped once (a rejected load is retried on the next call). */
export function loadDigits(url = 'data/digits.csv.gz') {
  loading ??= (async () => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`cannot fetch ${url} (HTTP ${res.status})`);
    const text = await new Response(res.body.pipeThrough(new DecompressionStream('gzip'))).text();
    return parseDigits(text);
  })().catch((e) => { loading = null; throw e; });
  return loading;
}

/**
 * For each of n points (n × 64) the nearest row of `data` by L2, skipping row `skip[i]` if given:
 * { index: Int32Array, dist: Float32Array }.
 */
export function nearest(points, n, data, skip = null) {
  const index = new Int32Array(n), dist = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity, arg = -1;
    const p = i * DIM;
    for (let r = 0; r < data.rows; r++) {
      if (skip && skip[i] === r) continue;
      let s = 0;
      const q = r * DIM;
      for (let j = 0; j < DIM && s < best; j++) { const e = points[p + j] - data.x[q + j]; s += e * e; }
      if (s < best) { best = s; arg = r; }
    }
    index[i] = arg;
    dist[i] = Math.sqrt(best);
  }
  return { index, dist };
}

/** The median of an array of numbers. */
export function median(a) {
  const s = Array.from(a).sort((p, q) => p - q);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}

/** How far real images are from their nearest other image: the median over `count` rows spread through the set. */
export function realNearestMedian(data, count = 300) {
  const rows = Math.min(count, data.rows), pts = new Float32Array(rows * DIM), skip = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const r = Math.floor((i * data.rows) / rows);
    pts.set(data.x.subarray(r * DIM, (r + 1) * DIM), i * DIM);
    skip[i] = r;
  }
  return median(nearest(pts, rows, data, skip).dist);
}

/**
 * The grid's rows for a run r of n images: one per class (r.labels, all classes), or rows of `perRow`
 * samples of one class; each row named and coloured by its class (condition.mjs) when it has one.
 */
export function imageRows(r, model, perRow) {
  const cond = conditionOf(model), rows = [];
  for (let start = 0; start < r.n; start += perRow) {
    const k = r.labels ? r.labels[start] : r.condition?.condition;
    const named = typeof k === 'number' && cond.names;
    rows.push({ start, count: Math.min(perRow, r.n - start), name: named ? cond.names[k] : '·',
      colour: named ? classColour(k, cond.width, cond.names) : 'rgba(226,232,240,0.8)' });
  }
  return rows;
}

/** The images at time t: r.images at t = 1, else r.imageTraj's snapshots interpolated as the scatter's (into r.imageAt). */
export function imagesAt(r, t) {
  if (!r.imageTraj || t >= 1) return r.images;
  const snap = r.n * DIM, s = t * r.steps, i0 = Math.min(r.steps - 1, Math.floor(s)), f = s - i0;
  const a = r.imageTraj.subarray(i0 * snap), b = r.imageTraj.subarray((i0 + 1) * snap);
  const images = r.imageAt ??= new Float32Array(snap);
  for (let j = 0; j < snap; j++) images[j] = a[j] + f * (b[j] - a[j]);
  return images;
}

/** How many samples of a row DigitGrid.draw shows on a canvas `width` CSS pixels wide: on a narrow screen the pairs
 * (sample and nearest image) would be too small to read, so the first 4. */
export function shownPerRow(width, pair, perRow) {
  return pair && width < 480 ? Math.min(4, perRow) : perRow;
}

export class DigitGrid {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.layout = null;
  }

  /**
   * Draws images (n × 64 floats, the samples at the current t) as rows: rows[i] = { name, colour,
   * start, count } (sample indices start .. start + count − 1). near: { index, dist } of each
   * sample and data (the real images) to show the nearest beside each sample, or null (then, on
   * a canvas narrower than 480 CSS pixels, only the first 4 samples of each row are shown).
   */
  draw({ images, rows, near = null, data = null }) {
    const cv = this.canvas, ctx = this.ctx;
    fitCanvas(cv);
    const dpr = cv.width / Math.max(1, cv.clientWidth), W = cv.clientWidth, H = cv.clientHeight;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#0f1522';
    ctx.fillRect(0, 0, W, H);
    if (!images || !rows.length) return;
    const pair = !!(near && data);
    const cols = shownPerRow(W, pair, Math.max(...rows.map((r) => r.count)));
    const pad = 10, labelW = 30, gap = pair ? 8 : 4, inner = 2, textH = pair ? 13 : 0;
    const perCell = pair ? 2 : 1;
    const sW = (W - 2 * pad - labelW - (cols - 1) * gap - cols * (perCell - 1) * inner) / (cols * perCell);
    const sH = (H - 2 * pad - (rows.length - 1) * gap - rows.length * textH) / rows.length;
    const s = Math.max(4, Math.floor(Math.min(sW, sH)));
    const cellW = perCell * s + (perCell - 1) * inner, rowH = s + textH;
    const gridW = labelW + cols * cellW + (cols - 1) * gap, gridH = rows.length * rowH + (rows.length - 1) * gap;
    const x0 = Math.max(pad, (W - gridW) / 2), y0 = Math.max(pad, (H - gridH) / 2);
    this.layout = { size: s, cols, rows: rows.length, pair, x0, y0, cellW, rowH, gap, labelW };
    ctx.textBaseline = 'middle';
    rows.forEach((row, ri) => {
      const y = y0 + ri * (rowH + gap);
      ctx.fillStyle = row.colour;
      ctx.font = `600 ${Math.min(16, Math.max(10, s * 0.6))}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      ctx.fillText(row.name, x0 + labelW / 2 - 3, y + s / 2);
      for (let c = 0; c < Math.min(cols, row.count); c++) {
        const i = row.start + c, x = x0 + labelW + c * (cellW + gap);
        this.image(images, i, x, y, s, 255);
        ctx.strokeStyle = row.colour;
        ctx.lineWidth = 1;
        ctx.strokeRect(x - 0.5, y - 0.5, s + 1, s + 1);
        if (!pair) continue;
        this.image(data.x, near.index[i], x + s + inner, y, s, 190);
        ctx.fillStyle = 'rgba(226,232,240,0.8)';
        ctx.font = `${Math.min(11, Math.max(8, s * 0.32))}px system-ui, sans-serif`;
        ctx.fillText(`d ${near.dist[i].toFixed(1)}`, x + cellW / 2, y + s + textH / 2 + 1);
      }
    });
  }

  /** One 8×8 image (row i of a ×64 array) at (x, y), s CSS pixels wide; ink is light on the dark view. */
  image(a, i, x, y, s, ink) {
    const ctx = this.ctx, cell = s / SIDE;
    for (let r = 0; r < SIDE; r++) {
      for (let c = 0; c < SIDE; c++) {
        const v = Math.max(0, Math.min(1, (a[i * DIM + r * SIDE + c] + 1) / 2));
        const g = Math.round(20 + v * (ink - 20));
        ctx.fillStyle = `rgb(${g},${g},${Math.min(255, g + 12)})`;
        ctx.fillRect(x + c * cell, y + r * cell, Math.ceil(cell), Math.ceil(cell));
      }
    }
  }
}
