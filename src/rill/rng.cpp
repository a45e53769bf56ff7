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

namespace {
constexpr std::uint64_t kMult = 6364136223846793005ULL;
// PCG XSH RR: the 32-bit output of a state.
inline std::uint32_t output(std::uint64_t old) {
  const std::uint32_t xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
  const std::uint32_t rot = static_cast<std::uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}
}  // namespace

std::uint32_t Rng::next_u32() {
  const std::uint64_t old = state_;
  state_ = old * kMult + inc_;
  return output(old);
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

float Rng::box_muller(std::uint32_t a, std::uint32_t b, float* second) {
  // u1 in (0, 1] so log(u1) is finite; u2 in [0, 1) (uniform()'s value for b).
  const float u1 = static_cast<float>((a >> 8) + 1u) * (1.0f / 16777216.0f);
  const float u2 = static_cast<float>(b >> 8) * (1.0f / 16777216.0f);
  const float r = mathf::sqrt(-2.0f * mathf::log(u1));
  const float theta = 2.0f * mathf::kPi * u2;
  *second = r * mathf::sin(theta);
  return r * mathf::cos(theta);
}

float Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const std::uint32_t a = next_u32();
  const std::uint32_t b = next_u32();
  has_spare_ = true;
  return box_muller(a, b, &spare_);
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

void Rng::draw_pairs(std::uint32_t* a, std::uint32_t* b, long pairs) {
  // Four states a step apart, each going four steps at a time (x → M⁴x + C₄ is four of PCG's
  // x → Mx + inc): four independent multiply chains instead of one.
  const std::uint64_t mult4 = kMult * kMult * kMult * kMult;
  const std::uint64_t plus4 = inc_ * (((kMult + 1u) * kMult + 1u) * kMult + 1u);
  std::uint64_t st[4];
  st[0] = state_;
  for (int k = 1; k < 4; ++k) st[k] = st[k - 1] * kMult + inc_;
  long p = 0;
  for (; p + 2 <= pairs; p += 2) {  // draws 2p .. 2p + 3
    a[p] = output(st[0]);
    b[p] = output(st[1]);
    a[p + 1] = output(st[2]);
    b[p + 1] = output(st[3]);
    for (auto& x : st) x = x * mult4 + plus4;
  }
  state_ = st[0];  // 2p draws on
  if (p < pairs) {
    a[p] = next_u32();
    b[p] = next_u32();
  }
}

void Rng::fill_normal(float* out, long n) {
  for (long i = 0; i < n; ++i) out[i] = normal();
}

}  // namespace rill
