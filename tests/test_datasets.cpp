// Tests for datasets: every target of shared/spec/datasets.md against its
// analytic distribution, plus names and determinism.
//
// How the analytic side is computed: each spec is written as a mixture of
// simple components (a Gaussian with independent coordinates, or a uniform
// box), exactly where the latent draw is discrete (8gaussians, checkerboard)
// and by a fine midpoint quadrature over the latent uniform draw otherwise
// (moons: u, circles: θ, spirals: n, swissroll: θ). From the mixture follow
// exact means, variances, covariance and the probability of any box. The
// draws (200k points each) are then checked against them with tolerances of
// 5 standard errors, the standard errors being estimated from the draw.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "rill/datasets.h"
#include "rill/rng.h"

using rill::Dataset;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr long kN = 200000;  // points per statistical check

// One mixture component: Gaussian (mean c, standard deviations s) or uniform
// box ([c, c + s) per coordinate).
struct Comp {
  double w;
  double cx, cy;
  double sx, sy;
  bool box;
  double mx() const { return box ? cx + 0.5 * sx : cx; }
  double my() const { return box ? cy + 0.5 * sy : cy; }
  double vx() const { return box ? sx * sx / 12.0 : sx * sx; }
  double vy() const { return box ? sy * sy / 12.0 : sy * sy; }
};

double normal_cdf(double z) {
  if (std::isinf(z)) return z > 0 ? 1.0 : 0.0;
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

// P(lo <= X < hi) for one coordinate of a component.
double interval_prob(double c, double s, bool box, double lo, double hi) {
  if (box) {
    const double a = std::fmax(lo, c), b = std::fmin(hi, c + s);
    return b > a ? (b - a) / s : 0.0;
  }
  return normal_cdf((hi - c) / s) - normal_cdf((lo - c) / s);
}

std::vector<Comp> model(Dataset d) {
  std::vector<Comp> m;
  const int M = 4000;  // quadrature nodes over a latent uniform
  switch (d) {
    case Dataset::gaussian:
      m.push_back({1.0, 0, 0, 1, 1, false});
      break;
    case Dataset::eight_gaussians:
      for (int k = 0; k < 8; ++k)
        m.push_back({1.0 / 8, 4 * std::cos(k * kPi / 4), 4 * std::sin(k * kPi / 4), 0.35, 0.35, false});
      break;
    case Dataset::moons:
      for (int b = 0; b < 2; ++b)
        for (int q = 0; q < M; ++q) {
          const double u = (q + 0.5) * kPi / M;
          const double px = b == 0 ? std::cos(u) : 1 - std::cos(u);
          const double py = b == 0 ? std::sin(u) : 0.5 - std::sin(u);
          m.push_back({0.5 / M, 2 * (px - 0.5), 2 * (py - 0.25), 0.2, 0.2, false});
        }
      break;
    case Dataset::checkerboard:
      // x1 in [i, i+1) (i = -2..1), parity p = floor(x1) mod 2, x2 in [p, p+1) or [p-2, p-1); scaled by 2.
      for (int i = -2; i <= 1; ++i) {
        const int p = ((i % 2) + 2) % 2;
        for (int b = 0; b < 2; ++b) m.push_back({1.0 / 8, 2.0 * i, 2.0 * (p - 2 * b), 2, 2, true});
      }
      break;
    case Dataset::circles:
      for (int b = 0; b < 2; ++b)
        for (int q = 0; q < M; ++q) {
          const double th = (q + 0.5) * 2 * kPi / M, r = b == 0 ? 3.0 : 1.5;
          m.push_back({0.5 / M, r * std::cos(th), r * std::sin(th), 0.24, 0.24, false});
        }
      break;
    case Dataset::spirals: {
      // n = 3π·sqrt(s) has density 2n/(3π)² on [0, 3π]; quadrature over n (smooth).
      const double top = 3 * kPi, dn = top / M;
      for (int q = 0; q < M; ++q) {
        const double n = (q + 0.5) * dn, w = 2 * n / (top * top) * dn * 0.5;
        const double ax = -n * std::cos(n), ay = n * std::sin(n);
        const double width = 0.5 / 3;
        m.push_back({w, ax / 3, ay / 3, width, width, true});                  // σ = +1
        m.push_back({w, (-ax - 0.5) / 3, (-ay - 0.5) / 3, width, width, true});  // σ = −1
      }
      break;
    }
    case Dataset::swissroll:
      for (int q = 0; q < M; ++q) {
        const double th = 1.5 * kPi + (q + 0.5) * 3 * kPi / M;
        m.push_back({1.0 / M, th * std::cos(th) / 5, th * std::sin(th) / 5, 0.2, 0.2, false});
      }
      break;
  }
  return m;
}

struct Moments {
  double mx = 0, my = 0, vxx = 0, vyy = 0, vxy = 0;
};

Moments model_moments(const std::vector<Comp>& m) {
  Moments r;
  for (const Comp& c : m) {
    r.mx += c.w * c.mx();
    r.my += c.w * c.my();
  }
  for (const Comp& c : m) {
    const double dx = c.mx() - r.mx, dy = c.my() - r.my;
    r.vxx += c.w * (dx * dx + c.vx());
    r.vyy += c.w * (dy * dy + c.vy());
    r.vxy += c.w * dx * dy;
  }
  return r;
}

std::vector<float> draw(Dataset d, std::uint32_t seed, long n) {
  std::vector<float> p(static_cast<std::size_t>(2 * n));
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::user);
  rill::dataset_sample(d, rng, p.data(), n);
  return p;
}

