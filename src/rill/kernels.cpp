// Matrix products and activations. See kernels.h for the summation contract.
//
// gemm keeps a block of R rows × 2 vectors of output columns in registers
// (GCC/Clang vector extensions: SSE2 or, chosen at run time, AVX2 on x86-64;
// SIMD128 in WebAssembly) and walks k in order, so each accumulator sees the
// same sequence of roundings as the plain loop. AVX2 is only ever used for
// mul and add (no FMA), so both x86 paths give the same bits. Builds with
// RILL_NO_SIMD (microcontrollers) keep only the plain loops, which are small.
#include "rill/kernels.h"

#include <cstring>

#include "rill/mathf.h"

#if !defined(RILL_NO_SIMD) && (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define RILL_X86_DISPATCH 1
#endif

#if defined(RILL_X86_DISPATCH) && !defined(__clang__)
// The 8-lane helpers are only ever inlined into the avx2-target function; the
// "AVX vector return changes the ABI" note about their out-of-line form is moot.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace rill {

namespace {
constexpr int kBlock = 16;  // packed_ld granularity: a multiple of every column block below
}

void linear_ref(const float* in, int in_stride, int n, const float* W, const float* b, int fin, int fout,
                float* out, int out_stride) {
  for (int r = 0; r < n; ++r) {
    const float* x = in + static_cast<std::ptrdiff_t>(r) * in_stride;
    float* y = out + static_cast<std::ptrdiff_t>(r) * out_stride;
    for (int j = 0; j < fout; ++j) {
      const float* w = W + static_cast<std::ptrdiff_t>(j) * fin;
      float acc = b[j];
      for (int k = 0; k < fin; ++k) acc = acc + x[k] * w[k];
      y[j] = acc;
    }
  }
}

void gemm_ref(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col, const float* B,
              std::ptrdiff_t ldb, const float* init, float* C, std::ptrdiff_t ldc) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float acc = init != nullptr ? init[j] : 0.0f;
      for (int k = 0; k < kdim; ++k) acc = acc + A[i * a_row + k * a_col] * B[k * ldb + j];
      C[i * ldc + j] = acc;
    }
}

#if defined(RILL_NO_SIMD)

void gemm(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col, const float* B,
          std::ptrdiff_t ldb, const float* init, float* C, std::ptrdiff_t ldc) {
  gemm_ref(m, n, kdim, A, a_row, a_col, B, ldb, init, C, ldc);
}
const char* gemm_variant() { return "scalar"; }

#else

