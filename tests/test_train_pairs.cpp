// Trainer on fixed pairs (reflow): minibatches pick pair rows, x0 is the
// pair's, the CFM target is x1 − x0 of that pair; the t = 0 share; the
// pairs' condition (and their none share) reaches the model; the same seed
// gives the same bits; bad pairs are refused with a reason.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "rill/thread_pool.h"
#include "rill/train.h"

using namespace rill;

namespace {
struct Run {
  std::vector<unsigned char> mem;
  Arena arena;
  Trainer trainer;
  Status status;
  Message msg;
  Run(const MlpSpec& spec, const TrainConfig& cfg, const DataSource& data, const float* initial = nullptr)
      : mem(Trainer::memory_bytes(spec, cfg)), arena(mem.data(), mem.size()) {
    status = trainer.init(spec, cfg, data, arena, &msg, initial);
  }
};

// Pair i: x0 = (i, −i), x1 = x0 + (i + 1, 2i + 1): its difference names it.
struct Pairs {
  std::vector<float> x0, x1;
  explicit Pairs(int n) : x0(size_t(n) * 2), x1(size_t(n) * 2) {
    for (int i = 0; i < n; ++i) {
      x0[2 * i] = float(i);
      x0[2 * i + 1] = -float(i);
      x1[2 * i] = x0[2 * i] + float(i + 1);
      x1[2 * i + 1] = x0[2 * i + 1] + float(2 * i + 1);
    }
  }
  DataSource source() const { return DataSource::pairs(x0.data(), x1.data(), long(x0.size() / 2), 2); }
};

// The pair index a batch row came from (its target names it), checking that
// x_t lies on that pair's straight line at the row's t.
int pair_of_row(const Trainer& tr, const Pairs& p, int r) {
  const float* target = tr.batch_target() + 2 * r;
  const int i = int(target[0]) - 1;
  REQUIRE(i >= 0);
  REQUIRE(size_t(i) < p.x0.size() / 2);
  CHECK(target[0] == p.x1[2 * i] - p.x0[2 * i]);
  CHECK(target[1] == p.x1[2 * i + 1] - p.x0[2 * i + 1]);
  const float t = tr.batch_t()[r];
  for (int k = 0; k < 2; ++k) {
    const float want = (1.0f - t) * p.x0[2 * i + k] + t * p.x1[2 * i + k];
    CHECK(std::fabs(tr.batch_xt()[2 * r + k] - want) <= 1e-5f * (1.0f + std::fabs(want)));
  }
  return i;
}
}  // namespace

TEST_CASE("pairs: each batch row is one pair, its target x1 − x0 and x_t on its line; rows cover the pairs") {
  const Pairs p(50);
  TrainConfig cfg;
  cfg.batch = 64;
  cfg.steps = 20;
  Run run(MlpSpec::make(2, 16, 2), cfg, p.source());
  REQUIRE(run.status == Status::ok);
  std::vector<int> seen(50, 0);
  for (int s = 0; s < 20; ++s) {
    REQUIRE(run.trainer.step() == Status::ok);
    for (int r = 0; r < cfg.batch; ++r) ++seen[size_t(pair_of_row(run.trainer, p, r))];
  }
  for (int i = 0; i < 50; ++i) CHECK(seen[size_t(i)] > 0);  // 1280 draws over 50 pairs
}

TEST_CASE("pairs: t0_share puts the first rows of each batch at t = 0, the others uniform") {
  const Pairs p(30);
  TrainConfig cfg;
  cfg.batch = 40;
  cfg.t0_share = 0.25f;
  Run run(MlpSpec::make(2, 16, 2), cfg, p.source());
  REQUIRE(run.status == Status::ok);
  REQUIRE(run.trainer.step() == Status::ok);
  for (int r = 0; r < 10; ++r) CHECK(run.trainer.batch_t()[r] == 0.0f);
  int positive = 0;
  for (int r = 10; r < 40; ++r) positive += run.trainer.batch_t()[r] > 0.0f;
  CHECK(positive >= 29);
  for (int r = 0; r < 40; ++r) pair_of_row(run.trainer, p, r);  // at t = 0, x_t is the pair's x0
}

