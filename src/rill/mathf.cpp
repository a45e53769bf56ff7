// mathf: float32 elementary functions from + - * / and sqrt only.
//
// Why this file exists: libm's expf/sinf/logf/tanhf differ by 1-2 ulp between
// glibc, Emscripten's musl and newlib, so the same model and seed would give
// different bits on x86-64, WebAssembly and Cortex-M. Everything here is IEEE
// single-precision + - * / (sqrt is only used by sqrt itself) plus integer bit
// manipulation through memcpy, evaluated in a fixed order. Compiled with
// -ffp-contract=off (no FMA), every target computes the same bits. No <cmath>,
// no libm symbol, no double (Cortex-M4F has a single-precision FPU only).
//
// Method, per function (errors are measured by tests/test_mathf.cpp against a
// double-precision reference; see the figures quoted there):
// - exp: Cody-Waite reduction x = k*ln2 + r, |r| <= ln2/2, with ln2 split into
//   a 15-bit head (k*head exact for |k| < 2^9) and a float tail; k by the
//   1.5*2^23 "shifter" trick (round to nearest, no float->int conversion).
//   exp(r) = 1 + r + r^2*Q(r), Q a degree-5 minimax polynomial; 1 + r and the
//   rounding error of r are kept as unevaluated sums (Fast2Sum), so the only
//   sizeable error is the last rounding, and the result is also available as
//   a hi + lo pair for sigmoid and tanh. 2^k is applied as two exact-exponent factors 2^(k/2) * 2^(k-k/2),
//   so overflow to +Inf and gradual underflow to subnormals/0 fall out of one
//   correctly rounded multiply, with no branch.
// - log: x = 2^k * m, m in [sqrt(2)/2, sqrt(2)), f = m - 1 (exact), then the
//   fdlibm decomposition log(1+f) = f - f^2/2 + s*(f^2/2 + R(s^2)), s = f/(2+f),
//   R a degree-4 minimax polynomial in s^2 (same structure as fdlibm/musl logf,
//   coefficients our own).
// - sin, cos: Cody-Waite reduction x = k*pi/2 + r for |x| <= 12868 (just over
//   2^12*pi, k <= 8192). pi/2 = P1 + P2 + P3 + P4 + T5 where P1..P4 have at
//   most 11 significant bits, so k*Pi is exact for k < 2^13; the first two
//   subtractions are exact (Sterbenz-like), the next ones are done with 2Sum,
//   so r comes out as a float pair hi + lo accurate to ~2^-65 absolute. The
//   closest float to a multiple of pi/2 in that range (x = 252.898..., k = 161)
//   is 2^-27.8 away, so r keeps full relative accuracy there. Larger |x| use a
//   Payne-Hanek reduction in integer arithmetic with 224 bits of 2/pi (seven
//   uint32 words), exact for every finite float. Kernels: minimax polynomials
//   in r^2 on [-pi/4, pi/4] (sin degree 9, cos degree 8 with r^2 split into
//   an exact head and tail so 1 - r^2/2 loses nothing), plus the first-order
//   correction for lo (fdlibm __kernel_sin/__kernel_cos structure).
// - tanh: odd minimax polynomial x + x^3*P(x^2) for |x| < 0.875; above,
//   1 - 2e/(1+e) with e = exp(-2|x|) and 1+e kept exact (Fast2Sum); +-1 past
//   |x| = 9.1 where 1 - tanh < 2^-25.
// - erf: x + x*Q(x^2) (degree-6 minimax Q) for |x| < 0.875; erf(1.0625) plus a
//   degree-8 polynomial in (x - 1.0625) up to 1.25; 1 - exp(-x^2)*G(x)
//   for 1.25 <= |x| < 4, G ~ erfc(x)*exp(x^2) a degree-9 minimax polynomial in
//   (x - 2.625) with weight exp(-x^2) (absolute error of erf); +-1 past 4.
// - sigmoid: e = exp(-|x|), then 1/(1+e) or e/(1+e): one exp, one divide, no
//   overflow and full relative accuracy in the left tail. The rounding errors
//   of exp and of 1+e are folded back in by a first-order correction that
//   needs no second divide (without it the error reaches 2.3 ulp).
// - sqrt: the hardware instruction where the target has one (x86 SSE, wasm,
//   ARM with a single-precision VFP); otherwise (soft-float ARM, e.g. M0+) an
//   exact integer digit-by-digit square root with round-to-nearest, which is
//   correctly rounded and so bit-identical to the hardware.
//
// The minimax coefficients were computed for this file with a Remez exchange
// (mpmath, 50 digits), minimising the relative error of the final function
// (absolute error of erf for G), then rounded to float one coefficient at a
// time from the lowest degree up, refitting the remaining ones after each
// rounding. The approximation error of every polynomial, with the rounded
// coefficients, is at most 2^-28.9 relative (erf near 0.875; most are below
// 2^-30), i.e. under 0.05 ulp; what remains is rounding in the evaluation,
// analysed in the comments below.
//
// References: W. J. Cody and W. Waite, "Software Manual for the Elementary
// Functions" (1980); M. Payne and R. Hanek, "Radian reduction for
// trigonometric functions" (1983); J.-M. Muller, "Elementary Functions:
// Algorithms and Implementation" (3rd ed., 2016) for 2Sum/Fast2Sum and the
// Remez algorithm; fdlibm (Sun, 1993) for the log and sin/cos kernel layouts.
#include "rill/mathf.h"
#include "rill/mathf_vec.h"

