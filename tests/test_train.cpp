// Trainer: CFM on moons reaches good samples; determinism; user arrays of any
// dimension; schedule, clipping, EMA, OT coupling; bad input.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "rill/field.h"
#include "rill/metrics.h"
#include "rill/solver.h"
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

std::vector<float> draw(const Mlp& mlp, int n, uint32_t seed, Solver s = Solver::rk4, int steps = 32) {
  MlpField f(mlp);
  std::vector<unsigned char> mem(sample_scratch(f, s, n));
  Arena arena(mem.data(), mem.size());
  std::vector<float> x(size_t(n) * mlp.spec.dim);
  REQUIRE(sample(f, s, steps, n, seed, x.data(), arena) == Status::ok);
  return x;
}

#if defined(RILL_SANITIZE)
constexpr bool kSanitized = true;  // ~10× slower: the quality run is shortened, not skipped
#else
constexpr bool kSanitized = false;
#endif
}  // namespace

TEST_CASE("training on moons with the default model: the loss plateaus and samples score MMD² <= 0.01") {
  const int steps = kSanitized ? 200 : 3000;
  TrainConfig cfg;
  cfg.steps = steps;
  cfg.ema = 0.99f;
  Run run(MlpSpec::make(2, 128, 3), cfg, DataSource::builtin(Dataset::moons));
  REQUIRE(run.status == Status::ok);
  std::vector<double> window(10, 0.0);
  const int per = steps / 10;
  for (int i = 0; i < steps; ++i) {
    float loss = 0;
    REQUIRE(run.trainer.step(&loss) == Status::ok);
    window[size_t(i / per)] += loss / per;
  }
  MESSAGE("mean loss per tenth: " << window[0] << " ... " << window[8] << ", " << window[9]);
  CHECK(window[9] < 0.9 * window[0]);
  if (kSanitized) return;
  // Plateau: the last two tenths agree within 2%.
  CHECK(std::fabs(window[9] - window[8]) < 0.02 * window[9]);
  const int n = 4000;
  const auto x = draw(run.trainer.model(), n, 1);
  std::vector<float> ref(size_t(n) * 2), noise(size_t(n) * 2);
  Rng r = Rng::derive(1000001, Purpose::eval_reference);
  dataset_sample(Dataset::moons, r, ref.data(), n);
  Rng z(5, 5);
  z.fill_normal(noise.data(), long(noise.size()));
  const double m = mmd2(x.data(), n, ref.data(), n, 2);
  const double m_noise = mmd2(noise.data(), n, ref.data(), n, 2);
  MESSAGE("moons after " << steps << " steps: MMD² " << m << " (N(0, I) noise: " << m_noise << ")");
  CHECK(m <= 0.01);
  CHECK(m_noise > 0.15);
}

TEST_CASE("same seed, same bits; another seed, other bits") {
  TrainConfig cfg;
  cfg.batch = 32;
  cfg.steps = 20;
  const MlpSpec spec = MlpSpec::make(2, 32, 2);
  Run a(spec, cfg, DataSource::builtin(Dataset::checkerboard)), b(spec, cfg, DataSource::builtin(Dataset::checkerboard));
  cfg.seed = 1;
  Run c(spec, cfg, DataSource::builtin(Dataset::checkerboard));
  REQUIRE(a.trainer.run(20) == Status::ok);
  REQUIRE(b.trainer.run(20) == Status::ok);
  REQUIRE(c.trainer.run(20) == Status::ok);
  const size_t bytes = spec.param_count() * sizeof(float);
  CHECK(std::memcmp(a.trainer.params(), b.trainer.params(), bytes) == 0);
  CHECK(std::memcmp(a.trainer.params(), c.trainer.params(), bytes) != 0);
  CHECK(a.trainer.last_loss() == b.trainer.last_loss());
  CHECK(a.trainer.step_count() == 20);
}

