// Vector fields: the Gaussian-mixture field in closed form, checked against
// the one-Gaussian formula of datasets.md and by sampling 8gaussians with it.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "rill/datasets.h"
#include "rill/field.h"
#include "rill/mathf.h"
#include "rill/rng.h"
#include "rill/mlp.h"
#include "rill/solver.h"

using namespace rill;

namespace {
// |got/want − 1| < tol: a relative check (doctest::Approx's default scale of 1
// would make epsilon(0.05) allow ±0.056 on values of 0.12).
bool within(double got, double want, double tol) { return std::fabs(got / want - 1.0) < tol; }
}  // namespace

TEST_CASE("one standard Gaussian: u_t(x) = (2t − 1)/(t² + (1 − t)²)·x (datasets.md, `gaussian`)") {
  const float mean[2] = {0, 0}, std1[1] = {1}, w[1] = {1};
  GaussianMixtureField f(mean, std1, w, 1, 2);
  Arena none;
  for (float t : {0.0f, 0.1f, 0.5f, 0.9f, 1.0f}) {
    const float x[4] = {1.5f, -0.5f, 0.0f, 3.0f};
    float u[4];
    REQUIRE(f.eval(x, 2, t, u, none) == Status::ok);
    const double g = (2.0 * t - 1.0) / (t * t + (1.0 - t) * (1.0 - t));
    for (int i = 0; i < 4; ++i) CHECK(u[i] == doctest::Approx(g * x[i]).epsilon(1e-5).scale(1e-6));
  }
}

TEST_CASE("one shifted Gaussian with σmin: the field is the conditional expectation of the target") {
  // x1 ~ N(μ, s²), x0 ~ N(0, 1), xt = t·x1 + β·x0, target = x1 − c·x0 (c = 1 − σmin, β = 1 − c·t).
  // Jointly Gaussian: E[target | xt] = μ + Cov(target, xt)/Var(xt)·(xt − t·μ).
  const float mu[1] = {2.0f}, s[1] = {0.5f}, w[1] = {1.0f};
  const float sigma_min = 0.1f;
  GaussianMixtureField f(mu, s, w, 1, 1, sigma_min);
  Arena none;
  const double t = 0.3, c = 1 - sigma_min, beta = 1 - c * t;
  const double cov = t * 0.25 - c * beta, var = t * t * 0.25 + beta * beta;
  const float x = 0.7f;
  float u;
  REQUIRE(f.eval(&x, 1, float(t), &u, none) == Status::ok);
  CHECK(u == doctest::Approx(2.0 + cov / var * (0.7 - t * 2.0)).epsilon(1e-5));
}

TEST_CASE("the 8gaussians field has the data's centres and spread, bit for bit") {
  EightGaussians g;
  float cx[8], cy[8];
  eight_gaussians_centres(cx, cy);
  for (int k = 0; k < 8; ++k) {
    INFO("mode " << k);
    CHECK(g.means[2 * k] == cx[k]);
    CHECK(g.means[2 * k + 1] == cy[k]);
    CHECK(g.stds[k] == kEightGaussiansStd);
    CHECK(g.weights[k] == 1.0f);
    CHECK(double(cx[k]) == doctest::Approx(4.0 * std::cos(k * M_PI / 4)).epsilon(1e-6).scale(1.0));
    CHECK(double(cy[k]) == doctest::Approx(4.0 * std::sin(k * M_PI / 4)).epsilon(1e-6).scale(1.0));
  }
  CHECK(cx[0] == 4.0f);
  CHECK(cy[0] == 0.0f);
}

TEST_CASE("mixture weights: far from all but one mode, the field is that mode's field") {
  EightGaussians g;
  GaussianMixtureField f = g.field();
  const float one_mean[2] = {g.means[0], g.means[1]}, one_std[1] = {kEightGaussiansStd}, one_w[1] = {1.0f};
  GaussianMixtureField single(one_mean, one_std, one_w, 1, 2);
  Arena none;
  const float t = 0.95f, x[2] = {3.9f, 0.1f};
  float u[2], v[2];
  REQUIRE(f.eval(x, 1, t, u, none) == Status::ok);
  REQUIRE(single.eval(x, 1, t, v, none) == Status::ok);
  CHECK(u[0] == doctest::Approx(v[0]).epsilon(1e-4));
  CHECK(u[1] == doctest::Approx(v[1]).epsilon(1e-4));
  // Symmetry: the field at a point rotated by 45° is the rotated field.
  const float c = std::sqrt(0.5f), xr[2] = {c * x[0] - c * x[1], c * x[0] + c * x[1]};
  float ur[2];
  REQUIRE(f.eval(xr, 1, t, ur, none) == Status::ok);
  CHECK(ur[0] == doctest::Approx(c * u[0] - c * u[1]).epsilon(1e-3));
  CHECK(ur[1] == doctest::Approx(c * u[0] + c * u[1]).epsilon(1e-3));
}

