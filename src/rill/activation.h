// Activations: the nonlinearity of an Mlp's hidden layers, as scalar
// functions of one value, with their names as written in model files.
//
// The floor below the kernels: kernels.h runs these over arrays (SiLU in
// vectors, activate_array and activate_array_with_slope) and must give, lane
// by lane, the bits of the functions here. Every one is built from IEEE
// + − × ÷ and rill::mathf, so the bits are the same on every target.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rill {

// The values are the model-file and C API codes (rill.h); append only.
enum class Activation : std::uint8_t { silu, relu, tanh, gelu, gelu_tanh };
constexpr int kActivationCount = 5;

const char* activation_name(Activation a);  // "silu", "relu", "tanh", "gelu", "gelu_tanh" ("?" if out of range)
// Exactly one of those names (s need not be NUL-terminated); false for anything else.
bool parse_activation(const char* s, std::size_t len, Activation* out);

// silu(z) = z·σ(z); relu(z) = max(z, 0); tanh; gelu(z) = ½z(1 + erf(z/√2));
// gelu_tanh(z) = ½z(1 + tanh(√(2/π)(z + 0.044715z³))).
float activate(Activation a, float z);
float activate_grad(Activation a, float z);                      // its derivative at z
float activate_with_slope(Activation a, float z, float* slope);  // both: returns act(z), *slope = act'(z), same bits

}  // namespace rill
