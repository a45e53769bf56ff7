// sample_worker.mjs — draws samples off the main thread (a module worker using rill.mjs),
// so the page stays responsive for big requests and a running request can be cancelled
// by terminating the worker. The page may split one request over several of these workers
// by rows (sampler.mjs): each answers rows [begin, end) of the n samples, with the bits those
// rows have in one model.sample({ n, seed }).
//
// Messages in:  { type: 'init', module }                                 rill.wasm, compiled once by the page
//               { type: 'load', bytes }                                  the model to sample from
//               { type: 'sample', id, n, steps, solver, seed, trajectory, begin?, end? }
// Messages out: { type: 'sampled', id, x, trajectory, ms, begin, end }   ms: time of the sampling;
//                                                                        x: rows begin..end only
//               { type: 'timed', id, reps, timedMs, begin, end }         after 'sampled': the samples/s timing
//               { type: 'error', id, message }
//
// Rows of a range: the core draws the noise x0 of sample() as one stream, n × d normals in row
// order, from (seed, sampling noise), and integrates each row on its own. The C API samples only
// from the start of that stream, so rows [0, end) are model.sample({ n: end }) (a prefix of the
// stream), and rows [begin, end) with begin > 0 are that stream's rows integrated by
// model.integrate from t = 0 to 1: the stream is drawn by sampling the zero field `linear:0,…,0`
// with one Euler step (x0 + 1·0 = x0, bit for bit; about a microsecond a row) — the core's own
// noise, not a copy of it in JavaScript. A formula field has d ≤ 8: a wider model samples [0, end)
// whole and keeps its rows (the same bits, more work). tests/browser checks the bits.
//
// Timing: one run of a few milliseconds says little about throughput (timer resolution, JIT,
// caches), so after answering, a run shorter than TIME_MS is repeated (same request, without the
// trajectory) until TIME_MS of work has been timed or MAX_REPS runs; the page shows
// reps × rows / timedMs, summed over its workers, or "too fast to time" when even that stays under TIME_MS.

import { serveModel } from './model_worker.mjs';

const TIME_MS = 100;
const MAX_REPS = 200;
const FORMULA_MAX_DIM = 8;
let zero = null;   // the zero field of the current model's dimension (its noise source)

/** Rows [begin, end) of model.sample({ n, steps, solver, seed, trajectory }). */
function sampleRows(model, rill, { steps, solver, seed, trajectory, begin, end }) {
  if (begin === 0) return model.sample({ n: end, steps, solver, seed, trajectory });
  const d = model.info.dim;
  if (d > FORMULA_MAX_DIM) {
    const all = model.sample({ n: end, steps, solver, seed, trajectory });
    const traj = trajectory ? new Float32Array((steps + 1) * (end - begin) * d) : null;
    for (let s = 0; trajectory && s <= steps; s++) traj.set(all.trajectory.subarray((s * end + begin) * d, (s + 1) * end * d), s * (end - begin) * d);
    return { x: all.x.slice(begin * d), trajectory: traj };
  }
  if (zero?.info.dim !== d) {
    zero?.free();
    zero = rill.loadModel(`linear:${new Array(d * d).fill(0).join(',')}`);
  }
  const noise = zero.sample({ n: end, steps: 1, solver: 'euler', seed }).x.subarray(begin * d);
  return model.integrate(noise, { t0: 0, t1: 1, steps, solver, trajectory });
}

serveModel({
  sample(model, msg, rill) {
    const range = { ...msg, begin: msg.begin ?? 0, end: msg.end ?? msg.n };
    const { id, begin, end } = range;
    const t0 = performance.now();
    const { x, trajectory } = sampleRows(model, rill, range);
    const ms = performance.now() - t0;
    const transfer = trajectory ? [x.buffer, trajectory.buffer] : [x.buffer];
    postMessage({ type: 'sampled', id, x, trajectory, ms, begin, end }, transfer);
    let reps = 1, timedMs = ms;
    if (ms < TIME_MS) {
      const again = { ...range, trajectory: false };
      reps = 0;
      const start = performance.now();
      do { sampleRows(model, rill, again); reps++; timedMs = performance.now() - start; } while (timedMs < TIME_MS && reps < MAX_REPS);
    }
    postMessage({ type: 'timed', id, reps, timedMs, begin, end });
  },
});