TEST_CASE("the exact 8gaussians field with RK4/50 reproduces each mode's mean and covariance within 5%") {
  EightGaussians g;
  GaussianMixtureField f = g.field();
  const int n = 80000;
  std::vector<float> x(size_t(n) * 2);
  std::vector<unsigned char> mem(sample_scratch(f, Solver::rk4, n));
  Arena arena(mem.data(), mem.size());
  REQUIRE(sample(f, Solver::rk4, 50, n, 123, x.data(), arena) == Status::ok);
  // Assign each point to its nearest mode; accumulate moments.
  std::vector<int> mode(n);
  for (int i = 0; i < n; ++i) {
    double bd = 1e30;
    for (int k = 0; k < 8; ++k) {
      const double dx = x[2 * i] - g.means[2 * k], dy = x[2 * i + 1] - g.means[2 * k + 1];
      if (dx * dx + dy * dy < bd) { bd = dx * dx + dy * dy; mode[i] = k; }
    }
  }
  double cnt[8] = {}, m[8][2] = {}, s[8][3] = {};
  for (int i = 0; i < n; ++i) {
    const int best = mode[i];
    cnt[best] += 1;
    m[best][0] += x[2 * i];
    m[best][1] += x[2 * i + 1];
  }
  for (int k = 0; k < 8; ++k) { m[k][0] /= cnt[k]; m[k][1] /= cnt[k]; }
  for (int i = 0; i < n; ++i) {
    const int best = mode[i];
    const double dx = x[2 * i] - m[best][0], dy = x[2 * i + 1] - m[best][1];
    s[best][0] += dx * dx; s[best][1] += dx * dy; s[best][2] += dy * dy;
  }
  const double var = double(kEightGaussiansStd) * kEightGaussiansStd;
  for (int k = 0; k < 8; ++k) {
    INFO("mode " << k << " count " << cnt[k]);
    CHECK(within(cnt[k] / n, 1.0 / 8, 0.05));
    // mean within 5% of the mode's distance from the origin (4)
    CHECK(std::hypot(m[k][0] - g.means[2 * k], m[k][1] - g.means[2 * k + 1]) < 0.05 * 4.0);
    CHECK(within(s[k][0] / cnt[k], var, 0.05));
    CHECK(within(s[k][2] / cnt[k], var, 0.05));
    CHECK(std::fabs(s[k][1] / cnt[k]) < 0.05 * var);
  }
}

TEST_CASE("matrix_exp_2x2: the closed form equals the Taylor series of exp(tA) within 1e-6") {
  // The seed's presets (rotation, spiral sink, saddle, shear), the cases where a
  // formula changes branch (q = 0, tiny q of either sign, diagonal), and random
  // matrices; each against LinearField::flow (double precision, scaling and squaring).
  std::vector<std::array<float, 4>> As = {
      {0, -1, 1, 0}, {-0.5f, -2, 2, -0.5f}, {1, 0, 0, -1}, {0, 1, 0, 0},   {2, 0, 0, -3}, {0, 0, 0, 0},
      {1, 1e-7f, 1e-7f, 1}, {1, 1e-7f, -1e-7f, 1}, {-1, 3, 0, 2}, {0.3f, -0.2f, 0.45f, -0.3f}};
  Rng rng(11, 3);
  for (int i = 0; i < 300; ++i) As.push_back({rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3)});
  double worst = 0;
  for (const auto& A : As) {
    const LinearField lin(A.data(), 2);
    for (float t : {-1.0f, -0.37f, -1e-4f, 0.0f, 1e-4f, 0.25f, 0.5f, 1.0f}) {
      float E[4];
      matrix_exp_2x2(A.data(), t, E);
      double col[2][2];
      const double e0[2] = {1, 0}, e1[2] = {0, 1};
      lin.flow(t, e0, col[0]);
      lin.flow(t, e1, col[1]);
      const double ref[4] = {col[0][0], col[1][0], col[0][1], col[1][1]};  // E[i][j] = column j's i-th value
      double scale = 0;
      for (double r : ref) scale = std::fmax(scale, std::fabs(r));
      for (int k = 0; k < 4; ++k) {
        const double err = std::fabs(E[k] - ref[k]) / std::fmax(scale, 1.0);
        worst = std::fmax(worst, err);
        INFO("A = " << A[0] << " " << A[1] << " " << A[2] << " " << A[3] << ", t = " << t << ", entry " << k);
        CHECK(err < 1e-6);
      }
    }
  }
  MESSAGE("matrix_exp_2x2: largest error against the series, relative to max(1, max |exp(tA)|): " << worst);
}

