// Tests for density: log-likelihood by the divergence carried as one more
// solver state, against closed forms — the linear field (log p_t exact:
// trace A) and the exact 8gaussians field (log p_1 = the mixture's density) —
// and the mixture field's divergence against finite differences.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "rill/datasets.h"
#include "rill/density.h"
#include "rill/field.h"
#include "rill/rng.h"

using namespace rill;

namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<unsigned char> g_mem(1 << 22);
Arena scratch() { return Arena(g_mem.data(), g_mem.size()); }

// log of the 8gaussians mixture density at (x, y), in double.
double log_mixture(double x, double y) {
  const double s2 = 0.35 * 0.35;
  double best = -1e300, l[8];
  for (int k = 0; k < 8; ++k) {
    const double dx = x - 4 * std::cos(k * kPi / 4), dy = y - 4 * std::sin(k * kPi / 4);
    l[k] = std::log(1.0 / 8) - std::log(2 * kPi * s2) - 0.5 * (dx * dx + dy * dy) / s2;
    best = std::fmax(best, l[k]);
  }
  double sum = 0;
  for (double v : l) sum += std::exp(v - best);
  return best + std::log(sum);
}

std::vector<float> eight_gaussians_points(long n, std::uint32_t seed) {
  std::vector<float> x(static_cast<std::size_t>(2 * n));
  Rng rng = Rng::derive(seed, Purpose::user);
  dataset_sample(Dataset::eight_gaussians, rng, x.data(), n);
  return x;
}

}  // namespace

TEST_CASE("density: the linear field's log p_t is exact: log N(exp(−tA)x) − t·trace A") {
  const float A[4] = {-0.5f, -2.0f, 1.5f, 0.3f};
  const LinearField f(A, 2);
  const float x[6] = {0.3f, -1.2f, 2.0f, 0.5f, -0.7f, -0.1f};
  for (float t : {1.0f, 0.5f}) {
    float logp[3];
    Arena a = scratch();
    REQUIRE(log_prob(f, Solver::rk4, 64, x, 3, t, logp, a) == Status::ok);
    CHECK(a.used() == 0);  // scratch given back
    float E[4];
    matrix_exp_2x2(A, -t, E);  // exp(−tA): the flow backwards
    for (int r = 0; r < 3; ++r) {
      const double x0 = E[0] * x[2 * r] + E[1] * x[2 * r + 1], y0 = E[2] * x[2 * r] + E[3] * x[2 * r + 1];
      const double want = -0.5 * (x0 * x0 + y0 * y0) - std::log(2 * kPi) - t * (A[0] + A[3]);
      CHECK(logp[r] == doctest::Approx(want).epsilon(1e-5));
    }
  }
}

TEST_CASE("density: the mixture field's divergence equals central differences, and its u keeps eval's bits") {
  const EightGaussians eg;
  const GaussianMixtureField f = eg.field();
  const std::vector<float> x = eight_gaussians_points(200, 3);
  Arena a = scratch();
  for (float t : {0.0f, 0.3f, 0.8f, 1.0f}) {
    std::vector<float> u(x.size()), u2(x.size()), div(200);
    REQUIRE(f.eval(x.data(), 200, t, u.data(), a) == Status::ok);
    REQUIRE(f.eval_divergence(x.data(), 200, t, u2.data(), div.data(), a) == Status::ok);
    CHECK(std::memcmp(u.data(), u2.data(), u.size() * sizeof(float)) == 0);
    for (int r = 0; r < 200; ++r) {
      double fd = 0;
      for (int i = 0; i < 2; ++i) {
        const double h = 1e-2;
        float p[2] = {x[2 * r], x[2 * r + 1]}, m[2] = {x[2 * r], x[2 * r + 1]}, up[2], um[2];
        p[i] += static_cast<float>(h);
        m[i] -= static_cast<float>(h);
        REQUIRE(f.eval(p, 1, t, up, a) == Status::ok);
        REQUIRE(f.eval(m, 1, t, um, a) == Status::ok);
        fd += (up[i] - um[i]) / (static_cast<double>(p[i]) - m[i]);
      }
      INFO("t = " << t << ", row " << r);
      CHECK(div[r] == doctest::Approx(fd).epsilon(2e-3).scale(std::fabs(fd) + 1.0));
    }
  }
}

