// learn_worker.mjs — the Learn view's heavy computations off the main thread (web/learn.mjs asks,
// through LearnJobs in learn_kit.mjs): the error-vs-h sweep of the four solvers, the flow grid,
// the backwards integration, the flow model beside exact:8gaussians and the ‖u^θ − u*‖ heat map.
// The same rill.wasm and the same JavaScript as on the main thread, so the same numbers; the main
// thread keeps only what takes microseconds (the arrows of a ≤ 17 × 17 grid, exp(tA) of a leaf).
//
// Messages in (model_worker.mjs's protocol):
//   { type: 'init', module }                      rill.wasm, compiled once by the page
//   { type: 'load', source | bytes }              the model the next requests use ('linear:…' or a file)
//   { type: 'errors', id, A, x0, ns, maxN }       linear model: global errors at t = 1 for n in ns, and
//                                                 the paths for n = 1..maxN (the h slider), per solver
//   { type: 'flow', id, e, t1, steps, solver }    the grid of lines over [-e, e]² carried to t1
//   { type: 'back', id, name, n, steps }          n points of dataset `name` (seed 3) back to t = 0, RK4
//   { type: 'compare', id, n, steps }             the model and exact:8gaussians sampled (seed 1, Heun)
//   { type: 'heat', id, t, G, e }                 ‖u^θ_t − u*_t‖ on G × G cells over [-e, e]²
// Messages out: { type: <the request's>, id, ms, ...result }   ms: the worker's time for it
//               { type: 'error', id, message }

import { serveModel } from './model_worker.mjs';
import { gridLineVertices } from './field.mjs';
import { SOLVER_NAMES, FLOW_LINES, FLOW_POINTS, apply, heatCells } from './learn_kit.mjs';

let exact = null;   // exact:8gaussians, loaded once
const exactField = (rill) => (exact ??= rill.loadModel('exact:8gaussians'));

function answer(type, msg, t0, result, transfer = []) {
  postMessage({ type, id: msg.id, ms: performance.now() - t0, ...result }, transfer);
}

serveModel({
  errors(model, msg, rill) {
    const t0 = performance.now(), { A, x0, ns, maxN } = msg;
    const end = apply(rill.matrixExp2x2(A, 1), x0[0], x0[1]);
    const err = {}, paths = {};
    for (const s of Object.keys(SOLVER_NAMES)) {
      err[s] = ns.map((n) => {
        const { x } = model.integrate(x0, { t0: 0, t1: 1, steps: n, solver: s });
        return Math.hypot(x[0] - end[0], x[1] - end[1]);
      });
      paths[s] = Array.from({ length: maxN + 1 }, (_, n) => (n ? model.integrate(x0, { t0: 0, t1: 1, steps: n, solver: s, trajectory: true }).trajectory : null));
    }
    answer('errors', msg, t0, { exact: end, err, paths });
  },
  flow(model, msg) {
    const t0 = performance.now(), { e, t1, steps, solver } = msg;
    if (model.info.dim !== 2) throw new Error(`a ${model.info.dim}-D model: the flow grid is drawn in 2-D`);
    const vertices = gridLineVertices(e, FLOW_LINES, FLOW_POINTS);
    const { trajectory } = model.integrate(vertices, { t0: 0, t1, steps, solver, trajectory: true });
    answer('flow', msg, t0, { vertices, traj: trajectory }, [trajectory.buffer]);
  },
  back(model, msg, rill) {
    const t0 = performance.now(), { name, n, steps } = msg;
    if (model.info.dim !== 2) throw new Error(`${name} is a ${model.info.dim}-D model: this part draws 2-D points`);
    const data = rill.drawDataset(name, n, 3);
    const down = model.integrate(data, { t0: 1, t1: 0, steps, solver: 'rk4', trajectory: true });
    const up = model.integrate(down.x, { t0: 0, t1: 1, steps, solver: 'rk4' });
    let worst = 0, mx = 0, my = 0, v = 0;
    for (let i = 0; i < n; i++) {
      worst = Math.max(worst, Math.hypot(up.x[2 * i] - data[2 * i], up.x[2 * i + 1] - data[2 * i + 1]));
      mx += down.x[2 * i] / n; my += down.x[2 * i + 1] / n;
    }
    for (let i = 0; i < n; i++) v += ((down.x[2 * i] - mx) ** 2 + (down.x[2 * i + 1] - my) ** 2) / (2 * n);
    answer('back', msg, t0, { data, noise: down.x, traj: down.trajectory, roundTrip: worst, noiseMean: [mx, my], noiseVar: v });
  },
  compare(model, msg, rill) {
    const t0 = performance.now(), { n, steps } = msg;
    const opts = { n, steps, solver: 'heun', seed: 1, trajectory: true };
    const net = model.sample(opts).trajectory, ex = exactField(rill).sample(opts).trajectory;
    answer('compare', msg, t0, { net, exact: ex }, [net.buffer, ex.buffer]);
  },
  heat(model, msg, rill) {
    const t0 = performance.now(), { t, G, e } = msg, cells = heatCells(G, e);
    const un = model.field(cells, t), ue = exactField(rill).field(cells, t), dist = new Float64Array(G * G);
    for (let q = 0; q < G * G; q++) dist[q] = Math.hypot(un[2 * q] - ue[2 * q], un[2 * q + 1] - ue[2 * q + 1]);
    answer('heat', msg, t0, { t, G, e, cells, dist }, [dist.buffer]);
  },
});
