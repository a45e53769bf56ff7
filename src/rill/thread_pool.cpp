// ThreadPool: a generation-counted work queue over std::thread. The caller
// takes part in the work; helpers sleep on a condition variable between runs.
#include "rill/thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace rill {

namespace {
constexpr int kSpin = 4000;  // about 10-20 µs of pause instructions: enough between the pieces of a step
inline void pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}
}  // namespace

struct ThreadPool::State {
  std::mutex mu;
  std::condition_variable wake, done;
  std::vector<std::thread> helpers;
  std::atomic<long> generation{0};  // written under mu; read without it while spinning
  bool stop = false;
  // the current run
  void (*fn)(void*, int) = nullptr;
  void* ctx = nullptr;
  int tasks = 0;
  std::atomic<int> next{0};
  int busy = 0;  // helpers still working on this generation

  void work() {
    for (int t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) fn(ctx, t);
  }
};

ThreadPool::ThreadPool(int threads) : state_(new State), threads_(threads < 1 ? 1 : threads) {
  State* s = state_;
  for (int i = 1; i < threads_; ++i)
    s->helpers.emplace_back([s] {
      long seen = 0;
      for (;;) {
        // Spin briefly before sleeping: training hands out a dozen small
        // pieces of work per step, and waking a sleeping thread costs more
        // than most of them.
        for (int i = 0; i < kSpin && s->generation.load(std::memory_order_acquire) == seen; ++i) pause();
        {
          std::unique_lock<std::mutex> lock(s->mu);
          s->wake.wait(lock, [&] { return s->stop || s->generation.load() != seen; });
          if (s->stop) return;
          seen = s->generation.load();
        }
        s->work();
        std::lock_guard<std::mutex> lock(s->mu);
        if (--s->busy == 0) s->done.notify_one();
      }
    });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stop = true;
  }
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
  {
    std::lock_guard<std::mutex> lock(s->mu);
    s->fn = fn;
    s->ctx = ctx;
    s->tasks = tasks;
    s->next.store(0);
    s->busy = threads_ - 1;
    s->generation.fetch_add(1, std::memory_order_release);
  }
  s->wake.notify_all();
  s->work();
  std::unique_lock<std::mutex> lock(s->mu);
  s->done.wait(lock, [&] { return s->busy == 0; });
}

int ThreadPool::hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace rill
