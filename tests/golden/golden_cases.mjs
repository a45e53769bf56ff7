// The golden cases as the WebAssembly module runs them, shared by the Node
// check (tests/wasm/golden.test.mjs, part of `make wasm-test`) and the
// Chromium check (tests/browser/browser_test.mjs, which serves this file to
// the page). No Node imports: it runs in both.

/** FNV-1a 64 of the bytes of a typed array, as 16 lowercase hex digits (golden.txt's hash). */
export function fnv1a64(array) {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** The fixed inputs of field, integrate and logp cases: x[k] = ((7k) mod 33 − 16) / 8. */
export function goldenPoints(count) {
  return Float32Array.from({ length: count }, (_, k) => (((7 * k) % 33) - 16) / 8);
}

/** The output floats of one case of golden.json, computed by a rill.mjs Model. */
export function runCase(model, c) {
  const d = model.info.dim;
  if (c.kind === 'sample') return model.sample({ n: c.n, steps: c.steps, solver: c.solver, seed: c.seed }).x;
  if (c.kind === 'field') return model.field(goldenPoints(c.n * d), c.t);
  if (c.kind === 'logp')
    return model.logProb(goldenPoints(c.n * d), { steps: c.steps, solver: c.solver, t: c.t, probes: c.probes, probeSeed: c.seed });
  if (c.kind === 'integrate')
    return model.integrate(goldenPoints(c.n * d), { steps: c.steps, solver: c.solver, t0: c.t0, t1: c.t1 }).x;
  throw new Error(`unknown case kind ${c.kind}`);
}

/** The cases whose hash differs from golden.json, described; models maps a case's model name to a Model. */
export function wrongCases(models, cases) {
  const wrong = [];
  for (const c of cases) {
    const h = fnv1a64(runCase(models.get(c.model), c));
    if (h !== c.hash) wrong.push(`${c.kind} ${c.model} ${c.solver ?? ''} ${c.steps ?? ''} ${c.seed ?? c.t ?? ''} n=${c.n}: ${h}, golden ${c.hash}`);
  }
  return wrong;
}
