// thread_probe: where a two-thread training step's time goes, join by join.
//
// Build and run (from the repository): `make probes` (or `make unit`, which builds it too), then
//   build/thread_probe [batch] [steps] [threads] [trace]      (defaults 256, 400, 2)
// Trains the default model on moons at `batch`, in rounds of ten steps on one
// thread and ten on `threads` (a ThreadPool), each through an Executor that
// times every task of every run (join) of the pool; one thread runs the same
// tasks (the same split) in turn. For each join of a step it prints the
// medians over the counted steps of: its wall time on one thread, a task's
// time on one thread and side by side (caches, memory, the core's other
// tenant), its wall time on `threads`, and what the workers spent in it
// outside any task (waiting for the last task, starting late, the hand-over).
// Serial: the step's time outside the joins. With a fifth argument, the last
// step's tasks one by one (worker, start and end), and each task of a join of
// up to 8 tasks by its index (medians). Last, what moving data
// between two cores costs (cross_core: 128 KB written on CPU 0 and read on
// CPU 1, against the writer reading it; and written again over the lines CPU 1
// read, against lines only CPU 0 holds). Not a test and not part of the build.
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "rill/arena.h"
#include "rill/datasets.h"
#include "rill/thread_pool.h"
#include "rill/train.h"

namespace {
double now_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return 1e6 * static_cast<double>(ts.tv_sec) + 1e-3 * static_cast<double>(ts.tv_nsec);
}

struct Task {
  int worker;
  double start, end;
};
struct Join {
  double start, end;
  int tasks;
  std::vector<Task> done;  // filled by the workers: one slot per task
};

// Wraps an Executor (or runs in turn when inner is null, as `workers` workers), timing each run and task.
class Timeline final : public rill::Executor {
 public:
  Timeline(rill::Executor* inner, int workers) : inner_(inner), workers_(workers) {}
  int workers() const override { return workers_; }
  void run(int tasks, void (*fn)(void*, int), void* ctx) override {
    struct P {
      void (*fn)(void*, int);
      void* ctx;
    } p{fn, ctx};
    run_on_workers(tasks, [](void* q, int t, int) { auto* pp = static_cast<P*>(q); pp->fn(pp->ctx, t); }, &p);
  }
  void run_on_workers(int tasks, void (*fn)(void*, int, int), void* ctx) override {
    joins.push_back({now_us(), 0, tasks, std::vector<Task>(static_cast<std::size_t>(tasks))});
    Join& j = joins.back();
    struct W {
      void (*fn)(void*, int, int);
      void* ctx;
      Join* j;
    } w{fn, ctx, &j};
    auto timed = [](void* q, int t, int worker) {
      auto* ww = static_cast<W*>(q);
      const double s = now_us();
      ww->fn(ww->ctx, t, worker);
      ww->j->done[static_cast<std::size_t>(t)] = {worker, s, now_us()};
    };
    if (inner_ != nullptr) inner_->run_on_workers(tasks, timed, &w);
    else for (int t = 0; t < tasks; ++t) timed(&w, t, 0);
    j.end = now_us();
  }
  std::vector<Join> joins;

 private:
  rill::Executor* inner_;
  int workers_;
};

