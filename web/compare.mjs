// compare.mjs — issue 14's "compare" toggle: a one-step model (made by `rill reflow`) beside its
// teacher, the same number of samples from the same seed, each drawn in its own worker
// (sampler.mjs, one worker each) at the solver and steps it is meant for — the one-step model at its
// metadata's sample_solver × sample_steps, the teacher at the page's default (Heun, 20 steps) — with
// the field evaluations per sample (NFE) and the time each took. A newer request wins.

import { Plot, THEME, HUES } from './plot.mjs';
import { Sampler } from './sampler.mjs';
import { EVALUATIONS } from './rill.mjs';

/** How the teacher is sampled beside its one-step student: the page's default. */
export const TEACHER_RUN = { solver: 'heun', steps: 20 };

export class ComparePanel {
  /** box: the element holding two <figure data-role="student|teacher"> with a <canvas> and a <figcaption>. */
  constructor(module, { box, onError }) {
    this.box = box;
    this.id = 0;
    this.last = null;  // the last comparison shown: [{ label, solver, steps, nfe, ms }, …] (the tests read it)
    this.panes = ['student', 'teacher'].map((role) => {
      const fig = box.querySelector(`figure[data-role="${role}"]`);
      const canvas = fig.querySelector('canvas');
      return { canvas, caption: fig.querySelector('figcaption'), plot: new Plot(canvas),
        sampler: new Sampler(module, { onRate: () => {}, onError, workers: 1 }) };
    });
  }

  /**
   * Samples both and draws them side by side. runs: [student, teacher], each
   * { label, bytes, solver, steps }; target: (x, y) pairs drawn behind the samples, or null.
   * Resolves to this.last, or null when a newer request (or hide()) replaced it.
   */
  async show(runs, { n, seed, extent, target = null }) {
    const id = ++this.id;
    this.box.hidden = false;
    let results;
    try {
      results = await Promise.all(this.panes.map((p, i) => {
        p.caption.textContent = `${runs[i].label}: sampling…`;
        p.sampler.load(runs[i].bytes);
        return p.sampler.sample({ n, seed, steps: runs[i].steps, solver: runs[i].solver, trajectory: false });
      }));
    } catch (e) {
      if (e.cancelled) return null;  // replaced by a newer request, or hidden
      throw e;
    }
    if (id !== this.id) return null;
    this.last = runs.map((r, i) => ({ label: r.label, solver: r.solver, steps: r.steps,
      nfe: r.steps * EVALUATIONS[r.solver], ms: results[i].ms }));
    this.panes.forEach((p, i) => {
      const l = this.last[i];
      p.plot.extent = extent;
      p.plot.clear();
      if (target) p.plot.points(target, 2, THEME.target, 2);
      p.plot.points(results[i].x, 2, HUES[i === 0 ? 0 : 4], n <= 3000 ? 2.5 : 1.5);
      p.caption.textContent = `${l.label}: ${l.solver} × ${l.steps} = ${l.nfe} NFE a sample, ${l.ms.toFixed(1)} ms for ${n}`;
      p.canvas.setAttribute('aria-label', `${l.label}: ${n} samples, ${l.nfe} field evaluations each`);
    });
    return this.last;
  }

  hide() {
    this.id++;
    this.box.hidden = true;
    for (const p of this.panes) p.sampler.cancel();
  }
}
