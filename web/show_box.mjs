// show_box.mjs — the demo's Show box: which overlays a model can show (and, for the density, why not),
// its toggles' wiring, and bringing the plot into view (on a phone it sits far above the form and the box).

const $ = (id) => document.getElementById(id);
const TOGGLES = ['show-target', 'show-field', 'show-paths', 'show-density', 'show-grid'];

/**
 * Why the density overlay cannot show a 2-D `model`, or null: log p needs x0 from N(0, I) and an
 * instantaneous velocity (formats.md "Source"; rill_log_prob refuses the rest with the same reasons).
 */
export function densityRefusal(model) {
  if (model.source !== 'gaussian') return `this model draws x0 from ${model.source}, which has no density (log p needs the N(0, I) source)`;
  if (model.stepEmbedding !== 'none') return 'a step-conditioned model\'s output is an average velocity over a step, not a field to integrate back';
  return null;
}

/** Enables the overlays `model` can show: the plane's need 2-D, the density a log-density; `images`: drawn as images. */
export function enableOverlays(model, images) {
  const plane = model.info.dim === 2;
  for (const id of ['show-field', 'show-density', 'show-grid', 'field-style']) {  // the arrows, the heat map and the grid live in the plane
    $(id).disabled = !plane;
    $(id).parentElement.title = plane ? '' : 'this overlay needs a 2-D model';
  }
  const why = plane ? densityRefusal(model) : null;
  if (why) {
    $('show-density').disabled = true;
    $('show-density').parentElement.title = `no density: ${why}`;
  }
  $('density-why').hidden = !why;
  $('density-why').textContent = why ? `(no density: ${why})` : '';
  for (const id of ['show-target', 'show-paths']) $(id).disabled = images;
}

/** On a phone the plot is above the form: bring it into view (when the user asks for samples, say). */
export function revealPlot() {
  const r = $('drop-zone').getBoundingClientRect();
  if (r.top >= 0 && r.bottom <= window.innerHeight) return;
  const smooth = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  $('drop-zone').scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
}

/** Turning an overlay on from far below the plot (a phone) brings the plot back, if none of it is in view. */
function revealHiddenPlot() {
  const r = $('drop-zone').getBoundingClientRect();
  if (r.bottom <= 0 || r.top >= window.innerHeight) revealPlot();
}

/** The toggles and the field's style menu: each change calls onChange (explain and redraw). Choosing a style shows the field. */
export function wireShowBox(onChange) {
  for (const id of TOGGLES) $(id).addEventListener('change', () => { onChange(); if ($(id).checked) revealHiddenPlot(); });
  $('field-style').addEventListener('change', () => {
    if (!$('show-field').checked && !$('show-field').disabled) $('show-field').checked = true;
    onChange();
    revealHiddenPlot();
  });
}
