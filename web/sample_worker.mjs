// sample_worker.mjs — draws samples off the main thread (a module worker using rill.mjs),
// so the page stays responsive for big requests and a running request can be cancelled
// by terminating the worker.
//
// Messages in:  { type: 'init', module }                                 rill.wasm, compiled once by the page
//               { type: 'load', bytes }                                  the model to sample from
//               { type: 'sample', id, n, steps, solver, seed, trajectory, condition, guidance, classes }
//                 condition, guidance: model.sample's; classes: an array of class indices, in place of
//                 condition: n samples of each class k (seed + k), concatenated class after class
// Messages out: { type: 'sampled', id, x, trajectory, labels, ms }        ms: time of the sampling;
//                                                                        labels: each sample's class (with classes)
//               { type: 'timed', id, reps, timedMs }                     after 'sampled': the samples/s timing
//               { type: 'error', id, message }
//
// Timing: one run of a few milliseconds says little about throughput (timer resolution, JIT,
// caches), so after answering, a run shorter than TIME_MS is repeated (same request, without the
// trajectory) until TIME_MS of work has been timed or MAX_REPS runs; the page shows
// reps × n / timedMs, or "too fast to time" when even that stays under TIME_MS.

import { serveModel } from './model_worker.mjs';
import { sampleRequest } from './condition.mjs';

const TIME_MS = 100;
const MAX_REPS = 200;

serveModel({
  sample(model, msg) {
    const t0 = performance.now();
    const { x, trajectory, labels } = sampleRequest(model, msg);
    const ms = performance.now() - t0;
    const transfer = [x.buffer];
    if (trajectory) transfer.push(trajectory.buffer);
    if (labels) transfer.push(labels.buffer);
    postMessage({ type: 'sampled', id: msg.id, x, trajectory, labels, ms }, transfer);
    let reps = 1, timedMs = ms;
    if (ms < TIME_MS) {
      const again = { ...msg, trajectory: false };
      reps = 0;
      const start = performance.now();
      do { sampleRequest(model, again); reps++; timedMs = performance.now() - start; } while (timedMs < TIME_MS && reps < MAX_REPS);
    }
    postMessage({ type: 'timed', id: msg.id, reps, timedMs });
  },
});
