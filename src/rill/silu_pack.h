// silu_pack: SiLU on several vectors at a time with their steps interleaved: rill.wasm's eight
// (first section) and the native AVX2 / AVX-512 kernels' eight (second section).
//
// Internal to kernels.cpp (after simd_vec.h and mathf_vec.h). One vector's SiLU is a chain of about 30
// dependent operations (exp_act's reduction and polynomial, then a divide). Clang emits each vector's
// chain whole, one after the next (WebAssembly's expression trees), V8 keeps that order, and the CPU's
// out-of-order window then holds too few chains to fill its pipes. Pack runs mathf_vec.h's own silu
// and silu_with_slope on kN = 8 vectors: every operator is the lane-wise vector operator on each of the
// eight, in the same order (so the same bits), and an empty asm after each step makes the compiler
// finish that step on all eight before the next, so the eight chains interleave. Under Node 20 (V8,
// Zen 3) four vectors gave 1.3x the one-vector loop, and six or eight about 1.2x four (12 and 16 slower
// than four: V8 spills; tools/bench/kernel_probe_web.mjs). Not in -Os builds (rill-sample.wasm).
#pragma once

#if defined(__wasm_simd128__) && !defined(__OPTIMIZE_SIZE__) && !defined(RILL_NO_SIMD)
#define RILL_WASM_SILU_PACK 1
#include <cstdint>

#include "rill/mathf_vec.h"
#include "rill/simd_vec.h"

namespace rill {
namespace silu_pack {
using simd_vec::u4;
using simd_vec::v4;

constexpr int kN = 8;  // vectors per pack (a 128-wide layer's row is four packs)
struct Pack {
  v4 v[kN];
};
struct UPack {
  u4 v[kN];
};
template <class P>
__attribute__((always_inline)) inline P step(P p) {
  for (auto& x : p.v) __asm__ volatile("" : "+r"(x));
  return p;
}
#define RILL_PACK_OP(P, OP, TA, TB, A, B)                            \
  __attribute__((always_inline)) inline P operator OP(TA a, TB b) { \
    P r;                                                             \
    for (int j = 0; j < kN; ++j) r.v[j] = A OP B;                     \
    return step(r);                                                  \
  }
#define RILL_PACK_OPS(OP)                               \
  RILL_PACK_OP(Pack, OP, Pack, Pack, a.v[j], b.v[j]) \
  RILL_PACK_OP(Pack, OP, Pack, float, a.v[j], b)      \
  RILL_PACK_OP(Pack, OP, float, Pack, a, b.v[j])
RILL_PACK_OPS(+)
RILL_PACK_OPS(-)
RILL_PACK_OPS(*)
RILL_PACK_OPS(/)
RILL_PACK_OP(UPack, +, UPack, std::uint32_t, a.v[j], b)
RILL_PACK_OP(UPack, <<, UPack, int, a.v[j], b)
#undef RILL_PACK_OPS
#undef RILL_PACK_OP
__attribute__((always_inline)) inline Pack operator-(Pack a) {
  for (auto& x : a.v) x = -x;
  return step(a);
}
// Found by argument-dependent lookup from exp_act / exp_neg_act: mathf_vec.h's SIMD128 clamps on each vector.
__attribute__((always_inline)) inline Pack clamp_act(Pack x) {
  for (auto& v : x.v) v = mathf::vec::clamp_act(v);
  return step(x);
}
__attribute__((always_inline)) inline Pack clamp_neg_act(Pack x) {  // and exp_neg_act's mirrored clamp
  for (auto& v : x.v) v = mathf::vec::clamp_neg_act(v);
  return step(x);
}
__attribute__((always_inline)) inline Pack load_pack(const float* p) {
  Pack r;
  for (int j = 0; j < kN; ++j) r.v[j] = simd_vec::load<v4>(p + 4 * j);
  return step(r);
}
__attribute__((always_inline)) inline void store_pack(float* p, const Pack& x) {
  for (int j = 0; j < kN; ++j) simd_vec::store<v4>(p + 4 * j, x.v[j]);
}
}  // namespace silu_pack

// a[i] = silu(z[i]) for the first multiple of 32 of count; returns how many were done.
inline long silu_packed(const float* z, float* a, long count) {
  using namespace silu_pack;
  long i = 0;
  for (; i + 4 * kN <= count; i += 4 * kN) store_pack(a + i, mathf::vec::silu<Pack, UPack>(load_pack(z + i)));
  return i;
}
// The same with slope[i] = silu'(z[i]) (mathf::vec::silu_with_slope).
inline long silu_slope_packed(const float* z, float* a, float* slope, long count) {
  using namespace silu_pack;
  long i = 0;
  for (; i + 4 * kN <= count; i += 4 * kN) {
    Pack d;
    const Pack y = mathf::vec::silu_with_slope<Pack, UPack>(load_pack(z + i), &d);
    store_pack(a + i, y);
    store_pack(slope + i, d);
  }
  return i;
}
}  // namespace rill
#endif

