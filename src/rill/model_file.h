// model_file: reading and writing model files on a native file system, and
// the atomic replacement of a file that every file rill writes goes through.
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
#include <cstdio>

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

// Writes `mlp` (model_write's format and checks) to `path` atomically
// (temp_file_open, then temp_file_commit). A refused model creates no file.
Status model_write_file(const char* path, const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra,
                        Message* msg);
// Writes the bytes of model_write to `out` (for a TempFile's stream, or
// standard output). A refused model writes nothing; a failed write is io_error.
Status model_write_stream(std::FILE* out, const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra,
                          Message* msg);

// Atomic replacement of a file (model_write_file and the `rill` command's
// outputs): write the new contents to `stream`, then commit, which flushes
// them to disk, renames the temporary file over the target and flushes the
// directory; until then the target is untouched. A TempFile is empty (both
// null) before temp_file_open and after commit or discard.
struct TempFile {
  std::FILE* stream = nullptr;
  char* path = nullptr;  // "<target>.tmp-<pid>-<n>", beside the target (malloc'd)
};
// Creates a new temporary file beside `target` (never an existing one).
// io_error naming the target when it cannot; t stays empty.
Status temp_file_open(const char* target, TempFile* t, Message* msg);
// Flushes, syncs and closes the stream and renames the file over `target`.
// On any failure, including an earlier failed write to the stream, the
// temporary file is removed and the result is io_error naming the target.
Status temp_file_commit(TempFile* t, const char* target, Message* msg);
// Closes and removes the temporary file (nothing for an empty TempFile).
void temp_file_discard(TempFile* t);

}  // namespace rill
