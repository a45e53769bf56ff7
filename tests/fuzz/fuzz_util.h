// What the fuzz targets share: a failed check is a crash libFuzzer reports,
// and the values a target reads end in a volatile sink, so the optimiser
// cannot delete the reads that would find a bug (TOOLCHAIN.md §5).
#pragma once
#include <cstdint>
#include <cstring>

namespace fuzz {

inline volatile std::uint32_t g_sink;  // the reads end here

inline void check(bool ok) {
  if (!ok) __builtin_trap();
}

inline std::uint32_t bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

}  // namespace fuzz
