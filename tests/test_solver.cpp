// Solvers against the closed-form flow of the linear field u_t(x) = A·x:
// convergence orders, reverse integration, trajectories, bad arguments.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "rill/field.h"
#include "rill/solver.h"
#include "rill/thread_pool.h"

using namespace rill;

namespace {
// Eigenvalues −1 ± 4i: a decaying rotation, large enough that truncation
// error dominates float32 rounding over the step counts used below.
const float kA[4] = {-1.0f, 4.0f, -4.0f, -1.0f};
const double kStarts[3][2] = {{1.0, 0.0}, {0.3, -0.8}, {-0.6, 0.5}};

double max_error(Solver s, int steps) {
  LinearField f(kA, 2);
  std::vector<unsigned char> mem(1 << 16);
  Arena arena(mem.data(), mem.size());
  float x[6];
  for (int p = 0; p < 3; ++p) { x[2 * p] = float(kStarts[p][0]); x[2 * p + 1] = float(kStarts[p][1]); }
  REQUIRE(integrate(f, s, steps, x, 3, 0.0f, 1.0f, arena) == Status::ok);
  double err = 0;
  for (int p = 0; p < 3; ++p) {
    double exact[2];
    f.flow(1.0, kStarts[p], exact);
    err = std::fmax(err, std::fabs(x[2 * p] - exact[0]));
    err = std::fmax(err, std::fabs(x[2 * p + 1] - exact[1]));
  }
  return err;
}

// Least-squares slope of log(error) against log(h).
double fitted_order(Solver s, std::initializer_list<int> steps) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int n = 0;
  for (int k : steps) {
    const double x = std::log(1.0 / k), y = std::log(max_error(s, k));
    sx += x; sy += y; sxx += x * x; sxy += x * y; ++n;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}
}  // namespace

TEST_CASE("linear field flow is exp(tA) (checked against the rotation formula)") {
  LinearField f(kA, 2);
  double out[2];
  const double x0[2] = {1.0, 0.0};
  f.flow(0.7, x0, out);
  // exp(t·[[-1, 4], [-4, -1]])·(1, 0) = e^{−t}(cos 4t, −sin 4t)
  CHECK(out[0] == doctest::Approx(std::exp(-0.7) * std::cos(2.8)).epsilon(1e-12));
  CHECK(out[1] == doctest::Approx(-std::exp(-0.7) * std::sin(2.8)).epsilon(1e-12));
}

TEST_CASE("convergence orders on the linear field") {
  const double euler = fitted_order(Solver::euler, {64, 128, 256, 512});
  const double midpoint = fitted_order(Solver::midpoint, {16, 32, 64, 128});
  const double heun = fitted_order(Solver::heun, {16, 32, 64, 128});
  const double rk4 = fitted_order(Solver::rk4, {8, 12, 16, 24});
  MESSAGE("fitted orders: euler " << euler << ", midpoint " << midpoint << ", heun " << heun << ", rk4 " << rk4);
  CHECK(euler == doctest::Approx(1.0).epsilon(0.1));
  CHECK(midpoint == doctest::Approx(2.0).epsilon(0.05));
  CHECK(heun == doctest::Approx(2.0).epsilon(0.05));
  CHECK(rk4 == doctest::Approx(4.0).epsilon(0.05));
  // And the higher-order methods are actually more accurate at equal cost.
  CHECK(max_error(Solver::rk4, 16) < max_error(Solver::heun, 32));
  CHECK(max_error(Solver::heun, 32) < max_error(Solver::euler, 64));
}

TEST_CASE("reverse integration returns x0 (RK4, 100 steps)") {
  LinearField f(kA, 2);
  std::vector<unsigned char> mem(1 << 16);
  Arena arena(mem.data(), mem.size());
  float x[6] = {1.0f, 0.0f, 0.3f, -0.8f, -0.6f, 0.5f}, x0[6];
  for (int i = 0; i < 6; ++i) x0[i] = x[i];
  REQUIRE(integrate(f, Solver::rk4, 100, x, 3, 0.0f, 1.0f, arena) == Status::ok);
  REQUIRE(integrate(f, Solver::rk4, 100, x, 3, 1.0f, 0.0f, arena) == Status::ok);
  double err = 0;
  for (int i = 0; i < 6; ++i) err = std::fmax(err, std::fabs(x[i] - x0[i]));
  CHECK(err <= 1e-4);
}

TEST_CASE("reverse integration of the Gaussian-mixture field maps samples back to noise") {
  EightGaussians g;
  GaussianMixtureField f = g.field();
  std::vector<unsigned char> mem(1 << 16);
  Arena arena(mem.data(), mem.size());
  float x[8] = {0.1f, -0.4f, 1.2f, 0.3f, -0.7f, -1.1f, 0.0f, 2.0f}, x0[8];
  for (int i = 0; i < 8; ++i) x0[i] = x[i];
  REQUIRE(integrate(f, Solver::rk4, 200, x, 4, 0.0f, 1.0f, arena) == Status::ok);
  REQUIRE(integrate(f, Solver::rk4, 200, x, 4, 1.0f, 0.0f, arena) == Status::ok);
  for (int i = 0; i < 8; ++i) CHECK(x[i] == doctest::Approx(x0[i]).epsilon(1e-3));
}

