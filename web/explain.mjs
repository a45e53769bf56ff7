// explain.mjs — the demo page's words: the lines under the plot that say what is on it (the run's
// hint, the field and heat-map notes, what the dots' colours and the image grid mean) and the
// model card's facts. Pure builders: app.mjs passes what they describe and puts the text in place.

import { EVALUATIONS } from './rill.mjs';
import { FIELD_DT, LEGEND_SPEED, STREAM_FULL_SPEED } from './overlays.mjs';
import { gridSide } from './density.mjs';
import { classColour, conditionOf } from './condition.mjs';
import { median } from './digit_grid.mjs';

/**
 * The hint for a one-Euler-step run (a step-conditioned or reflowed model, or a plain one that collapses), or
 * null; `teacherRun` ({ solver, steps }): the compare panes (a reflowed model beside its teacher, run so) are shown.
 */
export function runHint(r, model, teacherRun = null) {
  const compareOn = !!teacherRun;
  const meta = model?.info.metadata ?? {};
  if (r && compareOn && meta.made_by === 'reflow' && (r.solver !== (meta.sample_solver ?? 'euler') || r.steps !== Number(meta.sample_steps ?? 1))) {
    return `The two panes run each model at what it is meant for — this one at ${meta.sample_solver ?? 'euler'} × ${meta.sample_steps ?? 1}, ` +
      `its teacher at ${teacherRun.solver} × ${teacherRun.steps} — while the main plot follows your form (${r.solver} × ${r.steps}).`;
  }
  if (!r || r.solver !== 'euler' || r.steps !== 1) return null;
  if ((model?.info.stepK ?? -1) >= 0) {
    return 'A step-conditioned model: besides x and t it reads the length h of the step it is asked for (here h = 1) ' +
      'and gives the average velocity over that step, so one Euler step x₀ + h·u(x₀, 0, h) is its whole flow — 1 field ' +
      'evaluation a sample. More steps use shorter h, each the average over its own step.';
  }
  if (model?.info.metadata?.made_by === 'reflow') {
    return 'A one-step model (rill reflow): it was retrained on pairs (x₀, x₁) that its teacher\'s flow joins, ' +
      'so its paths are nearly straight and one Euler step lands on the data — 1 field evaluation a sample instead of ' +
      `the teacher's 40. ${compareOn ? 'The two panes show them side by side, from the same noise.' : 'Tick "compare" to see the two side by side.'}`;
  }
  return 'One Euler step collapses everything to the mean: it moves each x₀ by u₀(x₀), and at t = 0 the noise ' +
    'tells nothing about which data point it will become, so u₀(x) = E[x₁] − x and every sample lands on E[x₁], the data\'s mean. ' +
    'More steps let the field bend the paths.';
}

/** What the field overlay shows at time t (`streams`: streamlines, else arrows); `coupling` from the metadata. */
export function fieldText(t, streams, coupling) {
  let text = streams
    ? `Streamlines of u_t frozen at t = ${t.toFixed(2)}; brightness is speed on a fixed scale (full at speed ${STREAM_FULL_SPEED}).`
    : `Arrows: u_t at a fixed scale — each is the motion over Δt = ${FIELD_DT} (legend: speed ${LEGEND_SPEED}); amber arrows are cut short.`;
  if (t >= 0.9 && coupling !== 'ot')
    text += ' Near t = 1 the field points away from the data, outwards: with independent coupling the noise x₀ at a data point x ' +
      'could be anything, so the average velocity there is u₁(x) = x − E[x₀] = x. It is the mean motion of the pairs passing x, not a pull towards data.';
  return text;
}

/** What the flow grid shows at time t, for the page's solver and steps. */
export function gridText(t, solver, steps) {
  return `Flow grid: straight lines over [−3, 3]² at t = 0 (where most of the noise x₀ lies), each point carried by the ` +
    `model's flow ψ_t to t = ${t.toFixed(2)} (${solver}, ${steps} steps). Where the lines crowd, the flow squeezes space and ` +
    'probability piles up; where they spread, it thins out.';
}

/** What the heat map is, and what it costs, for the density view's settings { t, steps, solver }. */
export function densityText(s) {
  const k = gridSide(s.steps, s.solver), evals = EVALUATIONS[s.solver];
  return `Heat map: log p_t(x) in nats at t = ${s.t.toFixed(2)}, the density of the model's flow, each of ${k} × ${k} grid ` +
    `points integrated back to t = 0 with the exact divergence (${s.solver}, ${s.steps} steps). It costs about 3 field evaluations ` +
    `per grid point per step${evals > 1 ? ` and evaluation (${s.solver} makes ${evals} a step)` : ''}: ${(3 * k * k * s.steps * evals).toLocaleString('en')} here. ` +
    'Grey: no density (the way back is not finite). Hover or tap, or focus the plot and use the arrow keys, to read log p at a point.';
}

/**
 * Fills `note` with what the dots' colours mean for the run `r` of `model`: a legend for all classes,
 * one class, a vector condition, or (`noiseHtml`, the page's own text) the direction of the noise.
 */
