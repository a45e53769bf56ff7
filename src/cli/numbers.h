// numbers: strict parsing of decimal numbers typed by people or read from CSV.
//
// Why not plain strtod/strtol: they skip leading spaces, stop at the first
// bad character, and accept hex, "inf", "nan" and "0x1p3". A flag value or a
// CSV field must be one number and nothing else, so the syntax is checked
// first and the C library only converts.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cli {

// `[+-]digits[.digits][(e|E)[+-]digits]`, also `.5` and `5.`; the whole of s[0..len).
// Writes the nearest double (±inf when out of double range).
bool parse_decimal(const char* s, std::size_t len, double* out);
// `[+-]digits`, the whole of s[0..len), within long long (else false with
// *overflow, if given, set to true).
bool parse_integer(const char* s, std::size_t len, long long* out, bool* overflow = nullptr);
// True for the words strtod would take as NaN or infinity ("nan", "-Inf", "infinity"...).
bool is_nan_or_inf_word(const char* s, std::size_t len);

}  // namespace cli
