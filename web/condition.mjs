// condition.mjs — what the page knows about a model's condition (formats.md: none, class:C or
// vector:M), shared by the main thread and the sampling worker (no DOM here): the condition and
// class names of a model, the colour of each class, the paint colours (a painted point's colour is
// its class), and one sampling request, conditioned or one call per class ("all classes").

/** The paint colours of the drawing tool; a painted model's class_names are these names. */
export const PAINT_COLOURS = [
  { name: 'amber', css: '#fbbf24' },
  { name: 'sky', css: '#38bdf8' },
  { name: 'pink', css: '#f472b6' },
  { name: 'lime', css: '#a3e635' },
];

/**
 * A model's condition as the page uses it: { kind: 'none' | 'class' | 'vector', width, names }
 * (names: C class names, from the file's class_names or 0..C−1; null unless kind is 'class').
 */
export function conditionOf(model) {
  const c = model?.condition ?? { kind: 'none', width: 0 };
  if (c.kind !== 'class') return { kind: c.kind, width: c.width, names: null };
  const given = model.classNames;
  const names = Array.isArray(given) && given.length === c.width ? given : Array.from({ length: c.width }, (_, k) => String(k));
  return { kind: 'class', width: c.width, names };
}

/** The colour of class k of C (a paint colour when the class is named after one). */
export function classColour(k, C, names = null) {
  const paint = PAINT_COLOURS.find((p) => p.name === names?.[k]);
  if (paint) return paint.css;
  return `hsl(${Math.round((k * 360) / Math.max(1, C) + 200) % 360} 85% ${k % 2 ? 70 : 62}%)`;
}

/** The options model.sample takes from a request (the message's own fields are left out). */
function options({ n, steps, solver, seed, trajectory, condition, guidance }) {
  const o = { n, steps, solver, seed, trajectory };
  if (condition !== undefined && condition !== null) o.condition = condition;
  if (guidance !== undefined && guidance !== null) o.guidance = guidance;
  return o;
}

/**
 * One sampling request { n, steps, solver, seed, trajectory, condition, guidance, classes }:
 * model.sample, or with `classes` (class indices) n samples of each class k (seed + k), joined
 * class after class, with their labels; the trajectories are joined per snapshot, so the layout
 * stays (steps + 1) × total × d. Returns { x, trajectory, labels } (labels null without classes).
 */
export function sampleRequest(model, msg) {
  if (!msg.classes) return { ...model.sample(options(msg)), labels: null };
  const d = model.info.dim, n = msg.n, total = n * msg.classes.length;
  const x = new Float32Array(total * d), labels = new Int32Array(total);
  const trajectory = msg.trajectory ? new Float32Array((msg.steps + 1) * total * d) : null;
  msg.classes.forEach((k, j) => {
    const r = model.sample(options({ ...msg, condition: k, seed: (msg.seed + k) >>> 0 }));
    x.set(r.x, j * n * d);
    labels.fill(k, j * n, (j + 1) * n);
    if (trajectory) {
      for (let s = 0; s <= msg.steps; s++) trajectory.set(r.trajectory.subarray(s * n * d, (s + 1) * n * d), (s * total + j * n) * d);
    }
  });
  return { x, trajectory, labels };
}
