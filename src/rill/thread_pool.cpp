// ThreadPool: a generation-counted work queue over POSIX threads. The caller
// takes part in the work. Between runs, helpers spin for a while (a training
// step hands out dozens of pieces of work a few hundred µs apart, and waking
// a sleeping thread costs tens of µs on a busy or virtual machine), then
// sleep on a condition variable. The caller likewise spins before it sleeps
// while the helpers finish.
#include "rill/thread_pool.h"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>
#include <thread>

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
  pthread_t* helpers = nullptr;  // threads - 1 of them
  int started = 0;               // how many are running
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

  static void* entry(void* self) {
    static_cast<State*>(self)->helper_loop();
    return nullptr;
  }
};

// pthread_create returns an error where std::thread would throw, and nothrow
// new returns null: the core has no exceptions to catch either with.
ThreadPool::State* ThreadPool::start(int threads) {
  State* s = new (std::nothrow) State;
  if (s == nullptr || threads <= 1) return s;
  s->helpers = new (std::nothrow) pthread_t[static_cast<unsigned>(threads - 1)];
  if (s->helpers == nullptr) return s;
  while (s->started < threads - 1 && pthread_create(&s->helpers[s->started], nullptr, State::entry, s) == 0)
    ++s->started;
  return s;
}

void ThreadPool::stop(State* s) {
  if (s == nullptr) return;
  s->stop.store(true, std::memory_order_release);
  { std::lock_guard<std::mutex> lock(s->mu); }
  s->wake.notify_all();
  for (int i = 0; i < s->started; ++i) pthread_join(s->helpers[i], nullptr);
  delete[] s->helpers;
  delete s;
}

ThreadPool* ThreadPool::create(int threads) {
  if (threads < 1) threads = 1;
  ThreadPool* pool = new (std::nothrow) ThreadPool(threads);
  if (pool != nullptr && pool->workers() != threads) {
    delete pool;  // joins the helpers it did start
    pool = nullptr;
  }
  return pool;
}

ThreadPool::ThreadPool(int threads) : state_(start(threads)), threads_(state_ == nullptr ? 1 : state_->started + 1) {}

ThreadPool::~ThreadPool() { stop(state_); }

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