// Checks that the sample mean of g(x, y) equals `expected` within 5 standard errors.
template <class G>
void check_mean(const std::vector<float>& p, G g, double expected, const char* what) {
  const long n = static_cast<long>(p.size() / 2);
  double s = 0, s2 = 0;
  for (long i = 0; i < n; ++i) {
    const double v = g(static_cast<double>(p[2 * i]), static_cast<double>(p[2 * i + 1]));
    s += v;
    s2 += v * v;
  }
  const double mean = s / n, var = std::fmax(s2 / n - mean * mean, 0.0);
  const double se = std::sqrt(var / n);
  INFO(what << ": sample " << mean << ", expected " << expected << ", standard error " << se);
  CHECK(std::fabs(mean - expected) <= 5 * se + 1e-12);
}

void check_moments(Dataset d, const std::vector<float>& p, const Moments& e) {
  INFO(rill::dataset_name(d));
  check_mean(p, [](double x, double) { return x; }, e.mx, "mean x");
  check_mean(p, [](double, double y) { return y; }, e.my, "mean y");
  check_mean(p, [&](double x, double) { return (x - e.mx) * (x - e.mx); }, e.vxx, "var x");
  check_mean(p, [&](double, double y) { return (y - e.my) * (y - e.my); }, e.vyy, "var y");
  check_mean(p, [&](double x, double y) { return (x - e.mx) * (y - e.my); }, e.vxy, "cov xy");
}

// Histogram over a 12 × 12 grid (outer cells unbounded) against the model's
// cell probabilities: |count − N·p| <= 5·sqrt(N·p·(1−p)) + 3 per cell (the +3
// covers cells of nearly zero mass, where the normal approximation fails).
void check_grid(Dataset d, const std::vector<float>& p, double half_width) {
  constexpr int K = 12;
  double edge[K + 1];
  edge[0] = -INFINITY;
  edge[K] = INFINITY;
  for (int e = 1; e < K; ++e) edge[e] = -half_width + 2 * half_width * (e - 1) / (K - 2);
  const std::vector<Comp> m = model(d);
  double prob[K][K] = {};
  for (const Comp& c : m) {
    double px[K], py[K];
    for (int a = 0; a < K; ++a) {
      px[a] = interval_prob(c.cx, c.sx, c.box, edge[a], edge[a + 1]);
      py[a] = interval_prob(c.cy, c.sy, c.box, edge[a], edge[a + 1]);
    }
    for (int a = 0; a < K; ++a)
      for (int b = 0; b < K; ++b) prob[a][b] += c.w * px[a] * py[b];
  }
  long count[K][K] = {};
  const long n = static_cast<long>(p.size() / 2);
  auto cell = [&](double v) {
    int a = 0;
    while (a + 1 < K && v >= edge[a + 1]) ++a;
    return a;
  };
  for (long i = 0; i < n; ++i) ++count[cell(p[2 * i])][cell(p[2 * i + 1])];
  int bad = 0;
  for (int a = 0; a < K; ++a)
    for (int b = 0; b < K; ++b) {
      const double expect = n * prob[a][b];
      const double tol = 5 * std::sqrt(expect * (1 - prob[a][b])) + 3;
      if (std::fabs(count[a][b] - expect) > tol) {
        ++bad;
        MESSAGE(rill::dataset_name(d) << " cell (" << a << ", " << b << "): " << count[a][b] << " points, expected "
                                      << expect << " ± " << tol);
      }
    }
  CHECK(bad == 0);
}

