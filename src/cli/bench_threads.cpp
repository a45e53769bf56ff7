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

// How many calls of fn in a row last at least min_s (at most max_calls).
int calls_for(const std::function<void()>& fn, double min_s, int max_calls) {
  int calls = 1;
  for (;;) {
    const auto t0 = Clock::now();
    for (int i = 0; i < calls; ++i) fn();
    const double s = since(t0);
    if (s >= min_s || calls >= max_calls) return calls;
    calls = s <= 0 ? calls * 16 : std::max(calls * 2, static_cast<int>(calls * min_s / s * 1.2));
  }
}

// Seconds per call of each of fns: `reps` rounds, each timing every function
// in turn over enough calls to last min_s; the fastest round of each. Each
// round starts with one call that is not timed: the pool's helpers sleep
// through a round of the other functions (they spin 500 µs, then sleep), and
// waking them is not what a run of calls sees.
std::vector<double> alternate(const std::vector<std::function<void()>>& fns, int reps, double min_s) {
  const std::size_t k = fns.size();
  std::vector<int> calls(k);
  std::vector<double> best(k, 1e300);
  for (std::size_t f = 0; f < k; ++f) calls[f] = calls_for(fns[f], min_s, 1 << 20);
  for (int r = 0; r < reps; ++r)
    for (std::size_t f = 0; f < k; ++f) {
      fns[f]();
      const auto t0 = Clock::now();
      for (int i = 0; i < calls[f]; ++i) fns[f]();
      best[f] = std::min(best[f], since(t0) / calls[f]);
    }
  return best;
}

double wall_s() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }
double thread_cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// The pool, counting its runs — each one join of the caller with the helpers —
// and timing them on `clock`: the runs' time, and the time the workers spent
// in tasks (per worker, so that no two threads add to one sum). Without a
// pool, `workers` workers run every task in turn on the calling thread (the
// split, and so the work, of that many workers; the same bits), and only the
// runs are timed: there the tasks' time is the runs' time.
constexpr int kMaxTimed = 64;
class Timed final : public rill::Executor {
 public:
  Timed(rill::Executor* inner, int workers, double (*clock)() = wall_s)
      : inner_(inner), workers_(inner != nullptr ? inner->workers() : workers), clock_(clock) {}
  int workers() const override { return workers_; }
  void run(int tasks, void (*fn)(void*, int), void* ctx) override {
    struct Plain {
      void (*fn)(void*, int);
      void* ctx;
    } plain{fn, ctx};
    run_on_workers(tasks, [](void* p, int t, int) { auto* q = static_cast<Plain*>(p); q->fn(q->ctx, t); }, &plain);
  }
  void run_on_workers(int tasks, void (*fn)(void*, int, int), void* ctx) override {
    ++runs;
    const double t0 = clock_();
    if (inner_ != nullptr) {
      struct Inner {
        void (*fn)(void*, int, int);
        void* ctx;
        Timed* self;
      } in{fn, ctx, this};
      inner_->run_on_workers(tasks, [](void* p, int t, int worker) {
        auto* q = static_cast<Inner*>(p);
        const double s = q->self->clock_();
        q->fn(q->ctx, t, worker);
        q->self->busy_[worker < kMaxTimed ? worker : 0] += q->self->clock_() - s;
      }, &in);
    } else {
      for (int t = 0; t < tasks; ++t) fn(ctx, t, 0);  // one at a time: worker 0's scratch serves every task
    }
    in_runs += clock_() - t0;
  }
  void reset() {
    runs = 0;
    in_runs = 0;
    for (double& b : busy_) b = 0;
  }
  double in_tasks() const {  // seconds in tasks, all workers
    if (inner_ == nullptr) return in_runs;
    double sum = 0;
    for (double b : busy_) sum += b;
    return sum;
  }
  long runs = 0;
  double in_runs = 0;  // seconds in runs (the caller's clock)

 private:
  rill::Executor* inner_;
  int workers_;
  double (*clock_)();
  double busy_[kMaxTimed] = {};
};

