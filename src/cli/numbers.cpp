// numbers: strict decimal syntax, then the C library converts (see numbers.h).
#include "cli/numbers.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace cli {

namespace {
bool digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool parse_decimal(const char* s, std::size_t len, double* out) {
  std::size_t i = 0;
  if (i < len && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < len && digit(s[i])) { ++i; ++int_digits; }
  if (i < len && s[i] == '.') {
    ++i;
    while (i < len && digit(s[i])) { ++i; ++frac_digits; }
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < len && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < len && digit(s[i])) { ++i; ++exp_digits; }
    if (exp_digits == 0) return false;
  }
  if (i != len) return false;
  const std::string copy(s, len);  // strtod needs a terminated string
  *out = std::strtod(copy.c_str(), nullptr);  // out of range: ±HUGE_VAL or a (sub)normal near 0, both fine
  return true;
}

bool parse_integer(const char* s, std::size_t len, long long* out, bool* overflow) {
  if (overflow != nullptr) *overflow = false;
  std::size_t i = 0;
  if (i < len && (s[i] == '+' || s[i] == '-')) ++i;
  if (i == len) return false;
  for (; i < len; ++i)
    if (!digit(s[i])) return false;
  const std::string copy(s, len);
  errno = 0;
  const long long v = std::strtoll(copy.c_str(), nullptr, 10);
  if (errno == ERANGE) {
    if (overflow != nullptr) *overflow = true;
    return false;
  }
  *out = v;
  return true;
}

bool is_nan_or_inf_word(const char* s, std::size_t len) {
  std::size_t i = 0;
  if (i < len && (s[i] == '+' || s[i] == '-')) ++i;
  std::string w;
  for (; i < len && w.size() < 9; ++i) w += lower(s[i]);
  if (i != len) return false;
  return w == "nan" || w == "inf" || w == "infinity";
}

}  // namespace cli
