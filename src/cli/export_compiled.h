// export_compiled: the header `rill export-c --compiled` writes (rill.h's
// rill_compiled_model and the weight arrays it points to).
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "rill/model_io.h"
#include "rill/rill.h"

namespace cli {

// Arrays a compiled form needs that the file does not hold as such. A compiled model keeps one
// dtype for weights and biases (rill.h: F16/BF16 biases are the weights' dtype), while formats.md
// lets F16/BF16 weights come with F32 biases: those biases are narrowed when every one of them is
// exactly a value of the weights' dtype, and otherwise the weights are widened to F32 (exact), so
// the compiled model always samples the file's bits.
struct CompiledArrays {
  std::vector<std::vector<std::uint16_t>> bias16;  // narrowed biases, per layer
  std::vector<std::vector<float>> weight32, bias32;  // widened weights and their F32 biases, per layer
  bool widened = false;
};
// The compiled form of a loaded model, pointing at its weights (or at `keep`'s arrays), with its checksum.
rill_compiled_model compiled_model_of(const rill::Model& m, CompiledArrays* keep);
// Writes the header for `m` (loaded from `path`): arrays NAME_w0, NAME_b0, ... and the struct NAME.
void write_compiled_header(std::FILE* f, const rill::Model& m, const std::string& path, const std::string& name,
                           const std::string& guard);

}  // namespace cli
