// The checks shared by the two ways of sampling a compiled model (rill.h,
// "compiled models"): rill_model_init_compiled (capi_compiled.cpp) and the
// lean rill_compiled_sample_* (capi_compiled_sample.cpp). Fixed texts only,
// written straight into the caller's buffer: no formatter, no Message.
#pragma once
#include <cstddef>

#include "rill/rill.h"
#include "rill/status.h"

namespace rill {

// Checks c (not null) as rill_model_init_compiled does: version, dtype, the
// step embedding, layers, activation, time, condition, sigma_min, sizes that
// chain, pointers (non-null, floats 4-byte aligned, scales for I8 only) and,
// when `full`, I8 scales finite and >= 0 and the checksum. The reason goes to
// err (any of err, cap may be 0).
Status compiled_check(const rill_compiled_model* c, bool full, char* err, std::size_t cap);
// The floats of scratch the lean path needs to sample one point of a checked c.
std::size_t compiled_sample_floats(const rill_compiled_model* c);

}  // namespace rill
