// sample_worker.mjs — draws samples off the main thread (a module worker using rill.mjs),
// so the page stays responsive for big requests and a running request can be cancelled
// by terminating the worker. The page may split one request over several of these workers
// by rows (sampler.mjs): each answers rows [begin, end) of the n samples, with the bits those
// rows have in one model.sample({ n, seed }).
//
// Messages in:  { type: 'init', module }                                 rill.wasm, compiled once by the page
//               { type: 'load', bytes }                                  the model to sample from
//               { type: 'sample', id, n, steps, solver, seed, trajectory, condition, guidance, classes,
//                 begin?, end? }
//                 condition, guidance: model.sample's; classes: an array of class indices, in place of
//                 condition: n samples of each class k (seed + k), concatenated class after class (never
//                 split by rows: the sampler sends it to one worker)
// Messages out: { type: 'sampled', id, x, trajectory, labels, ms, begin, end }   ms: time of the sampling;
//                                                                        x: rows begin..end only;
//                                                                        labels: each sample's class (with classes)
//               { type: 'timed', id, reps, timedMs, begin, end }         after 'sampled': the samples/s timing
//               { type: 'error', id, message }
//
// Rows of a range: sample_rows.mjs (how they keep their bits).
//
// Timing: one run of a few milliseconds says little about throughput (timer resolution, JIT,
// caches), so after answering, a run shorter than TIME_MS is repeated (same request, without the
// trajectory) until TIME_MS of work has been timed or MAX_REPS runs; the page shows
// reps × rows / timedMs, summed over its workers, or "too fast to time" when even that stays under TIME_MS.

import { serveModel } from './model_worker.mjs';
import { sampleRows } from './sample_rows.mjs';
import { sampleRequest } from './condition.mjs';

const TIME_MS = 100;
const MAX_REPS = 200;

serveModel({
  sample(model, msg, rill) {
    const range = { ...msg, begin: msg.begin ?? 0, end: msg.end ?? msg.n };
    const { id, begin, end } = range;
    const t0 = performance.now();
    const draw = (req) => (req.classes ? sampleRequest(model, req) : { ...sampleRows(model, rill, req), labels: null });
    const { x, trajectory, labels } = draw(range);
    const ms = performance.now() - t0;
    const rows = labels ? labels.length : end - begin;  // all classes: n of each (read before the transfer detaches labels)
    const transfer = [x.buffer];
    if (trajectory) transfer.push(trajectory.buffer);
    if (labels) transfer.push(labels.buffer);
    postMessage({ type: 'sampled', id, x, trajectory, labels, ms, begin, end }, transfer);
    let reps = 1, timedMs = ms;
    if (ms < TIME_MS) {
      const again = { ...range, trajectory: false };
      reps = 0;
      const start = performance.now();
      do { draw(again); reps++; timedMs = performance.now() - start; } while (timedMs < TIME_MS && reps < MAX_REPS);
    }
    postMessage({ type: 'timed', id, reps, timedMs, begin, end: begin + rows });
  },
});
