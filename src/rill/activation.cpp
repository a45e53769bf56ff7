// Activations: the scalar functions and their names. See activation.h.
//
// SiLU comes from mathf_vec.h's templates instantiated with float: the
// vector kernels instantiate the same templates with vector types, so each
// lane gives these bits.
#include "rill/activation.h"

#include <cstring>

#include "rill/mathf.h"
#include "rill/mathf_vec.h"

namespace rill {

namespace {
constexpr const char* kActNames[] = {"silu", "relu", "tanh", "gelu", "gelu_tanh"};
static_assert(sizeof kActNames / sizeof kActNames[0] == kActivationCount, "one name per activation");

constexpr float kSqrtHalf = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kGeluC = 0.044715f;
}  // namespace

const char* activation_name(Activation a) {
  const int i = static_cast<int>(a);
  return (i >= 0 && i < kActivationCount) ? kActNames[i] : "?";
}

bool parse_activation(const char* s, std::size_t len, Activation* out) {
  for (int i = 0; i < kActivationCount; ++i) {
    if (std::strlen(kActNames[i]) == len && std::memcmp(kActNames[i], s, len) == 0) {
      *out = static_cast<Activation>(i);
      return true;
    }
  }
  return false;
}

float activate(Activation a, float z) {
  switch (a) {
    case Activation::silu: return mathf::vec::silu<float, std::uint32_t>(z);
    case Activation::relu: return z > 0.0f ? z : 0.0f;
    case Activation::tanh: return mathf::tanh(z);
    case Activation::gelu: return 0.5f * z * (1.0f + mathf::erf(z * kSqrtHalf));
    case Activation::gelu_tanh: {
      const float u = kSqrt2OverPi * (z + kGeluC * z * z * z);
      return 0.5f * z * (1.0f + mathf::tanh(u));
    }
  }
  return z;
}

float activate_grad(Activation a, float z) {
  switch (a) {
    case Activation::silu: return mathf::vec::silu_grad<float, std::uint32_t>(z);
    case Activation::relu: return z > 0.0f ? 1.0f : 0.0f;
    case Activation::tanh: {
      const float t = mathf::tanh(z);
      return 1.0f - t * t;
    }
    case Activation::gelu:
      return 0.5f * (1.0f + mathf::erf(z * kSqrtHalf)) + z * kInvSqrt2Pi * mathf::exp(-0.5f * z * z);
    case Activation::gelu_tanh: {
      const float u = kSqrt2OverPi * (z + kGeluC * z * z * z);
      const float t = mathf::tanh(u);
      return 0.5f * (1.0f + t) + 0.5f * z * (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * kGeluC * z * z);
    }
  }
  return 1.0f;
}

float activate_with_slope(Activation a, float z, float* slope) {
  // Each case shares its tanh / erf between the two, with the operations of
  // activate() and activate_grad() in their order (the same bits).
  switch (a) {
    case Activation::silu: return mathf::vec::silu_with_slope<float, std::uint32_t>(z, slope);
    case Activation::tanh: {
      const float t = mathf::tanh(z);
      *slope = 1.0f - t * t;
      return t;
    }
    case Activation::gelu: {
      const float e = 1.0f + mathf::erf(z * kSqrtHalf);
      *slope = 0.5f * e + z * kInvSqrt2Pi * mathf::exp(-0.5f * z * z);
      return 0.5f * z * e;
    }
    case Activation::gelu_tanh: {
      const float u = kSqrt2OverPi * (z + kGeluC * z * z * z);
      const float t = mathf::tanh(u);
      *slope = 0.5f * (1.0f + t) + 0.5f * z * (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * kGeluC * z * z);
      return 0.5f * z * (1.0f + t);
    }
    default:
      *slope = activate_grad(a, z);
      return activate(a, z);
  }
}

}  // namespace rill
