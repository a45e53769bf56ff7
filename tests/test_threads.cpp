// Threads: the pool runs every task; any number of threads gives the bits of
// one, for training and for sampling.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <vector>

#include "rill/model_io.h"
#include "rill/rill.h"
#include "rill/thread_pool.h"
#include "rill/train.h"

using namespace rill;

TEST_CASE("the pool runs every task exactly once, many times over") {
  ThreadPool pool(3);
  CHECK(pool.workers() == 3);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::atomic<int>> hits(37);
    pool.run(37, [](void* ctx, int task) { ++(*static_cast<std::vector<std::atomic<int>>*>(ctx))[task]; }, &hits);
    bool once = true;
    for (auto& h : hits) once = once && h.load() == 1;
    REQUIRE(once);
  }
  long sum = 0;
  parallel_for(&pool, 1000, [&](long b, long e) {
    long s = 0;
    for (long i = b; i < e; ++i) s += i;
    __atomic_add_fetch(&sum, s, __ATOMIC_RELAXED);
  });
  CHECK(sum == 999L * 1000 / 2);
  CHECK(ThreadPool::hardware_threads() >= 1);
}

TEST_CASE("training with 1, 2 or 3 threads gives the same bits (one chunk of rows, and several)") {
  const MlpSpec spec = MlpSpec::make(2, 40, 3);  // widths that do not split evenly
  // batch >= 512 with threads also draws the minibatch and noise side by side
  for (Dataset data : {Dataset::spirals, Dataset::moons, Dataset::eight_gaussians})
  for (int batch : {101, 2100}) {
  INFO(dataset_name(data) << " batch " << batch);
  TrainConfig cfg;
  cfg.batch = batch;
  cfg.ema = 0.9f;
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2, 3}) {
    std::vector<unsigned char> mem(Trainer::memory_bytes(spec, cfg));
    Arena arena(mem.data(), mem.size());
    Trainer t;
    REQUIRE(t.init(spec, cfg, DataSource::builtin(data), arena, nullptr) == Status::ok);
    ThreadPool pool(threads);
    t.set_executor(&pool);
    REQUIRE(t.run(6) == Status::ok);
    results.emplace_back(t.params(), t.params() + spec.param_count());
  }
  CHECK(results[0] == results[1]);
  CHECK(results[0] == results[2]);
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
  CHECK(rill_model_set_threads(m, 0) == RILL_INVALID_ARGUMENT);
  REQUIRE(rill_model_set_threads(m, 2) == RILL_OK);
  // the trainer's live model samples with the trainer's threads, same bits as the file
  REQUIRE(rill_sample(rill_trainer_model(b), n, steps, RILL_RK4, 4, many.data(), nullptr) == RILL_OK);
  CHECK(std::memcmp(one.data(), many.data(), one.size() * 4) == 0);
  rill_model_free(m);  // with its threads
  rill_trainer_free(a);
  rill_trainer_free(b);
}

TEST_CASE("ThreadPool::create starts every helper or none") {
  ThreadPool* pool = ThreadPool::create(3);
  REQUIRE(pool != nullptr);
  CHECK(pool->workers() == 3);
  std::atomic<int> sum{0};
  pool->run(10, [](void* ctx, int task) { *static_cast<std::atomic<int>*>(ctx) += task; }, &sum);
  CHECK(sum.load() == 45);
  delete pool;
  ThreadPool* one = ThreadPool::create(0);  // at least the calling thread
  REQUIRE(one != nullptr);
  CHECK(one->workers() == 1);
  delete one;
}
