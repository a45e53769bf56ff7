// sampler.mjs — the main thread's side of the sampling worker (sample_worker.mjs): one request at a
// time; a new request or cancel() replaces the worker (the model is sent to the new one).
// onRate(m) receives the worker's 'timed' messages for the latest request; onError(text) the
// failures that belong to no request.
export class Sampler {
  /** module: the compiled rill.wasm, handed to each worker (compiled once per page). */
  constructor(module, { onRate, onError }) {
    Object.assign(this, { module, onRate, onError, bytes: null, id: 0, pending: null });
    this.spawn();
  }

  spawn() {
    this.worker = new Worker(new URL('./sample_worker.mjs', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e) => this.message(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.settle(null, new Error(`the sampling worker failed: ${e.message || 'cannot start'}`));
    };
    this.worker.postMessage({ type: 'init', module: this.module });
    if (this.bytes) this.worker.postMessage({ type: 'load', bytes: this.bytes });  // postMessage copies
  }

  load(bytes) {
    this.bytes = bytes;
    this.worker.postMessage({ type: 'load', bytes });
  }

  sample(opts) {
    this.cancel();
    const id = ++this.id;
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject };
      this.worker.postMessage({ type: 'sample', id, ...opts });
    });
  }

  /** Stops a running request (the worker is replaced; the model is sent to the new one). */
  cancel() {
    if (!this.pending) return;
    this.worker.terminate();
    const err = new Error('cancelled');
    err.cancelled = true;
    this.settle(null, err);
    this.spawn();
  }

  settle(value, error) {
    const p = this.pending;
    this.pending = null;
    if (!p) { if (error) this.onError(error.message); return; }
    if (error) p.reject(error); else p.resolve(value);
  }

  message(m) {
    if (m.type === 'timed') { if (m.id === this.id) this.onRate(m); return; }
    if (m.type === 'sampled' && this.pending?.id === m.id) this.settle(m);
    else if (m.type === 'error' && (m.id === null || this.pending?.id === m.id)) this.settle(null, new Error(m.message));
  }
}
