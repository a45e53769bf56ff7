// Rng: PCG32 reference values, streams, bounded integers, uniform and normal moments.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "rill/rng.h"

using namespace rill;

TEST_CASE("PCG32 matches the reference implementation (pcg32-demo, seed 42, stream 54)") {
  // From O'Neill's pcg-c-basic: pcg32_srandom_r(&rng, 42u, 54u) then pcg32_random_r.
  Rng r(42u, 54u);
  const std::uint32_t expect[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u, 0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
  for (std::uint32_t e : expect) CHECK(r.next_u32() == e);
}

TEST_CASE("streams for different purposes differ; the same (seed, purpose) repeats") {
  Rng a = Rng::derive(7, Purpose::sample_noise), b = Rng::derive(7, Purpose::train_noise);
  Rng c = Rng::derive(7, Purpose::sample_noise), d = Rng::derive(8, Purpose::sample_noise);
  int same_ab = 0, same_ad = 0;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u32(), y = b.next_u32(), z = c.next_u32(), w = d.next_u32();
    same_ab += x == y;
    same_ad += x == w;
    CHECK(x == z);
  }
  CHECK(same_ab < 3);
  CHECK(same_ad < 3);
}

TEST_CASE("below(n) is in range and uniform; uniform() in [0, 1)") {
  Rng r(1, 2);
  int counts[7] = {};
  for (int i = 0; i < 70000; ++i) {
    const auto k = r.below(7);
    REQUIRE(k < 7);
    ++counts[k];
  }
  for (int c : counts) CHECK(std::abs(c - 10000) < 5 * 95);  // 5 standard errors
  CHECK(r.below(1) == 0);
  float lo = 1, hi = 0;
  for (int i = 0; i < 100000; ++i) {
    const float u = r.uniform();
    lo = std::fmin(lo, u);
    hi = std::fmax(hi, u);
  }
  CHECK(lo >= 0.0f);
  CHECK(hi < 1.0f);
  CHECK(lo < 1e-3f);
  CHECK(hi > 0.999f);
}

TEST_CASE("normal draws: moments of N(0, 1), and fill_normal equals repeated normal()") {
  Rng r(3, 4);
  const int n = 400000;
  double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    REQUIRE(std::isfinite(z));
    s1 += z; s2 += z * z; s3 += z * z * z; s4 += z * z * z * z;
  }
  const double se = 1.0 / std::sqrt(double(n));
  CHECK(std::fabs(s1 / n) < 5 * se);
  CHECK(std::fabs(s2 / n - 1) < 5 * std::sqrt(2.0) * se);
  CHECK(std::fabs(s3 / n) < 5 * std::sqrt(15.0) * se);
  CHECK(std::fabs(s4 / n - 3) < 5 * std::sqrt(96.0) * se);
  Rng a(9, 9), b(9, 9);
  std::vector<float> v(11);
  a.fill_normal(v.data(), 11);
  for (float x : v) CHECK(x == b.normal());
}

TEST_CASE("advance(k) equals k draws, for small and huge k, and copies draw ranges side by side") {
  for (std::uint64_t k : {0ull, 1ull, 2ull, 3ull, 7ull, 64ull, 1000ull, 12345ull}) {
    Rng a(99, 7), b(99, 7);
    for (std::uint64_t i = 0; i < k; ++i) a.next_u32();
    b.advance(k);
    INFO("k " << k);
    CHECK(a.next_u32() == b.next_u32());
    CHECK(a.next_u32() == b.next_u32());
  }
  // 2^64 draws is the whole period: back to the start. 2^63 + 2^63 likewise.
  Rng c(5, 1), d(5, 1);
  d.advance(1ull << 63);
  CHECK(c.next_u32() != d.next_u32());
  d.advance((1ull << 63) - 1);  // with the draw just made: 2^64 in all, back to the start
  Rng e(5, 1);
  CHECK(e.next_u32() == d.next_u32());
  // Normals: a copy advanced by 2 draws per pair continues the sequence.
  Rng whole(3, 3), part(3, 3);
  std::vector<float> all(100), second(60);
  whole.fill_normal(all.data(), 100);
  part.advance(40);
  part.fill_normal(second.data(), 60);
  CHECK(std::memcmp(all.data() + 40, second.data(), 60 * sizeof(float)) == 0);
  CHECK_FALSE(part.has_spare());
  part.normal();
  CHECK(part.has_spare());
}

TEST_CASE("stream purposes keep their numbers (a renamed purpose draws what it drew)") {
  CHECK(static_cast<uint32_t>(Purpose::sample_noise) == 1);
  CHECK(static_cast<uint32_t>(Purpose::train_data) == 2);
  CHECK(static_cast<uint32_t>(Purpose::train_noise) == 3);
  CHECK(static_cast<uint32_t>(Purpose::init) == 4);
  CHECK(static_cast<uint32_t>(Purpose::eval_reference) == 5);
  CHECK(static_cast<uint32_t>(Purpose::dataset_draw) == 6);
  CHECK(static_cast<uint32_t>(Purpose::user) == 7);
  Rng a = Rng::derive(9, Purpose::dataset_draw), b(9, 6);
  CHECK(a.next_u32() == b.next_u32());
}
