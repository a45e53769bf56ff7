// app.mjs — the demo page: pick a model, sample it, watch the particles flow
// from noise (t = 0) to data (t = 1), scrub t, overlay the field u_t, the
// trajectories and the target; open or download model files; train new ones
// (train_panel.mjs). A conditioned model gets the condition controls (condition_panel.mjs: class,
// s, guidance) and "all classes" samples each class in its colour; a 64-D model (digits) is drawn as
// a grid of 8×8 images per class (digit_grid.mjs) in place of the scatter. The model menu is
// model_menu.mjs; the words under the plot and the model card's facts are explain.mjs.
//
// Sampling runs in a worker (sample_worker.mjs) so the page never freezes and
// a long request can be stopped; the main thread keeps its own copy of the
// model for its facts and for the field overlay (a few hundred points per frame).
// For the browser test, window.rillDemo exposes the last samples and the view.

import { Rill, EVALUATIONS, DATASETS } from './rill.mjs';
import { Plot, HUES, THEME, plane, viewExtent } from './plot.mjs';
import { drawDataset, looksLikeSafetensors, targetOf } from './datasets.mjs';
import { TrainPanel } from './train_panel.mjs';
import { drawFieldArrows, drawFieldStreamlines, drawFlowGrid, FIELD_DT } from './overlays.mjs';
import { readInt, downloadBytes } from './ui.mjs';
import { DensityView, ReadOut } from './density.mjs';
import { showMessage, clearMessage } from './messages.mjs';
import { Sampler } from './sampler.mjs';
import { ComparePanel, TEACHER_RUN } from './compare.mjs';
import { ConditionPanel } from './condition_panel.mjs';
import { fillModelMenu, addOption, statParts } from './model_menu.mjs';
import { classColour, conditionOf } from './condition.mjs';
import { DigitGrid, DIM as IMAGE_DIM, loadDigits, nearest, realNearestMedian, imageRows, imagesAt, shownPerRow } from './digit_grid.mjs';
import { runHint, fieldText, gridText, densityText, colourNote, imagesText, modelFacts } from './explain.mjs';
import { enableOverlays, wireShowBox, revealPlot } from './show_box.mjs';

const $ = (id) => document.getElementById(id);
const ANIMATION_SECONDS = 2.5;
const MAX_TRAJECTORY_FLOATS = 1 << 24;  // 64 MB of trajectory; beyond it only the final samples are shown
const PATH_COUNT = 120;                  // particles whose trajectories are drawn
const TARGET_POINTS = 3000;
const IMAGES_PER_CLASS = 8;              // the image grid: a row of 8 samples per class (8 rows of one class)

const state = {
  rill: null,
  model: null,          // main-thread Model of the current entry (facts, field overlay)
  entry: null,          // { value, label, bytes, url, dataset, points, fileName }
  entries: new Map(),
  userCount: 0,
  result: null,         // the last samples: { x, traj, n, d, steps, solver, seed, colours, pathIds, ms }
  t: 1,
  playing: false,
  lastFrame: 0,
  extent: 5,
  fieldCache: { key: '', grid: null, u: null, typical: 1, cell: 1 },
  ownRun: null,         // [solver, steps] the user had before a one-step model set its own
};

const plot = new Plot($('plot'), 5);
const digitGrid = new DigitGrid($('digits'));
const conditions = new ConditionPanel({ onChange: () => { if (state.model) sampleNow(); } });

// ---- models ----
/** The model menu (model_menu.mjs); choosing an entry opens and samples it. Returns the first entry. */
async function setupModels() {
  const first = await fillModelMenu($('model'), state.entries);
  $('model').addEventListener('change', async () => {
    if (await selectEntry($('model').value)) await sampleNow();
  });
  return first;
}

/**
 * Makes an entry current: fetches its bytes if needed, opens it here (unless `opened`, the
 * entry's model already open) and in the worker.
 */
