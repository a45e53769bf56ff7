// `rill bench`'s thread scaling (bench_threads.h). One thread and N threads
// are timed round by round in alternation, so that both see the same drift of
// a shared machine's load, and each keeps its fastest round; the ratio of the
// two is the figure. The pool's own figures (joins per training step, the
// cost of a join) do not depend on the load at all, or only through noise
// that the fastest of many rounds removes.
#include "cli/bench_threads.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>

#include "cli/fail.h"
#include "rill/capi.h"
#include "rill/datasets.h"
#include "rill/rill.h"
#include "rill/thread_pool.h"
#include "rill/train.h"

namespace cli {

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Seconds per call of a and of b: `reps` rounds, each timing a then b over
// enough calls to last min_s; the fastest round of each.
void alternate(const std::function<void()>& a, const std::function<void()>& b, int reps, double min_s,
               double* best_a, double* best_b) {
  int calls[2] = {1, 1};
  const std::function<void()>* fns[2] = {&a, &b};
  double best[2] = {1e300, 1e300};
  for (int k = 0; k < 2; ++k)  // calibrate each
    for (;;) {
      const auto t0 = Clock::now();
      for (int i = 0; i < calls[k]; ++i) (*fns[k])();
      const double s = since(t0);
      if (s >= min_s || calls[k] >= (1 << 20)) break;
      calls[k] = s <= 0 ? calls[k] * 16 : std::max(calls[k] * 2, static_cast<int>(calls[k] * min_s / s * 1.2));
    }
  for (int r = 0; r < reps; ++r)
    for (int k = 0; k < 2; ++k) {
      const auto t0 = Clock::now();
      for (int i = 0; i < calls[k]; ++i) (*fns[k])();
      best[k] = std::min(best[k], since(t0) / calls[k]);
    }
  *best_a = best[0];
  *best_b = best[1];
}

// The pool, counting its runs: each is one join of the calling thread with the helpers.
class Counting final : public rill::Executor {
 public:
  explicit Counting(rill::Executor& inner) : inner_(inner) {}
  int workers() const override { return inner_.workers(); }
  void run(int tasks, void (*fn)(void*, int), void* ctx) override {
    ++runs;
    inner_.run(tasks, fn, ctx);
  }
  void run_on_workers(int tasks, void (*fn)(void*, int, int), void* ctx) override {
    ++runs;
    inner_.run_on_workers(tasks, fn, ctx);
  }
  long runs = 0;

 private:
  rill::Executor& inner_;
};

double thread_cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// An Executor of `workers` workers that runs every task in turn on the calling thread (the split,
// and so the work, of that many workers; the same bits), timing its runs on the thread's CPU clock.
class InTurn final : public rill::Executor {
 public:
  explicit InTurn(int workers) : workers_(workers) {}
  int workers() const override { return workers_; }
  void run(int tasks, void (*fn)(void*, int), void* ctx) override {
    const double t0 = thread_cpu_s();
    for (int t = 0; t < tasks; ++t) fn(ctx, t);
    inside += thread_cpu_s() - t0;
  }
  void run_on_workers(int tasks, void (*fn)(void*, int, int), void* ctx) override {
    const double t0 = thread_cpu_s();
    for (int t = 0; t < tasks; ++t) fn(ctx, t, 0);  // one at a time: worker 0's scratch serves every task
    inside += thread_cpu_s() - t0;
  }
  double inside = 0;  // CPU seconds in runs

 private:
  int workers_;
};

// A trainer of the default architecture on moons at `level`, on `pool`'s threads.
struct BenchTrainer {
  std::vector<unsigned char> mem;
  std::unique_ptr<rill::Arena> arena;
  rill::Trainer trainer;
  rill::ThreadPool pool;
  Counting counting{pool};
  BenchTrainer(rill::Simd level, int batch, int threads) : pool(threads) {
    const rill::MlpSpec spec = rill::MlpSpec::make(rill::kDatasetDim);
    rill::TrainConfig cfg;
    cfg.batch = batch;
    cfg.simd = level;
    mem.resize(rill::Trainer::memory_bytes(spec, cfg) + rill::Arena::kAlign);
    arena.reset(new rill::Arena(mem.data(), mem.size()));
    rill::Message msg;
    if (trainer.init(spec, cfg, rill::DataSource::builtin(rill::Dataset::moons), *arena, &msg) != rill::Status::ok)
      runtime_error("%s", msg.text);
    trainer.set_executor(&counting);
  }
  int joins_per_step() {
    counting.runs = 0;
    for (int i = 0; i < 4; ++i) trainer.step();
    return static_cast<int>(counting.runs / 4);
  }
};

// The pool's cost per join: an empty run (2 tasks per worker that do
// nothing), and a run of 2 tasks per worker that each spin `busy_us`, less
// the spinning each worker does (2 · busy_us). The fastest of many rounds.
constexpr int kBusyUs = 5;
void time_pool(int threads, ThreadScaling* s) {
  rill::ThreadPool pool(threads);
  const int tasks = 2 * threads;
  auto empty = [](void*, int) {};
  auto busy = [](void*, int) {
    const auto until = Clock::now() + std::chrono::microseconds(kBusyUs);
    while (Clock::now() < until) {
    }
  };
  double best_empty = 1e300, best_busy = 1e300;
  for (int round = 0; round < 200; ++round) {
    auto t0 = Clock::now();
    for (int i = 0; i < 50; ++i) pool.run(tasks, empty, nullptr);
    best_empty = std::min(best_empty, since(t0) / 50);
    t0 = Clock::now();
    for (int i = 0; i < 50; ++i) pool.run(tasks, busy, nullptr);
    best_busy = std::min(best_busy, since(t0) / 50);
  }
  s->empty_run_us = best_empty * 1e6;
  s->run_overhead_us = best_busy * 1e6 - static_cast<double>(kBusyUs) * tasks / threads;
}
}  // namespace

