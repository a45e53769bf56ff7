// density_worker.mjs — the page's density view off the main thread: log p_t of the current
// model on a k × k grid (model.logProb: each point integrated back from t to 0 with the exact
// divergence as one more state, about 3 field evaluations per point per evaluation of the solver).
//
// Messages in:  { type: 'init', module }                      rill.wasm, compiled once by the page
//               { type: 'load', source }                      the bytes of a model file, or a formula name
//               { type: 'grid', id, ext, k, t, steps, solver }
// Messages out: { type: 'grid', id, k, ext, logp, ms, bad }   logp: k×k Float32Array, row j (y from the
//                                                             top) then column i; NaN = no density there
//               { type: 'error', id, message }
//
// A point whose way back is not finite makes logProb throw for its whole batch ('non_finite'):
// the batch is split in halves until the bad points stand alone, which get NaN ("no density").

import { serveModel } from './model_worker.mjs';

/** log p at the points (pairs); NaN where the core reports the way back as not finite. */
function logProbOrNaN(model, pts, opts) {
  try {
    return model.logProb(pts, opts);
  } catch (e) {
    if (e.status !== 'non_finite') throw e;
    const n = pts.length / 2;
    if (n === 1) return Float32Array.of(NaN);
    const h = Math.floor(n / 2), out = new Float32Array(n);
    out.set(logProbOrNaN(model, pts.subarray(0, 2 * h), opts));
    out.set(logProbOrNaN(model, pts.subarray(2 * h), opts), h);
    return out;
  }
}

serveModel({
  grid(model, msg) {
    const { id, ext, k, t, steps, solver } = msg, cell = (2 * ext) / k;
    const pts = new Float32Array(2 * k * k);
    for (let j = 0; j < k; j++)
      for (let i = 0; i < k; i++) { pts[2 * (j * k + i)] = -ext + (i + 0.5) * cell; pts[2 * (j * k + i) + 1] = ext - (j + 0.5) * cell; }
    const t0 = performance.now();
    const logp = logProbOrNaN(model, pts, { t, steps, solver });
    let bad = 0;
    for (let i = 0; i < logp.length; i++) if (!Number.isFinite(logp[i])) { logp[i] = NaN; bad++; }
    postMessage({ type: 'grid', id, k, ext, logp, bad, ms: performance.now() - t0 }, [logp.buffer]);
  },
});
