// The trainer's element-wise kernels: the sum of squares behind the
// gradient norm, Adam, and the backward pass's multiply and bias sums. See
// kernels.h for what each computes and in which order.
//
// Each element's own arithmetic, in a loop written once and compiled for each
// instruction set (the compiler's vectors change no bit), run with the level
// the caller passes; sum_squares keeps its 16 running sums in 4-lane vectors.
#include "rill/kernels.h"
#include "rill/mathf.h"
#include "rill/simd_vec.h"

namespace rill {

using simd_vec::usable;
#if !defined(RILL_NO_SIMD)
using simd_vec::load;
using simd_vec::store;
using simd_vec::v4;
#endif

float sum_squares(Simd simd, const float* x, long count) {
  (void)simd;  // (the plain loops alone in builds without vectors)
  float lane[16] = {};
  long q = 0;
#if !defined(RILL_NO_SIMD)
  // (Simd::scalar runs the plain loops below, as firmware does, for the tests)
  if (usable(simd) != Simd::scalar) {
    v4 acc[4] = {};
    for (; q + 16 <= count; q += 16)
      for (int b = 0; b < 4; ++b) {
        const v4 xv = load<v4>(x + q + 4 * b);
        acc[b] = acc[b] + xv * xv;
      }
    for (int b = 0; b < 4; ++b) store<v4>(lane + 4 * b, acc[b]);
  }
#endif
  for (; q + 16 <= count; q += 16)
    for (int l = 0; l < 16; ++l) lane[l] = lane[l] + x[q + l] * x[q + l];
  for (int l = 0; q < count; ++q, ++l) lane[l] = lane[l] + x[q] * x[q];
  for (int w = 8; w > 0; w /= 2)
    for (int l = 0; l < w; ++l) lane[l] = lane[l] + lane[l + w];
  return lane[0];
}

namespace {
// The correctly rounded square root: an instruction the compiler can
// vectorise on x86-64, WebAssembly and NEON (given -fno-math-errno, as the
// Makefile sets; without it, a call to libm's sqrtf, with the same bits);
// mathf::sqrt on microcontrollers (whose soft-float cores have none, and
// whose library must not call libm).
inline float sqrt_exact(float x) {
#if defined(RILL_NO_SIMD)
  return mathf::sqrt(x);
#else
  return __builtin_sqrtf(x);
#endif
}
// One loop, compiled for each instruction set below: the compiler vectorises
// it (sqrt and ÷ are correctly rounded IEEE operations in vectors as well).
__attribute__((always_inline)) inline void adam_loop(const AdamCoeffs& a, const float* __restrict g,
                                                     float* __restrict m, float* __restrict v,
                                                     float* __restrict p, long count) {
  const float b1 = a.beta1, b2 = a.beta2, k1 = 1.0f - a.beta1, k2 = 1.0f - a.beta2;
  const float c1 = a.c1, c2 = a.c2, lr = a.lr, eps = a.eps;
  for (long q = 0; q < count; ++q) {
    const float gq = g[q];
    const float mq = b1 * m[q] + k1 * gq;
    const float vq = b2 * v[q] + k2 * gq * gq;
    m[q] = mq;
    v[q] = vq;
    p[q] = p[q] - lr * (mq * c1) / (sqrt_exact(vq * c2) + eps);
  }
}
// The element-wise loops below (each element's own arithmetic, so the
// compiler's vectors change no bit) are compiled for each instruction set
// and run with the level the caller names.
__attribute__((always_inline)) inline void mul_loop(float* __restrict g, const float* __restrict s, long count) {
  for (long q = 0; q < count; ++q) g[q] = g[q] * s[q];
}
__attribute__((always_inline)) inline void add_rows_loop(const float* __restrict x, std::ptrdiff_t ld, int rows,
                                                         int cols, float* __restrict sums) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + r * ld;
    for (int j = 0; j < cols; ++j) sums[j] = sums[j] + xr[j];
  }
}
}  // namespace

// name(simd, params…) runs loop(args) compiled for the level simd names.
#define RILL_UNPAREN(...) __VA_ARGS__
#if defined(RILL_X86_DISPATCH)
#define RILL_DISPATCH(name, loop, params, args)                                                   \
  namespace {                                                                                     \
  __attribute__((target(RILL_AVX512_TARGET))) void name##_avx512 params {                         \
    loop args;                                                                                    \
    __builtin_ia32_vzeroupper();                                                                  \
  }                                                                                               \
  __attribute__((target(RILL_AVX2_TARGET))) void name##_avx2 params {                             \
    loop args;                                                                                    \
    __builtin_ia32_vzeroupper();                                                                  \
  }                                                                                               \
  }                                                                                               \
  void name(Simd simd, RILL_UNPAREN params) {                                                     \
    switch (usable(simd)) {                                                                       \
      case Simd::avx512: return name##_avx512 args;                                               \
      case Simd::avx2: return name##_avx2 args;                                                   \
      default: return loop args;                                                                  \
    }                                                                                             \
  }
#else
#define RILL_DISPATCH(name, loop, params, args) \
  void name(Simd, RILL_UNPAREN params) { loop args; }
#endif

RILL_DISPATCH(adam_update, adam_loop, (const AdamCoeffs& a, const float* g, float* m, float* v, float* p, long count),
              (a, g, m, v, p, count))
RILL_DISPATCH(mul_elementwise, mul_loop, (float* g, const float* s, long count), (g, s, count))
RILL_DISPATCH(add_rows, add_rows_loop, (const float* x, std::ptrdiff_t ld, int rows, int cols, float* sums),
              (x, ld, rows, cols, sums))
#undef RILL_DISPATCH
#undef RILL_UNPAREN

}  // namespace rill
