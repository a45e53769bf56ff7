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

}  // namespace rill
