// Arena: alignment, exhaustion as nullptr (never UB), marks, padded() bound.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "rill/arena.h"
#include "rill/status.h"

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

TEST_CASE("Status names and messages; fail() formats into a Message") {
  CHECK(std::string(status_name(Status::bad_shape)) == "bad_shape");
  CHECK(std::string(status_message(Status::ok)) == "ok");
  CHECK(std::string(status_name(static_cast<Status>(999))) == "unknown");
  Message m;
  CHECK(fail(&m, Status::bad_shape, "layer %d: %s has %zu of %u (%ld, %lld) %% %c", -3, "weight", std::size_t(7), 9u,
             -5L, 1234567890123LL, 'x') == Status::bad_shape);
  CHECK(std::string(m.text) == "layer -3: weight has 7 of 9 (-5, 1234567890123) % x");
  CHECK(fail(nullptr, Status::io_error, "ignored") == Status::io_error);
  // Truncates at the capacity, always zero-terminated.
  std::string longer(500, 'a');
  fail(&m, Status::io_error, "%s", longer.c_str());
  CHECK(std::string(m.text).size() == Message::kCap - 1);
}
