// The fast linear kernel gives the bits of the naive reference kernel.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "rill/kernels.h"
#include "rill/rng.h"

using namespace rill;

namespace {
void check_shape(Simd simd, int fin, int fout, int n, Rng& rng) {
  std::vector<float> W(size_t(fin) * fout), b(fout), x(size_t(n) * (fin + 3));
  for (auto& v : W) v = rng.uniform(-1.0f, 1.0f);
  for (auto& v : b) v = rng.uniform(-1.0f, 1.0f);
  for (auto& v : x) v = rng.normal();
  const int in_stride = fin + 3;  // a strided input, as the MLP's time columns make
  std::vector<float> ref(size_t(n) * fout, 7.0f), fast(size_t(n) * fout, 9.0f);
  std::vector<float> packed(packed_floats(fin, fout));
  pack_weights(simd, W.data(), fin, fout, packed.data());
  linear_ref(x.data(), in_stride, n, W.data(), b.data(), fin, fout, ref.data(), fout);
  linear_packed(simd, x.data(), in_stride, n, packed.data(), b.data(), fin, fout, fast.data(), fout);
  INFO("fin " << fin << " fout " << fout << " n " << n);
  CHECK(std::memcmp(ref.data(), fast.data(), ref.size() * sizeof(float)) == 0);
}
}  // namespace

namespace {
// Runs f(level) for each instruction set this machine has (AVX-512, AVX2,
// 4-lane, scalar on x86-64): the level is passed to the kernels, nothing is set.
template <class F>
void for_each_simd(F f) {
  for (int level = static_cast<int>(simd_best()); level >= 0; --level) {
    INFO("simd level " << level << ": " << std::string(gemm_variant(static_cast<Simd>(level))));
    f(static_cast<Simd>(level));
  }
}
}  // namespace

TEST_CASE("fast kernel equals the reference bit for bit on awkward shapes") {
  for_each_simd([](Simd simd) {
  Rng rng(42, 1);
  const int shapes[][2] = {{1, 1},  {3, 5},    {5, 3},   {17, 33}, {33, 17}, {3, 128}, {128, 128}, {128, 2},
                           {7, 8},  {8, 9},    {13, 2},  {128, 3}, {9, 4},   {16, 1},  {131, 7},   {64, 12}};
  for (auto& s : shapes)
    for (int n : {1, 2, 3, 4, 5, 7, 15, 16, 17, 31, 33, 50, 64, 65, 257}) check_shape(simd, s[0], s[1], n, rng);
  for (int n = 1; n <= 1000; n += 37) check_shape(simd, 17, 33, n, rng);
  check_shape(simd, 17, 33, 1000, rng);
  });
}

TEST_CASE("row panels: linear_panel gives linear_ref's bits, into a panel or into rows, on every shape") {
  Rng rng(42, 7);
  const int shapes[][2] = {{1, 1}, {3, 128}, {128, 128}, {128, 2}, {5, 3},  {7, 8},   {8, 9},
                           {13, 4}, {17, 5}, {33, 12},  {64, 13}, {9, 16}, {16, 17}, {131, 7}};
  for (auto& s : shapes)
    for (int n : {8, 16, 56, 64, 72}) {
      const int fin = s[0], fout = s[1], in_stride = fin + 3;
      INFO("fin " << fin << " fout " << fout << " n " << n);
      std::vector<float> W(size_t(fin) * fout), b(fout), x(size_t(n) * in_stride);
      for (auto& v : W) v = rng.uniform(-1.0f, 1.0f);
      for (auto& v : b) v = rng.uniform(-1.0f, 1.0f);
      for (auto& v : x) v = rng.normal();
      std::vector<float> packed(packed_floats(fin, fout)), in(size_t(n) * fin, 5.0f);
      pack_weights(simd_best(), W.data(), fin, fout, packed.data());
      panel_from_rows(x.data(), in_stride, n, fin, in.data());
      for (int r = 0; r < n; ++r)  // the panel's layout: row r, column c at (r / 8)·8·fin + 8·c + r % 8
        for (int c = 0; c < fin; ++c) REQUIRE(in[size_t(r / 8) * 8 * fin + 8 * c + r % 8] == x[size_t(r) * in_stride + c]);
      std::vector<float> ref(size_t(n) * fout), rows(size_t(n) * (fout + 2), 9.0f), panel(size_t(n) * fout, 9.0f);
      linear_ref(x.data(), in_stride, n, W.data(), b.data(), fin, fout, ref.data(), fout);
      linear_panel(in.data(), n, packed.data(), b.data(), fin, fout, rows.data(), false, fout + 2);
      linear_panel(in.data(), n, packed.data(), b.data(), fin, fout, panel.data(), true, 0);
      for (int r = 0; r < n; ++r) {
        CHECK(std::memcmp(&ref[size_t(r) * fout], &rows[size_t(r) * (fout + 2)], sizeof(float) * fout) == 0);
        CHECK(rows[size_t(r) * (fout + 2) + fout] == 9.0f);  // nothing written past a row's columns
        for (int j = 0; j < fout; ++j)
          CHECK(std::memcmp(&ref[size_t(r) * fout + j], &panel[size_t(r / 8) * 8 * fout + 8 * j + r % 8], 4) == 0);
      }
    }
}

