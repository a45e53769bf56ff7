// export_compiled: the header `rill export-c --compiled` writes (rill.h's
// rill_compiled_model and the weight arrays it points to).
#pragma once
#include <cstdio>
#include <string>

#include "rill/model_io.h"
#include "rill/rill.h"

namespace cli {

// The compiled form of a loaded model, pointing at its weights, with its checksum.
rill_compiled_model compiled_model_of(const rill::Model& m);
// Writes the header for `m` (loaded from `path`): arrays NAME_w0, NAME_b0, ... and the struct NAME.
void write_compiled_header(std::FILE* f, const rill::Model& m, const std::string& path, const std::string& name,
                           const std::string& guard);

}  // namespace cli