// A trainer of the default architecture on moons at `level`, on `pool`'s threads.
struct BenchTrainer {
  std::vector<unsigned char> mem;
  std::unique_ptr<rill::Arena> arena;
  rill::Trainer trainer;
  rill::ThreadPool pool;
  Timed timed{&pool, 0};
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
    trainer.set_executor(&timed);
  }
  int joins_per_step() {
    timed.reset();
    for (int i = 0; i < 4; ++i) trainer.step();
    return static_cast<int>(timed.runs / 4);
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

// The share of a training step outside the runs of `threads` workers run in turn on one thread, on its
// CPU clock: the least over 5 rounds of 20 steps (after 2 to warm up) of (step − time in runs) ÷ step.
double serial_share(rill::Simd level, int batch, int threads) {
  BenchTrainer b(level, batch, 1);
  Timed in_turn(nullptr, threads, thread_cpu_s);
  b.trainer.set_executor(&in_turn);
  for (int i = 0; i < 2; ++i) b.trainer.step();
  double best = 1.0;
  for (int round = 0; round < 5; ++round) {
    in_turn.reset();
    const double t0 = thread_cpu_s();
    for (int i = 0; i < 20; ++i) b.trainer.step();
    const double total = thread_cpu_s() - t0;
    if (total > 0) best = std::min(best, (total - in_turn.in_runs) / total);
  }
  return best;
}

// Where a training step's time goes on `threads` threads: rounds of steps on
// the pool, in alternation with rounds of the same steps split the same way
// but run in turn on one thread (a second trainer: the same work), each timed
// by a Timed executor; from the pool's fastest round, the workers' share of
// the step spent in tasks, and its task time over the in-turn round's
// (fastest round of each).
void train_breakdown(rill::Simd level, int batch, int threads, int reps, double min_s, ThreadScaling::Breakdown* out) {
  BenchTrainer b(level, batch, threads), c(level, batch, 1);
  Timed in_turn(nullptr, threads);
  c.trainer.set_executor(&in_turn);
  const int steps = calls_for([&] { b.trainer.step(); }, min_s, 4096);  // calibrated on the pool
  double best_wall = 1e300, best_turn = 1e300, tasks_s = 0;
  for (int r = 0; r < reps; ++r) {
    b.trainer.step();  // not timed: wakes the helpers (see alternate)
    b.timed.reset();
    const auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) b.trainer.step();
    const double wall = since(t0);
    if (wall < best_wall) {
      best_wall = wall;
      out->occupancy = b.timed.in_tasks() / (threads * wall);
      tasks_s = b.timed.in_tasks() / steps;
    }
    in_turn.reset();
    for (int i = 0; i < steps; ++i) c.trainer.step();
    best_turn = std::min(best_turn, in_turn.in_tasks() / steps);
  }
  out->slowdown = tasks_s / best_turn;
}
// `threads` one-thread trainers side by side (one task per worker of a pool of their own, a join per
// step each) against the first of them alone, in alternation: their throughput over one's.
double independent_trainers(rill::Simd level, int batch, int threads, int reps, double min_s) {
  using Trainers = std::vector<std::unique_ptr<BenchTrainer>>;
  Trainers t;
  for (int i = 0; i < threads; ++i) t.emplace_back(new BenchTrainer(level, batch, 1));
  rill::ThreadPool pool(threads);
  const std::function<void()> one = [&] { t[0]->trainer.step(); };
  const std::function<void()> side = [&] {
    pool.run(threads, [](void* p, int k) { (*static_cast<Trainers*>(p))[k]->trainer.step(); }, &t);
  };
  const std::vector<double> s = alternate({one, side}, reps, min_s);
  return threads * s[0] / s[1];
}
}  // namespace

ThreadScaling measure_thread_scaling(const unsigned char* model, std::size_t size, rill::Simd level, int threads,
                                     bool quick, ArithmeticLoop loop) {
  ThreadScaling s;
  s.threads = threads;
  const int reps = quick ? 8 : 20;
  const double min_s = quick ? 0.005 : 0.01;
  // The machine's own figure, timed in the same rounds as each pair: a loop of
  // independent multiplies and adds (no memory) on one thread, and on each of
  // `threads` at once (one task per worker of a pool of its own). A call is
  // about 0.5 ms, so that the untimed first call of its round outlasts the
  // other pools' helpers, which spin for up to 500 µs after their last run.
  rill::ThreadPool loop_pool(threads);
  volatile double sink = 0;
  constexpr long kLoopIters = 1 << 18;
  const std::function<void()> loop_one = [&] { sink = sink + loop(kLoopIters); };
  struct LoopCtx {
    ArithmeticLoop loop;
    double sums[kMaxTimed];
  } lctx{loop, {}};
  const std::function<void()> loop_side = [&] {
    loop_pool.run(threads, [](void* p, int t) {
      auto* c = static_cast<LoopCtx*>(p);
      c->sums[t % kMaxTimed] += c->loop(kLoopIters);
    }, &lctx);
  };
  auto pair = [&](const char* what, int batch, double per_call, const std::function<void()>& one,
                  const std::function<void()>& many) {
    const std::vector<double> t = alternate({one, many, loop_one, loop_side}, reps, min_s);
    s.pairs.push_back({what, batch, per_call / t[0], per_call / t[1], threads * t[2] / t[3]});
  };
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
    pair("sample", batch, static_cast<double>(batch) * steps,
         [&] { rill_sample(m[0], batch, steps, RILL_EULER, 1, out.data(), nullptr); },
         [&] { rill_sample(m[1], batch, steps, RILL_EULER, 1, out.data(), nullptr); });
  }
  for (rill_model* p : m) rill_model_free(p);
  for (int batch : {256, 4096}) {
    BenchTrainer a(level, batch, 1), b(level, batch, threads);
    (batch == 256 ? s.joins_256 : s.joins_4096) = b.joins_per_step();
    pair("train", batch, 1.0, [&] { a.trainer.step(); }, [&] { b.trainer.step(); });
  }
  time_pool(threads, &s);
  for (int batch : {256, 4096}) {
    (batch == 256 ? s.serial_256 : s.serial_4096) = serial_share(level, batch, threads);
    train_breakdown(level, batch, threads, reps, min_s, batch == 256 ? &s.why_256 : &s.why_4096);
    (batch == 256 ? s.independent_256 : s.independent_4096) = independent_trainers(level, batch, threads, reps, min_s);
  }
  return s;
}

