// Tests for metrics: MMD², energy distance and exact W2 against hand-computed
// cases and straightforward double-loop references, plus the figures the
// evaluation relies on (noise against moons, and the noise floor of two
// independent moons draws).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "rill/arena.h"
#include "rill/datasets.h"
#include "rill/metrics.h"
#include "rill/rng.h"

namespace {

using Points = std::vector<float>;

// k(r) = Σ_h exp(−r/(2h²)), one exp per bandwidth: the definition, literally.
double kernel_ref(double r) {
  double k = 0;
  for (double h : {0.1, 0.2, 0.5, 1.0, 2.0}) k += std::exp(-r / (2 * h * h));
  return k;
}

double sqdist(const float* a, const float* b, int d) {
  double r = 0;
  for (int k = 0; k < d; ++k) {
    const double e = static_cast<double>(a[k]) - b[k];
    r += e * e;
  }
  return r;
}

// U-statistics over ordered pairs i ≠ j, exactly as formats.md writes them.
template <class F>
double u_mean_within(const Points& x, int d, F f) {
  const long n = static_cast<long>(x.size()) / d;
  double s = 0;
  for (long i = 0; i < n; ++i)
    for (long j = 0; j < n; ++j)
      if (i != j) s += f(sqdist(&x[i * d], &x[j * d], d));
  return s / (static_cast<double>(n) * (n - 1));
}
template <class F>
double mean_across(const Points& x, const Points& y, int d, F f) {
  const long n = static_cast<long>(x.size()) / d, m = static_cast<long>(y.size()) / d;
  double s = 0;
  for (long i = 0; i < n; ++i)
    for (long j = 0; j < m; ++j) s += f(sqdist(&x[i * d], &y[j * d], d));
  return s / (static_cast<double>(n) * m);
}

double mmd2_ref(const Points& x, const Points& y, int d) {
  return u_mean_within(x, d, kernel_ref) + u_mean_within(y, d, kernel_ref) - 2 * mean_across(x, y, d, kernel_ref);
}
double energy_ref(const Points& x, const Points& y, int d) {
  auto dist = [](double r) { return std::sqrt(r); };
  return 2 * mean_across(x, y, d, dist) - u_mean_within(x, d, dist) - u_mean_within(y, d, dist);
}

double mmd2(const Points& x, const Points& y, int d) {
  return rill::mmd2(x.data(), static_cast<long>(x.size()) / d, y.data(), static_cast<long>(y.size()) / d, d);
}
double energy(const Points& x, const Points& y, int d) {
  return rill::energy_distance(x.data(), static_cast<long>(x.size()) / d, y.data(), static_cast<long>(y.size()) / d,
                               d);
}

Points normals(std::uint32_t seed, long count) {
  Points p(static_cast<std::size_t>(count));
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::user);
  rng.fill_normal(p.data(), count);
  return p;
}
Points moons(std::uint32_t seed, long n) {
  Points p(static_cast<std::size_t>(2 * n));
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::eval_reference);
  rill::dataset_sample(rill::Dataset::moons, rng, p.data(), n);
  return p;
}

rill::Status w2(const Points& x, const Points& y, int d, double* out) {
  const int n = static_cast<int>(x.size()) / d;
  std::vector<unsigned char> mem(rill::w2_scratch(n));
  rill::Arena arena(mem.data(), mem.size());
  return rill::w2_exact(x.data(), y.data(), n, d, arena, out);
}

double w2_brute(const Points& x, const Points& y, int d) {
  const int n = static_cast<int>(x.size()) / d;
  std::vector<int> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  double best = std::numeric_limits<double>::infinity();
  do {
    double s = 0;
    for (int i = 0; i < n; ++i) s += sqdist(&x[static_cast<std::size_t>(i) * d], &y[static_cast<std::size_t>(p[i]) * d], d);
    best = std::min(best, s);
  } while (std::next_permutation(p.begin(), p.end()));
  return std::sqrt(best / n);
}

}  // namespace

