// model_meta: the `__metadata__` keys rill reads, checked (internal to
// model_io). formats.md's table of keys: rill.format 1 and 2, dim, activation,
// time_embedding, path, sigma_min, and format 2's condition, step_embedding,
// class_names and source. Not a public header.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rill/mlp.h"
#include "rill/safetensors_header.h"
#include "rill/status.h"

namespace rill {
namespace model_meta {

// rill's own keys, then the checked extra keys (model_io.h).
enum MetaKey {
  kFormat, kDim, kActivation, kTime, kPath, kSigma, kCondition, kStep, kClassNames, kSource, kNumMetaKeys
};
extern const char* const kMetaNames[kNumMetaKeys];

// The values pass 1 of the header walk found for each key.
struct Meta {
  bool present[kNumMetaKeys] = {};
  safetensors::Str value[kNumMetaKeys];
};

// The architecture the metadata declares (or the defaults).
struct Declared {
  bool rill = false;
  int dim = 0;  // 0: infer from the last layer
  Activation activation = Activation::silu;
  TimeEmbedding time;
  float sigma_min = 0.0f;
  ConditionSpec condition;
  StepEmbedding step;
  int source = -1;  // -1: gaussian
  int format = 1;
  safetensors::Str class_names;  // checked against the condition once the shapes are known
  bool has_class_names = false;
};

// Strict decimal integer: digits only, no sign, no leading zero; false if > max.
bool parse_uint(const char* s, std::size_t n, std::uint32_t max, std::uint32_t* out);
// Counts the comma-separated names of class_names; false if one is empty or the value is too long.
bool count_names(const unsigned char* header, safetensors::Str value, int* count);
// Checks every key rill reads and fills *d; bad_metadata naming the key and value.
Status check_metadata(const unsigned char* header, const Meta& meta, Declared* d, Message* msg);

}  // namespace model_meta
}  // namespace rill
