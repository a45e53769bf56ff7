// Hutchinson's divergence estimate (density.h, mlp_divergence.h): the probes
// are Rademacher signs from their own stream and the same for any chunking;
// one probe's estimate is εᵀJε exactly (the linear field, in closed form);
// the estimate's mean over many probes converges to the exact divergence
// within a statistical bound on a 64-D "digits-like" Mlp and on a 2-D one, and
// so does log p; the same seed gives the same bits, through the Runner too.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "rill/density.h"
#include "rill/field.h"
#include "rill/mlp.h"
#include "rill/mlp_divergence.h"
#include "rill/rng.h"
#include "rill/runner.h"
#include "rill/thread_pool.h"
#include "test_util.h"

using namespace rill;

namespace {

// The initial weights of seed 3, packed (test_util.h).
struct Net : rill_test::PackedNet {
  explicit Net(const MlpSpec& spec) : PackedNet(spec, 3) {}
};

std::vector<float> points(long n, int d, std::uint32_t seed) {
  std::vector<float> x(static_cast<std::size_t>(n) * static_cast<std::size_t>(d));
  Rng r(seed, 2);
  for (auto& v : x) v = r.normal();
  return x;
}

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// The 64-D model of the digits: 8×8 images, sin:4 time features, width 128.
MlpSpec digits_like() { return MlpSpec::make(64, 128, 3, Activation::silu, TimeEmbedding{4}); }

// Exact divergence and K single-probe estimates at one point x (the point
// repeated K times, one probe each), then their mean and standard deviation.
struct Estimates {
  double exact, mean, sd;
};
Estimates single_probes(const Mlp& mlp, const float* x, float t, int K, std::uint32_t seed) {
  const int d = mlp.spec.dim;
  std::vector<float> rep(static_cast<std::size_t>(K) * d), eps(rep.size()), u(rep.size());
  for (int k = 0; k < K; ++k) std::memcpy(rep.data() + static_cast<std::size_t>(k) * d, x, sizeof(float) * d);
  rademacher_probes(seed, 0, K, 1, d, eps.data());
  std::vector<unsigned char> mem(mlp_probe_divergence_scratch(mlp.spec, K, 1) + mlp_divergence_scratch(mlp.spec, 1));
  Arena a(mem.data(), mem.size());
  std::vector<float> est(static_cast<std::size_t>(K));
  float exact = 0;
  REQUIRE(mlp_probe_divergence(mlp, rep.data(), K, t, eps.data(), 1, u.data(), est.data(), a) == Status::ok);
  REQUIRE(mlp_divergence(mlp, x, 1, t, u.data(), &exact, a) == Status::ok);
  CHECK(a.used() == 0);
  double s = 0, s2 = 0;
  for (float v : est) s += v, s2 += double(v) * v;
  const double mean = s / K;
  return {exact, mean, std::sqrt((s2 / K - mean * mean) * K / (K - 1))};
}

}  // namespace

TEST_CASE("Hutchinson: Rademacher probes are ±1 from their own stream, the same for any split into rows") {
  const int d = 5, k = 3;
  std::vector<float> all(static_cast<std::size_t>(10) * k * d), part(static_cast<std::size_t>(4) * k * d);
  rademacher_probes(7, 0, 10, k, d, all.data());
  rademacher_probes(7, 3, 4, k, d, part.data());  // rows 3..6
  CHECK(std::memcmp(part.data(), all.data() + 3 * k * d, part.size() * sizeof(float)) == 0);
  long plus = 0;
  for (float v : all) {
    CHECK((v == 1.0f || v == -1.0f));
    plus += v > 0;
  }
  CHECK(plus > 50);  // 150 signs: 75 ± 6 expected
  CHECK(plus < 100);
  // The stream is (seed, hutchinson_probes): the top bit of each draw, 1 → −1.
  Rng rng = Rng::derive(7, Purpose::hutchinson_probes);
  for (float v : all) CHECK(v == ((rng.next_u32() >> 31) ? -1.0f : 1.0f));
  std::vector<float> other(all.size());
  rademacher_probes(8, 0, 10, k, d, other.data());
  CHECK_FALSE(same(all, other));
}

