// Threads: any number of threads gives the bits of one, for training and for
// sampling, and freeing ends every thread (the pool itself: test_thread_pool.cpp).
#include <doctest/doctest.h>

#include <dirent.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "rill/field.h"
#include "rill/model_io.h"
#include "rill/rill.h"
#include "rill/solver.h"
#include "rill/thread_pool.h"
#include "rill/train.h"
#include "test_util.h"

using namespace rill;

namespace {
// Threads of this process: the entries of /proc/self/task (-1 without /proc).
int thread_count() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int n = 0;
  while (const dirent* e = readdir(dir))
    if (e->d_name[0] != '.') ++n;
  closedir(dir);
  return n;
}

// A joined thread may stay listed for a moment while the kernel finishes its
// exit: the count once two reads 5 ms apart agree, or once it is down to `want`.
int thread_count_settled(int want = -1) {
  int n = thread_count();
  for (int i = 0; i < 200 && n != want; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const int again = thread_count();
    if (again == n && want < 0) break;
    n = again;
  }
  return n;
}

// set_claim_hook: helper `worker` sleeps before it claims work, a different
// time each run (0 .. 700 µs), as helpers the OS schedules late would.
struct Late {
  std::atomic<unsigned> runs{0};
  static void hook(void* ctx, int worker) {
    const unsigned k = static_cast<Late*>(ctx)->runs.fetch_add(1) * 7u + static_cast<unsigned>(worker);
    std::this_thread::sleep_for(std::chrono::microseconds((k * 131u) % 701u));
  }
};

// The parameters after `steps` training steps on `threads` threads (helpers made late by Late if asked).
std::vector<float> trained_params(const MlpSpec& spec, const TrainConfig& cfg, Dataset data, int threads, int steps,
                                  bool late_helpers = false) {
  std::vector<unsigned char> mem(Trainer::memory_bytes(spec, cfg));
  Arena arena(mem.data(), mem.size());
  Trainer t;
  REQUIRE(t.init(spec, cfg, DataSource::builtin(data), arena, nullptr) == Status::ok);
  Late late;
  ThreadPool pool(threads);
  if (late_helpers) pool.set_claim_hook(Late::hook, &late);
  t.set_executor(&pool);
  REQUIRE(t.run(steps) == Status::ok);
  return std::vector<float>(t.params(), t.params() + spec.param_count());
}
}  // namespace

TEST_CASE("training with 1, 2 or 3 threads gives the same bits (one block of rows, several, several chunks)") {
  const MlpSpec spec = MlpSpec::make(2, 40, 3);  // widths that do not split evenly
  // 101: one block, layers split over the threads; 300: two blocks (a short
  // one) in turn, layers split; 700 and 2100: whole blocks to each of 2
  // threads (uneven, and over several chunks; 3 threads take 700 in turn). batch >= 256 with threads also draws
  // the minibatch, its noise and its times side by side, in one join.
  for (Dataset data : {Dataset::spirals, Dataset::moons, Dataset::eight_gaussians})
  for (int batch : {101, 300, 700, 2100}) {
  INFO(dataset_name(data) << " batch " << batch);
  TrainConfig cfg;
  cfg.batch = batch;
  cfg.ema = 0.9f;
  const std::vector<float> one = trained_params(spec, cfg, data, 1, 6);
  CHECK(one == trained_params(spec, cfg, data, 2, 6));
  CHECK(one == trained_params(spec, cfg, data, 3, 6));
  }
}

TEST_CASE("training's two joins (forward and back by rows, then every layer's weight gradient) keep the bits of one thread") {
  // Batches up to one block go through mlp_train_pass on threads. Width 37: every layer's weight gradient
  // sums a tail of columns, the layers side by side in one join; time features and a class condition.
  const MlpSpec spec = MlpSpec::make(2, 37, 3, Activation::silu, TimeEmbedding{4}, ConditionSpec::classes(2));
  for (int batch : {64, 255}) {
    INFO("batch " << batch);
    TrainConfig cfg;
    cfg.batch = batch;
    cfg.ema = 0.9f;
    cfg.cfg_dropout = 0.2f;
    const std::vector<float> one = trained_params(spec, cfg, Dataset::moons, 1, 5);
    CHECK(one == trained_params(spec, cfg, Dataset::moons, 2, 5));
    CHECK(one == trained_params(spec, cfg, Dataset::moons, 3, 5, true));
  }
}

