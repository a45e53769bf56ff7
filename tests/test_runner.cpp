// Runner (runner.h): any chunk size and any number of workers give the bits
// of one plain batch — rill::sample, integrate and the field's eval over all
// rows at once; the memory it plans is enough, and not much more.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "rill/density.h"
#include "rill/field.h"
#include "rill/rng.h"
#include "rill/runner.h"
#include "rill/solver.h"
#include "rill/thread_pool.h"
#include "test_util.h"

using namespace rill;

namespace {

// The initial weights of seed 5, packed (test_util.h).
struct Net : rill_test::PackedNet {
  explicit Net(const MlpSpec& spec) : PackedNet(spec, 5) {}
};

// A Runner of `chunk` rows with `workers` workers (1: none), in vectors.
struct Rig {
  std::vector<std::vector<unsigned char>> mem;
  std::vector<Arena> arenas;
  std::unique_ptr<ThreadPool> pool;
  Runner runner;
  Rig(const Mlp& mlp, int chunk, int workers, std::size_t scratch = 0) {
    // vectors: any alignment
    const std::size_t bytes = (scratch != 0 ? scratch : Runner::scratch_bytes(mlp.spec, chunk)) + Arena::kAlign;
    mem.assign(static_cast<std::size_t>(workers) + 1, std::vector<unsigned char>(bytes));
    for (auto& m : mem) arenas.emplace_back(m.data(), m.size());
    runner = Runner(mlp, chunk, arenas[0]);
    if (workers > 1) {
      pool.reset(new ThreadPool(workers));
      runner.set_workers(pool.get(), &arenas[1]);
    }
  }
};

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<float> points(long n, int d, uint32_t seed) {
  std::vector<float> x(static_cast<std::size_t>(n) * static_cast<std::size_t>(d));
  Rng r(seed, 2);
  for (auto& v : x) v = r.normal();
  return x;
}

}  // namespace

TEST_CASE("Runner: chunks of 1, 7, 256 rows on 1, 2, 3 workers give the bits of one batch") {
  const Net net(MlpSpec::make(3, 24, 2, Activation::gelu, TimeEmbedding{2}));
  const MlpField f(net.mlp);
  const int d = 3, steps = 3;
  const long n = 300;  // more than every chunk: every worker gets rows
  for (int s = 0; s <= static_cast<int>(Solver::rk4); ++s) {
    const Solver solver = static_cast<Solver>(s);
    // The references: rill::sample and integrate() over all rows in one arena; eval of all rows.
    std::vector<unsigned char> mem(integrate_scratch(f, solver, static_cast<int>(n)) + Arena::kAlign);
    Arena a(mem.data(), mem.size());
    std::vector<float> ref_sample(static_cast<std::size_t>(n) * d), ref_traj((steps + 1) * ref_sample.size());
    REQUIRE(sample(f, solver, steps, static_cast<int>(n), 42, ref_sample.data(), a, ref_traj.data()) == Status::ok);
    std::vector<float> ref_back = points(n, d, 7);
    REQUIRE(integrate(f, solver, steps, ref_back.data(), static_cast<int>(n), 0.9f, 0.2f, a) == Status::ok);
    const std::vector<float> x = points(n, d, 8);
    std::vector<float> ref_field(x.size());
    REQUIRE(f.eval(x.data(), static_cast<int>(n), 0.3f, ref_field.data(), a) == Status::ok);

    for (int chunk : {1, 7, 256})
      for (int workers : {1, 2, 3}) {
        INFO(solver_name(solver) << " chunk " << chunk << " workers " << workers);
        Rig rig(net.mlp, chunk, workers);
        RunOptions o;
        o.solver = solver;
        o.steps = steps;
        std::vector<float> out(ref_sample.size()), traj(ref_traj.size());
        o.trajectory = traj.data();
        REQUIRE(rig.runner.sample(o, 42, out.data(), n) == Status::ok);
        CHECK(same(out, ref_sample));
        CHECK(same(traj, ref_traj));
        RunOptions back;
        back.solver = solver;
        back.steps = steps;
        back.t0 = 0.9f;
        back.t1 = 0.2f;
        std::vector<float> y = points(n, d, 7);
        REQUIRE(rig.runner.integrate(back, y.data(), n) == Status::ok);
        CHECK(same(y, ref_back));
        std::vector<float> u(x.size());
        REQUIRE(rig.runner.field(x.data(), n, 0.3f, u.data()) == Status::ok);
        CHECK(same(u, ref_field));
      }
  }
}