TEST_CASE("pairs: a constant displacement is learned exactly enough that one Euler step moves x0 onto x1") {
  // x1 = x0 + (1.5, −0.5) for every pair: the straight field is that constant.
  const int n = 256;
  std::vector<float> x0(n * 2), x1(n * 2);
  for (int i = 0; i < n; ++i) {
    x0[2 * i] = std::sin(float(i)) * 2.0f;
    x0[2 * i + 1] = std::cos(float(i) * 1.7f) * 2.0f;
    x1[2 * i] = x0[2 * i] + 1.5f;
    x1[2 * i + 1] = x0[2 * i + 1] - 0.5f;
  }
  TrainConfig cfg;
  cfg.steps = 800;
  cfg.lr = 3e-3f;
  Run run(MlpSpec::make(2, 32, 2), cfg, DataSource::pairs(x0.data(), x1.data(), n, 2));
  REQUIRE(run.status == Status::ok);
  REQUIRE(run.trainer.run(cfg.steps) == Status::ok);
  CHECK(run.trainer.recent_loss() < 1e-3f);
}

TEST_CASE("pairs: the same seed gives the same bits, on any number of threads; another seed other bits") {
  const Pairs p(100);
  TrainConfig cfg;
  cfg.batch = 600;  // side-by-side drawing is for built-in data; pairs are drawn in turn
  cfg.t0_share = 0.1f;
  const MlpSpec spec = MlpSpec::make(2, 16, 2);
  auto train = [&](uint32_t seed, int threads) {
    TrainConfig c = cfg;
    c.seed = seed;
    Run run(spec, c, p.source());
    REQUIRE(run.status == Status::ok);
    ThreadPool pool(threads);
    if (threads > 1) run.trainer.set_executor(&pool);
    REQUIRE(run.trainer.run(5) == Status::ok);
    return std::vector<float>(run.trainer.params(), run.trainer.params() + spec.param_count());
  };
  const std::vector<float> a = train(7, 1), b = train(7, 2), c = train(8, 1);
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)) != 0);
}

TEST_CASE("pairs of a class model: each row sees its pair's class, or none where the pair has none; no dropout") {
  const Pairs p(40);
  std::vector<std::int32_t> labels(40);
  std::vector<std::uint8_t> uncond(40);
  for (int i = 0; i < 40; ++i) {
    labels[size_t(i)] = i % 3;
    uncond[size_t(i)] = i % 4 == 0;
  }
  DataSource src = p.source();
  src.labels = labels.data();
  src.uncond = uncond.data();
  TrainConfig cfg;
  cfg.batch = 64;
  cfg.cfg_dropout = 0.5f;  // not applied to pairs
  const MlpSpec spec = MlpSpec::make(2, 16, 2, Activation::silu, {}, ConditionSpec::classes(3));
  Run run(spec, cfg, src);
  REQUIRE(run.status == Status::ok);
  for (int s = 0; s < 3; ++s) {
    REQUIRE(run.trainer.step() == Status::ok);
    for (int r = 0; r < cfg.batch; ++r) {
      const int i = pair_of_row(run.trainer, p, r);
      const float* row = run.trainer.batch_condition() + 3 * r;
      for (int k = 0; k < 3; ++k) CHECK(row[k] == (i % 4 != 0 && k == i % 3 ? 1.0f : 0.0f));
    }
  }
}

TEST_CASE("pairs: OT coupling, non-finite starting points and t0_share out of place are refused with a reason") {
  Pairs p(10);
  const MlpSpec spec = MlpSpec::make(2, 8, 1);
  Message msg;
  TrainConfig cfg;
  cfg.coupling = Coupling::ot;
  CHECK(Trainer::check(spec, cfg, p.source(), &msg) == Status::invalid_argument);
  CHECK(std::strstr(msg.text, "own coupling") != nullptr);
  cfg = TrainConfig();
  cfg.t0_share = 1.5f;
  CHECK(Trainer::check(spec, cfg, p.source(), &msg) == Status::invalid_argument);
  cfg.t0_share = 0.5f;
  CHECK(Trainer::check(spec, cfg, DataSource::builtin(Dataset::moons), &msg) == Status::invalid_argument);
  CHECK(std::strstr(msg.text, "needs fixed pairs") != nullptr);
  CHECK(Trainer::check(spec, cfg, p.source(), &msg) == Status::ok);
  p.x0[7] = NAN;
  CHECK(Trainer::check(spec, cfg, p.source(), &msg) == Status::non_finite);
  CHECK(std::strstr(msg.text, "pair 3") != nullptr);
}
