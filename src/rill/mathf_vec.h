// mathf_vec: exp, SiLU and its derivative written once for a float or a
// vector of floats.
//
// Internal to the core. mathf.cpp instantiates exp_core with float (exp,
// sigmoid, tanh, erf), mlp.cpp silu/silu_grad with float (activate());
// the activation kernels (kernels.cpp) instantiate silu/silu_with_slope with
// GCC/Clang vector types: 4 lanes (SSE2, WebAssembly SIMD128, NEON), 8 (AVX2)
// and 16 (AVX-512). Every operation is an IEEE + − × ÷ or an integer bit
// operation applied lane by lane, in the same order, so a vector lane gives
// exactly the bits of the scalar function. The method and its error analysis
// are described at the top of mathf.cpp.
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__GNUC__)
#define RILL_VEC_INLINE inline __attribute__((always_inline))
#else
#define RILL_VEC_INLINE inline
#endif

namespace rill {
namespace mathf {
namespace vec {

constexpr float kInvLn2 = 0x1.715476p+0f;
constexpr float kLn2Hi = 0x1.62e4p-1f;       // 15 significant bits: k*kLn2Hi exact for |k| < 2^9
constexpr float kLn2Lo = 0x1.7f7d1cp-20f;    // ln2 - kLn2Hi, rounded
// exp(r) = 1 + r + r^2*(E2 + E3 r + ... + E7 r^5), |r| <= 0.3467;
// relative error of the polynomial 2^-31.0.
constexpr float kE2 = 0x1p-1f;
constexpr float kE3 = 0x1.55553cp-3f;
constexpr float kE4 = 0x1.5554f4p-5f;
constexpr float kE5 = 0x1.113720p-7f;
constexpr float kE6 = 0x1.6d3dd8p-10f;
constexpr float kE7 = 0x1.6b4a8ep-13f;
constexpr float kShift = 0x1.8p23f;          // adding then subtracting rounds to an integer
constexpr std::uint32_t kShiftBits = 0x4b400000u;

// Lane-wise bit casts and constants, for float/uint32_t and for vector types.
template <class U, class F>
RILL_VEC_INLINE U bits(F x) {
  U u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
template <class F, class U>
RILL_VEC_INLINE F from_bits(U u) {
  F x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}
template <class T, class S>
RILL_VEC_INLINE T splat(S v) {
  T t = {};
  return t + v;  // broadcasts for vectors; for scalars 0 + v == v (v is never −0 here)
}

// exp(x) = return value + *lo_out (see mathf.cpp). F is float or a float
// vector, U the matching uint32 type.
template <class F, class U>
RILL_VEC_INLINE F exp_core(F x, F* lo_out) {
  // Beyond these the result is +Inf / 0 anyway; clamping keeps k in
  // [-150, 128]. NaN fails both comparisons and flows through.
  x = x > splat<F>(89.0f) ? splat<F>(89.0f) : x;
  x = x < splat<F>(-104.0f) ? splat<F>(-104.0f) : x;
  const F t = x * kInvLn2 + kShift;
  const F kf = t - kShift;
  // r = x - k*ln2 = a - b: a is exact (k*kLn2Hi is exact and cancels against
  // x); r + rl = a - b exactly (Fast2Sum; where |a| < |b| fails its
  // precondition, r < 2^-11 and rl is negligible anyway).
  const F a = x - kf * kLn2Hi;
  const F b = kf * kLn2Lo;
  const F r = a - b;
  const F rl = (a - r) - b;
  const F r2 = r * r;
  // Estrin: Q(r) = (E2 + E3 r) + r^2 (E4 + E5 r) + r^4 (E6 + E7 r)
  const F q = r2 * ((kE2 + kE3 * r) + r2 * (kE4 + kE5 * r) + (r2 * r2) * (kE6 + kE7 * r));
  // exp(r + rl) = 1 + r + q + rl (rl*r < 2^-27): 1 + r as hi + lo (Fast2Sum,
  // |r| < 1), then fold q and rl into the low part.
  const F hi = 1.0f + r;
  const F tail = ((1.0f - hi) + r) + (q + rl);
  const F y = hi + tail;          // in [0.70, 1.42]
  const F ylo = (hi - y) + tail;  // Fast2Sum: |tail| < 0.07 < |hi|
  // Scale by 2^k = 2^k1 * 2^k2 with both factors normal: y*2^k1 is exact and
  // the second multiply rounds once (to a subnormal, 0 or +Inf if need be).
  // Unsigned arithmetic: for NaN the bits are garbage but harmless.
  const U kb = (bits<U>(t) - kShiftBits) + 256u;  // k + 256, in [106, 384]
  const U half = kb >> 1;
  const F s1 = from_bits<F>((half - 1u) << 23);       // 2^(k1), k1 = floor(k/2)
  const F s2 = from_bits<F>((kb - half - 1u) << 23);  // 2^(k - k1)
  *lo_out = (ylo * s1) * s2;
  return (y * s1) * s2;
}

// The activations built on exp, for the MLP (not part of mathf's ≤ 2 ulp
// contract, but as close: one exp, one add, one divide, each ≤ 1 ulp or
// correctly rounded). SiLU is the default activation and the hottest
// non-linear code in rill, so it takes the cheap form z / (1 + e^−z).
template <class F, class U>
RILL_VEC_INLINE F silu(F z) {
  F lo;
  const F e = exp_core<F, U>(-z, &lo);  // +Inf for z < −89: z / Inf = −0
  return z / (1.0f + e);
}
// d/dz silu = s + z·s·(1 − s), s = 1 / (1 + e^−z).
template <class F, class U>
RILL_VEC_INLINE F silu_grad(F z) {
  F lo;
  const F e = exp_core<F, U>(-z, &lo);
  const F s = 1.0f / (1.0f + e);
  return s + z * s * (1.0f - s);
}
// Both at once, from one exp: returns silu(z) and sets *slope = silu_grad(z),
// the bits of the two functions above (training's forward pass keeps the
// slope for the backward pass, which then needs no exp of its own).
template <class F, class U>
RILL_VEC_INLINE F silu_with_slope(F z, F* slope) {
  F lo;
  const F e = exp_core<F, U>(-z, &lo);
  const F d = 1.0f + e;
  const F s = 1.0f / d;
  *slope = s + z * s * (1.0f - s);
  return z / d;
}

}  // namespace vec
}  // namespace mathf
}  // namespace rill