TEST_CASE("Runner: small batches, none at all, and worker 0 sharing the Runner's own arena") {
  const Net net(MlpSpec::make(2, 16, 1));
  const MlpField f(net.mlp);
  // Worker 0's arena over the Runner's own memory (as the CLI does): used one at a time.
  std::vector<unsigned char> mem[2];
  Arena arenas[2];
  const std::size_t bytes = Runner::scratch_bytes(net.mlp.spec, 16) + Arena::kAlign;
  for (int w = 0; w < 2; ++w) {
    mem[w].resize(bytes);
    arenas[w] = Arena(mem[w].data(), bytes);
  }
  ThreadPool pool(2);
  Runner runner(net.mlp, 16, arenas[0]);
  runner.set_workers(&pool, arenas);
  for (long n : {0L, 1L, 5L, 16L, 17L, 40L}) {
    INFO("n " << n);
    std::vector<unsigned char> ref_mem(integrate_scratch(f, Solver::midpoint, static_cast<int>(n > 0 ? n : 1)) + 64);
    Arena a(ref_mem.data(), ref_mem.size());
    std::vector<float> ref(static_cast<std::size_t>(n) * 2 + 1, -1.0f), out(ref.size(), -1.0f);
    REQUIRE(sample(f, Solver::midpoint, 4, static_cast<int>(n), 3, ref.data(), a) == Status::ok);
    RunOptions o;
    o.solver = Solver::midpoint;
    o.steps = 4;
    REQUIRE(runner.sample(o, 3, out.data(), n) == Status::ok);
    CHECK(same(out, ref));  // the element past the batch untouched in both
    const std::vector<float> x = points(n, 2, 4);
    std::vector<float> u(x.size() + 1, -1.0f), ref_u(u);
    REQUIRE(runner.field(x.data(), n, 0.5f, u.data()) == Status::ok);
    if (n > 0) REQUIRE(f.eval(x.data(), static_cast<int>(n), 0.5f, ref_u.data(), a) == Status::ok);
    CHECK(same(u, ref_u));
  }
  // Detached again: the calling thread and the Runner's own arena.
  runner.set_workers(nullptr, nullptr);
  CHECK(runner.executor() == nullptr);
  std::vector<float> out(80);
  RunOptions o;
  CHECK(runner.sample(o, 1, out.data(), 40) == Status::ok);
}

TEST_CASE("Runner::scratch_bytes is enough for every solver and the field, and not much more") {
  for (const MlpSpec& spec : {MlpSpec::make(2, 16, 1), MlpSpec::make(5, 64, 3, Activation::tanh, TimeEmbedding{4})}) {
    const Net net(spec);
    for (int chunk : {1, 7, 256}) {
      INFO("dim " << spec.dim << " chunk " << chunk);
      const std::size_t need = Runner::scratch_bytes(spec, chunk);
      // Exact for aligned memory: scratch_bytes and no more.
      std::vector<unsigned char> mem(need + Arena::kAlign);
      unsigned char* base = mem.data() + (Arena::kAlign - reinterpret_cast<std::uintptr_t>(mem.data()) % Arena::kAlign) % Arena::kAlign;
      Arena scratch(base, need);
      Runner runner(net.mlp, chunk, scratch);
      const long n = 2L * chunk + 1;
      std::vector<float> x = points(n, spec.dim, 1), u(x.size());
      for (int s = 0; s <= static_cast<int>(Solver::rk4); ++s) {
        RunOptions o;
        o.solver = static_cast<Solver>(s);
        o.steps = 2;
        REQUIRE(runner.sample(o, 9, x.data(), n) == Status::ok);
      }
      REQUIRE(runner.field(x.data(), n, 0.5f, u.data()) == Status::ok);
      // What the largest run (RK4 on a full chunk) takes, in an arena we can read.
      Arena probe(base, need);
      REQUIRE(integrate(MlpField(net.mlp), Solver::rk4, 1, x.data(), chunk, 0.0f, 1.0f, probe) == Status::ok);
      const std::size_t high = probe.high_water();
      CHECK(high <= need);
      CHECK(need - high <= 8 * Arena::kAlign);  // the plan pads each array by a cache line, no more
      RunOptions rk4;
      rk4.solver = Solver::rk4;
      rk4.steps = 1;
      // Short of it, RK4 on a full chunk says so (and the field alone may still fit).
      Runner short_runner(net.mlp, chunk, Arena(base, high - 1));
      CHECK(short_runner.integrate(rk4, x.data(), chunk) == Status::out_of_memory);
    }
  }
}

