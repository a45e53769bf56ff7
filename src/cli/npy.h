// npy: NumPy's .npy format (version 1.0 written; 1.0, 2.0 and 3.0 read), as
// shared/spec/formats.md fixes it for rill: '<f4' or '<f8', C order, shape
// (n, d) or (n,) read; '<f4' (n, d) or (steps + 1, n, d) written.
//
// Why by hand: the format is a magic string, a Python-literal dict and raw
// little-endian data; parsing it strictly here (fuzzed by
// tests/fuzz/fuzz_arrays.cpp) is smaller than any dependency.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/points.h"

namespace cli {

constexpr char kNpyMagic[] = "\x93NUMPY";  // 6 bytes
bool has_npy_magic(const unsigned char* bytes, std::size_t len);

// Parses a whole .npy file. On failure returns false with the reason in *why
// ("Fortran-order arrays are not supported ...") and leaves *out empty.
// integers: also read integer dtypes of any width ('|i1', '<i2', '<i4', '<i8',
// '|u1', '<u2', '<u4', '<u8'; formats.md: labels), converted to float32
// (exact up to 2^24: the caller checks its range).
bool npy_parse(const unsigned char* bytes, std::size_t len, Points* out, std::string* why, bool integers = false);

// The preamble (magic, version 1.0, header padded to 64 bytes) for a
// '<f4' C-order array of this shape.
std::string npy_preamble(const std::vector<long>& shape, const char* descr = "<f4");
// Writes preamble + data (count floats, little-endian) to f; errors show in ferror(f).
void npy_write(std::FILE* f, const std::vector<long>& shape, const float* data, std::size_t count);
// The same for '<i4' (labels).
void npy_write_i32(std::FILE* f, const std::vector<long>& shape, const std::int32_t* data, std::size_t count);

}  // namespace cli
