// ThreadPool: a generation-counted work queue over POSIX threads. The caller
// takes part in the work, from the first task on, and takes whatever a
// helper has not started; helpers take tasks from the last one down.
// Between runs, helpers spin for a while (a training step hands out pieces of
// work tens of µs apart, and waking a sleeping thread costs tens of µs on a
// busy or virtual machine), then sleep on a condition variable. The caller
// spins for the helpers' last tasks about as long as two of its own took,
// then sleeps (a helper that takes longer is most likely not running).
#include "rill/thread_pool.h"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
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

// The least the caller spins for the helpers' last tasks (see run_on_workers).
constexpr auto kMinWait = std::chrono::microseconds(20);

// Spins until ready() or `limit` has passed; returns ready().
template <class F>
bool spin_until(F&& ready, std::chrono::steady_clock::duration limit = kSpinTime) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      pause();
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
    // On a machine with more runnable threads than cores, the thread this
    // one waits for may be waiting for this core: let it have it.
    std::this_thread::yield();
  }
}
}  // namespace

// The current run is one 64-bit word, claimed task by task with a
// compare-and-swap: generation (32 bits) | back (16) | front (16), the tasks
// not yet claimed being front .. back - 1. The caller claims from the front,
// helpers from the back: on two threads each takes the same contiguous share
// run after run (the caller rows 0 .., its helper the rows from the end), so
// the rows a worker wrote in one run — the tape of a training step, a draw's
// rows — are in its own cache for the next, not in the other core's; only a
// share that the other left unstarted changes hands. A worker that claims
// task i of generation g knows the run is still going (it cannot end before
// task i is done), so fn, ctx and the task count are g's; one that wakes late
// sees a finished or newer word and claims nothing of the old run. The caller
// waits for the tasks, never for the helpers: a helper that the OS has not
// scheduled holds nothing, because the caller takes the tasks it has not
// started (a busy machine slows two threads to one, not to a fraction of one).
constexpr std::uint64_t kMaxTasks = 0xFFFF;
inline std::uint32_t generation_of(std::uint64_t w) { return static_cast<std::uint32_t>(w >> 32); }
inline int back_of(std::uint64_t w) { return static_cast<int>((w >> 16) & kMaxTasks); }
inline int front_of(std::uint64_t w) { return static_cast<int>(w & kMaxTasks); }

struct ThreadPool::State {
  std::mutex mu;  // guards the sleeps only
  std::condition_variable wake, done;
  pthread_t* helpers = nullptr;  // threads - 1 of them
  int started = 0;               // how many are running
  std::atomic<std::uint64_t> run{0};
  std::atomic<bool> stop{false};
  // Written by run() before it publishes `run` (release); read by a worker
  // only after it has claimed a task of that run (acquire).
  void (*fn)(void*, int, int) = nullptr;
  void* ctx = nullptr;
  int tasks = 0;
  std::atomic<int> completed{0};  // tasks of the current run done
  std::atomic<int> seats{0};      // helpers that have taken their worker number (1, 2, ...)
  // set_claim_hook's (tests). Atomic: a helper late for a run may read them
  // after the run has ended.
  std::atomic<void (*)(void*, int)> claim_hook{nullptr};
  std::atomic<void*> hook_ctx{nullptr};

