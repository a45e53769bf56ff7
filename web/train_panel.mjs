// train_panel.mjs — the "Train a model here" card: choose a dataset or paint
// your own points, train in a Web Worker (train_worker.mjs) with a live loss
// curve and sample preview, then hand the model to the main view and offer it
// as a .safetensors download.

import { DATASETS } from './rill.mjs';
import { Plot, LossChart, THEME } from './plot.mjs';
import { drawDataset } from './datasets.mjs';
import { readInt, readNumber, downloadBytes } from './ui.mjs';

const DRAWING = 'drawing';
const MAX_PAINT = 20000;

export class TrainPanel {
  /**
   * els: the elements of the card (by id); rill: the page's Rill (target points);
   * module: the compiled rill.wasm (for the worker);
   * onModel(bytes, meta) receives each finished model; onError(text) shows a message.
   */
  constructor(els, { rill, module, onModel, onError }) {
    this.els = els;
    this.rill = rill;
    this.module = module;
    this.onModel = onModel;
    this.onError = onError;
    this.painted = [];
    this.run = null;          // { id, steps, dataset, points }
    this.lastFile = null;
    this.lastLabel = 'model';
    this.nextId = 1;
    this.loss = new LossChart(els.loss);
    this.preview = new Plot(els.preview, 5);
    this.paint = new Plot(els.paint, 5);

    for (const name of DATASETS) els.data.add(new Option(name, name));
    els.data.add(new Option('✎ your drawing', DRAWING));
    els.data.value = 'moons';
    els.data.addEventListener('change', () => this.dataChanged());
    els.form.addEventListener('submit', (e) => { e.preventDefault(); this.start(); });
    els.stop.addEventListener('click', () => this.stop());
    els.download.addEventListener('click', () => {
      if (this.lastFile) downloadBytes(this.lastFile, `${this.lastLabel}.safetensors`);
    });
    els.paintClear.addEventListener('click', () => { this.painted = []; this.drawPaint(); });
    this.setupPainting();
    new ResizeObserver(() => { this.drawPreview(); this.loss.draw(); this.drawPaint(); }).observe(els.preview);
    this.worker = this.makeWorker();
    this.drawPreview();
    this.loss.draw();
  }

  makeWorker() {
    const w = new Worker(new URL('./train_worker.mjs', import.meta.url), { type: 'module' });
    w.onmessage = (e) => this.message(e.data);
    w.onerror = (e) => { e.preventDefault(); this.fail(`the training worker failed: ${e.message || 'cannot start'}`); };
    w.postMessage({ type: 'init', module: this.module });
    return w;
  }

  dataChanged() {
    const drawing = this.els.data.value === DRAWING;
    this.els.paintBox.hidden = !drawing;
    if (drawing) requestAnimationFrame(() => this.drawPaint());
    if (!this.run) this.drawPreview();
  }

  // ---- painting your own distribution ----
  setupPainting() {
    const cv = this.els.paint;
    let down = false;
    const add = (e) => {
      const rect = cv.getBoundingClientRect();
      const [x, y] = this.paint.toWorld(e.clientX - rect.left, e.clientY - rect.top);
      // A little spray around the pointer: painted strokes become thin distributions, not lines.
      for (let k = 0; k < 4 && this.painted.length < 2 * MAX_PAINT; k++) {
        const r = 0.12 * Math.sqrt(-2 * Math.log(1 - Math.random())), a = 2 * Math.PI * Math.random();
        this.painted.push(x + r * Math.cos(a), y + r * Math.sin(a));
      }
      this.drawPaint();
    };
    cv.addEventListener('pointerdown', (e) => { down = true; cv.setPointerCapture(e.pointerId); add(e); });
    cv.addEventListener('pointermove', (e) => { if (down) add(e); });
    const up = () => { down = false; };
    cv.addEventListener('pointerup', up);
    cv.addEventListener('pointercancel', up);
  }

  drawPaint() {
    if (this.els.paintBox.hidden) return;
    this.paint.clear();
    this.paint.points(this.painted, 2, '#fbbf24', 2);
    const n = this.painted.length / 2;
    this.els.paintCount.textContent = n ? `${n} points` : 'drag to paint points';
  }

