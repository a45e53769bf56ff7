// field.mjs — the geometry of the page's field overlays: the grid the arrows stand on, and
// streamlines of a field frozen at one t. Pure functions over a field callback, so the page
// decides which model and t they show.

/** A k × k grid over [-ext, ext]² as (x, y) pairs, and its cell size. */
export function fieldGrid(ext, k) {
  const cell = (2 * ext) / (k - 1);
  const grid = new Float32Array(2 * k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) { grid[2 * (i * k + j)] = -ext + i * cell; grid[2 * (i * k + j) + 1] = -ext + j * cell; }
  return { grid, cell };
}

/**
 * Streamlines through each grid point: STEPS steps of length 0.3 cell along the direction of the
 * field, forwards and backwards (every line advances together: one field(points) call per step;
 * field returns null on failure). Each line's opacity is its seed's speed on a fixed scale:
 * full at `fullSpeed` and above. Returns { lines: [world (x, y) pairs], alphas }.
 */
export function traceStreamlines(field, grid, cell, fullSpeed, STEPS = 7) {
  const n = grid.length / 2, h = 0.3 * cell, lines = [], alphas = new Float32Array(2 * n);
  const u0 = field(grid);
  if (!u0) return { lines: [], alphas };
  for (let i = 0; i < n; i++) alphas[i] = alphas[n + i] = Math.min(1, Math.hypot(u0[2 * i], u0[2 * i + 1]) / fullSpeed) * 0.85 + 0.12;
  for (const dir of [1, -1]) {
    const x = grid.slice(), u = u0.slice(), traces = Array.from({ length: n }, (_, i) => [grid[2 * i], grid[2 * i + 1]]);
    for (let s = 0; s < STEPS; s++) {
      for (let i = 0; i < n; i++) {
        const l = Math.hypot(u[2 * i], u[2 * i + 1]);
        if (!(l > 1e-6)) continue;
        x[2 * i] += (dir * h * u[2 * i]) / l;
        x[2 * i + 1] += (dir * h * u[2 * i + 1]) / l;
        traces[i].push(x[2 * i], x[2 * i + 1]);
      }
      const next = field(x);
      if (!next) break;
      u.set(next);
    }
    traces.forEach((tr, i) => { lines[dir > 0 ? i : n + i] = tr; });
  }
  return { lines, alphas };
}

/**
 * The vertices of a grid of lines over [−e, e]²: `lines` lines each way of `points` points, the
 * lines of constant y first (x runs along each), then those of constant x — 2·lines·points (x, y)
 * pairs. The main view's flow grid and the Learn view's carry them along a model's flow.
 */
export function gridLineVertices(e, lines, points) {
  const v = new Float32Array(2 * 2 * lines * points);
  let o = 0;
  for (const dir of [0, 1])
    for (let i = 0; i < lines; i++)
      for (let j = 0; j < points; j++) {
        const a = -e + (2 * e * i) / (lines - 1), b = -e + (2 * e * j) / (points - 1);
        v[o++] = dir ? a : b; v[o++] = dir ? b : a;
      }
  return v;
}