async function selectEntry(value, opened = null) {
  const entry = state.entries.get(value);
  const select = $('model');
  try {
    if (!entry) throw new Error(`unknown model ${value}`);
    if (!entry.bytes) {
      const res = await fetch(entry.url);
      if (!res.ok) throw new Error(`cannot fetch ${entry.url} (HTTP ${res.status})`);
      entry.bytes = new Uint8Array(await res.arrayBuffer());
    }
    const model = opened ?? state.rill.loadModel(entry.bytes);
    opened = null;  // state.model owns it from here
    state.model?.free();
    state.model = model;
    state.entry = entry;
    const meta = model.info.metadata ?? {};  // the solver and steps a model is meant for (formats.md: used by the page)
    // A model made for a solver and step count (a one-step model) sets them; the next model without one
    // gets back the user's own, so a plain model is not left at one Euler step.
    if (meta.sample_solver && meta.sample_steps) {
      state.ownRun ??= [$('solver').value, $('steps').value];
      [$('solver').value, $('steps').value] = [meta.sample_solver, meta.sample_steps];
    } else if (state.ownRun) {
      [$('solver').value, $('steps').value] = state.ownRun;
      state.ownRun = null;
    }
    state.fieldCache = { key: '' };
    state.result = null;
    sampler.cancel();  // samples of the previous model must not arrive late
    sampler.load(entry.bytes);
    density.load(entry.bytes);
    select.value = value;
    if (entry.dataset === undefined) entry.dataset = model.info.metadata?.dataset ?? null;
    const images = isImageModel(model);
    enableOverlays(model, images);
    $('plot').hidden = images;
    if (!images) $('drop-zone').classList.remove('tall');
    $('digits').hidden = !images;
    $('nearest-box').hidden = !images;
    conditions.setModel(model);
    $('compare-box').hidden = meta.made_by !== 'reflow';  // a one-step model: offer its teacher beside it
    if ($('compare-box').hidden) { $('compare-toggle').checked = false; compare?.hide(); }
    $('download').disabled = !!entry.formula;
    showInfo();
    draw();
    return true;
  } catch (e) {
    opened?.free();
    showMessage(`${entry?.label ?? value}: ${e.message}`);
    if (state.entry) select.value = state.entry.value;
    return false;
  }
}

/**
 * Adds a user model (uploaded or trained) if it opens (a damaged file is refused here, with the
 * core's reason) and makes it current; `dataset` defaults to the file's own training dataset.
 */
async function addUserModel(bytes, { label, dataset = null, points = null, pointLabels = null, fileName = 'model' }) {
  let model;
  try {
    model = state.rill.loadModel(bytes);
  } catch (e) {
    // Say first what the file is; the core's reason is the detail.
    const what = looksLikeSafetensors(bytes) ? 'a damaged or unsupported model file' : 'not a rill/safetensors model file';
    showMessage(`${label}: ${what} (${e.message})`, 'error', $('file').closest('.button'));
    return false;
  }
  points ??= targetOf(bytes);  // a painted target kept in the file
  const own = model.info.metadata.dataset;
  if (dataset === null && points === null && DATASETS.includes(own)) dataset = own;
  const value = `user:${++state.userCount}`;
  state.entries.set(value, { value, label, bytes, dataset, points, pointLabels, fileName });
  addOption($('user-models'), value, label);
  clearMessage();
  if (await selectEntry(value, model)) await sampleNow();
  return true;
}

async function openFile(file) {
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  await addUserModel(bytes, { label: `file: ${file.name}`, fileName: file.name.replace(/\.safetensors$/i, '') });
}

function showInfo() {
  const e = state.entry, rows = modelFacts(state.model, e.label);
  const dl = $('model-info');
  dl.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt'), dd = document.createElement('dd');
    dt.textContent = k;
    dd.textContent = v;
    return [dt, dd];
  }));
  const { name, kind } = statParts(e.label), sub = document.createElement('span');
  sub.className = 'sub';
  sub.textContent = kind;
  $('stat-model').replaceChildren(name, sub);
  $('stat-model').title = e.label;
}

// ---- sampling ----
let busy = false;
let ticket = 0;  // the latest request owns the busy state
function setBusy(on) {
  busy = on;
  $('busy').hidden = !on;
  $('sample').textContent = on ? 'Stop' : 'Sample';
  $('sample').classList.toggle('primary', !on);
}

