// The C API's log-densities, per-call options and formula models (rill.h):
// rill_log_prob gives the bits of the core's log_prob however it is chunked
// or threaded, equals the closed forms (the 8gaussians mixture, a linear
// field's exp(tA)), names the points that overflow, and refuses bad input;
// rill_model_open_name opens the formula models; rill_run_options and the
// *_with functions give the bits of the plain calls.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "rill/datasets.h"
#include "rill/density.h"
#include "rill/field.h"
#include "rill/metrics.h"
#include "rill/rill.h"
#include "rill/rng.h"
#include "rill/solver.h"
#include "test_util.h"

using namespace rill;

namespace {
using rill_test::model_bytes;

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<float> normals(int n, int d, uint32_t seed) {
  std::vector<float> x(static_cast<std::size_t>(n) * d);
  Rng r(seed, 2);
  for (auto& v : x) v = 1.5f * r.normal();
  return x;
}

rill_run_options opts(int solver, int steps, float t) {
  rill_run_options o;
  rill_run_options_default(&o);
  o.solver = solver;
  o.steps = steps;
  o.t = t;
  return o;
}

// The core's log_prob over all points in one arena: the reference bits.
std::vector<float> core_log_prob(const DivergenceField& f, Solver s, int steps, const std::vector<float>& x, float t) {
  const int n = static_cast<int>(x.size()) / f.dim();
  std::vector<unsigned char> mem(log_prob_scratch(f, s, n) + Arena::kAlign);
  Arena a(mem.data(), mem.size());
  std::vector<float> logp(static_cast<std::size_t>(n));
  REQUIRE(log_prob(f, s, steps, x.data(), n, t, logp.data(), a) == Status::ok);
  return logp;
}

rill_model* open_name(const char* name) {
  rill_model* m = nullptr;
  char err[200] = "";
  INFO(name << ": " << err);
  REQUIRE(rill_model_open_name(name, &m, err, sizeof err) == RILL_OK);
  return m;
}
}  // namespace

TEST_CASE("rill_run_options_default: rill sample's solver and steps, t0 0, t1 1, t 1") {
  rill_run_options o;
  std::memset(&o, 0x7f, sizeof o);
  rill_run_options_default(&o);
  CHECK(o.solver == RILL_HEUN);
  CHECK(o.steps == 20);
  CHECK(o.t0 == 0.0f);
  CHECK(o.t1 == 1.0f);
  CHECK(o.t == 1.0f);
  CHECK(o.probes == 0);  // exact divergence
  CHECK(o.probe_seed == 0u);
  rill_run_options_default(nullptr);  // no effect, no crash
}

TEST_CASE("rill_log_prob: the bits of the core's log_prob, chunked (n > 256) and on 1 or 3 threads") {
  const MlpSpec spec = MlpSpec::make(2, 32, 2, Activation::gelu, TimeEmbedding{3});
  std::vector<float> params;
  const auto bytes = model_bytes(spec, &params);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  const MlpDivergenceField f(mlp);
  rill_model* m = nullptr;
  REQUIRE(rill_model_open(bytes.data(), bytes.size(), &m, nullptr, 0) == RILL_OK);
  const std::vector<float> x = normals(600, 2, 9);
  for (int s : {RILL_EULER, RILL_HEUN, RILL_RK4}) {
    INFO("solver " << s);
    const std::vector<float> ref = core_log_prob(f, static_cast<Solver>(s), 6, x, 0.9f);
    const rill_run_options o = opts(s, 6, 0.9f);
    std::vector<float> logp(600);
    REQUIRE(rill_model_set_threads(m, 1) == RILL_OK);
    REQUIRE(rill_log_prob(m, x.data(), 600, &o, logp.data()) == RILL_OK);
    CHECK(same(logp, ref));
    REQUIRE(rill_model_set_threads(m, 3) == RILL_OK);
    std::fill(logp.begin(), logp.end(), 0.0f);
    REQUIRE(rill_log_prob(m, x.data(), 600, &o, logp.data()) == RILL_OK);
    CHECK(same(logp, ref));
  }
  // NULL options are the defaults (Heun, 20 steps, t = 1).
  const rill_run_options d = opts(RILL_HEUN, 20, 1.0f);
  std::vector<float> a(10), b(10);
  REQUIRE(rill_log_prob(m, x.data(), 10, nullptr, a.data()) == RILL_OK);
  REQUIRE(rill_log_prob(m, x.data(), 10, &d, b.data()) == RILL_OK);
  CHECK(same(a, b));
  CHECK(rill_log_prob(m, x.data(), 0, nullptr, nullptr) == RILL_OK);
  rill_model_free(m);
}

