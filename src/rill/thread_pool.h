// ThreadPool: the native Executor — a fixed set of threads made once at
// set-up, so running work allocates nothing. Native builds only (not in the
// firmware or WebAssembly libraries).
//
// The core is built without exceptions, so nothing here throws: threads are
// started with pthread_create and memory comes from nothrow new. create()
// reports a failure to start them; the constructor instead runs with the
// helpers it could start (any number of workers gives the same bits).
#pragma once
#include "rill/parallel.h"

namespace rill {

class ThreadPool final : public Executor {
 public:
  // A pool of `threads` >= 1 workers, or null if memory or a thread could not
  // be had (every helper it started is joined again). Free with delete.
  static ThreadPool* create(int threads);
  // threads >= 1 workers in all: the calling thread plus threads - 1 helpers.
  // Never fails: without memory or threads it has fewer workers (workers()
  // says how many; at worst the calling thread alone).
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int workers() const override { return threads_; }
  void run(int tasks, void (*fn)(void* ctx, int task), void* ctx) override;
  void run_on_workers(int tasks, void (*fn)(void* ctx, int task, int worker), void* ctx) override;

  // The number of hardware threads (at least 1).
  static int hardware_threads();

  // Tests only: hook(ctx, worker) runs in helper `worker` (1 ..) each time it
  // wakes for a run, before it claims a task, e.g. sleeping as a helper the
  // OS has not scheduled would. Null (the default): none. Set between runs.
  void set_claim_hook(void (*hook)(void* ctx, int worker), void* ctx);

 private:
  struct State;
  // Makes the state and starts up to threads - 1 helpers (State::started says
  // how many); null without memory.
  static State* start(int threads);
  static void stop(State* state);  // joins the helpers and frees the state; null is fine
  State* state_;
  int threads_;
};

}  // namespace rill
