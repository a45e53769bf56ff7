// Shared by the tests of the WebAssembly module: where the build is, and loading rill.mjs from it.
//   RILL_WEB_DIR         the built page (default build/web): rill.mjs, rill.wasm, models/
//   RILL_NATIVE_VECTORS  the native helper binary (tests/wasm/native_vectors.cpp)
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const webDir = resolve(process.env.RILL_WEB_DIR ?? 'build/web');

export async function loadRill() {
  const file = resolve(webDir, 'rill.mjs');
  if (!existsSync(file)) throw new Error(`${file} is missing: run 'make wasm' (or set RILL_WEB_DIR)`);
  const mod = await import(pathToFileURL(file).href);
  return { mod, rill: await mod.Rill.load() };
}

/** Raw little-endian float32 file → Float32Array (copy). */
export function f32(buffer) {
  return new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
}

/** Index of the first differing byte of two typed arrays, or -1 when the bytes are equal. */
export function firstDiff(a, b) {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return Math.min(x.length, y.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/**
 * The bytes of a small F32 model file with seeded weights (formats.md, "Model file"): dim, width,
 * depth hidden layers, activation; time, step and condition as the metadata spells them (step
 * 'raw' or 'sin:K' for a step-conditioned model, null to leave the key out). `inputs` overrides
 * layer 0's width (a file whose shapes do not match its metadata); `meta` adds or replaces keys
 * (a key given as undefined is left out).
 */
export function modelFile({ dim = 2, width = 12, depth = 2, activation = 'silu', time = 'sin:2', step = 'raw',
  condition = null, format = '2', inputs, meta = {}, seed = 1 } = {}) {
  const feat = (e) => (e === null || e === 'none' ? 0 : e === 'raw' ? 1 : 2 * Number(e.slice(4)));
  const [kind, count] = condition === null || condition === 'none' ? ['none', 0] : condition.split(':');
  const condF = kind === 'class' ? Number(count) : kind === 'vector' ? Number(count) + 1 : 0;
  const sizes = [inputs ?? dim + feat(time) + feat(step) + condF, ...Array(depth).fill(width), dim];
  const header = { __metadata__: { 'rill.format': format, dim: String(dim), activation, time_embedding: time } };
  if (step !== null) header.__metadata__.step_embedding = step;
  if (condition !== null) header.__metadata__.condition = condition;
  Object.assign(header.__metadata__, meta);
  const values = [];
  let s = seed >>> 0, at = 0;
  const rand = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s / 2 ** 32 - 0.5) * 1.5; };
  for (let i = 0; i + 1 < sizes.length; i++) {
    const nw = sizes[i] * sizes[i + 1], scale = 1 / Math.sqrt(sizes[i]);
    header[`layers.${i}.weight`] = { dtype: 'F32', shape: [sizes[i + 1], sizes[i]], data_offsets: [at, at += 4 * nw] };
    for (let k = 0; k < nw; k++) values.push(rand() * scale);
    header[`layers.${i}.bias`] = { dtype: 'F32', shape: [sizes[i + 1]], data_offsets: [at, at += 4 * sizes[i + 1]] };
    for (let k = 0; k < sizes[i + 1]; k++) values.push(0.2 * rand());
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - ((8 + text.length) % 8)) % 8);  // the data 8-byte aligned, as rill's writer pads it
  const head = new TextEncoder().encode(text), out = new Uint8Array(8 + head.length + 4 * values.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(new Uint8Array(new Float32Array(values).buffer), 8 + head.length);
  return out;
}

/** A .npy file's values (version 1 or 2 header) as `Type` (copied). */
export function readNpy(bytes, Type = Float32Array) {
  const hlen = bytes[6] === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const data = bytes.subarray((bytes[6] === 1 ? 10 : 12) + hlen);
  return new Type(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/** Writes a float32 (rows, cols) .npy file. */
export function writeNpy(path, values, cols) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${values.length / cols}, ${cols}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.alloc(2), Buffer.from(header, 'latin1')]);
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(new Float32Array(values).buffer)]));
}