#include <cstdint>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__SSE_MATH__) && \
    !defined(__NO_MATH_ERRNO__)
// With math-errno on, __builtin_sqrtf keeps a call to libm's sqrtf for x < 0.
#include <xmmintrin.h>
#define RILL_MATHF_SSE_SQRT 1
#endif

namespace rill {
namespace mathf {

namespace {

using u32 = std::uint32_t;
using u64 = std::uint64_t;

// The bit casts and the shifter (adding then subtracting
// vec::kShift = 1.5*2^23 rounds a float of magnitude < 2^22 to the nearest
// integer, ties to even, which lands in the low mantissa bits) are shared
// with the vector code in mathf_vec.h.
using vec::bits;
using vec::from_bits;
using vec::kShift;
using vec::kShiftBits;

// 2^e for -126 <= e <= 127, built from the exponent field.
inline float pow2(int e) { return from_bits<float>(static_cast<u32>(e + 127) << 23); }

constexpr u32 kSignMask = 0x80000000u;
constexpr u32 kAbsMask = 0x7fffffffu;
constexpr u32 kQuietNan = 0x7fc00000u;

// ---------------------------------------------------------------- exp

using vec::kInvLn2;
using vec::kLn2Hi;
using vec::kLn2Lo;

// exp(r) = 1 + r + r^2*(E2 + E3 r + ... + E7 r^5), |r| <= 0.3467;
// relative error of the polynomial 2^-31.0.
constexpr float kE2 = 0x1p-1f;
constexpr float kE3 = 0x1.55553cp-3f;
constexpr float kE4 = 0x1.5554f4p-5f;
constexpr float kE5 = 0x1.113720p-7f;
constexpr float kE6 = 0x1.6d3dd8p-10f;
constexpr float kE7 = 0x1.6b4a8ep-13f;

// exp(x) = return value + *lo_out. (The activations use the shorter
// vec::exp_act of mathf_vec.h, which shares the reduction's constants.)
inline float exp_core(float x, float* lo_out) {
  // Beyond these the result is +Inf / 0 anyway; clamping keeps k in
  // [-150, 128]. NaN fails both comparisons and flows through.
  x = x > 89.0f ? 89.0f : x;
  x = x < -104.0f ? -104.0f : x;
  const float t = x * kInvLn2 + kShift;
  const float kf = t - kShift;
  // r = x - k*ln2 = a - b: a is exact (k*kLn2Hi is exact and cancels against
  // x); r + rl = a - b exactly (Fast2Sum; where |a| < |b| fails its
  // precondition, r < 2^-11 and rl is negligible anyway).
  const float a = x - kf * kLn2Hi;
  const float b = kf * kLn2Lo;
  const float r = a - b;
  const float rl = (a - r) - b;
  const float r2 = r * r;
  // Estrin: Q(r) = (E2 + E3 r) + r^2 (E4 + E5 r) + r^4 (E6 + E7 r)
  const float q = r2 * ((kE2 + kE3 * r) + r2 * (kE4 + kE5 * r) + (r2 * r2) * (kE6 + kE7 * r));
  // exp(r + rl) = 1 + r + q + rl (rl*r < 2^-27): 1 + r as hi + lo (Fast2Sum,
  // |r| < 1), then fold q and rl into the low part.
  const float hi = 1.0f + r;
  const float tail = ((1.0f - hi) + r) + (q + rl);
  const float y = hi + tail;          // in [0.70, 1.42]
  const float ylo = (hi - y) + tail;  // Fast2Sum: |tail| < 0.07 < |hi|
  // Scale by 2^k = 2^k1 * 2^k2 with both factors normal: y*2^k1 is exact and
  // the second multiply rounds once (to a subnormal, 0 or +Inf if need be).
  // Unsigned arithmetic: for NaN the bits are garbage but harmless.
  const u32 kb = (bits<u32>(t) - kShiftBits) + 256u;  // k + 256, in [106, 384]
  const u32 half = kb >> 1;
  const float s1 = from_bits<float>((half - 1u) << 23);       // 2^(k1), k1 = floor(k/2)
  const float s2 = from_bits<float>((kb - half - 1u) << 23);  // 2^(k - k1)
  *lo_out = (ylo * s1) * s2;
  return (y * s1) * s2;
}

// ---------------------------------------------------------------- log, sin, cos

// The log's constants and steps, sin/cos's fast reduction and kernels: mathf_vec.h
// (vec::log_normal, reduce_pio2, sin_kernel, cos_kernel), shared with the vector
// normal draws (kernels_normal.cpp).
using vec::kSinCosFastLimit;

// Payne-Hanek: 2/pi = 0.a2f9836e 4e441529 ... (bits 1..224 after the point).
constexpr u32 kTwoOverPiBits[8] = {0u,  // bits at or before the point: zero
                                   0xa2f9836eu, 0x4e441529u, 0xfc2757d1u, 0xf534ddc0u,
                                   0xdb629599u, 0x3c439041u, 0xfe5163abu};
// pi/2 = kPio2H + kPio2L, kPio2H with 12 significant bits (so fhi * kPio2H is exact).
constexpr float kPio2H = 0x1.922p+0f;
constexpr float kPio2L = -0x1.2aeef4p-18f;
constexpr float kPio2 = 0x1.921fb6p+0f;

// |x| > kSinCosFastLimit, finite: x*2/pi = q + f with |f| <= 1/2, computed
// exactly in fixed point; returns q mod 4 and r = f*pi/2 as hi + lo.
u32 reduce_large(float ax, float* rhi, float* rlo) {
  const u32 ix = bits<u32>(ax);
  const int e = static_cast<int>(ix >> 23) - 150;  // ax = m * 2^e, e in [-10, 104]
  const u32 m = (ix & 0x007fffffu) | 0x00800000u;
  // Bits of 2/pi from index e-1 on (bit i weighs 2^-i); earlier bits only
  // add multiples of 4 to x*2/pi. Table word j+1 holds bits 32j+1 .. 32j+32,
  // word 0 the zero bits before the point; p is the position of bit e-1.
  const int p = e - 2 + 32;  // in [20, 134]
  const int wi = p >> 5;
  const int sh = p & 31;
  u32 w[3];
  for (int j = 0; j < 3; ++j) {
    const u64 two = (static_cast<u64>(kTwoOverPiBits[wi + j]) << 32) | kTwoOverPiBits[wi + j + 1];
    w[j] = static_cast<u32>(two >> (32 - sh));
  }
  // (m * W) mod 2^96: x*2/pi mod 4 in fixed point with 94 fraction bits.
  const u64 p2 = static_cast<u64>(m) * w[2];
  const u64 p1 = static_cast<u64>(m) * w[1];
  const u32 p0 = m * w[0];  // only its low 32 bits matter
  const u32 lo = static_cast<u32>(p2);
  const u64 mid64 = (p2 >> 32) + static_cast<u32>(p1);
  const u32 mid = static_cast<u32>(mid64);
  const u32 hi = static_cast<u32>(p1 >> 32) + p0 + static_cast<u32>(mid64 >> 32);
  // Round to the nearest quadrant and keep the signed remainder.
  const u32 q = (hi + 0x20000000u) >> 30;
  const u32 fh = hi - (q << 30);  // as int32: in [-2^29, 2^29)
  u64 a = (static_cast<u64>(fh) << 32) | mid;
  u32 b = lo;
  const bool neg = (fh & kSignMask) != 0;
  if (neg) {  // two's complement negation of the 96-bit a:b
    b = 0u - b;
    a = ~a + (b == 0u ? 1u : 0u);
  }
  // |f| = a:b * 2^-94 with a < 2^61. a == 0 would need |f| < 2^-62, far below
  // the closest any float comes to a multiple of pi/2 (about 2^-30).
  int n = 0;
  while ((a >> 63) == 0u && n < 64) {  // normalise (at most ~35 steps)
    a = (a << 1) | (b >> 31);
    b <<= 1;
    ++n;
  }
  // a now holds the top 64 bits: |f| = a * 2^(-62-n).
  const float fhi = static_cast<float>(static_cast<u32>(a >> 52)) * pow2(-10 - n);
  const float flo = static_cast<float>(static_cast<u32>(a >> 28) & 0x00ffffffu) * pow2(-34 - n);
  const float t1 = fhi * kPio2H;  // exact: 12 x 12 bits
  const float t2 = fhi * kPio2L + flo * kPio2;
  float h = t1 + t2;
  float l = (t1 - h) + t2;
  if (neg) {
    h = -h;
    l = -l;
  }
  *rhi = h;
  *rlo = l;
  return q & 3u;
}

// x = q*pi/2 + rhi + rlo (mod 2pi), |rhi| <= ~pi/4. Requires x finite.
u32 reduce(float x, float* rhi, float* rlo) {
  const float ax = from_bits<float>(bits<u32>(x) & kAbsMask);
  if (ax <= kSinCosFastLimit) return vec::reduce_pio2<float, u32>(x, rhi, rlo);
  float h, l;
  u32 q = reduce_large(ax, &h, &l);
  if (bits<u32>(x) & kSignMask) {
    q = (4u - q) & 3u;
    h = -h;
    l = -l;
  }
  *rhi = h;
  *rlo = l;
  return q;
}

inline float sin_kernel(float h, float l) { return vec::sin_kernel(h, l); }
inline float cos_kernel(float h, float l) { return vec::cos_kernel<float, u32>(h, l); }

// ---------------------------------------------------------------- tanh

// tanh(x) = x + x^3*(T1 + T2 z + ... + T7 z^6), z = x^2, |x| < 0.875;
// relative error 2^-30.
constexpr float kT1 = -0x1.555552p-2f;
constexpr float kT2 = 0x1.110ff6p-3f;
constexpr float kT3 = -0x1.b9e2f0p-5f;
constexpr float kT4 = 0x1.63b1a8p-6f;
constexpr float kT5t = -0x1.11d288p-7f;
constexpr float kT6 = 0x1.5e52e2p-9f;
constexpr float kT7 = -0x1.00f22cp-11f;

// ---------------------------------------------------------------- erf

// erf(x) = x + x*(R0 + R1 z + ... + R6 z^6), z = x^2, |x| < 0.875;
// relative error 2^-28.9.
constexpr float kR0 = 0x1.06eba8p-3f;  // 2/sqrt(pi) - 1
constexpr float kR1 = -0x1.812740p-2f;
constexpr float kR2 = 0x1.ce2d5cp-4f;
constexpr float kR3 = -0x1.b7ff80p-6f;
constexpr float kR4 = 0x1.542ff2p-8f;
constexpr float kR5 = -0x1.a4a936p-11f;
constexpr float kR6 = 0x1.48e4fap-14f;
// erf(x) = kErx + (M0 + M1 s + ... + M8 s^8), s = x - 1.0625, 0.875 <= x < 1.25;
// kErx = erf(1.0625) rounded; absolute error 2^-32.
constexpr float kMc = 1.0625f;
constexpr float kErx = 0x1.bbef10p-1f;
constexpr float kM0 = -0x1.08653ep-27f;
constexpr float kM1 = 0x1.75a91ap-2f;
constexpr float kM2 = -0x1.8d03acp-2f;
constexpr float kM3 = 0x1.395542p-3f;
constexpr float kM4 = 0x1.88dde2p-5f;
constexpr float kM5 = -0x1.0fcce4p-4f;
constexpr float kM6 = 0x1.623342p-7f;
constexpr float kM7 = 0x1.bf0dbcp-7f;
constexpr float kM8 = -0x1.08e296p-7f;
// erfc(x)*exp(x^2) = G0 + G1 t + ... + G9 t^9, t = x - 2.625, 1.25 <= x <= 4;
// absolute error in erf 2^-33.
constexpr float kGc = 2.625f;
constexpr float kG0 = 0x1.9d7738p-3f;
constexpr float kG1 = -0x1.187456p-4f;
constexpr float kG2 = 0x1.6aed58p-6f;
constexpr float kG3 = -0x1.c2938ep-8f;
constexpr float kG4 = 0x1.105c2ep-9f;
constexpr float kG5 = -0x1.20e6aap-11f;
constexpr float kG6 = 0x1.7139f4p-13f;
constexpr float kG7 = -0x1.5b92b8p-14f;
constexpr float kG8 = -0x1.db87e8p-16f;
constexpr float kG9 = -0x1.20c604p-16f;

}  // namespace

// ---------------------------------------------------------------- sqrt

namespace detail {

float sqrt_soft(float x) {
  const u32 ix = bits<u32>(x);
  if (ix >= 0x7f800000u || ix == 0u) {  // +-0, negative, +Inf, NaN
    if ((ix & kAbsMask) > 0x7f800000u) return from_bits<float>(ix | 0x00400000u);  // NaN: quiet it
    if (ix == 0x7f800000u || (ix << 1) == 0u) return x;                   // +Inf, +-0
    return from_bits<float>(kQuietNan);                                           // x < 0
  }
  // x = m * 2^e, m in [2^23, 2^24).
  u32 m;
  int e;
  if (ix >= 0x00800000u) {
    m = (ix & 0x007fffffu) | 0x00800000u;
    e = static_cast<int>(ix >> 23) - 150;
  } else {  // subnormal
    m = ix;
    e = -149;
    while (m < 0x00800000u) {
      m <<= 1;
      --e;
    }
  }
  // M = m * 2^s in [2^46, 2^48) with e - s even; sqrt(x) = sqrt(M) * 2^((e-s)/2).
  const int s = (e & 1) ? 23 : 24;
  const u64 big = static_cast<u64>(m) << s;
  // Digit-by-digit integer square root: q = floor(sqrt(big)), rem = big - q^2.
  u64 rem = big;
  u64 q = 0u;
  u64 bit = u64{1} << 46;
  while (bit != 0u) {  // 24 steps, branch-free
    const u64 trial = q + bit;
    const u64 take = u64{0} - static_cast<u64>(rem >= trial);  // all ones or zero
    rem -= trial & take;
    q = (q >> 1) + (bit & take);
    bit >>= 2;
  }
  // Round to nearest: sqrt(big) > q + 1/2 <=> big > q^2 + q + 1/4 <=> rem > q
  // (no ties: q^2 + q + 1/4 is never an integer).
  if (rem > q) ++q;  // q may become 2^24: the carry into the exponent is right
  const int f = (e - s) / 2;  // exact: e - s is even
  return from_bits<float>((static_cast<u32>(f + 149) << 23) + static_cast<u32>(q));
}

}  // namespace detail

float sqrt(float x) {
#if (defined(__arm__) && !(defined(__ARM_FP) && (__ARM_FP & 4))) || (defined(__riscv) && !defined(__riscv_flen))
  // AArch32 without a single-precision FPU (Cortex-M0/M0+/M3, soft-float), RISC-V without F (rv32imac).
  return detail::sqrt_soft(x);
#elif defined(__arm__) && !defined(__NO_MATH_ERRNO__)
  // With math-errno on, __builtin_sqrtf would keep a call to libm's sqrtf for
  // x < 0; the instruction itself already gives the IEEE result.
  float r;
  __asm__("vsqrt.f32 %0, %1" : "=t"(r) : "t"(x));
  return r;
#elif defined(RILL_MATHF_SSE_SQRT)
  return _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(x)));
#else
  // x86 SSE, wasm f32.sqrt, AArch64 fsqrt, ARM vsqrt, RISC-V fsqrt.s (with -fno-math-errno).
  return __builtin_sqrtf(x);
#endif
}

