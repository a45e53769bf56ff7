// describe: one-line descriptions of a model's architecture, shared by
// `rill info` and the comment block `rill export-c` writes.
#pragma once
#include <string>

#include "rill/mlp.h"

namespace cli {

std::string layers_text(const rill::MlpSpec& s);  // "3 -> 128 -> 128 -> 2"
std::string time_text(const rill::TimeEmbedding& t);  // "raw" or "sin:4"
// The input encodings: "time sin:4", then ", step sin:1" and ", condition class:3" when the model has them.
std::string encodings_text(const rill::MlpSpec& s);

}  // namespace cli
