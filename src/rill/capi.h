// Internal: the structures behind the C API handles, shared by capi.cpp
// (heap-free) and capi_heap.cpp (allocating). Not a public header.
#pragma once
#include "rill/arena.h"
#include "rill/field.h"
#include "rill/model_io.h"
#include "rill/rill.h"

struct rill_model {
  rill::Model model;
  rill::Arena scratch;     // stage buffers and forward scratch for one chunk
  int chunk = 1;
  rill::Message error;
  void* owned = nullptr;   // heap models: the block holding the file copy and this struct
};

namespace rill {
// Copies a Message's text into a caller's buffer (if any).
void copy_error(const Message& m, Status s, char* err, std::size_t cap);
// Places a model in mem (see rill_model_init); `file` must be 4-byte aligned.
int model_place(void* mem, std::size_t mem_size, const void* file, std::size_t len, int chunk, int flags,
                rill_model** out, Message* msg);
std::size_t model_place_bytes(const Model& m, int chunk, int flags);
}  // namespace rill