TEST_CASE("density: exact 8gaussians field, RK4/64: log p_1 equals the mixture's log-density within 1e-3 nats") {
  const EightGaussians eg;
  const GaussianMixtureField f = eg.field();
  const long n = 1000;
  const std::vector<float> x = eight_gaussians_points(n, 7);
  std::vector<float> logp(static_cast<std::size_t>(n));
  Arena a = scratch();
  REQUIRE(log_prob(f, Solver::rk4, 64, x.data(), static_cast<int>(n), 1.0f, logp.data(), a) == Status::ok);
  double worst = 0, nll = 0, entropy = 0;
  for (long r = 0; r < n; ++r) {
    const double want = log_mixture(x[2 * r], x[2 * r + 1]);
    worst = std::fmax(worst, std::fabs(logp[r] - want));
    nll -= logp[r] / n;
    entropy -= want / n;
  }
  MESSAGE("exact 8gaussians, RK4/64, 1000 points: max |log p − log p_data| = " << worst << " nats; NLL " << nll
                                                                                 << ", entropy " << entropy);
  CHECK(worst < 1e-3);
}

TEST_CASE("density: RK4's log-likelihood error falls as h⁴ on the exact 8gaussians field") {
  const EightGaussians eg;
  const GaussianMixtureField f = eg.field();
  const std::vector<float> x = eight_gaussians_points(64, 9);
  std::vector<double> err;
  const int steps[] = {8, 16, 32};
  for (int s : steps) {
    std::vector<float> logp(64);
    Arena a = scratch();
    REQUIRE(log_prob(f, Solver::rk4, s, x.data(), 64, 1.0f, logp.data(), a) == Status::ok);
    double e = 0;
    for (int r = 0; r < 64; ++r) e += std::fabs(logp[r] - log_mixture(x[2 * r], x[2 * r + 1])) / 64;
    err.push_back(e);
  }
  const double order1 = std::log2(err[0] / err[1]), order2 = std::log2(err[1] / err[2]);
  MESSAGE("RK4 log-likelihood errors at 8, 16, 32 steps: " << err[0] << ", " << err[1] << ", " << err[2]
                                                           << "; orders " << order1 << ", " << order2);
  // Measured 4.8 then 4.5: fourth order, approached from above at these step
  // counts (at 64 steps float rounding, ~1e-6, starts to show).
  CHECK(order1 > 3.5);
  CHECK(order2 > 3.5);
  CHECK(order2 < 5.0);
}

TEST_CASE("density: non_finite_count names the bad points") {
  const float v[6] = {1, NAN, 2, INFINITY, -INFINITY, 0};
  long first[2];
  CHECK(non_finite_count(v, 6, first, 2) == 3);
  CHECK(first[0] == 1);
  CHECK(first[1] == 3);
  CHECK(non_finite_count(v, 1, nullptr, 0) == 0);
}

TEST_CASE("density: an Mlp field's p_1 is a density: it integrates to 1 over the plane") {
  // Any field's flow carries N(0, I) to a distribution; its log p_1 from the
  // exact divergence must integrate to 1. A random (untrained) network with
  // large enough weights to bend the flow; a 160 × 160 midpoint grid on [−8, 8]².
  MlpSpec spec = MlpSpec::make(2, 32, 2, Activation::silu, TimeEmbedding{2});
  std::vector<float> params(spec.param_count());
  Rng rng(21, 9);
  mlp_init(spec, params.data(), rng);
  for (float& p : params) p *= 2.0f;
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  const MlpDivergenceField field(mlp);
  const int g = 160;
  const double lo = -8.0, cell = 16.0 / g;
  std::vector<float> x(static_cast<std::size_t>(2 * g * g));
  for (int i = 0; i < g; ++i)
    for (int j = 0; j < g; ++j) {
      x[2 * (static_cast<std::size_t>(i) * g + j)] = static_cast<float>(lo + (i + 0.5) * cell);
      x[2 * (static_cast<std::size_t>(i) * g + j) + 1] = static_cast<float>(lo + (j + 0.5) * cell);
    }
  std::vector<float> logp(static_cast<std::size_t>(g * g));
  std::vector<unsigned char> mem(log_prob_scratch(field, Solver::rk4, g * g));
  Arena a(mem.data(), mem.size());
  REQUIRE(log_prob(field, Solver::rk4, 32, x.data(), g * g, 1.0f, logp.data(), a) == Status::ok);
  double mass = 0, mean_x = 0;
  for (int q = 0; q < g * g; ++q) {
    mass += std::exp(double(logp[static_cast<std::size_t>(q)])) * cell * cell;
    mean_x += std::exp(double(logp[static_cast<std::size_t>(q)])) * cell * cell * x[2 * static_cast<std::size_t>(q)];
  }
  MESSAGE("∫ p_1 over [−8, 8]² = " << mass << " (mean x " << mean_x << ")");
  CHECK(mass == doctest::Approx(1.0).epsilon(2e-3));
  CHECK(std::fabs(mean_x) > 0.05);  // the flow moved the mass: not N(0, I) itself
}
