// Executor: how the core runs independent pieces of work side by side.
//
// The core never creates threads (firmware has none; the browser build has
// none). A caller that wants threads hands an Executor in at set-up — the
// native ThreadPool (thread_pool.h) is one. Work is always split over
// disjoint outputs (row ranges, column ranges, parameter ranges), and every
// output is computed by exactly the loop one thread would run, so any number
// of threads gives the bits of one thread.
#pragma once
#include <type_traits>

namespace rill {

class Executor {
 public:
  virtual int workers() const = 0;
  // Runs fn(ctx, task) for task = 0 .. tasks-1 and returns when all are done.
  // Tasks may run concurrently and in any order.
  virtual void run(int tasks, void (*fn)(void* ctx, int task), void* ctx) = 0;

 protected:
  ~Executor() = default;
};

// Runs fn over [0, count) split into `parts` contiguous ranges fn(ctx, begin, end)
// on `ex` (or inline when ex is null or has one worker).
template <class F>
void parallel_for(Executor* ex, long count, F&& fn) {
  const int parts = ex == nullptr ? 1 : (ex->workers() < count ? ex->workers() : static_cast<int>(count));
  if (parts <= 1) {
    if (count > 0) fn(0L, count);
    return;
  }
  using Fn = typename std::remove_reference<F>::type;  // F is a reference for an lvalue callable
  struct Ctx {
    Fn* fn;
    long count;
    int parts;
  } ctx{&fn, count, parts};
  ex->run(parts, [](void* p, int task) {
    Ctx& c = *static_cast<Ctx*>(p);
    const long begin = c.count * task / c.parts, end = c.count * (task + 1) / c.parts;
    if (begin < end) (*c.fn)(begin, end);
  }, &ctx);
}

}  // namespace rill
