// model_menu.mjs — the demo page's model menu: the shipped models this build has (models/index.json,
// written by make wasm) grouped as datasets, conditions and sources, one-step models, the user's own
// and formulas, with how to open each entry.

import { DATASETS } from './rill.mjs';
import { LISTED_DATASETS } from './datasets.mjs';

// The models made with conditions or sources (make models), listed when this build has them.
export const CONDITIONED_MODELS = ['moons-class', '8gaussians-class', 'checkerboard-class', 'swissroll-s', 'moons-from-8gaussians', 'digits'];

/** Adds an <option> to a group (disabled: listed but not built). */
export function addOption(group, value, label, disabled = false) {
  const o = new Option(label, value);
  o.disabled = disabled;
  group.append(o);
  return o;
}

/**
 * The Model stat's two lines for an entry's label (the card is narrow): the model's name, and what kind
 * of entry it is — an opened file (without .safetensors), a model trained here (with its steps), an exact
 * formula, or a shipped model. The whole label is the card's tooltip and heads the Model file box.
 */
export function statParts(label) {
  const m = /^(file|trained): (.*)$/.exec(label);
  if (m) {
    const steps = / \((\d+ steps?)\)$/.exec(m[2]);
    if (steps) return { name: m[2].slice(0, steps.index), kind: `${m[1]}, ${steps[1]}` };
    return { name: m[2].replace(/\.safetensors$/i, ''), kind: m[1] === 'file' ? 'opened file' : m[1] };
  }
  if (label.startsWith('exact:')) return { name: label.slice('exact:'.length), kind: 'exact formula' };
  return { name: label, kind: 'shipped' };
}

/** The names of the shipped models this build has (models/index.json, written by make wasm); [] without one. */
export async function loadModelIndex() {
  try {
    const res = await fetch('models/index.json', { cache: 'no-cache' });
    return res.ok ? await res.json() : [];
  } catch {
    return [];
  }
}

/**
 * Fills the <select> with the shipped models of models/index.json in groups (datasets, conditions and
 * sources, one step, the user's own, formulas) and `entries` (value → { label, url, dataset, ... })
 * with how to open each. `conditioned`: the conditioned models' names, in the order to list them.
 * Returns the entry to open first (moons if built), or null.
 */
export async function fillModelMenu(select, entries, conditioned = CONDITIONED_MODELS) {
  const shipped = new Set(await loadModelIndex());
  const group = document.createElement('optgroup');
  group.label = 'Shipped models';
  for (const name of LISTED_DATASETS) {
    const value = `shipped:${name}`;
    addOption(group, value, shipped.has(name) ? name : `${name} (not built)`, !shipped.has(name));
    entries.set(value, { value, label: name, url: `models/${name}.safetensors`, dataset: name, fileName: name });
  }
  select.append(group);
  // Models with a condition or a source: those this build has (and any other file in models/).
  const extra = conditioned.filter((name) => shipped.has(name))
    .concat([...shipped].filter((name) => !LISTED_DATASETS.includes(name) && !conditioned.includes(name) && !name.endsWith('-1step')).sort());
  if (extra.length) {
    const cond = document.createElement('optgroup');
    cond.label = 'Conditions and sources';
    for (const name of extra) {
      const value = `shipped:${name}`;
      addOption(cond, value, name);
      // dataset: undefined — the file's own (its metadata), read when it is opened
      entries.set(value, { value, label: name, url: `models/${name}.safetensors`, dataset: undefined, fileName: name });
    }
    select.append(cond);
  }
  const oneStep = document.createElement('optgroup');  // rill reflow's one-step models (sample_steps 1)
  oneStep.label = 'One step (reflow)';
  for (const name of [...shipped].filter((n) => n.endsWith('-1step'))) {
    const value = `onestep:${name}`, dataset = name.slice(0, -'-1step'.length);
    addOption(oneStep, value, name);
    entries.set(value, { value, label: name, url: `models/${name}.safetensors`, dataset, fileName: name });
  }
  if (oneStep.children.length > 0) select.append(oneStep);
  const yours = document.createElement('optgroup');
  yours.label = 'Yours';
  yours.id = 'user-models';
  select.append(yours);
  // Models that are formulas (rill.loadModel by name): the closed-form field of the 8gaussians mixture.
  const formulas = document.createElement('optgroup');
  formulas.label = 'Formulas';
  for (const name of ['exact:8gaussians']) {
    const value = `formula:${name}`;
    addOption(formulas, value, name);
    entries.set(value, { value, label: name, bytes: name, dataset: name.split(':')[1], formula: true });
  }
  select.append(formulas);
  const first = shipped.has('moons') ? 'moons' : DATASETS.find((n) => shipped.has(n));
  return first ? `shipped:${first}` : null;
}