// ---- x86-64 (AVX2, AVX-512): N vectors at a time, interleaved ------------
// The same idea for the native build. A vector's SiLU is a chain of about 30
// dependent operations, each 3-4 cycles; one chain after the next leaves the
// out-of-order window (Zen 3: 64 FP scheduler entries) holding about two of
// them, so the loop ran latency-bound at about a third of what the CPU's two
// multiply and two add pipes allow. PackN<V, N> runs mathf_vec.h's own silu
// and silu_with_slope on N vectors: every operator is the lane-wise vector
// operator on each of the N, in the same order (so the same bits), written
// step by step across the N, so the chains interleave in program order.
#if defined(RILL_X86_DISPATCH)
#define RILL_X86_SILU_PACK 1
#include <cstdint>

#include "rill/mathf_vec.h"
#include "rill/simd_vec.h"

namespace rill {
namespace silu_pack_x86 {

template <class V, int N>
struct Pack {
  V v[N];
};
// An empty asm on each vector after each step: the compiler finishes the step on all N before the
// next (left to itself, GCC evaluates each vector's polynomial whole, one after the other). Clang
// checks the register constraint against this target-less template (at most 128-bit registers) and
// refuses it for 256 and 512 bits; its builds (the fuzzers) go without: the same bits either way.
template <class V, int N>
__attribute__((always_inline)) inline Pack<V, N> step(Pack<V, N> p) {
#if !defined(__clang__)
  for (auto& x : p.v) __asm__ volatile("" : "+v"(x));
#endif
  return p;
}
#define RILL_XPACK_OP(OP, TA, TB, A, B)                                                 \
  template <class V, int N>                                                             \
  __attribute__((always_inline)) inline Pack<V, N> operator OP(TA a, TB b) {            \
    Pack<V, N> r;                                                                       \
    for (int j = 0; j < N; ++j) r.v[j] = A OP B;                                        \
    return step(r);                                                                         \
  }
#define RILL_XPACK_OPS(OP)                                    \
  RILL_XPACK_OP(OP, Pack<V RILL_COMMA N>, Pack<V RILL_COMMA N>, a.v[j], b.v[j]) \
  RILL_XPACK_OP(OP, Pack<V RILL_COMMA N>, float, a.v[j], b)                     \
  RILL_XPACK_OP(OP, float, Pack<V RILL_COMMA N>, a, b.v[j])
#define RILL_COMMA ,
RILL_XPACK_OPS(+)
RILL_XPACK_OPS(-)
RILL_XPACK_OPS(*)
RILL_XPACK_OPS(/)
RILL_XPACK_OP(+, Pack<V RILL_COMMA N>, std::uint32_t, a.v[j], b)
RILL_XPACK_OP(<<, Pack<V RILL_COMMA N>, int, a.v[j], b)
#undef RILL_XPACK_OPS
#undef RILL_XPACK_OP
#undef RILL_COMMA
template <class V, int N>
__attribute__((always_inline)) inline Pack<V, N> operator-(Pack<V, N> a) {
  for (auto& x : a.v) x = -x;
  return step(a);
}
// Found by argument-dependent lookup from exp_act / exp_neg_act (more specialised than mathf_vec.h's templates).
template <class V, int N>
__attribute__((always_inline)) inline Pack<V, N> clamp_act(Pack<V, N> x) {
  for (auto& v : x.v) v = mathf::vec::clamp_act(v);
  return step(x);
}
template <class V, int N>
__attribute__((always_inline)) inline Pack<V, N> clamp_neg_act(Pack<V, N> x) {
  for (auto& v : x.v) v = mathf::vec::clamp_neg_act(v);
  return step(x);
}
template <class V, int N>
__attribute__((always_inline)) inline Pack<V, N> load_pack(const float* p) {
  Pack<V, N> r;
  for (int j = 0; j < N; ++j) r.v[j] = simd_vec::load<V>(p + j * (sizeof(V) / sizeof(float)));
  return r;
}
template <class V, int N>
__attribute__((always_inline)) inline void store_pack(float* p, const Pack<V, N>& x) {
  for (int j = 0; j < N; ++j) simd_vec::store<V>(p + j * (sizeof(V) / sizeof(float)), x.v[j]);
}
}  // namespace silu_pack_x86

// a[i] = silu(z[i]) for the first multiple of N vectors of count; returns how many were done.
template <class V, class U, int N>
__attribute__((always_inline)) inline long silu_packn(const float* z, float* a, long count) {
  using namespace silu_pack_x86;
  constexpr long step = N * static_cast<long>(sizeof(V) / sizeof(float));
  long i = 0;
  for (; i + step <= count; i += step)
    store_pack<V, N>(a + i, mathf::vec::silu<Pack<V, N>, Pack<U, N>>(load_pack<V, N>(z + i)));
  return i;
}
// The same with slope[i] = silu'(z[i]) (mathf::vec::silu_with_slope).
template <class V, class U, int N>
__attribute__((always_inline)) inline long silu_slope_packn(const float* z, float* a, float* slope, long count) {
  using namespace silu_pack_x86;
  constexpr long step = N * static_cast<long>(sizeof(V) / sizeof(float));
  long i = 0;
  for (; i + step <= count; i += step) {
    Pack<V, N> d;
    const Pack<V, N> y = mathf::vec::silu_with_slope<Pack<V, N>, Pack<U, N>>(load_pack<V, N>(z + i), &d);
    store_pack<V, N>(a + i, y);
    store_pack<V, N>(slope + i, d);
  }
  return i;
}

// ---- AVX-512: the divides spread through the next group's exp -----------
// SiLU ends in a divide (silu_with_slope in two), and a 512-bit divide keeps
// the divider busy about 10 cycles (Intel Xeon, family 6 model 207:
// tools/bench/kernel_probe's `silu` lines and README). PackN issues a pack's
// N divides back to back at the end of its chain: they queue on the divider
// while the next pack's exp waits behind them in program order, and SiLU ran
// at 17-19 cycles per vector where its other operations need 13 on the two
// vector ports. Here each group of N vectors runs exp_neg_act's own steps
// (mathf_vec.h's ExpNegSteps, the code exp_neg_act runs) while the previous
// group's divides, and silu_with_slope's slope, go in between, one vector of
// it every E steps: the divider works beside the exp, not after it.
namespace silu_pipe {
namespace mv = mathf::vec;

template <class V>
__attribute__((always_inline)) inline void bar(V& x) {  // the step is done before the next begins
#if !defined(__clang__)
  __asm__ volatile("" : "+v"(x));
#else
  (void)x;
#endif
}

// exp_neg_act on N vectors z, step by step across the N (mathf_vec.h's ExpNegSteps, each step's
// result held by bar), then silu's 1 + e^−z: after the last step, d[j].
template <class V, class U, int N>
struct Group {
  static constexpr int kSteps = mv::ExpNegSteps<V, U>::kSteps + 1;
  mv::ExpNegSteps<V, U> e[N];
  V d[N];
  template <int S>
  __attribute__((always_inline)) inline void step() {
    for (int j = 0; j < N; ++j) {
      if constexpr (S + 1 < kSteps) {
        bar(e[j].template step<S>());
      } else {
        d[j] = 1.0f + e[j].y;
        bar(d[j]);
      }
    }
  }
};

// What is left of vector j of a group once its d is known: silu (z / d) or silu_with_slope.
template <bool kSlope, class V, class U, int N>
__attribute__((always_inline)) inline void finish(const Group<V, U, N>& g, int j, float* a, float* slope) {
  constexpr long L = sizeof(V) / sizeof(float);
  if constexpr (kSlope) {
    const V s = 1.0f / g.d[j];
    simd_vec::store<V>(slope + j * L, s + g.e[j].z * s * (1.0f - s));
  }
  simd_vec::store<V>(a + j * L, g.e[j].z / g.d[j]);
}

// Steps S.. of group g, with vector S / E of group `prev` finished after every E-th step.
template <bool kSlope, int E, int S, class V, class U, int N>
__attribute__((always_inline)) inline void run(Group<V, U, N>& g, const Group<V, U, N>& prev, float* a, float* slope) {
  if constexpr (S < Group<V, U, N>::kSteps) {
    g.template step<S>();
    if constexpr (S % E == E - 1 && S / E < N) finish<kSlope>(prev, S / E, a, slope);
    run<kSlope, E, S + 1>(g, prev, a, slope);
  }
}

// SiLU (and, with kSlope, its slope) on the first multiple of N vectors of count; returns how many
// were done. Group i's exp runs with group i − 1's divides between its steps; the last group's
// divides run alone.
template <bool kSlope, int E, class V, class U, int N>
__attribute__((always_inline)) inline long silu_run(const float* z, float* a, float* slope, long count) {
  static_assert(Group<V, U, N>::kSteps >= E * N, "every vector of the previous group finishes in the steps");
  constexpr long L = sizeof(V) / sizeof(float), step = N * L;
  if (count < step) return 0;
  Group<V, U, N> prev, g;
  for (int j = 0; j < N; ++j) prev.e[j].z = simd_vec::load<V>(z + j * L);
  run<kSlope, Group<V, U, N>::kSteps + 1, 0>(prev, prev, a, slope);  // no finishing in the first group
  long i = step;
  for (; i + step <= count; i += step) {
    for (int j = 0; j < N; ++j) g.e[j].z = simd_vec::load<V>(z + i + j * L);
    run<kSlope, E, 0>(g, prev, a + i - step, slope + (kSlope ? i - step : 0));
    prev = g;
  }
  for (int j = 0; j < N; ++j) finish<kSlope>(prev, j, a + i - step, slope + (kSlope ? i - step : 0));
  return i;
}
}  // namespace silu_pipe
}  // namespace rill
#endif
