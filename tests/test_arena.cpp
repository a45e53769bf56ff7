// Arena: alignment, exhaustion as nullptr (never UB), marks, padded() bound.
#include <doctest/doctest.h>

#include <cstdint>

#include "rill/arena.h"

using namespace rill;

TEST_CASE("allocations are aligned and exhaustion returns nullptr") {
  alignas(64) unsigned char mem[1000];
  Arena a(mem + 3, 997);  // a misaligned base
  void* p = a.alloc(10);
  REQUIRE(p != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % Arena::kAlign == 0);
  void* q = a.alloc(100);
  REQUIRE(q != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(q) % Arena::kAlign == 0);
  CHECK(static_cast<unsigned char*>(q) >= static_cast<unsigned char*>(p) + 10);
  CHECK(a.alloc(2000) == nullptr);
  CHECK(a.alloc(SIZE_MAX) == nullptr);
  CHECK(a.alloc_array<double>(SIZE_MAX / 4) == nullptr);
  const std::size_t used = a.used();
  CHECK(a.alloc(SIZE_MAX - 10) == nullptr);
  CHECK(a.used() == used);
}

TEST_CASE("marks release, high water stays") {
  alignas(64) unsigned char mem[4096];
  Arena a(mem, sizeof mem);
  const std::size_t m = a.mark();
  a.alloc(1000);
  CHECK(a.used() >= 1000);
  a.release(m);
  CHECK(a.used() == 0);
  CHECK(a.high_water() >= 1000);
  a.alloc(10);
  a.reset();
  CHECK(a.used() == 0);
}

TEST_CASE("padded() bounds what a sequence of allocations takes, whatever the base alignment") {
  unsigned char mem[4096];
  for (int off = 0; off < 64; ++off) {
    const std::size_t sizes[] = {1, 63, 64, 65, 200};
    std::size_t need = 0;
    for (std::size_t s : sizes) need += Arena::padded(s);
    Arena a(mem + off, need);
    bool all = true;
    for (std::size_t s : sizes) all = all && a.alloc(s) != nullptr;
    CHECK(all);
  }
}

TEST_CASE("an empty arena allocates nothing") {
  Arena a;
  CHECK(a.alloc(1) == nullptr);
  CHECK(a.capacity() == 0);
}