void print_thread_scaling(const ThreadScaling& s, bool json) {
  if (json) {
    std::printf("{\"threads\": %d, \"joins_per_train_step\": {\"256\": %d, \"4096\": %d}, \"empty_run_us\": %.3f, "
                "\"run_overhead_us\": %.3f, \"serial_share_train\": {\"256\": %.4f, \"4096\": %.4f}, "
                "\"train_breakdown\": {\"256\": {\"occupancy\": %.4f, \"slowdown\": %.4f}, "
                "\"4096\": {\"occupancy\": %.4f, \"slowdown\": %.4f}}, "
                "\"independent_trainers\": {\"256\": %.4f, \"4096\": %.4f}, \"ratios\": [",
                s.threads, s.joins_256, s.joins_4096, s.empty_run_us, s.run_overhead_us, s.serial_256, s.serial_4096,
                s.why_256.occupancy, s.why_256.slowdown, s.why_4096.occupancy, s.why_4096.slowdown, s.independent_256,
                s.independent_4096);
    for (std::size_t i = 0; i < s.pairs.size(); ++i)
      std::printf("%s{\"what\": \"%s\", \"batch\": %d, \"one\": %.7g, \"many\": %.7g, \"ratio\": %.4f, "
                  "\"machine\": %.4f}",
                  i ? ", " : "", s.pairs[i].what, s.pairs[i].batch, s.pairs[i].one, s.pairs[i].many,
                  s.pairs[i].many / s.pairs[i].one, s.pairs[i].machine);
    std::printf("]}");
    return;
  }
  std::printf("\n%d threads against 1, timed in alternation (fastest round of each); machine: a loop of independent\n"
              "multiplies and adds on %d threads against 1 in the same rounds (what this machine gives now):\n",
              s.threads, s.threads);
  std::printf("%-8s %7s %14s %14s %7s %8s\n", "", "batch", "1 thread", "threads", "ratio", "machine");
  for (const auto& p : s.pairs)
    std::printf("%-8s %7d %11.0f %-2s %11.0f %-2s %6.2fx %7.2fx\n", p.what, p.batch, p.one,
                p.what[0] == 's' ? "ev" : "st", p.many, p.what[0] == 's' ? "ev" : "st", p.many / p.one, p.machine);
  std::printf("pool     %d joins per training step at batch 256, %d at 4096; a join of %d threads costs %.2f us "
              "(empty tasks), %.2f us over the work (tasks of 5 us)\n",
              s.joins_256, s.joins_4096, s.threads, s.empty_run_us, s.run_overhead_us);
  auto bound = [&](double serial) { return 1.0 / (serial + (1.0 - serial) / s.threads); };
  std::printf("serial   %.1f%% of a training step at batch 256, %.1f%% at 4096 runs outside the joins (caller alone, "
              "its CPU time): at most %.2fx and %.2fx on %d threads\n",
              100 * s.serial_256, 100 * s.serial_4096, bound(s.serial_256), bound(s.serial_4096), s.threads);
  std::printf("train    where a step on %d threads goes (fastest of alternated rounds): the workers in tasks "
              "%.0f%% of it at batch 256, %.0f%% at 4096 (the rest: serial parts and waits at joins); the tasks take %.2fx and "
              "%.2fx as long side by side as in turn on one thread\n",
              s.threads, 100 * s.why_256.occupancy, 100 * s.why_4096.occupancy, s.why_256.slowdown,
              s.why_4096.slowdown);
  std::printf("train    %d independent one-thread trainers side by side against one alone (alternated): %.2fx the "
              "steps at batch 256, %.2fx at 4096 (this machine's ratio for the work itself, memory included: about "
              "the most %d threads can give one trainer)\n",
              s.threads, s.independent_256, s.independent_4096, s.threads);
}

}  // namespace cli
