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
// rill_model_memory_compiled's bytes for a checked c (rill_model_open_compiled, without a second check).
std::size_t compiled_place_bytes(const rill_compiled_model* c, int chunk, int flags);

}  // namespace rill

// rill.h declares it for native and firmware builds; rill_model_open_compiled uses it in rill.wasm too.
extern "C" int rill_model_init_compiled(void* mem, size_t mem_size, const rill_compiled_model* model, int chunk,
                                        int flags, rill_model** out, char* err, size_t err_cap);

namespace rill {

}  // namespace rill
