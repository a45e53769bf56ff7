// simd_vec: what the kernel sources (kernels*.cpp, elementwise.cpp) share to
// write one loop for several instruction sets — GCC/Clang vector types,
// unaligned loads and stores, the x86-64 target attributes, and the clamp of
// a requested Simd level to what this CPU runs.
//
// Internal to the core; not for other files (the pragma below is meant for
// the kernel sources alone).
#pragma once
#include <cstdint>
#include <cstring>

#include "rill/kernels.h"

#if !defined(RILL_NO_SIMD) && (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define RILL_X86_DISPATCH 1
#endif
#if defined(RILL_X86_DISPATCH)
// The 8- and 16-lane helpers are only ever inlined into the avx2/avx512f-target
// functions; the "AVX vector return changes the ABI" note about their
// out-of-line form is moot.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#else
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#include <immintrin.h>
// RILL_FMA builds add the fma instruction set to the wide targets.
#if defined(RILL_FMA)
#define RILL_AVX2_TARGET "avx2,fma"
#define RILL_AVX512_TARGET "avx512f,fma"
#else
#define RILL_AVX2_TARGET "avx2"
#define RILL_AVX512_TARGET "avx512f"
#endif
#endif

namespace rill {
namespace simd_vec {

// The level a kernel runs at: the one asked for, or simd_best() if that is
// less, so that no level chosen elsewhere runs instructions this CPU lacks.
inline Simd usable(Simd want) {
  const Simd best = simd_best();
  return want < best ? want : best;
}

#if !defined(RILL_NO_SIMD)
typedef float v4 __attribute__((vector_size(16)));
typedef std::uint32_t u4 __attribute__((vector_size(16)));
#if defined(RILL_X86_DISPATCH)
typedef float v8 __attribute__((vector_size(32)));
typedef std::uint32_t u8 __attribute__((vector_size(32)));
typedef float v16 __attribute__((vector_size(64)));
typedef std::uint32_t u16 __attribute__((vector_size(64)));
#endif

// always_inline, like everything the 8- and 16-lane code calls: an
// out-of-line copy without the caller's target would pass those vectors
// differently from how the caller does (GCC's -O0 keeps such calls).
template <class V>
__attribute__((always_inline)) inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
__attribute__((always_inline)) inline void store(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}
#endif

}  // namespace simd_vec
}  // namespace rill