TEST_CASE("the SIMD level is the config's: every level trains to the same bits (OT, blocks, clipping, EMA)") {
  CHECK(TrainConfig().simd == simd_best());  // the default: this CPU's best
  TrainConfig cfg;
  cfg.batch = 300;  // two blocks of the gradient
  cfg.coupling = Coupling::ot;
  cfg.clip = 0.5f;
  cfg.ema = 0.9f;
  cfg.seed = 4;
  const MlpSpec spec = MlpSpec::make(2, 24, 2, Activation::silu, TimeEmbedding{2});
  cfg.simd = Simd::scalar;
  Run want(spec, cfg, DataSource::builtin(Dataset::moons));
  REQUIRE(want.trainer.run(5) == Status::ok);
  CHECK(want.trainer.current().simd == Simd::scalar);
  CHECK(want.trainer.model().simd == Simd::scalar);
  for (int level = static_cast<int>(simd_best()); level > 0; --level) {
    INFO("simd level " << level);
    cfg.simd = static_cast<Simd>(level);
    Run got(spec, cfg, DataSource::builtin(Dataset::moons));
    REQUIRE(got.trainer.run(5) == Status::ok);
    CHECK(got.trainer.model().simd == cfg.simd);
    CHECK(std::memcmp(got.trainer.params(), want.trainer.params(), spec.param_count() * sizeof(float)) == 0);
    CHECK(got.trainer.last_loss() == want.trainer.last_loss());
    CHECK(got.trainer.last_grad_norm() == want.trainer.last_grad_norm());
  }
}

TEST_CASE("a user's array of any dimension: trains, and the model learns its mean") {
  // 3-D points around (1, −2, 3): after training, samples have about that mean.
  const int d = 3, count = 2000;
  std::vector<float> pts(size_t(count) * d);
  Rng r(1, 1);
  for (int i = 0; i < count; ++i) {
    pts[size_t(i) * d] = 1.0f + 0.3f * r.normal();
    pts[size_t(i) * d + 1] = -2.0f + 0.3f * r.normal();
    pts[size_t(i) * d + 2] = 3.0f + 0.3f * r.normal();
  }
  TrainConfig cfg;
  cfg.batch = 128;
  cfg.steps = kSanitized ? 100 : 600;
  cfg.lr = 3e-3f;
  Run run(MlpSpec::make(d, 32, 2), cfg, DataSource::array(pts.data(), count, d));
  REQUIRE(run.status == Status::ok);
  REQUIRE(run.trainer.run(cfg.steps) == Status::ok);
  if (kSanitized) return;
  const auto x = draw(run.trainer.model(), 2000, 3);
  double mean[3] = {};
  for (int i = 0; i < 2000; ++i)
    for (int k = 0; k < 3; ++k) mean[k] += x[size_t(i) * 3 + k] / 2000;
  CHECK(mean[0] == doctest::Approx(1.0).epsilon(0.1));
  CHECK(mean[1] == doctest::Approx(-2.0).epsilon(0.1));
  CHECK(mean[2] == doctest::Approx(3.0).epsilon(0.1));
}

TEST_CASE("learning-rate schedule: warm-up then cosine to the floor") {
  TrainConfig cfg;
  cfg.lr = 1e-2f;
  cfg.steps = 110;
  cfg.warmup = 10;
  cfg.schedule = Schedule::cosine;
  cfg.lr_floor = 0.1f;
  cfg.batch = 4;
  Run run(MlpSpec::make(2, 8, 1), cfg, DataSource::builtin(Dataset::moons));
  REQUIRE(run.status == Status::ok);
  const Trainer& t = run.trainer;
  CHECK(t.lr_at(0) == doctest::Approx(1e-3));
  CHECK(t.lr_at(9) == doctest::Approx(1e-2));
  CHECK(t.lr_at(10) == doctest::Approx(1e-2));
  CHECK(t.lr_at(60) == doctest::Approx(1e-3 + 0.5 * 9e-3).epsilon(1e-4));
  CHECK(t.lr_at(110) == doctest::Approx(1e-3));
  CHECK(t.lr_at(500) == doctest::Approx(1e-3));
  cfg.schedule = Schedule::constant;
  cfg.warmup = 0;
  Run c(MlpSpec::make(2, 8, 1), cfg, DataSource::builtin(Dataset::moons));
  CHECK(c.trainer.lr_at(0) == 1e-2f);
  CHECK(c.trainer.lr_at(100000) == 1e-2f);
}

