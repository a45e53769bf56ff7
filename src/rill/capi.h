// Internal: the structures behind the C API handles, shared by capi.cpp
// (heap-free), capi_heap.cpp (allocating) and capi_threads.cpp. Not a public header.
#pragma once
#include "rill/arena.h"
#include "rill/field.h"
#include "rill/model_io.h"
#include "rill/rill.h"
#include "rill/solver.h"
#include "rill/train.h"

namespace rill {
class Executor;
}

struct rill_model {
  rill::Model model;
  rill::Arena scratch;     // stage buffers and forward scratch for one chunk
  int chunk = 1;
  // Native threads (capi_threads.cpp): the executor and one scratch arena per worker.
  rill::Executor* executor = nullptr;
  rill::Arena* worker_scratch = nullptr;
  void* threads = nullptr;  // what capi_threads.cpp allocated for the above
  void (*release_threads)(rill_model*) = nullptr;
  rill::Message error;
  void* owned = nullptr;   // heap models: the copy of the file (this struct starts its own block)
};

// A trainer (capi_heap.cpp) and the model view that samples from it.
struct rill_trainer {
  rill::Trainer trainer;     // its config() and data() are the run's facts
  void* mem = nullptr;       // the memory of the trainer's arena
  rill::Arena arena;         // the Trainer keeps a pointer to it
  float* points = nullptr;   // a copy of the user's points
  void* view_mem = nullptr;  // scratch for sampling the model being trained
  rill_model view;           // the trained model seen through the model API
  rill::Message error;
  void* threads = nullptr;   // capi_threads.cpp: the pool shared by trainer and view
  void (*release_threads)(rill_trainer*) = nullptr;
};

namespace rill {
// Copies a Message's text into a caller's buffer (if any).
void copy_error(const Message& m, Status s, char* err, std::size_t cap);
// Places a model in mem (see rill_model_init); `file` must be 4-byte aligned.
int model_place(void* mem, std::size_t mem_size, const void* file, std::size_t len, int chunk, int flags,
                rill_model** out, Message* msg);
std::size_t model_place_bytes(const Model& m, int chunk, int flags);

// Scratch for integrating `chunk` points of a model of this shape with any
// solver (RK4 needs the most): a model's, or one worker's, stage buffers.
inline std::size_t model_scratch_bytes(const MlpSpec& spec, int chunk) {
  Mlp shape;  // the scratch depends on the shape alone
  shape.spec = spec;
  return integrate_scratch(MlpField(shape), Solver::rk4, chunk);
}

// 64-byte aligned heap memory (any size, 0 included), freed with std::free;
// null on failure. Heap builds only: defined in capi_heap.cpp.
void* aligned_block(std::size_t bytes);
}  // namespace rill