TEST_CASE("trajectory records the start and every step, contiguous or strided") {
  LinearField f(kA, 2);
  std::vector<unsigned char> mem(1 << 16);
  Arena arena(mem.data(), mem.size());
  for (Solver s : {Solver::euler, Solver::midpoint, Solver::heun, Solver::rk4}) {
    float x[4] = {1, 2, 3, 4}, y[4] = {1, 2, 3, 4};
    std::vector<float> traj(6 * 4, -1.0f);
    REQUIRE(integrate(f, s, 5, x, 2, 0.0f, 1.0f, arena, traj.data()) == Status::ok);
    CHECK(traj[0] == 1.0f);
    CHECK(traj[3] == 4.0f);
    for (int i = 0; i < 4; ++i) CHECK(traj[5 * 4 + i] == x[i]);
    // the same run in two chunks of one point into a strided trajectory
    std::vector<float> traj2(6 * 4, -1.0f);
    REQUIRE(integrate(f, s, 5, y, 1, 0.0f, 1.0f, arena, traj2.data(), 4) == Status::ok);
    REQUIRE(integrate(f, s, 5, y + 2, 1, 0.0f, 1.0f, arena, traj2.data() + 2, 4) == Status::ok);
    CHECK(traj2 == traj);
    CHECK(arena.used() == 0);
  }
}

TEST_CASE("bad arguments and a too-small arena give a Status") {
  LinearField f(kA, 2);
  float x[2] = {1, 0};
  unsigned char mem[64];
  Arena tiny(mem, sizeof mem);
  CHECK(integrate(f, Solver::rk4, 10, x, 1, 0.0f, 1.0f, tiny) == Status::out_of_memory);
  std::vector<unsigned char> big(1 << 12);
  Arena arena(big.data(), big.size());
  CHECK(integrate(f, Solver::euler, 0, x, 1, 0.0f, 1.0f, arena) == Status::invalid_argument);
  CHECK(integrate(f, static_cast<Solver>(9), 1, x, 1, 0.0f, 1.0f, arena) == Status::invalid_argument);
  CHECK(integrate(f, Solver::euler, 1, x, 1, NAN, 1.0f, arena) == Status::invalid_argument);
  CHECK(x[0] == 1.0f);
  CHECK(integrate_scratch(f, Solver::rk4, 100) >= 3 * 200 * sizeof(float));
}

TEST_CASE("solver names") {
  Solver s;
  for (Solver t : {Solver::euler, Solver::midpoint, Solver::heun, Solver::rk4}) {
    REQUIRE(parse_solver(solver_name(t), &s));
    CHECK(s == t);
  }
  CHECK_FALSE(parse_solver("rk5", &s));
  CHECK(solver_evaluations(Solver::rk4) == 4);
  CHECK(solver_evaluations(Solver::heun) == 2);
}

namespace {
// A field that fails from its `fail_at`-th evaluation on (counting from 0), else u = A·x.
class FailingField final : public VectorField {
 public:
  explicit FailingField(int fail_at) : inner_(kA, 2), fail_at_(fail_at) {}
  int dim() const override { return 2; }
  std::size_t scratch_bytes(int) const override { return 0; }
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override {
    if (calls_++ >= fail_at_) return Status::non_finite;
    return inner_.eval(x, n, t, out, arena);
  }

 private:
  LinearField inner_;
  int fail_at_;
  mutable int calls_ = 0;
};
}  // namespace

TEST_CASE("integrate stops at the first failed evaluation and leaves x at the last whole step") {
  for (Solver s : {Solver::euler, Solver::midpoint, Solver::heun, Solver::rk4}) {
    const int per_step = solver_evaluations(s);
    for (int fail_at = 0; fail_at < 3 * per_step; ++fail_at) {
      const int whole_steps = fail_at / per_step;
      std::vector<unsigned char> mem(1 << 14);
      Arena arena(mem.data(), mem.size());
      float x[4] = {1.0f, 0.5f, -0.25f, 2.0f}, want[4] = {1.0f, 0.5f, -0.25f, 2.0f};
      LinearField exact(kA, 2);
      // the same steps taken one at a time, on the healthy field
      for (int k = 0; k < whole_steps; ++k)
        REQUIRE(integrate(exact, s, 1, want, 2, 0.1f * float(k), 0.1f * float(k + 1), arena) == Status::ok);
      std::vector<float> traj(4 * 11, -7.0f);
      FailingField f(fail_at);
      INFO(solver_name(s) << " failing at evaluation " << fail_at);
      CHECK(integrate(f, s, 10, x, 2, 0.0f, 1.0f, arena, traj.data()) == Status::non_finite);
      CHECK(std::memcmp(x, want, sizeof x) == 0);
      CHECK(traj[4 * (whole_steps + 1)] == -7.0f);  // no snapshot of the failed step
    }
  }
}

