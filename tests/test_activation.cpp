// Activations: names, values against double-precision references, slopes
// against finite differences, and the array forms (kernels.h) equal to the
// scalar bits at every SIMD level.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "rill/activation.h"
#include "rill/kernels.h"
#include "rill/rng.h"

using namespace rill;

namespace {
constexpr Activation kAll[] = {Activation::silu, Activation::relu, Activation::tanh, Activation::gelu,
                               Activation::gelu_tanh};

// The definitions, in double.
double reference(Activation a, double z) {
  switch (a) {
    case Activation::silu: return z / (1.0 + std::exp(-z));
    case Activation::relu: return z > 0.0 ? z : 0.0;
    case Activation::tanh: return std::tanh(z);
    case Activation::gelu: return 0.5 * z * (1.0 + std::erf(z / std::sqrt(2.0)));
    case Activation::gelu_tanh:
      return 0.5 * z * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (z + 0.044715 * z * z * z)));
  }
  return NAN;
}

// Same bits, or both NaN (which operand's payload survives is the compiler's choice).
bool same_bits(float a, float b) { return std::memcmp(&a, &b, 4) == 0 || (std::isnan(a) && std::isnan(b)); }

// Random values in [-12, 12) with the edges the vector lanes must treat like
// the scalar code: huge, tiny, subnormal, ±0, ±Inf, NaN.
std::vector<float> inputs() {
  Rng rng(3, 3);
  std::vector<float> z(999);
  for (auto& v : z) v = rng.uniform(-12.0f, 12.0f);
  const float edges[] = {0.0f, -0.0f, 1e-40f, -1e-40f, 88.0f, -88.0f, 89.5f, -104.5f, 3e38f, -3e38f,
                         INFINITY, -INFINITY, NAN, 1e-8f, -1e-8f, 20.0f};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; ++i) z[i * 7] = edges[i];
  return z;
}
}  // namespace

TEST_CASE("activation names: the model files' spelling, and nothing else parses") {
  for (Activation a : kAll) {
    const std::string name = activation_name(a);
    Activation back = Activation::relu;
    CHECK(parse_activation(name.c_str(), name.size(), &back));
    CHECK(back == a);
  }
  CHECK(std::string(activation_name(Activation::gelu_tanh)) == "gelu_tanh");
  CHECK(std::string(activation_name(static_cast<Activation>(kActivationCount))) == "?");
  Activation a = Activation::silu;
  CHECK(parse_activation("gelu_tanh", 9, &a));
  CHECK(a == Activation::gelu_tanh);
  CHECK_FALSE(parse_activation("gelu_", 5, &a));
  CHECK_FALSE(parse_activation("gelux", 5, &a));
  CHECK_FALSE(parse_activation("SiLU", 4, &a));
  CHECK_FALSE(parse_activation("", 0, &a));
  CHECK(parse_activation("silu!", 4, &a));  // the length given, not the NUL, ends the name
  CHECK(a == Activation::silu);
}

TEST_CASE("activation values agree with double-precision references") {
  for (Activation act : kAll) {
    INFO(std::string(activation_name(act)));
    // Relative where |act| >= 1, absolute below: the GELUs' 1 + erf (1 + tanh)
    // cancels for negative z, in float as in any float implementation.
    double worst = 0;
    for (double z = -20.0; z <= 20.0; z += 0.0137) {
      const float zf = static_cast<float>(z);
      const double want = reference(act, zf);
      worst = std::fmax(worst, std::fabs(activate(act, zf) - want) / std::fmax(std::fabs(want), 1.0));
    }
    CHECK(worst < 1e-6);  // measured: at most 1.2e-7 (gelu_tanh)
  }
  // Exact values.
  CHECK(activate(Activation::relu, -1.0f) == 0.0f);
  CHECK(activate(Activation::relu, 2.0f) == 2.0f);
  for (Activation act : kAll) CHECK(activate(act, 0.0f) == 0.0f);
  CHECK(activate(Activation::tanh, 30.0f) == 1.0f);
  CHECK(activate(Activation::silu, 100.0f) == 100.0f);
  CHECK(std::fabs(activate(Activation::silu, -200.0f)) < 1e-30f);
}

