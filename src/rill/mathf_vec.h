// mathf_vec: the activations' exp, SiLU and its derivative, and the normal
// draws' log, sin and cos, written once for a float or a vector of floats.
//
// Internal to the core. activation.cpp instantiates silu/silu_grad with float
// (activate(), activate_grad()); the activation kernels (kernels.cpp)
// instantiate silu/silu_with_slope with
// GCC/Clang vector types: 4 lanes (SSE2, WebAssembly SIMD128, NEON), 8 (AVX2)
// and 16 (AVX-512). Every operation is an IEEE + − × ÷ or an integer bit
// operation applied lane by lane, in the same order, so a vector lane gives
// exactly the bits of the scalar function. exp_act's method and accuracy are
// described where it is defined below (mathf.cpp describes mathf::exp's).
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

// A shorter exp for the activations (SiLU is the hottest non-linear code in
// rill): one Cody-Waite reduction x = k·ln2 + r as in exp_core, then
// exp(r) ≈ 1 + r + r²·(A2 + A3 r + A4 r² + A5 r³ + A6 r⁴) (relative error
// of the polynomial 2^-28.3) and one exact scaling by 2^k. x is clamped to
// [-87, 88.8], so 2^k is a normal float or, for k = 128, +Inf (the bit
// pattern 255 << 23): results are normal, or +Inf past about 88.38, never
// subnormal (slow on some CPUs), and NaN flows through. Within 1 ulp of
// exp(x) on [-87, 88.37] (tests/test_mathf.cpp), in about 60% of exp_core's
// operations.
constexpr float kA2 = 0x1.fffffcp-2f;
constexpr float kA3 = 0x1.555492p-3f;
constexpr float kA4 = 0x1.5558f2p-5f;
constexpr float kA5 = 0x1.1239f2p-7f;
constexpr float kA6 = 0x1.6a241cp-10f;
constexpr std::uint32_t kScaleBias = 127u - kShiftBits;  // modulo 2^32: adds 127, removes the shifter

// x clamped to [-87, 88.8] by two selects (x < −87 ? −87 : x, then x > 88.8 ? 88.8 : x): NaN passes.
template <class F>
RILL_VEC_INLINE F clamp_act(F x) {
  x = x < splat<F>(-87.0f) ? splat<F>(-87.0f) : x;
  return x > splat<F>(88.8f) ? splat<F>(88.8f) : x;
}
// −clamp_act(−z), for exp_neg_act: z clamped to [−88.8, 87] by the mirrored selects (z > 87 ? 87 : z,
// then z < −88.8 ? −88.8 : z): −z < −87 exactly when z > 87, and so on. NaN passes.
template <class F>
RILL_VEC_INLINE F clamp_neg_act(F z) {
  z = z > splat<F>(87.0f) ? splat<F>(87.0f) : z;
  return z < splat<F>(-88.8f) ? splat<F>(-88.8f) : z;
}
#if defined(__wasm_simd128__)
// WebAssembly: the same two selects written as f32x4.pmax(a, b) = a < b ? b : a and f32x4.pmin(a, b)
// = b < a ? b : a, which V8 compiles to one maxps / minps. Left to itself, Clang turns the selects
// into f32x4.max / f32x4.min, whose NaN and −0 rules cost V8 about eight instructions each (a third
// of SiLU's time in rill.wasm). Same bits: every lane is the select above.
typedef float wasm_f32x4 __attribute__((vector_size(16)));
template <>
RILL_VEC_INLINE wasm_f32x4 clamp_act(wasm_f32x4 x) {
  x = __builtin_wasm_pmax_f32x4(x, splat<wasm_f32x4>(-87.0f));
  return __builtin_wasm_pmin_f32x4(x, splat<wasm_f32x4>(88.8f));
}
template <>
RILL_VEC_INLINE wasm_f32x4 clamp_neg_act(wasm_f32x4 z) {
  z = __builtin_wasm_pmin_f32x4(z, splat<wasm_f32x4>(87.0f));  // 87 < z ? 87 : z
  return __builtin_wasm_pmax_f32x4(z, splat<wasm_f32x4>(-88.8f));  // z < −88.8 ? −88.8 : z
}
#endif

