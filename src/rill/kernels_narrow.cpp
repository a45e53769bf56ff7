// linear_narrow_rows: a narrow output layer on AVX2, with the rows in the lanes. See kernels.h.
//
// A 2-D model's last layer has 2 outputs; the column path (linear_packed's
// tail) computes a whole vector of 8 columns and keeps 2. Here each output of
// 8 rows is one vector: acc = b[j], then acc = acc + x[·][k]·w[k][j] for k in
// order — the multiply and the add of every other path, in the same order, so
// the same bits. The rows' values for 8 k at a time come from an 8 x 8
// transpose in registers; the columns of k past the last 8 are gathered by
// hand. 16 rows (two groups of 8) at a time: 2·NT independent add chains.
#include "rill/kernels.h"

#include "rill/simd_vec.h"

namespace rill {

#if defined(RILL_X86_DISPATCH) && !defined(RILL_FMA)
namespace {
__attribute__((target("avx2"), always_inline)) inline void transpose8(const float* x, std::ptrdiff_t stride,
                                                                      __m256 t[8]) {
  __m256 r[8], u[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(x + i * stride);
  for (int i = 0; i < 8; i += 2) {
    u[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    u[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int q = 0; q < 2; ++q) {  // q: the low or high pair of each 4-lane half
    const __m256 a = _mm256_shuffle_ps(u[q], u[q + 2], 0x44), c = _mm256_shuffle_ps(u[q], u[q + 2], 0xEE);
    const __m256 e = _mm256_shuffle_ps(u[q + 4], u[q + 6], 0x44), f = _mm256_shuffle_ps(u[q + 4], u[q + 6], 0xEE);
    t[2 * q] = _mm256_permute2f128_ps(a, e, 0x20);
    t[2 * q + 1] = _mm256_permute2f128_ps(c, f, 0x20);
    t[2 * q + 4] = _mm256_permute2f128_ps(a, e, 0x31);
    t[2 * q + 5] = _mm256_permute2f128_ps(c, f, 0x31);
  }
}
template <int NT>
__attribute__((target("avx2"))) void narrow_rows_avx2(const float* in, int in_stride, int n, const float* w,
                                                      std::ptrdiff_t ld, const float* b, int fin, float* out,
                                                      int out_stride) {
  const std::ptrdiff_t s = in_stride;
  for (int r0 = 0; r0 + 16 <= n; r0 += 16) {
    const float* x = in + r0 * s;
    __m256 acc[2][NT];
    for (int h = 0; h < 2; ++h)
      for (int j = 0; j < NT; ++j) acc[h][j] = _mm256_set1_ps(b[j]);
    int k0 = 0;
    for (; k0 + 8 <= fin; k0 += 8)
      for (int h = 0; h < 2; ++h) {
        __m256 t[8];
        transpose8(x + 8 * h * s + k0, s, t);
        for (int k = 0; k < 8; ++k)
          for (int j = 0; j < NT; ++j)
            acc[h][j] = _mm256_add_ps(acc[h][j], _mm256_mul_ps(t[k], _mm256_set1_ps(w[(k0 + k) * ld + j])));
      }
    for (int k = k0; k < fin; ++k)
      for (int h = 0; h < 2; ++h) {
        const float* c = x + 8 * h * s + k;
        const __m256 t = _mm256_setr_ps(c[0], c[s], c[2 * s], c[3 * s], c[4 * s], c[5 * s], c[6 * s], c[7 * s]);
        for (int j = 0; j < NT; ++j) acc[h][j] = _mm256_add_ps(acc[h][j], _mm256_mul_ps(t, _mm256_set1_ps(w[k * ld + j])));
      }
    for (int h = 0; h < 2; ++h)
      for (int j = 0; j < NT; ++j) {
        float v[8];
        _mm256_storeu_ps(v, acc[h][j]);
        for (int i = 0; i < 8; ++i) out[static_cast<std::ptrdiff_t>(r0 + 8 * h + i) * out_stride + j] = v[i];
      }
  }
  _mm256_zeroupper();
}

}  // namespace

int linear_narrow_rows(Simd simd, const float* in, int in_stride, int n, const float* w, int ld, const float* b,
                       int fin, int nt, float* out, int out_stride) {
  if (simd_vec::usable(simd) < Simd::avx2 || n < 16) return 0;
  switch (nt) {
    case 1: narrow_rows_avx2<1>(in, in_stride, n, w, ld, b, fin, out, out_stride); break;
    case 2: narrow_rows_avx2<2>(in, in_stride, n, w, ld, b, fin, out, out_stride); break;
    case 3: narrow_rows_avx2<3>(in, in_stride, n, w, ld, b, fin, out, out_stride); break;
    case 4: narrow_rows_avx2<4>(in, in_stride, n, w, ld, b, fin, out, out_stride); break;
    default: return 0;
  }
  return n / 16 * 16;
}

#else
int linear_narrow_rows(Simd, const float*, int, int, const float*, int, const float*, int, int, float*, int) { return 0; }
#endif

}  // namespace rill