TEST_CASE("rill_log_prob, heap-free: RILL_DENSITY plans chunk rows exactly; without it fewer rows, or a refusal") {
  const MlpSpec spec = MlpSpec::make(2, 16, 2);
  std::vector<float> params;
  const auto bytes = model_bytes(spec, &params);
  std::vector<unsigned char> file(bytes.size() + 64);
  unsigned char* aligned = file.data() + (64 - reinterpret_cast<std::uintptr_t>(file.data()) % 64) % 64;
  std::memcpy(aligned, bytes.data(), bytes.size());
  const std::vector<float> x = normals(50, 2, 4);
  const rill_run_options o = opts(RILL_RK4, 8, 1.0f);
  std::vector<float> ref(50);
  {
    rill_model* h = nullptr;
    REQUIRE(rill_model_open(bytes.data(), bytes.size(), &h, nullptr, 0) == RILL_OK);
    REQUIRE(rill_log_prob(h, x.data(), 50, &o, ref.data()) == RILL_OK);
    rill_model_free(h);
  }
  for (int chunk : {1, 16}) {
    size_t need = 0, plain = 0;
    REQUIRE(rill_model_memory(aligned, bytes.size(), chunk, RILL_DENSITY, &need, nullptr, 0) == RILL_OK);
    REQUIRE(rill_model_memory(aligned, bytes.size(), chunk, 0, &plain, nullptr, 0) == RILL_OK);
    CHECK(need > plain);
    alignas(64) static unsigned char mem[1 << 16];
    REQUIRE(need <= sizeof mem);
    rill_model* m = nullptr;
    char err[200];
    CHECK(rill_model_init(mem, need - 1, aligned, bytes.size(), chunk, RILL_DENSITY, &m, err, sizeof err) ==
          RILL_OUT_OF_MEMORY);
    REQUIRE(rill_model_init(mem, need, aligned, bytes.size(), chunk, RILL_DENSITY, &m, err, sizeof err) == RILL_OK);
    std::vector<float> logp(50);
    REQUIRE(rill_log_prob(m, x.data(), 50, &o, logp.data()) == RILL_OK);
    CHECK(same(logp, ref));
    // Without RILL_DENSITY: chunk 16 has room for fewer rows (same bits); chunk 1 for none.
    REQUIRE(rill_model_init(mem, plain, aligned, bytes.size(), chunk, 0, &m, err, sizeof err) == RILL_OK);
    std::fill(logp.begin(), logp.end(), 0.0f);
    const int rc = rill_log_prob(m, x.data(), 50, &o, logp.data());
    if (chunk == 1) {
      CHECK(rc == RILL_OUT_OF_MEMORY);
      CHECK(std::string(rill_model_error(m)).find("RILL_DENSITY") != std::string::npos);
    } else {
      CHECK(rc == RILL_OK);
      CHECK(same(logp, ref));
    }
  }
}

TEST_CASE("rill_log_prob on exact:8gaussians, RK4/64: the mixture's closed-form log-density within 1e-3 nats") {
  rill_model* m = open_name("exact:8gaussians");
  const int n = 1000;
  std::vector<float> x(2 * n);
  REQUIRE(rill_dataset_draw(RILL_8GAUSSIANS, n, 5, x.data()) == RILL_OK);
  std::vector<float> logp(n);
  const rill_run_options o = opts(RILL_RK4, 64, 1.0f);
  REQUIRE(rill_log_prob(m, x.data(), n, &o, logp.data()) == RILL_OK);
  std::vector<double> exact(n);
  REQUIRE(target_log_density(Dataset::eight_gaussians, x.data(), n, exact.data()));
  double worst = 0.0;
  for (int i = 0; i < n; ++i) worst = std::fmax(worst, std::fabs(logp[i] - exact[i]));
  CHECK(worst < 1e-3);
  rill_model_free(m);
}