#if defined(RILL_X86_DISPATCH)
// x86-64, 8 and 16 lanes (in the kernel sources, which include simd_vec.h and its immintrin.h first): the same two selects as vmaxps(−87, x) and vminps(88.8, x). maxps(a, b) is
// a > b ? a : b and minps(a, b) is a < b ? a : b, giving b whenever the compare is false (NaN, equal
// values): lane by lane exactly the selects above, in two instructions where GCC emits a compare and
// a blend for each. The instructions need their instruction set, which a target-less always_inline
// function cannot inline; so clamp_x86 is plain inline, by reference (no AVX value crosses a call),
// and the compilers inline it once the SiLU code sits in kernels.cpp's avx2 / avx512f functions.
typedef float x86_f32x8 __attribute__((vector_size(32)));
typedef float x86_f32x16 __attribute__((vector_size(64)));
__attribute__((target("avx"))) inline void clamp_x86(x86_f32x8& x) {
  const __m256 m = _mm256_max_ps(_mm256_set1_ps(-87.0f), reinterpret_cast<__m256>(x));
  x = reinterpret_cast<x86_f32x8>(_mm256_min_ps(_mm256_set1_ps(88.8f), m));
}
__attribute__((target("avx512f"))) inline void clamp_x86(x86_f32x16& x) {
  // the masked forms with every lane set: GCC 12 warns about the unmasked ones' undefined source
  const __m512 v = reinterpret_cast<__m512>(x);
  const __m512 m = _mm512_mask_max_ps(v, 0xffff, _mm512_set1_ps(-87.0f), v);
  x = reinterpret_cast<x86_f32x16>(_mm512_mask_min_ps(m, 0xffff, _mm512_set1_ps(88.8f), m));
}
// The mirrored clamp: vminps(87, z) then vmaxps(−88.8, z) (z whenever the compare is false).
__attribute__((target("avx"))) inline void clamp_neg_x86(x86_f32x8& z) {
  const __m256 m = _mm256_min_ps(_mm256_set1_ps(87.0f), reinterpret_cast<__m256>(z));
  z = reinterpret_cast<x86_f32x8>(_mm256_max_ps(_mm256_set1_ps(-88.8f), m));
}
__attribute__((target("avx512f"))) inline void clamp_neg_x86(x86_f32x16& z) {
  const __m512 v = reinterpret_cast<__m512>(z);
  const __m512 m = _mm512_mask_min_ps(v, 0xffff, _mm512_set1_ps(87.0f), v);
  z = reinterpret_cast<x86_f32x16>(_mm512_mask_max_ps(m, 0xffff, _mm512_set1_ps(-88.8f), m));
}
template <>
RILL_VEC_INLINE x86_f32x8 clamp_neg_act(x86_f32x8 z) {
  clamp_neg_x86(z);
  return z;
}
template <>
RILL_VEC_INLINE x86_f32x16 clamp_neg_act(x86_f32x16 z) {
  clamp_neg_x86(z);
  return z;
}
template <>
RILL_VEC_INLINE x86_f32x8 clamp_act(x86_f32x8 x) {
  clamp_x86(x);
  return x;
}
template <>
RILL_VEC_INLINE x86_f32x16 clamp_act(x86_f32x16 x) {
  clamp_x86(x);
  return x;
}
#endif

template <class F, class U>
RILL_VEC_INLINE F exp_act(F x) {
  x = clamp_act(x);
  const F t = x * kInvLn2 + kShift;
  const F kf = t - kShift;
  const F r = (x - kf * kLn2Hi) - kf * kLn2Lo;
  const F p = (((kA6 * r + kA5) * r + kA4) * r + kA3) * r + kA2;
  const F y = 1.0f + (r + (r * r) * p);
  const F scale = from_bits<F>((bits<U>(t) + kScaleBias) << 23);  // 2^k, k in [-126, 128]
  return y * scale;
}