struct Trainer {
  std::vector<unsigned char> mem;
  std::unique_ptr<rill::Arena> arena;
  rill::Trainer trainer;
  explicit Trainer(int batch) {
    const rill::MlpSpec spec = rill::MlpSpec::make(rill::kDatasetDim);
    rill::TrainConfig cfg;
    cfg.batch = batch;
    cfg.simd = rill::simd_best();
    mem.resize(rill::Trainer::memory_bytes(spec, cfg) + rill::Arena::kAlign);
    arena.reset(new rill::Arena(mem.data(), mem.size()));
    rill::Message msg;
    if (trainer.init(spec, cfg, rill::DataSource::builtin(rill::Dataset::moons), *arena, &msg) != rill::Status::ok) {
      std::fprintf(stderr, "%s\n", msg.text);
      std::exit(1);
    }
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// What a step pays to move data between the cores: `bytes` written by a thread on CPU 0, then read
// (summed) by a thread on CPU 1 — the way a worker reads the weights the other updated, or the tape
// rows the other wrote — against the same read by the writer itself. Round by round, each side's
// fastest and median read, GB/s.
void cross_core(std::size_t bytes, int rounds) {
  const std::size_t n = bytes / sizeof(float);
  std::vector<float> buf(n);
  std::atomic<int> written{-1}, read{-1};
  std::vector<double> remote, local;
  volatile float sink = 0;
  auto sum = [&] {
    float a[16] = {};
    for (std::size_t i = 0; i < n; i += 16)
      for (int l = 0; l < 16; ++l) a[l] += buf[i + l];
    float t = 0;
    for (float v : a) t += v;
    return t;
  };
  std::thread reader([&] {
    pin(1);
    for (int r = 0; r < rounds; ++r) {
      while (written.load(std::memory_order_acquire) != r) {
      }
      const double t0 = now_us();
      sink = sink + sum();
      remote.push_back(static_cast<double>(bytes) / (1e3 * (now_us() - t0)));
      read.store(r, std::memory_order_release);
    }
  });
  std::vector<double> write_shared, write_own;  // writing lines the other core has read, or only this one
  auto fill = [&](int r, int k, std::vector<double>& out) {
    const double t0 = now_us();
    const float v = static_cast<float>(r * 8 + k);
    for (std::size_t i = 0; i < n; ++i) buf[i] = v;
    out.push_back(static_cast<double>(bytes) / (1e3 * (now_us() - t0)));
  };
  pin(0);
  for (int r = 0; r < rounds; ++r) {
    fill(r, 7, write_own);  // lines only this core holds (it wrote them last, at the end of the last round)
    written.store(r, std::memory_order_release);
    while (read.load(std::memory_order_acquire) != r) {
    }
    sink = sink + sum();  // this core's copy again, then a write over lines CPU 1 has read
    fill(r, 5, write_shared);
    const double t0 = now_us();
    sink = sink + sum();
    local.push_back(static_cast<double>(bytes) / (1e3 * (now_us() - t0)));
  }
  reader.join();
  auto fastest = [](std::vector<double> v) { return *std::max_element(v.begin(), v.end()); };
  std::printf("cross-core: %zu KB written on CPU 0, read on CPU 1: %.1f GB/s fastest, %.1f median; read by the "
              "writer: %.1f / %.1f\n", bytes / 1024, fastest(remote), median(remote), fastest(local), median(local));
  std::printf("cross-core: writing it again on CPU 0 after CPU 1 read it: %.1f / %.1f GB/s; after only CPU 0 "
              "had it: %.1f / %.1f\n", fastest(write_shared), median(write_shared), fastest(write_own),
              median(write_own));
}
}  // namespace

int main(int argc, char** argv) {
  const int batch = argc > 1 ? std::atoi(argv[1]) : 256;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 400;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  const bool trace = argc > 4;  // any fifth argument: print the last step's tasks
  rill::ThreadPool pool(threads);
  Trainer one(batch), many(batch);
  Timeline t1(nullptr, threads), tn(&pool, threads);  // the same split; one thread runs t1's tasks in turn
  one.trainer.set_executor(&t1);
  many.trainer.set_executor(&tn);
  for (int i = 0; i < 20; ++i) {
    one.trainer.step();
    many.trainer.step();
  }
  // Rounds of kRound steps on one thread, then kRound on the pool; the first step of each round is not
  // counted (a helper that slept through the other's round wakes late for its first join, which a run
  // of steps does not see). Figures per join are medians over the counted steps of each.
  constexpr int kRound = 10;
  struct Figures {
    std::vector<std::vector<double>> wall, idle, task;  // per join; task: one entry per task and step
    std::vector<double> step, serial;
  } f1, fn;
  int joins = -1;
  auto round = [&](Trainer& tr, Timeline& tl, Figures& f) {
    tr.trainer.step();
    for (int k = 1; k < kRound; ++k) {
      tl.joins.clear();
      const double s0 = now_us();
      tr.trainer.step();
      const double d = now_us() - s0;
      if (joins < 0) joins = static_cast<int>(tl.joins.size());
      if (static_cast<int>(tl.joins.size()) != joins) {
        std::fprintf(stderr, "joins per step differ: %zu and %d\n", tl.joins.size(), joins);
        std::exit(1);
      }
      f.wall.resize(joins);
      f.idle.resize(joins);
      f.task.resize(joins);
      double in = 0;
      for (int j = 0; j < joins; ++j) {
        const Join& b = tl.joins[j];
        double bz = 0;
        for (const Task& t : b.done) {
          bz += t.end - t.start;
          f.task[j].push_back(t.end - t.start);
        }
        f.wall[j].push_back(b.end - b.start);
        f.idle[j].push_back(tl.workers() * (b.end - b.start) - bz);
        in += b.end - b.start;
      }
      f.step.push_back(d);
      f.serial.push_back(d - in);
    }
  };
  for (int i = 0; i < steps; i += kRound - 1) {
    round(one, t1, f1);
    round(many, tn, fn);
  }
  if (trace) {  // the last step on the pool, task by task: worker, start and end from the join's start
    for (std::size_t j = 0; j < tn.joins.size(); ++j) {
      const Join& b = tn.joins[j];
      std::printf("join %zu (%.1f µs):", j, b.end - b.start);
      for (const Task& t : b.done) std::printf("  w%d %.1f-%.1f", t.worker, t.start - b.start, t.end - b.start);
      std::printf("\n");
    }
  }
  std::printf("batch %d, %d threads, medians over %zu steps of each, µs (wall clock)\n", batch, threads,
              f1.step.size());
  std::printf("%4s %5s %9s %9s %9s %9s %8s %9s\n", "join", "tasks", "1 thread", "task 1t", "task nt", "wall nt",
              "idle nt", "1t÷wall");
  double s1 = 0, sn = 0;
  for (int j = 0; j < joins; ++j) {
    const double w1 = median(f1.wall[j]), wn = median(fn.wall[j]);
    s1 += w1;
    sn += wn;
    std::printf("%4d %5zu %9.1f %9.2f %9.2f %9.1f %8.1f %8.2fx\n", j, tn.joins.empty() ? 0 : tn.joins[j].done.size(),
                w1, median(f1.task[j]), median(fn.task[j]), wn, median(fn.idle[j]), w1 / wn);
  }
  std::printf("%4s %5s %9.1f %9s %9s %9.1f %8s %8.2fx\n", "all", "", s1, "", "", sn, "", s1 / sn);
  if (trace) {  // each task of a join by its index (up to 8 tasks): its median on one thread and on the pool. The
    // pool's caller claims tasks from the front, its helper from the back: on two threads, the first and the
    // last task are each worker's first of the join.
    for (int j = 0; j < joins; ++j) {
      const std::size_t nt = tn.joins[j].done.size();
      if (nt > 8) continue;
      std::printf("join %d by task, µs on 1 thread / on %d:", j, threads);
      for (std::size_t k = 0; k < nt; ++k) {
        std::vector<double> a, b;
        for (std::size_t q = k; q < f1.task[j].size(); q += nt) a.push_back(f1.task[j][q]);
        for (std::size_t q = k; q < fn.task[j].size(); q += nt) b.push_back(fn.task[j][q]);
        std::printf("  %.1f / %.1f", median(a), median(b));
      }
      std::printf("\n");
    }
  }
  std::printf("serial: %.1f µs on one thread, %.1f with the pool\n", median(f1.serial), median(fn.serial));
  std::printf("step: %.1f µs on one thread, %.1f on %d: %.2fx (medians)\n", median(f1.step), median(fn.step), threads,
              median(f1.step) / median(fn.step));
  if (std::thread::hardware_concurrency() >= 2) cross_core(128 * 1024, 400);
  return 0;
}
