// rill_loader.mjs — instantiates rill.wasm, a bare module built with
// `em++ -sSTANDALONE_WASM --no-entry` (no Emscripten JS glue).
//
// Why hand-written: Emscripten 3.1.6's glue either fails under Node 20 or needs
// flags (shared/docs/TOOLCHAIN.md §2); this file works unchanged in Node >= 18,
// browser pages and module workers. The module imports only the two functions
// below; any other import means the build pulled in libc I/O by mistake, and
// loading says so instead of failing with a bare LinkError.

const IMPORTS = {
  wasi_snapshot_preview1: {
    // abort() and exit() land here; the core itself never calls them.
    proc_exit(code) { throw new Error(`rill.wasm called exit(${code})`); },
  },
  env: {
    // -sALLOW_MEMORY_GROWTH tells us when memory.buffer was replaced; callers
    // already make fresh typed-array views after every call, so nothing to do.
    emscripten_notify_memory_growth() {},
  },
};

function isNode() {
  return typeof process === 'object' && typeof process.versions === 'object' && !!process.versions.node;
}

async function compile(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source);
  const url = source instanceof URL ? source : new URL(String(source), import.meta.url);
  if (isNode() && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url.href}: HTTP ${response.status}`);
  try {
    return await WebAssembly.compileStreaming(response.clone());  // needs Content-Type application/wasm
  } catch {
    return WebAssembly.compile(await response.arrayBuffer());
  }
}

/**
 * Loads the module. `source`: a URL (default: rill.wasm beside this file), the
 * file's bytes, or a compiled WebAssembly.Module (e.g. one posted to a worker).
 * Returns { exports, memory, module }; exports keep their C names (rill_sample).
 */
export async function loadRillWasm(source = new URL('./rill.wasm', import.meta.url)) {
  const module = await compile(source);
  const missing = WebAssembly.Module.imports(module)
    .filter(({ module: m, name }) => !(IMPORTS[m] && name in IMPORTS[m]))
    .map(({ module: m, name }) => `${m}.${name}`);
  if (missing.length) throw new Error(`rill.wasm needs imports this loader does not provide: ${missing.join(', ')}`);
  const instance = await WebAssembly.instantiate(module, IMPORTS);
  const exports = instance.exports;
  if (typeof exports._initialize === 'function') exports._initialize();  // C++ static constructors
  return { exports, memory: exports.memory, module };
}