TEST_CASE("gradient clipping bounds the step; the reported norm is the unclipped one") {
  TrainConfig cfg;
  cfg.batch = 16;
  cfg.steps = 1;
  const MlpSpec spec = MlpSpec::make(2, 16, 1);
  Run free_run(spec, cfg, DataSource::builtin(Dataset::spirals));
  cfg.clip = 1e-3f;
  Run clipped(spec, cfg, DataSource::builtin(Dataset::spirals));
  REQUIRE(free_run.trainer.step() == Status::ok);
  REQUIRE(clipped.trainer.step() == Status::ok);
  CHECK(free_run.trainer.last_grad_norm() > 1e-3f);
  CHECK(clipped.trainer.last_grad_norm() == free_run.trainer.last_grad_norm());
  // Adam's first step is ±lr·g/(|g| + eps) per coordinate: with g clipped down to
  // the size of eps, the steps shrink measurably.
  double moved_free = 0, moved_clip = 0;
  std::vector<float> init(spec.param_count());
  Rng ir = Rng::derive(0, Purpose::init);
  mlp_init(spec, init.data(), ir);
  for (size_t q = 0; q < init.size(); ++q) {
    moved_free += std::fabs(free_run.trainer.params()[q] - init[q]);
    moved_clip += std::fabs(clipped.trainer.params()[q] - init[q]);
  }
  CHECK(moved_clip < moved_free);
}

TEST_CASE("EMA: an exponential average of the weights, with a warm-up of the decay") {
  TrainConfig cfg;
  cfg.batch = 8;
  cfg.ema = 0.9f;
  const MlpSpec spec = MlpSpec::make(2, 8, 1);
  Run run(spec, cfg, DataSource::builtin(Dataset::circles));
  REQUIRE(run.status == Status::ok);
  std::vector<float> p0(run.trainer.current().weight[0], run.trainer.current().weight[0] + spec.param_count());
  REQUIRE(run.trainer.step() == Status::ok);
  const float d = 2.0f / 11.0f;  // min(0.9, (1 + 1)/(10 + 1))
  const float* p1 = run.trainer.current().weight[0];
  const float* e = run.trainer.params();
  for (size_t q = 0; q < spec.param_count(); q += 7) CHECK(e[q] == d * p0[q] + (1.0f - d) * p1[q]);
  CHECK(run.trainer.model().weight[0] == e);
  CHECK(run.trainer.model().packed[0] != nullptr);
}

TEST_CASE("OT coupling lowers the CFM loss (straighter conditional paths)") {
  TrainConfig cfg;
  cfg.batch = 128;
  cfg.steps = 150;
  const MlpSpec spec = MlpSpec::make(2, 64, 2);
  Run ind(spec, cfg, DataSource::builtin(Dataset::eight_gaussians));
  cfg.coupling = Coupling::ot;
  Run ot(spec, cfg, DataSource::builtin(Dataset::eight_gaussians));
  REQUIRE(ot.status == Status::ok);
  double li = 0, lo = 0;
  for (int i = 0; i < cfg.steps; ++i) {
    float a, b;
    REQUIRE(ind.trainer.step(&a) == Status::ok);
    REQUIRE(ot.trainer.step(&b) == Status::ok);
    if (i >= 100) { li += a; lo += b; }
  }
  MESSAGE("mean loss over steps 100-150: independent " << li / 50 << ", OT " << lo / 50);
  CHECK(lo < 0.5 * li);
}

TEST_CASE("callback sees every step and can stop the run") {
  TrainConfig cfg;
  cfg.batch = 4;
  Run run(MlpSpec::make(2, 8, 1), cfg, DataSource::builtin(Dataset::gaussian));
  struct Seen { int calls = 0, last = 0; } seen;
  auto cb = [](int step, float loss, void* ctx) {
    auto* s = static_cast<Seen*>(ctx);
    ++s->calls;
    s->last = step;
    return std::isfinite(loss) && step < 7;
  };
  REQUIRE(run.trainer.run(100, cb, &seen) == Status::ok);
  CHECK(seen.calls == 7);
  CHECK(seen.last == 7);
  CHECK(run.trainer.step_count() == 7);
}