/** Samples the current model with the form's settings; `stop` (the button while busy) cancels instead. */
async function sampleNow({ stop = false, reveal = false } = {}) {
  if (busy && stop) { sampler.cancel(); return; }
  if (!state.model) { showMessage('choose a model first (or train one below, or open a file)'); return; }
  let n, steps, seed;
  const inputs = { n: $('n'), steps: $('steps'), seed: $('seed') };
  let input = null;
  try {
    input = inputs.n; n = readInt(input, 'samples', 1, 200000);
    input = inputs.steps; steps = readInt(input, 'steps', 1, 10000);
    input = inputs.seed; seed = readInt(input, 'seed', 0, 4294967295);
  } catch (e) {
    showMessage(e.message, 'error', input);
    return;
  }
  if (reveal) revealPlot();
  const solver = $('solver').value, d = state.model.info.dim;
  const cond = conditions.request(), asked = n;
  if (isImageModel(state.model)) n = IMAGES_PER_CLASS * (cond.classes ? 1 : IMAGES_PER_CLASS);  // the grid's rows
  else if (cond.classes) n = Math.max(1, Math.round(n / cond.classes.length));  // the samples shared by the classes
  const total = n * (cond.classes?.length ?? 1);
  const trajectory = (steps + 1) * total * d <= MAX_TRAJECTORY_FLOATS;
  clearMessage();
  const mine = ++ticket;
  setBusy(true);
  try {
    const r = await sampler.sample({ n, steps, solver, seed, trajectory, ...cond });
    setResult({ x: r.x, traj: r.trajectory, labels: r.labels ?? null, n: total, asked, d, steps, solver, seed, ms: r.ms, id: r.id,
      condition: conditions.describe() });
    updateCompare();
    if (!trajectory) showMessage(`${n} samples × ${steps} steps is too much to animate: showing the final samples only.`, 'note');
  } catch (e) {
    if (!e.cancelled) showMessage(`sampling: ${e.message}`);
    // A cancel terminates the worker, and with it the timing of the run still shown.
    if ($('stat-rate').textContent === 'timing…') $('stat-rate').textContent = 'not timed';
  } finally {
    if (mine === ticket) setBusy(false);
  }
}

/**
 * With "compare" ticked on a one-step model: it and its teacher (models/TEACHER.safetensors, the
 * metadata's `teacher`) side by side, the current sample count and seed (compare.mjs).
 */
async function updateCompare() {
  const meta = state.model?.info.metadata ?? {};
  if (!$('compare-toggle').checked || meta.made_by !== 'reflow' || !state.entry) { compare.hide(); return; }
  const name = (meta.teacher ?? '').replace(/^.*\//, '').replace(/\.safetensors$/, '');
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`its teacher '${meta.teacher ?? ''}' is not a shipped model`);
    const res = await fetch(`models/${name}.safetensors`);
    if (!res.ok) throw new Error(`cannot fetch its teacher models/${name}.safetensors (HTTP ${res.status})`);
    const teacher = new Uint8Array(await res.arrayBuffer());
    const n = readInt($('n'), 'samples', 1, 200000), seed = readInt($('seed'), 'seed', 0, 4294967295);
    const student = { label: state.entry.label, bytes: state.entry.bytes, solver: meta.sample_solver ?? 'euler',
      steps: Number(meta.sample_steps ?? 1) };
    await compare.show([student, { label: `${name} (teacher)`, bytes: teacher, ...TEACHER_RUN }],
      { n, seed, extent: state.extent, target: $('show-target').checked ? target() : null });
  } catch (e) {
    showMessage(`compare: ${e.message}`, 'error', $('compare-toggle'));
  }
}


