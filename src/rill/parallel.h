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

// RILL_NO_THREADS=1: builds with no Executor at all (the WebAssembly modules), where
// workers_of() is 1 and every side-by-side branch compiles out.
#ifndef RILL_NO_THREADS
#define RILL_NO_THREADS 0
#endif

namespace rill {

class Executor {
 public:
  virtual int workers() const = 0;
  // Runs fn(ctx, task) for task = 0 .. tasks-1 and returns when all are done.
  // Tasks may run concurrently and in any order. (The ThreadPool's caller
  // takes them from the first, its helpers from the last: deal_to_both_ends.)
  virtual void run(int tasks, void (*fn)(void* ctx, int task), void* ctx) = 0;
  // The same, and each task is told which worker runs it: 0 .. workers()-1,
  // one task at a time per worker, so `worker` may index per-worker scratch.
  // Tasks are handed out one at a time, so there may be many more tasks than
  // workers (a worker that is not scheduled holds back only the task it has).
  virtual void run_on_workers(int tasks, void (*fn)(void* ctx, int task, int worker), void* ctx) = 0;

 protected:
  ~Executor() = default;
};

// The workers of `ex`: 1 without one (and always 1 under RILL_NO_THREADS). Always inlined: em++ -Os
// (rill.wasm's trainer, rill-sample.wasm) left it a call returning 1, so every threaded branch behind
// it — and what they call — stayed in the modules.
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
inline int workers_of(const Executor* ex) { return RILL_NO_THREADS || ex == nullptr ? 1 : ex->workers(); }

// Ranges of parallel_for per worker: more ranges than workers, handed out one
// at a time, so that whoever is running takes the next range; a worker the
// OS has not scheduled holds back at most the range it has started, and one
// that runs at half speed (sharing its core) takes fewer ranges. Two per
// worker: on one thread, a training step split into 2 or 4 ranges per layer
// costs the same CPU time, into 8 about 5% more (shorter kernels).
constexpr int kRangesPerWorker = 2;

// Runs fn over [0, count) split into contiguous ranges fn(begin, end), at
// most kRangesPerWorker per worker, on `ex` (or inline when ex is null or has
// one worker). Callers split over disjoint outputs, so any split gives the
// same bits.
template <class F>
void parallel_for(Executor* ex, long count, F&& fn) {
  const long most = workers_of(ex) <= 1 ? 1 : static_cast<long>(ex->workers()) * kRangesPerWorker;
  if (most <= 1 || count <= 1) {
    if (count > 0) fn(0L, count);
    return;
  }
  const int parts = static_cast<int>(most < count ? most : count);
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


// parallel_for over [0, count_a) with fa and over [0, count_b) with fb in one
// run of `ex`: the ranges of both (split as parallel_for splits them) are
// handed out together, so two independent loops cost one join, not two.
template <class FA, class FB>
void parallel_for_both(Executor* ex, long count_a, FA&& fa, long count_b, FB&& fb) {
  const long most = workers_of(ex) <= 1 ? 1 : static_cast<long>(ex->workers()) * kRangesPerWorker;
  if (most <= 1) {
    if (count_a > 0) fa(0L, count_a);
    if (count_b > 0) fb(0L, count_b);
    return;
  }
  using A = typename std::remove_reference<FA>::type;
  using B = typename std::remove_reference<FB>::type;
  struct Ctx {
    A* fa;
    B* fb;
    long count_a, count_b;
    int parts_a, parts_b;
  } ctx{&fa, &fb, count_a, count_b, static_cast<int>(most < count_a ? most : count_a < 0 ? 0 : count_a),
        static_cast<int>(most < count_b ? most : count_b < 0 ? 0 : count_b)};
  ex->run(ctx.parts_a + ctx.parts_b, [](void* p, int task) {
    Ctx& c = *static_cast<Ctx*>(p);
    if (task < c.parts_a) {
      (*c.fa)(c.count_a * task / c.parts_a, c.count_a * (task + 1) / c.parts_a);
    } else {
      const long t = task - c.parts_a;
      (*c.fb)(c.count_b * t / c.parts_b, c.count_b * (t + 1) / c.parts_b);
    }
  }, &ctx);
}

// Runs fn(worker, begin, end) over [0, count) in blocks of at most `block`
// rows, one task per block (Executor::run_on_workers). The blocks are fixed by
// count and block alone, so which worker runs which block changes no bit; and
// a worker the OS does not schedule holds back at most the one block it has
// claimed (the others take the rest), where a fixed split into one range per
// worker would wait for its whole share.
template <class F>
void parallel_blocks(Executor* ex, long count, long block, F&& fn) {
  if (count <= 0) return;
  if (block < 1) block = 1;
  using Fn = typename std::remove_reference<F>::type;
  struct Ctx {
    Fn* fn;
    long count, block;
  } ctx{&fn, count, block};
  ex->run_on_workers(static_cast<int>((count + block - 1) / block), [](void* p, int task, int worker) {
    const Ctx& c = *static_cast<const Ctx*>(p);
    const long b = static_cast<long>(task) * c.block;
    (*c.fn)(worker, b, c.count - b < c.block ? c.count : b + c.block);
  }, &ctx);
}

// Rearranges n items ordered largest first so that each end of the list
// holds them largest first: [0, 2, 4, ..., 5, 3, 1]. The ThreadPool's caller
// claims tasks from the front and its helpers from the back, so on two
// threads the two largest go one to each worker — the same one run after run,
// their data staying in that core's cache — and the smallest are left for
// whoever is free at the end.
template <int N>
void deal_to_both_ends(int (&items)[N], int n) {
  int tmp[N];
  for (int i = 0; i < n; ++i) tmp[i] = items[i];
  for (int i = 0; i < n; ++i) items[i % 2 == 0 ? i / 2 : n - 1 - i / 2] = tmp[i];
}

// Rows per block when `count` rows are split over `workers`: about four
// blocks per worker (so a late worker's share can be taken by the others),
// at least kMinSplitRows (below that the kernels lose more to short rows than
// a second thread gains) and at most `chunk` (the rows a worker's scratch holds).
constexpr long kMinSplitRows = 64;
inline long split_block(long count, int workers, int chunk) {
  long block = (count + 4L * workers - 1) / (4L * workers);
  if (block < kMinSplitRows) block = kMinSplitRows;
  return block < chunk ? block : chunk;
}

}  // namespace rill