  // ---- a run ----
  readConfig() {
    const e = this.els;
    const steps = readInt(e.steps, 'training steps', 1, 200000);
    const cfg = {
      width: readInt(e.width, 'width', 4, 1024),
      depth: readInt(e.depth, 'depth', 1, 8),
      lr: readNumber(e.lr, 'learning rate', 1e-6, 0.1),
      batch: readInt(e.batch, 'batch', 8, 4096),
      seed: readInt(e.seed, 'training seed', 0, 4294967295),
      steps, schedule: 'cosine', ema: 0.99,
    };
    const data = e.data.value;
    if (data === DRAWING) {
      if (this.painted.length / 2 < 20) throw new Error('paint at least 20 points first (drag on the drawing area)');
      cfg.points = new Float32Array(this.painted);
      cfg.dim = 2;
    } else {
      cfg.dataset = data;
    }
    return cfg;
  }

  start() {
    let cfg;
    try { cfg = this.readConfig(); } catch (e) { this.onError(e.message); return; }
    const id = this.nextId++;
    const dataset = cfg.dataset ?? DRAWING;
    this.run = { id, steps: cfg.steps, dataset, points: cfg.points ? cfg.points.slice() : null };
    this.loss.reset();
    this.previewX = null;
    this.els.progress.value = 0;
    this.setRunning(true);
    this.status(`training ${dataset === DRAWING ? 'your drawing' : dataset}: starting…`);
    document.body.dataset.train = 'running';
    this.worker.postMessage({ type: 'start', id, options: cfg, steps: cfg.steps, previewEvery: 250, previewN: 1000 });
  }

  stop() {
    if (this.run) this.worker.postMessage({ type: 'stop', id: this.run.id });
  }

  setRunning(on) {
    this.els.train.disabled = on;
    this.els.stop.disabled = !on;
  }

  status(text) { this.els.status.textContent = text; }

  fail(text) {
    this.run = null;
    this.setRunning(false);
    document.body.dataset.train = 'error';
    this.status('training stopped');
    this.onError(text);
  }

  message(m) {
    if (m.type === 'error' && m.id === null) { this.fail(m.message); return; }
    if (!this.run || m.id !== this.run.id) return;  // a stale run
    const run = this.run;
    if (m.type === 'progress') {
      this.loss.push(m.losses);
      this.loss.draw();
      this.els.progress.value = m.done / run.steps;
      const rate = m.done / (m.ms / 1000);
      const last = this.loss.values.slice(-50), mean = last.reduce((s, v) => s + v, 0) / last.length;
      this.status(`step ${m.done} / ${run.steps} · loss ${mean.toFixed(3)} · ${rate.toFixed(0)} steps/s`);
    } else if (m.type === 'preview') {
      this.previewX = m.x;
      this.drawPreview();
    } else if (m.type === 'done') {
      this.run = null;
      this.setRunning(false);
      this.lastFile = m.file;
      this.lastLabel = `${run.dataset}-${m.done}steps`;
      this.els.download.disabled = false;
      this.els.progress.value = 1;
      this.status(`done: ${m.done} steps in ${m.seconds.toFixed(1)} s — now in the main view`);
      document.body.dataset.train = 'done';
      this.onModel(m.file.slice(), { label: `trained: ${run.dataset === DRAWING ? 'your drawing' : run.dataset} (${m.done} steps)`,
        dataset: run.dataset === DRAWING ? null : run.dataset, points: run.points, fileName: this.lastLabel });
    } else if (m.type === 'error') {
      this.fail(`training: ${m.message}`);
    }
  }

  drawPreview() {
    const p = this.preview;
    p.clear({ grid: false });
    const data = this.run ? this.run.dataset : this.els.data.value;
    const target = data === DRAWING ? (this.run?.points ?? this.painted) : drawDataset(this.rill, data, 1500, 3);
    if (target) p.points(target, 2, THEME.target, 1.5);
    if (this.previewX) p.points(this.previewX, 2, '#f472b6', 1.5);
  }
}