TEST_CASE("Hutchinson: the linear field's estimate is εᵀAε, averaged over the probes") {
  const float A[9] = {0.5f, -1.0f, 2.0f, 0.25f, -0.75f, 1.5f, -2.0f, 0.125f, 1.0f};
  const LinearField f(A, 3);
  const int n = 4, k = 5;
  std::vector<float> x = points(n, 3, 1), eps(static_cast<std::size_t>(n) * k * 3), u(x.size()), div(n);
  rademacher_probes(2, 0, n, k, 3, eps.data());
  Arena a(nullptr, 0);
  REQUIRE(f.eval_probe_divergence(x.data(), n, 0.5f, eps.data(), k, u.data(), div.data(), a) == Status::ok);
  for (int r = 0; r < n; ++r) {
    double want = 0;
    for (int q = 0; q < k; ++q) {
      const float* e = eps.data() + (static_cast<std::size_t>(r) * k + q) * 3;
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) want += double(e[i]) * A[i * 3 + j] * e[j];
    }
    CHECK(div[static_cast<std::size_t>(r)] == doctest::Approx(want / k).epsilon(1e-6));
  }
  CHECK(f.eval_probe_divergence(x.data(), n, 0.5f, eps.data(), 0, u.data(), div.data(), a) == Status::invalid_argument);
  // The mixture field has only its exact divergence.
  const EightGaussians eg;
  const GaussianMixtureField mix = eg.field();
  CHECK(mix.eval_probe_divergence(x.data(), 1, 0.5f, eps.data(), 1, u.data(), div.data(), a) == Status::unsupported);
}

TEST_CASE("Hutchinson: K probes at once are the mean of K single probes, bit for bit; u keeps mlp_forward's bits") {
  const Net net(digits_like());
  const int d = 64, K = 6, n = 3;
  const std::vector<float> x = points(n, d, 4);
  std::vector<float> eps(static_cast<std::size_t>(n) * K * d);
  rademacher_probes(9, 0, n, K, d, eps.data());
  std::vector<unsigned char> mem(mlp_probe_divergence_scratch(net.mlp.spec, n * K, K) + mlp_forward_scratch(net.mlp.spec, n * K));
  Arena a(mem.data(), mem.size());
  std::vector<float> u(x.size()), uf(x.size()), div(n);
  REQUIRE(mlp_probe_divergence(net.mlp, x.data(), n, 0.3f, eps.data(), K, u.data(), div.data(), a) == Status::ok);
  const float t = 0.3f;
  REQUIRE(mlp_forward(net.mlp, x.data(), d, &t, false, n, uf.data(), d, a) == Status::ok);
  CHECK(same(u, uf));
  // The same probes one per row: point r repeated K times.
  std::vector<float> rep(static_cast<std::size_t>(n) * K * d), u1(rep.size()), single(static_cast<std::size_t>(n) * K);
  for (int r = 0; r < n; ++r)
    for (int q = 0; q < K; ++q)
      std::memcpy(rep.data() + (static_cast<std::size_t>(r) * K + q) * d, x.data() + static_cast<std::size_t>(r) * d,
                  sizeof(float) * d);
  REQUIRE(mlp_probe_divergence(net.mlp, rep.data(), n * K, 0.3f, eps.data(), 1, u1.data(), single.data(), a) ==
          Status::ok);
  for (int r = 0; r < n; ++r) {
    float sum = 0.0f;
    for (int q = 0; q < K; ++q) sum = sum + single[static_cast<std::size_t>(r) * K + q];
    CHECK(div[static_cast<std::size_t>(r)] == sum / static_cast<float>(K));
  }
  CHECK(mlp_probe_divergence(net.mlp, x.data(), n, 0.3f, eps.data(), 0, u.data(), div.data(), a) ==
        Status::invalid_argument);
}

TEST_CASE("Hutchinson: the mean of many probes converges to the exact divergence (64-D and 2-D Mlps)") {
  const Net digits(digits_like());
  const Net plane(MlpSpec::make(2, 64, 3, Activation::gelu, TimeEmbedding{2}));
  for (const Net* net : {&digits, &plane}) {
    const int d = net->mlp.spec.dim;
    const std::vector<float> x = points(3, d, 6);
    for (int r = 0; r < 3; ++r) {
      const int K = 4000;
      const Estimates e = single_probes(net->mlp, x.data() + static_cast<std::size_t>(r) * d, 0.2f + 0.3f * r, K, 11 + r);
      INFO("d " << d << " point " << r << ": exact " << e.exact << " mean " << e.mean << " sd " << e.sd);
      // The mean of K independent estimates is within 5 standard errors (a 6e-7 chance each to fail
      // for a normal mean; the seeds are fixed, so the test is deterministic).
      CHECK(std::fabs(e.mean - e.exact) <= 5 * e.sd / std::sqrt(double(K)) + 1e-4 * std::fabs(e.exact));
      CHECK(e.sd > 0);  // a real estimate, not the exact value in disguise
    }
  }
}

