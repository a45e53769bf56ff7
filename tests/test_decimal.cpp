// Tests for decimal: exact decimal <-> binary32 conversion.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "rill/decimal.h"

using namespace rill;

namespace {

std::uint32_t bits_of(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
float float_of(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

}  // namespace

TEST_CASE("decimal_to_float matches strtof, including halfway cases") {
  const char* cases[] = {"0", "1", "0.1", "0.2", "0.3", "1e-45", "1.4e-45", "7e-46", "7.1e-46", "7.006492321624085e-46",
                         "7.006492321624086e-46", "1.17549435e-38", "1.1754942e-38", "3.4028235e38", "3.40282356e38",
                         "3.4028236e38", "1e39", "1e38", "123456789", "16777217", "16777219", "0.000001",
                         "9.999999e-1", "0.99999997", "0.99999998", "2.5", "1e-10", "4.9e-324", "33554431",
                         "1.00000005960464477539062", "1.000000059604644775390625", "1.00000005960464477539063",
                         "0.1000000000000000000000000000000000000000000000001", "12345678901234567890123456789012345678901234567890e-50",
                         "000000000000000000000000.5", "0.000000000000000000000000000000000000000000000000000001e60",
                         "-0", "-2.5e-3", "+7", "5.", ".5", "1E+2"};
  for (const char* s : cases) {
    float got = -1.0f;
    REQUIRE(decimal_to_float(s, std::strlen(s), &got));
    const float want = std::strtof(s, nullptr);
    INFO(s, " -> ", got, " want ", want);
    CHECK(bits_of(got) == bits_of(want));
  }
  const char* bad[] = {"", "-", ".", "e5", "1e", "1e+", "nan", "inf", "0x1p3", " 1", "1 ", "1..2", "1e5.5", "--1", "1,5"};
  for (const char* s : bad) {
    float f;
    INFO("'", s, "'");
    CHECK(!decimal_to_float(s, std::strlen(s), &f));
  }
  // Exact midpoints between neighbouring floats round to even; a hair above rounds up.
  std::uint32_t state = 99;
  for (int i = 0; i < 20000; ++i) {
    state = state * 1664525u + 1013904223u;
    const std::uint32_t b = state & 0x7F7FFFFEu;
    const double lo = static_cast<double>(float_of(b));
    const double hi = static_cast<double>(float_of(b + 1));
    char buf[256];
    std::snprintf(buf, sizeof buf, "%.130e", (lo + hi) / 2);  // exact in double, and in 131 digits
    float got;
    REQUIRE(decimal_to_float(buf, std::strlen(buf), &got));
    INFO(buf);
    CHECK(bits_of(got) == bits_of(std::strtof(buf, nullptr)));
    CHECK((bits_of(got) & 1u) == 0);  // a tie goes to even
    // The same midpoint with a 1 in the 150th digit: just above, so it rounds up.
    std::string above(buf);
    const std::size_t e = above.find('e');
    above.insert(e, std::string(18, '0') + "1");
    REQUIRE(decimal_to_float(above.c_str(), above.size(), &got));
    CHECK(bits_of(got) == bits_of(std::strtof(above.c_str(), nullptr)));
    CHECK(bits_of(got) == b + 1);
    std::snprintf(buf, sizeof buf, "%.17g", lo + (hi - lo) * 0.49999);
    REQUIRE(decimal_to_float(buf, std::strlen(buf), &got));
    CHECK(bits_of(got) == bits_of(std::strtof(buf, nullptr)));
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(float_of(state & 0xBFFFFFFFu)));
    REQUIRE(decimal_to_float(buf, std::strlen(buf), &got));
    CHECK(bits_of(got) == bits_of(std::strtof(buf, nullptr)));
  }
}

TEST_CASE("float_to_decimal gives the shortest round-trip decimal") {
  // Reference: the fewest digits p for which the p-digit decimal just below or
  // just above the exact value reads back as f (string arithmetic on the exact
  // expansion printf gives; independent of the code under test).
  auto shortest_digits = [](float f) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%.130e", static_cast<double>(f));  // exact
    std::string digits;
    const char* p = buf;
    for (; *p != 'e'; ++p)
      if (*p >= '0' && *p <= '9') digits += *p;
    const int exp10 = std::atoi(p + 1);
    for (int n = 1; n <= 9; ++n) {
      std::string lo = digits.substr(0, static_cast<std::size_t>(n));
      std::string hi = lo;
      int k = n - 1;
      while (k >= 0 && hi[static_cast<std::size_t>(k)] == '9') hi[static_cast<std::size_t>(k--)] = '0';
      int hexp = exp10;
      if (k < 0) {
        hi = "1" + hi.substr(0, static_cast<std::size_t>(n - 1));
        ++hexp;
      } else {
        ++hi[static_cast<std::size_t>(k)];
      }
      for (const auto& cand : {std::make_pair(lo, exp10), std::make_pair(hi, hexp)}) {
        const std::string s = cand.first.substr(0, 1) + "." + cand.first.substr(1) + "e" + std::to_string(cand.second);
        if (std::strtof(s.c_str(), nullptr) == f) return n;
      }
    }
    return 10;
  };
  auto digits_in = [](const char* s) {
    std::string m;
    for (const char* p = s; *p && *p != 'e'; ++p)
      if (*p >= '0' && *p <= '9') m += *p;
    const std::size_t a = m.find_first_not_of('0');
    if (a == std::string::npos) return 1;
    m = m.substr(a);
    while (m.size() > 1 && m.back() == '0') m.pop_back();
    return static_cast<int>(m.size());
  };
  std::vector<std::uint32_t> samples = {0x00000001u, 0x00000002u, 0x007FFFFFu, 0x00800000u, 0x7F7FFFFFu, 0x3F800000u,
                                        0x3F7FFFFFu, 0x3DCCCCCDu, 0x38D1B717u, 0x3727C5ACu, 0x4B800000u, 0x4B800001u,
                                        0x4E6E6B28u, 0x501502F9u};
  std::uint32_t state = 12345;
  for (int i = 0; i < 100000; ++i) {
    state = state * 1664525u + 1013904223u;
    samples.push_back(state & 0x7FFFFFFFu);
  }
  for (std::uint32_t i = 0; i < 254; ++i) samples.push_back(i << 23);  // powers of two
  for (std::uint32_t bits : samples) {
    const float f = float_of(bits);
    if (!std::isfinite(f)) continue;
    char out[16];
    const std::size_t n = float_to_decimal(f, out, sizeof out);
    INFO(bits, " -> ", out);
    REQUIRE(n > 0);
    CHECK(n == std::strlen(out));
    CHECK(bits_of(std::strtof(out, nullptr)) == bits);
    float back;
    CHECK(decimal_to_float(out, n, &back));
    CHECK(bits_of(back) == bits);
    CHECK(digits_in(out) == shortest_digits(f));
    char neg[16];
    CHECK(float_to_decimal(-f, neg, sizeof neg) == n + 1);
    CHECK(std::string(neg) == "-" + std::string(out));
  }
  char out[16];
  CHECK(float_to_decimal(0.001f, out, sizeof out) == 5);
  CHECK(std::string(out) == "0.001");
  float_to_decimal(1e-5f, out, sizeof out);
  CHECK(std::string(out) == "1e-05");
  float_to_decimal(0.0001f, out, sizeof out);
  CHECK(std::string(out) == "0.0001");
  float_to_decimal(0.0f, out, sizeof out);
  CHECK(std::string(out) == "0");
  float_to_decimal(123.5f, out, sizeof out);
  CHECK(std::string(out) == "123.5");
  float_to_decimal(1e9f, out, sizeof out);
  CHECK(std::string(out) == "1e+09");
  float_to_decimal(100000000.0f, out, sizeof out);
  CHECK(std::string(out) == "100000000");
  float_to_decimal(3.4028235e38f, out, sizeof out);
  CHECK(std::string(out) == "3.4028235e+38");
  float_to_decimal(float_of(1), out, sizeof out);
  CHECK(std::string(out) == "1e-45");
  float_to_decimal(-0.0001234f, out, sizeof out);
  CHECK(std::string(out) == "-0.0001234");
  float_to_decimal(std::numeric_limits<float>::infinity(), out, sizeof out);
  CHECK(std::string(out) == "inf");
  float_to_decimal(std::numeric_limits<float>::quiet_NaN(), out, sizeof out);
  CHECK(std::string(out) == "nan");
  CHECK(float_to_decimal(0.001f, out, 5) == 0);  // needs 6 with the terminator
  CHECK(float_to_decimal(0.001f, out, 6) == 5);
  // The longest outputs fit in 16 bytes.
  CHECK(float_to_decimal(-0.000123456789f, out, 16) > 0);
  CHECK(float_to_decimal(-1.17549421e-38f, out, 16) > 0);
}

TEST_CASE("unsigned_to_decimal: every count in decimal, 0 and the largest value included") {
  char out[21];
  CHECK(unsigned_to_decimal(0, out) == 1);
  CHECK(std::string(out) == "0");
  CHECK(unsigned_to_decimal(7, out) == 1);
  CHECK(std::string(out) == "7");
  CHECK(unsigned_to_decimal(1000, out) == 4);
  CHECK(std::string(out) == "1000");
  CHECK(unsigned_to_decimal(18446744073709551615ull, out) == 20);
  CHECK(std::string(out) == "18446744073709551615");
  for (unsigned long long v = 1; v < 1000000; v = v * 3 + 1) {
    unsigned_to_decimal(v, out);
    CHECK(std::string(out) == std::to_string(v));
  }
}
