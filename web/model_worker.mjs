// model_worker.mjs — what the page's model workers share (sample_worker.mjs, density_worker.mjs):
// their own rill.wasm instance from the page's compiled module, one model at a time, and messages
// handled strictly in order (init, then a load before the requests that follow it).
//
// Messages in:  { type: 'init', module }            rill.wasm, compiled once by the page
//               { type: 'load', bytes | source }    a model file's bytes, or a formula name
//               { type: <request>, id, ... }        handled by requests[type](model, msg, rill)
//                                                   (rill: the worker's Rill, for models of its own)
// Messages out: { type: 'error', id, message }      and whatever the requests post

import { Rill } from './rill.mjs';

export function serveModel(requests) {
  let r = null;
  let model = null;
  let queue = Promise.resolve();
  async function handle(msg) {
    if (msg.type === 'init') {
      try {
        r = await Rill.load(msg.module);
      } catch (e) {
        postMessage({ type: 'error', id: null, message: `cannot load rill.wasm: ${e.message}` });
      }
      return;
    }
    if (!r) return;
    try {
      if (msg.type === 'load') {
        model?.free();
        model = null;
        model = r.loadModel(msg.source ?? msg.bytes);
      } else if (requests[msg.type]) {
        if (!model) throw new Error('no model loaded');
        requests[msg.type](model, msg, r);
      }
    } catch (e) {
      postMessage({ type: 'error', id: msg.id ?? null, message: e.message });
    }
  }
  self.onmessage = (e) => { queue = queue.then(() => handle(e.data)); };
}