// ---------------------------------------------------------------- exp, sigmoid

float exp(float x) {
  float lo;
  return exp_core(x, &lo);
}

float sigmoid(float x) {
  // e = exp(-|x|) in [0, 1] (as eh + el): no overflow for any x, and e/(1+e)
  // keeps the left tail, down to the subnormals, at full relative accuracy.
  // With 1 + e = dh + dl exactly, n/(dh + dl) = q + (nl - q*dl)/dh to first
  // order, q = nh/dh; and 1/dh is q itself (n = 1) or 1 - q (n = e), so the
  // correction costs no second divide. This removes the rounding errors of
  // exp and of 1 + e, leaving little more than the divide's half ulp.
  float el;
  const float eh = exp_core(-from_bits<float>(bits<u32>(x) & kAbsMask), &el);
  const float dh = 1.0f + eh;
  const float dl = ((1.0f - dh) + eh) + el;
  if (x >= 0.0f) {  // n = 1 + 0
    const float q = 1.0f / dh;
    return q + (0.0f - q * dl) * q;
  }
  // n = eh + el; a NaN x comes here too and propagates through eh.
  const float q = eh / dh;
  return q + (el - q * dl) * (1.0f - q);
}

// ---------------------------------------------------------------- log

float log(float x) {
  u32 ix = bits<u32>(x);
  float k0 = 0.0f;
  if (ix < 0x00800000u || ix >= 0x7f800000u) {
    if ((ix & kAbsMask) > 0x7f800000u) return x + x;        // NaN
    if ((ix << 1) == 0u) return -from_bits<float>(0x7f800000u);      // +-0 -> -Inf
    if (ix & kSignMask) return from_bits<float>(kQuietNan);          // x < 0
    if (ix == 0x7f800000u) return x;                         // +Inf
    ix = bits<u32>(x * 0x1p25f);                               // subnormal: scale up
    k0 = -25.0f;
  }
  return vec::log_normal<float, u32>(ix, k0);
}

