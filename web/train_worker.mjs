// train_worker.mjs — trains a model off the main thread (a module worker using rill.mjs).
//
// Messages in:  { type: 'init', module }                                       rill.wasm, compiled once by the page
//               { type: 'start', id, options, steps, previewEvery, previewN }   options: Rill.trainer's
//               { type: 'stop', id }                                          finish early, keep the model
// Messages out: { type: 'progress', id, done, losses, ms }                    losses of the steps just run
//               { type: 'preview', id, done, x }                              samples of the current model
//               { type: 'done', id, done, file, seconds }                     file: .safetensors bytes
//               { type: 'error', id, message }
// Steps run in slices of about 40 ms, with a turn of the event loop between
// slices so that a 'stop' gets through.

import { Rill } from './rill.mjs';

const SLICE_MS = 40;
let rill = null;
let current = null;  // { id, stop }
let loaded = Promise.resolve();  // replaced by the 'init' message's load

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

async function train({ id, options, steps, previewEvery = 250, previewN = 1000 }) {
  await loaded;
  if (!rill) return;
  const job = { id, stop: false };
  current = job;
  let trainer = null;
  try {
    trainer = rill.trainer(options);
    const started = performance.now();
    let done = 0, perStep = 5, nextPreview = previewEvery;
    while (done < steps && !job.stop) {
      const k = Math.max(1, Math.min(steps - done, nextPreview - done, Math.round(SLICE_MS / perStep)));
      const t0 = performance.now();
      const losses = trainer.step(k);
      const ms = performance.now() - t0;
      perStep = 0.7 * perStep + 0.3 * (ms / k);
      done += k;
      postMessage({ type: 'progress', id, done, losses, ms: performance.now() - started }, [losses.buffer]);
      if (done >= nextPreview || done === steps) {
        nextPreview += previewEvery;
        const { x } = trainer.model().sample({ n: previewN, steps: 12, solver: 'heun', seed: 7 });
        postMessage({ type: 'preview', id, done, x }, [x.buffer]);
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
