// Rng: PCG32 reference values, streams, bounded integers, uniform and normal moments.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "rill/kernels.h"
#include "rill/mathf.h"
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

namespace {
bool same_bits(float a, float b) { return std::memcmp(&a, &b, 4) == 0; }
}  // namespace

TEST_CASE("draw_pairs takes the next draws, a pair's two in turn, for any number of pairs") {
  for (long pairs : {0L, 1L, 2L, 3L, 7L, 64L, 65L}) {
    Rng r(11, 12), ref(11, 12);
    std::vector<std::uint32_t> a(static_cast<size_t>(pairs)), b(static_cast<size_t>(pairs));
    r.draw_pairs(a.data(), b.data(), pairs);
    bool same = true;
    for (long p = 0; p < pairs; ++p) same = same && a[size_t(p)] == ref.next_u32() && b[size_t(p)] == ref.next_u32();
    CHECK(same);
    CHECK(r.next_u32() == ref.next_u32());
  }
}

TEST_CASE("fill_normal (kernels.h) equals repeated normal() at every SIMD level, any n, with or without a kept value") {
  for (int level = static_cast<int>(simd_best()); level >= 0; --level) {
    const Simd simd = static_cast<Simd>(level);
    INFO("simd level " << level << ": " << std::string(gemm_variant(simd)));
    for (long n : {0L, 1L, 2L, 127L, 128L, 129L, 255L, 256L, 257L, 300L, 1001L})
      for (bool spare : {false, true}) {
        INFO("n " << n << (spare ? ", a second value kept" : ""));
        Rng a(5, 6), b(5, 6);
        if (spare) CHECK(same_bits(a.normal(), b.normal()));
        std::vector<float> v(static_cast<size_t>(n));
        fill_normal(simd, a, v.data(), n);
        bool same = true;
        for (float x : v) same = same && same_bits(x, b.normal());
        CHECK(same);
        CHECK(a.has_spare() == b.has_spare());
        CHECK(same_bits(a.normal(), b.normal()));  // and the stream goes on alike
        CHECK(a.next_u32() == b.next_u32());
      }
  }
}

TEST_CASE("normal_pairs gives Rng::normal's pair for every u1 and every u2, at every level") {
  // Draw a supplies u1 = ((a >> 8) + 1)·2^-24 and draw b u2 = (b >> 8)·2^-24: all 2^24 values of
  // each (a's low bits set, which the transform drops), u2 in a scrambled order against u1.
  const long n = 1L << 24;
  std::vector<std::uint32_t> a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
  for (long i = 0; i < n; ++i) {
    a[size_t(i)] = static_cast<std::uint32_t>(i) << 8 | 0xa5u;
    b[size_t(i)] = static_cast<std::uint32_t>((i * 40503L) & (n - 1)) << 8;  // odd multiplier: a permutation
  }
  // the reference: Rng::box_muller (the test case above holds fill_normal, and so normal_pairs,
  // to normal() itself on real streams)
  std::vector<float> c0(static_cast<size_t>(n)), s0(static_cast<size_t>(n));
  for (long i = 0; i < n; ++i) c0[size_t(i)] = Rng::box_muller(a[size_t(i)], b[size_t(i)], &s0[size_t(i)]);
  std::vector<float> c(static_cast<size_t>(n)), s(static_cast<size_t>(n));
  for (int level = static_cast<int>(simd_best()); level > 0; --level) {
    const Simd simd = static_cast<Simd>(level);
    INFO("simd level " << level << ": " << std::string(gemm_variant(simd)));
    const long done = normal_pairs(simd, a.data(), b.data(), c.data(), s.data(), n);
    CHECK(done == n);
    long bad = 0;
    for (long i = 0; i < done; ++i) bad += !same_bits(c[size_t(i)], c0[size_t(i)]) || !same_bits(s[size_t(i)], s0[size_t(i)]);
    CHECK(bad == 0);
  }
  CHECK(normal_pairs(Simd::scalar, a.data(), b.data(), c.data(), s.data(), n) == 0);
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
