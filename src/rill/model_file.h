// model_file: reading and writing model files on a native file system.
//
// Native only (servers, the command line, tests): it uses <cstdio>, POSIX
// and malloc, so it is not part of the microcontroller library, which loads
// models from memory with model_load (model_io.h) or from `rill export-c`.
//
// Reading copies the file into a 16-byte aligned block owned by a ModelFile,
// so the weights are always used in place. Writing goes to a temporary file
// in the same directory, which is flushed to disk and renamed over the
// target: a reader never sees a partial file, and a failed write leaves an
// existing file as it was and no temporary file behind.
#pragma once
#include <cstddef>

#include "rill/model_io.h"

namespace rill {

// Owns the bytes of a model file and the Model that points into them.
// Movable, not copyable; the destructor frees the bytes (no exceptions involved).
struct ModelFile {
  Model model;
  unsigned char* bytes = nullptr;  // 16-byte aligned, `size` bytes; the Model points into it
  std::size_t size = 0;
  void* block = nullptr;  // the allocation behind `bytes`
  void* copy = nullptr;   // arena memory, only when a file's tensors are not 4-byte aligned (`rill.` extras of odd size)

  ModelFile() = default;
  ~ModelFile();
  ModelFile(ModelFile&& other) noexcept;
  ModelFile& operator=(ModelFile&& other) noexcept;
  ModelFile(const ModelFile&) = delete;
  ModelFile& operator=(const ModelFile&) = delete;

 private:
  void take(ModelFile& other) noexcept;
};

// Frees the bytes and resets the ModelFile to empty (also done by the destructor).
void model_file_free(ModelFile* f);

// Reads and validates a model file. io_error messages name the path and the
// reason; any other Status is model_load's. On failure *out is empty.
Status model_read_file(const char* path, ModelFile* out, Message* msg);

// Writes `mlp` (model_write's format and checks) to `path` atomically.
Status model_write_file(const char* path, const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra,
                        Message* msg);

}  // namespace rill