TEST_CASE("Hutchinson: log p from many seeds averages to the exact log p (64-D Mlp); the same seed, the same bits") {
  const Net net(digits_like());
  const MlpDivergenceField f(net.mlp);
  const int n = 2, d = 64, seeds = 200;
  const std::vector<float> x = points(n, d, 8);
  std::vector<unsigned char> mem(log_prob_scratch(f, Solver::rk4, n, 1) + log_prob_scratch(f, Solver::rk4, n));
  std::vector<float> exact(n), est(n), again(n);
  Arena a(mem.data(), mem.size());
  REQUIRE(log_prob(f, Solver::rk4, 8, x.data(), n, 1.0f, exact.data(), a) == Status::ok);
  std::vector<double> s(n, 0.0), s2(n, 0.0);
  for (int seed = 0; seed < seeds; ++seed) {
    ProbeOptions p;
    p.count = 1;
    p.seed = static_cast<std::uint32_t>(seed);
    REQUIRE(log_prob(f, Solver::rk4, 8, x.data(), n, 1.0f, est.data(), a, p) == Status::ok);
    CHECK(a.used() == 0);
    for (int r = 0; r < n; ++r) s[r] += est[r], s2[r] += double(est[r]) * est[r];
    if (seed == 5) {
      REQUIRE(log_prob(f, Solver::rk4, 8, x.data(), n, 1.0f, again.data(), a, p) == Status::ok);
      CHECK(same(est, again));
    }
  }
  for (int r = 0; r < n; ++r) {
    const double mean = s[r] / seeds, sd = std::sqrt(s2[r] / seeds - mean * mean);
    INFO("point " << r << ": exact " << exact[r] << " mean " << mean << " sd " << sd);
    CHECK(sd > 0);
    CHECK(std::fabs(mean - exact[r]) <= 5 * sd / std::sqrt(double(seeds)));
  }
}

TEST_CASE("Hutchinson through the Runner: chunks of 1, 5, 64 rows on 1 and 3 workers give the same bits") {
  const Net net(MlpSpec::make(20, 32, 2));
  const MlpDivergenceField f(net.mlp);
  const long n = 70;
  const std::vector<float> x = points(n, 20, 12);
  std::vector<unsigned char> mem(log_prob_scratch(f, Solver::heun, static_cast<int>(n), 3) + Arena::kAlign);
  Arena a(mem.data(), mem.size());
  std::vector<float> ref(static_cast<std::size_t>(n));
  ProbeOptions p;
  p.count = 3;
  p.seed = 77;
  REQUIRE(log_prob(f, Solver::heun, 6, x.data(), static_cast<int>(n), 1.0f, ref.data(), a, p) == Status::ok);
  for (int chunk : {1, 5, 64})
    for (int workers : {1, 3}) {
      INFO("chunk " << chunk << " workers " << workers);
      const std::size_t bytes = Runner::density_scratch_bytes(net.mlp.spec, chunk, 3) + Arena::kAlign;
      std::vector<std::vector<unsigned char>> blocks(static_cast<std::size_t>(workers), std::vector<unsigned char>(bytes));
      std::vector<Arena> arenas;
      for (auto& b : blocks) arenas.emplace_back(b.data(), b.size());
      Runner runner(net.mlp, chunk, arenas[0]);
      std::unique_ptr<ThreadPool> pool;
      if (workers > 1) {
        pool.reset(new ThreadPool(workers));
        runner.set_workers(pool.get(), arenas.data());
      }
      RunOptions o;
      o.solver = Solver::heun;
      o.steps = 6;
      o.probes = 3;
      o.probe_seed = 77;
      std::vector<float> logp(ref.size());
      REQUIRE(runner.log_prob(f, o, x.data(), n, logp.data()) == Status::ok);
      CHECK(same(logp, ref));
      CHECK(Runner::density_scratch_bytes(net.mlp.spec, chunk, 3) == Runner::density_scratch_bytes(f, chunk, 3));
    }
}
