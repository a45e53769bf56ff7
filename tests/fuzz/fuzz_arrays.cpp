// libFuzzer target: the `rill` command's array readers (src/cli/npy.cpp and
// src/cli/csv.cpp) on arbitrary bytes.
//
// Build and run (TOOLCHAIN.md §5):
//   clang++ -std=c++17 -g -O1 -ffp-contract=off -Isrc -fsanitize=fuzzer,address,undefined \
//     -fno-sanitize-recover=all tests/fuzz/fuzz_arrays.cpp src/cli/npy.cpp src/cli/csv.cpp \
//     src/cli/numbers.cpp -o build-fuzz/fuzz_arrays
//   build-fuzz/fuzz_arrays -dict=tests/fuzz/arrays.dict -max_total_time=300 build-fuzz/corpus_arrays
//
// Every input goes to both readers. Besides "no crash", it checks what must
// hold for any input, and uses every value read so the optimiser cannot drop
// the reads:
// - a refusal gives a reason and leaves the Points empty;
// - an accepted array has n × d finite values (d >= 1 when n >= 1);
// - what was read writes back (as .npy, and as CSV with 9 significant digits)
//   and reads again to the same bits.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_util.h"

#include "cli/csv.h"
#include "cli/npy.h"

namespace {

using fuzz::bits;
using fuzz::check;
using fuzz::g_sink;

// Checks the shape and finiteness, and folds every value in.
std::uint32_t touch(const cli::Points& p) {
  check(p.n >= 0 && p.d >= 0);
  check(p.values.size() == static_cast<std::size_t>(p.n) * static_cast<std::size_t>(p.d));
  if (p.n > 0) check(p.d >= 1);
  std::uint32_t h = 2166136261u;
  for (float v : p.values) {
    const std::uint32_t b = bits(v);
    check((b & 0x7F800000u) != 0x7F800000u);
    h = (h ^ b) * 16777619u;
  }
  return h;
}

void check_refusal(bool ok, const cli::Points& p, const std::string& why) {
  if (ok) return;
  check(!why.empty());
  check(p.n == 0 && p.d == 0 && p.values.empty());
}

// Writes p with `write` into memory and returns the bytes.
template <class F>
std::vector<unsigned char> written(F write) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  check(f != nullptr);
  write(f);
  check(std::fclose(f) == 0);
  std::vector<unsigned char> out(buf, buf + len);
  std::free(buf);
  return out;
}

void round_trip(const cli::Points& p, std::uint32_t h) {
  if (p.n == 0) return;
  std::string why;
  const auto npy = written([&](std::FILE* f) {
    cli::npy_write(f, {p.n, static_cast<long>(p.d)}, p.values.data(), p.values.size());
  });
  cli::Points q;
  check(cli::npy_parse(npy.data(), npy.size(), &q, &why));
  check(q.n == p.n && q.d == p.d && touch(q) == h);

  const auto csv = written([&](std::FILE* f) { cli::csv_write_points(f, p.values.data(), p.n, p.d); });
  cli::Points r;
  check(cli::csv_parse(reinterpret_cast<const char*>(csv.data()), csv.size(), &r, &why));
  check(r.n == p.n && r.d == p.d && touch(r) == h);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint32_t sink = 0;

  cli::Points a;
  std::string why_a;
  const bool ok_a = cli::npy_parse(data, size, &a, &why_a);
  check_refusal(ok_a, a, why_a);
  if (ok_a) {
    check(cli::has_npy_magic(data, size));
    const std::uint32_t h = touch(a);
    round_trip(a, h);
    sink += h;
  }
  sink += static_cast<std::uint32_t>(why_a.size());

  // The CSV reader takes a byte range: copy the input so that ASan catches any
  // read past its end (no terminating zero to hide behind).
  std::vector<char> text(data, data + size);
  cli::Points b;
  std::string why_b;
  const bool ok_b = cli::csv_parse(text.data(), text.size(), &b, &why_b);
  check_refusal(ok_b, b, why_b);
  if (ok_b) {
    const std::uint32_t h = touch(b);
    round_trip(b, h);
    sink += h;
  }
  sink += static_cast<std::uint32_t>(why_b.size());
  g_sink = g_sink + sink;
  return 0;
}