TEST_CASE("gemm equals gemm_ref bit for bit under every instruction set: transposed A, no init, every remainder") {
  for_each_simd([](Simd simd) {
  Rng rng(5, 5);
  for (int m : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17, 64})
    for (int n : {1, 3, 8, 15, 16, 17, 31, 32, 33, 47, 48, 49, 128, 130})
      for (int k : {1, 2, 9, 64}) {
        std::vector<float> A(size_t(m) * k), B(size_t(k) * (n + 5)), init(n), c1(size_t(m) * (n + 2), 1.0f);
        for (auto& v : A) v = rng.normal();
        for (auto& v : B) v = rng.normal();
        for (auto& v : init) v = rng.normal();
        auto c2 = c1;
        // A read transposed (a_row = 1, a_col = m), B with a padded leading dimension, C strided.
        gemm(simd, m, n, k, A.data(), 1, m, B.data(), n + 5, init.data(), 0, c1.data(), n + 2);
        gemm_ref(m, n, k, A.data(), 1, m, B.data(), n + 5, init.data(), 0, c2.data(), n + 2);
        INFO("m " << m << " n " << n << " k " << k);
        CHECK(std::memcmp(c1.data(), c2.data(), c1.size() * 4) == 0);
        gemm(simd, m, n, k, A.data(), k, 1, B.data(), n + 5, nullptr, 0, c1.data(), n + 2);
        gemm_ref(m, n, k, A.data(), k, 1, B.data(), n + 5, nullptr, 0, c2.data(), n + 2);
        CHECK(std::memcmp(c1.data(), c2.data(), c1.size() * 4) == 0);
        // the 4-lane kernel, which this machine may not choose by itself
        auto c4 = c1;
        gemm_portable(m, n, k, A.data(), 1, m, B.data(), n + 5, init.data(), 0, c4.data(), n + 2);
        gemm_ref(m, n, k, A.data(), 1, m, B.data(), n + 5, init.data(), 0, c2.data(), n + 2);
        CHECK(std::memcmp(c4.data(), c2.data(), c4.size() * 4) == 0);
        // A sum split in two ranges of k, the second going on from C, gives the bits of one sum.
        if (k >= 2) {
          const int k1 = k / 2;
          auto c3 = c1;
          gemm(simd, m, n, k1, A.data(), k, 1, B.data(), n + 5, nullptr, 0, c3.data(), n + 2);
          gemm(simd, m, n, k - k1, A.data() + k1, k, 1, B.data() + size_t(k1) * (n + 5), n + 5, c3.data(), n + 2, c3.data(),
               n + 2);
          CHECK(std::memcmp(c1.data(), c3.data(), c1.size() * 4) == 0);
        }
      }
  });
  MESSAGE("gemm variant: " << std::string(gemm_variant(simd_best())));
}

TEST_CASE("reference kernel sums in input order from the bias") {
  // With these values a different order (or a fused multiply-add) gives another float.
  const float W[3] = {1.0f, 1.0f, 1.0f};
  const float b[1] = {1e8f};
  const float x[3] = {-1e8f, 3.0f, 0.5f};
  float out = 0;
  linear_ref(x, 3, 1, W, b, 3, 1, &out, 1);
  float acc = 1e8f;
  acc = acc + -1e8f;
  acc = acc + 3.0f;
  acc = acc + 0.5f;
  CHECK(out == acc);
  CHECK(out == 3.5f);
}

