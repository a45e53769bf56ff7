// sample_rows.mjs — rows [begin, end) of a sampling request with the bits they have in one
// model.sample({ n, seed }) (sample_worker.mjs; tests/browser/sampling_test.mjs times it in Node).
//
// The core draws the noise x0 of sample() as one stream, n × d normals in row
// order, from (seed, sampling noise), and integrates each row on its own. The C API samples only
// from the start of that stream, so rows [0, end) are model.sample({ n: end }) (a prefix of the
// stream), and rows [begin, end) with begin > 0 are that stream's rows integrated by
// model.integrate from t = 0 to 1: the stream is drawn by sampling the zero field `linear:0,…,0`
// with one Euler step (x0 + 1·0 = x0, bit for bit; about a microsecond a row) — the core's own
// noise, not a copy of it in JavaScript. A formula field has d ≤ 8: a wider model samples [0, end)
// whole and keeps its rows (the same bits, more work). tests/browser checks the bits.

const FORMULA_MAX_DIM = 8;
let zero = null;   // the zero field of the last model's dimension (its noise source), per module instance

/** Rows [begin, end) of model.sample({ n, steps, solver, seed, trajectory, condition, guidance }):
 *  { x, trajectory } of those rows. */
export function sampleRows(model, rill, { steps, solver, seed, trajectory, condition, guidance, begin, end }) {
  const run = { steps, solver, trajectory };
  if (condition !== undefined && condition !== null) run.condition = condition;
  if (guidance !== undefined && guidance !== null) run.guidance = guidance;
  if (begin === 0) return model.sample({ n: end, seed, ...run });
  const d = model.info.dim;
  // The zero field draws N(0, I) noise: a model with another source (x0 from a dataset), a
  // condition given per row, or one wider than a formula samples [0, end) whole and keeps its rows.
  const perRow = condition instanceof Float32Array && condition.length !== model.condition.width;
  if (d > FORMULA_MAX_DIM || model.source !== 'gaussian' || perRow) {
    const all = model.sample({ n: end, seed, ...run });
    const traj = trajectory ? new Float32Array((steps + 1) * (end - begin) * d) : null;
    for (let s = 0; trajectory && s <= steps; s++) traj.set(all.trajectory.subarray((s * end + begin) * d, (s + 1) * end * d), s * (end - begin) * d);
    return { x: all.x.slice(begin * d), trajectory: traj };
  }
  if (zero?.rill !== rill || zero.info.dim !== d) {
    if (zero?.rill === rill) zero.free();
    zero = rill.loadModel(`linear:${new Array(d * d).fill(0).join(',')}`);
  }
  const noise = zero.sample({ n: end, steps: 1, solver: 'euler', seed }).x.subarray(begin * d);
  return model.integrate(noise, { t0: 0, t1: 1, ...run });
}
