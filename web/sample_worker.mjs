// sample_worker.mjs — draws samples off the main thread (a module worker using rill.mjs),
// so the page stays responsive for big requests and a running request can be cancelled
// by terminating the worker.
//
// Messages in:  { type: 'init', module }                                 rill.wasm, compiled once by the page
//               { type: 'load', bytes }                                  the model to sample from
//               { type: 'sample', id, n, steps, solver, seed, trajectory }
// Messages out: { type: 'sampled', id, x, trajectory, ms }                ms: time of model.sample()
//               { type: 'timed', id, reps, timedMs }                     after 'sampled': the samples/s timing
//               { type: 'error', id, message }
//
// Timing: one run of a few milliseconds says little about throughput (timer resolution, JIT,
// caches), so after answering, a run shorter than TIME_MS is repeated (same request, without the
// trajectory) until TIME_MS of work has been timed or MAX_REPS runs; the page shows
// reps × n / timedMs, or "too fast to time" when even that stays under TIME_MS.

import { serveModel } from './model_worker.mjs';

const TIME_MS = 100;
const MAX_REPS = 200;

serveModel({
  sample(model, msg) {
    const t0 = performance.now();
    const { x, trajectory } = model.sample(msg);
    const ms = performance.now() - t0;
    const transfer = trajectory ? [x.buffer, trajectory.buffer] : [x.buffer];
    postMessage({ type: 'sampled', id: msg.id, x, trajectory, ms }, transfer);
    let reps = 1, timedMs = ms;
    if (ms < TIME_MS) {
      const again = { ...msg, trajectory: false };
      reps = 0;
      const start = performance.now();
      do { model.sample(again); reps++; timedMs = performance.now() - start; } while (timedMs < TIME_MS && reps < MAX_REPS);
    }
    postMessage({ type: 'timed', id: msg.id, reps, timedMs });
  },
});