TEST_CASE("packing pads with zeros and transposes") {
  const float W[6] = {1, 2, 3, 4, 5, 6};  // [out = 2][in = 3]
  std::vector<float> p(packed_floats(3, 2), -1.0f);
  pack_weights(simd_best(), W, 3, 2, p.data());
  const int ld = packed_ld(2);
  CHECK(ld % 4 == 0);
  CHECK(p[0] == 1);
  CHECK(p[1] == 4);
  CHECK(p[ld] == 2);
  CHECK(p[2 * ld + 1] == 6);
  CHECK(p[2] == 0);
}

TEST_CASE("sum_squares adds in its documented order: 16 running sums by index mod 16, then pairwise, on every instruction set") {
  for_each_simd([](Simd simd) {
    Rng rng(21, 4);
    for (long count : {0L, 1L, 5L, 15L, 16L, 17L, 31L, 32L, 33L, 100L, 1000L, 33794L}) {
      std::vector<float> x(static_cast<size_t>(count) + 1);
      // magnitudes that make the order matter
      for (auto& v : x) v = rng.normal() * (rng.uniform() < 0.1f ? 1e3f : 1e-2f);
      float lane[16] = {};
      for (long q = 0; q < count; ++q) lane[q % 16] = lane[q % 16] + x[size_t(q)] * x[size_t(q)];
      for (int w = 8; w > 0; w /= 2)
        for (int l = 0; l < w; ++l) lane[l] = lane[l] + lane[l + w];
      float serial = 0.0f;
      for (long q = 0; q < count; ++q) serial = serial + x[size_t(q)] * x[size_t(q)];
      INFO("count " << count);
      const float got = sum_squares(simd, x.data(), count);
      CHECK(std::memcmp(&lane[0], &got, 4) == 0);
      CHECK(sum_squares(simd, x.data(), count) == doctest::Approx(serial).epsilon(1e-5));
    }
    const float inf_nan[3] = {1.0f, INFINITY, 2.0f};
    CHECK(std::isinf(sum_squares(simd, inf_nan, 3)));
    const float nan[2] = {NAN, 2.0f};
    CHECK(std::isnan(sum_squares(simd, nan, 2)));
  });
}

TEST_CASE("adam_update gives every element the scalar formula's bits on every instruction set") {
  for_each_simd([](Simd simd) {
    Rng rng(5, 9);
    for (long count : {1L, 7L, 16L, 45L, 1003L}) {
      const size_t len = static_cast<size_t>(count);
      std::vector<float> g(len), m(len), v(len), p(len);
      for (long q = 0; q < count; ++q) {
        g[size_t(q)] = rng.normal() * (q % 5 == 0 ? 1e-6f : 1.0f);
        m[size_t(q)] = rng.normal() * 0.1f;
        v[size_t(q)] = rng.uniform() * 0.01f;
        p[size_t(q)] = rng.normal();
      }
      if (count > 2) g[2] = 0.0f, v[2] = 0.0f;  // √0 + ε
      const AdamCoeffs a = {0.9f, 0.999f, 1.0f / (1.0f - 0.9f * 0.9f), 1.0f / (1.0f - 0.999f * 0.999f), 3e-3f, 1e-8f};
      std::vector<float> m2 = m, v2 = v, p2 = p;
      for (long q = 0; q < count; ++q) {
        const size_t i = size_t(q);
        m2[i] = a.beta1 * m2[i] + (1.0f - a.beta1) * g[i];
        v2[i] = a.beta2 * v2[i] + (1.0f - a.beta2) * g[i] * g[i];
        p2[i] = p2[i] - a.lr * (m2[i] * a.c1) / (std::sqrt(v2[i] * a.c2) + a.eps);
      }
      adam_update(simd, a, g.data(), m.data(), v.data(), p.data(), count);
      INFO("count " << count);
      CHECK(std::memcmp(m.data(), m2.data(), m.size() * 4) == 0);
      CHECK(std::memcmp(v.data(), v2.data(), v.size() * 4) == 0);
      CHECK(std::memcmp(p.data(), p2.data(), p.size() * 4) == 0);
    }
  });
}

