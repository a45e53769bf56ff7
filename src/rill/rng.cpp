#include "rill/rng.h"

#include "rill/mathf.h"

namespace rill {

Rng::Rng(std::uint64_t seed, std::uint64_t stream) {
  // pcg32_srandom_r
  state_ = 0u;
  inc_ = (stream << 1u) | 1u;
  next_u32();
  state_ += seed;
  next_u32();
}

std::uint32_t Rng::next_u32() {
  const std::uint64_t old = state_;
  state_ = old * 6364136223846793005ULL + inc_;
  const std::uint32_t xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
  const std::uint32_t rot = static_cast<std::uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

std::uint32_t Rng::below(std::uint32_t n) {
  // Lemire, "Fast random integer generation in an interval" (2019).
  std::uint64_t m = static_cast<std::uint64_t>(next_u32()) * n;
  std::uint32_t low = static_cast<std::uint32_t>(m);
  if (low < n) {
    const std::uint32_t threshold = (0u - n) % n;
    while (low < threshold) {
      m = static_cast<std::uint64_t>(next_u32()) * n;
      low = static_cast<std::uint32_t>(m);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

float Rng::uniform() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }

float Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // u1 in (0, 1] so log(u1) is finite; u2 in [0, 1).
  const float u1 = static_cast<float>((next_u32() >> 8) + 1u) * (1.0f / 16777216.0f);
  const float u2 = uniform();
  const float r = mathf::sqrt(-2.0f * mathf::log(u1));
  const float theta = 2.0f * mathf::kPi * u2;
  spare_ = r * mathf::sin(theta);
  has_spare_ = true;
  return r * mathf::cos(theta);
}

void Rng::advance(std::uint64_t delta) {
  // pcg32_advance_r: state·M^δ + inc·(M^δ − 1)/(M − 1), by squaring.
  std::uint64_t mult = 6364136223846793005ULL, plus = inc_;
  std::uint64_t acc_mult = 1u, acc_plus = 0u;
  while (delta > 0) {
    if ((delta & 1u) != 0) {
      acc_mult *= mult;
      acc_plus = acc_plus * mult + plus;
    }
    plus = (mult + 1u) * plus;
    mult *= mult;
    delta >>= 1u;
  }
  state_ = acc_mult * state_ + acc_plus;
}

void Rng::fill_normal(float* out, long n) {
  for (long i = 0; i < n; ++i) out[i] = normal();
}

}  // namespace rill
