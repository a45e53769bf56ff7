// train_worker.mjs — trains a model off the main thread (a module worker using rill.mjs).
//
// Messages in:  { type: 'init', module }                                       rill.wasm, compiled once by the page
//               { type: 'start', id, options, steps, previewEvery, previewN, previewClasses }
//                 options: Rill.trainer's; previewClasses C > 0: the preview samples each class (labels)
//               { type: 'stop', id }                                          finish early, keep the model
// Messages out: { type: 'started', id, flopsPerPoint }                         the trainer exists; its model's cost
//               { type: 'progress', id, done, losses, ms }                    losses of the steps just run
//               { type: 'preview', id, done, x, labels }                      samples of the current model
//               { type: 'snapshot', id, done, file, seconds }                 the model so far (every ~2 s)
//               { type: 'done', id, done, file, seconds }                     file: .safetensors bytes
//               { type: 'error', id, message }
// Steps run in slices of about 40 ms (the first slice is one step, so a heavy configuration reports
// progress after its first step, not after a guessed batch of them), with a turn of the event loop
// between slices so that a 'stop' gets through. One optimisation step cannot be interrupted: for a
// step that takes longer than the page will wait, the page terminates this worker and keeps the
// last snapshot.

import { Rill } from './rill.mjs';
import { sampleRequest } from './condition.mjs';

const SLICE_MS = 40;
const SNAPSHOT_MS = 2000;
const PREVIEW_FLOP_BUDGET = 4e8;  // about 0.1 s of preview sampling at most
let rill = null;
let current = null;  // { id, stop }
let loaded = Promise.resolve();  // replaced by the 'init' message's load

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

async function train({ id, options, steps, previewEvery = 250, previewN = 1000, previewClasses = 0 }) {
  await loaded;
  if (!rill) return;
  const job = { id, stop: false };
  current = job;
  let trainer = null;
  try {
    trainer = rill.trainer(options);
    const flopsPerPoint = trainer.model().info.flops;
    postMessage({ type: 'started', id, flopsPerPoint });
    // Preview samples cost 24 evaluations each (12 Heun steps): fewer points for big networks, none past the budget.
    const nPreview = Math.min(previewN, Math.floor(PREVIEW_FLOP_BUDGET / (24 * flopsPerPoint)));
    const started = performance.now();
    let done = 0, perStep = 0, nextPreview = previewEvery, lastSnapshot = started;
    while (done < steps && !job.stop) {
      const k = perStep === 0 ? 1 : Math.max(1, Math.min(steps - done, nextPreview - done, Math.round(SLICE_MS / perStep)));
      const t0 = performance.now();
      const losses = trainer.step(k);
      const ms = performance.now() - t0;
      perStep = perStep === 0 ? ms / k : 0.7 * perStep + 0.3 * (ms / k);
      done += k;
      postMessage({ type: 'progress', id, done, losses, ms: performance.now() - started }, [losses.buffer]);
      if ((done >= nextPreview || done === steps) && nPreview >= 100) {
        const classes = previewClasses > 0 ? Array.from({ length: previewClasses }, (_, k) => k) : null;
        const { x, labels } = sampleRequest(trainer.model(), { n: classes ? Math.ceil(nPreview / classes.length) : nPreview,
          steps: 12, solver: 'heun', seed: 7, classes });
        postMessage({ type: 'preview', id, done, x, labels }, labels ? [x.buffer, labels.buffer] : [x.buffer]);
      }
      if (done >= nextPreview) nextPreview = (Math.floor(done / previewEvery) + 1) * previewEvery;
      if (performance.now() - lastSnapshot > SNAPSHOT_MS && done < steps) {
        lastSnapshot = performance.now();
        const file = trainer.save();
        postMessage({ type: 'snapshot', id, done, file, seconds: (lastSnapshot - started) / 1000 }, [file.buffer]);
      }
      await tick();
    }
    const file = trainer.save();
    postMessage({ type: 'done', id, done, file, seconds: (performance.now() - started) / 1000 }, [file.buffer]);
  } catch (e) {
    postMessage({ type: 'error', id, message: e.message });
  } finally {
    trainer?.free();
    if (current === job) current = null;
  }
}

self.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'init') {
    loaded = Rill.load(msg.module).then(
      (r) => { rill = r; },
      (e) => { postMessage({ type: 'error', id: null, message: `cannot load rill.wasm: ${e.message}` }); },
    );
  } else if (msg.type === 'start') {
    if (current) current.stop = true;  // one run at a time: the newer one wins
    train(msg);
  } else if (msg.type === 'stop') {
    if (current && (msg.id === undefined || msg.id === current.id)) current.stop = true;
  }
};