// ---------------------------------------------------------------- sin, cos

float sin(float x) {
  const u32 ax = bits<u32>(x) & kAbsMask;
  if (ax < 0x39800000u) return x;  // |x| < 2^-12: sin x rounds to x (also +-0, subnormals)
  if (ax >= 0x7f800000u) return x - x;  // +-Inf, NaN -> NaN
  float h, l;
  const u32 q = reduce(x, &h, &l);
  switch (q) {
    case 0: return sin_kernel(h, l);
    case 1: return cos_kernel(h, l);
    case 2: return -sin_kernel(h, l);
    default: return -cos_kernel(h, l);
  }
}

float cos(float x) {
  const u32 ax = bits<u32>(x) & kAbsMask;
  if (ax < 0x39800000u) return 1.0f;  // |x| < 2^-12: cos x rounds to 1
  if (ax >= 0x7f800000u) return x - x;
  float h, l;
  const u32 q = reduce(x, &h, &l);
  switch (q) {
    case 0: return cos_kernel(h, l);
    case 1: return -sin_kernel(h, l);
    case 2: return -cos_kernel(h, l);
    default: return sin_kernel(h, l);
  }
}

// ---------------------------------------------------------------- tanh

float tanh(float x) {
  const u32 ix = bits<u32>(x);
  const u32 sign = ix & kSignMask;
  const float ax = from_bits<float>(ix & kAbsMask);
  if (ax < 0.875f) {
    if (ax < 0x1p-12f) return x;  // tanh x = x(1 - x^2/3 ...) rounds to x
    const float z = x * x;
    const float p =
        z * (kT1 + z * (kT2 + z * (kT3 + z * (kT4 + z * (kT5t + z * (kT6 + z * kT7))))));
    return x + x * p;
  }
  if (ax > 9.1f) return from_bits<float>(sign | 0x3f800000u);  // |1 - tanh| < 2^-25
  // tanh|x| = 1 - d, d = 2e/(1+e), e = exp(-2|x|) <= 0.174 (as eh + el).
  // As in sigmoid: 1 + e = h + l exactly, q = 2eh/h, d = q + (2el - q*l)/h
  // with 1/h = 1 - q/2.
  float el;
  const float eh = exp_core(-2.0f * ax, &el);
  const float h = 1.0f + eh;
  const float l = ((1.0f - h) + eh) + el;
  const float q = (eh + eh) / h;
  const float d = q + ((el + el) - q * l) * (1.0f - 0.5f * q);
  return from_bits<float>(bits<u32>(1.0f - d) | sign);  // NaN stays NaN
}

