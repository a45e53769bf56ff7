// train_panel.mjs — the "Train a model here" card: choose a dataset or paint
// your own points, train in a Web Worker (train_worker.mjs) with a live loss
// curve and sample preview, then hand the model to the main view and offer it
// as a .safetensors download (a painted target travels in the file as the
// reserved tensor `rill.target`, datasets.mjs).
//
// Painting has colours (colour = class): points painted in two or more colours train a
// class-conditional model (the trainer's labels, classes numbered in palette order among the
// colours used), whose class_names are the colour names, so the class picker shows the
// colours and samples each class in its paint colour.
//
// Stop is honoured within a second at any size: the worker stops between
// slices of steps; if it is inside one long step, the worker is terminated
// and the last snapshot (sent every ~2 s) is kept. A configuration estimated
// to take minutes asks for a second click first.

import { Plot, LossChart, THEME } from './plot.mjs';
import { drawDataset, withTarget, LISTED_DATASETS } from './datasets.mjs';
import { readInt, readNumber, downloadBytes } from './ui.mjs';
import { PAINT_COLOURS } from './condition.mjs';

const DRAWING = 'drawing';
const MAX_PAINT = 20000;
const STOP_GRACE_MS = 400;        // then the worker is terminated
const WARN_SECONDS = 120;         // estimates beyond this ask for a second click
const DEFAULT_FLOPS_PER_S = 3e9;  // a conservative guess for WebAssembly until a run measures it

// Settings that work. Built-in data trains cleanly in 3000 steps. Painted shapes (thin strokes,
// off-centre, far from N(0, I)) get more steps and sin/cos time features; measured on a painted
// "HT" (960 points over ±4, width 128, depth 3): the share of samples within 0.25 of a painted
// point was 0.929 for 3000 plain steps, 0.939 for 5000 steps with sin/cos, 0.843 for 3000 steps
// with OT coupling and sin/cos — so OT is offered, not preset (here it costs ~3× per step).
const PRESETS = {
  builtin: { steps: 3000, coupling: 'independent', time: '0',
    note: 'Built-in data: these settings train a clean model in about 3000 steps.' },
  drawing: { steps: 6000, coupling: 'independent', time: '4',
    note: 'Painted data: 6000 steps and sin/cos time features for thin, off-centre shapes. OT coupling gives straighter paths ' +
      'and a lower loss, but costs about 3× per step here.' },
};

/** Rough network cost: FLOP per point per field evaluation of an MLP d+time → width × depth → d. */
function flopsOf({ width, depth, timeK }, dim = 2) {
  const input = dim + (timeK ? 2 * timeK : 1);
  return 2 * (input * width + (depth - 1) * width * width + width * dim);
}

/** Colours for painted points by their paint colour. */
function paintColours(labels) {
  const buckets = PAINT_COLOURS.map(() => []);
  labels.forEach((c, i) => buckets[c].push(i));
  return { buckets, colours: PAINT_COLOURS.map((c) => c.css) };
}