function setResult(run) {
  // Drawing works on the plane: models with d != 2 are shown by their first two coordinates
  // (an image model keeps its full samples for the image grid).
  const r = { ...run, x: plane(run.x, run.n, run.d), d: 2, traj: null };
  if (isImageModel(state.model)) { r.images = run.x; r.imageTraj = run.traj; }
  if (run.traj) {
    const snap = run.n * run.d;
    r.traj = run.d === 2 ? run.traj : new Float32Array(2 * run.n * (run.steps + 1));
    if (run.d !== 2) for (let s = 0; s <= run.steps; s++) r.traj.set(plane(run.traj.subarray(s * snap, (s + 1) * snap), run.n, run.d), 2 * run.n * s);
  }
  // Colour each particle by the angle of its starting noise x0.
  const buckets = HUES.map(() => []);
  const start = r.traj ?? r.x;
  for (let i = 0; i < r.n; i++) {
    const a = Math.atan2(start[i * r.d + 1], start[i * r.d]);
    buckets[Math.floor(((a + Math.PI) / (2 * Math.PI)) * HUES.length) % HUES.length].push(i);
  }
  r.colours = r.traj ? { buckets, colours: HUES } : '#f472b6';
  const cond = conditionOf(state.model);
  if (r.labels) {  // all classes: each class in its colour
    const byClass = cond.names.map(() => []);
    for (let i = 0; i < r.n; i++) byClass[r.labels[i]].push(i);
    r.colours = { buckets: byClass, colours: cond.names.map((_, k) => classColour(k, cond.width, cond.names)) };
  } else if (typeof r.condition?.condition === 'number') {
    r.colours = classColour(r.condition.condition, cond.width, cond.names);
  }
  r.pathIds = Array.from({ length: Math.min(PATH_COUNT, r.n) }, (_, k) => Math.floor((k * r.n) / Math.min(PATH_COUNT, r.n)));
  r.pos = new Float32Array(2 * r.n);
  state.extent = viewExtent(r.x, r.n, r.d);
  state.result = r;
  const evals = EVALUATIONS[r.solver];
  $('stat-nfe').textContent = `${(r.steps * evals).toLocaleString('en')} (${r.steps} × ${evals})`;
  $('stat-time').textContent = r.ms < 1000 ? `${r.ms.toFixed(r.ms < 10 ? 1 : 0)} ms` : `${(r.ms / 1000).toFixed(2)} s`;
  $('stat-rate').textContent = 'timing…';  // the worker times ≥ 100 ms of work and reports it (showRate)
  window.rillDemo.lastSamples = run.x;
  window.rillDemo.lastLabels = run.labels;
  window.rillDemo.lastRun = { id: r.id, model: state.entry.value, n: r.n, d: run.d, steps: r.steps, solver: r.solver, seed: r.seed, ms: r.ms,
    condition: r.condition };
  state.near = null;
  if (r.images) updateNearest();
  markStale();
  explain();
  play(r.traj ? 0 : 1);
}

/**
 * The samples/s read-out: each worker repeats its rows until it has timed at least 100 ms of work
 * (sampler.mjs sums their rates, m.rate, and says how many workers, m.workers); a run too quick for
 * that is "too fast to time", not a noisy number.
 */
function showRate(m) {
  const run = window.rillDemo.lastRun;
  if (!run || run.id !== m.id) return;
  run.timedMs = m.timedMs;
  run.reps = m.reps;
  run.workers = m.workers;
  const el = $('stat-rate'), on = `${m.workers} worker${m.workers > 1 ? 's' : ''}`;
  const workers = document.createElement('span');  // on a line of its own: the card is narrow
  workers.className = 'sub';
  workers.textContent = `(${on})`;
  if (m.timedMs < 100) {
    el.replaceChildren('too fast to time ', workers);
    el.title = `${m.reps} runs took only ${m.timedMs.toFixed(1)} ms`;
  } else {
    el.replaceChildren(`${Math.round(m.rate).toLocaleString('en')} `, workers);
    el.title = `${m.reps} run${m.reps > 1 ? 's' : ''} of ${run.n} samples split over ${on}, timed over ${m.timedMs.toFixed(0)} ms`;
  }
}

const compareShown = () => $('compare-toggle').checked && !$('compare-box').hidden;

/** The read-outs describe the last run: mark them while the form asks for something else. */
function markStale() {
  const r = state.result;
  const stale = !!r && ($('solver').value !== r.solver || $('steps').value.trim() !== String(r.steps) ||
    $('n').value.trim() !== String(r.asked ?? r.n) || $('seed').value.trim() !== String(r.seed));
  $('stats').classList.toggle('stale', stale);
  $('stale-note').hidden = !stale;
}

