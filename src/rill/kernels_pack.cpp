// Weight packing for linear_packed: W [fout][fin] transposed to [fin][ld],
// zero padded (kernels.h). The trainer repacks every layer after every step,
// so the x86-64 paths are vectorised; every path writes the same floats.
#include <cstddef>

#include "rill/kernels.h"
#include "rill/simd_vec.h"

namespace rill {

namespace {
// packed_ld granularity. What relies on it: linear_packed's tail reads a
// whole vector of 8 columns past the last multiple of 8 (the zero padding),
// and pack_avx512 writes whole vectors of 16 up to ld.
constexpr int kBlock = 16;
}  // namespace

// fout rounded up to whole blocks of 16 floats (a 64-byte cache line each), then one block more when
// that makes an even number of lines. A gemm walks the packed rows k = 0, 1, … at this stride with the
// same few columns each time; a stride of 2^j lines (a width of 128: 512 bytes) maps those rows onto
// 1/2^j of the L1's sets, so a 128-deep strip of 8 KB evicts itself from a 32 KB cache; an odd stride
// spreads them over every set. Zen 3 (tools/bench/kernel_ab.py, kernel_probe_web.mjs): the repack
// 1.6x faster, one 128 x 128 layer 0-4%, rill.wasm's forward pass 0-5%; the whole native forward pass
// within the host's noise. Only the layout changes: the same products, the same bits. Not in
// RILL_NO_SIMD builds (microcontrollers: no such cache, and every byte of RAM counts).
int packed_ld(int fout) {
  const int ld = (fout + kBlock - 1) / kBlock * kBlock;
#if defined(RILL_NO_SIMD)
  return ld;
#else
  return (ld / kBlock) % 2 == 0 ? ld + kBlock : ld;
#endif
}

std::size_t packed_floats(int fin, int fout) {
  return static_cast<std::size_t>(fin) * static_cast<std::size_t>(packed_ld(fout));
}

#if defined(RILL_X86_DISPATCH)
namespace {
// pack_weights with AVX-512 gathers: each 16 packed values are one column of
// W read at a stride of fin (the trainer repacks after every step).
__attribute__((target(RILL_AVX512_TARGET))) void pack_avx512(const float* W, int fin, int fout, float* packed) {
  const int ld = packed_ld(fout);
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i stride = _mm512_mullo_epi32(lanes, _mm512_set1_epi32(fin));
  for (int j0 = 0; j0 < ld; j0 += 16) {
    const int left = fout - j0;
    if (left <= 0) {  // padding past the last output (packed_ld's extra block)
      for (int k = 0; k < fin; ++k) _mm512_storeu_ps(packed + static_cast<std::size_t>(k) * ld + j0, _mm512_setzero_ps());
      continue;
    }
    const __mmask16 mask = left >= 16 ? static_cast<__mmask16>(0xffffu) : static_cast<__mmask16>((1u << left) - 1u);
    const float* col = W + static_cast<std::size_t>(j0) * fin;
    for (int k = 0; k < fin; ++k)
      _mm512_storeu_ps(packed + static_cast<std::size_t>(k) * ld + j0,
                       _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mask, stride, col + k, 4));
  }
  _mm256_zeroupper();
}

// pack_weights with AVX2: 8 × 8 blocks of W (8 outputs j, 8 inputs k)
// transposed in registers, the columns of k past whole blocks one at a time,
// the padding columns of j zeroed (the trainer repacks after every step:
// plain strided loops took 4% of a training step).
__attribute__((target("avx2"))) void pack_avx2(const float* W, int fin, int fout, float* packed) {
  const int ld = packed_ld(fout), kfull = fin / 8 * 8;
  for (int j0 = 0; j0 < ld; j0 += 8) {
    const int rows = fout - j0 < 8 ? (fout - j0 > 0 ? fout - j0 : 0) : 8;
    float* out = packed + j0;
    if (rows == 0) {  // padding past the last output
      for (int k = 0; k < fin; ++k) _mm256_storeu_ps(out + static_cast<std::ptrdiff_t>(k) * ld, _mm256_setzero_ps());
      continue;
    }
    const float* w = W + static_cast<std::ptrdiff_t>(j0) * fin;  // (only for rows of W that exist)
    if (rows < 8) {  // the last, partial block of outputs
      for (int k = 0; k < fin; ++k)
        for (int j = 0; j < 8; ++j) out[static_cast<std::ptrdiff_t>(k) * ld + j] = j < rows ? w[j * fin + k] : 0.0f;
      continue;
    }
    for (int k0 = 0; k0 < kfull; k0 += 8) {
      __m256 r[8], t[8];
      for (int j = 0; j < 8; ++j) r[j] = _mm256_loadu_ps(w + static_cast<std::ptrdiff_t>(j) * fin + k0);
      for (int j = 0; j < 8; j += 2) {
        t[j] = _mm256_unpacklo_ps(r[j], r[j + 1]);
        t[j + 1] = _mm256_unpackhi_ps(r[j], r[j + 1]);
      }
      for (int q = 0; q < 2; ++q) {  // q: low or high pair of each 4-lane half
        const __m256 a = _mm256_shuffle_ps(t[q], t[q + 2], 0x44), b = _mm256_shuffle_ps(t[q], t[q + 2], 0xEE);
        const __m256 c = _mm256_shuffle_ps(t[q + 4], t[q + 6], 0x44), d = _mm256_shuffle_ps(t[q + 4], t[q + 6], 0xEE);
        float* o = out + static_cast<std::ptrdiff_t>(k0 + 2 * q) * ld;
        _mm256_storeu_ps(o, _mm256_permute2f128_ps(a, c, 0x20));
        _mm256_storeu_ps(o + ld, _mm256_permute2f128_ps(b, d, 0x20));
        _mm256_storeu_ps(o + 4 * ld, _mm256_permute2f128_ps(a, c, 0x31));
        _mm256_storeu_ps(o + 5 * ld, _mm256_permute2f128_ps(b, d, 0x31));
      }
    }
    for (int k = kfull; k < fin; ++k)
      for (int j = 0; j < 8; ++j) out[static_cast<std::ptrdiff_t>(k) * ld + j] = w[j * fin + k];
  }
  _mm256_zeroupper();
}
}  // namespace
#endif

void pack_weights(Simd simd, const float* W, int fin, int fout, float* packed) {
  const int ld = packed_ld(fout);
#if defined(RILL_X86_DISPATCH)
  // ld is a multiple of 16 (kBlock); the stride fits the gather's 32-bit indices.
  if (simd_vec::usable(simd) == Simd::avx512 && static_cast<long long>(fin) * 16 < (1LL << 31))
    return pack_avx512(W, fin, fout, packed);
  if (simd_vec::usable(simd) == Simd::avx2) return pack_avx2(W, fin, fout, packed);
#else
  (void)simd;  // one path here
#endif
  for (int k = 0; k < fin; ++k)
    for (int j = 0; j < ld; ++j)
      packed[static_cast<std::size_t>(k) * ld + j] = j < fout ? W[static_cast<std::size_t>(j) * fin + k] : 0.0f;
}

}  // namespace rill
