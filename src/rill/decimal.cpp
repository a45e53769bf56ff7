// decimal: exact decimal <-> binary32 (see decimal.h for what and why).
//
// How:
// - Parsing keeps up to kMaxDigits significant digits in a bignum plus a
//   `sticky` flag for any non-zero digit dropped, then divides exactly and
//   rounds half to even (decimal_to_bits).
// - Printing expands the float exactly (mant·2^e2 is a finite decimal), then
//   tries 1, 2, ... 9 significant digits, each rounded both ways, and keeps
//   the first that parses back to the same bits (the shortest round trip).
#include "rill/decimal.h"

#include <cstdint>
#include <cstring>

static_assert(sizeof(float) == 4, "rill needs IEEE-754 binary32 floats");

namespace rill {

namespace {

using u8 = unsigned char;
using u32 = std::uint32_t;
using u64 = std::uint64_t;

// ---------------------------------------------------------------------------
// A small unsigned bignum: just enough for exact decimal <-> binary32.
// The largest value used is below 2^600: a 120-digit mantissa against 10^165,
// shifted for 26 quotient bits (a float's exact expansion mant·5^149 is < 2^370).

constexpr int kMaxDigits = 120;  // >= the 113 significant digits of any binary32 midpoint

struct Big {
  static constexpr int kWords = 24;  // 768 bits
  u32 w[kWords] = {};
  int n = 0;  // words in use; w[n - 1] != 0 when n > 0
};

void big_trim(Big& b) {
  while (b.n > 0 && b.w[b.n - 1] == 0) --b.n;
}

void big_set(Big& b, u32 v) {
  b.n = 0;
  if (v != 0) {
    b.w[0] = v;
    b.n = 1;
  }
}

// b = b·m + add
void big_mul_add(Big& b, u32 m, u32 add) {
  u64 carry = add;
  for (int i = 0; i < b.n; ++i) {
    const u64 t = static_cast<u64>(b.w[i]) * m + carry;
    b.w[i] = static_cast<u32>(t);
    carry = t >> 32;
  }
  if (carry != 0 && b.n < Big::kWords) b.w[b.n++] = static_cast<u32>(carry);
  big_trim(b);
}

void big_mul_pow(Big& b, u32 base, u32 chunk, int chunk_exp, int e) {
  for (; e >= chunk_exp; e -= chunk_exp) big_mul_add(b, chunk, 0);
  u32 m = 1;
  for (; e > 0; --e) m *= base;
  if (m != 1) big_mul_add(b, m, 0);
}
void big_mul_pow10(Big& b, int e) { big_mul_pow(b, 10, 1000000000u, 9, e); }
void big_mul_pow5(Big& b, int e) { big_mul_pow(b, 5, 1220703125u, 13, e); }

void big_shl(Big& b, int bits) {
  if (b.n == 0 || bits <= 0) return;
  const int words = bits / 32;
  const int rem = bits % 32;
  int n = b.n + words + 1;
  if (n > Big::kWords) n = Big::kWords;  // never reached for the values used here
  for (int i = n - 1; i >= 0; --i) {
    const int src = i - words;
    u32 v = 0;
    if (src >= 0 && src < b.n) v = b.w[src] << rem;
    if (rem != 0 && src - 1 >= 0 && src - 1 < b.n) v |= b.w[src - 1] >> (32 - rem);
    b.w[i] = v;
  }
  b.n = n;
  big_trim(b);
}

int big_cmp(const Big& a, const Big& b) {
  if (a.n != b.n) return a.n < b.n ? -1 : 1;
  for (int i = a.n - 1; i >= 0; --i)
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i] ? -1 : 1;
  return 0;
}

// a -= b, requires a >= b
void big_sub(Big& a, const Big& b) {
  u64 borrow = 0;
  for (int i = 0; i < a.n; ++i) {
    const u64 bi = i < b.n ? b.w[i] : 0;
    const u64 t = static_cast<u64>(a.w[i]) - bi - borrow;
    a.w[i] = static_cast<u32>(t);
    borrow = (t >> 32) != 0 ? 1 : 0;
  }
  big_trim(a);
}

int big_bitlen(const Big& b) {
  if (b.n == 0) return 0;
  int bits = (b.n - 1) * 32;
  for (u32 top = b.w[b.n - 1]; top != 0; top >>= 1) ++bits;
  return bits;
}

// b /= d, returns the remainder
u32 big_divmod_small(Big& b, u32 d) {
  u64 rem = 0;
  for (int i = b.n - 1; i >= 0; --i) {
    const u64 cur = (rem << 32) | b.w[i];
    b.w[i] = static_cast<u32>(cur / d);
    rem = cur % d;
  }
  big_trim(b);
  return static_cast<u32>(rem);
}

// Bits (sign clear) of the binary32 nearest to m·10^e10 (+ a little more when
// `sticky`: digits beyond the ones in m were not all zero). m has nd digits.
// Method: find s with q = floor(x·2^s) in [2^23, 2^24) (s <= 149: subnormals),
// by exact long division of two bignums, then round half to even on the remainder.
// Keeping kMaxDigits digits plus `sticky` is exact: every midpoint between two
// floats has fewer significant digits, so the dropped digits can only break a tie.
u32 decimal_to_bits(const Big& m, int nd, long long e10, bool sticky) {
  if (m.n == 0) return 0;
  const long long p = nd + e10;  // x is in [10^(p-1), 10^p)
  if (p > 39) return 0x7F800000u;  // >= 1e39 > FLT_MAX
  if (p < -45) return 0;           // < 1e-46, less than half the smallest subnormal
  const int e = static_cast<int>(e10);  // in [-45 - kMaxDigits, 39]
  Big num0 = m;
  Big den0;
  big_set(den0, 1);
  if (e >= 0) big_mul_pow10(num0, e);
  else big_mul_pow10(den0, -e);
  int s = 24 - (big_bitlen(num0) - big_bitlen(den0));  // then x·2^s is in (2^23, 2^25)
  if (s > 149) s = 149;
  u32 q = 0;
  Big num;
  Big den;
  for (;;) {
    num = num0;
    den = den0;
    if (s >= 0) big_shl(num, s);
    else big_shl(den, -s);
    q = 0;
    for (int bit = 25; bit >= 0; --bit) {
      Big t = den;
      big_shl(t, bit);
      if (big_cmp(num, t) >= 0) {
        big_sub(num, t);
        q |= 1u << bit;
      }
    }
    if (q < (1u << 24)) break;
    --s;  // one bit too many: happens at most once
  }
  big_shl(num, 1);  // compare 2·remainder with the divisor
  const int c = big_cmp(num, den);
  if (c > 0 || (c == 0 && (sticky || (q & 1u) != 0))) ++q;
  if (q == (1u << 24)) {
    q >>= 1;
    --s;
  }
  if (q < (1u << 23)) return q;  // subnormal (s == 149)
  const int biased = 150 - s;
  if (biased >= 255) return 0x7F800000u;
  return (static_cast<u32>(biased) << 23) | (q & 0x7FFFFFu);
}

float bits_to_float(u32 bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
u32 float_to_bits(float f) {
  u32 b;
  std::memcpy(&b, &f, 4);
  return b;
}

bool is_digit(u8 c) { return c >= '0' && c <= '9'; }

// ---------------------------------------------------------------------------
// Printing, in steps: exact digits, shortest digits, layout.

// Significant decimal digits d1 d2 ... dn of a value 0.d1d2...dn × 10^point.
template <int Cap>
struct Digits {
  char d[Cap] = {};
  int n = 0;
  int point = 0;
};
using Exact = Digits<128>;  // a float's exact expansion has at most 112 significant digits
using Short = Digits<10>;   // a round-trip candidate: at most 9

// The exact decimal expansion of a finite, non-zero |f| (mant·2^e2 = digits·10^dexp),
// without trailing zeros.
void exact_digits(u32 bits, Exact* out) {
  const u32 biased = (bits >> 23) & 0xFFu;
  const u32 frac = bits & 0x7FFFFFu;
  const u32 mant = biased != 0 ? (frac | 0x800000u) : frac;
  const int e2 = biased != 0 ? static_cast<int>(biased) - 150 : -149;
  Big N;
  big_set(N, mant);
  int dexp = 0;
  if (e2 >= 0) big_shl(N, e2);
  else {
    big_mul_pow5(N, -e2);
    dexp = e2;
  }
  char* dig = out->d;
  int nd = 0;
  while (N.n > 0 && nd < static_cast<int>(sizeof out->d))
    dig[nd++] = static_cast<char>('0' + big_divmod_small(N, 10));
  for (int i = 0; i < nd / 2; ++i) {  // produced least significant first
    const char t = dig[i];
    dig[i] = dig[nd - 1 - i];
    dig[nd - 1 - i] = t;
  }
  while (nd > 1 && dig[nd - 1] == '0') {
    --nd;
    ++dexp;
  }
  out->n = nd;
  out->point = nd + dexp;
}

// The first p digits of x, rounded down (floor) or up (ceil, carrying into a
// new leading digit when all are 9), without trailing zeros.
Short round_digits(const Exact& x, int p, bool ceil) {
  Short t;
  std::memcpy(t.d, x.d, static_cast<std::size_t>(p));
  t.n = p;
  t.point = x.point;
  if (ceil) {
    int k = p - 1;
    while (k >= 0 && t.d[k] == '9') t.d[k--] = '0';
    if (k < 0) {
      t.d[0] = '1';
      t.n = 1;
      ++t.point;
    } else {
      ++t.d[k];
    }
  }
  while (t.n > 1 && t.d[t.n - 1] == '0') --t.n;
  return t;
}

bool reads_back(const Short& t, u32 want) {
  Big m;
  for (int k = 0; k < t.n; ++k) big_mul_add(m, 10, static_cast<u32>(t.d[k] - '0'));
  return decimal_to_bits(m, t.n, t.point - t.n, false) == want;
}

// The shortest digits (at most 9) that read back as `want` (bits without the sign):
// for each length, the nearer rounding first (ties to even), then the other.
Short shortest_digits(const Exact& x, u32 want) {
  Short none;  // not reached: 9 significant digits always read back
  none.point = x.point;
  for (int p = 1; p <= 9; ++p) {
    if (p >= x.n) {  // the exact value itself
      Short all;
      std::memcpy(all.d, x.d, static_cast<std::size_t>(x.n));
      all.n = x.n;
      all.point = x.point;
      return all;
    }
    const char first = x.d[p];
    const bool up = first > '5' || (first == '5' && (x.n > p + 1 || ((x.d[p - 1] - '0') & 1) != 0));
    for (int attempt = 0; attempt < 2; ++attempt) {
      const Short t = round_digits(x, p, (attempt == 0) == up);
      if (reads_back(t, want)) return t;
    }
  }
  return none;
}

// Lays the digits out after buf[0..n): plain for 1e-4 <= |x| < 1e9, else
// d.ddde±XX (as Python prints floats). Returns the new n.
std::size_t layout(const Short& c, char* buf, std::size_t n) {
  const int X = c.point - 1;  // decimal exponent of the first digit
  if (X < -4 || X >= 9) {
    buf[n++] = c.d[0];
    if (c.n > 1) {
      buf[n++] = '.';
      for (int k = 1; k < c.n; ++k) buf[n++] = c.d[k];
    }
    buf[n++] = 'e';
    buf[n++] = X < 0 ? '-' : '+';
    const int ax = X < 0 ? -X : X;
    if (ax >= 100) buf[n++] = static_cast<char>('0' + ax / 100);
    buf[n++] = static_cast<char>('0' + ax / 10 % 10);
    buf[n++] = static_cast<char>('0' + ax % 10);
  } else if (X >= 0) {
    for (int k = 0; k <= X; ++k) buf[n++] = k < c.n ? c.d[k] : '0';
    if (c.n > X + 1) {
      buf[n++] = '.';
      for (int k = X + 1; k < c.n; ++k) buf[n++] = c.d[k];
    }
  } else {
    buf[n++] = '0';
    buf[n++] = '.';
    for (int k = 0; k < -X - 1; ++k) buf[n++] = '0';
    for (int k = 0; k < c.n; ++k) buf[n++] = c.d[k];
  }
  return n;
}

}  // namespace

// ---------------------------------------------------------------------------
// Public functions

bool decimal_to_float(const char* s, std::size_t len, float* out) {
  if (s == nullptr) return false;
  std::size_t i = 0;
  bool neg = false;
  if (i < len && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    ++i;
  }
  Big m;
  int nd = 0;              // significant digits kept in m
  long long e10 = 0;       // value = m·10^e10
  bool sticky = false;     // a dropped digit was non-zero
  std::size_t seen = 0;    // digits in the mantissa
  auto digit = [&](u32 d, bool frac) {
    ++seen;
    if (nd == 0 && d == 0) {
      if (frac) --e10;
      return;
    }
    if (nd < kMaxDigits) {
      big_mul_add(m, 10, d);
      ++nd;
      if (frac) --e10;
    } else {
      if (d != 0) sticky = true;
      if (!frac) ++e10;
    }
  };
  while (i < len && is_digit(static_cast<u8>(s[i]))) digit(static_cast<u32>(s[i++] - '0'), false);
  if (i < len && s[i] == '.') {
    ++i;
    while (i < len && is_digit(static_cast<u8>(s[i]))) digit(static_cast<u32>(s[i++] - '0'), true);
  }
  if (seen == 0) return false;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
      eneg = s[i] == '-';
      ++i;
    }
    const std::size_t start = i;
    long long ev = 0;
    while (i < len && is_digit(static_cast<u8>(s[i]))) {
      if (ev < 1000000) ev = ev * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start) return false;
    e10 += eneg ? -ev : ev;
  }
  if (i != len) return false;
  u32 bits = decimal_to_bits(m, nd, e10, sticky);
  if (neg) bits |= 0x80000000u;
  if (out != nullptr) *out = bits_to_float(bits);
  return true;
}

std::size_t float_to_decimal(float f, char* out, std::size_t cap) {
  char buf[32];
  std::size_t n = 0;
  const u32 bits = float_to_bits(f);
  const bool neg = (bits >> 31) != 0;
  const u32 magnitude = bits & 0x7FFFFFFFu;
  if (magnitude >= 0x7F800000u) {
    const char* s = magnitude != 0x7F800000u ? "nan" : neg ? "-inf" : "inf";
    while (*s) buf[n++] = *s++;
  } else {
    if (neg) buf[n++] = '-';
    if (magnitude == 0) {
      buf[n++] = '0';
    } else {
      Exact x;
      exact_digits(bits, &x);
      n = layout(shortest_digits(x, magnitude), buf, n);
    }
  }
  if (out == nullptr || cap < n + 1) return 0;
  std::memcpy(out, buf, n);
  out[n] = '\0';
  return n;
}

}  // namespace rill