/** The lines under the plot that say what is on it, for the current run, t and overlays (explain.mjs). */
function explain() {
  const hint = $('explain-hint'), text = runHint(state.result, state.model, compareShown() ? TEACHER_RUN : null), fieldNote = $('explain-field');
  hint.hidden = !text;
  if (text) { hint.className = 'hint'; hint.textContent = text; }
  const note = $('explain-density');
  note.hidden = !densityOn();
  if (densityOn()) note.textContent = densityText(densitySettings());
  if (state.result?.images) explainImages(); else colourNote($('explain-colours'), state.result, state.model, NOISE_COLOURS);
  const field = $('show-field').checked && !$('show-field').disabled;
  fieldNote.hidden = !field;
  if (field) fieldNote.textContent = fieldText(state.t, $('field-style').value === 'streamlines', state.model?.info.metadata.coupling);
  const grid = $('show-grid').checked && !$('show-grid').disabled && !!state.model, gridNote = $('explain-grid');
  gridNote.hidden = !grid;
  if (grid) gridNote.textContent = gridText(state.t, $('solver').value, $('steps').value.trim());
}

const densityOn = () => $('show-density').checked && !$('show-density').disabled && !!state.model;
/** The density view's settings: the slider's t and the form's solver and steps (the last valid ones). */
function densitySettings() {
  const steps = Number($('steps').value);
  if (Number.isInteger(steps) && steps >= 1 && steps <= 10000) state.densitySteps = steps;
  return { t: state.t, steps: state.densitySteps ?? 20, solver: $('solver').value };
}


// ---- time and animation ----
function setTime(t) {
  const before = state.t >= 0.9;
  state.t = Math.max(0, Math.min(1, t));
  $('time').value = state.t.toFixed(2);
  $('time-label').textContent = `t = ${state.t.toFixed(2)}`;
  if ((state.t >= 0.9) !== before || $('field-style').value === 'streamlines' || densityOn() || $('show-grid').checked) explain();
  draw();
}

function play(from) {
  if (from !== undefined) setTime(from);
  if (!state.result?.traj) { setTime(1); return pause(); }
  if (state.t >= 1) setTime(0);
  $('play').textContent = '❚❚';
  $('play').setAttribute('aria-label', 'pause');
  if (state.playing) return;  // one animation loop at a time
  state.playing = true;
  state.lastFrame = performance.now();
  requestAnimationFrame(frame);
}

function pause() {
  state.playing = false;
  $('play').textContent = '▶';
  $('play').setAttribute('aria-label', 'play');
}

function frame(now) {
  if (!state.playing) return;
  const dt = Math.min(0.1, (now - state.lastFrame) / 1000);
  state.lastFrame = now;
  setTime(state.t + dt / ANIMATION_SECONDS);
  if (state.t >= 1) { pause(); return; }
  requestAnimationFrame(frame);
}

// ---- drawing ----
function target() {
  const e = state.entry;
  if (!e || state.model?.info.dim !== 2) return null;
  const k = state.result?.condition?.condition;  // one class: that class's reference
  const one = typeof k === 'number' && conditionOf(state.model).kind === 'class';
  if (e.points) {
    if (!one || !e.pointLabels) return e.points;
    return Float32Array.from(e.points.filter((_, j) => e.pointLabels[j >> 1] === k));
  }
  if (!e.dataset) return null;
  return one ? drawDataset(state.rill, e.dataset, TARGET_POINTS, 12345, k) : drawDataset(state.rill, e.dataset, TARGET_POINTS, 12345);
}

/** A model drawn as images: 64 values, an 8×8 picture (digits). */
function isImageModel(model) { return model?.info.dim === IMAGE_DIM; }

/** The nearest real image of each sample (when the toggle is on), then a redraw. */
async function updateNearest() {
  const r = state.result;
  if (!r?.images || !$('show-nearest').checked) { explainImages(); draw(); return; }
  try {
    const data = state.digitsData ??= await loadDigits();
    if (state.result !== r) return;
    state.near = nearest(r.images, r.n, data);
    state.realNearest ??= realNearestMedian(data);
  } catch (e) {
    showMessage(`nearest training image: ${e.message}`);
    $('show-nearest').checked = false;
  }
  explainImages();
  draw();
}

const NOISE_COLOURS = $('explain-colours').innerHTML;  // the page's own words for plain samples
/** What the image grid shows, and how far its samples are from the training images. */
function explainImages() {
  if (!state.result?.images) return;
  const near = $('show-nearest').checked ? state.near : null;
  const shown = shownPerRow($('digits').clientWidth, !!(near && state.digitsData), IMAGES_PER_CLASS);
  $('explain-colours').textContent = imagesText(IMAGES_PER_CLASS, near, state.realNearest, shown);
}

