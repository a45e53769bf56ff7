// decimal: exact conversion between decimal text and binary32 floats, without libc.
//
// Firmware links neither strtod nor printf, and rill needs both directions
// exact: model metadata (sigma_min, training facts) and CSV output must read
// back to the same bits on every target. A small bignum does the arithmetic.
#pragma once
#include <cstddef>

namespace rill {

// Parses `[+-]digits[.digits][(e|E)[+-]digits]` (also `.5`, `5.`) into the
// correctly rounded float (round half to even, exact for any number of digits).
// Overflow gives ±inf, underflow ±0.
// Returns false on anything else (spaces, "nan", "inf", hex, empty).
bool decimal_to_float(const char* s, std::size_t len, float* out);

// Writes the shortest decimal that decimal_to_float reads back as the same
// float (at most 9 significant digits): "0", "0.001", "1e-05", "123.5",
// "3.4028235e+38"; "nan"/"inf"/"-inf" for non-finite values. Returns the
// length written (zero-terminated; needs at most 16 bytes), or 0 if cap is too small.
std::size_t float_to_decimal(float f, char* out, std::size_t cap);

// Writes v in decimal ("0", "42") and a terminating zero; `out` needs 21 bytes.
// Returns the number of digits. Inline: the files that print a count (messages,
// metadata) need no link dependency on this file's float conversions.
inline std::size_t unsigned_to_decimal(unsigned long long v, char* out) {
  char rev[20];
  std::size_t n = 0;
  do { rev[n++] = static_cast<char>('0' + v % 10); v /= 10; } while (v != 0);
  for (std::size_t i = 0; i < n; ++i) out[i] = rev[n - 1 - i];
  out[n] = '\0';
  return n;
}

}  // namespace rill