TEST_CASE("bad configurations and data are refused with a reason") {
  const MlpSpec spec = MlpSpec::make(2, 8, 1);
  TrainConfig cfg;
  cfg.batch = 0;
  CHECK(Run(spec, cfg, DataSource::builtin(Dataset::moons)).status == Status::invalid_argument);
  cfg = TrainConfig{};
  cfg.lr = -1;
  CHECK(Run(spec, cfg, DataSource::builtin(Dataset::moons)).status == Status::invalid_argument);
  cfg = TrainConfig{};
  cfg.ema = 1.0f;
  CHECK(Run(spec, cfg, DataSource::builtin(Dataset::moons)).status == Status::invalid_argument);
  cfg = TrainConfig{};
  cfg.schedule = static_cast<Schedule>(2);
  CHECK(Run(spec, cfg, DataSource::builtin(Dataset::moons)).status == Status::invalid_argument);
  cfg = TrainConfig{};
  cfg.coupling = static_cast<Coupling>(-1);
  CHECK(Run(spec, cfg, DataSource::builtin(Dataset::moons)).status == Status::invalid_argument);
  cfg = TrainConfig{};
  cfg.coupling = Coupling::ot;
  cfg.batch = TrainConfig::kMaxOtBatch + 1;  // refused before anything is allocated
  Message m;
  {
    std::vector<unsigned char> mem(1 << 16);
    Arena a(mem.data(), mem.size());
    Trainer t;
    CHECK(t.init(spec, cfg, DataSource::builtin(Dataset::moons), a, &m) == Status::invalid_argument);
    CHECK(a.used() == 0);
  }
  // check() gives init()'s verdict with no arena: callers ask it before sizing one
  Message c;
  CHECK(Trainer::check(spec, cfg, DataSource::builtin(Dataset::moons), &c) == Status::invalid_argument);
  CHECK(std::string(c.text) == m.text);
  CHECK(std::string(c.text).find("OT coupling supports batches up to") != std::string::npos);
  CHECK(Trainer::check(spec, TrainConfig{}, DataSource::builtin(Dataset::moons), nullptr) == Status::ok);
  // 3-D model on a 2-D dataset
  Run wrong_dim(MlpSpec::make(3, 8, 1), TrainConfig{}, DataSource::builtin(Dataset::moons));
  CHECK(wrong_dim.status == Status::bad_shape);
  CHECK(std::string(wrong_dim.msg.text).find("2-dimensional") != std::string::npos);
  // NaN in the user's points
  std::vector<float> pts = {0, 0, 1, 1, NAN, 2};
  Run nan_data(spec, TrainConfig{}, DataSource::array(pts.data(), 3, 2));
  CHECK(nan_data.status == Status::non_finite);
  CHECK(std::string(nan_data.msg.text).find("point 2") != std::string::npos);
  CHECK(Trainer::check(spec, TrainConfig{}, DataSource::array(pts.data(), 3, 2), nullptr) == Status::non_finite);
  Run empty(spec, TrainConfig{}, DataSource::array(pts.data(), 0, 2));
  CHECK(empty.status == Status::invalid_argument);
  // an arena that is too small
  std::vector<unsigned char> mem(Trainer::memory_bytes(spec, TrainConfig{}) / 2);
  Arena small(mem.data(), mem.size());
  Trainer t;
  CHECK(t.init(spec, TrainConfig{}, DataSource::builtin(Dataset::moons), small, &m) == Status::out_of_memory);
  CHECK(small.used() == 0);
  // a step before init
  Trainer idle;
  CHECK(idle.step() == Status::invalid_argument);
}

TEST_CASE("divergence is reported, not hidden: points so large the loss overflows") {
  std::vector<float> pts = {3e38f, -3e38f, 3e38f, 3e38f};
  TrainConfig cfg;
  cfg.batch = 4;
  Run run(MlpSpec::make(2, 8, 1), cfg, DataSource::array(pts.data(), 2, 2));
  REQUIRE(run.status == Status::ok);
  std::vector<float> before(run.trainer.params(), run.trainer.params() + run.trainer.current().spec.param_count());
  CHECK(run.trainer.step() == Status::non_finite);
  CHECK(std::memcmp(before.data(), run.trainer.params(), before.size() * 4) == 0);
}

