// No heap allocation while sampling once a model is loaded: the global
// operator new functions are replaced in this test binary and counted.
// malloc and aligned_alloc are not counted (replacing them means replacing
// the C library's allocator); rill calls them only at set-up and in file I/O
// (capi_heap.cpp, model_file.cpp), which the C API's structure keeps apart
// from the sampling calls measured here.
#include <doctest/doctest.h>

// GCC cannot see that these replacements pair malloc with free.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "rill/model_io.h"
#include "rill/rill.h"
#include "rill/runner.h"
#include "rill/thread_pool.h"
#include "test_util.h"

namespace {
std::atomic<long> g_news{0};
}

void* operator new(std::size_t n) {
  ++g_news;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  ++g_news;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++g_news;
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  ++g_news;
  return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace rill;

TEST_CASE("sampling, integrating and evaluating the field allocate nothing after set-up, with threads too") {
  const auto bytes = rill_test::model_bytes(MlpSpec::make(2, 64, 3, Activation::gelu, TimeEmbedding{4}));
  rill_model* m = nullptr;
  REQUIRE(rill_model_open(bytes.data(), bytes.size(), &m, nullptr, 0) == RILL_OK);
  const int n = 1000, steps = 4;
  std::vector<float> out(size_t(n) * 2), traj(size_t(steps + 1) * n * 2);
  for (int threads : {1, 2}) {
    INFO("threads " << threads);
    REQUIRE(rill_model_set_threads(m, threads) == RILL_OK);
    const long before = g_news.load();
    for (int s = RILL_EULER; s <= RILL_RK4; ++s) {
      REQUIRE(rill_sample(m, n, steps, s, 1, out.data(), traj.data()) == RILL_OK);
      REQUIRE(rill_integrate(m, out.data(), n, steps, s, 1.0f, 0.0f, nullptr) == RILL_OK);
    }
    REQUIRE(rill_field(m, out.data(), n, 0.5f, traj.data()) == RILL_OK);
    CHECK(g_news.load() == before);
  }
  // and the counter works: a vector allocates
  const long before = g_news.load();
  { std::vector<int> v(10); }
  CHECK(g_news.load() > before);
  rill_model_free(m);
}

TEST_CASE("a Runner in caller memory allocates nothing while it runs, with workers too") {
  const MlpSpec spec = MlpSpec::make(2, 32, 2);
  std::vector<float> params;
  rill_test::model_bytes(spec, &params);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  const int chunk = 64, n = 500, steps = 3;
  const std::size_t bytes = Runner::scratch_bytes(spec, chunk) + Arena::kAlign;
  std::vector<unsigned char> mem(3 * bytes);
  Arena arenas[3] = {Arena(mem.data(), bytes), Arena(mem.data() + bytes, bytes), Arena(mem.data() + 2 * bytes, bytes)};
  ThreadPool pool(2);
  std::vector<float> x(size_t(n) * 2), u(x.size()), traj(size_t(steps + 1) * x.size());
  for (int workers : {1, 2}) {
    INFO("workers " << workers);
    Runner runner(mlp, chunk, arenas[0]);
    if (workers > 1) runner.set_workers(&pool, &arenas[1]);
    const long before = g_news.load();
    RunOptions o;
    o.solver = Solver::rk4;
    o.steps = steps;
    o.trajectory = traj.data();
    REQUIRE(runner.sample(o, 5, x.data(), n) == Status::ok);
    o.t0 = 1.0f;
    o.t1 = 0.0f;
    REQUIRE(runner.integrate(o, x.data(), n) == Status::ok);
    REQUIRE(runner.field(x.data(), n, 0.25f, u.data()) == Status::ok);
    CHECK(g_news.load() == before);
  }
}
