// model_io: safetensors read/write for rill models (shared/spec/formats.md).
//
// Layout: u64 little-endian header length N, N bytes of JSON, the data buffer.
// Tensors `layers.{i}.weight` [out, in] and `layers.{i}.bias` [out], F32.
// The architecture and training facts live in `__metadata__` (string → string).
// Reading accepts any common prefix before `{i}.weight`/`{i}.bias`
// (`net.0.weight`, `model.layers.3.bias`), non-consecutive indices ordered as
// numbers, and ignores nothing silently: other tensors are an error unless
// their name starts with `rill.`.
//
// Every byte is validated before use; a damaged or hostile file yields a
// specific Status and a Message naming the problem, never a crash. The JSON
// header is read by safetensors_header.h (schema-directed, no recursion, so
// no depth bombs); loading allocates nothing and uses about 5.5 KB of stack
// (Cortex-M4, -Os). model_io.cpp reads, model_write.cpp writes; decimal.h
// holds the exact number conversions both use.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rill/arena.h"
#include "rill/mlp.h"
#include "rill/safetensors_header.h"  // kMaxHeaderBytes, kMaxKeyBytes, kMaxTensors
#include "rill/status.h"

namespace rill {

// `rill.format`: 1 for a file that uses none of condition, source (or the
// later step_embedding and narrow dtypes), 2 otherwise; rill reads both.
constexpr int kFormatVersion = 2;
constexpr int kMaxMetadata = 64;   // `__metadata__` entries
// The metadata keys rill writes itself from the architecture, in file order
// (`condition` and `step_embedding` only when there is one); `extra` may not use them.
constexpr int kNumRillMetadataKeys = 8;
inline constexpr const char* kRillMetadataKeys[kNumRillMetadataKeys] = {
    "rill.format", "dim", "activation", "time_embedding", "path", "sigma_min", "condition", "step_embedding"};
// Keys a writer passes in `extra` that rill checks (formats.md): `class_names`
// (C comma-separated, non-empty names for a class:C model) and `source`
// (`gaussian` or a built-in dataset of the model's dimension; format 2 when not gaussian).
constexpr int kNumCheckedExtraKeys = 2;
inline constexpr const char* kCheckedExtraKeys[kNumCheckedExtraKeys] = {"class_names", "source"};

// A loaded model: the Mlp (pointing into the file bytes, or into the arena when
// the bytes are not aligned for float access) and the metadata it declares.
struct Model {
  Mlp mlp;                       // mlp.spec.condition: the model's condition
  float sigma_min = 0.0f;        // CondOT path parameter
  int source = -1;               // -1: N(0, I); else the built-in dataset (datasets.h's Dataset) X0 is drawn from
  int format = 1;                // the file's rill.format (1 for a file without rill metadata)
  bool has_rill_metadata = false;
  bool in_place = false;         // weights are read straight from the caller's bytes (narrow ones always)
  WeightDtype dtype = WeightDtype::f32;  // the file's weight dtype (mlp.narrow holds narrow ones in place)
  const char* header = nullptr;  // the JSON header (not zero-terminated), inside the caller's bytes
  std::size_t header_len = 0;
};

// Parses and validates `bytes` (which must outlive the Model). When every
// tensor is 4-byte aligned the weights are used in place and `arena` may be
// null; otherwise they are copied into `arena` (model_copy_bytes(spec) bytes,
// one canonical block; Status::out_of_memory if it does not fit).
// Without `rill.format` in the metadata every key takes its default (silu,
// raw time, condot, sigma_min 0, d = last layer's out), as formats.md says.
// On failure *out is reset to an empty Model.
Status model_load(const void* bytes, std::size_t len, Arena* arena, Model* out, Message* msg);
// Arena bytes model_load needs when it must copy the weights of `spec`.
std::size_t model_copy_bytes(const MlpSpec& spec);

// Looks up a `__metadata__` value of a loaded model; writes it zero-terminated
// into out (JSON escapes decoded). Returns false if absent or if it does not fit.
bool model_metadata(const Model& model, const char* key, char* out, std::size_t cap);
// Calls fn(key, value) for every metadata entry, in file order (decoded, zero-terminated).
// Values longer than kMetadataEachValueBytes - 1 bytes are cut (at a UTF-8
// character boundary); model_metadata gives any value whole.
constexpr std::size_t kMetadataEachValueBytes = 1024;
void model_metadata_each(const Model& model, void (*fn)(const char* key, const char* value, void* ctx), void* ctx);

// Writing. `extra` holds training facts (key/value strings) written after the
// architecture keys; keys rill writes itself are refused in extra.
struct KeyValue {
  const char* key;
  const char* value;
};
// Exact size of the file model_write would produce; 0 if it would refuse to write.
// `dtype` (formats.md "Weight dtypes"): the weights' dtype in the file (the
// Mlp's are float32); F16/BF16 rounded to nearest even, I8 with per-row
// weight_scale max|W[j]|/127 (biases: F16/BF16 like the weights, F32 with
// I8). A weight or bias outside the dtype's range (F16: |w| > 65504) is refused (invalid_argument) before anything is written.
std::size_t model_file_size(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra,
                            WeightDtype dtype = WeightDtype::f32);
// Writes the file into out[0..cap); *written = bytes written. Header padded with
// spaces so the data buffer starts at a multiple of 16. Refuses (before
// writing anything): an invalid spec, null or non-finite weights (non_finite),
// sigma_min outside [0, 1), extra keys that are empty, duplicated, longer than
// kMaxKeyBytes, one of rill's own keys, or not UTF-8 (invalid_argument);
// a buffer smaller than model_file_size() gives out_of_memory. Strings are
// JSON-escaped as needed.
Status model_write(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra, unsigned char* out,
                   std::size_t cap, std::size_t* written, Message* msg, WeightDtype dtype = WeightDtype::f32);

// Status::non_finite (naming `name` and the element) if any of the count
// little-endian floats at p (any alignment) is NaN or Inf. Load and write share it.
Status check_finite_f32(const char* name, const void* p, std::size_t count, Message* msg);

}  // namespace rill
