// ThreadPool (thread_pool.h) and parallel_for (parallel.h): every task runs
// exactly once, create() gives exactly the workers asked for (a count below 1
// is the calling thread alone), and parallel_for's ranges cover [0, count)
// without overlap. `make tsan` runs this file under ThreadSanitizer.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "rill/parallel.h"
#include "rill/thread_pool.h"

using namespace rill;

namespace {
// Each task's hit count is exactly 1.
template <class Hits>
bool each_once(const Hits& hits) {
  for (const auto& h : hits)
    if (h.load() != 1) return false;
  return true;
}

// The sum of 0 .. n-1 by parallel_for on `pool`, each range adding its part.
long parallel_sum(ThreadPool& pool, long n) {
  long sum = 0;
  parallel_for(&pool, n, [&](long b, long e) {
    long part = 0;
    for (long i = b; i < e; ++i) part += i;
    __atomic_add_fetch(&sum, part, __ATOMIC_RELAXED);
  });
  return sum;
}
}  // namespace

TEST_CASE("the pool runs every task exactly once, many times over") {
  ThreadPool pool(3);
  CHECK(pool.workers() == 3);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::atomic<int>> hits(37);
    pool.run(37, [](void* ctx, int task) { ++(*static_cast<std::vector<std::atomic<int>>*>(ctx))[task]; }, &hits);
    REQUIRE(each_once(hits));
  }
  // Fewer tasks than workers, one task, none.
  for (int tasks : {2, 1, 0}) {
    std::atomic<int> count{0};
    pool.run(tasks, [](void* ctx, int) { ++*static_cast<std::atomic<int>*>(ctx); }, &count);
    CHECK(count.load() == tasks);
  }
  CHECK(parallel_sum(pool, 1000) == 999L * 1000 / 2);
  CHECK(ThreadPool::hardware_threads() >= 1);
}

TEST_CASE("more tasks than one run's word holds (65,535) run in groups, each exactly once") {
  ThreadPool pool(2);
  const int tasks = 3 * 65535 + 17;
  std::vector<std::atomic<unsigned char>> hits(static_cast<std::size_t>(tasks));
  pool.run(tasks, [](void* ctx, int task) { ++(*static_cast<std::vector<std::atomic<unsigned char>>*>(ctx))[task]; },
           &hits);
  CHECK(each_once(hits));
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

TEST_CASE("parallel_for: contiguous ranges that cover [0, count) exactly once, at most kRangesPerWorker per worker") {
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
      const long most = workers <= 1 ? 1 : static_cast<long>(workers) * kRangesPerWorker;
      CHECK(static_cast<long>(ranges.size()) <= most);
      CHECK(static_cast<long>(ranges.size()) <= count);
      // As many ranges as allowed once there is enough work for them.
      if (count >= most) CHECK(static_cast<long>(ranges.size()) == (count == 0 ? 0 : most));
    }
}

namespace {
// A helper that the OS does not schedule: set_claim_hook's hook holds helper
// 1 until `go` (or 5 s), every other helper `pause_us` µs.
struct LateHelper {
  std::atomic<bool> go{false};
  int pause_us = 0;
  static void hook(void* ctx, int worker) {
    auto* late = static_cast<LateHelper*>(ctx);
    if (worker != 1) {
      std::this_thread::sleep_for(std::chrono::microseconds(late->pause_us));
      return;
    }
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!late->go.load() && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
  }
};
}  // namespace

TEST_CASE("a helper that is not running holds nothing: the caller takes every task it has not started") {
  for (int helpers : {1, 2}) {
    INFO(helpers << " helper(s)");
    LateHelper late;
    late.pause_us = 0;
    ThreadPool pool(helpers + 1);
    REQUIRE(pool.workers() == helpers + 1);
    pool.set_claim_hook(LateHelper::hook, &late);
    struct Record {
      std::atomic<int> hits[16];
      std::atomic<int> by_late{0};
    } rec;
    for (auto& h : rec.hits) h = 0;
    const auto t0 = std::chrono::steady_clock::now();
    pool.run_on_workers(16, [](void* ctx, int task, int worker) {
      auto* r = static_cast<Record*>(ctx);
      ++r->hits[task];
      if (worker == 1) ++r->by_late;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }, &rec);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    late.go = true;  // now the late helper may run (and finds the run over)
    CHECK(each_once(rec.hits));
    CHECK(rec.by_late.load() == 0);  // it never got to claim one ...
    CHECK(seconds < 2.0);            // ... and the run did not wait for it (it is held 5 s)
    // Later runs go on as usual, the late helper taking part or not.
    CHECK(parallel_sum(pool, 1000) == 999L * 1000 / 2);
    pool.set_claim_hook(nullptr, nullptr);
  }
}

