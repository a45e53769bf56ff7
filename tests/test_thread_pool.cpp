// ThreadPool (thread_pool.h) and parallel_for (parallel.h): every task runs
// exactly once, create() gives exactly the workers asked for (a count below 1
// is the calling thread alone), and parallel_for's ranges cover [0, count)
// without overlap. `make tsan` runs this file under ThreadSanitizer.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

#include "rill/parallel.h"
#include "rill/thread_pool.h"

using namespace rill;

TEST_CASE("the pool runs every task exactly once, many times over") {
  ThreadPool pool(3);
  CHECK(pool.workers() == 3);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::atomic<int>> hits(37);
    pool.run(37, [](void* ctx, int task) { ++(*static_cast<std::vector<std::atomic<int>>*>(ctx))[task]; }, &hits);
    bool once = true;
    for (auto& h : hits) once = once && h.load() == 1;
    REQUIRE(once);
  }
  // Fewer tasks than workers, one task, none.
  for (int tasks : {2, 1, 0}) {
    std::atomic<int> count{0};
    pool.run(tasks, [](void* ctx, int) { ++*static_cast<std::atomic<int>*>(ctx); }, &count);
    CHECK(count.load() == tasks);
  }
  long sum = 0;
  parallel_for(&pool, 1000, [&](long b, long e) {
    long s = 0;
    for (long i = b; i < e; ++i) s += i;
    __atomic_add_fetch(&sum, s, __ATOMIC_RELAXED);
  });
  CHECK(sum == 999L * 1000 / 2);
  CHECK(ThreadPool::hardware_threads() >= 1);
}

TEST_CASE("more tasks than one run's word holds (65,535) run in groups, each exactly once") {
  ThreadPool pool(2);
  const int tasks = 3 * 65535 + 17;
  std::vector<std::atomic<unsigned char>> hits(static_cast<std::size_t>(tasks));
  pool.run(tasks, [](void* ctx, int task) { ++(*static_cast<std::vector<std::atomic<unsigned char>>*>(ctx))[task]; },
           &hits);
  bool once = true;
  for (auto& h : hits) once = once && h.load() == 1;
  CHECK(once);
}

TEST_CASE("ThreadPool::create(n) gives n workers that run every task; a count below 1 the caller alone") {
  for (int n : {1, 2, 3}) {
    ThreadPool* pool = ThreadPool::create(n);
    REQUIRE(pool != nullptr);
    CHECK(pool->workers() == n);
    std::atomic<int> sum{0};
    pool->run(10, [](void* ctx, int task) { *static_cast<std::atomic<int>*>(ctx) += task; }, &sum);
    CHECK(sum.load() == 45);
    delete pool;
  }
  for (int bad : {0, -1, -1000}) {
    INFO("create(" << bad << ")");
    ThreadPool* one = ThreadPool::create(bad);  // never fewer than the calling thread
    REQUIRE(one != nullptr);
    CHECK(one->workers() == 1);
    std::atomic<int> count{0};
    one->run(5, [](void* ctx, int) { ++*static_cast<std::atomic<int>*>(ctx); }, &count);
    CHECK(count.load() == 5);
    delete one;
  }
}

namespace {
// Runs `count` items on `workers` threads (0: no executor) and returns the ranges parallel_for handed out.
std::vector<std::pair<long, long>> ranges_of(int workers, long count) {
  std::mutex mu;
  std::vector<std::pair<long, long>> ranges;
  auto record = [&](long b, long e) {
    std::lock_guard<std::mutex> lock(mu);
    ranges.emplace_back(b, e);
  };
  if (workers == 0) {
    parallel_for(nullptr, count, record);
  } else {
    ThreadPool pool(workers);
    REQUIRE(pool.workers() == workers);
    parallel_for(&pool, count, record);
  }
  std::sort(ranges.begin(), ranges.end());
  return ranges;
}
}  // namespace

TEST_CASE("parallel_for: contiguous ranges that cover [0, count) exactly once, at most one per worker") {
  for (int workers : {0, 1, 2, 3, 4})
    for (long count : {0L, 1L, 2L, 3L, 5L, 37L, 1000L}) {
      INFO("workers " << workers << ", count " << count);
      const auto ranges = ranges_of(workers, count);
      long next = 0;
      bool contiguous = true;
      for (const auto& r : ranges) {
        contiguous = contiguous && r.first == next && r.second > r.first;
        next = r.second;
      }
      CHECK(contiguous);
      CHECK(next == count);
      CHECK(static_cast<long>(ranges.size()) <= std::max(1, workers));
      CHECK(static_cast<long>(ranges.size()) <= count);
      // Every worker gets a share once there is enough work for all.
      if (count >= workers) CHECK(static_cast<long>(ranges.size()) == (count == 0 ? 0 : std::max(1, workers)));
    }
}
