#include "rill/arena.h"

namespace rill {

void* Arena::alloc(std::size_t bytes) {
  if (base_ == nullptr) return nullptr;
  const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(base_) + used_;
  const std::size_t pad = (kAlign - start % kAlign) % kAlign;
  if (pad > cap_ - used_) return nullptr;
  const std::size_t off = used_ + pad;
  if (bytes > cap_ - off) return nullptr;
  used_ = off + bytes;
  if (used_ > high_) high_ = used_;
  return base_ + off;
}

Arena Arena::take_rest() {
  if (base_ == nullptr) return Arena();
  Arena rest(base_ + used_, cap_ - used_);
  used_ = cap_;
  high_ = cap_;
  return rest;
}

}  // namespace rill