namespace {
// The CFM loss gradient of rows [r0, r0 + m) of a trainer's last minibatch, at parameters `params`,
// as one block: each sum over the rows in order, from +0.
std::vector<float> block_gradient(const MlpSpec& spec, const float* params, const Trainer& t, int r0, int m) {
  const int d = spec.dim, n = t.config().batch;
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params);
  std::vector<unsigned char> mem(tape_bytes(spec, m) + mlp_backward_scratch(spec, m));
  Arena arena(mem.data(), mem.size());
  Tape tape;
  REQUIRE(tape_init(spec, m, arena, &tape) == Status::ok);
  mlp_forward_train(mlp, t.batch_xt() + size_t(r0) * d, d, t.batch_t() + r0, m, tape);
  const float scale = 2.0f / static_cast<float>(n * d);
  const float* pred = tape.post[spec.n_layers - 1];
  std::vector<float> dout(size_t(m) * d), g(spec.param_count());
  for (size_t q = 0; q < dout.size(); ++q) dout[q] = scale * (pred[q] - t.batch_target()[size_t(r0) * d + q]);
  REQUIRE(mlp_backward(mlp, tape, dout.data(), g.data(), nullptr, nullptr, arena) == Status::ok);
  return g;
}
}  // namespace

TEST_CASE("a batch over 256 rows: its gradient is the sum of its 256-row blocks' gradients, in block order") {
  const MlpSpec spec = MlpSpec::make(2, 24, 2);
  for (int batch : {256, 300, 600, 1500}) {  // one block; 256 + 44; 256 + 256 + 88; two chunks
    INFO("batch " << batch);
    TrainConfig cfg;
    cfg.batch = batch;
    cfg.seed = 3;
    Run run(spec, cfg, DataSource::builtin(Dataset::moons));
    REQUIRE(run.status == Status::ok);
    const std::vector<float> p0(run.trainer.params(), run.trainer.params() + spec.param_count());
    REQUIRE(run.trainer.step() == Status::ok);
    std::vector<float> want;
    for (int r0 = 0; r0 < batch; r0 += 256) {
      const std::vector<float> g = block_gradient(spec, p0.data(), run.trainer, r0, batch - r0 < 256 ? batch - r0 : 256);
      if (want.empty()) want = g;
      else for (size_t q = 0; q < want.size(); ++q) want[q] = want[q] + g[q];
    }
    CHECK(std::memcmp(want.data(), run.trainer.gradient(), want.size() * sizeof(float)) == 0);
    // The definition is what the test pins: one pass over all the rows rounds differently.
    if (batch > 256) {
      const std::vector<float> one_pass = block_gradient(spec, p0.data(), run.trainer, 0, batch);
      CHECK(std::memcmp(one_pass.data(), run.trainer.gradient(), one_pass.size() * sizeof(float)) != 0);
    }
  }
}

// ---- conditions, cfg dropout and sources (issue 12) ----

namespace {
std::vector<float> draw_class(const Mlp& mlp, int n, uint32_t seed, int k, float w) {
  float c[16];
  mlp.spec.condition.encode_class(k, c);
  const MlpField uc(mlp, MlpCondition{c, 0}), u0(mlp);
  const GuidedField g(u0, uc, w);
  std::vector<unsigned char> mem(sample_scratch(g, Solver::rk4, n));
  Arena arena(mem.data(), mem.size());
  std::vector<float> x(size_t(n) * mlp.spec.dim);
  REQUIRE(sample(g, Solver::rk4, 24, n, seed, x.data(), arena) == Status::ok);
  return x;
}
}  // namespace