function draw() {
  if (isImageModel(state.model)) { drawImages(); return; }
  plot.extent = state.extent;
  plot.clear();
  const r = state.result;
  $('plot').tabIndex = densityOn() ? 0 : -1;  // focus the plot to move the read-out's probe
  if (densityOn()) {
    density.want({ ...densitySettings(), ext: state.extent });
    density.draw(plot);
  }
  readout?.update();
  readout?.drawProbe();
  if ($('show-target').checked) {
    const tg = target();
    if (tg) plot.points(tg, 2, THEME.target, 2);
  }
  if ($('show-field').checked) {
    if ($('field-style').value === 'streamlines') drawFieldStreamlines(state, plot); else drawFieldArrows(state, plot);
  }
  if ($('show-grid').checked && !$('show-grid').disabled) drawFlowGrid(state, plot, Number($('steps').value), $('solver').value);
  if (!r) return;
  let xy = r.x, dim = r.d;
  if (r.traj) {
    const s = state.t * r.steps, i0 = Math.min(r.steps - 1, Math.floor(s)), f = s - i0;
    const a = r.traj.subarray(i0 * r.n * r.d), b = r.traj.subarray((i0 + 1) * r.n * r.d);
    for (let i = 0; i < r.n; i++) {
      const o = i * r.d;
      r.pos[2 * i] = a[o] + f * (b[o] - a[o]);
      r.pos[2 * i + 1] = a[o + 1] + f * (b[o + 1] - a[o + 1]);
    }
    if (state.t >= 1) r.pos.set(r.x);  // exactly the samples at t = 1
    xy = r.pos;
    dim = 2;
    if ($('show-paths').checked) plot.paths(r.traj, r.n, r.d, r.steps, r.pathIds, s);
  }
  plot.points(xy, dim, r.colours, r.n <= 3000 ? 2.5 : r.n <= 20000 ? 2 : 1.5);
}

/** The image grid at the slider's t (the trajectory's snapshots, interpolated as the scatter's). */
function drawImages() {
  const r = state.result;
  if (!r?.images) { digitGrid.draw({ images: null, rows: [] }); return; }
  const images = imagesAt(r, state.t);
  const near = $('show-nearest').checked ? state.near : null;
  $('drop-zone').classList.toggle('tall', !!near);  // on a phone the pairs get a taller view (style.css)
  digitGrid.draw({ images, rows: imageRows(r, state.model, IMAGES_PER_CLASS), near, data: near ? state.digitsData : null });
  window.rillDemo.imageGrid = { ...digitGrid.layout, nearest: near ? { index: Array.from(near.index), dist: Array.from(near.dist) } : null };
}

// ---- wiring ----
let sampler = null;  // made once rill.wasm is compiled
let compare = null;  // compare.mjs: a one-step model beside its teacher
let density = null, readout = null;  // the density view (density.mjs), made with the sampler
window.rillDemo = {
  lastSamples: null,
  lastRun: null,
  /** The last one-step vs teacher comparison shown ([{ label, solver, steps, nfe, ms }, …]), or null. */
  get compare() { return compare?.last ?? null; },
  /** CSS-pixel position of world point (x, y) inside #plot. */
  toScreen: (x, y) => plot.toScreen(x, y),
  /** The field overlay's fixed scale: world units of arrow per unit of speed. */
  fieldScale: FIELD_DT,
  /** The scale (world units per unit of speed) of the arrows last drawn. */
  get drawnArrowScale() { return plot.arrowScale; },
  get trainPreview() { return train?.previewX ?? null; },
  /** The target overlay's points (rill.drawDataset, cached), or null. */
  targetPoints: () => target(),
  /** The density view: the last heat map ({ k, ext, logp, lo, hi, t, ... }) and the read-out. */
  get densityGrid() { return density?.grid ?? null; },
  get densityBusy() { return density?.computing ?? false; },
  get densityReadout() { return readout?.last ?? null; },
  /** The flow grid overlay: its lines as last drawn (2·13 polylines of 41 points), and the grid's trajectory. */
  get gridLines() { return state.gridLines ?? null; },
  get grid() { return state.grid ?? null; },
  setTime,
  sample: sampleNow,
  get trainLosses() { return train?.loss.values ?? []; },
};

