// datasets.mjs — the 2-D targets the page draws behind the samples, so you can see what a
// model was trained to produce. The built-in datasets come from the core (rill.drawDataset:
// the points `rill data --data NAME --n N --seed SEED` writes, bit for bit), kept once drawn
// since the overlays redraw the same points on every frame. A painted target travels inside
// the model file as the tensor `rill.target` (F32, [count, 2]): formats.md reserves tensor
// names starting with `rill.` for rill, and the core ignores them when it loads the model.

import { DATASETS } from './rill.mjs';

/** The datasets in the order the page lists them: the ones with a shape to see first, gaussian last. */
export const LISTED_DATASETS = ['moons', '8gaussians', 'circles', 'spirals', 'swissroll', 'checkerboard', 'gaussian']
  .filter((name) => DATASETS.includes(name))
  .concat(DATASETS.filter((name) => !['moons', '8gaussians', 'circles', 'spirals', 'swissroll', 'checkerboard', 'gaussian'].includes(name)));

const drawn = new Map();

/**
 * n points of dataset `name` as a Float32Array of (x, y) pairs, or null for a name that is not
 * a built-in dataset. rill: the loaded Rill; classIndex: draw that class only (labelled datasets).
 * Each (name, n, seed, class) is drawn once and the same array returned after (callers must not
 * modify it).
 */
export function drawDataset(rill, name, n, seed, classIndex = -1) {
  if (!DATASETS.includes(name)) return null;
  const key = `${name}/${n}/${seed}/${classIndex}`;
  if (!drawn.has(key)) drawn.set(key, classIndex >= 0 ? rill.drawDataset(name, n, seed, { classIndex }) : rill.drawDataset(name, n, seed));
  return drawn.get(key);
}

const TARGET = 'rill.target';

/** The header of a safetensors file: { json, dataStart } or null when the bytes are not one. */
function header(bytes) {
  if (bytes.length < 10) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = dv.getUint32(0, true) + 2 ** 32 * dv.getUint32(4, true);
  if (len < 2 || len > bytes.length - 8) return null;
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + len));
  if (!/^\s*\{/.test(text)) return null;
  try { return { json: JSON.parse(text), dataStart: 8 + len }; } catch { return null; }
}

/**
 * Whether bytes are shaped like a safetensors file at all (an 8-byte little-endian header length
 * that fits in the file, then a JSON object) — to tell "not a model file" from "a damaged one".
 */
export function looksLikeSafetensors(bytes) {
  if (bytes.length < 10) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = dv.getUint32(0, true) + 2 ** 32 * dv.getUint32(4, true);
  return len >= 2 && len <= bytes.length - 8 && bytes[8] === 0x7b;  // '{'
}

/**
 * A copy of the model file with the painted target points (count × 2 floats) as the tensor
 * `rill.target`, and `metadata` (string values) added to its __metadata__ (class_names of a
 * painted class model).
 */
export function withTarget(bytes, points, metadata = null) {
  const h = header(bytes);
  if (!h) return bytes;
  const json = h.json, dataLen = bytes.length - h.dataStart;
  delete json[TARGET];
  if (metadata) json.__metadata__ = { ...(json.__metadata__ ?? {}), ...metadata };
  const pts = Float32Array.from(points);
  json[TARGET] = { dtype: 'F32', shape: [pts.length / 2, 2], data_offsets: [dataLen, dataLen + 4 * pts.length] };
  let text = JSON.stringify(json);
  text += ' '.repeat((8 - (text.length % 8)) % 8);  // safetensors pads its header to 8 bytes
  const head = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + head.length + dataLen + 4 * pts.length);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 8);
  out.set(bytes.subarray(h.dataStart), 8 + head.length);
  out.set(new Uint8Array(pts.buffer), 8 + head.length + dataLen);
  return out;
}

/** The painted target kept in a model file (Float32Array of (x, y) pairs), or null. */
export function targetOf(bytes) {
  const h = header(bytes);
  const e = h?.json?.[TARGET];
  if (!e || e.dtype !== 'F32' || e.shape?.length !== 2 || e.shape[1] !== 2) return null;
  const [a, b] = e.data_offsets, start = h.dataStart + a;
  if (!(b - a === 8 * e.shape[0] && start + (b - a) <= bytes.length)) return null;
  return new Float32Array(bytes.slice(start, start + (b - a)).buffer);
}
