// Status: how every fallible core function reports failure (no exceptions).
//
// A Status is a small enum; status_name() gives a stable identifier and
// status_message() a readable sentence. Functions that parse bytes also take
// an optional Message* into which they write the specific reason
// ("layer 2: weight has 64 inputs, layer 1 gives 128"), so callers can show
// exactly what is wrong without the core allocating anything.
#pragma once
#include <cstddef>

namespace rill {

enum class Status : int {
  ok = 0,
  invalid_argument,     // a caller-side value is out of range (n < 1, steps < 1, ...)
  out_of_memory,        // the Arena handed in is too small
  io_error,             // a file could not be read or written
  truncated,            // fewer bytes than the header promises
  bad_header,           // safetensors header length or framing is wrong
  bad_json,             // the header is not valid JSON of the expected shape
  unsupported_dtype,    // a tensor is not F32
  bad_tensor,           // an unexpected tensor name, duplicate, or missing weight/bias
  bad_shape,            // shapes do not chain, or do not match the data dimension
  bad_offsets,          // data_offsets outside the buffer, overlapping, or with gaps
  non_finite,           // NaN or Inf in weights or in input data
  bad_metadata,         // a __metadata__ value rill cannot use
  unsupported,          // a valid request this build does not support
};

const char* status_name(Status s);     // "bad_shape"
const char* status_message(Status s);  // "tensor shapes do not chain"

// A fixed-size buffer for the specific reason of a failure. Never allocates.
struct Message {
  static constexpr std::size_t kCap = 200;
  char text[kCap] = {0};
};
// Writes a formatted reason into m (if m is non-null) and returns s, so that
// `return fail(m, s, ...)` reads well. A printf subset (%s %c %d %i %u with l,
// ll, z; no floats, see status.cpp), truncated to fit Message::kCap.
Status fail(Message* m, Status s, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

}  // namespace rill