struct Case {
  Dataset d;
  double half_width;  // of the finite part of the histogram grid
};
constexpr Case kCases[] = {
    {Dataset::gaussian, 2.5},  {Dataset::eight_gaussians, 4.5}, {Dataset::moons, 2.5}, {Dataset::checkerboard, 5.0},
    {Dataset::circles, 3.5},   {Dataset::spirals, 3.5},         {Dataset::swissroll, 3.0},
};

}  // namespace

TEST_CASE("datasets: names round-trip and unknown names are refused") {
  const char* names[rill::kDatasetCount] = {"gaussian", "8gaussians", "moons",    "checkerboard",
                                            "circles",  "spirals",    "swissroll"};
  for (int i = 0; i < rill::kDatasetCount; ++i) {
    const Dataset d = static_cast<Dataset>(i);
    CHECK(std::strcmp(rill::dataset_name(d), names[i]) == 0);
    Dataset back = Dataset::gaussian;
    REQUIRE(rill::parse_dataset(names[i], &back));
    CHECK(back == d);
  }
  for (const char* bad : {"", "Moons", "moons ", " moons", "8gaussian", "eight_gaussians", "swiss_roll", "unknown"}) {
    Dataset out = Dataset::circles;
    CHECK_FALSE(rill::parse_dataset(bad, &out));
    CHECK(out == Dataset::circles);  // left alone
  }
  CHECK_FALSE(rill::parse_dataset(nullptr, nullptr));
  CHECK(std::strcmp(rill::dataset_name(static_cast<Dataset>(99)), "unknown") == 0);
  CHECK(std::strcmp(rill::dataset_name(static_cast<Dataset>(-1)), "unknown") == 0);
}

TEST_CASE("datasets: the analytic model reproduces the closed-form moments of the spec") {
  // Closed forms derived by hand from shared/spec/datasets.md; they check the
  // quadrature model that the statistical tests below rely on.
  struct Closed {
    Dataset d;
    Moments m;
  };
  const Closed closed[] = {
      {Dataset::gaussian, {0, 0, 1, 1, 0}},
      // 16·E[cos²(kπ/4)] + 0.35² = 8 + 0.1225
      {Dataset::eight_gaussians, {0, 0, 8.1225, 8.1225, 0}},
      // p mean (0.5, 0.25); var px = 1 − 0.25 = 0.75, var py = 0.625 − 1/π − 0.0625,
      // cov = 0.125 − 1/π; plus noise 0.01; all scaled by 4.
      {Dataset::moons, {0, 0, 4 * 0.76, 4 * (0.5625 - 1 / kPi + 0.01), 4 * (0.125 - 1 / kPi)}},
      // x1, x2 marginally U(−2, 2); E[x1·x2] = E[x1·(floor(x1) mod 2)] = 1/4; scaled by 2.
      {Dataset::checkerboard, {0, 0, 16.0 / 3, 16.0 / 3, 1.0}},
      // E[r²]/2 + 0.24² with r² ∈ {9, 2.25}
      {Dataset::circles, {0, 0, 2.8125 + 0.0576, 2.8125 + 0.0576, 0}},
      // E[θ cos θ] = 2, E[θ sin θ] = 2/(3π) for θ ~ U(1.5π, 4.5π); /5
      {Dataset::swissroll, {0.4, 2 / (15 * kPi), NAN, NAN, NAN}},
      // symmetric under x → −x
      {Dataset::spirals, {0, 0, NAN, NAN, NAN}},
  };
  for (const Closed& c : closed) {
    INFO(rill::dataset_name(c.d));
    const Moments m = model_moments(model(c.d));
    CHECK(m.mx == doctest::Approx(c.m.mx).epsilon(1e-6).scale(1));
    CHECK(m.my == doctest::Approx(c.m.my).epsilon(1e-6).scale(1));
    if (!std::isnan(c.m.vxx)) {
      CHECK(m.vxx == doctest::Approx(c.m.vxx).epsilon(1e-6));
      CHECK(m.vyy == doctest::Approx(c.m.vyy).epsilon(1e-6));
      CHECK(m.vxy == doctest::Approx(c.m.vxy).epsilon(1e-6).scale(1));
    }
  }
}

