// Shared by the tests of the WebAssembly module: where the build is, and loading rill.mjs from it.
//   RILL_WEB_DIR         the built page (default build/web): rill.mjs, rill.wasm, models/
//   RILL_NATIVE_VECTORS  the native helper binary (tests/wasm/native_vectors.cpp)
import { existsSync } from 'node:fs';
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
