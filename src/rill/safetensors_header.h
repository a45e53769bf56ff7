// safetensors_header: the JSON header of a safetensors file (shared/spec/formats.md),
// read strictly and written plainly. Internal to model_io.
//
// Reading: walk() checks the header's JSON against the safetensors schema — a
// top-level object of tensor entries {"dtype", "shape", "data_offsets"} and an
// optional `__metadata__` object of strings — and hands each entry to a
// Visitor. Anything else is an error at that byte, so there is no recursion
// and no depth to bomb; nothing is allocated. JSON whitespace (space, tab,
// LF, CR, as the reference implementation's serde_json) may surround the
// object on both sides. check_entry() and check_tiling() are the format's own
// rules on entries: a known dtype, shape × dtype size = the offsets' span,
// and spans that tile the data buffer.
//
// Writing: Sink counts or writes text, with JSON string escaping.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rill/status.h"

namespace rill {

constexpr std::size_t kMaxHeaderBytes = 100u << 20;  // safetensors' own limit (100 MB)
constexpr std::size_t kMaxKeyBytes = 256;            // a tensor name or metadata key, decoded UTF-8
constexpr int kMaxTensors = 64;  // tensor entries in one file (rill reads layers and `rill.` extras)

namespace safetensors {

using KeyBuffer = char[kMaxKeyBytes + 1];

// A validated JSON string: the raw bytes [begin, end) between the quotes in
// the header, and its decoded length.
struct Str {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::uint32_t decoded = 0;
};

// `[int, int, ...]` of a tensor entry: the first two values, how many there
// were, whether any was negative or too large, and their product (with its
// overflow), without storing more than two whatever the file says.
struct IntArray {
  std::uint64_t first2[2] = {0, 0};
  std::uint32_t count = 0;
  bool negative = false;
  bool overflow = false;
  std::uint64_t product = 1;  // of all the values: a shape's element count (1 for [])
  bool product_overflow = false;
};

// One tensor entry as written in the header, before any semantic check.
struct Entry {
  char dtype[17] = {0};
  std::uint32_t dtype_bytes = 0;  // 0: a dtype safetensors does not define
  IntArray shape;
  IntArray offsets;
};

// What walk() calls: tensor(ctx, name, name_len, key, entry) for every tensor
// entry, meta(ctx, key, key_len, key_str, value_str) for every metadata entry
// (either may be null). The first non-ok Status stops the walk. Plain function
// pointers, not templates: one copy of the parser in firmware.
struct Visitor {
  void* ctx;
  Status (*tensor)(void* ctx, const char* name, std::size_t n, Str key, const Entry& e);
  Status (*meta)(void* ctx, const char* key, std::size_t n, Str k, Str v);
};

// Walks header[0..len) (len <= kMaxHeaderBytes); `name` holds each decoded key
// while it is visited. Syntax errors give Status::bad_json naming the byte.
Status walk(const unsigned char* header, std::uint32_t len, const Visitor& v, KeyBuffer& name, Message* msg);

// Decodes a string walk() validated into out, zero-terminated, writing whole
// UTF-8 characters only. Returns true if all of it fitted (cap > s.decoded).
bool decode(const unsigned char* header, Str s, char* out, std::size_t cap);
// Whether a[0..alen) is the zero-terminated lit.
bool str_is(const char* a, std::size_t alen, const char* lit);
// Whether the zero-terminated s is valid UTF-8 (no overlongs, surrogates, or > U+10FFFF).
bool valid_utf8(const char* s);

// The format's rules on one entry (name for messages): a dtype safetensors
// defines (unsupported_dtype), no negative or overflowing dimension
// (bad_shape), data_offsets [begin, end] with end - begin = elements × dtype
// size (bad_offsets).
Status check_entry(const char* name, const Entry& e, Message* msg);

// A tensor's bytes [begin, end) in the data buffer.
struct Span {
  std::uint64_t begin;
  std::uint64_t end;
};
// The spans (file order; names[i] is span i's key) must tile the data buffer
// of data_len bytes: from 0, without gaps or overlaps, to its end. n <= kMaxTensors;
// a and b are scratch for names in messages.
Status check_tiling(const unsigned char* header, const Str* names, const Span* spans, int n, std::uint64_t data_len,
                    KeyBuffer& a, KeyBuffer& b, Message* msg);

// Counts, and writes when p is non-null (never past cap).
struct Sink {
  unsigned char* p = nullptr;
  std::size_t cap = 0;
  std::size_t n = 0;
  void put(char c) {
    if (p != nullptr && n < cap) p[n] = static_cast<unsigned char>(c);
    ++n;
  }
  void puts(const char* s) {
    while (*s) put(*s++);
  }
  void putu(std::uint64_t v);
  // A JSON string literal; s is valid UTF-8 (checked before).
  void put_json(const char* s);
};

}  // namespace safetensors
}  // namespace rill