TEST_CASE("the update's layer tasks (largest first) give the bits of one thread, more layers than tasks per worker, clipped") {
  // Eight layers (input, six hidden, output) on 2 and 3 threads: several per worker, handed out one at a time;
  // clipping scales each layer's gradient in its task.
  const MlpSpec spec = MlpSpec::make(2, 24, 7);
  TrainConfig cfg;
  cfg.batch = 101;
  cfg.ema = 0.9f;
  cfg.clip = 0.05f;
  const std::vector<float> one = trained_params(spec, cfg, Dataset::moons, 1, 5);
  CHECK(one == trained_params(spec, cfg, Dataset::moons, 2, 5));
  CHECK(one == trained_params(spec, cfg, Dataset::moons, 3, 5, true));
}

TEST_CASE("helpers that come late (a test hook sleeps them) change no bit of training or sampling") {
  const MlpSpec spec = MlpSpec::make(2, 40, 3);
  for (int batch : {101, 700}) {  // one block, layers split; whole blocks to each worker
    INFO("batch " << batch);
    TrainConfig cfg;
    cfg.batch = batch;
    cfg.ema = 0.9f;
    const std::vector<float> one = trained_params(spec, cfg, Dataset::moons, 1, 4, true);
    CHECK(one == trained_params(spec, cfg, Dataset::moons, 2, 4, true));
    CHECK(one == trained_params(spec, cfg, Dataset::moons, 3, 4, true));
  }
  // Sampling: blocks of rows handed out one at a time, each worker in its own arena.
  rill_test::PackedNet net(spec, 5);
  const MlpField field(net.mlp);
  const int n = 1000, chunk = 256;
  std::vector<float> one(size_t(n) * 2), many(one.size());
  Rng(9, 2).fill_normal(one.data(), static_cast<long>(one.size()));
  many = one;
  const std::size_t bytes = integrate_scratch(field, Solver::rk4, chunk) + Arena::kAlign;
  std::vector<std::vector<unsigned char>> mem(3, std::vector<unsigned char>(bytes));
  Arena arenas[3] = {Arena(mem[0].data(), bytes), Arena(mem[1].data(), bytes), Arena(mem[2].data(), bytes)};
  REQUIRE(integrate_batch(field, Solver::rk4, 3, one.data(), n, 0.0f, 1.0f, chunk, arenas, nullptr) == Status::ok);
  Late late;
  ThreadPool pool(3);
  pool.set_claim_hook(Late::hook, &late);
  for (int round = 0; round < 5; ++round) {
    std::vector<float> x = many;
    REQUIRE(integrate_batch(field, Solver::rk4, 3, x.data(), n, 0.0f, 1.0f, chunk, arenas, &pool) == Status::ok);
    CHECK(std::memcmp(one.data(), x.data(), one.size() * 4) == 0);
  }
}