TEST_CASE("class-conditioned moons: each class's samples land on its moon; w = 0 gives both") {
  const MlpSpec spec = MlpSpec::make(2, 64, 3, Activation::silu, TimeEmbedding{3}, ConditionSpec::classes(2));
  TrainConfig cfg;
  cfg.steps = kSanitized ? 300 : 2500;
  cfg.lr = 3e-3f;
  cfg.schedule = Schedule::cosine;
  cfg.lr_floor = 0.05f;
  cfg.seed = 2;
  Run run(spec, cfg, DataSource::builtin(Dataset::moons));
  REQUIRE(run.status == Status::ok);
  REQUIRE(run.trainer.run(cfg.steps) == Status::ok);
  if (kSanitized) return;
  // A labelled reference draw and a 5-NN vote.
  const long nref = 4000;
  std::vector<float> ref(2 * nref);
  std::vector<std::int32_t> labels(nref);
  DatasetDraw how;
  how.labels = labels.data();
  Rng rr(99, 1);
  dataset_draw(Dataset::moons, rr, ref.data(), nref, how);
  for (int k = 0; k < 2; ++k) {
    const std::vector<float> x = draw_class(run.trainer.model(), 1000, 5, k, 1.0f);
    const std::int32_t want = k;
    const double agree = knn_agreement(ref.data(), labels.data(), nref, x.data(), 1000, 2, 5, &want, true);
    MESSAGE("moons class " << k << ": 5-NN agreement " << agree);
    CHECK(agree > 0.95);
  }
  const std::vector<float> both = draw_class(run.trainer.model(), 1000, 6, 0, 0.0f);
  const std::int32_t zero = 0;
  const double share = knn_agreement(ref.data(), labels.data(), nref, both.data(), 1000, 2, 5, &zero, true);
  MESSAGE("unconditional (w = 0): share of class 0 " << share);
  CHECK(share > 0.35);
  CHECK(share < 0.65);
}

TEST_CASE("cfg dropout replaces a share of the conditions by none; conditioned training keeps its bits on threads") {
  const MlpSpec spec = MlpSpec::make(2, 16, 2, Activation::silu, TimeEmbedding{}, ConditionSpec::classes(8));
  TrainConfig cfg;
  cfg.batch = 600;  // drawn side by side on two threads
  cfg.cfg_dropout = 0.25f;
  Run a(spec, cfg, DataSource::builtin(Dataset::eight_gaussians));
  REQUIRE(a.status == Status::ok);
  REQUIRE(a.trainer.run(5) == Status::ok);
  ThreadPool pool(2);
  Run b(spec, cfg, DataSource::builtin(Dataset::eight_gaussians));
  b.trainer.set_executor(&pool);
  REQUIRE(b.trainer.run(5) == Status::ok);
  CHECK(std::memcmp(a.trainer.params(), b.trainer.params(), sizeof(float) * spec.param_count()) == 0);
  // a wider check of the dropout share, over many rows of the stream it uses
  Rng drop = Rng::derive(cfg.seed, Purpose::cfg_dropout);
  long dropped = 0;
  for (int i = 0; i < 100000; ++i) dropped += drop.uniform() < 0.25f;
  CHECK(std::fabs(dropped / 100000.0 - 0.25) < 0.005);
}

TEST_CASE("conditions and sources are checked against the data") {
  struct Case {
    MlpSpec spec;
    TrainConfig cfg;
    DataSource data;
    const char* reason;
  };
  TrainConfig base;
  TrainConfig drop = base;
  drop.cfg_dropout = 1.0f;
  TrainConfig src = base;
  src.source = 99;
  const float pts[6] = {0, 0, 1, 1, 2, 2};
  const std::int32_t bad_labels[3] = {0, 1, 5};
  DataSource arr = DataSource::array(pts, 3, 2);
  DataSource arr_labels = arr;
  arr_labels.labels = bad_labels;
  const MlpSpec cls2 = MlpSpec::make(2, 8, 1, Activation::silu, TimeEmbedding{}, ConditionSpec::classes(2));
  const MlpSpec cls3 = MlpSpec::make(2, 8, 1, Activation::silu, TimeEmbedding{}, ConditionSpec::classes(3));
  const MlpSpec vec1 = MlpSpec::make(2, 8, 1, Activation::silu, TimeEmbedding{}, ConditionSpec::vector(1));
  const Case cases[] = {
      {cls2, base, DataSource::builtin(Dataset::gaussian), "dataset gaussian has no labels"},
      {cls3, base, DataSource::builtin(Dataset::moons), "dataset moons has 2 classes; the model's condition has 3"},
      {vec1, base, DataSource::builtin(Dataset::moons), "dataset moons has no vector condition"},
      {cls2, base, arr, "a class condition needs labels"},
      {cls3, base, arr_labels, "label 2 is 5; the model has classes 0..2"},
      {vec1, base, arr, "a vector condition needs condition values"},
      {cls2, drop, DataSource::builtin(Dataset::moons), "cfg_dropout must be in [0, 1)"},
      {MlpSpec::make(2, 8, 1), src, DataSource::builtin(Dataset::moons), "unknown source dataset 99"},
  };
  for (const Case& c : cases) {
    INFO(c.reason);
    Message msg;
    CHECK(Trainer::check(c.spec, c.cfg, c.data, &msg) != Status::ok);
    CHECK(std::string(msg.text).find(c.reason) != std::string::npos);
  }
  Message msg;
  CHECK(Trainer::check(vec1, base, DataSource::builtin(Dataset::swissroll), &msg) == Status::ok);  // its s
}