function duration(s) {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} minutes`;
  return `${(s / 3600).toFixed(s < 36000 ? 1 : 0)} hours`;
}

export class TrainPanel {
  /**
   * els: the elements of the card (by id); rill: the page's Rill (target points);
   * module: the compiled rill.wasm (for the worker);
   * onModel(bytes, meta) receives each finished model; onError(text) shows a message (kind: 'error' | 'note').
   */
  constructor(els, { rill, module, onModel, onError }) {
    this.els = els;
    this.rill = rill;
    this.module = module;
    this.onModel = onModel;
    this.onError = onError;
    this.painted = [];
    this.paintLabels = [];    // the paint colour (index into PAINT_COLOURS) of each painted point
    this.colour = 0;
    this.cursor = [0, 0];     // the keyboard painting cursor (world units)
    this.run = null;          // { id, steps, dataset, points, done, started, snapshot, perStep }
    this.lastFile = null;
    this.lastLabel = 'model';
    this.nextId = 1;
    this.flopsPerS = DEFAULT_FLOPS_PER_S;
    this.confirmed = '';      // the heavy configuration the user has confirmed
    this.loss = new LossChart(els.loss);
    this.preview = new Plot(els.preview, 5);
    this.paint = new Plot(els.paint, 5);

    for (const name of LISTED_DATASETS) els.data.add(new Option(name, name));
    els.data.add(new Option('✎ your drawing', DRAWING));
    els.data.value = 'moons';
    els.data.addEventListener('change', () => this.dataChanged());
    els.form.addEventListener('submit', (e) => { e.preventDefault(); this.start(); });
    els.form.addEventListener('input', () => { if (!this.run) this.els.train.textContent = 'Train'; });
    els.stop.addEventListener('click', () => this.stop());
    els.download.addEventListener('click', () => {
      if (this.lastFile) downloadBytes(this.lastFile, `${this.lastLabel}.safetensors`);
    });
    els.paintClear.addEventListener('click', () => { this.painted = []; this.paintLabels = []; this.drawPaint(); });
    this.setupColours();
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

  /** New data: the last run's preview, loss and status belong to the old data; the settings to its kind. */
  dataChanged() {
    const drawing = this.els.data.value === DRAWING;
    this.els.paintBox.hidden = !drawing;
    if (drawing) requestAnimationFrame(() => this.drawPaint());
    const preset = PRESETS[drawing ? 'drawing' : 'builtin'];
    this.els.steps.value = String(preset.steps);
    this.els.coupling.value = preset.coupling;
    this.els.timeK.value = preset.time;
    this.els.preset.textContent = preset.note;
    if (this.run) return;
    this.previewX = null;
    this.loss.reset();
    this.els.progress.value = 0;
    this.els.train.textContent = 'Train';
    this.status(drawing ? 'Paint some points (at least 20), then Train.' : 'Cosine learning-rate schedule, EMA 0.99, on a Web Worker.');
    delete document.body.dataset.train;
    this.drawPreview();
  }

  // ---- painting your own distribution ----
  spray(x, y) {
    // A little spray around the point: painted strokes become thin distributions, not lines.
    for (let k = 0; k < 4 && this.painted.length < 2 * MAX_PAINT; k++) {
      const r = 0.12 * Math.sqrt(-2 * Math.log(1 - Math.random())), a = 2 * Math.PI * Math.random();
      this.painted.push(x + r * Math.cos(a), y + r * Math.sin(a));
      this.paintLabels.push(this.colour);
    }
    this.drawPaint();
  }

  /** The paint colours: a radio group (arrow keys move between them; keys 1–4 on the drawing too). */
  setupColours() {
    const box = this.els.paintColours;
    PAINT_COLOURS.forEach((c, k) => {
      const label = document.createElement('label'), input = document.createElement('input'), sw = document.createElement('span');
      input.type = 'radio';
      input.name = 'paint-colour';
      input.value = String(k);
      input.id = `paint-colour-${k}`;
      input.checked = k === 0;
      input.addEventListener('change', () => { if (input.checked) this.colour = k; this.drawPaint(); });
      sw.className = 'swatch';
      sw.style.background = c.css;
      label.append(input, sw, ` ${c.name}`);
      box.append(label);
    });
  }

  pickColour(k) {
    this.colour = k;
    this.els.paintColours.querySelectorAll('input').forEach((input, j) => { input.checked = j === k; });
    this.drawPaint();
  }

  /** The colours used, in palette order (the classes of a painted model). */
  coloursUsed() {
    const seen = new Set(this.paintLabels);
    return PAINT_COLOURS.map((_, k) => k).filter((k) => seen.has(k));
  }

  setupPainting() {
    const cv = this.els.paint;
    let down = false;
    const add = (e) => {
      const rect = cv.getBoundingClientRect();
      this.cursor = this.paint.toWorld(e.clientX - rect.left, e.clientY - rect.top);
      this.spray(...this.cursor);
    };
    cv.addEventListener('pointerdown', (e) => { down = true; cv.setPointerCapture(e.pointerId); add(e); });
    cv.addEventListener('pointermove', (e) => { if (down) add(e); });
    const up = () => { down = false; };
    cv.addEventListener('pointerup', up);
    cv.addEventListener('pointercancel', up);
    // Keyboard painting: the arrow keys move a cursor (painting as they go with Shift), Space paints.
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    cv.addEventListener('keydown', (e) => {
      if (moves[e.key]) {
        const [dx, dy] = moves[e.key];
        this.cursor = [Math.max(-4.8, Math.min(4.8, this.cursor[0] + 0.2 * dx)), Math.max(-4.8, Math.min(4.8, this.cursor[1] + 0.2 * dy))];
        if (e.shiftKey) this.spray(...this.cursor); else this.drawPaint();
      } else if (e.key === ' ' || e.key === 'Enter') {
        this.spray(...this.cursor);
      } else if (e.key >= '1' && e.key <= String(PAINT_COLOURS.length)) {
        this.pickColour(Number(e.key) - 1);
      } else {
        return;
      }
      e.preventDefault();
    });
    cv.addEventListener('focus', () => this.drawPaint());
    cv.addEventListener('blur', () => this.drawPaint());
  }

  drawPaint() {
    if (this.els.paintBox.hidden) return;
    this.paint.clear();
    this.paint.points(this.painted, 2, paintColours(this.paintLabels), 2);
    if (document.activeElement === this.els.paint) this.paint.cursor(...this.cursor);
    const n = this.painted.length / 2, used = this.coloursUsed().length;
    this.els.paintCount.textContent = !n ? 'drag (or arrow keys + Space) to paint points' :
      used > 1 ? `${n} points in ${used} colours: a model per colour (class)` : `${n} points`;
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
      coupling: e.coupling.value,
      timeK: Number(e.timeK.value),
      steps, schedule: 'cosine', ema: 0.99,
    };
    const data = e.data.value;
    if (data === DRAWING) {
      if (this.painted.length / 2 < 20) throw Object.assign(new Error('paint at least 20 points first (drag on the drawing area)'), { input: e.paint });
      cfg.points = new Float32Array(this.painted);
      cfg.dim = 2;
      const used = this.coloursUsed();
      if (used.length > 1) {  // colour = class: labels 0..C−1 in palette order among the colours used
        cfg.labels = Int32Array.from(this.paintLabels, (c) => used.indexOf(c));
        cfg.classNames = used.map((c) => PAINT_COLOURS[c].name);
      }
    } else {
      cfg.dataset = data;
    }
    return cfg;
  }

  /** Estimated seconds for a configuration: 3 network passes (forward, backward) per point per step. */
  estimate(cfg) {
    const perStep = (3 * flopsOf(cfg) * cfg.batch) / this.flopsPerS;
    return { perStep, total: perStep * cfg.steps };
  }

  start() {
    let cfg;
    try { cfg = this.readConfig(); } catch (e) { this.onError(e.message, 'error', e.input); return; }
    const est = this.estimate(cfg), key = JSON.stringify({ ...cfg, points: cfg.points?.length });
    if (est.total > WARN_SECONDS && this.confirmed !== key) {
      this.confirmed = key;
      this.els.train.textContent = 'Train anyway';
      this.onError(`This configuration will take about ${duration(est.total)} here (${duration(Math.max(1, est.perStep))} per step). ` +
        'Smaller width, depth, batch or steps train faster. Press "Train anyway" to start it.', 'note', this.els.train);
      return;
    }
    this.confirmed = '';
    this.els.train.textContent = 'Train';
    const id = this.nextId++;
    const { classNames, ...options } = cfg;  // the names go into the file, not to the trainer
    const dataset = cfg.dataset ?? DRAWING;
    this.run = { id, steps: cfg.steps, dataset, points: cfg.points ? cfg.points.slice() : null, done: 0,
      labels: cfg.labels ? cfg.labels.slice() : null, classNames: cfg.classNames ?? null,
      started: performance.now(), snapshot: null, estPerStep: est.perStep, cfg };
    this.loss.reset();
    this.previewX = null;
    this.previewLabels = null;
    this.els.progress.value = 0;
    this.setRunning(true);
    this.status(`training ${this.runName()}: starting…`);
    document.body.dataset.train = 'running';
    this.worker.postMessage({ type: 'start', id, options, steps: cfg.steps, previewEvery: 250, previewN: 1000,
      previewClasses: classNames?.length ?? 0 });
    clearInterval(this.ticker);
    this.ticker = setInterval(() => this.heartbeat(), 500);
  }

  runName(run = this.run) { return run.dataset === DRAWING ? 'your drawing' : run.dataset; }

  /** While a step is in flight: elapsed time and the estimate, so a slow step is not silent. */
  heartbeat() {
    const run = this.run;
    if (!run) { clearInterval(this.ticker); return; }
    if (run.stopping) return;
    const since = (performance.now() - (run.lastProgress ?? run.started)) / 1000;
    if (since < 1) return;
    const per = run.perStep ?? run.estPerStep;
    const eta = per * (run.steps - run.done);
    this.status(`training ${this.runName()}: step ${run.done} / ${run.steps} done, step ${run.done + 1} running for ${since.toFixed(0)} s ` +
      `(about ${duration(Math.max(1, per))} per step, ${duration(eta)} to go) — Stop keeps the model so far`);
  }

  stop() {
    const run = this.run;
    if (!run) return;
    this.worker.postMessage({ type: 'stop', id: run.id });
    run.stopping = true;
    this.status(`stopping ${this.runName()}…`);
    this.els.stop.disabled = true;
    // A step in flight cannot be interrupted: past the grace time the worker goes, the last snapshot stays.
    setTimeout(() => {
      if (this.run !== run) return;
      this.worker.terminate();
      this.worker = this.makeWorker();
      const snap = run.snapshot;
      if (snap) this.finish(run, snap.file, snap.done, snap.seconds, ' (stopped; the step in progress was dropped)');
      else {
        this.end('stopped');
        this.status(`stopped before the first step finished: nothing to keep (${this.runName(run)})`);
      }
    }, STOP_GRACE_MS);
  }

  setRunning(on) {
    this.els.train.disabled = on;
    this.els.stop.disabled = !on;
  }

  status(text) { this.els.status.textContent = text; }

  end(state) {
    this.run = null;
    clearInterval(this.ticker);
    this.setRunning(false);
    document.body.dataset.train = state;
  }

  fail(text) {
    this.end('error');
    this.status('training stopped');
    this.onError(text);
  }

  finish(run, file, done, seconds, note = '') {
    this.end('done');
    // The painted target travels with the model; painted colours name its classes.
    if (run.points) file = withTarget(file, run.points, run.classNames ? { class_names: run.classNames.join(',') } : null);
    this.lastFile = file;
    this.lastLabel = `${run.dataset}-${done}steps`;
    this.els.download.disabled = false;
    this.els.progress.value = done / run.steps;
    this.status(`done: ${done} steps in ${seconds.toFixed(1)} s${note} — now in the main view`);
    this.onModel(file.slice(), { label: `trained: ${this.runName(run)} (${done} steps)`,
      dataset: run.dataset === DRAWING ? null : run.dataset, points: run.points, pointLabels: run.labels, fileName: this.lastLabel });
  }

  message(m) {
    if (m.type === 'error' && m.id === null) { this.fail(m.message); return; }
    if (!this.run || m.id !== this.run.id) return;  // a stale run
    const run = this.run;
    if (m.type === 'started') {
      run.flopsPerPoint = m.flopsPerPoint;
    } else if (m.type === 'progress') {
      this.loss.push(m.losses);
      this.loss.draw();
      run.done = m.done;
      run.lastProgress = performance.now();
      run.perStep = m.ms / 1000 / m.done;
      // The network's speed, for later estimates (OT coupling adds an assignment per batch: not a network speed).
      if (run.flopsPerPoint && run.cfg.coupling === 'independent') this.flopsPerS = (3 * run.flopsPerPoint * run.cfg.batch) / run.perStep;
      this.els.progress.value = m.done / run.steps;
      const rate = m.done / (m.ms / 1000);
      const last = this.loss.values.slice(-50), mean = last.reduce((s, v) => s + v, 0) / last.length;
      this.status(`step ${m.done} / ${run.steps} · loss ${mean.toFixed(3)} · ${rate < 10 ? rate.toFixed(2) : rate.toFixed(0)} steps/s`);
    } else if (m.type === 'preview') {
      this.previewX = m.x;
      this.previewLabels = m.labels ?? null;
      this.previewNames = run.classNames;
      this.drawPreview();
    } else if (m.type === 'snapshot') {
      run.snapshot = m;
    } else if (m.type === 'done') {
      this.finish(run, m.file, m.done, m.seconds, m.done < run.steps ? ` of ${run.steps} (stopped)` : '');
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
    if (this.previewX) {
      const names = this.previewNames;
      const colours = this.previewLabels && names ? paintColours(Array.from(this.previewLabels, (k) => PAINT_COLOURS.findIndex((c) => c.name === names[k]))) : '#f472b6';
      p.points(this.previewX, 2, colours, 1.5);
    }
  }
}