TEST_CASE("rill_log_prob on linear:a,b,c,d: log N(exp(−tA)·x) − t·trace A") {
  rill_model* m = open_name("linear:-0.5,1,-1,-0.25");
  const float A[4] = {-0.5f, 1.0f, -1.0f, -0.25f};
  const std::vector<float> x = normals(20, 2, 6);
  const float t = 0.75f;
  std::vector<float> logp(20);
  const rill_run_options o = opts(RILL_RK4, 64, t);
  REQUIRE(rill_log_prob(m, x.data(), 20, &o, logp.data()) == RILL_OK);
  float E[4];
  rill_matrix_exp_2x2(A, -t, E);
  for (int i = 0; i < 20; ++i) {
    const double x0 = E[0] * x[2 * i] + E[1] * x[2 * i + 1], x1 = E[2] * x[2 * i] + E[3] * x[2 * i + 1];
    const double want = -0.5 * (x0 * x0 + x1 * x1) - std::log(2.0 * M_PI) - t * (A[0] + A[3]);
    CHECK(std::fabs(logp[i] - want) < 1e-4);
  }
  rill_model_free(m);
}

TEST_CASE("rill_log_prob names the points whose way back overflows: up to ten indices and the count") {
  rill_model* m = open_name("linear:-1000,0,0,-1000");  // backwards, x grows by 51 per Euler step
  std::vector<float> x(2 * 15, 0.0f);
  for (int i = 3; i < 15; ++i) x[2 * i] = 1e10f;  // 12 points overflow, 0..2 stay at the origin
  std::vector<float> logp(15);
  const rill_run_options o = opts(RILL_EULER, 20, 1.0f);
  REQUIRE(rill_log_prob(m, x.data(), 15, &o, logp.data()) == RILL_NON_FINITE);
  const std::string msg = rill_model_error(m);
  CHECK(msg.find("12 of 15 points") != std::string::npos);
  CHECK(msg.find(": 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ...") != std::string::npos);
  CHECK(std::isfinite(logp[0]));
  CHECK(!std::isfinite(logp[3]));
  rill_model_free(m);
}

TEST_CASE("rill_log_prob refuses bad input at the boundary, with a reason") {
  rill_model* m = open_name("exact:8gaussians");
  std::vector<float> x = normals(4, 2, 1), logp(4);
  x[5] = NAN;
  CHECK(rill_log_prob(m, x.data(), 4, nullptr, logp.data()) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(m)) == "point 2 is not finite (value 1 of its 2)");
  x[5] = 0.0f;
  rill_run_options o = opts(RILL_HEUN, 0, 1.0f);
  CHECK(rill_log_prob(m, x.data(), 4, &o, logp.data()) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(m)) == "steps must be >= 1");
  o = opts(7, 5, 1.0f);
  CHECK(rill_log_prob(m, x.data(), 4, &o, logp.data()) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(m)) == "unknown solver");
  for (float t : {-0.1f, 1.5f, NAN}) {
    o = opts(RILL_HEUN, 5, t);
    CHECK(rill_log_prob(m, x.data(), 4, &o, logp.data()) == RILL_INVALID_ARGUMENT);
    CHECK(std::string(rill_model_error(m)) == "t must be in 0..1");
  }
  CHECK(rill_log_prob(m, nullptr, 4, nullptr, logp.data()) == RILL_INVALID_ARGUMENT);
  CHECK(rill_log_prob(m, x.data(), -1, nullptr, logp.data()) == RILL_INVALID_ARGUMENT);
  CHECK(rill_log_prob(nullptr, x.data(), 4, nullptr, logp.data()) == RILL_INVALID_ARGUMENT);
  REQUIRE(rill_log_prob(m, x.data(), 4, nullptr, logp.data()) == RILL_OK);
  CHECK(std::string(rill_model_error(m)).empty());
  rill_model_free(m);
}