TEST_CASE("datasets: means, variances and covariance match the spec") {
  for (const Case& c : kCases) {
    const std::vector<float> p = draw(c.d, 11 + static_cast<std::uint32_t>(c.d), kN);
    check_moments(c.d, p, model_moments(model(c.d)));
  }
}

TEST_CASE("datasets: the distribution over a grid of cells matches the spec") {
  for (const Case& c : kCases) {
    const std::vector<float> p = draw(c.d, 101 + static_cast<std::uint32_t>(c.d), kN);
    check_grid(c.d, p, c.half_width);
  }
}

TEST_CASE("datasets: shape-specific checks") {
  SUBCASE("8gaussians: eight equally likely modes of standard deviation 0.35") {
    const std::vector<float> p = draw(Dataset::eight_gaussians, 7, kN);
    double cx[8], cy[8];
    for (int j = 0; j < 8; ++j) {
      cx[j] = 4 * std::cos(j * kPi / 4);
      cy[j] = 4 * std::sin(j * kPi / 4);
    }
    auto nearest = [&](double x, double y) {
      int best = 0;
      double bd = INFINITY;
      for (int j = 0; j < 8; ++j) {
        const double dx = x - cx[j], dy = y - cy[j];
        if (dx * dx + dy * dy < bd) {
          bd = dx * dx + dy * dy;
          best = j;
        }
      }
      return best;
    };
    std::vector<int> mode(static_cast<std::size_t>(kN));
    for (long i = 0; i < kN; ++i) mode[static_cast<std::size_t>(i)] = nearest(p[2 * i], p[2 * i + 1]);
    {
      // Per coordinate, pooled over modes: E[(x − c_x)²] = E[(y − c_y)²] = 0.35².
      std::vector<float> dev(static_cast<std::size_t>(2 * kN));
      for (long i = 0; i < kN; ++i) {
        const int k = mode[static_cast<std::size_t>(i)];
        dev[2 * i] = static_cast<float>(p[2 * i] - cx[k]);
        dev[2 * i + 1] = static_cast<float>(p[2 * i + 1] - cy[k]);
      }
      check_mean(dev, [](double x, double) { return x * x; }, 0.1225, "x spread within modes");
      check_mean(dev, [](double, double y) { return y * y; }, 0.1225, "y spread within modes");
    }
    for (int k = 0; k < 8; ++k) {
      INFO("mode " << k);
      // Indicator and spread of mode k, as functions of the point's index.
      std::vector<float> ind(static_cast<std::size_t>(2 * kN)), spread(static_cast<std::size_t>(2 * kN));
      for (long i = 0; i < kN; ++i) {
        const bool in = mode[static_cast<std::size_t>(i)] == k;
        const double dx = p[2 * i] - cx[k], dy = p[2 * i + 1] - cy[k];
        ind[2 * i] = in ? 1.0f : 0.0f;
        spread[2 * i] = in ? static_cast<float>(dx * dx + dy * dy) : 0.0f;
      }
      check_mean(ind, [](double v, double) { return v; }, 1.0 / 8, "mode share");
      // E[‖x − centre‖²·1{mode k}] = (1/8)·2·0.35² (a wrong mode needs a 4σ excursion: negligible)
      check_mean(spread, [](double v, double) { return v; }, 2 * 0.1225 / 8, "spread around the mode");
    }
  }
  SUBCASE("checkerboard: every point lies in one of the eight filled squares") {
    const std::vector<float> p = draw(Dataset::checkerboard, 8, kN);
    long outside = 0;
    long per_square[4][4] = {};
    for (long i = 0; i < kN; ++i) {
      const float x = p[2 * i], y = p[2 * i + 1];
      if (!(x >= -4 && x < 4 && y >= -4 && y < 4)) {
        ++outside;
        continue;
      }
      const int a = static_cast<int>(std::floor(x / 2)), b = static_cast<int>(std::floor(y / 2));
      if (((a + b) % 2 + 2) % 2 != 0) ++outside;  // an empty square
      ++per_square[a + 2][b + 2];
    }
    CHECK(outside == 0);
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) {
        if ((a + b) % 2 != 0) continue;
        const double share = static_cast<double>(per_square[a][b]) / kN, se = std::sqrt(0.125 * 0.875 / kN);
        CHECK(std::fabs(share - 0.125) <= 5 * se);
      }
  }
  SUBCASE("circles: two rings, radii 3 and 1.5") {
    const std::vector<float> p = draw(Dataset::circles, 9, kN);
    const double s2 = 0.24 * 0.24;
    // E‖x‖² = E[r²] + 2σ²; E‖x‖⁴ = E[r⁴ + 8r²σ² + 8σ⁴].
    check_mean(p, [](double x, double y) { return x * x + y * y; }, 0.5 * (9 + 2.25) + 2 * s2, "E|x|^2");
    auto r4 = [&](double r) { return r * r * r * r + 8 * r * r * s2 + 8 * s2 * s2; };
    check_mean(
        p, [](double x, double y) { return (x * x + y * y) * (x * x + y * y); }, 0.5 * (r4(3) + r4(1.5)),
        "E|x|^4");
  }
  SUBCASE("moons, spirals: symmetric under x -> -x (the two halves mirror each other)") {
    for (Dataset d : {Dataset::moons, Dataset::spirals}) {
      INFO(rill::dataset_name(d));
      const std::vector<float> p = draw(d, 10, kN);
      check_mean(p, [](double x, double) { return x * x * x; }, 0, "E x^3");
      check_mean(p, [](double, double y) { return y * y * y; }, 0, "E y^3");
      check_mean(p, [](double x, double y) { return x * x * y; }, 0, "E x^2 y");
      check_mean(p, [](double x, double y) { return x * y * y; }, 0, "E x y^2");
    }
  }
}