let train = null;

async function main() {
  $('sample-form').addEventListener('submit', (e) => { e.preventDefault(); sampleNow({ stop: true, reveal: true }); });
  for (const id of ['solver', 'steps', 'n', 'seed']) $(id).addEventListener('input', markStale);
  $('solver').addEventListener('change', markStale);
  for (const id of ['solver', 'steps']) $(id).addEventListener('input', () => { if (densityOn() || $('show-grid').checked) { explain(); draw(); } });
  $('reseed').addEventListener('click', () => {
    $('seed').value = String(Math.floor(Math.random() * 4294967296));
    sampleNow();
  });
  $('play').addEventListener('click', () => (state.playing ? pause() : play()));
  $('time').addEventListener('input', () => { pause(); setTime(Number($('time').value)); });
  wireShowBox(() => { explain(); draw(); });
  $('show-nearest').addEventListener('change', () => updateNearest());
  new ResizeObserver(() => draw()).observe($('drop-zone'));  // the plot or the image grid, whichever is shown
  document.addEventListener('keydown', (e) => {
    if (e.key === ' ' && !e.target.closest('input, select, textarea, button, [role=application], [role=alert]')) {
      e.preventDefault();
      if (state.playing) pause(); else play();
    }
  });

  $('file').addEventListener('change', async (e) => { await openFile(e.target.files[0]); e.target.value = ''; });
  $('download').addEventListener('click', () => {
    if (state.entry?.bytes) downloadBytes(state.entry.bytes, `${state.entry.fileName ?? 'model'}.safetensors`);
  });
  const zone = $('drop-zone');
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => e.preventDefault());
  zone.addEventListener('dragenter', () => zone.classList.add('dragging'));
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    openFile(e.dataTransfer?.files?.[0]);
  });

  try {
    state.rill = await Rill.load();
  } catch (e) {
    showMessage(`cannot load rill.wasm: ${e.message}`);
    return;
  }
  sampler = new Sampler(state.rill.wasm.module, { onRate: showRate, onError: (text) => showMessage(text) });
  compare = new ComparePanel(state.rill.wasm.module, { box: $('compare'), onError: (text) => showMessage(text) });
  $('compare-toggle').addEventListener('change', () => { explain(); updateCompare(); });
  density = new DensityView(state.rill.wasm.module, () => draw(), (text) => showMessage(text));
  readout = new ReadOut({ canvas: $('plot'), box: $('density-readout'), plot, model: () => state.model,
    settings: densitySettings, active: densityOn, redraw: () => draw() });
  train = new TrainPanel({
    form: $('train-form'), data: $('train-data'), paintBox: $('paint-box'), paint: $('paint'),
    paintCount: $('paint-count'), paintColours: $('paint-colours'), paintClear: $('paint-clear'), steps: $('train-steps'), width: $('train-width'),
    depth: $('train-depth'), lr: $('train-lr'), batch: $('train-batch'), seed: $('train-seed'),
    coupling: $('train-coupling'), timeK: $('train-time'), preset: $('train-preset'),
    train: $('train'), stop: $('train-stop'), download: $('train-download'), progress: $('train-progress'),
    status: $('train-status'), loss: $('loss'), preview: $('preview'),
  }, {
    rill: state.rill,
    module: state.rill.wasm.module,
    onModel: (bytes, meta) => addUserModel(bytes, meta),
    onError: (text, kind, near) => showMessage(text, kind, near),
  });

  const first = await setupModels();
  if (first && await selectEntry(first)) await sampleNow();
  else if (!first) showMessage('This build has no shipped models yet (make models): train one below or open a .safetensors file.', 'note');
  draw();
}

// The Learn view (learn.mjs) at #learn, in place of the demo's layout.
function route() {
  const learn = location.hash === '#learn';
  $('learn').hidden = !learn;
  document.querySelector('main.layout').hidden = learn;
  document.querySelectorAll('nav.views a').forEach((a) => a.toggleAttribute('aria-current', (a.hash === '#learn') === learn));
  if (learn) import('./learn.mjs').then((m) => m.showLearn($('learn'))).catch((e) => showMessage(`Learn: ${e.message}`));
  else draw();
}
window.addEventListener('hashchange', route);
route();

main().finally(() => { document.body.dataset.ready = '1'; });