TEST_CASE("rill_model_open_name: formula models sample, integrate and give fields like the core's fields") {
  rill_model* m = open_name("exact:8gaussians");
  CHECK(rill_model_dim(m) == 2);
  rill_model_info info;
  std::memset(&info, 0x55, sizeof info);
  REQUIRE(rill_model_get_info(m, &info) == RILL_OK);
  CHECK(info.dim == 2);
  CHECK(info.layers == 0);
  CHECK(info.width == 0);
  CHECK(info.params == 0u);
  CHECK(info.flops == 0.0f);
  CHECK(info.in_place == 0);
  CHECK(info.step_k == -1);  // not step-conditioned (0 would be a raw step embedding)
  char meta[16];
  CHECK(rill_model_metadata(m, "dim", meta, sizeof meta) == RILL_INVALID_ARGUMENT);

  const EightGaussians eg;
  const GaussianMixtureField f = eg.field();
  const int n = 300;
  std::vector<unsigned char> mem(sample_scratch(f, Solver::heun, n) + Arena::kAlign);
  Arena a(mem.data(), mem.size());
  std::vector<float> ref(2 * n), out(2 * n);
  REQUIRE(sample(f, Solver::heun, 10, n, 3, ref.data(), a) == Status::ok);
  REQUIRE(rill_sample(m, n, 10, RILL_HEUN, 3, out.data(), nullptr) == RILL_OK);
  CHECK(same(out, ref));
  std::vector<float> u(2 * n), uref(2 * n);
  REQUIRE(f.eval(ref.data(), n, 0.4f, uref.data(), a) == Status::ok);
  REQUIRE(rill_field(m, ref.data(), n, 0.4f, u.data()) == RILL_OK);
  CHECK(same(u, uref));
  rill_model_free(m);

  // linear: exp(tA)·x0 by integration, to the closed form.
  m = open_name("linear:0,1,-1,0");
  float x[2] = {1.0f, 0.0f};
  REQUIRE(rill_integrate(m, x, 1, 64, RILL_RK4, 0.0f, 1.0f, nullptr) == RILL_OK);
  CHECK(x[0] == doctest::Approx(std::cos(1.0)).epsilon(1e-6));
  CHECK(x[1] == doctest::Approx(-std::sin(1.0)).epsilon(1e-6));
  rill_model_free(m);
}

TEST_CASE("rill_model_open_name refuses other names with the core's reason") {
  rill_model* m = reinterpret_cast<rill_model*>(1);
  char err[200] = "";
  CHECK(rill_model_open_name("linear:1,2,3", &m, err, sizeof err) == RILL_INVALID_ARGUMENT);
  CHECK(m == nullptr);
  CHECK(std::string(err) == "linear: needs d² values for some d from 1 to 8, got 3");
  CHECK(rill_model_open_name("exact:moons", &m, err, sizeof err) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(err) == "unknown exact model 'moons' (rill knows exact:8gaussians)");
  CHECK(rill_model_open_name("moons.safetensors", &m, err, sizeof err) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(err).find("is not a formula model") != std::string::npos);
  CHECK(rill_model_open_name(nullptr, &m, err, sizeof err) == RILL_INVALID_ARGUMENT);
  CHECK(rill_model_open_name("exact:8gaussians", nullptr, err, sizeof err) == RILL_INVALID_ARGUMENT);
}