// exp_act(−z), the same bits, with no −z computed (the activations take e^−z; negating a vector is
// three instructions under V8 — it builds the sign mask each time — and one on x86). Each step of
// exp_act on x = −z is written on w = −x instead, the sign moved into a constant or into the
// operation: a·(−b) = −(a·b) and a − b = −(b − a) exactly under round to nearest. So w = −x (the
// mirrored clamp), t = x·kInvLn2 + kShift, n = kShift − t = −kf, q = (w − n·kLn2Hi) − n·kLn2Lo = −r,
// p = kA2 − (kA3 − (kA4 − (kA5 − kA6·q)·q)·q)·q (each Horner step A + P·r as A − P·q), and
// r + r²·p as r²·p − q: every rounding is the one exp_act makes (tests/test_mathf.cpp checks the bits).
//
// The steps, one operation each, are ExpNegSteps::step<S>, so that a kernel can put other work
// between them (silu_pack.h's silu_pipe puts the previous vectors' divides there); exp_neg_act runs
// them in order. Each returns what it wrote.
template <class F, class U>
struct ExpNegSteps {
  static constexpr int kSteps = 23;
  F z, w, t, n, q, p, y;  // y: the polynomial's 1 + ..., then e^−z after the last step
  U s;                    // the scale 2^k's bits
  template <int S>
  RILL_VEC_INLINE auto& step() {
    // clang-format off
    if constexpr (S == 0) return w = clamp_neg_act(z);
    else if constexpr (S == 1) return t = w * -kInvLn2;
    else if constexpr (S == 2) return t = t + kShift;
    else if constexpr (S == 3) return n = kShift - t;
    else if constexpr (S == 4) return q = n * kLn2Hi;      // q = (w − n·kLn2Hi) − n·kLn2Lo
    else if constexpr (S == 5) return q = w - q;
    else if constexpr (S == 6) return p = n * kLn2Lo;
    else if constexpr (S == 7) return q = q - p;
    else if constexpr (S == 8) return p = kA6 * q;          // p = kA2 − (kA3 − (kA4 − (kA5 − kA6·q)·q)·q)·q
    else if constexpr (S == 9) return p = kA5 - p;
    else if constexpr (S == 10) return p = p * q;
    else if constexpr (S == 11) return p = kA4 - p;
    else if constexpr (S == 12) return p = p * q;
    else if constexpr (S == 13) return p = kA3 - p;
    else if constexpr (S == 14) return p = p * q;
    else if constexpr (S == 15) return p = kA2 - p;
    else if constexpr (S == 16) return y = q * q;            // y = 1 + ((q·q)·p − q)
    else if constexpr (S == 17) return y = y * p;
    else if constexpr (S == 18) return y = y - q;
    else if constexpr (S == 19) return y = 1.0f + y;
    else if constexpr (S == 20) return s = bits<U>(t) + kScaleBias;  // 2^k, k in [-126, 128]
    else if constexpr (S == 21) return s = s << 23;
    else return y = y * from_bits<F>(s);                     // S == 22: e^−z
    // clang-format on
  }
  template <int S = 0>
  RILL_VEC_INLINE void run() {
    if constexpr (S < kSteps) {
      step<S>();
      run<S + 1>();
    }
  }
};
template <class F, class U>
RILL_VEC_INLINE F exp_neg_act(F z) {
  ExpNegSteps<F, U> e;
  e.z = z;
  e.run();
  return e.y;
}

// The activations built on exp_act (not part of mathf's ≤ 2 ulp contract,
// but close: one exp_act, one add, one divide). SiLU is the default
// activation and takes the cheap form z / (1 + e^−z); for z < −88.3,
// e^−z = +Inf and z / Inf = −0.
template <class F, class U>
RILL_VEC_INLINE F silu(F z) {
  const F e = exp_neg_act<F, U>(z);
  return z / (1.0f + e);
}
// d/dz silu = s + z·s·(1 − s), s = 1 / (1 + e^−z).
template <class F, class U>
RILL_VEC_INLINE F silu_grad(F z) {
  const F e = exp_neg_act<F, U>(z);
  const F s = 1.0f / (1.0f + e);
  return s + z * s * (1.0f - s);
}
// Both at once, from one exp: returns silu(z) and sets *slope = silu_grad(z),
// the bits of the two functions above (training's forward pass keeps the
// slope for the backward pass, which then needs no exp of its own).
template <class F, class U>
RILL_VEC_INLINE F silu_with_slope(F z, F* slope) {
  const F e = exp_neg_act<F, U>(z);
  const F d = 1.0f + e;
  const F s = 1.0f / d;
  *slope = s + z * s * (1.0f - s);
  return z / d;
}

// ---- log, sin and cos (mathf.cpp's methods; here so that rill::mathf and
// the vector Box-Muller of kernels_normal.cpp run the same steps) ----------

// log(1+f) = f - hfsq + s*(hfsq + R), s = f/(2+f), R = z*(L1 + L2 z + L3 z^2 + L4 z^3),
// z = s^2 <= 0.02944; relative error of R 2^-35.
constexpr float kL1 = 0x1.555556p-1f;
constexpr float kL2 = 0x1.9998b8p-2f;
constexpr float kL3 = 0x1.24a360p-2f;
constexpr float kL4 = 0x1.d40104p-3f;
constexpr std::uint32_t kSqrtHalfBits = 0x3f3504f3u;  // sqrt(2)/2 rounded