TEST_CASE("packed rows lie an odd number of cache lines apart (an even stride maps a gemm's strip onto a fraction of L1)") {
  for (int fout : {1, 2, 16, 17, 32, 64, 100, 128, 256, 512}) {
    const int ld = packed_ld(fout);
    INFO("fout " << fout << " ld " << ld);
    CHECK(ld >= fout);
    CHECK(ld % 16 == 0);
#if defined(RILL_NO_SIMD)
    CHECK(ld < fout + 16);  // microcontrollers: no padding past the block
#else
    CHECK((ld / 16) % 2 == 1);
    CHECK(ld < fout + 32);
#endif
  }
}

TEST_CASE("pack_weights transposes and zero-pads on every instruction set") {
  for_each_simd([](Simd simd) {
    Rng rng(17, 2);
    for (int fin : {1, 3, 16, 33, 130})
      for (int fout : {1, 2, 15, 16, 17, 40, 128}) {
        std::vector<float> W(size_t(fin) * fout);
        for (auto& v : W) v = rng.normal();
        std::vector<float> p(packed_floats(fin, fout), NAN);
        pack_weights(simd, W.data(), fin, fout, p.data());
        const int ld = packed_ld(fout);
        bool same = true;
        for (int k = 0; k < fin; ++k)
          for (int j = 0; j < ld; ++j) {
            const float want = j < fout ? W[size_t(j) * fin + k] : 0.0f;
            same = same && std::memcmp(&want, &p[size_t(k) * ld + j], 4) == 0;
          }
        INFO("fin " << fin << " fout " << fout);
        CHECK(same);
      }
  });
}

TEST_CASE("mul_elementwise and add_rows: each element's own arithmetic, rows in order") {
  for_each_simd([](Simd simd) {
    Rng rng(23, 5);
    for (int rows : {1, 7, 256})
      for (int cols : {1, 5, 16, 37, 128}) {
        const int ld = cols + 3;
        const size_t nc = static_cast<size_t>(cols);
        std::vector<float> x(static_cast<size_t>(rows) * static_cast<size_t>(ld)), sums(nc), want(nc);
        for (auto& v : x) v = rng.normal() * (rng.uniform() < 0.2f ? 1e4f : 1.0f);
        for (int j = 0; j < cols; ++j) sums[size_t(j)] = want[size_t(j)] = rng.normal();
        for (int r = 0; r < rows; ++r)
          for (int j = 0; j < cols; ++j) want[size_t(j)] = want[size_t(j)] + x[size_t(r) * ld + size_t(j)];
        add_rows(simd, x.data(), ld, rows, cols, sums.data());
        INFO("rows " << rows << " cols " << cols);
        CHECK(std::memcmp(sums.data(), want.data(), sums.size() * 4) == 0);
      }
    for (long count : {1L, 15L, 16L, 1001L}) {
      std::vector<float> g(static_cast<size_t>(count)), s(static_cast<size_t>(count));
      for (auto& v : g) v = rng.normal();
      for (auto& v : s) v = rng.normal();
      std::vector<float> want = g;
      for (size_t q = 0; q < want.size(); ++q) want[q] = want[q] * s[q];
      mul_elementwise(simd, g.data(), s.data(), count);
      CHECK(std::memcmp(g.data(), want.data(), g.size() * 4) == 0);
    }
  });
}

TEST_CASE("a level is only what its caller passes: above this CPU's best, the kernels run the best") {
  const Simd best = simd_best();
  CHECK(simd_best() == best);  // probed once: a constant of the process
  CHECK(std::string(gemm_variant(Simd::avx512)) == gemm_variant(best));
  CHECK(std::string(gemm_variant(Simd::scalar)) == "scalar");
  // The widest level runs (as the best) and gives the reference bits.
  Rng rng(8, 8);
  std::vector<float> A(6 * 9), B(9 * 20), c1(6 * 20), c2(6 * 20);
  for (auto& v : A) v = rng.normal();
  for (auto& v : B) v = rng.normal();
  gemm(Simd::avx512, 6, 20, 9, A.data(), 9, 1, B.data(), 20, nullptr, 0, c1.data(), 20);
  gemm_ref(6, 20, 9, A.data(), 9, 1, B.data(), 20, nullptr, 0, c2.data(), 20);
  CHECK(std::memcmp(c1.data(), c2.data(), c1.size() * 4) == 0);
}