export function colourNote(note, r, model, noiseHtml) {
  const cond = conditionOf(model);
  const k = r?.condition?.condition, w = r?.condition?.guidance;
  const guided = w !== undefined && w !== 1 ? ` at guidance w = ${w.toFixed(1)}` : '';
  if (r?.labels) {  // a legend: a swatch and the name of each class
    const legend = cond.names.flatMap((name, c) => {
      const dot = document.createElement('span');
      dot.className = 'swatch';
      dot.style.background = classColour(c, cond.width, cond.names);
      return [' ', dot, ` ${name}`];
    });
    note.replaceChildren(`Each dot is a sample, coloured by the class it was asked for${guided}:`, ...legend, '. Grey dots: the target data.');
  } else if (typeof k === 'number' && cond.kind === 'class') {
    note.textContent = `Samples of class ${cond.names[k]}${guided}; grey dots: that class's reference data.`;
  } else if (Array.isArray(k)) {
    note.textContent = `Samples for the condition ${k.map((v) => v.toFixed(2)).join(', ')}${guided}; their colour is the direction of the starting noise. Grey dots: the whole target.`;
  } else {
    note.innerHTML = noiseHtml;
  }
  const source = model?.source ?? model?.info.metadata?.source;
  if (source && source !== 'gaussian') {
    note.append(` This model's source is ${source}: its x₀ is drawn from that dataset, not from N(0, I), so at t = 0 the particles already have its shape.`);
  }
}

/**
 * What the image grid shows (`perRow` samples a row), and with `near` (nearest training images)
 * how far its samples are from the training set beside `realNearest`, real images' own median.
 */
export function imagesText(perRow, near, realNearest, shown = perRow) {
  let text = `Each row is a class (or, for one class, ${perRow} of its samples); each picture is a generated 8×8 image x_t at the slider's t ` +
    `(noise at t = 0, digits at t = 1): ${perRow} samples a row, whatever the Samples field says` +
    (shown < perRow ? ` — on this narrow screen the first ${shown} of each row, beside their nearest images.` : '.');
  if (near) {
    text += ` Beside each sample: its nearest training image by L2 distance d (pixels as x = pixel/8 − 1). Median d of these samples: ` +
      `${median(near.dist).toFixed(2)}; real images to their nearest other real image: ${realNearest.toFixed(2)} — ` +
      'samples at least that far are new images, not copies.';
  }
  return text;
}

/** The condition's share of the network's input (formats.md: C one-hot values, or M + 1 for vector:M). */
function condInputs(model) {
  const c = conditionOf(model);
  return c.kind === 'class' ? `+${c.width}` : c.kind === 'vector' ? `+${c.width + 1}` : '';
}

/** A step-conditioned model's step features (formats.md, step_embedding: raw h 1, sin:K 2K). */
const stepInputs = ({ stepK }) => (stepK >= 0 ? `+${stepK ? 2 * stepK : 1}` : '');

const ACT_LABEL = { silu: 'SiLU', relu: 'ReLU', tanh: 'tanh', gelu: 'GELU', gelu_tanh: 'GELU (tanh)' };
/** The model card: [term, description] rows for `model`, listed as `label`. */
export function modelFacts(model, label) {
  const { info } = model, meta = info.metadata ?? {};
  if (info.formula) return [['model', label], ['formula', 'the closed-form field of the 8gaussians mixture (no network)']];
  const rows = [
    ['model', label],
    ['network', `${info.dim}+${info.timeK ? 2 * info.timeK : 1}${stepInputs(info)}${condInputs(model)} → ${info.width} × ${info.depth} → ${info.dim}, ${ACT_LABEL[info.activation] ?? info.activation}`],
    ['time input', info.timeK ? `sin/cos, K = ${info.timeK}` : 'raw t'],
    ['parameters', info.params.toLocaleString('en')],
    ['cost', `${Math.round(info.flops).toLocaleString('en')} FLOP per point per evaluation`],
  ];
  if (info.stepK >= 0) {
    rows.push(['step input', `step-conditioned (${model.stepEmbedding}): it reads each solver step's length h and gives the average ` +
      'velocity over the step; forwards only, no log-density']);
  }
  if (meta.dataset) rows.push(['trained on', meta.dataset === 'points' ? 'points given to the trainer (a drawing on this page, or a data file)' : meta.dataset]);
  const cond = conditionOf(model);
  if (cond.kind === 'class') rows.push(['condition', `class: ${cond.width} classes (${cond.names.join(', ')})`]);
  else if (cond.kind === 'vector') rows.push(['condition', `vector of ${cond.width} value${cond.width > 1 ? 's' : ''}${meta.dataset === 'swissroll' ? ' (s, along the roll)' : ''}`]);
  if (cond.kind !== 'none' && meta.cfg_dropout) rows.push(['condition dropout', meta.cfg_dropout]);
  const source = model.source ?? meta.source;
  if (source && source !== 'gaussian') rows.push(['source', `${source} (x₀ is drawn from it, not from N(0, I))`]);
  if (meta.steps) rows.push(['training', `${Number(meta.steps).toLocaleString('en')} steps, batch ${meta.batch ?? '?'}, lr ${meta.lr ?? '?'}` +
    (meta.coupling ? `, ${meta.coupling} coupling` : '') + (meta.ema && meta.ema !== '0' ? `, EMA ${meta.ema}` : '')]);
  if (meta.final_loss) rows.push(['final loss', Number(meta.final_loss).toFixed(4)]);
  return rows;
}
