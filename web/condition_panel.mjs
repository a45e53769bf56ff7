// condition_panel.mjs — the Sample card's condition controls, shown for conditioned models only:
// a class picker ("all classes", each class by name, or none) for a class:C model, an s slider for
// a vector:1 model (swissroll's s, the position along the roll) and the guidance weight w (0..4,
// default 1). Moving any of them asks for new samples (debounced; the sampling worker replaces a
// request still running, so dragging a slider re-samples live).
import { conditionOf } from './condition.mjs';

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 120;
export const ALL = 'all';
export const NONE = 'none';

export class ConditionPanel {
  /** onChange(): the condition changed (debounced). */
  constructor({ onChange }) {
    this.onChange = onChange;
    this.cond = { kind: 'none', width: 0, names: null };
    this.timer = 0;
    const changed = () => {
      this.showValues();
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.onChange(), DEBOUNCE_MS);
    };
    for (const id of ['cond-s', 'guidance']) $(id).addEventListener('input', changed);
    $('cond-class').addEventListener('change', changed);
  }

  /** Shows the controls that apply to `model` (keeps the class picked when the classes are the same). */
  setModel(model) {
    const cond = conditionOf(model), before = this.cond;
    this.cond = cond;
    $('cond-box').hidden = cond.kind === 'none';
    $('class-box').hidden = cond.kind !== 'class';
    $('s-box').hidden = !(cond.kind === 'vector' && cond.width === 1);
    if (cond.kind === 'class') {
      const sel = $('cond-class'), keep = JSON.stringify(before.names) === JSON.stringify(cond.names) ? sel.value : ALL;
      sel.replaceChildren(new Option('all classes', ALL),
        ...cond.names.map((name, k) => new Option(name === String(k) ? `class ${k}` : `${k}: ${name}`, String(k))),
        new Option('none (unconditional)', NONE));
      sel.value = keep;
    }
    if (cond.kind === 'vector' && cond.width !== 1) {
      $('cond-note').textContent = `This model takes a condition of ${cond.width} values (vector:${cond.width}); the page samples it with all ${cond.width} set to 0.`;
    } else {
      $('cond-note').textContent = cond.kind === 'none' ? '' :
        'Guidance: u(x|∅) + w·(u(x|c) − u(x|∅)). w = 0 is the unconditional model, 1 the conditional one, above 1 each condition sharper.';
    }
    this.showValues();
  }

  /** The class picked: ALL, NONE or a class index (class models only). */
  get choice() {
    const v = $('cond-class').value;
    return v === ALL || v === NONE ? v : Number(v);
  }

  showValues() {
    $('cond-s-out').textContent = Number($('cond-s').value).toFixed(2);
    $('guidance-out').textContent = Number($('guidance').value).toFixed(1);
    const unconditioned = this.cond.kind === 'class' && this.choice === NONE;
    $('guidance').disabled = unconditioned;
    $('guidance-box').title = unconditioned ? 'guidance needs a condition: pick a class' : '';
  }

  /**
   * The sampling request's condition fields: { classes } (all classes: one call per class),
   * { condition, guidance }, or {} (no condition).
   */
  request() {
    const c = this.cond, guidance = Number($('guidance').value);
    if (c.kind === 'class') {
      const k = this.choice;
      if (k === NONE) return {};
      if (k === ALL) return { classes: Array.from({ length: c.width }, (_, i) => i), guidance };
      return { condition: k, guidance };
    }
    if (c.kind === 'vector') {
      const v = new Float32Array(c.width);
      if (c.width === 1) v[0] = Number($('cond-s').value);
      return { condition: v, guidance };
    }
    return {};
  }

  /** A short description of the condition for read-outs and the test. */
  describe() {
    const c = this.cond, r = this.request();
    if (c.kind === 'none') return null;
    if (r.classes) return { classes: r.classes, guidance: r.guidance };
    if (r.condition === undefined) return { condition: null };
    return { condition: typeof r.condition === 'number' ? r.condition : Array.from(r.condition), guidance: r.guidance };
  }
}