TEST_CASE("helpers that come late to every run change no result: each task still runs exactly once") {
  LateHelper late;
  late.go = true;  // helper 1 is not held; helpers 2.. pause before each claim
  late.pause_us = 150;
  ThreadPool pool(3);
  pool.set_claim_hook(LateHelper::hook, &late);
  for (int round = 0; round < 100; ++round) {
    std::vector<std::atomic<int>> hits(23);
    pool.run(23, [](void* ctx, int task) { ++(*static_cast<std::vector<std::atomic<int>>*>(ctx))[task]; }, &hits);
    REQUIRE(each_once(hits));
  }
  pool.set_claim_hook(nullptr, nullptr);
}

TEST_CASE("the caller claims tasks from the front, helpers from the back: each keeps a contiguous share") {
  // On two threads the caller's tasks are 0 .. k-1 and its helper's k .. tasks-1, run after run (which
  // rows each core writes, so that it reads them from its own cache in the next join); with more
  // helpers, theirs are still the tasks after the caller's. Helpers come late in some runs (the caller
  // then takes more), never changing that.
  for (int workers : {2, 3}) {
    LateHelper late;
    late.go = true;
    ThreadPool pool(workers);
    REQUIRE(pool.workers() == workers);
    int helper_ran = 0;
    for (int round = 0; round < 300; ++round) {
      INFO(workers << " workers, round " << round);
      late.pause_us = round % 3 == 0 ? 100 : 0;
      pool.set_claim_hook(round % 3 == 0 ? LateHelper::hook : nullptr, &late);
      const int tasks = 4 + round % 29;
      std::vector<std::atomic<int>> by(static_cast<std::size_t>(tasks));
      pool.run_on_workers(tasks, [](void* ctx, int task, int worker) {
        (*static_cast<std::vector<std::atomic<int>>*>(ctx))[static_cast<std::size_t>(task)] = worker + 1;
        const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
        while (std::chrono::steady_clock::now() < until) {
        }
      }, &by);
      int k = 0;  // the caller's share: a prefix
      while (k < tasks && by[static_cast<std::size_t>(k)].load() == 1) ++k;
      bool rest_helpers = true;
      for (int q = k; q < tasks; ++q) rest_helpers = rest_helpers && by[static_cast<std::size_t>(q)].load() > 1;
      REQUIRE(rest_helpers);
      if (workers == 2 && k < tasks) REQUIRE(by[static_cast<std::size_t>(tasks - 1)].load() == 2);
      helper_ran += k < tasks;
    }
    pool.set_claim_hook(nullptr, nullptr);
    CHECK(helper_ran > 0);  // the helpers took part (else the test shows nothing)
  }
}

TEST_CASE("deal_to_both_ends: each end of the list holds the items largest first") {
  int a[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  deal_to_both_ends(a, 8);
  CHECK(std::vector<int>(a, a + 8) == std::vector<int>{0, 2, 4, 6, 7, 5, 3, 1});
  int b[8] = {10, 11, 12, 13, 14, 0, 0, 0};
  deal_to_both_ends(b, 5);  // only the first n move
  CHECK(std::vector<int>(b, b + 8) == std::vector<int>{10, 12, 14, 13, 11, 0, 0, 0});
  int c[2] = {7, 9};
  deal_to_both_ends(c, 1);
  CHECK((c[0] == 7 && c[1] == 9));
  deal_to_both_ends(c, 2);
  CHECK((c[0] == 7 && c[1] == 9));
}
