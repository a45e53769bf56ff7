// The SIMD128 mul+add peak for `make bench-web`: N independent chains a = a·m + c on 4-lane vectors, a
// multiply then an add (what rill.wasm's kernels issue: -ffp-contract=off, no fused multiply-add in
// SIMD128), the same loop as `rill bench`'s native peak (src/cli/cmd_bench.cpp). Built with
// rill.wasm's compiler flags into a tiny module of its own; bench_web.mjs runs it in the same Node
// process as rill.wasm and takes the best chain count as the peak. Not part of any shipped module.
typedef float v4 __attribute__((vector_size(16)));

template <int N>
static float peak_loop(int iters) {
  v4 a[N], m = {}, c = {};
  for (auto& lane : a) lane = v4{} + 1.0f;
  m = m + 0.999999f;
  c = c + 1e-7f;
  for (int i = 0; i < iters; ++i)
    for (int j = 0; j < N; ++j) a[j] = a[j] * m + c;
  v4 s = {};
  for (auto& lane : a) s = s + lane;
  return s[0];
}

extern "C" {
__attribute__((export_name("peak_8"))) float peak_8(int iters) { return peak_loop<8>(iters); }
__attribute__((export_name("peak_10"))) float peak_10(int iters) { return peak_loop<10>(iters); }
__attribute__((export_name("peak_12"))) float peak_12(int iters) { return peak_loop<12>(iters); }
__attribute__((export_name("peak_14"))) float peak_14(int iters) { return peak_loop<14>(iters); }
}
