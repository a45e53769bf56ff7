// normal_pairs: Rng::normal's Box-Muller transform on vectors of draws. See kernels.h.
//
// A normal pair costs a log, a square root, a sine and a cosine (about 30 ns
// as scalar code), so x0 for a large batch, or a training step's noise, took
// longer to draw than a one-step model takes to evaluate. Here each lane runs
// the scalar function's operations in the same order: mathf_vec.h's log_normal,
// reduce_pio2, sin_kernel and cos_kernel, which rill::mathf itself calls. The
// scalar code's branches become lane selects — u1 is a normal float in
// (0, 1], so log takes its main path; θ = 2π·u2 is in [0, 2π), so sin and cos
// take the fast reduction, or return θ and 1 below 2^-12 — and the quadrant
// picks sin or cos of the reduced angle and its sign by bit operations (a
// negation flips the sign bit alone). tests/test_rng.cpp holds every lane to
// Rng::normal over every u1 and every u2.
#include <cstdint>

#include "rill/kernels.h"
#include "rill/mathf.h"
#include "rill/simd_vec.h"  // before mathf_vec.h: its x86 clamps need immintrin.h
#include "rill/mathf_vec.h"

namespace rill {

// Size-optimised builds (rill-sample.wasm, -Os) keep Rng's loop: a page's x0 is a small part of its
// sampling, and the vector code is 1 KB gzip there.
#if !defined(RILL_NO_SIMD) && !defined(__OPTIMIZE_SIZE__)
namespace {
namespace mv = mathf::vec;
using simd_vec::u4;
using simd_vec::v4;

// The correctly rounded square root of each lane (the bits of mathf::sqrt).
#if defined(__wasm_simd128__)
__attribute__((always_inline)) inline v4 sqrt_lanes(v4 x) { return __builtin_wasm_sqrt_f32x4(x); }
#elif defined(RILL_X86_DISPATCH)
__attribute__((always_inline)) inline v4 sqrt_lanes(v4 x) {
  return reinterpret_cast<v4>(_mm_sqrt_ps(reinterpret_cast<__m128>(x)));
}
#else
__attribute__((always_inline)) inline v4 sqrt_lanes(v4 x) {
  for (int l = 0; l < 4; ++l) x[l] = mathf::sqrt(x[l]);
  return x;
}
#endif
#if defined(RILL_X86_DISPATCH)
using simd_vec::u16;
using simd_vec::u8;
using simd_vec::v16;
using simd_vec::v8;
__attribute__((target("avx"))) inline void sqrt_x86(v8& x) {
  x = reinterpret_cast<v8>(_mm256_sqrt_ps(reinterpret_cast<__m256>(x)));
}
__attribute__((target("avx512f"))) inline void sqrt_x86(v16& x) {
  const __m512 v = reinterpret_cast<__m512>(x);
  x = reinterpret_cast<v16>(_mm512_mask_sqrt_ps(v, 0xffff, v));  // every lane (see mathf_vec.h's clamp_x86)
}
template <class V>
__attribute__((always_inline)) inline V sqrt_lanes(V x) {
  sqrt_x86(x);
  return x;
}
#endif

// Each lane of u (< 2^24) as a float, exactly.
template <class V, class U>
__attribute__((always_inline)) inline V to_float(U u) {
  typedef std::int32_t I __attribute__((vector_size(sizeof(U))));
  return __builtin_convertvector(reinterpret_cast<I>(u), V);
}

// Rng::normal on a vector of pairs of draws: c = r·cos θ (the first value of a pair), s = r·sin θ.
template <class V, class U>
__attribute__((always_inline)) inline void box_muller(U a, U b, V* c, V* s) {
  const V u1 = to_float<V>((a >> 8) + 1u) * (1.0f / 16777216.0f);  // (0, 1]
  const V u2 = to_float<V>(b >> 8) * (1.0f / 16777216.0f);         // [0, 1)
  const V r = sqrt_lanes(-2.0f * mv::log_normal<V, U>(mv::bits<U>(u1), 0.0f));
  const V theta = 2.0f * mathf::kPi * u2;
  V h, l;
  const U q = mv::reduce_pio2<V, U>(theta, &h, &l);
  const U sk = mv::bits<U>(mv::sin_kernel(h, l)), ck = mv::bits<U>(mv::cos_kernel<V, U>(h, l));
  const U odd = 0u - (q & 1u);  // quadrants 1 and 3: sin θ = ±cos r, cos θ = ∓sin r
  const U sin_bits = ((ck & odd) | (sk & ~odd)) ^ ((q & 2u) << 30);
  const U cos_bits = ((sk & odd) | (ck & ~odd)) ^ (((q + 1u) & 2u) << 30);
  // θ < 2^-12 (u2 < 2^-14.65): sin θ rounds to θ, cos θ to 1, as mathf returns them
  const U small = reinterpret_cast<U>(mv::bits<U>(theta) < 0x39800000u);
  const U one = mv::bits<U>(mv::splat<V>(1.0f));
  *s = r * mv::from_bits<V>((mv::bits<U>(theta) & small) | (sin_bits & ~small));
  *c = r * mv::from_bits<V>((one & small) | (cos_bits & ~small));
}

template <class V, class U>
__attribute__((always_inline)) inline long pairs(const std::uint32_t* a, const std::uint32_t* b, float* c,
                                                 float* s, long count) {
  constexpr long L = sizeof(V) / sizeof(float);
  long i = 0;
  for (; i + L <= count; i += L) {
    U ua, ub;
    std::memcpy(&ua, a + i, sizeof ua);
    std::memcpy(&ub, b + i, sizeof ub);
    V vc, vs;
    box_muller<V, U>(ua, ub, &vc, &vs);
    simd_vec::store<V>(c + i, vc);
    simd_vec::store<V>(s + i, vs);
  }
  return i;
}

#if defined(RILL_X86_DISPATCH)
__attribute__((target("avx2"))) long pairs_avx2(const std::uint32_t* a, const std::uint32_t* b, float* c, float* s,
                                                long count) {
  const long done = pairs<v8, u8>(a, b, c, s, count);
  __builtin_ia32_vzeroupper();
  return done;
}
__attribute__((target(RILL_AVX512_TARGET))) long pairs_avx512(const std::uint32_t* a, const std::uint32_t* b,
                                                              float* c, float* s, long count) {
  const long done = pairs<v16, u16>(a, b, c, s, count);
  __builtin_ia32_vzeroupper();
  return done;
}
#endif
}  // namespace

long normal_pairs(Simd simd, const std::uint32_t* a, const std::uint32_t* b, float* c, float* s, long count) {
  switch (simd_vec::usable(simd)) {
#if defined(RILL_X86_DISPATCH)
    case Simd::avx512: return pairs_avx512(a, b, c, s, count);
    case Simd::avx2: return pairs_avx2(a, b, c, s, count);
#endif
    case Simd::scalar: return 0;
    default: return pairs<v4, u4>(a, b, c, s, count);
  }
}

void fill_normal(Simd simd, Rng& rng, float* out, long n) {
  long i = 0;
  if (rng.has_spare() && n > 0) out[i++] = rng.normal();
  constexpr long kPairs = 64;  // a block: 2 KB of buffers
  std::uint32_t a[kPairs], b[kPairs];
  float c[kPairs], s[kPairs];
  for (; n - i >= 2 * kPairs; i += 2 * kPairs) {
    rng.draw_pairs(a, b, kPairs);
    long p = normal_pairs(simd, a, b, c, s, kPairs);
    for (; p < kPairs; ++p) c[p] = Rng::box_muller(a[p], b[p], &s[p]);
    for (p = 0; p < kPairs; ++p) {
      out[i + 2 * p] = c[p];
      out[i + 2 * p + 1] = s[p];
    }
  }
  rng.fill_normal(out + i, n - i);
}
#else
long normal_pairs(Simd, const std::uint32_t*, const std::uint32_t*, float*, float*, long) { return 0; }
void fill_normal(Simd, Rng& rng, float* out, long n) { rng.fill_normal(out, n); }
#endif

}  // namespace rill
