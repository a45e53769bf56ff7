// Matrix products and activations over arrays. See kernels.h for the
// summation contract (elementwise.cpp has the trainer's element-wise loops).
//
// gemm keeps a block of R rows × NV vectors of output columns in registers
// and walks k in order, so each accumulator sees the same sequence of
// roundings as the plain loop. On x86-64 each call runs the instruction set
// its caller names (AVX-512, AVX2, SSE2 or scalar; at most what the CPU has,
// probed once at run time); WebAssembly uses SIMD128 and other targets 4-lane GCC/Clang vectors. Every
// path multiplies and adds separately (no FMA), so all give the same bits.
// Builds with RILL_NO_SIMD (microcontrollers) keep only the plain loops,
// which are small.
#include "rill/kernels.h"

#include <cstdint>
#include <cstring>

#include "rill/simd_vec.h"  // first: its pragma covers the vector code of the headers after it
#include "rill/mathf.h"
#include "rill/mathf_vec.h"
#include "rill/silu_pack.h"  // RILL_WASM_SILU_PACK: rill.wasm's SiLU

namespace rill {

void linear_ref(const float* in, int in_stride, int n, const float* W, const float* b, int fin, int fout,
                float* out, int out_stride) {
  for (int r = 0; r < n; ++r) {
    const float* x = in + static_cast<std::ptrdiff_t>(r) * in_stride;
    float* y = out + static_cast<std::ptrdiff_t>(r) * out_stride;
    for (int j = 0; j < fout; ++j) {
      const float* w = W + static_cast<std::ptrdiff_t>(j) * fin;
      float acc = b[j];
      for (int k = 0; k < fin; ++k) acc = madd(acc, x[k], w[k]);
      y[j] = acc;
    }
  }
}

void gemm_ref(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col, const float* B,
              std::ptrdiff_t ldb, const float* init, std::ptrdiff_t init_ld, float* C, std::ptrdiff_t ldc) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float acc = init != nullptr ? init[i * init_ld + j] : 0.0f;
      for (int k = 0; k < kdim; ++k) acc = madd(acc, A[i * a_row + k * a_col], B[k * ldb + j]);
      C[i * ldc + j] = acc;
    }
}

#if defined(RILL_NO_SIMD)

void gemm(Simd, int m, int n, int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col,
          const float* B, std::ptrdiff_t ldb, const float* init, std::ptrdiff_t init_ld, float* C,
          std::ptrdiff_t ldc) {
  gemm_ref(m, n, kdim, A, a_row, a_col, B, ldb, init, init_ld, C, ldc);
}
void gemm_portable(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col, const float* B,
                   std::ptrdiff_t ldb, const float* init, std::ptrdiff_t init_ld, float* C, std::ptrdiff_t ldc) {
  gemm_ref(m, n, kdim, A, a_row, a_col, B, ldb, init, init_ld, C, ldc);
}
const char* gemm_variant(Simd) { return "scalar"; }
Simd simd_best() { return Simd::scalar; }

#else