TEST_CASE("sampling and training through the C API with threads give the bits of one thread") {
  rill_train_config cfg;
  rill_train_config_default(&cfg);
  cfg.width = 24;
  cfg.batch = 77;
  rill_trainer* a = nullptr;
  rill_trainer* b = nullptr;
  REQUIRE(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &a, nullptr, 0) == RILL_OK);
  REQUIRE(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &b, nullptr, 0) == RILL_OK);
  REQUIRE(rill_trainer_set_threads(b, 2) == RILL_OK);
  REQUIRE(rill_trainer_step(a, 10, nullptr) == RILL_OK);
  REQUIRE(rill_trainer_step(b, 10, nullptr) == RILL_OK);
  std::vector<unsigned char> fa(rill_trainer_file_size(a)), fb(rill_trainer_file_size(b));
  size_t wa = 0, wb = 0;
  REQUIRE(rill_trainer_write(a, fa.data(), fa.size(), &wa) == RILL_OK);
  REQUIRE(rill_trainer_write(b, fb.data(), fb.size(), &wb) == RILL_OK);
  CHECK(fa == fb);

  rill_model* m = nullptr;
  REQUIRE(rill_model_open(fa.data(), fa.size(), &m, nullptr, 0) == RILL_OK);
  const int n = 1000, steps = 3;
  std::vector<float> one(size_t(n) * 2), many(one.size()), traj1(size_t(steps + 1) * n * 2), traj2(traj1.size());
  REQUIRE(rill_sample(m, n, steps, RILL_RK4, 4, one.data(), traj1.data()) == RILL_OK);
  for (int threads : {2, 3, 1}) {
    REQUIRE(rill_model_set_threads(m, threads) == RILL_OK);
    REQUIRE(rill_sample(m, n, steps, RILL_RK4, 4, many.data(), traj2.data()) == RILL_OK);
    CHECK(std::memcmp(one.data(), many.data(), one.size() * 4) == 0);
    CHECK(std::memcmp(traj1.data(), traj2.data(), traj1.size() * 4) == 0);
  }
  // Batches below the chunk (256) are split too, in blocks of 64 rows handed out
  // one at a time: sample, field and log p keep the bits of one thread.
  for (int rows : {127, 128, 200, 256}) {
    std::vector<float> a1(size_t(rows) * 2), a2(a1.size()), f1(a1.size()), f2(a1.size()), l1(static_cast<size_t>(rows)),
        l2(l1.size());
    rill_run_options o;
    rill_run_options_default(&o);
    o.steps = 2;
    REQUIRE(rill_model_set_threads(m, 1) == RILL_OK);
    REQUIRE(rill_sample_with(m, rows, 9, &o, a1.data(), nullptr) == RILL_OK);
    REQUIRE(rill_field_with(m, a1.data(), rows, &o, f1.data()) == RILL_OK);
    REQUIRE(rill_log_prob(m, a1.data(), rows, &o, l1.data()) == RILL_OK);
    REQUIRE(rill_model_set_threads(m, 2) == RILL_OK);
    REQUIRE(rill_sample_with(m, rows, 9, &o, a2.data(), nullptr) == RILL_OK);
    REQUIRE(rill_field_with(m, a1.data(), rows, &o, f2.data()) == RILL_OK);
    REQUIRE(rill_log_prob(m, a1.data(), rows, &o, l2.data()) == RILL_OK);
    CHECK(std::memcmp(a1.data(), a2.data(), a1.size() * 4) == 0);
    CHECK(std::memcmp(f1.data(), f2.data(), f1.size() * 4) == 0);
    CHECK(std::memcmp(l1.data(), l2.data(), l1.size() * 4) == 0);
  }
  CHECK(rill_model_set_threads(m, 0) == RILL_INVALID_ARGUMENT);
  REQUIRE(rill_model_set_threads(m, 2) == RILL_OK);
  // the trainer's live model samples with the trainer's threads, same bits as the file
  REQUIRE(rill_sample(rill_trainer_model(b), n, steps, RILL_RK4, 4, many.data(), nullptr) == RILL_OK);
  CHECK(std::memcmp(one.data(), many.data(), one.size() * 4) == 0);
  rill_model_free(m);  // with its threads
  rill_trainer_free(a);
  rill_trainer_free(b);
}

TEST_CASE("freeing a trainer ends every thread it started, its model view's included") {
  const int before = thread_count_settled();
  if (before < 0) return;  // no /proc
  rill_train_config cfg;
  rill_train_config_default(&cfg);
  cfg.width = 8;
  cfg.batch = 16;
  for (int trainer_threads : {1, 2}) {
    INFO("trainer threads " << trainer_threads);
    rill_trainer* t = nullptr;
    REQUIRE(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &t, nullptr, 0) == RILL_OK);
    REQUIRE(rill_trainer_set_threads(t, trainer_threads) == RILL_OK);
    // the view gets a pool of its own
    REQUIRE(rill_model_set_threads(rill_trainer_model(t), 3) == RILL_OK);
    CHECK(thread_count() == before + (trainer_threads - 1) + 2);
    std::vector<float> out(2 * 50);
    REQUIRE(rill_sample(rill_trainer_model(t), 50, 2, RILL_EULER, 1, out.data(), nullptr) == RILL_OK);
    rill_trainer_free(t);
    CHECK(thread_count_settled(before) == before);
  }
}
