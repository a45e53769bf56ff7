// Arena: a bump allocator over caller-supplied memory; the only allocator the core uses.
//
// Why: sampling must not touch the heap (microcontrollers have none, servers
// should not pay for it in the hot path). Each operation says up front how
// much scratch it needs (`scratch_bytes(n)`); the caller sizes an Arena once.
// Running out is reported (alloc returns nullptr, then a Status), never UB.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rill/status.h"

namespace rill {

class Arena {
 public:
  static constexpr std::size_t kAlign = 64;  // cache line; also enough for any SIMD type

  Arena() = default;
  Arena(void* mem, std::size_t bytes) : base_(static_cast<unsigned char*>(mem)), cap_(bytes) {}

  // Returns `bytes` bytes aligned to kAlign, or nullptr if they do not fit.
  void* alloc(std::size_t bytes);
  template <class T>
  T* alloc_array(std::size_t count) {
    if (count > SIZE_MAX / sizeof(T)) return nullptr;
    return static_cast<T*>(alloc(count * sizeof(T)));
  }

  // Hands everything still free over to a new Arena (this one is then full).
  Arena take_rest();

  std::size_t used() const { return used_; }
  std::size_t capacity() const { return cap_; }
  std::size_t high_water() const { return high_; }
  // Marks let a caller give back everything allocated after a point.
  std::size_t mark() const { return used_; }
  void release(std::size_t mark) { if (mark <= used_) used_ = mark; }
  void reset() { used_ = 0; }

  // Bytes an allocation of `bytes` may take at most, padding included.
  static constexpr std::size_t padded(std::size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign + kAlign; }

 private:
  unsigned char* base_ = nullptr;
  std::size_t cap_ = 0;
  std::size_t used_ = 0;
  std::size_t high_ = 0;
};

// Scratch needs add up with this helper: floats(n) bytes for an array of n floats, padded.
constexpr std::size_t scratch_floats(std::size_t n) { return Arena::padded(n * sizeof(float)); }

}  // namespace rill