namespace {
using simd_vec::load;
using simd_vec::store;
using simd_vec::usable;
using simd_vec::v4;
#if defined(RILL_X86_DISPATCH)
using simd_vec::v8;
#endif

// acc += x·w on a vector of columns, rounded as madd() is: a multiply and an
// add. x is a scalar: the vector extensions broadcast it as it is (GCC builds
// a vector written out as {x, x, …} from pieces in a function without the
// target's vector width, before inlining; this form becomes a vbroadcastss).
// RILL_FMA builds fuse the 8-lane form (the only vector one they run); it
// needs the fma instruction set, so unlike everything else here it cannot be
// always_inline in the target-less templates below (GCC and Clang refuse).
// It takes a reference, so that no AVX value crosses a call, and the compilers
// inline it once those templates sit inside gemm_avx2.
template <class V>
__attribute__((always_inline)) inline void madd_vec(V& acc, float x, const V& w) {
  acc = acc + x * w;
}
#if defined(RILL_X86_DISPATCH) && defined(RILL_FMA)
__attribute__((target("avx2,fma"))) inline void madd_vec(v8& acc, float x, const v8& w) {
  acc = reinterpret_cast<v8>(_mm256_fmadd_ps(_mm256_set1_ps(x), reinterpret_cast<__m256>(w),
                                             reinterpret_cast<__m256>(acc)));
}
#endif

// The vector kernels are written once for GCC/Clang vector types: 4 lanes
// (SSE2, WebAssembly SIMD128, NEON, generic) and, inlined into the
// avx2-target gemm_avx2, 8 lanes.
//
// R rows × NV vectors of columns: R·NV accumulators in registers.
template <class V, int R, int NV>
__attribute__((always_inline)) inline void micro(int kdim, const float* A, std::ptrdiff_t a_row,
                                                 std::ptrdiff_t a_col, const float* B, std::ptrdiff_t ldb,
                                                 const float* init, std::ptrdiff_t init_ld, float* C,
                                                 std::ptrdiff_t ldc) {
  constexpr int L = sizeof(V) / sizeof(float);
  V acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = init != nullptr ? load<V>(init + r * init_ld + L * v) : V{};
  const float* a = A;
  const float* b = B;
  for (int k = 0; k < kdim; ++k, a += a_col, b += ldb) {
    V w[NV];
    for (int v = 0; v < NV; ++v) w[v] = load<V>(b + L * v);
    for (int r = 0; r < R; ++r) {
      const float x = a[r * a_row];
      for (int v = 0; v < NV; ++v) madd_vec(acc[r][v], x, w[v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) store<V>(C + r * ldc + L * v, acc[r][v]);
}

// The kernels gemm_rows drives: rows<R, NV>(…) computes R rows, all columns.
// Here blocks of NV vectors, then single vectors, then a scalar tail.
template <class V>
struct VecRows {
  template <int R, int NV>
  __attribute__((always_inline)) static void rows(int n, int kdim, const float* A, std::ptrdiff_t a_row,
                                                  std::ptrdiff_t a_col, const float* B, std::ptrdiff_t ldb,
                                                  const float* init, std::ptrdiff_t init_ld, float* C,
                                                  std::ptrdiff_t ldc) {
    constexpr int L = sizeof(V) / sizeof(float);
    int j0 = 0;
    for (; j0 + L * NV <= n; j0 += L * NV)
      micro<V, R, NV>(kdim, A, a_row, a_col, B + j0, ldb, init != nullptr ? init + j0 : nullptr, init_ld, C + j0,
                      ldc);
    for (; j0 + L <= n; j0 += L)
      micro<V, R, 1>(kdim, A, a_row, a_col, B + j0, ldb, init != nullptr ? init + j0 : nullptr, init_ld, C + j0,
                     ldc);
    if (j0 < n)
      gemm_ref(R, n - j0, kdim, A, a_row, a_col, B + j0, ldb, init != nullptr ? init + j0 : nullptr, init_ld,
               C + j0, ldc);
  }
};

// Every row: blocks of R rows × 2 vectors, then the rows left over as one
// block. Fewer rows get more column vectors, so that there are always enough
// independent add chains to hide the adder's latency (batch 1 is one row at
// a time). R is 4 for 4-lane vectors (more rows spill in V8), 6 for AVX2 and
// 8 for AVX-512 (16 of its 32 registers).
template <class K, int R>
__attribute__((always_inline)) inline void gemm_rows(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row,
                                                     std::ptrdiff_t a_col, const float* B, std::ptrdiff_t ldb,
                                                     const float* init, std::ptrdiff_t init_ld, float* C,
                                                     std::ptrdiff_t ldc) {
  static_assert(R <= 8, "the switch below covers up to 7 rows left over");
  int i = 0;
#define RILL_ROWS(r, nv)                                                                                        \
  K::template rows<r, nv>(n, kdim, A + i * a_row, a_row, a_col, B, ldb,                                          \
                          init != nullptr ? init + i * init_ld : nullptr, init_ld, C + i * ldc, ldc)
  for (; i + R <= m; i += R) RILL_ROWS(R, 2);
  switch (m - i) {
    case 7: if constexpr (R > 7) RILL_ROWS(7, 2); break;
    case 6: if constexpr (R > 6) RILL_ROWS(6, 2); break;
    case 5: if constexpr (R > 5) RILL_ROWS(5, 2); break;
    case 4: if constexpr (R > 4) RILL_ROWS(4, 3); break;
    case 3: RILL_ROWS(3, 4); break;
    case 2: RILL_ROWS(2, 6); break;
    case 1: RILL_ROWS(1, 8); break;
    default: break;
  }
#undef RILL_ROWS
}

#if defined(RILL_X86_DISPATCH)
// AVX-512 micro-kernel: R rows × NV vectors of 16 columns. The default build
// multiplies and adds separately, like every other path (vmulps + vaddps: on
// CPUs with two 512-bit units, about 1.4× the mul + add throughput of AVX2);
// an RILL_FMA build fuses them. The last vector of a TAIL block covers the
// columns left over (< 16) with masked loads and stores.
template <bool TAIL>
__attribute__((target(RILL_AVX512_TARGET), always_inline)) inline __m512 load16(const float* p, __mmask16 mask) {
  return TAIL ? _mm512_maskz_loadu_ps(mask, p) : _mm512_loadu_ps(p);
}
template <bool TAIL>
__attribute__((target(RILL_AVX512_TARGET), always_inline)) inline void store16(float* p, __m512 v, __mmask16 mask) {
  if (TAIL) _mm512_mask_storeu_ps(p, mask, v);
  else _mm512_storeu_ps(p, v);
}

template <int R, int NV, bool TAIL>
__attribute__((target(RILL_AVX512_TARGET), always_inline)) inline void micro_avx512(
    int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col, const float* B, std::ptrdiff_t ldb,
    const float* init, std::ptrdiff_t init_ld, float* C, std::ptrdiff_t ldc, __mmask16 tail) {
  __m512 acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v)
      acc[r][v] = init == nullptr                ? _mm512_setzero_ps()
                  : (TAIL && v == NV - 1) ? load16<true>(init + r * init_ld + 16 * v, tail)
                                          : _mm512_loadu_ps(init + r * init_ld + 16 * v);
  const float* a = A;
  const float* b = B;
  for (int k = 0; k < kdim; ++k, a += a_col, b += ldb) {
    __m512 w[NV];
    for (int v = 0; v < NV; ++v) w[v] = (TAIL && v == NV - 1) ? load16<true>(b + 16 * v, tail) : _mm512_loadu_ps(b + 16 * v);
    for (int r = 0; r < R; ++r) {
      const __m512 x = _mm512_set1_ps(a[r * a_row]);
#if defined(RILL_FMA)
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(x, w[v], acc[r][v]);
#else
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_add_ps(acc[r][v], _mm512_mul_ps(x, w[v]));
#endif
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) {
      if (TAIL && v == NV - 1) store16<true>(C + r * ldc + 16 * v, acc[r][v], tail);
      else _mm512_storeu_ps(C + r * ldc + 16 * v, acc[r][v]);
    }
}

// R rows, all columns: blocks of NV vectors, single vectors, then one masked
// vector. Not always_inline: gemm_rows, which calls it, has no target.
struct Avx512Rows {
  template <int R, int NV>
  __attribute__((target(RILL_AVX512_TARGET))) static void rows(int n, int kdim, const float* A, std::ptrdiff_t a_row,
                                                               std::ptrdiff_t a_col, const float* B,
                                                               std::ptrdiff_t ldb, const float* init,
                                                               std::ptrdiff_t init_ld, float* C, std::ptrdiff_t ldc) {
    int j0 = 0;
    for (; j0 + 16 * NV <= n; j0 += 16 * NV)
      micro_avx512<R, NV, false>(kdim, A, a_row, a_col, B + j0, ldb, init != nullptr ? init + j0 : nullptr, init_ld,
                                 C + j0, ldc, 0);
    for (; j0 + 16 <= n; j0 += 16)
      micro_avx512<R, 1, false>(kdim, A, a_row, a_col, B + j0, ldb, init != nullptr ? init + j0 : nullptr, init_ld,
                                C + j0, ldc, 0);
    if (j0 < n)
      micro_avx512<R, 1, true>(kdim, A, a_row, a_col, B + j0, ldb, init != nullptr ? init + j0 : nullptr, init_ld,
                               C + j0, ldc, static_cast<__mmask16>((1u << (n - j0)) - 1u));
  }
};
#endif  // RILL_X86_DISPATCH

}  // namespace

void gemm_portable(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col,
                   const float* B, std::ptrdiff_t ldb, const float* init, std::ptrdiff_t init_ld, float* C,
                   std::ptrdiff_t ldc) {
#if defined(RILL_FMA)
  // Vector extensions have no fused multiply-add: without AVX2 + FMA, an FMA build runs the plain loops.
  gemm_ref(m, n, kdim, A, a_row, a_col, B, ldb, init, init_ld, C, ldc);
#else
  gemm_rows<VecRows<v4>, 4>(m, n, kdim, A, a_row, a_col, B, ldb, init, init_ld, C, ldc);
#endif
}

namespace {
#if defined(RILL_X86_DISPATCH)
// The vector kernels with 8 lanes.
__attribute__((target(RILL_AVX2_TARGET))) void gemm_avx2(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row,
                                                         std::ptrdiff_t a_col, const float* B, std::ptrdiff_t ldb,
                                                         const float* init, std::ptrdiff_t init_ld, float* C,
                                                         std::ptrdiff_t ldc) {
  gemm_rows<VecRows<v8>, 6>(m, n, kdim, A, a_row, a_col, B, ldb, init, init_ld, C, ldc);
  // Leaving AVX state dirty slows every later SSE instruction; GCC at -O1 does not insert this.
  _mm256_zeroupper();
}

// flatten: Avx512Rows::rows, which gemm_rows cannot force inline, is inlined here.
__attribute__((target(RILL_AVX512_TARGET), flatten)) void gemm_avx512(int m, int n, int kdim, const float* A,
                                                                      std::ptrdiff_t a_row, std::ptrdiff_t a_col,
                                                                      const float* B, std::ptrdiff_t ldb,
                                                                      const float* init, std::ptrdiff_t init_ld,
                                                                      float* C, std::ptrdiff_t ldc) {
  gemm_rows<Avx512Rows, 8>(m, n, kdim, A, a_row, a_col, B, ldb, init, init_ld, C, ldc);
  _mm256_zeroupper();
}

bool have_avx512() {
#if defined(RILL_NO_AVX512)
  return false;
#elif defined(RILL_FMA)
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
#else
  return __builtin_cpu_supports("avx512f");
#endif
}

bool have_avx2() {
#if defined(RILL_NO_AVX2)
  return false;
#elif defined(RILL_FMA)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return __builtin_cpu_supports("avx2");
#endif
}
#endif  // RILL_X86_DISPATCH

// What this build and CPU can run, probed once (a constant of the process).
Simd probe_best() {
#if defined(RILL_X86_DISPATCH)
  __builtin_cpu_init();  // (in case the first call comes from a static initialiser)
  if (have_avx512()) return Simd::avx512;
  if (have_avx2()) return Simd::avx2;
#endif
  return Simd::vec4;
}
}  // namespace

Simd simd_best() {
  static const Simd best = probe_best();
  return best;
}

void gemm(Simd simd, int m, int n, int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col,
          const float* B, std::ptrdiff_t ldb, const float* init, std::ptrdiff_t init_ld, float* C,
          std::ptrdiff_t ldc) {
  switch (usable(simd)) {
#if defined(RILL_X86_DISPATCH)
    case Simd::avx512: return gemm_avx512(m, n, kdim, A, a_row, a_col, B, ldb, init, init_ld, C, ldc);
    case Simd::avx2: return gemm_avx2(m, n, kdim, A, a_row, a_col, B, ldb, init, init_ld, C, ldc);
#endif
    case Simd::scalar: return gemm_ref(m, n, kdim, A, a_row, a_col, B, ldb, init, init_ld, C, ldc);
    default: return gemm_portable(m, n, kdim, A, a_row, a_col, B, ldb, init, init_ld, C, ldc);
  }
}

const char* gemm_variant(Simd simd) {
  switch (usable(simd)) {
#if defined(RILL_FMA)
    case Simd::avx512: return "avx512+fma (RILL_FMA build: bits differ from the default build)";
    case Simd::avx2: return "avx2+fma (RILL_FMA build: bits differ from the default build)";
#else
    case Simd::avx512: return "avx512";
    case Simd::avx2: return "avx2";
#endif
    case Simd::scalar: return "scalar";
    default: break;
  }
#if defined(RILL_X86_DISPATCH)
  return "sse2";
#elif defined(__wasm_simd128__)
  return "simd128";
#elif defined(__ARM_NEON)
  return "neon";
#else
  return "generic vectors";
#endif
}

#endif  // RILL_NO_SIMD

void linear_packed(Simd simd, const float* in, int in_stride, int n, const float* packed, const float* b, int fin, int fout,
                   float* out, int out_stride) {
  const int ld = packed_ld(fout);
  // Whole vectors of columns straight into out.
  const int full = fout / 8 * 8;
  if (full > 0) gemm(simd, n, full, fin, in, in_stride, 1, packed, ld, b, 0, out, out_stride);
  if (full == fout) return;
  // The last few columns (a 2-D model's output layer is all tail): on AVX2 16 rows at a time with
  // the rows in the lanes (kernels_narrow.cpp); the rest as one zero-padded vector into a small
  // buffer (vector code, not scalar chains), keeping the real columns: 4 wide in WebAssembly when
  // they fit (half the products), else 8.
#if defined(__wasm_simd128__)
  const int tw = fout - full <= 4 ? 4 : 8;
#else
  const int tw = 8;
#endif
  int r0 = linear_narrow_rows(simd, in, in_stride, n, packed + full, ld, b + full, fin, fout - full, out + full,
                              out_stride);
  constexpr int kRows = 64;
  float tmp[kRows * 8];
  float bias8[8] = {0};
  for (int j = full; j < fout; ++j) bias8[j - full] = b[j];
  for (; r0 < n; r0 += kRows) {
    const int m = n - r0 < kRows ? n - r0 : kRows;
    gemm(simd, m, tw, fin, in + static_cast<std::ptrdiff_t>(r0) * in_stride, in_stride, 1, packed + full, ld, bias8, 0, tmp, tw);
    for (int r = 0; r < m; ++r)
      for (int j = full; j < fout; ++j) out[static_cast<std::ptrdiff_t>(r0 + r) * out_stride + j] = tmp[r * tw + j - full];
  }
}

// ---- activations --------------------------------------------------------
// SiLU (the default) and its derivative run in vectors through vec::silu and vec::silu_with_slope
// (mathf_vec.h): templates that activate() and activate_grad() in activation.cpp instantiate with
// float (vec::silu, vec::silu_grad from the same exp), so each lane gives the scalar bits.

namespace {
inline float silu(float z) { return mathf::vec::silu<float, std::uint32_t>(z); }

#if !defined(RILL_NO_SIMD)
using simd_vec::u4;

template <class V, class U>
__attribute__((always_inline)) inline long silu_vec(const float* z, float* a, long count) {
  constexpr long L = sizeof(V) / sizeof(float);
  long i = 0;
  for (; i + L <= count; i += L) store<V>(a + i, mathf::vec::silu<V, U>(load<V>(z + i)));
  return i;
}
template <class V, class U>
__attribute__((always_inline)) inline long silu_slope_vec(const float* z, float* a, float* slope, long count) {
  constexpr long L = sizeof(V) / sizeof(float);
  long i = 0;
  for (; i + L <= count; i += L) {
    V d;
    const V y = mathf::vec::silu_with_slope<V, U>(load<V>(z + i), &d);
    store<V>(a + i, y);
    store<V>(slope + i, d);
  }
  return i;
}
#if defined(RILL_WASM_SILU_PACK)
// rill.wasm: eight vectors at a time with their steps interleaved (silu_pack.h), then single vectors.
long silu_pack(const float* z, float* a, long count) {
  const long i = silu_packed(z, a, count);
  return i + silu_vec<v4, u4>(z + i, a + i, count - i);
}
long silu_slope_pack(const float* z, float* a, float* slope, long count) {
  const long i = silu_slope_packed(z, a, slope, count);
  return i + silu_slope_vec<v4, u4>(z + i, a + i, slope + i, count - i);
}
#endif
#if defined(RILL_X86_DISPATCH)
using simd_vec::u16;
using simd_vec::u8;
using simd_vec::v16;
// SiLU on 8 vectors at a time, steps interleaved (silu_pack.h), then single vectors. Zen 3, AVX2, best
// of 300 rounds (kernel_probe `silu`): 64 x 128 values 3.6 us, 5.9 one vector at a time (4-6: 4.1-4.2).
constexpr int kPackN = 8;
__attribute__((target("avx2"))) long silu_avx2(const float* z, float* a, long count) {
  const long i = silu_packn<v8, u8, kPackN>(z, a, count);
  const long done = i + silu_vec<v8, u8>(z + i, a + i, count - i);
  __builtin_ia32_vzeroupper();
  return done;
}
__attribute__((target("avx2"))) long silu_slope_avx2(const float* z, float* a, float* slope, long count) {
  const long i = silu_slope_packn<v8, u8, kPackN>(z, a, slope, count);
  const long done = i + silu_slope_vec<v8, u8>(z + i, a + i, slope + i, count - i);
  __builtin_ia32_vzeroupper();
  return done;
}
// AVX-512: groups of 8 vectors, the previous group's divides after every third step of the next one's
// exp (silu_pack.h, silu_pipe). Intel Xeon model 207, alternated with PackN: 0.8x its time.
constexpr int kPipeN = 8, kPipeE = 3;
__attribute__((target(RILL_AVX512_TARGET))) long silu_avx512(const float* z, float* a, long count) {
  const long i = silu_pipe::silu_run<false, kPipeE, v16, u16, kPipeN>(z, a, nullptr, count);
  const long done = i + silu_vec<v16, u16>(z + i, a + i, count - i);
  __builtin_ia32_vzeroupper();
  return done;
}
__attribute__((target(RILL_AVX512_TARGET))) long silu_slope_avx512(const float* z, float* a, float* slope,
                                                                   long count) {
  const long i = silu_pipe::silu_run<true, kPipeE, v16, u16, kPipeN>(z, a, slope, count);
  const long done = i + silu_slope_vec<v16, u16>(z + i, a + i, slope + i, count - i);
  __builtin_ia32_vzeroupper();
  return done;
}
#endif

// SiLU over the first lanes-multiple of count; returns how many were done.
long silu_fast(Simd simd, const float* z, float* a, long count) {
  switch (simd_vec::usable(simd)) {
#if defined(RILL_X86_DISPATCH)
    case Simd::avx512: return silu_avx512(z, a, count);
    case Simd::avx2: return silu_avx2(z, a, count);
#endif
    case Simd::scalar: return 0;
#if defined(RILL_WASM_SILU_PACK)
    default: return silu_pack(z, a, count);
#else
    default: return silu_vec<v4, u4>(z, a, count);
#endif
  }
}
long silu_slope_fast(Simd simd, const float* z, float* a, float* slope, long count) {
  switch (simd_vec::usable(simd)) {
#if defined(RILL_X86_DISPATCH)
    case Simd::avx512: return silu_slope_avx512(z, a, slope, count);
    case Simd::avx2: return silu_slope_avx2(z, a, slope, count);
#endif
    case Simd::scalar: return 0;
#if defined(RILL_WASM_SILU_PACK)
    default: return silu_slope_pack(z, a, slope, count);
#else
    default: return silu_slope_vec<v4, u4>(z, a, slope, count);
#endif
  }
}
#else
long silu_fast(Simd, const float*, float*, long) { return 0; }
long silu_slope_fast(Simd, const float*, float*, float*, long) { return 0; }
#endif
}  // namespace

void activate_array(Simd simd, Activation act, const float* z, float* a, long count) {
  switch (act) {
    case Activation::silu:
      for (long i = silu_fast(simd, z, a, count); i < count; ++i) a[i] = silu(z[i]);
      break;
    case Activation::relu:
      for (long i = 0; i < count; ++i) a[i] = z[i] > 0.0f ? z[i] : 0.0f;
      break;
    default:
      for (long i = 0; i < count; ++i) a[i] = activate(act, z[i]);
      break;
  }
}

void activate_array_with_slope(Simd simd, Activation act, const float* z, float* a, float* slope, long count) {
  long i = act == Activation::silu ? silu_slope_fast(simd, z, a, slope, count) : 0;
  for (; i < count; ++i) a[i] = activate_with_slope(act, z[i], &slope[i]);
}

}  // namespace rill