TEST_CASE("metrics: MMD² by hand") {
  // 1-D, x = {0, 1}, y = {0, 2}: within x one pair at r = 1, within y one at
  // r = 4, across r ∈ {0, 4, 1, 1}:
  // MMD² = k(1) + k(4) − (2/4)(k(0) + k(4) + 2k(1)) = k(4)/2 − 5/2, since k(0) = 5.
  const Points x = {0, 1}, y = {0, 2};
  CHECK(mmd2(x, y, 1) == doctest::Approx(0.5 * kernel_ref(4) - 2.5).epsilon(1e-14));
  // Identical, well separated sets are *negative* under the unbiased
  // statistic: x = y = {0, 10} gives k(100) − 5.
  const Points s = {0, 10};
  CHECK(mmd2(s, s, 1) == doctest::Approx(kernel_ref(100) - 5).epsilon(1e-14));
  CHECK(mmd2(s, s, 1) < 0);
  // Two copies of one point against two copies of another: 10 − 2k(r).
  const Points a = {0, 0, 0, 0}, b = {0.75f, 1, 0.75f, 1};  // r = 0.5625 + 1, exact in float
  CHECK(mmd2(a, b, 2) == doctest::Approx(10 - 2 * kernel_ref(1.5625)).epsilon(1e-12));
}

TEST_CASE("metrics: MMD² and energy distance equal the double-loop definitions") {
  for (int d : {1, 2, 3, 5}) {
    INFO("d = " << d);
    const Points x = normals(10 + d, 37L * d);
    Points y = normals(20 + d, 23L * d);
    for (float& v : y) v = 0.7f * v + 0.3f;
    CHECK(mmd2(x, y, d) == doctest::Approx(mmd2_ref(x, y, d)).epsilon(1e-12));
    CHECK(energy(x, y, d) == doctest::Approx(energy_ref(x, y, d)).epsilon(1e-12));
    // Symmetric in its arguments.
    CHECK(mmd2(y, x, d) == doctest::Approx(mmd2(x, y, d)).epsilon(1e-12));
    CHECK(energy(y, x, d) == doctest::Approx(energy(x, y, d)).epsilon(1e-12));
  }
  // Far apart, close together and coincident pairs exercise every branch of the kernel.
  Points x = {0, 0, 0.001f, 0, 0.05f, 0.02f, 0.4f, 0.3f, 1.5f, 2, 5, 5, 30, -40, 0, 0};
  Points y = {0.002f, 0, 0.3f, 0.3f, 3, 1, 8, -8, 60, 60, 0, 0};
  CHECK(mmd2(x, y, 2) == doctest::Approx(mmd2_ref(x, y, 2)).epsilon(1e-13));
  CHECK(energy(x, y, 2) == doctest::Approx(energy_ref(x, y, 2)).epsilon(1e-13));
}

TEST_CASE("metrics: energy distance by hand") {
  // Two copies of a against two copies of b: the within terms vanish, 2‖a − b‖ remains.
  const Points a = {0, 0, 0, 0}, b = {3, 4, 3, 4};
  CHECK(energy(a, b, 2) == doctest::Approx(10.0).epsilon(1e-15));
  // 1-D x = {0, 1}, y = {0, 3}: across (0 + 3 + 1 + 2)/4 = 1.5, within x 1, within y 3:
  // 2·1.5 − 1 − 3 = −1 (U-statistics can go negative).
  const Points x = {0, 1}, y = {0, 3};
  CHECK(energy(x, y, 1) == doctest::Approx(-1.0).epsilon(1e-15));
}

