// Linear layers and activations. See kernels.h for the summation contract.
//
// The fast kernel keeps a block of R rows × C output columns in registers
// (GCC/Clang vector extensions: SSE/AVX on x86-64, SIMD128 in WebAssembly,
// scalar code on Cortex-M) and walks k in order, so each accumulator sees the
// same sequence of roundings as linear_ref.
#include "rill/kernels.h"

#include <cstring>

#include "rill/mathf.h"

namespace rill {

namespace {
constexpr int kLanes = 4;
typedef float v4 __attribute__((vector_size(16)));
constexpr int kColBlock = 2 * kLanes;  // 8 columns per register block
constexpr int kRowBlock = 4;

inline v4 load4(const float* p) {
  v4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(float* p, v4 v) { std::memcpy(p, &v, sizeof v); }
inline v4 splat(float x) { return v4{x, x, x, x}; }
}  // namespace

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

int packed_ld(int fout) { return (fout + kColBlock - 1) / kColBlock * kColBlock; }

std::size_t packed_floats(int fin, int fout) {
  return static_cast<std::size_t>(fin) * static_cast<std::size_t>(packed_ld(fout));
}

void pack_weights(const float* W, int fin, int fout, float* packed) {
  const int ld = packed_ld(fout);
  for (int k = 0; k < fin; ++k)
    for (int j = 0; j < ld; ++j)
      packed[static_cast<std::size_t>(k) * ld + j] = j < fout ? W[static_cast<std::size_t>(j) * fin + k] : 0.0f;
}

namespace {
// R rows × 8 columns starting at column j0 (columns past fout are padding).
template <int R>
inline void block(const float* in, int in_stride, const float* packed, int ld, const float* bias8, int fin, int j0,
                  float* out, int out_stride, int ncols) {
  v4 acc0[R], acc1[R];
  const v4 b0 = load4(bias8), b1 = load4(bias8 + 4);
  for (int r = 0; r < R; ++r) { acc0[r] = b0; acc1[r] = b1; }
  const float* w = packed + j0;
  for (int k = 0; k < fin; ++k, w += ld) {
    const v4 w0 = load4(w), w1 = load4(w + 4);
    for (int r = 0; r < R; ++r) {
      const v4 x = splat(in[static_cast<std::ptrdiff_t>(r) * in_stride + k]);
      acc0[r] = acc0[r] + x * w0;
      acc1[r] = acc1[r] + x * w1;
    }
  }
  for (int r = 0; r < R; ++r) {
    float* y = out + static_cast<std::ptrdiff_t>(r) * out_stride + j0;
    if (ncols == kColBlock) {
      store4(y, acc0[r]);
      store4(y + 4, acc1[r]);
    } else {
      float tmp[kColBlock];
      store4(tmp, acc0[r]);
      store4(tmp + 4, acc1[r]);
      for (int c = 0; c < ncols; ++c) y[c] = tmp[c];
    }
  }
}
}  // namespace

void linear_packed(const float* in, int in_stride, int n, const float* packed, const float* b, int fin, int fout,
                   float* out, int out_stride) {
  const int ld = packed_ld(fout);
  for (int j0 = 0; j0 < fout; j0 += kColBlock) {
    const int ncols = fout - j0 < kColBlock ? fout - j0 : kColBlock;
    float bias8[kColBlock] = {0};
    for (int c = 0; c < ncols; ++c) bias8[c] = b[j0 + c];
    int r = 0;
    for (; r + kRowBlock <= n; r += kRowBlock)
      block<kRowBlock>(in + static_cast<std::ptrdiff_t>(r) * in_stride, in_stride, packed, ld, bias8, fin, j0,
                       out + static_cast<std::ptrdiff_t>(r) * out_stride, out_stride, ncols);
    for (; r < n; ++r)
      block<1>(in + static_cast<std::ptrdiff_t>(r) * in_stride, in_stride, packed, ld, bias8, fin, j0,
               out + static_cast<std::ptrdiff_t>(r) * out_stride, out_stride, ncols);
  }
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