// ---------------------------------------------------------------- erf

float erf(float x) {
  const u32 ix = bits<u32>(x);
  const u32 sign = ix & kSignMask;
  const float ax = from_bits<float>(ix & kAbsMask);
  if (ax < 0.875f) {
    if (ax < 0x1p-60f) {
      // x + x*R0, scaled so that the product does not round in the
      // subnormal range; one rounding at the end. Keeps -0.
      const float xs = x * 0x1p32f;
      return (xs + xs * kR0) * 0x1p-32f;
    }
    const float z = x * x;
    const float z2 = z * z;
    // Estrin on R(z) = (R0 + R1 z) + z2 (R2 + R3 z) + z2^2 ((R4 + R5 z) + z2 R6)
    const float r = ((kR0 + kR1 * z) + z2 * (kR2 + kR3 * z)) +
                    (z2 * z2) * ((kR4 + kR5 * z) + z2 * kR6);
    return x + x * r;
  }
  if (ax < 1.25f) {
    // Around erf(1.0625): the polynomial part is below 0.077, so its
    // rounding errors stay far below the last add's half ulp.
    const float t = ax - kMc;  // exact
    float p = kM7 + t * kM8;
    p = kM6 + t * p;
    p = kM5 + t * p;
    p = kM4 + t * p;
    p = kM3 + t * p;
    p = kM2 + t * p;
    p = kM1 + t * p;
    p = kM0 + t * p;
    return from_bits<float>(bits<u32>(kErx + p) | sign);
  }
  if (ax >= 4.0f) return from_bits<float>(sign | 0x3f800000u);  // erfc(4) < 2^-25
  // 1.25 <= |x| < 4 (or NaN, which propagates): erf = 1 - exp(-x^2) G(x).
  // The rounding of x^2 costs at most x^2*erfc(x)*2^-24 < 0.1 ulp here.
  const float t = ax - kGc;
  float g = kG8 + t * kG9;
  g = kG7 + t * g;
  g = kG6 + t * g;
  g = kG5 + t * g;
  g = kG4 + t * g;
  g = kG3 + t * g;
  g = kG2 + t * g;
  g = kG1 + t * g;
  g = kG0 + t * g;
  float elo;
  const float y = 1.0f - exp_core(-(ax * ax), &elo) * g;
  return from_bits<float>(bits<u32>(y) | sign);
}

}  // namespace mathf
}  // namespace rill