TEST_CASE("metrics: fewer than two points per set, or non-finite data, give NaN") {
  const Points one = {1, 2}, two = {1, 2, 3, 4};
  CHECK(std::isnan(mmd2(one, two, 2)));
  CHECK(std::isnan(energy(two, one, 2)));
  CHECK(std::isnan(rill::mmd2(two.data(), 2, two.data(), 2, 0)));
  CHECK(std::isnan(rill::energy_distance(nullptr, 2, two.data(), 2, 1)));
  for (float bad : {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    Points t = {1, 2, 3, 4, 5, 6};
    t[3] = bad;
    CHECK(std::isnan(mmd2(t, two, 2)));
    CHECK(std::isnan(mmd2(two, t, 2)));
    CHECK(std::isnan(energy(t, two, 2)));
    CHECK(std::isnan(energy(two, t, 2)));
  }
}

TEST_CASE("metrics: noise against moons, and the noise floor of moons (4000 vs 4000)") {
  const long n = 4000;
  const Points ref = moons(1000001, n);
  const Points noise = normals(7, 2 * n);
  const Points other = moons(1000002, n);
  const double far = rill::mmd2(noise.data(), n, ref.data(), n, 2);
  const double floor = rill::mmd2(other.data(), n, ref.data(), n, 2);
  INFO("MMD² noise vs moons = " << far << ", moons vs moons = " << floor);
  CHECK(far > 0.15);
  CHECK(far < 0.30);
  CHECK(std::fabs(floor) < 0.002);
}

TEST_CASE("metrics: MMD² between independent draws scatters around zero, both signs") {
  int negative = 0, positive = 0;
  for (std::uint32_t s = 0; s < 20; ++s) {
    const long n = 300;
    const Points x = moons(100 + 2 * s, n), y = moons(101 + 2 * s, n);
    const double v = rill::mmd2(x.data(), n, y.data(), n, 2);
    CHECK(std::fabs(v) < 0.02);
    (v < 0 ? negative : positive) += 1;
  }
  CHECK(negative > 0);
  CHECK(positive > 0);
}

TEST_CASE("metrics: W2 of a translated copy is the translation length, exactly") {
  // Coordinates on a 2^-10 grid and a translation of (0.75, −1.25): every sum is
  // exact, so the optimal mean cost is exactly |c|² = 2.125.
  const int n = 300;
  rill::Rng rng(4, 4);
  Points x(2 * n), y(2 * n);
  for (int i = 0; i < 2 * n; ++i) x[i] = static_cast<float>(static_cast<int>(rng.below(4096)) - 2048) / 1024.0f;
  for (int i = 0; i < n; ++i) {
    y[2 * i] = x[2 * i] + 0.75f;
    y[2 * i + 1] = x[2 * i + 1] - 1.25f;
  }
  double v = -1;
  REQUIRE(w2(x, y, 2, &v) == rill::Status::ok);
  CHECK(v == std::sqrt(2.125));
  REQUIRE(w2(x, x, 2, &v) == rill::Status::ok);
  CHECK(v == 0.0);
}

TEST_CASE("metrics: W2 on the line is the sorted matching") {
  for (int n : {1, 2, 9, 64, 257}) {
    INFO("n = " << n);
    Points x = normals(30 + n, n), y = normals(40 + n, n);
    for (float& t : y) t = 2.0f * t + 1.0f;
    double v = -1;
    REQUIRE(w2(x, y, 1, &v) == rill::Status::ok);
    Points xs = x, ys = y;
    std::sort(xs.begin(), xs.end());
    std::sort(ys.begin(), ys.end());
    double s = 0;
    for (int i = 0; i < n; ++i) s += (static_cast<double>(xs[i]) - ys[i]) * (static_cast<double>(xs[i]) - ys[i]);
    CHECK(v == doctest::Approx(std::sqrt(s / n)).epsilon(1e-12));
  }
}

TEST_CASE("metrics: W2 equals brute force in 3-D") {
  for (int n = 1; n <= 7; ++n) {
    const Points x = normals(50 + n, 3L * n), y = normals(60 + n, 3L * n);
    double v = -1;
    REQUIRE(w2(x, y, 3, &v) == rill::Status::ok);
    CHECK(v == doctest::Approx(w2_brute(x, y, 3)).epsilon(1e-12));
  }
}

TEST_CASE("metrics: W2 refuses bad input and a short arena") {
  const Points x = {0, 1, 2, 3}, y = {1, 1, 2, 2};
  double v = 123;
  std::vector<unsigned char> mem(rill::w2_scratch(2) + 64);
  {
    rill::Arena arena(mem.data(), mem.size());
    CHECK(rill::w2_exact(x.data(), y.data(), 0, 2, arena, &v) == rill::Status::invalid_argument);
    CHECK(rill::w2_exact(x.data(), y.data(), 2, 0, arena, &v) == rill::Status::invalid_argument);
    CHECK(rill::w2_exact(nullptr, y.data(), 2, 2, arena, &v) == rill::Status::invalid_argument);
    CHECK(rill::w2_exact(x.data(), y.data(), 2, 2, arena, nullptr) == rill::Status::invalid_argument);
    Points bad = y;
    bad[3] = std::numeric_limits<float>::quiet_NaN();
    CHECK(rill::w2_exact(x.data(), bad.data(), 2, 2, arena, &v) == rill::Status::non_finite);
    bad[3] = std::numeric_limits<float>::infinity();
    CHECK(rill::w2_exact(bad.data(), x.data(), 2, 2, arena, &v) == rill::Status::non_finite);
    CHECK(v == 123);  // untouched on failure
    CHECK(arena.used() == 0);
  }
  // w2_scratch(n) bytes suffice at any base alignment; fewer fail cleanly.
  const int n = 20;
  const Points a = normals(1, 2 * n), b = normals(2, 2 * n);
  const std::size_t need = rill::w2_scratch(n);
  std::vector<unsigned char> big(need + 64);
  for (std::size_t offset = 0; offset < 64; offset += 7) {
    rill::Arena arena(big.data() + offset, need);
    CHECK(rill::w2_exact(a.data(), b.data(), n, 2, arena, &v) == rill::Status::ok);
    CHECK(arena.used() == 0);
  }
  for (std::size_t cap : {std::size_t{0}, std::size_t{64}, need / 2, need - 4096}) {
    rill::Arena arena(big.data(), cap);
    CHECK(rill::w2_exact(a.data(), b.data(), n, 2, arena, &v) == rill::Status::out_of_memory);
    CHECK(arena.used() == 0);
  }
}

// ---- class agreement, memorisation, closed-form densities (issues 12 and 13) ----

namespace {
std::vector<float> draw(rill::Dataset d, std::uint32_t seed, long n) {
  std::vector<float> x(static_cast<std::size_t>(2 * n));
  rill::Rng rng(seed, 7);
  rill::dataset_sample(d, rng, x.data(), n);
  return x;
}
}  // namespace

TEST_CASE("metrics: mmd2_bandwidths with formats.md's five bandwidths is mmd2") {
  const std::vector<float> a = draw(rill::Dataset::moons, 1, 300), b = draw(rill::Dataset::moons, 2, 250);
  const double h[5] = {0.1, 0.2, 0.5, 1, 2};
  CHECK(rill::mmd2_bandwidths(a.data(), 300, b.data(), 250, 2, h, 5) ==
        doctest::Approx(rill::mmd2(a.data(), 300, b.data(), 250, 2)).epsilon(1e-12));
  const double wide[3] = {2, 4, 8};
  const std::vector<float> far = draw(rill::Dataset::circles, 3, 250);
  CHECK(rill::mmd2_bandwidths(a.data(), 300, far.data(), 250, 2, wide, 3) > 0.01);
  CHECK(std::isnan(rill::mmd2_bandwidths(a.data(), 300, b.data(), 250, 2, h, 0)));
}

TEST_CASE("metrics: nearest_distances and the k-NN classifier, by hand") {
  const float ref[] = {0, 0, 1, 0, 5, 5, 6, 5, 5, 6};
  const std::int32_t labels[] = {0, 0, 1, 1, 2};
  const float x[] = {0.2f, 0.1f, 5.4f, 5.6f};
  double dist[2];
  rill::nearest_distances(ref, 5, x, 2, 2, dist);
  CHECK(dist[0] == doctest::Approx(std::sqrt(0.05)));
  CHECK(dist[1] == doctest::Approx(std::sqrt(0.4 * 0.4 + 0.4 * 0.4)));  // (5, 6)
  const std::int32_t want[] = {0, 1};
  // 1-NN: label 0, then (5, 6)'s label 2: one of two asked labels agrees
  CHECK(rill::knn_agreement(ref, labels, 5, x, 2, 2, 1, want, false) == 0.5);
  // 3-NN of (5.4, 5.6): (5, 6) label 2, (5, 5) label 1 at 0.72, (6, 5) label 1 at 0.85: two votes for 1
  CHECK(rill::knn_agreement(ref, labels, 5, x + 2, 1, 2, 3, want + 1, true) == 1.0);
  // 2-NN: one vote each for 2 and 1: the tie goes to the nearer, (5, 6)'s label 2
  const std::int32_t two = 2;
  CHECK(rill::knn_agreement(ref, labels, 5, x + 2, 1, 2, 2, &two, true) == 1.0);
  CHECK(std::isnan(rill::knn_agreement(ref, labels, 2, x, 2, 2, 3, want, false)));
}

TEST_CASE("metrics: a k-NN classifier on a labelled draw recovers the labels of another") {
  const long n = 4000;
  std::vector<float> ref(2 * n), test(2 * n);
  std::vector<std::int32_t> ref_labels(n), test_labels(n);
  for (rill::Dataset d : {rill::Dataset::eight_gaussians, rill::Dataset::checkerboard, rill::Dataset::moons}) {
    INFO(std::string(rill::dataset_name(d)));
    rill::DatasetDraw a, b;
    a.labels = ref_labels.data();
    b.labels = test_labels.data();
    rill::Rng r1(1, 1), r2(2, 1);
    rill::dataset_draw(d, r1, ref.data(), n, a);
    rill::dataset_draw(d, r2, test.data(), 1000, b);
    const double acc = rill::knn_agreement(ref.data(), ref_labels.data(), n, test.data(), 1000, 2, 5,
                                           test_labels.data(), false);
    MESSAGE(std::string(rill::dataset_name(d)) << ": 5-NN agreement on true draws " << acc);
    CHECK(acc > 0.98);
    const std::int32_t wrong = 1;  // everything asked for one class: only that class's share agrees
    CHECK(rill::knn_agreement(ref.data(), ref_labels.data(), n, test.data(), 1000, 2, 5, &wrong, true) < 0.6);
  }
}

TEST_CASE("metrics: closed-form target densities integrate to 1 and give the known entropies") {
  const int g = 400;
  const double lo = -8, cell = 16.0 / g;
  std::vector<float> grid(static_cast<std::size_t>(2 * g * g));
  for (int i = 0; i < g; ++i)
    for (int j = 0; j < g; ++j) {
      grid[2 * (static_cast<std::size_t>(i) * g + j)] = static_cast<float>(lo + (i + 0.5) * cell);
      grid[2 * (static_cast<std::size_t>(i) * g + j) + 1] = static_cast<float>(lo + (j + 0.5) * cell);
    }
  std::vector<double> lp(static_cast<std::size_t>(g * g));
  const double pi = 3.14159265358979323846;
  struct Case {
    rill::Dataset d;
    double entropy;
  } cases[] = {{rill::Dataset::gaussian, std::log(2 * pi * std::exp(1.0))},
               {rill::Dataset::checkerboard, std::log(32.0)},
               // eight well-separated modes: log 8 + the entropy of one N(0, 0.35² I)
               {rill::Dataset::eight_gaussians, std::log(8.0) + std::log(2 * pi * std::exp(1.0) * 0.35 * 0.35)}};
  for (const Case& c : cases) {
    INFO(std::string(rill::dataset_name(c.d)));
    REQUIRE(rill::target_log_density(c.d, grid.data(), g * g, lp.data()));
    double mass = 0;
    for (double v : lp) mass += std::exp(v) * cell * cell;
    CHECK(mass == doctest::Approx(1.0).epsilon(1e-3));
    const long n = 200000;
    const std::vector<float> x = draw(c.d, 5, n);
    std::vector<double> l(static_cast<std::size_t>(n));
    REQUIRE(rill::target_log_density(c.d, x.data(), n, l.data()));
    double h = 0;
    for (double v : l) {
      REQUIRE(std::isfinite(v));  // every drawn point is where the density is
      h -= v / n;
    }
    CHECK(h == doctest::Approx(c.entropy).epsilon(5e-3));
  }
  double out = 7;
  CHECK_FALSE(rill::target_log_density(rill::Dataset::moons, grid.data(), 1, &out));
  CHECK(out == 7);
  const float outside[2] = {1.0f, 1.0f};  // x1 = 0.5: column 0, parity 0, x2 = 0.5 ∈ [0, 1): inside
  const float hole[2] = {3.0f, 1.0f};     // x1 = 1.5: column 1, parity 1, x2 − 1 = −0.5: a hole
  REQUIRE(rill::target_log_density(rill::Dataset::checkerboard, outside, 1, &out));
  CHECK(out == doctest::Approx(-std::log(32.0)));
  REQUIRE(rill::target_log_density(rill::Dataset::checkerboard, hole, 1, &out));
  CHECK(std::isinf(out));
}