  // Claims and runs tasks of the run in `w` (and of no other) until none is
  // left, as worker `worker` (0: the caller); returns the generation it worked
  // on, and counts the tasks it ran in *ran (if given).
  std::uint32_t work(std::uint64_t w, int worker, int* ran = nullptr) {
    const std::uint32_t g = generation_of(w);
    // The caller (worker 0) takes the first task left, a helper the last.
    const std::uint64_t step = worker == 0 ? 1 : 0 - (std::uint64_t{1} << 16);
    while (generation_of(w) == g && front_of(w) < back_of(w)) {
      if (!run.compare_exchange_weak(w, w + step, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      const int total = tasks;  // read before this task counts as done: then the next run may set it
      fn(ctx, worker == 0 ? front_of(w) : back_of(w) - 1, worker);
      if (ran != nullptr) ++*ran;
      if (completed.fetch_add(1, std::memory_order_acq_rel) + 1 == total && worker != 0) {
        // The caller may be between its check of `completed` and its sleep:
        // taking the lock orders this notify after that sleep has begun.
        { std::lock_guard<std::mutex> lock(mu); }
        done.notify_one();
      }
      w = run.load(std::memory_order_acquire);
    }
    return g;
  }

  void helper_loop(int worker) {
    std::uint32_t seen = 0;
    for (;;) {
      std::uint64_t w = 0;
      auto ready = [&] {
        w = run.load(std::memory_order_acquire);
        return generation_of(w) != seen || stop.load(std::memory_order_acquire);
      };
      if (!spin_until(ready)) {
        std::unique_lock<std::mutex> lock(mu);
        wake.wait(lock, ready);
      }
      if (stop.load(std::memory_order_acquire)) return;
      if (auto hook = claim_hook.load(std::memory_order_acquire)) {  // tests: a late helper; the run may be over
        hook(hook_ctx.load(std::memory_order_acquire), worker);
        w = run.load(std::memory_order_acquire);
      }
      seen = work(w, worker);
    }
  }

  static void* entry(void* self) {
    State* s = static_cast<State*>(self);
    s->helper_loop(1 + s->seats.fetch_add(1, std::memory_order_relaxed));
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

void ThreadPool::run_on_workers(int tasks, void (*fn)(void*, int, int), void* ctx) {
  if (tasks <= 0) return;
  State* s = state_;
  if (threads_ == 1 || tasks == 1) {
    for (int t = 0; t < tasks; ++t) fn(ctx, t, 0);
    return;
  }
  if (static_cast<std::uint64_t>(tasks) > kMaxTasks) {  // the word holds 16 bits of tasks: run in groups
    struct Offset {
      void (*fn)(void*, int, int);
      void* ctx;
      int base;
    };
    for (int base = 0; base < tasks; base += static_cast<int>(kMaxTasks)) {
      Offset o{fn, ctx, base};
      const int n = tasks - base < static_cast<int>(kMaxTasks) ? tasks - base : static_cast<int>(kMaxTasks);
      run_on_workers(n, [](void* p, int t, int w) { auto* q = static_cast<Offset*>(p); q->fn(q->ctx, q->base + t, w); },
                     &o);
    }
    return;
  }
  s->fn = fn;
  s->ctx = ctx;
  s->tasks = tasks;
  s->completed.store(0, std::memory_order_relaxed);
  const std::uint64_t g = generation_of(s->run.load(std::memory_order_relaxed)) + 1u;
  const std::uint64_t w = (g << 32) | (static_cast<std::uint64_t>(tasks) << 16);  // front 0, back tasks
  s->run.store(w, std::memory_order_release);
  // A helper between its check of `run` and its sleep holds the lock: taking
  // it here orders the notify after that sleep has begun.
  { std::lock_guard<std::mutex> lock(s->mu); }
  s->wake.notify_all();
  const auto start = std::chrono::steady_clock::now();
  int mine = 0;
  s->work(w, 0, &mine);
  // Tasks a helper has started are the caller's only wait. A helper that is
  // running finishes its last one about when the caller finishes its own, so
  // the caller spins for about two of its own tasks (at least kMinWait, at
  // most kSpinTime); past that the helper has most likely been descheduled,
  // and the caller sleeps: its core goes idle, and the OS can move the
  // helper there to finish.
  auto finished = [s, tasks] { return s->completed.load(std::memory_order_acquire) == tasks; };
  auto wait = (std::chrono::steady_clock::now() - start) * 2 / (mine > 0 ? mine : 1) + kMinWait;
  if (wait > kSpinTime) wait = kSpinTime;
  if (!spin_until(finished, wait)) {
    std::unique_lock<std::mutex> lock(s->mu);
    s->done.wait(lock, finished);
  }
}

void ThreadPool::run(int tasks, void (*fn)(void*, int), void* ctx) {
  struct Plain {
    void (*fn)(void*, int);
    void* ctx;
  } plain{fn, ctx};
  run_on_workers(tasks, [](void* p, int task, int) { auto* q = static_cast<Plain*>(p); q->fn(q->ctx, task); }, &plain);
}

void ThreadPool::set_claim_hook(void (*hook)(void*, int), void* ctx) {
  if (state_ == nullptr) return;
  state_->hook_ctx.store(ctx, std::memory_order_release);
  state_->claim_hook.store(hook, std::memory_order_release);
}

int ThreadPool::hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace rill