TEST_CASE("matrix_exp_2x2: exp(0·A) = I exactly; diagonal A gives e^{at} and e^{dt}; a rotation by t") {
  const float rot[4] = {0, -1, 1, 0}, diag[4] = {2, 0, 0, -3};
  float E[4];
  matrix_exp_2x2(rot, 0.0f, E);
  CHECK(E[0] == 1.0f);
  CHECK(E[1] == 0.0f);
  CHECK(E[2] == 0.0f);
  CHECK(E[3] == 1.0f);
  matrix_exp_2x2(diag, 0.75f, E);
  CHECK(E[0] == doctest::Approx(std::exp(1.5)).epsilon(3e-7));
  CHECK(E[3] == doctest::Approx(std::exp(-2.25)).epsilon(3e-7));  // e^{dt} ≪ e^{at}: no cancellation
  CHECK(E[1] == 0.0f);
  CHECK(E[2] == 0.0f);
  matrix_exp_2x2(rot, 1.0f, E);  // [[cos 1, −sin 1], [sin 1, cos 1]]
  CHECK(E[0] == doctest::Approx(std::cos(1.0)).epsilon(1e-7));
  CHECK(E[1] == doctest::Approx(-std::sin(1.0)).epsilon(1e-7));
  CHECK(E[2] == doctest::Approx(std::sin(1.0)).epsilon(1e-7));
  CHECK(E[3] == doctest::Approx(std::cos(1.0)).epsilon(1e-7));
}

// ---- conditions through the solver, and guidance (formats.md, "Guidance") ----

namespace {
struct CondNet {
  MlpSpec spec = MlpSpec::make(2, 16, 2, Activation::silu, TimeEmbedding{2}, ConditionSpec::classes(3));
  std::vector<float> params;
  Mlp mlp;
  CondNet() : params(spec.param_count()) {
    Rng rng(7, 7);
    mlp_init(spec, params.data(), rng);
    for (float& p : params) p *= 1.5f;
    mlp.spec = spec;
    mlp.bind(params.data());
  }
};
std::vector<float> normals(long n, std::uint32_t seed) {
  std::vector<float> x(static_cast<std::size_t>(n));
  Rng r(seed, 1);
  for (float& v : x) v = r.normal();
  return x;
}
}  // namespace

TEST_CASE("conditions per point: chunks and workers of integrate_batch read each chunk's own condition rows") {
  const CondNet net;
  const long n = 37;
  std::vector<float> rows(static_cast<std::size_t>(3 * n));
  for (long r = 0; r < n; ++r) net.spec.condition.encode_class(static_cast<int>(r % 3), rows.data() + 3 * r);
  const MlpField per_point(net.mlp, MlpCondition{rows.data(), 3});
  const std::vector<float> x0 = normals(2 * n, 3);
  std::vector<unsigned char> mem(4 * integrate_scratch(per_point, Solver::heun, 64));
  // one point at a time with its own condition broadcast: the reference
  std::vector<float> want = x0;
  for (long r = 0; r < n; ++r) {
    const MlpField one(net.mlp, MlpCondition{rows.data() + 3 * r, 0});
    Arena a(mem.data(), mem.size());
    REQUIRE(integrate(one, Solver::heun, 6, want.data() + 2 * r, 1, 0.0f, 1.0f, a) == Status::ok);
  }
  for (int chunk : {1, 5, 64}) {
    std::vector<float> x = x0;
    Arena a(mem.data(), mem.size());
    REQUIRE(integrate_batch(per_point, Solver::heun, 6, x.data(), n, 0.0f, 1.0f, chunk, &a) == Status::ok);
    INFO("chunk " << chunk);
    CHECK(std::memcmp(x.data(), want.data(), x.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("guidance: w = 1 is the conditional field, w = 0 the unconditional, else u0 + w·(uc − u0) in that order") {
  const CondNet net;
  float c[3];
  net.spec.condition.encode_class(2, c);
  const MlpField uc(net.mlp, MlpCondition{c, 0}), u0(net.mlp);
  const long n = 50;
  const std::vector<float> x = normals(2 * n, 4);
  std::vector<unsigned char> mem(1 << 20);
  auto eval = [&](const VectorField& f) {
    std::vector<float> out(static_cast<std::size_t>(2 * n));
    Arena a(mem.data(), mem.size());
    REQUIRE(f.eval(x.data(), static_cast<int>(n), 0.4f, out.data(), a) == Status::ok);
    CHECK(a.used() == 0);
    return out;
  };
  const std::vector<float> vc = eval(uc), v0 = eval(u0);
  CHECK(std::memcmp(eval(GuidedField(u0, uc, 1.0f)).data(), vc.data(), vc.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(eval(GuidedField(u0, uc, 0.0f)).data(), v0.data(), v0.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(vc.data(), v0.data(), vc.size() * sizeof(float)) != 0);  // the condition matters
  for (float w : {2.5f, -0.5f, 0.3f}) {
    const std::vector<float> g = eval(GuidedField(u0, uc, w));
    for (std::size_t q = 0; q < g.size(); ++q) {
      const float want = v0[q] + w * (vc[q] - v0[q]);
      REQUIRE(std::memcmp(&g[q], &want, sizeof(float)) == 0);
    }
  }
  const GuidedField g(u0, uc, 2.0f);
  CHECK(g.scratch_bytes(8) >= scratch_floats(16) + uc.scratch_bytes(8));
}