TEST_CASE("datasets: draws are deterministic and chunking does not change them") {
  const long n = 1000;
  for (int i = 0; i < rill::kDatasetCount; ++i) {
    const Dataset d = static_cast<Dataset>(i);
    INFO(rill::dataset_name(d));
    const std::vector<float> a = draw(d, 42, n), b = draw(d, 42, n), c = draw(d, 43, n);
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)) != 0);
    for (float v : a) CHECK(std::isfinite(v));
    // 333 + 667 points over two calls on one Rng give the same bits as 1000 at once.
    std::vector<float> parts(static_cast<std::size_t>(2 * n));
    rill::Rng rng = rill::Rng::derive(42, rill::Purpose::user);
    rill::dataset_sample(d, rng, parts.data(), 333);
    rill::dataset_sample(d, rng, parts.data() + 2 * 333, n - 333);
    CHECK(std::memcmp(a.data(), parts.data(), a.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("datasets: each point takes dataset_draws_per_point draws, so advanced copies draw ranges side by side") {
  const long n = 999;
  for (int i = 0; i < rill::kDatasetCount; ++i) {
    const Dataset d = static_cast<Dataset>(i);
    INFO(rill::dataset_name(d));
    const int per = rill::dataset_draws_per_point(d);
    CHECK(per > 0);
    const std::vector<float> a = draw(d, 42, n);
    // three ranges, each from a copy of the stream advanced by the draws before it
    std::vector<float> parts(static_cast<std::size_t>(2 * n));
    const rill::Rng base = rill::Rng::derive(42, rill::Purpose::user);
    const long cuts[] = {0, 100, 637, n};
    for (int c = 0; c < 3; ++c) {
      rill::Rng r = base;
      r.advance(static_cast<std::uint64_t>(per) * cuts[c]);
      rill::dataset_sample(d, r, parts.data() + 2 * cuts[c], cuts[c + 1] - cuts[c]);
      CHECK_FALSE(r.has_spare());
    }
    CHECK(std::memcmp(a.data(), parts.data(), a.size() * sizeof(float)) == 0);
    // and the stream ends where per × n draws take it
    rill::Rng whole = base, skipped = base;
    std::vector<float> tmp(static_cast<std::size_t>(2 * n));
    rill::dataset_sample(d, whole, tmp.data(), n);
    skipped.advance(static_cast<std::uint64_t>(per) * n);
    CHECK(whole.next_u32() == skipped.next_u32());
  }
  CHECK(rill::dataset_draws_per_point(static_cast<Dataset>(99)) == 0);
}

TEST_CASE("datasets: n <= 0 draws nothing; a value outside the enum gives zeros") {
  float buf[4] = {7, 7, 7, 7};
  rill::Rng rng(1, 2);
  const rill::Rng before = rng;
  rill::dataset_sample(Dataset::moons, rng, buf, 0);
  rill::dataset_sample(Dataset::moons, rng, buf, -5);
  for (float v : buf) CHECK(v == 7.0f);
  rill::Rng r1 = before, r2 = rng;
  CHECK(r1.next_u32() == r2.next_u32());  // no draw was consumed
  rill::dataset_sample(static_cast<Dataset>(42), rng, buf, 2);
  for (float v : buf) CHECK(v == 0.0f);
}

TEST_CASE("datasets: checkerboard bits are pinned (integer RNG and exact float operations only)") {
  // checkerboard uses no transcendental function, so its bits are fixed by
  // the RNG and the draw order alone: this hash changes only if one of them
  // does (which then must be deliberate, see formats.md, Golden vectors).
  const std::vector<float> p = draw(Dataset::checkerboard, 2024, 1000);
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a 64 over the little-endian bytes
  for (float v : p) {
    std::uint32_t u;
    std::memcpy(&u, &v, sizeof u);
    for (int b = 0; b < 4; ++b) {
      h ^= (u >> (8 * b)) & 0xffu;
      h *= 1099511628211ULL;
    }
  }
  CHECK(h == 0x5863E2C804DD3A6EULL);
}

// ---- labels and one-class draws (datasets.md, "Labels") ----

namespace {

// The label the geometry of a point says, for the labelled targets with
// well-separated classes: the nearest centre, the moon, the ring, the arm, the
// square (checkerboard: column floor(x1) and the b of x2').
int label_from_point(Dataset d, float x, float y) {
  switch (d) {
    case Dataset::eight_gaussians: {
      int best = 0;
      double bd = 1e30;
      for (int k = 0; k < 8; ++k) {
        const double dx = x - 4 * std::cos(k * kPi / 4), dy = y - 4 * std::sin(k * kPi / 4);
        if (dx * dx + dy * dy < bd) bd = dx * dx + dy * dy, best = k;
      }
      return best;
    }
    case Dataset::checkerboard: {
      const int col = static_cast<int>(std::floor(x / 2.0));          // floor(x1), x1 = x / 2 exactly
      const int parity = ((col % 2) + 2) % 2;
      const int b = (y / 2.0 - parity) < 0 ? 1 : 0;                   // x2' < 0 iff b = 1
      return 2 * (col + 2) + b;
    }
    case Dataset::circles: return std::sqrt(double(x) * x + double(y) * y) > 2.25 ? 0 : 1;
    default: return -1;
  }
}

std::vector<float> draw_with(Dataset d, std::uint32_t seed, long n, const rill::DatasetDraw& how) {
  std::vector<float> out(static_cast<std::size_t>(2 * n));
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::user);
  rill::dataset_draw(d, rng, out.data(), n, how);
  return out;
}

}  // namespace

TEST_CASE("datasets: class counts and condition widths are those of the spec") {
  const int classes[] = {0, 8, 2, 8, 2, 2, 0};  // gaussian, 8gaussians, moons, checkerboard, circles, spirals, swissroll
  for (int i = 0; i < rill::kDatasetCount; ++i) {
    const Dataset d = static_cast<Dataset>(i);
    INFO(rill::dataset_name(d));
    CHECK(rill::dataset_classes(d) == classes[i]);
    CHECK(rill::dataset_condition_dim(d) == (d == Dataset::swissroll ? 1 : 0));
  }
}

TEST_CASE("datasets: a labelled draw gives the points of an unlabelled one, and labels that fit the points") {
  const long n = 20000;
  for (int i = 0; i < rill::kDatasetCount; ++i) {
    const Dataset d = static_cast<Dataset>(i);
    INFO(rill::dataset_name(d));
    std::vector<std::int32_t> labels(static_cast<std::size_t>(n), -7);
    std::vector<float> cond(static_cast<std::size_t>(n), -7.0f);
    rill::DatasetDraw how;
    how.labels = labels.data();
    how.condition = cond.data();
    const std::vector<float> plain = draw(d, 5, n), labelled = draw_with(d, 5, n, how);
    CHECK(std::memcmp(plain.data(), labelled.data(), plain.size() * sizeof(float)) == 0);
    const int C = rill::dataset_classes(d);
    std::vector<long> count(static_cast<std::size_t>(C > 0 ? C : 1), 0);
    long agree = 0;
    for (long p = 0; p < n; ++p) {
      const std::int32_t l = labels[static_cast<std::size_t>(p)];
      if (C == 0) {
        CHECK(l == -7);  // unlabelled: untouched
        continue;
      }
      REQUIRE(l >= 0);
      REQUIRE(l < C);
      ++count[static_cast<std::size_t>(l)];
      const int g = label_from_point(d, plain[2 * p], plain[2 * p + 1]);
      agree += g < 0 || g == l;
    }
    if (C > 0) {
      for (long c : count) CHECK(std::fabs(c - double(n) / C) < 5 * std::sqrt(double(n) / C));  // uniform classes
      // checkerboard's squares are exact; the Gaussians and rings overlap a little
      if (d == Dataset::checkerboard) CHECK(agree == n);
      else CHECK(agree >= n * 0.99);
    }
    if (d == Dataset::swissroll) {
      // s is the position along the roll: the point lies at angle θ = 1.5π(1 + 2s) up to its noise
      double err = 0;
      for (long p = 0; p < n; ++p) {
        const double s = cond[static_cast<std::size_t>(p)];
        REQUIRE(s >= 0.0);
        REQUIRE(s < 1.0);
        const double th = 1.5 * kPi * (1 + 2 * s);
        err += std::hypot(5 * plain[2 * p] - th * std::cos(th), 5 * plain[2 * p + 1] - th * std::sin(th));
      }
      CHECK(err / n == doctest::Approx(std::sqrt(kPi / 2)).epsilon(0.05));  // E|N(0, I₂)| = √(π/2)
    } else {
      for (float v : cond) CHECK(v == -7.0f);
    }
  }
}

TEST_CASE("datasets: a one-class draw takes the same draws, and keeps the bits of the points that had that class") {
  const long n = 4000;
  for (int i = 0; i < rill::kDatasetCount; ++i) {
    const Dataset d = static_cast<Dataset>(i);
    const int C = rill::dataset_classes(d);
    for (int k = 0; k < C; ++k) {
      INFO(rill::dataset_name(d) << " class " << k);
      std::vector<std::int32_t> free_labels(static_cast<std::size_t>(n)), labels(static_cast<std::size_t>(n), -1);
      rill::DatasetDraw free_how, how;
      free_how.labels = free_labels.data();
      how.cls = k;
      how.labels = labels.data();
      const std::vector<float> all = draw_with(d, 9, n, free_how), one = draw_with(d, 9, n, how);
      long same = 0, had = 0;
      for (long p = 0; p < n; ++p) {
        REQUIRE(labels[static_cast<std::size_t>(p)] == k);
        const int g = label_from_point(d, one[2 * p], one[2 * p + 1]);
        if (d == Dataset::checkerboard) REQUIRE(g == k);  // the square of class k, exactly
        if (free_labels[static_cast<std::size_t>(p)] == k) {
          ++had;
          same += std::memcmp(&all[2 * p], &one[2 * p], 2 * sizeof(float)) == 0;
        }
      }
      CHECK(had > 0);
      if (d != Dataset::checkerboard) CHECK(same == had);  // checkerboard redraws x1 within the column
      // and the stream ends where an unlabelled draw leaves it
      rill::Rng a = rill::Rng::derive(9, rill::Purpose::user), b = a;
      std::vector<float> tmp(static_cast<std::size_t>(2 * n));
      rill::dataset_draw(d, a, tmp.data(), n, how);
      rill::dataset_sample(d, b, tmp.data(), n);
      CHECK(a.next_u32() == b.next_u32());
    }
  }
}

TEST_CASE("datasets: one-class draws of moons, circles and spirals follow their component") {
  const long n = 20000;
  for (int b = 0; b < 2; ++b) {
    rill::DatasetDraw how;
    how.cls = b;
    const std::vector<float> m = draw_with(Dataset::moons, 3, n, how);
    const std::vector<float> c = draw_with(Dataset::circles, 3, n, how);
    const std::vector<float> s = draw_with(Dataset::spirals, 3, n, how);
    double my = 0, r = 0, sx = 0;
    for (long p = 0; p < n; ++p) {
      my += m[2 * p + 1];
      r += std::hypot(c[2 * p], c[2 * p + 1]);
      sx += s[2 * p] + s[2 * p + 1];
    }
    my /= n, r /= n, sx /= n;
    // moons: E[y] = 2·(2/π − 0.25) for the upper moon, 2·(0.5 − 2/π − 0.25) for the lower
    CHECK(my == doctest::Approx(b == 0 ? 2 * (2 / kPi - 0.25) : 2 * (0.25 - 2 / kPi)).epsilon(0.02));
    CHECK(r == doctest::Approx(b == 0 ? 3.0 : 1.5).epsilon(0.02));  // the ring's radius (+ a little noise)
    CHECK((b == 0 ? sx > 0 : sx < 0));                              // σ = +1 for arm 0, −1 for arm 1
  }
}

// ---- finite sets (digits) ----

TEST_CASE("datasets: a finite set draws rows by (u · count) >> 32, one draw per point; one class from its own rows") {
  // Ten rows of 3 values; row r holds (r, 10r, 100r); labels r mod 3.
  const long count = 10;
  std::vector<float> rows(30);
  std::vector<std::int32_t> labels(count);
  for (long r = 0; r < count; ++r) {
    rows[3 * r] = float(r), rows[3 * r + 1] = 10.0f * r, rows[3 * r + 2] = 100.0f * r;
    labels[r] = static_cast<std::int32_t>(r % 3);
  }
  std::vector<std::int32_t> by_class(count);
  long start[4];
  REQUIRE(rill::finite_set_index(labels.data(), count, 3, by_class.data(), start));
  CHECK(start[0] == 0);
  CHECK(start[1] == 4);  // rows 0, 3, 6, 9
  CHECK(start[2] == 7);  // 1, 4, 7
  CHECK(start[3] == 10); // 2, 5, 8
  const std::int32_t want_order[] = {0, 3, 6, 9, 1, 4, 7, 2, 5, 8};
  for (long i = 0; i < count; ++i) CHECK(by_class[i] == want_order[i]);
  rill::FiniteSet s;
  s.rows = rows.data(), s.labels = labels.data(), s.count = count, s.dim = 3, s.classes = 3;
  s.by_class = by_class.data(), s.class_start = start;

  const long n = 2000;
  std::vector<float> out(3 * n);
  std::vector<std::int32_t> got(n);
  rill::DatasetDraw how;
  how.labels = got.data();
  rill::Rng rng(5, 5), check = rng;
  REQUIRE(rill::finite_set_draw(s, rng, out.data(), n, how));
  std::vector<long> hits(count, 0);
  for (long i = 0; i < n; ++i) {
    const std::uint64_t u = check.next_u32();
    const long row = static_cast<long>((u * count) >> 32);
    REQUIRE(out[3 * i] == float(row));
    REQUIRE(out[3 * i + 2] == 100.0f * row);
    REQUIRE(got[i] == labels[row]);
    ++hits[row];
  }
  CHECK(rng.next_u32() == check.next_u32());  // exactly one draw per point
  for (long h : hits) CHECK(std::fabs(h - 200.0) < 5 * std::sqrt(200.0));

  how.cls = 1;  // rows 1, 4, 7 only
  rill::Rng r1(6, 6), r1check = r1;
  REQUIRE(rill::finite_set_draw(s, r1, out.data(), n, how));
  for (long i = 0; i < n; ++i) {
    const std::uint64_t u = r1check.next_u32();
    const long row = want_order[4 + static_cast<long>((u * 3) >> 32)];
    REQUIRE(out[3 * i] == float(row));
    REQUIRE(got[i] == 1);
  }
  labels[3] = 7;  // out of range
  CHECK_FALSE(rill::finite_set_index(labels.data(), count, 3, by_class.data(), start));
}
