// datasets.mjs — the built-in 2-D targets the page draws behind the samples, so you can see
// what a model was trained to produce. The core draws them (rill.drawDataset: the points
// `rill data --data NAME --n N --seed SEED` writes, bit for bit); this file only keeps each
// draw, since the overlays redraw the same points on every frame.

import { DATASETS } from './rill.mjs';

const drawn = new Map();

/**
 * n points of dataset `name` as a Float32Array of (x, y) pairs, or null for a name that is not
 * a built-in dataset. rill: the loaded Rill. Each (name, n, seed) is drawn once and the same
 * array returned after (callers must not modify it).
 */
export function drawDataset(rill, name, n, seed) {
  if (!DATASETS.includes(name)) return null;
  const key = `${name}/${n}/${seed}`;
  if (!drawn.has(key)) drawn.set(key, rill.drawDataset(name, n, seed));
  return drawn.get(key);
}
