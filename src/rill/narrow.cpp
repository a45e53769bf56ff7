// narrow: F16, BF16 and I8 weights. See narrow.h.
//
// Why it is written this way: the conversions are integer bit operations
// (no float rounding mode, no denormal flushing, soft-float targets give the
// same bits), and the narrow linear layer widens each weight as it reads it
// instead of into a scratch row: no memory, and on a microcontroller at batch
// 1 every weight is read once anyway. Hosts pack (mlp_pack), which widens once.
#include "rill/narrow.h"

#include <cstring>

#include "rill/decimal.h"
#include "rill/kernels.h"

namespace rill {

namespace {

using u8 = unsigned char;
using u16 = std::uint16_t;
using u32 = std::uint32_t;


inline float from_bits(u32 b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
inline u32 to_bits(float f) {
  u32 b;
  std::memcpy(&b, &f, 4);
  return b;
}
inline u16 load16(const u8* p, std::size_t i) { return static_cast<u16>(p[2 * i] | (p[2 * i + 1] << 8)); }
inline float load32(const u8* p, std::size_t i) {
  float f;
  std::memcpy(&f, p + 4 * i, 4);
  return f;
}

// Round-to-nearest-even of (v >> shift), shift >= 1.
inline u32 round_shift(u32 v, int shift) {
  const u32 base = v >> shift, rem = v & ((1u << shift) - 1u), half = 1u << (shift - 1);
  return base + ((rem > half || (rem == half && (base & 1u) != 0)) ? 1u : 0u);
}

struct F16 {
  static float get(const u8* p, std::size_t i, float) { return f16_to_f32(load16(p, i)); }
};
struct BF16 {
  static float get(const u8* p, std::size_t i, float) { return bf16_to_f32(load16(p, i)); }
};
struct I8 {
  static float get(const u8* p, std::size_t i, float scale) {
    return static_cast<float>(static_cast<signed char>(p[i])) * scale;
  }
};

float bias_at(WeightDtype d, const u8* b, int j) {
  const std::size_t k = static_cast<std::size_t>(j);
  if (d == WeightDtype::f16) return f16_to_f32(load16(b, k));
  if (d == WeightDtype::bf16) return bf16_to_f32(load16(b, k));
  return load32(b, k);
}

template <class Wide>
void linear_rows(const Mlp& m, int i, const float* in, int in_stride, int n, float* out, int out_stride,
                 bool with_bias) {
  const int fin = m.spec.sizes[i], fout = m.spec.sizes[i + 1];
  const u8* w = m.narrow.w[i];
  const u8* sc = m.narrow.scale[i];
  for (int r = 0; r < n; ++r) {
    const float* x = in + static_cast<std::ptrdiff_t>(r) * in_stride;
    float* y = out + static_cast<std::ptrdiff_t>(r) * out_stride;
    for (int j = 0; j < fout; ++j) {
      const float scale = sc != nullptr ? load32(sc, static_cast<std::size_t>(j)) : 1.0f;
      const std::size_t row = static_cast<std::size_t>(j) * static_cast<std::size_t>(fin);
      float acc = with_bias ? bias_at(m.narrow.bias, m.narrow.b[i], j) : 0.0f;
      for (int k = 0; k < fin; ++k) acc = madd(acc, x[k], Wide::get(w, row + static_cast<std::size_t>(k), scale));
      y[j] = acc;
    }
  }
}

}  // namespace

const char* weight_dtype_name(WeightDtype d) {
  switch (d) {
    case WeightDtype::f16: return "F16";
    case WeightDtype::bf16: return "BF16";
    case WeightDtype::i8: return "I8";
    default: return "F32";
  }
}

int weight_dtype_bytes(WeightDtype d) {
  return d == WeightDtype::f32 ? 4 : d == WeightDtype::i8 ? 1 : 2;
}

float f16_to_f32(u16 h) {
  const u32 sign = static_cast<u32>(h & 0x8000u) << 16;
  u32 e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
  if (e == 0x1F) return from_bits(sign | 0x7F800000u | (m << 13));
  if (e == 0) {
    if (m == 0) return from_bits(sign);
    e = 1;  // subnormal: normalise (value m·2^-24)
    while ((m & 0x400u) == 0) {
      m <<= 1;
      --e;
    }
    m &= 0x3FFu;
    return from_bits(sign | ((e + 112u) << 23) | (m << 13));
  }
  return from_bits(sign | ((e + 112u) << 23) | (m << 13));
}

float bf16_to_f32(u16 h) { return from_bits(static_cast<u32>(h) << 16); }

u16 f32_to_f16(float x, bool* overflow) {
  const u32 b = to_bits(x), sign = (b >> 16) & 0x8000u, a = b & 0x7FFFFFFFu;
  *overflow = a > 0x477FE000u;  // above 65504 (also Inf and NaN)
  if (*overflow) return static_cast<u16>(sign | 0x7C00u);
  if (a < 0x38800000u) {  // below 2^-14: an F16 subnormal, units of 2^-24
    const int shift = 126 - static_cast<int>(a >> 23);
    if (shift > 24) return static_cast<u16>(sign);
    return static_cast<u16>(sign | round_shift((a & 0x7FFFFFu) | 0x800000u, shift));
  }
  return static_cast<u16>(sign | round_shift(a - 0x38000000u, 13));
}

u16 f32_to_bf16(float x, bool* overflow) {
  const u32 b = to_bits(x), a = b & 0x7FFFFFFFu;
  *overflow = a > 0x7F7F0000u;  // above BF16's largest finite value (also Inf and NaN)
  if (*overflow) return static_cast<u16>(((b >> 16) & 0x8000u) | 0x7F80u);
  return static_cast<u16>(((b >> 16) & 0x8000u) | round_shift(a, 16));
}

float narrow_weight(const Mlp& m, int i, int j, int k) {
  const std::size_t q = static_cast<std::size_t>(j) * static_cast<std::size_t>(m.spec.sizes[i]) +
                        static_cast<std::size_t>(k);
  switch (m.narrow.weight) {
    case WeightDtype::f16: return F16::get(m.narrow.w[i], q, 1.0f);
    case WeightDtype::bf16: return BF16::get(m.narrow.w[i], q, 1.0f);
    case WeightDtype::i8: return I8::get(m.narrow.w[i], q, load32(m.narrow.scale[i], static_cast<std::size_t>(j)));
    default: return load32(m.narrow.w[i], q);
  }
}

float narrow_bias(const Mlp& m, int i, int j) { return bias_at(m.narrow.bias, m.narrow.b[i], j); }

void linear_narrow(const Mlp& m, int i, const float* in, int in_stride, int n, float* out, int out_stride,
                   bool with_bias) {
  switch (m.narrow.weight) {
    case WeightDtype::f16: return linear_rows<F16>(m, i, in, in_stride, n, out, out_stride, with_bias);
    case WeightDtype::bf16: return linear_rows<BF16>(m, i, in, in_stride, n, out, out_stride, with_bias);
    case WeightDtype::i8: return linear_rows<I8>(m, i, in, in_stride, n, out, out_stride, with_bias);
    default: return;  // not a narrow layer
  }
}

void mlp_widen(Mlp& mlp, float* block) {
  const MlpSpec& s = mlp.spec;
  if (s.n_layers < 1 || !mlp_layer_narrow(mlp, 0)) return;
  for (int i = 0; i < s.n_layers; ++i) {
    const int fin = s.sizes[i], fout = s.sizes[i + 1];
    float* w = block + s.weight_offset(i);
    float* b = block + s.bias_offset(i);
    for (int j = 0; j < fout; ++j) {
      for (int k = 0; k < fin; ++k) w[static_cast<std::size_t>(j) * fin + k] = narrow_weight(mlp, i, j, k);
      b[j] = narrow_bias(mlp, i, j);
    }
  }
  mlp.bind(block);
}

Status check_narrow_values(const char* name, WeightDtype d, const u8* p, std::size_t count, Message* msg) {
  for (std::size_t i = 0; i < count; ++i) {
    if (d == WeightDtype::i8) {
      if (p[i] == 0x80)
        return fail(msg, Status::bad_tensor, "%s holds -128 (element %zu); I8 weights are in [-127, 127]", name, i);
      continue;
    }
    const u16 h = load16(p, i);
    const bool inf_nan = d == WeightDtype::f16 ? (h & 0x7C00u) == 0x7C00u : (h & 0x7F80u) == 0x7F80u;
    const bool nan = d == WeightDtype::f16 ? (h & 0x3FFu) != 0 : (h & 0x7Fu) != 0;
    if (inf_nan) return fail(msg, Status::non_finite, "%s contains %s (element %zu)", name, nan ? "NaN" : "Inf", i);
  }
  return Status::ok;
}

Status check_scale_values(const char* name, const u8* p, std::size_t count, Message* msg) {
  for (std::size_t i = 0; i < count; ++i) {
    const u32 b = to_bits(load32(p, i));
    if ((b & 0x7F800000u) == 0x7F800000u)
      return fail(msg, Status::non_finite, "%s contains %s (element %zu); a weight_scale is finite and >= 0", name,
                  (b & 0x7FFFFFu) != 0 ? "NaN" : "Inf", i);
    if ((b & 0x80000000u) != 0 && b != 0x80000000u)
      return fail(msg, Status::bad_tensor, "%s is negative at element %zu; a weight_scale is finite and >= 0", name,
                  i);
    // q · scale with |q| <= 127 must stay finite (the fuzzer found a scale that widens to Inf).
    const float scale = load32(p, i);
    if (!(127.0f * scale <= 3.40282347e38f))
      return fail(msg, Status::bad_tensor,
                  "%s is too large at element %zu: 127 x scale overflows float32 (a scale is at most 2.68e36)", name, i);
  }
  return Status::ok;
}

namespace {
// q = W/scale rounded to nearest, ties to even, within [-127, 127].
signed char quantize(float w, float scale) {
  if (scale == 0.0f) return 0;
  float v = w / scale;
  if (v > 127.0f) v = 127.0f;
  if (v < -127.0f) v = -127.0f;
  int t = static_cast<int>(v);  // toward zero
  if (static_cast<float>(t) > v) --t;  // floor
  const float frac = v - static_cast<float>(t);
  if (frac > 0.5f || (frac == 0.5f && (t & 1) != 0)) ++t;
  return static_cast<signed char>(t);
}
}  // namespace

Status narrow_weights(const char* name, WeightDtype d, const float* W, std::size_t rows, std::size_t cols,
                      u8* out, u8* scale_out, Message* msg) {
  const std::size_t count = rows * cols;
  if (d == WeightDtype::i8) {
    for (std::size_t j = 0; j < rows; ++j) {
      float mx = 0.0f;
      for (std::size_t k = 0; k < cols; ++k) {
        const float a = W[j * cols + k] < 0.0f ? -W[j * cols + k] : W[j * cols + k];
        if (a > mx) mx = a;
      }
      const float scale = mx / 127.0f;
      std::memcpy(scale_out + 4 * j, &scale, 4);
      for (std::size_t k = 0; k < cols; ++k) out[j * cols + k] = static_cast<u8>(quantize(W[j * cols + k], scale));
    }
    return Status::ok;
  }
  for (std::size_t q = 0; q < count; ++q) {
    bool over = false;
    const u16 h = d == WeightDtype::f16 ? f32_to_f16(W[q], &over) : f32_to_bf16(W[q], &over);
    if (over) {
      char v[32];
      float_to_decimal(W[q], v, sizeof v);
      return fail(msg, Status::invalid_argument, "%s element %zu (%s) is outside the range of %s (|x| <= %s)", name, q,
                  v, weight_dtype_name(d), d == WeightDtype::f16 ? "65504" : "3.39e38");
    }
    out[2 * q] = static_cast<u8>(h & 0xFF);
    out[2 * q + 1] = static_cast<u8>(h >> 8);
  }
  return Status::ok;
}

}  // namespace rill