// log of x = 2^k0 · from_bits(ix), for ix the bits of a positive normal float and k0 a small
// integer (mathf::log passes −25 for a subnormal it scaled up): x = 2^k · m, m in
// [sqrt(2)/2, sqrt(2)), f = m − 1 (exact), then fdlibm's log(1 + f).
template <class F, class U>
RILL_VEC_INLINE F log_normal(U ix, float k0) {
  ix = ix + (0x3f800000u - kSqrtHalfBits);
  // k = exponent − 127 + k0 as a float, exactly: the exponent field (< 2^8) read as a float
  // through the 2^23 bit pattern, then small integers added
  const F e = from_bits<F>((ix >> 23) | 0x4b000000u) - 8388608.0f;
  const F dk = (e - 127.0f) + k0;
  ix = (ix & 0x007fffffu) + kSqrtHalfBits;
  const F f = from_bits<F>(ix) - 1.0f;  // exact (Sterbenz)
  const F s = f / (2.0f + f);
  const F z = s * s;
  const F w = z * z;
  const F r = z * (kL1 + w * kL3) + w * (kL2 + w * kL4);
  const F hfsq = 0.5f * f * f;
  // k*kLn2Hi is exact (|k| <= 150); f is added last among the small terms.
  return dk * kLn2Hi - ((hfsq - (s * (hfsq + r) + dk * kLn2Lo)) - f);
}

constexpr float kTwoOverPi = 0x1.45f306p-1f;
// pi/2 = P1 + P2 + P3 + P4 + T5 (+ 2^-78); P1..P4 have <= 11 significant bits.
constexpr float kP1 = 0x1.92p+0f;
constexpr float kP2 = 0x1.fb4p-12f;
constexpr float kP3 = 0x1.444p-24f;
constexpr float kP4 = 0x1.68cp-39f;
constexpr float kT5 = 0x1.1a6264p-54f;
constexpr float kSinCosFastLimit = 12868.0f;  // round(x*2/pi) <= 8192 below this

// sin(r) = r + r^3*(S1 + S2 z + S3 z^2 + S4 z^3), z = r^2, |r| <= 0.7875;
// relative error 2^-32.
constexpr float kS1 = -0x1.555556p-3f;
constexpr float kS2 = 0x1.11117cp-7f;
constexpr float kS3 = -0x1.a061b8p-13f;
constexpr float kS4 = 0x1.7e48fap-19f;
// cos(r) = 1 - z/2 + z^2*(C1 + C2 z + C3 z^2); relative error 2^-32.
constexpr float kC1 = 0x1.55554ep-5f;
constexpr float kC2 = -0x1.6c0e28p-10f;
constexpr float kC3 = 0x1.9a6472p-16f;

// s = a + b exactly as s + err (Knuth's 2Sum, any magnitudes).
template <class F>
RILL_VEC_INLINE F two_sum(F a, F b, F* err) {
  const F s = a + b;
  const F bb = s - a;
  *err = (a - (s - bb)) + (b - bb);
  return s;
}

// |x| <= kSinCosFastLimit: x = q·pi/2 + rhi + rlo (mod 2pi), |rhi| <= ~pi/4; returns q mod 4.
// Cody-Waite with pi/2 in five parts: the first two subtractions are exact, the next by 2Sum.
template <class F, class U>
RILL_VEC_INLINE U reduce_pio2(F x, F* rhi, F* rlo) {
  const F t = x * kTwoOverPi + kShift;
  const F kf = t - kShift;  // |k| <= 8192
  F y = x - kf * kP1;       // exact
  y = y - kf * kP2;         // exact
  F e1, e2, e3;
  y = two_sum(y, -(kf * kP3), &e1);
  y = two_sum(y, -(kf * kP4), &e2);
  const F tail = (e1 + e2) - kf * kT5;
  *rhi = two_sum(y, tail, &e3);
  *rlo = e3;
  return (bits<U>(t) - kShiftBits) & 3u;
}

// sin(h + l), |h| <= ~pi/4, |l| <= ulp(h): sin h + l*(1 - h^2/2).
template <class F>
RILL_VEC_INLINE F sin_kernel(F h, F l) {
  const F z = h * h;
  const F p = z * (kS1 + z * (kS2 + z * (kS3 + z * kS4)));
  return h + (h * p + (l - (0.5f * z) * l));
}

// cos(h + l) = cos h - l*h, with cos h = 1 - z/2 + z^2 C(z) evaluated as
// (1 - zh/2) + [rounding error of that] - zl/2 + z^2 C; h = hh + hl with 12-bit
// halves, so zh = hh^2 and zl = (2hh + hl)*hl are exact products.
template <class F, class U>
RILL_VEC_INLINE F cos_kernel(F h, F l) {
  const F hh = from_bits<F>(bits<U>(h) & 0xfffff000u);
  const F hl = h - hh;
  const F zh = hh * hh;
  const F zl = (hh + hh) * hl + hl * hl;
  const F z = zh + zl;
  const F c = (z * z) * (kC1 + z * (kC2 + z * kC3));
  const F hz = 0.5f * zh;
  const F w = 1.0f - hz;  // |hz| <= 0.31: 1 - hz + err exactly
  const F werr = (1.0f - w) - hz;
  return w + (((werr - 0.5f * zl) + c) - h * l);
}

}  // namespace vec
}  // namespace mathf
}  // namespace rill