TEST_CASE("a source dataset: x0 is drawn from it, and a model trained from 8gaussians carries it to moons") {
  const MlpSpec spec = MlpSpec::make(2, 64, 3, Activation::silu, TimeEmbedding{3});
  TrainConfig cfg;
  cfg.steps = kSanitized ? 200 : 2500;
  cfg.lr = 3e-3f;
  cfg.schedule = Schedule::cosine;
  cfg.lr_floor = 0.05f;
  cfg.source = static_cast<int>(Dataset::eight_gaussians);
  Run run(spec, cfg, DataSource::builtin(Dataset::moons));
  REQUIRE(run.status == Status::ok);
  REQUIRE(run.trainer.run(cfg.steps) == Status::ok);
  if (kSanitized) return;
  // integrate 8gaussians points to t = 1 and compare with moons
  const int n = 2000;
  std::vector<float> x(2 * n), ref(2 * n);
  Rng r0(3, 3), r1(4, 4);
  dataset_sample(Dataset::eight_gaussians, r0, x.data(), n);
  dataset_sample(Dataset::moons, r1, ref.data(), n);
  const MlpField f(run.trainer.model());
  std::vector<unsigned char> mem(integrate_scratch(f, Solver::rk4, n));
  Arena a(mem.data(), mem.size());
  REQUIRE(integrate(f, Solver::rk4, 24, x.data(), n, 0.0f, 1.0f, a) == Status::ok);
  const double m = mmd2(x.data(), n, ref.data(), n, 2);
  MESSAGE("8gaussians -> moons after " << cfg.steps << " steps: MMD² " << m);
  CHECK(m < 0.02);
}

TEST_CASE("OT coupling keeps each point's condition with it, also a vector condition wider than the data") {
  // The condition of point (x, y) is (x, y, x + y): after OT re-pairs x1, each row's condition
  // must still be its own x1's (x1 = x_t + (1 − t)·target on the CondOT path with σmin 0).
  const long count = 64;
  std::vector<float> pts(2 * count), cond(3 * count);
  Rng rng(4, 4);
  for (long i = 0; i < count; ++i) {
    pts[2 * i] = rng.normal(), pts[2 * i + 1] = rng.normal();
    cond[3 * i] = pts[2 * i], cond[3 * i + 1] = pts[2 * i + 1], cond[3 * i + 2] = pts[2 * i] + pts[2 * i + 1];
  }
  DataSource data = DataSource::array(pts.data(), count, 2);
  data.cond = cond.data();
  const MlpSpec spec = MlpSpec::make(2, 8, 1, Activation::silu, TimeEmbedding{}, ConditionSpec::vector(3));
  TrainConfig cfg;
  cfg.batch = 16;
  cfg.coupling = Coupling::ot;
  cfg.cfg_dropout = 0.0f;
  Run run(spec, cfg, data);
  REQUIRE(run.status == Status::ok);
  for (int s = 0; s < 3; ++s) {
    REQUIRE(run.trainer.step() == Status::ok);
    for (int r = 0; r < cfg.batch; ++r) {
      const float* c = run.trainer.batch_condition() + 4 * r;
      const float tt = run.trainer.batch_t()[r];
      const float* xt = run.trainer.batch_xt() + 2 * r;
      const float* tg = run.trainer.batch_target() + 2 * r;
      const double x = xt[0] + (1.0 - tt) * tg[0], y = xt[1] + (1.0 - tt) * tg[1];
      INFO("step " << s << " row " << r);
      CHECK(c[0] == doctest::Approx(x).epsilon(1e-4).scale(1.0));
      CHECK(c[1] == doctest::Approx(y).epsilon(1e-4).scale(1.0));
      CHECK(c[2] == doctest::Approx(x + y).epsilon(1e-4).scale(1.0));
      CHECK(c[3] == 1.0f);
    }
  }
}
