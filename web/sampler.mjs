// sampler.mjs — the main thread's side of the sampling workers (sample_worker.mjs): one request at
// a time, split by rows over `workers` workers (each its own rill.wasm instance), whose chunks are
// put back in row order: the same bits as one worker (or one model.sample) for the same request.
// A new request or cancel() replaces the workers (the model is sent to the new ones).
//
// How many: navigator.hardwareConcurrency decides (2 where there are two cores or more, else 1),
// unless the constructor is told. A request of fewer than 2 × MIN_ROWS rows goes to one worker
// (two would spend more on messages than they save).
// onRate(m) receives the timing of the latest request once every worker has timed its rows:
// { id, workers, rate (samples/s, the workers' rates summed: they run side by side), reps, timedMs
// (the shortest worker's) }; onError(text) the failures that belong to no request.
export const MIN_ROWS = 256;

/** Workers for sampling on this machine: 2 with two cores or more, else 1. */
export function defaultWorkers() {
  const cores = (typeof navigator === 'object' && navigator.hardwareConcurrency) || 1;
  return cores >= 2 ? 2 : 1;
}

export class Sampler {
  /** module: the compiled rill.wasm, handed to each worker (compiled once per page). */
  constructor(module, { onRate, onError, workers = defaultWorkers() }) {
    Object.assign(this, { module, onRate, onError, count: workers, bytes: null, id: 0, pending: null, timing: null });
    this.workers = [];
    this.spawn();
  }

  spawn() {
    this.workers = Array.from({ length: this.count }, () => {
      const w = new Worker(new URL('./sample_worker.mjs', import.meta.url), { type: 'module' });
      w.onmessage = (e) => this.message(e.data);
      w.onerror = (e) => {
        e.preventDefault();
        this.settle(null, new Error(`the sampling worker failed: ${e.message || 'cannot start'}`));
      };
      w.postMessage({ type: 'init', module: this.module });
      if (this.bytes) w.postMessage({ type: 'load', bytes: this.bytes });  // postMessage copies
      return w;
    });
  }

  load(bytes) {
    this.bytes = bytes;
    for (const w of this.workers) w.postMessage({ type: 'load', bytes });
  }

  /** Resolves to { id, x, trajectory, ms (the slowest worker's), workers } for n rows. */
  sample(opts) {
    this.cancel();
    const id = ++this.id, n = opts.n;
    const k = n >= 2 * MIN_ROWS && !opts.classes ? this.count : 1;  // 'all classes': one worker
    const bounds = Array.from({ length: k + 1 }, (_, i) => Math.floor((n * i) / k));
    this.timing = { id, parts: k, got: [] };
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject, opts, parts: [], left: k };
      for (let i = 0; i < k; i++) this.workers[i].postMessage({ type: 'sample', id, ...opts, begin: bounds[i], end: bounds[i + 1] });
    });
  }

  /** Stops a running request (the workers are replaced; the model is sent to the new ones). */
  cancel() {
    if (!this.pending) return;
    for (const w of this.workers) w.terminate();
    const err = new Error('cancelled');
    err.cancelled = true;
    this.settle(null, err);
    this.spawn();
  }

  /** Ends the workers (a request still running is cancelled); the sampler is not usable after. */
  close() {
    this.cancel();
    for (const w of this.workers) w.terminate();
    this.workers = [];
  }

  settle(value, error) {
    const p = this.pending;
    this.pending = null;
    if (!p) { if (error) this.onError(error.message); return; }
    if (error) p.reject(error); else p.resolve(value);
  }

  /** The parts in row order, as one result. */
  combine({ id, opts, parts }) {
    const { n, steps } = opts, d = parts.reduce((s, m) => s + m.x.length, 0) / n;
    parts.sort((a, b) => a.begin - b.begin);
    if (parts.length === 1) { const m = parts[0]; return { id, x: m.x, trajectory: m.trajectory, labels: m.labels ?? null, ms: m.ms, workers: 1 }; }
    const x = new Float32Array(n * d), trajectory = parts[0].trajectory ? new Float32Array((steps + 1) * n * d) : null;
    for (const m of parts) {
      x.set(m.x, m.begin * d);
      const rows = (m.end - m.begin) * d;
      for (let s = 0; trajectory && s <= steps; s++) trajectory.set(m.trajectory.subarray(s * rows, (s + 1) * rows), s * n * d + m.begin * d);
    }
    return { id, x, trajectory, ms: Math.max(...parts.map((m) => m.ms)), workers: parts.length };
  }

  message(m) {
    if (m.type === 'timed') {
      const t = this.timing;
      if (!t || t.id !== m.id) return;
      t.got.push(m);
      if (t.got.length === t.parts) {
        this.onRate({ id: m.id, workers: t.parts, rate: t.got.reduce((s, g) => s + (g.reps * (g.end - g.begin)) / (g.timedMs / 1000), 0),
          reps: Math.min(...t.got.map((g) => g.reps)), timedMs: Math.min(...t.got.map((g) => g.timedMs)) });
      }
      return;
    }
    const p = this.pending;
    if (m.type === 'sampled' && p?.id === m.id) {
      p.parts.push(m);
      if (--p.left === 0) this.settle(this.combine(p));
    } else if (m.type === 'error' && (m.id === null || p?.id === m.id)) this.settle(null, new Error(m.message));
  }
}
