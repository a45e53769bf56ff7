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
