// rill_model_open_compiled (rill.h): a compiled model in one heap block, placed
// like rill_model_open's (chunk 256, packed, with log-density scratch). rill.mjs
// reads a safetensors file in JavaScript (web/safetensors.mjs), lays its
// tensors out after the struct in one rill_alloc block and opens it here, so
// rill.wasm needs no safetensors, JSON or decimal parser. Heap builds only
// (mk/mcu.mk leaves it out of the firmware library, as capi_heap.cpp).
#include <cstdlib>

#include "rill/capi.h"
#include "rill/capi_compiled.h"

using rill::aligned_block;
using rill::copy_text;

extern "C" int rill_model_open_compiled(rill_compiled_model* model, rill_model** out, char* err, size_t err_cap) {
  constexpr int kChunk = 256, kFlags = RILL_PACK | RILL_DENSITY;  // rill_model_open's
  if (out == nullptr || model == nullptr)  // refused there with its message
    return rill_model_init_compiled(nullptr, 0, model, kChunk, kFlags, out, err, err_cap);
  *out = nullptr;
  // The fields alone, enough to size the block; rill_model_init_compiled then checks the
  // scales and the checksum (one pass over the weights, not two).
  const rill::Status st = rill::compiled_check(model, false, err, err_cap);
  if (st != rill::Status::ok) return static_cast<int>(st);
  const std::size_t need = rill::compiled_place_bytes(model, kChunk, kFlags);
  void* mem = aligned_block(need);
  if (mem == nullptr) {
    copy_text("cannot allocate memory for the model", err, err_cap);
    return RILL_OUT_OF_MEMORY;
  }
  rill_model* h = nullptr;
  const int rc = rill_model_init_compiled(mem, need, model, kChunk, kFlags, &h, err, err_cap);
  if (rc != RILL_OK) {
    std::free(mem);
    return rc;
  }
  h->owned = model;  // rill_model_free frees the handle's block, then this one
  *out = h;
  return RILL_OK;
}
