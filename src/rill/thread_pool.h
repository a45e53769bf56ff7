// ThreadPool: the native Executor — a fixed set of std::threads made once at
// set-up, so running work allocates nothing. Native builds only (not in the
// firmware or WebAssembly libraries).
#pragma once
#include "rill/parallel.h"

namespace rill {

class ThreadPool final : public Executor {
 public:
  // threads >= 1 workers in all: the calling thread plus threads - 1 helpers.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int workers() const override { return threads_; }
  void run(int tasks, void (*fn)(void* ctx, int task), void* ctx) override;

  // The number of hardware threads (at least 1).
  static int hardware_threads();

 private:
  struct State;
  State* state_;
  int threads_;
};

}  // namespace rill
