// overlays.mjs — what the main view draws in the plane besides the particles: the vector field u_t
// (arrows on one fixed scale, or streamlines) and the flow grid ψ_t. Each takes the page's state
// (model, entry, t, extent, caches) and its Plot; results are cached in the state by what they
// depend on.
import { fieldGrid, traceStreamlines, gridLineVertices } from './field.mjs';
import { showMessage } from './messages.mjs';

// The field is drawn at one fixed scale, whatever the model or t: an arrow is the motion over
// FIELD_DT (so a field of 0.01 looks weak and one of 3 strong), cut at MAX_ARROW_CELLS grid cells.
export const FIELD_DT = 0.1;
const MAX_ARROW_CELLS = 1.6;
export const LEGEND_SPEED = 4;
export const STREAM_FULL_SPEED = 4;             // streamlines are fully bright at this speed and above
const FIELD_SPACING = 34;                // CSS pixels between arrows (so phones get fewer)

function evalField(state, points) {
  try {
    return state.model.field(points, state.t);
  } catch (e) {
    showMessage(`field: ${e.message}`);
    return null;
  }
}

/** The field u_t at the slider's t as arrows on one fixed scale, with a legend. */
export function drawFieldArrows(state, plot) {
  const m = state.model;
  if (!m || m.info.dim !== 2) return;
  const k = Math.max(9, Math.min(25, Math.round(plot.canvas.clientWidth / FIELD_SPACING)));
  const key = `arrows@${state.entry.value}@${state.t}@${state.extent}@${k}`;
  if (state.fieldCache.key !== key) {
    const { grid, cell } = fieldGrid(state.extent * 0.92, k);
    state.fieldCache = { key, grid, cell, u: evalField(state, grid) };
  }
  const f = state.fieldCache;
  if (!f.u) return;
  plot.arrows(f.grid, f.u, FIELD_DT, { maxLen: MAX_ARROW_CELLS * f.cell });
  plot.legend(LEGEND_SPEED * FIELD_DT, `speed ${LEGEND_SPEED} (arrow = motion in Δt = ${FIELD_DT})`);
}

/** Streamlines of the field frozen at t (field.mjs), brightness by speed on a fixed scale. */
export function drawFieldStreamlines(state, plot) {
  const m = state.model;
  if (!m || m.info.dim !== 2) return;
  const k = Math.max(8, Math.min(16, Math.round(plot.canvas.clientWidth / 44)));
  const key = `streams@${state.entry.value}@${state.t}@${state.extent}@${k}`;
  if (state.fieldCache.key !== key) {
    const { grid, cell } = fieldGrid(state.extent * 0.92, k);
    state.fieldCache = { key, ...traceStreamlines((pts) => evalField(state, pts), grid, cell, STREAM_FULL_SPEED) };
  }
  const f = state.fieldCache;
  if (f.lines.length) plot.lines(f.lines, f.alphas);
}

// The flow ψ_t as a grid: lines of N(0, I)'s region at t = 0 carried by the
// model's own integrate (the page's solver and steps), drawn at the slider's t.
// Computed once per model, solver and steps (a few hundred points: milliseconds).
const GRID_LINES = 13, GRID_POINTS = 41, GRID_HALF = 3;
function flowGrid(state, steps, solver) {
  const model = state.model;
  const key = `${state.entry?.value ?? ''}|${solver}|${steps}`;
  if (state.grid?.key === key && state.grid.model === model) return state.grid;
  const pts = gridLineVertices(GRID_HALF, GRID_LINES, GRID_POINTS);
  try {
    const r = model.integrate(pts, { steps, solver, t0: 0, t1: 1, trajectory: true });
    state.grid = { key, model, steps, traj: r.trajectory, n: pts.length / 2 };
  } catch (e) {
    state.grid = { key, model, steps, traj: null, n: 0 };
    showMessage(`flow grid: ${e.message}`);
  }
  return state.grid;
}

/** The flow grid at the slider's t, for the page's solver and steps (a whole number >= 1). */
export function drawFlowGrid(state, plot, steps, solver) {
  if (!state.model || !Number.isInteger(steps) || steps < 1) return;
  const g = flowGrid(state, steps, solver);
  if (!g.traj) return;
  const s = state.t * g.steps, i0 = Math.min(g.steps - 1, Math.floor(s)), f = s - i0;
  const a = g.traj.subarray(i0 * g.n * 2), b = g.traj.subarray((i0 + 1) * g.n * 2);
  const lines = [], alphas = [];
  for (let l = 0; l < 2 * GRID_LINES; l++) {
    const line = new Float32Array(2 * GRID_POINTS);
    for (let p = 0; p < GRID_POINTS; p++) {
      const o = 2 * (l * GRID_POINTS + p);
      line[2 * p] = a[o] + f * (b[o] - a[o]);
      line[2 * p + 1] = a[o + 1] + f * (b[o + 1] - a[o + 1]);
    }
    lines.push(line);
    alphas.push(0.55);
  }
  state.gridLines = lines;
  plot.lines(lines, alphas, '250,204,21');
}
