// Internal: the model handle behind the C API, shared by capi.cpp
// (heap-free), capi_heap.cpp (allocating) and capi_threads.cpp. Not a public
// header. It knows no trainer: the firmware's C API is models and runs alone
// (the trainer handle is in capi_heap.h).
#pragma once
#include "rill/arena.h"
#include "rill/model_io.h"
#include "rill/rill.h"
#include "rill/runner.h"

namespace rill {
class FormulaModel;
}

struct rill_model {
  rill::Model model;
  // Runs model.mlp in chunks in the scratch arena placed after this struct;
  // capi_threads.cpp attaches workers (an executor and one arena each) to it.
  rill::Runner runner;
  std::size_t scratch_bytes = 0;  // of each scratch arena (the Runner's, and each worker's)
  // A formula model's field (rill_model_open_name; heap, owned): then model.mlp is empty
  // and runner runs formula->field().
  rill::FormulaModel* formula = nullptr;
  void* threads = nullptr;  // what capi_threads.cpp allocated for the workers
  void (*release_threads)(rill_model*) = nullptr;
  rill::Message error;
  void* owned = nullptr;   // heap models: the copy of the file (this struct starts its own block)
};

namespace rill {
// Copies text into out[0..cap) (if out), zero-terminated, cut to fit.
void copy_text(const char* text, char* out, std::size_t cap);
// Copies a Message's text (or, if empty, status_message(s)) into a caller's buffer (if any).
void copy_error(const Message& m, Status s, char* err, std::size_t cap);
// Places a model in mem (see rill_model_init); `file` must be 4-byte aligned.
int model_place(void* mem, std::size_t mem_size, const void* file, std::size_t len, int chunk, int flags,
                rill_model** out, Message* msg);
std::size_t model_place_bytes(const Model& m, int chunk, int flags);
// Bytes of one scratch arena of a model of this shape (RILL_DENSITY in flags: log-densities too).
std::size_t model_scratch_bytes(const MlpSpec& spec, int chunk, int flags);

// 64-byte aligned heap memory (any size, 0 included), freed with std::free;
// null on failure. Heap builds only: defined in capi_heap.cpp.
void* aligned_block(std::size_t bytes);
}  // namespace rill