namespace {
typedef float v4 __attribute__((vector_size(16)));
#if defined(RILL_X86_DISPATCH)
typedef float v8 __attribute__((vector_size(32)));
#endif

template <class V>
inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
inline void store(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}
template <class V>
inline V splat(float x);
template <>
inline v4 splat<v4>(float x) { return v4{x, x, x, x}; }
#if defined(RILL_X86_DISPATCH)
template <>
inline v8 splat<v8>(float x) { return v8{x, x, x, x, x, x, x, x}; }
#endif

// R rows × 2 vectors of columns starting at j0.
template <class V, int R>
__attribute__((always_inline)) inline void micro(int kdim, const float* A, std::ptrdiff_t a_row,
                                                 std::ptrdiff_t a_col, const float* B, std::ptrdiff_t ldb,
                                                 const float* init, float* C, std::ptrdiff_t ldc) {
  constexpr int L = sizeof(V) / sizeof(float);
  V acc0[R], acc1[R];
  const V i0 = init != nullptr ? load<V>(init) : V{};
  const V i1 = init != nullptr ? load<V>(init + L) : V{};
  for (int r = 0; r < R; ++r) { acc0[r] = i0; acc1[r] = i1; }
  const float* a = A;
  const float* b = B;
  for (int k = 0; k < kdim; ++k, a += a_col, b += ldb) {
    const V w0 = load<V>(b), w1 = load<V>(b + L);
    for (int r = 0; r < R; ++r) {
      const V x = splat<V>(a[r * a_row]);
      acc0[r] = acc0[r] + x * w0;
      acc1[r] = acc1[r] + x * w1;
    }
  }
  for (int r = 0; r < R; ++r) {
    store<V>(C + r * ldc, acc0[r]);
    store<V>(C + r * ldc + L, acc1[r]);
  }
}

template <class V, int R>
__attribute__((always_inline)) inline void gemm_blocked(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row,
                                                        std::ptrdiff_t a_col, const float* B, std::ptrdiff_t ldb,
                                                        const float* init, float* C, std::ptrdiff_t ldc) {
  constexpr int CB = 2 * static_cast<int>(sizeof(V) / sizeof(float));
  const int nfull = n / CB * CB;
  for (int j0 = 0; j0 < nfull; j0 += CB) {
    const float* in0 = init != nullptr ? init + j0 : nullptr;
    int i = 0;
    for (; i + R <= m; i += R)
      micro<V, R>(kdim, A + i * a_row, a_row, a_col, B + j0, ldb, in0, C + i * ldc + j0, ldc);
    for (; i < m; ++i) micro<V, 1>(kdim, A + i * a_row, a_row, a_col, B + j0, ldb, in0, C + i * ldc + j0, ldc);
  }
  if (nfull < n)
    gemm_ref(m, n - nfull, kdim, A, a_row, a_col, B + nfull, ldb, init != nullptr ? init + nfull : nullptr,
             C + nfull, ldc);
}

void gemm_generic(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col,
                  const float* B, std::ptrdiff_t ldb, const float* init, float* C, std::ptrdiff_t ldc) {
  gemm_blocked<v4, 4>(m, n, kdim, A, a_row, a_col, B, ldb, init, C, ldc);
}

#if defined(RILL_X86_DISPATCH)
__attribute__((target("avx2"))) void gemm_avx2(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row,
                                               std::ptrdiff_t a_col, const float* B, std::ptrdiff_t ldb,
                                               const float* init, float* C, std::ptrdiff_t ldc) {
  gemm_blocked<v8, 6>(m, n, kdim, A, a_row, a_col, B, ldb, init, C, ldc);
  // Leaving AVX state dirty slows every later SSE instruction; GCC at -O1 does not insert this.
  __builtin_ia32_vzeroupper();
}

bool have_avx2() {
#if defined(RILL_NO_AVX2)
  return false;
#else
  return __builtin_cpu_supports("avx2");
#endif
}
#endif
}  // namespace

void gemm(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col, const float* B,
          std::ptrdiff_t ldb, const float* init, float* C, std::ptrdiff_t ldc) {
#if defined(RILL_X86_DISPATCH)
  if (have_avx2()) return gemm_avx2(m, n, kdim, A, a_row, a_col, B, ldb, init, C, ldc);
#endif
  gemm_generic(m, n, kdim, A, a_row, a_col, B, ldb, init, C, ldc);
}

const char* gemm_variant() {
#if defined(RILL_X86_DISPATCH)
  return have_avx2() ? "avx2" : "sse2";
#elif defined(__wasm_simd128__)
  return "simd128";
#elif defined(__ARM_NEON)
  return "neon";
#else
  return "generic vectors";
#endif
}

#endif  // RILL_NO_SIMD

int packed_ld(int fout) { return (fout + kBlock - 1) / kBlock * kBlock; }

std::size_t packed_floats(int fin, int fout) {
  return static_cast<std::size_t>(fin) * static_cast<std::size_t>(packed_ld(fout));
}

void pack_weights(const float* W, int fin, int fout, float* packed) {
  const int ld = packed_ld(fout);
  for (int k = 0; k < fin; ++k)
    for (int j = 0; j < ld; ++j)
      packed[static_cast<std::size_t>(k) * ld + j] = j < fout ? W[static_cast<std::size_t>(j) * fin + k] : 0.0f;
}

void linear_packed(const float* in, int in_stride, int n, const float* packed, const float* b, int fin, int fout,
                   float* out, int out_stride) {
  gemm(n, fout, fin, in, in_stride, 1, packed, packed_ld(fout), b, out, out_stride);
}

void activate_array(Activation act, const float* z, float* a, long count) {
  switch (act) {
    case Activation::silu:
      for (long i = 0; i < count; ++i) a[i] = z[i] * mathf::sigmoid(z[i]);
      break;
    case Activation::relu:
      for (long i = 0; i < count; ++i) a[i] = z[i] > 0.0f ? z[i] : 0.0f;
      break;
    default:
      for (long i = 0; i < count; ++i) a[i] = activate(act, z[i]);
      break;
  }
}

}  // namespace rill