TEST_CASE("rill_sample_with, rill_integrate_with, rill_field_with: the bits of the plain calls") {
  const MlpSpec spec = MlpSpec::make(2, 16, 2);
  const auto bytes = model_bytes(spec);
  rill_model* m = nullptr;
  REQUIRE(rill_model_open(bytes.data(), bytes.size(), &m, nullptr, 0) == RILL_OK);
  rill_run_options o = opts(RILL_MIDPOINT, 7, 0.3f);
  o.t0 = 0.9f;
  o.t1 = 0.1f;
  std::vector<float> a(40), b(40), ta(8 * 40), tb(8 * 40);
  REQUIRE(rill_sample(m, 20, 7, RILL_MIDPOINT, 5, a.data(), ta.data()) == RILL_OK);
  REQUIRE(rill_sample_with(m, 20, 5, &o, b.data(), tb.data()) == RILL_OK);  // t0, t1: always 0 to 1
  CHECK(same(a, b));
  CHECK(same(ta, tb));
  std::vector<float> y = a;
  REQUIRE(rill_integrate(m, a.data(), 20, 7, RILL_MIDPOINT, 0.9f, 0.1f, nullptr) == RILL_OK);
  REQUIRE(rill_integrate_with(m, y.data(), 20, &o, nullptr) == RILL_OK);
  CHECK(same(a, y));
  REQUIRE(rill_field(m, y.data(), 20, 0.3f, a.data()) == RILL_OK);
  REQUIRE(rill_field_with(m, y.data(), 20, &o, b.data()) == RILL_OK);
  CHECK(same(a, b));
  // NULL options: the defaults (Heun, 20 steps).
  REQUIRE(rill_sample(m, 20, 20, RILL_HEUN, 1, a.data(), nullptr) == RILL_OK);
  REQUIRE(rill_sample_with(m, 20, 1, nullptr, b.data(), nullptr) == RILL_OK);
  CHECK(same(a, b));
  o.steps = 0;
  CHECK(rill_sample_with(m, 20, 1, &o, b.data(), nullptr) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(m)) == "steps must be >= 1");
  rill_model_free(m);
}

TEST_CASE("rill_matrix_exp_2x2 is the core's closed form") {
  const float A[4] = {0.2f, -1.5f, 0.7f, -0.4f};
  float E[4], ref[4];
  rill_matrix_exp_2x2(A, 0.6f, E);
  matrix_exp_2x2(A, 0.6f, ref);
  CHECK(std::memcmp(E, ref, sizeof E) == 0);
  rill_matrix_exp_2x2(nullptr, 1.0f, E);  // no effect
}

TEST_CASE("rill_log_prob with probes: Hutchinson's estimate, the core's bits on 1 or 3 threads; bad probes refused") {
  const MlpSpec spec = MlpSpec::make(20, 16, 2, Activation::silu, TimeEmbedding{2});
  std::vector<float> params;
  const auto bytes = model_bytes(spec, &params);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  const MlpDivergenceField f(mlp);
  rill_model* m = nullptr;
  REQUIRE(rill_model_open(bytes.data(), bytes.size(), &m, nullptr, 0) == RILL_OK);
  const int n = 300;
  const std::vector<float> x = normals(n, 20, 4);
  std::vector<unsigned char> mem(log_prob_scratch(f, Solver::rk4, n, 3) + Arena::kAlign);
  Arena a(mem.data(), mem.size());
  std::vector<float> ref(n), logp(n), exact(n);
  ProbeOptions p;
  p.count = 3;
  p.seed = 12;
  REQUIRE(log_prob(f, Solver::rk4, 4, x.data(), n, 1.0f, ref.data(), a, p) == Status::ok);
  rill_run_options o = opts(RILL_RK4, 4, 1.0f);
  REQUIRE(rill_log_prob(m, x.data(), n, &o, exact.data()) == RILL_OK);
  o.probes = 3;
  o.probe_seed = 12;
  for (int threads : {1, 3}) {
    REQUIRE(rill_model_set_threads(m, threads) == RILL_OK);
    std::fill(logp.begin(), logp.end(), 0.0f);
    REQUIRE(rill_log_prob(m, x.data(), n, &o, logp.data()) == RILL_OK);
    CHECK(same(logp, ref));
  }
  CHECK_FALSE(same(logp, exact));
  o.probes = -1;
  CHECK(rill_log_prob(m, x.data(), n, &o, logp.data()) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(m)) == "probes must be in 0..4096");
  o.probes = 4097;
  CHECK(rill_log_prob(m, x.data(), n, &o, logp.data()) == RILL_INVALID_ARGUMENT);
  rill_model_free(m);
  // exact:8gaussians has only its closed-form divergence.
  rill_model* g = open_name("exact:8gaussians");
  rill_run_options og = opts(RILL_RK4, 4, 1.0f);
  og.probes = 1;
  float pt[2] = {0.5f, 0.5f}, lp = 0;
  CHECK(rill_log_prob(g, pt, 1, &og, &lp) == RILL_UNSUPPORTED);
  CHECK(std::string(rill_model_error(g)).find("only its exact divergence") != std::string::npos);
  rill_model_free(g);
}