// Fails on any row whose first coordinate is exactly `bad` (stateless: safe
// to call from several threads at once).
class SentinelField final : public VectorField {
 public:
  explicit SentinelField(float bad) : inner_(kA, 2), bad_(bad) {}
  int dim() const override { return 2; }
  std::size_t scratch_bytes(int) const override { return 0; }
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override {
    for (int r = 0; r < n; ++r)
      if (x[2 * r] == bad_) return Status::non_finite;
    return inner_.eval(x, n, t, out, arena);
  }

 private:
  LinearField inner_;
  float bad_;
};

TEST_CASE("integrate_batch: any chunk size and any number of workers give the bits of one integrate()") {
  LinearField f(kA, 2);
  const long n = 1000;
  std::vector<float> x0(2 * n);
  for (long i = 0; i < 2 * n; ++i) x0[i] = std::sin(0.37f * float(i)) * 2.0f;
  for (Solver s : {Solver::euler, Solver::rk4}) {
    const int steps = 7;
    std::vector<unsigned char> big(integrate_scratch(f, s, int(n)) + 64);
    Arena whole(big.data(), big.size());
    std::vector<float> want = x0, want_traj(size_t(steps + 1) * 2 * n);
    REQUIRE(integrate(f, s, steps, want.data(), int(n), 0.0f, 1.0f, whole, want_traj.data()) == Status::ok);
    for (int chunk : {1, 7, 64, 999, 1000, 5000})
      for (int workers : {1, 2, 3}) {
        std::vector<std::vector<unsigned char>> mem(3, std::vector<unsigned char>(integrate_scratch(f, s, chunk) + 64));
        std::vector<Arena> arenas;
        for (auto& m : mem) arenas.emplace_back(m.data(), m.size());
        ThreadPool pool(workers);
        std::vector<float> x = x0, traj(want_traj.size(), -1.0f);
        INFO(solver_name(s) << " chunk " << chunk << " workers " << workers);
        REQUIRE(integrate_batch(f, s, steps, x.data(), n, 0.0f, 1.0f, chunk, arenas.data(), &pool, traj.data()) ==
                Status::ok);
        CHECK(x == want);
        CHECK(traj == want_traj);
      }
  }
  // A failure in any range is reported: a later chunk on one thread, and the
  // last part of three workers.
  FailingField bad(5);
  std::vector<unsigned char> m1(1 << 14);
  Arena a1(m1.data(), m1.size());
  std::vector<float> x = x0;
  CHECK(integrate_batch(bad, Solver::euler, 3, x.data(), 40, 0.0f, 1.0f, 8, &a1) == Status::non_finite);
  {
    SentinelField sentinel(12345.0f);
    std::vector<std::vector<unsigned char>> mem(3, std::vector<unsigned char>(1 << 14));
    std::vector<Arena> arenas;
    for (auto& m : mem) arenas.emplace_back(m.data(), m.size());
    ThreadPool pool(3);
    std::vector<float> y = x0;
    y[2 * 950] = 12345.0f;  // a row in the last third
    CHECK(integrate_batch(sentinel, Solver::euler, 3, y.data(), int(n), 0.0f, 1.0f, 64, arenas.data(), &pool) ==
          Status::non_finite);
    y[2 * 950] = x0[2 * 950];
    CHECK(integrate_batch(sentinel, Solver::euler, 3, y.data(), int(n), 0.0f, 1.0f, 64, arenas.data(), &pool) ==
          Status::ok);
  }
  CHECK(integrate_batch(f, Solver::euler, 3, x.data(), 40, 0.0f, 1.0f, 0, &a1) == Status::invalid_argument);
}

TEST_CASE("sample_noise is the x0 of sample()") {
  LinearField f(kA, 2);
  std::vector<unsigned char> mem(1 << 14);
  Arena arena(mem.data(), mem.size());
  std::vector<float> a(20), b(20);
  REQUIRE(sample(f, Solver::euler, 1, 10, 42, a.data(), arena, nullptr) == Status::ok);
  std::vector<float> traj(2 * 20);
  REQUIRE(sample(f, Solver::euler, 1, 10, 42, b.data(), arena, traj.data()) == Status::ok);
  std::vector<float> x0(20);
  sample_noise(42, x0.data(), 20);
  CHECK(std::equal(x0.begin(), x0.end(), traj.begin()));
  CHECK(a == b);  // asking for the trajectory does not change the samples
}