namespace {
// The share of a training step outside the runs of an InTurn executor of `threads` workers: the
// least over 5 rounds of 20 steps (after 2 to warm up) of (step CPU time − time in runs) ÷ step CPU time.
double serial_share(rill::Simd level, int batch, int threads) {
  BenchTrainer b(level, batch, 1);
  InTurn in_turn(threads);
  b.trainer.set_executor(&in_turn);
  for (int i = 0; i < 2; ++i) b.trainer.step();
  double best = 1.0;
  for (int round = 0; round < 5; ++round) {
    in_turn.inside = 0;
    const double t0 = thread_cpu_s();
    for (int i = 0; i < 20; ++i) b.trainer.step();
    const double total = thread_cpu_s() - t0;
    if (total > 0) best = std::min(best, (total - in_turn.inside) / total);
  }
  return best;
}
}  // namespace

ThreadScaling measure_thread_scaling(const unsigned char* model, std::size_t size, rill::Simd level, int threads,
                                     bool quick) {
  ThreadScaling s;
  s.threads = threads;
  const int reps = quick ? 8 : 20;
  const double min_s = quick ? 0.005 : 0.01;
  rill_model* m[2] = {nullptr, nullptr};
  char err[256] = "";
  for (int k = 0; k < 2; ++k) {
    if (rill_model_open(model, size, &m[k], err, sizeof err) != RILL_OK) runtime_error("%s", err);
    m[k]->model.mlp.simd = level;
  }
  if (rill_model_set_threads(m[1], threads) != RILL_OK) runtime_error("cannot start %d threads", threads);
  rill_model_info info;
  rill_model_get_info(m[0], &info);
  const std::vector<int> batches = quick ? std::vector<int>{256, 4096} : std::vector<int>{256, 4096, 65536};
  for (int batch : batches) {
    const int steps = std::max(1, std::min(100, 20000 / batch));  // as the table above
    std::vector<float> out(static_cast<std::size_t>(batch) * info.dim);
    double one = 0, many = 0;
    alternate([&] { rill_sample(m[0], batch, steps, RILL_EULER, 1, out.data(), nullptr); },
              [&] { rill_sample(m[1], batch, steps, RILL_EULER, 1, out.data(), nullptr); }, reps, min_s, &one,
              &many);
    s.pairs.push_back({"sample", batch, static_cast<double>(batch) * steps / one,
                       static_cast<double>(batch) * steps / many});
  }
  for (rill_model* p : m) rill_model_free(p);
  for (int batch : {256, 4096}) {
    BenchTrainer a(level, batch, 1), b(level, batch, threads);
    (batch == 256 ? s.joins_256 : s.joins_4096) = b.joins_per_step();
    double one = 0, many = 0;
    alternate([&] { a.trainer.step(); }, [&] { b.trainer.step(); }, reps, min_s, &one, &many);
    s.pairs.push_back({"train", batch, 1.0 / one, 1.0 / many});
  }
  time_pool(threads, &s);
  for (int batch : {256, 4096}) (batch == 256 ? s.serial_256 : s.serial_4096) = serial_share(level, batch, threads);
  return s;
}

void print_thread_scaling(const ThreadScaling& s, bool json) {
  if (json) {
    std::printf("{\"threads\": %d, \"joins_per_train_step\": {\"256\": %d, \"4096\": %d}, \"empty_run_us\": %.3f, "
                "\"run_overhead_us\": %.3f, \"serial_share_train\": {\"256\": %.4f, \"4096\": %.4f}, \"ratios\": [",
                s.threads, s.joins_256, s.joins_4096, s.empty_run_us, s.run_overhead_us, s.serial_256, s.serial_4096);
    for (std::size_t i = 0; i < s.pairs.size(); ++i)
      std::printf("%s{\"what\": \"%s\", \"batch\": %d, \"one\": %.7g, \"many\": %.7g, \"ratio\": %.4f}", i ? ", " : "",
                  s.pairs[i].what, s.pairs[i].batch, s.pairs[i].one, s.pairs[i].many, s.pairs[i].many / s.pairs[i].one);
    std::printf("]}");
    return;
  }
  std::printf("\n%d threads against 1, timed in alternation (fastest round of each):\n", s.threads);
  std::printf("%-8s %7s %14s %14s %7s\n", "", "batch", "1 thread", "threads", "ratio");
  for (const auto& p : s.pairs)
    std::printf("%-8s %7d %11.0f %-2s %11.0f %-2s %6.2fx\n", p.what, p.batch, p.one,
                p.what[0] == 's' ? "ev" : "st", p.many, p.what[0] == 's' ? "ev" : "st", p.many / p.one);
  std::printf("pool     %d joins per training step at batch 256, %d at 4096; a join of %d threads costs %.2f us "
              "(empty tasks), %.2f us over the work (tasks of 5 us)\n",
              s.joins_256, s.joins_4096, s.threads, s.empty_run_us, s.run_overhead_us);
  auto bound = [&](double serial) { return 1.0 / (serial + (1.0 - serial) / s.threads); };
  std::printf("serial   %.1f%% of a training step at batch 256, %.1f%% at 4096 runs outside the joins (caller alone, "
              "its CPU time): at most %.2fx and %.2fx on %d threads\n",
              100 * s.serial_256, 100 * s.serial_4096, bound(s.serial_256), bound(s.serial_4096), s.threads);
}

}  // namespace cli
