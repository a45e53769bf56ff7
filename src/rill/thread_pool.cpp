// ThreadPool: a generation-counted work queue over std::thread. The caller
// takes part in the work. Between runs, helpers spin for a while (a training
// step hands out dozens of pieces of work a few hundred µs apart, and waking
// a sleeping thread costs tens of µs on a busy or virtual machine), then
// sleep on a condition variable. The caller likewise spins before it sleeps
// while the helpers finish.
#include "rill/thread_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace rill {

namespace {
// How long a thread spins for the next run (or for the helpers to finish)
// before it sleeps. Spinning only costs a core that has nothing else to do.
constexpr auto kSpinTime = std::chrono::microseconds(500);

inline void pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// Spins until ready() or kSpinTime has passed; returns ready().
template <class F>
bool spin_until(F&& ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      pause();
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
  }
}
}  // namespace

struct ThreadPool::State {
  std::mutex mu;  // guards the sleeps only; the run's fields are published by `generation`
  std::condition_variable wake, done;
  std::vector<std::thread> helpers;
  std::atomic<long> generation{0};
  std::atomic<bool> stop{false};
  // The current run: written by run() before it bumps `generation` (release)
  // and left alone until every helper has counted itself out of `busy`.
  void (*fn)(void*, int) = nullptr;
  void* ctx = nullptr;
  int tasks = 0;
  std::atomic<int> next{0};
  std::atomic<int> busy{0};  // helpers not yet done with this generation

  void work() {
    for (int t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) fn(ctx, t);
  }

  void helper_loop() {
    long seen = 0;
    for (;;) {
      long g = seen;
      auto ready = [&] {
        g = generation.load(std::memory_order_acquire);
        return g != seen || stop.load(std::memory_order_acquire);
      };
      if (!spin_until(ready)) {
        std::unique_lock<std::mutex> lock(mu);
        wake.wait(lock, ready);
      }
      if (stop.load(std::memory_order_acquire)) return;
      seen = g;
      work();
      if (busy.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // The caller may be between its check of `busy` and its sleep: taking
        // the lock orders this notify after that sleep has begun.
        { std::lock_guard<std::mutex> lock(mu); }
        done.notify_one();
      }
    }
  }
};

ThreadPool::ThreadPool(int threads) : state_(new State), threads_(threads < 1 ? 1 : threads) {
  State* s = state_;
  for (int i = 1; i < threads_; ++i) s->helpers.emplace_back([s] { s->helper_loop(); });
}

ThreadPool::~ThreadPool() {
  state_->stop.store(true, std::memory_order_release);
  { std::lock_guard<std::mutex> lock(state_->mu); }
  state_->wake.notify_all();
  for (auto& t : state_->helpers) t.join();
  delete state_;
}

void ThreadPool::run(int tasks, void (*fn)(void*, int), void* ctx) {
  if (tasks <= 0) return;
  State* s = state_;
  if (threads_ == 1 || tasks == 1) {
    for (int t = 0; t < tasks; ++t) fn(ctx, t);
    return;
  }
  s->fn = fn;
  s->ctx = ctx;
  s->tasks = tasks;
  s->next.store(0, std::memory_order_relaxed);
  s->busy.store(threads_ - 1, std::memory_order_relaxed);
  s->generation.fetch_add(1, std::memory_order_release);
  // A helper between its check of `generation` and its sleep holds the lock:
  // taking it here orders the notify after that sleep has begun.
  { std::lock_guard<std::mutex> lock(s->mu); }
  s->wake.notify_all();
  s->work();
  auto finished = [s] { return s->busy.load(std::memory_order_acquire) == 0; };
  if (!spin_until(finished)) {
    std::unique_lock<std::mutex> lock(s->mu);
    s->done.wait(lock, finished);
  }
}

int ThreadPool::hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace rill
