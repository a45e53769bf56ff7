// narrow: F16, BF16 and I8 weights (shared/spec/formats.md, "Weight dtypes").
//
// Widening is exact and done element by element as the kernels read the
// weights, so a narrow model keeps its bytes where they are (flash) and
// computes with the bits of the same model converted to float32 first:
//   F16, BF16: the value itself (every F16 and BF16 value is a float32);
//   I8: float32(q) × weight_scale[j], one float32 multiply (one rounding).
// Narrowing (rill convert) rounds to nearest, ties to even.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rill/mlp.h"
#include "rill/status.h"

namespace rill {

float f16_to_f32(std::uint16_t h);
float bf16_to_f32(std::uint16_t h);
// Round to nearest even; *overflow set when |x| rounds beyond the format's
// largest finite value (F16: above 65504).
std::uint16_t f32_to_f16(float x, bool* overflow);
std::uint16_t f32_to_bf16(float x, bool* overflow);

// Bytes per weight of a dtype (4, 2, 2, 1).
int weight_dtype_bytes(WeightDtype d);
// Weight j, k of narrow layer i (mlp_layer_narrow), and bias j, as float32.
float narrow_weight(const Mlp& m, int i, int j, int k);
float narrow_bias(const Mlp& m, int i, int j);
// linear_ref (kernels.h) over a narrow layer, bit for bit: out[r][j] =
// b[j] + Σ_k in[r][k]·W[j][k] in index order (b = +0 when !with_bias).
void linear_narrow(const Mlp& m, int i, const float* in, int in_stride, int n, float* out, int out_stride,
                   bool with_bias);

// Checks a narrow tensor's values as formats.md asks: F16/BF16 finite, I8 in
// [-127, 127], a weight_scale finite and >= 0. `name` names it in the message.
Status check_narrow_values(const char* name, WeightDtype d, const unsigned char* p, std::size_t count, Message* msg);
Status check_scale_values(const char* name, const unsigned char* p, std::size_t count, Message* msg);

// The narrow bytes of one [rows, cols] float32 weight (row-major): F16/BF16
// halves little-endian, or I8 bytes with rows F32 scales (max|W[j]|/127, q
// rounded to nearest even). Fails (invalid_argument, naming `name` and the
// element) when a value is outside the dtype's range (out is then incomplete).
Status narrow_weights(const char* name, WeightDtype d, const float* W, std::size_t rows, std::size_t cols,
                      unsigned char* out, unsigned char* scale_out, Message* msg);

}  // namespace rill