TEST_CASE("Runner over any field: a formula model's flow, and copies keep running their own Mlp") {
  const float A[4] = {-0.5f, -2.0f, 1.5f, 0.3f};
  const LinearField lin(A, 2);
  std::vector<unsigned char> mem(Runner::scratch_bytes(lin, 16) + Arena::kAlign);
  Runner r(lin, 16, Arena(mem.data(), mem.size()));
  CHECK(r.dim() == 2);
  std::vector<float> x = points(40, 2, 3), want = x;
  RunOptions o;
  o.solver = Solver::rk4;
  o.steps = 64;
  REQUIRE(r.integrate(o, x.data(), 40) == Status::ok);
  std::vector<unsigned char> one(integrate_scratch(lin, Solver::rk4, 40));
  Arena a(one.data(), one.size());
  REQUIRE(integrate(lin, Solver::rk4, 64, want.data(), 40, 0.0f, 1.0f, a) == Status::ok);
  CHECK(same(x, want));
  // copying a Runner made from an Mlp: the copy's field is its own, and equal
  const Net net(MlpSpec::make(2, 16, 2));
  std::vector<unsigned char> m2(Runner::scratch_bytes(net.mlp.spec, 8) + Arena::kAlign);
  Runner original(net.mlp, 8, Arena(m2.data(), m2.size()));
  Runner copy = original;
  CHECK(&copy.field() != &original.field());
  std::vector<float> u1(20), u2(20);
  const std::vector<float> p = points(10, 2, 4);
  REQUIRE(original.field(p.data(), 10, 0.3f, u1.data()) == Status::ok);
  REQUIRE(copy.field(p.data(), 10, 0.3f, u2.data()) == Status::ok);
  CHECK(same(u1, u2));
}

TEST_CASE("Runner::log_prob: chunks of 1, 7, 256 rows on 1, 2, 3 workers give the bits of one log_prob") {
  const Net net(MlpSpec::make(2, 24, 2, Activation::silu, TimeEmbedding{2}));
  const MlpDivergenceField f(net.mlp);
  const long n = 300;
  const std::vector<float> x = points(n, 2, 11);
  for (Solver solver : {Solver::euler, Solver::rk4}) {
    std::vector<unsigned char> mem(log_prob_scratch(f, solver, static_cast<int>(n)) + Arena::kAlign);
    Arena a(mem.data(), mem.size());
    std::vector<float> ref(static_cast<std::size_t>(n));
    REQUIRE(log_prob(f, solver, 5, x.data(), static_cast<int>(n), 0.8f, ref.data(), a) == Status::ok);
    for (int chunk : {1, 7, 256})
      for (int workers : {1, 2, 3}) {
        INFO(solver_name(solver) << " chunk " << chunk << " workers " << workers);
        Rig rig(net.mlp, chunk, workers, Runner::density_scratch_bytes(net.mlp.spec, chunk));
        RunOptions o;
        o.solver = solver;
        o.steps = 5;
        o.t = 0.8f;
        std::vector<float> logp(ref.size());
        REQUIRE(rig.runner.log_prob(f, o, x.data(), n, logp.data()) == Status::ok);
        CHECK(same(logp, ref));
      }
  }
}

TEST_CASE("Runner::log_prob: density_scratch_bytes fits chunk rows; a smaller arena runs fewer rows, same bits") {
  const Net net(MlpSpec::make(2, 32, 3));
  const MlpDivergenceField f(net.mlp);
  // The shape-only plan equals the plan of the field itself.
  for (int chunk : {1, 5, 64, 256})
    CHECK(Runner::density_scratch_bytes(net.mlp.spec, chunk) == Runner::density_scratch_bytes(f, chunk));
  const long n = 90;
  const std::vector<float> x = points(n, 2, 3);
  RunOptions o;
  o.solver = Solver::rk4;
  o.steps = 4;
  std::vector<float> ref(static_cast<std::size_t>(n)), logp(ref.size());
  Rig full(net.mlp, 64, 1, Runner::density_scratch_bytes(net.mlp.spec, 64));
  REQUIRE(full.runner.log_prob(f, o, x.data(), n, ref.data()) == Status::ok);
  // Scratch for sampling 64 rows holds fewer rows of log-density: still the same bits.
  Rig small(net.mlp, 64, 1);
  REQUIRE(small.runner.log_prob(f, o, x.data(), n, logp.data()) == Status::ok);
  CHECK(same(logp, ref));
  // Not even one row: out_of_memory, nothing run.
  std::vector<unsigned char> tiny(256);
  Runner none(net.mlp, 64, Arena(tiny.data(), tiny.size()));
  CHECK(none.log_prob(f, o, x.data(), n, logp.data()) == Status::out_of_memory);
}