TEST_CASE("activation slopes agree with finite differences; the pair gives both bits") {
  for (Activation act : kAll) {
    INFO(std::string(activation_name(act)));
    for (float z = -6.0f; z <= 6.0f; z += 0.37f) {
      if (act == Activation::relu && std::fabs(z) < 1e-2f) continue;  // the kink
      const double h = 1e-3;
      const double num = (activate(act, float(z + h)) - activate(act, float(z - h))) / (2 * h);
      CHECK(activate_grad(act, z) == doctest::Approx(num).epsilon(5e-3).scale(1.0));
      // and against the double reference's central difference (no float rounding in it)
      const double hd = 1e-5, dref = (reference(act, z + hd) - reference(act, z - hd)) / (2 * hd);
      CHECK(activate_grad(act, z) == doctest::Approx(dref).epsilon(1e-5).scale(1.0));
    }
    for (float z : inputs()) {
      float slope = -7.0f;
      const float y = activate_with_slope(act, z, &slope);
      CHECK(same_bits(y, activate(act, z)));
      CHECK(same_bits(slope, activate_grad(act, z)));
    }
  }
  CHECK(activate_grad(Activation::relu, -1.0f) == 0.0f);
  CHECK(activate_grad(Activation::relu, 1.0f) == 1.0f);
}

TEST_CASE("activate_array and activate_array_with_slope equal the scalar bits at every SIMD level") {
  const std::vector<float> z = inputs();
  for (int level = static_cast<int>(simd_best()); level >= 0; --level) {
    const Simd simd = static_cast<Simd>(level);
    INFO("simd level " << level << ": " << std::string(gemm_variant(simd)));
    for (Activation act : kAll) {
      INFO(std::string(activation_name(act)));
      // in place (a aliases z), as the training forward pass runs it
      std::vector<float> y = z, slope(z.size(), -7.0f), a(z.size());
      activate_array_with_slope(simd, act, y.data(), y.data(), slope.data(), long(z.size()));
      activate_array(simd, act, z.data(), a.data(), long(z.size()));
      bool same = true;
      for (size_t i = 0; i < z.size(); ++i) {
        const float want = activate(act, z[i]), want_slope = activate_grad(act, z[i]);
        same = same && same_bits(want, y[i]) && same_bits(want_slope, slope[i]) && same_bits(want, a[i]);
      }
      CHECK(same);
      // every count, so each vector width's tail is reached, and around one and two of the
      // interleaved groups (AVX-512: 128 values, the previous group finished inside the next)
      std::vector<long> counts;
      for (long count = 0; count <= 40; ++count) counts.push_back(count);
      for (long count : {127L, 128L, 129L, 255L, 256L, 257L, 384L, 400L}) counts.push_back(count);
      for (long count : counts) {
        std::vector<float> part(z.begin(), z.begin() + count), s(static_cast<size_t>(count));
        activate_array_with_slope(simd, act, part.data(), part.data(), s.data(), count);
        bool ok = true;
        for (long i = 0; i < count; ++i)
          ok = ok && same_bits(part[size_t(i)], activate(act, z[size_t(i)])) &&
               same_bits(s[size_t(i)], activate_grad(act, z[size_t(i)]));
        CHECK(ok);
      }
    }
  }
}

TEST_CASE("vector SiLU equals the scalar bits across the float range (every 1021st bit pattern)") {
  // About 4.2 million inputs: every sign, exponent and the clamp's edges (−87, 88.8) and their
  // neighbours, through the interleaved packs of every level (8 vectors at a time on x86-64) and
  // their single-vector tails.
  std::vector<float> z;
  for (std::uint64_t b = 0; b < (1ull << 32); b += 1021) {
    const std::uint32_t u = static_cast<std::uint32_t>(b);
    float f;
    std::memcpy(&f, &u, 4);
    z.push_back(f);
  }
  for (float e : {-87.0f, 87.0f, 88.8f, -88.8f, 88.38f, -88.38f})
    for (float f : {std::nextafter(e, -INFINITY), e, std::nextafter(e, INFINITY)}) z.push_back(f);
  std::vector<float> a(z.size()), y(z.size()), slope(z.size());
  for (int level = static_cast<int>(simd_best()); level >= 0; --level) {
    const Simd simd = static_cast<Simd>(level);
    INFO("simd level " << level << ": " << std::string(gemm_variant(simd)));
    activate_array(simd, Activation::silu, z.data(), a.data(), long(z.size()));
    activate_array_with_slope(simd, Activation::silu, z.data(), y.data(), slope.data(), long(z.size()));
    size_t bad = 0;
    for (size_t i = 0; i < z.size(); ++i) {
      const float want = activate(Activation::silu, z[i]);
      if (!same_bits(a[i], want) || !same_bits(y[i], want) || !same_bits(slope[i], activate_grad(Activation::silu, z[i])))
        ++bad;
    }
    CHECK(bad == 0);
  }
}
