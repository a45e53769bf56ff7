// model_io: safetensors read/write (shared/spec/formats.md).
//
// Why it is written this way:
// - The header is read by a schema-directed JSON parser: the top level is an
//   object of tensor entries and `__metadata__`, an entry is an object of
//   dtype/shape/data_offsets, metadata is an object of strings. Anything else
//   is an error at that byte, so there is no recursion and no depth to bomb.
// - It runs in passes over the header instead of building a tree: pass 1
//   checks syntax, duplicates and collects the metadata values rill uses;
//   then the metadata is checked (so a `rill.format` 2 file is refused for
//   its version, not for a detail a later format may allow); pass 2 checks
//   every tensor; then the offsets are checked to tile the data buffer, the
//   shapes to chain, and the weights to be finite. Nothing is allocated;
//   fixed tables bound the work (kMaxTensors, kMaxMetadata, kMaxKeyBytes).
// - Every size is computed in u64 with overflow checks: shape dimensions and
//   offsets in a hostile file can be anything JSON can spell.
// - Numbers go through our own decimal <-> float code (a small bignum),
//   because firmware links neither strtod nor printf.
#include "rill/model_io.h"

#include <cstring>

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rill model_io uses the little-endian floats of a safetensors file in place; big-endian hosts are not supported"
#endif
static_assert(sizeof(float) == 4, "rill needs IEEE-754 binary32 floats");

namespace rill {

namespace {

using u8 = unsigned char;
using u32 = std::uint32_t;
using u64 = std::uint64_t;

constexpr u64 kU64Max = ~static_cast<u64>(0);

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
// UTF-8 and JSON strings

// Length of the valid UTF-8 sequence at s (s[0] >= 0x80), or 0 if it is not one.
std::size_t utf8_seq(const u8* s, std::size_t avail) {
  const u8 c = s[0];
  std::size_t n;
  u8 lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) { n = 3; lo = 0xA0; }
  else if (c >= 0xE1 && c <= 0xEC) n = 3;
  else if (c == 0xED) { n = 3; hi = 0x9F; }  // no surrogates
  else if (c >= 0xEE && c <= 0xEF) n = 3;
  else if (c == 0xF0) { n = 4; lo = 0x90; }
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else if (c == 0xF4) { n = 4; hi = 0x8F; }  // <= U+10FFFF
  else return 0;
  if (avail < n) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  return n;
}

std::size_t utf8_len(u32 cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

std::size_t utf8_put(u32 cp, u8* out) {
  if (cp < 0x80) { out[0] = static_cast<u8>(cp); return 1; }
  if (cp < 0x800) {
    out[0] = static_cast<u8>(0xC0 | (cp >> 6));
    out[1] = static_cast<u8>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<u8>(0xE0 | (cp >> 12));
    out[1] = static_cast<u8>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<u8>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<u8>(0xF0 | (cp >> 18));
  out[1] = static_cast<u8>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<u8>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<u8>(0x80 | (cp & 0x3F));
  return 4;
}

bool hex4(const u8* s, std::size_t avail, u32* out) {
  if (avail < 4) return false;
  u32 v = 0;
  for (int i = 0; i < 4; ++i) {
    const u8 c = s[i];
    u32 d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    v = v * 16 + d;
  }
  *out = v;
  return true;
}

// A validated JSON string: the raw bytes between the quotes, and its decoded length.
struct Str {
  u32 begin = 0;
  u32 end = 0;
  u32 decoded = 0;
};

struct Parser {
  const u8* s = nullptr;
  u32 len = 0;
  u32 pos = 0;
  Message* msg = nullptr;

  void ws() {
    while (pos < len && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r')) ++pos;
  }
  bool peek(char c) const { return pos < len && s[pos] == static_cast<u8>(c); }
  Status syntax(const char* what) const {
    return fail(msg, Status::bad_json, "bad JSON at header byte %u: %s", static_cast<unsigned>(pos), what);
  }
  Status expect(char c, const char* what) {
    if (!peek(c)) return syntax(what);
    ++pos;
    return Status::ok;
  }
};

// Reads and validates a string starting at the opening quote.
Status read_string(Parser& p, Str* out) {
  if (!p.peek('"')) return p.syntax("expected a string");
  ++p.pos;
  out->begin = p.pos;
  u32 decoded = 0;
  for (;;) {
    if (p.pos >= p.len) return p.syntax("unterminated string");
    const u8 c = p.s[p.pos];
    if (c == '"') break;
    if (c < 0x20) return p.syntax("control character in a string");
    if (c == '\\') {
      if (p.pos + 1 >= p.len) return p.syntax("unterminated string");
      const u8 e = p.s[p.pos + 1];
      if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
        p.pos += 2;
        decoded += 1;
        continue;
      }
      if (e != 'u') return p.syntax("invalid escape in a string");
      u32 cp;
      if (!hex4(p.s + p.pos + 2, p.len - p.pos - 2, &cp)) return p.syntax("invalid \\u escape");
      if (cp == 0) return p.syntax("\\u0000 in a string is not supported");
      if (cp >= 0xDC00 && cp <= 0xDFFF) return p.syntax("unpaired surrogate in a \\u escape");
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        const u32 at = p.pos + 6;
        u32 lo;
        if (at + 1 >= p.len || p.s[at] != '\\' || p.s[at + 1] != 'u' || !hex4(p.s + at + 2, p.len - at - 2, &lo) ||
            lo < 0xDC00 || lo > 0xDFFF)
          return p.syntax("unpaired surrogate in a \\u escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p.pos += 6;
      }
      p.pos += 6;
      decoded += static_cast<u32>(utf8_len(cp));
      continue;
    }
    if (c < 0x80) {
      ++p.pos;
      ++decoded;
      continue;
    }
    const std::size_t k = utf8_seq(p.s + p.pos, p.len - p.pos);
    if (k == 0) return p.syntax("invalid UTF-8 in a string");
    p.pos += static_cast<u32>(k);
    decoded += static_cast<u32>(k);
  }
  out->end = p.pos;
  out->decoded = decoded;
  ++p.pos;
  return Status::ok;
}

// Decodes a validated string into out, zero-terminated, writing whole UTF-8
// characters only. Returns true if all of it fitted (cap > decoded length).
bool decode(const u8* s, Str str, char* out, std::size_t cap) {
  if (cap == 0) return false;
  std::size_t n = 0;
  u32 i = str.begin;
  bool complete = true;
  while (i < str.end) {
    u8 buf[4];
    std::size_t k;
    if (s[i] == '\\' && i + 1 < str.end) {
      const u8 e = s[i + 1];
      if (e == 'u') {
        u32 cp = 0;
        hex4(s + i + 2, str.end - i - 2, &cp);
        i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= str.end) {
          u32 lo = 0xDC00;
          hex4(s + i + 2, str.end - i - 2, &lo);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        }
        k = utf8_put(cp, buf);
      } else {
        buf[0] = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
        k = 1;
        i += 2;
      }
    } else if (s[i] < 0x80) {
      buf[0] = s[i];
      k = 1;
      i += 1;
    } else {
      k = utf8_seq(s + i, str.end - i);
      if (k == 0) k = 1;  // not reached for validated strings
      for (std::size_t j = 0; j < k; ++j) buf[j] = s[i + j];
      i += static_cast<u32>(k);
    }
    if (n + k + 1 > cap) {
      complete = false;
      break;
    }
    for (std::size_t j = 0; j < k; ++j) out[n++] = static_cast<char>(buf[j]);
  }
  out[n] = '\0';
  return complete;
}

bool str_is(const char* a, std::size_t alen, const char* lit) {
  const std::size_t n = std::strlen(lit);
  return alen == n && std::memcmp(a, lit, n) == 0;
}

// A JSON number that must be a non-negative integer (shape dims, offsets).
struct Num {
  u64 value = 0;
  bool negative = false;
  bool overflow = false;
};

Status read_int(Parser& p, Num* out) {
  *out = Num{};
  if (p.peek('-')) {
    out->negative = true;
    ++p.pos;
  }
  if (p.pos >= p.len || !is_digit(p.s[p.pos])) return p.syntax("expected a number");
  if (p.s[p.pos] == '0' && p.pos + 1 < p.len && is_digit(p.s[p.pos + 1]))
    return p.syntax("leading zero in a number");
  while (p.pos < p.len && is_digit(p.s[p.pos])) {
    const u64 d = p.s[p.pos] - '0';
    if (out->value > (kU64Max - d) / 10) out->overflow = true;
    else out->value = out->value * 10 + d;
    ++p.pos;
  }
  if (p.peek('.') || p.peek('e') || p.peek('E')) return p.syntax("expected an integer");
  return Status::ok;
}

// dtypes of safetensors and their sizes; rill computes with F32 only.
struct DtypeInfo {
  const char* name;
  u32 bytes;
};
constexpr DtypeInfo kDtypes[] = {{"F32", 4},     {"F16", 2},      {"BF16", 2},    {"F64", 8}, {"I8", 1},
                                 {"U8", 1},      {"I16", 2},      {"U16", 2},     {"I32", 4}, {"U32", 4},
                                 {"I64", 8},     {"U64", 8},      {"BOOL", 1},    {"F8_E5M2", 1},
                                 {"F8_E4M3", 1}};

// One tensor entry as written in the header, before any semantic check.
// `[int, int, ...]` of a tensor entry: the first two values, how many there
// were, whether any was negative or too large, and their product (with its
// overflow), without storing more than two whatever the file says.
struct IntArray {
  u64 first2[2] = {0, 0};
  u32 count = 0;
  bool negative = false;
  bool overflow = false;
  u64 product = 1;  // of all the values: a shape's element count (1 for [])
  bool product_overflow = false;
};

struct Entry {
  char dtype[17] = {0};
  u32 dtype_bytes = 0;  // 0: unknown dtype
  IntArray shape;
  IntArray offsets;
};

Status read_int_array(Parser& p, const char* not_array, const char* bad_separator, IntArray* a) {
  Status st;
  if ((st = p.expect('[', not_array)) != Status::ok) return st;
  p.ws();
  if (p.peek(']')) {
    ++p.pos;
    return Status::ok;
  }
  for (;;) {
    Num n;
    if ((st = read_int(p, &n)) != Status::ok) return st;
    if (a->count < 2) a->first2[a->count] = n.value;
    if (a->count < 0xFFFFFFFFu) ++a->count;
    if (n.negative && n.value != 0) a->negative = true;
    if (n.overflow) a->overflow = true;
    if (a->product != 0 && n.value > kU64Max / a->product) a->product_overflow = true;
    a->product *= n.value;
    p.ws();
    if (p.peek(',')) { ++p.pos; p.ws(); continue; }
    return p.expect(']', bad_separator);
  }
}

Status read_entry(Parser& p, Entry* e) {
  if (!p.peek('{')) return p.syntax("a tensor entry must be an object {\"dtype\", \"shape\", \"data_offsets\"}");
  ++p.pos;
  p.ws();
  bool have_dtype = false, have_shape = false, have_offsets = false;
  if (p.peek('}')) {
    ++p.pos;
  } else {
    for (;;) {
      Str key;
      Status st = read_string(p, &key);
      if (st != Status::ok) return st;
      char k[16];
      const bool fits = decode(p.s, key, k, sizeof k);
      const std::size_t klen = fits ? key.decoded : 0;
      p.ws();
      if ((st = p.expect(':', "expected ':'")) != Status::ok) return st;
      p.ws();
      if (str_is(k, klen, "dtype")) {
        if (have_dtype) return p.syntax("duplicate key \"dtype\"");
        have_dtype = true;
        Str v;
        if ((st = read_string(p, &v)) != Status::ok) return st;
        decode(p.s, v, e->dtype, sizeof e->dtype);
        e->dtype_bytes = 0;
        if (v.decoded < sizeof e->dtype)
          for (const DtypeInfo& d : kDtypes)
            if (str_is(e->dtype, v.decoded, d.name)) e->dtype_bytes = d.bytes;
      } else if (str_is(k, klen, "shape")) {
        if (have_shape) return p.syntax("duplicate key \"shape\"");
        have_shape = true;
        if ((st = read_int_array(p, "\"shape\" must be an array of integers",
                                 "expected ',' or ']' in \"shape\"", &e->shape)) != Status::ok)
          return st;
      } else if (str_is(k, klen, "data_offsets")) {
        if (have_offsets) return p.syntax("duplicate key \"data_offsets\"");
        have_offsets = true;
        if ((st = read_int_array(p, "\"data_offsets\" must be an array [begin, end]",
                                 "expected ',' or ']' in \"data_offsets\"", &e->offsets)) != Status::ok)
          return st;
      } else {
        return p.syntax("unknown key in a tensor entry (rill reads dtype, shape, data_offsets)");
      }
      p.ws();
      if (p.peek(',')) { ++p.pos; p.ws(); continue; }
      if ((st = p.expect('}', "expected ',' or '}' in a tensor entry")) != Status::ok) return st;
      break;
    }
  }
  if (!have_dtype) return p.syntax("tensor entry without \"dtype\"");
  if (!have_shape) return p.syntax("tensor entry without \"shape\"");
  if (!have_offsets) return p.syntax("tensor entry without \"data_offsets\"");
  return Status::ok;
}

// What walk() calls: tensor(ctx, name, name_len, key, entry) for every tensor
// entry, meta(ctx, key, key_len, key_str, value_str) for every metadata entry
// (either may be null). The first non-ok Status stops the walk. Plain function
// pointers, not templates: one copy of the parser in firmware.
struct Visitor {
  void* ctx;
  Status (*tensor)(void* ctx, const char* name, std::size_t n, Str key, const Entry& e);
  Status (*meta)(void* ctx, const char* key, std::size_t n, Str k, Str v);
};

// Walks the header; `name` holds each decoded key while it is visited.
Status walk(Parser& p, const Visitor& v, char (&name)[kMaxKeyBytes + 1]) {
  p.pos = 0;
  if (!p.peek('{')) return fail(p.msg, Status::bad_json, "the header is not a JSON object (it must start with '{')");
  ++p.pos;
  p.ws();
  bool seen_meta = false;
  Status st;
  if (p.peek('}')) {
    ++p.pos;
  } else {
    for (;;) {
      Str key;
      if ((st = read_string(p, &key)) != Status::ok) return st;
      if (key.decoded > kMaxKeyBytes)
        return fail(p.msg, Status::bad_json, "a key of %u bytes at header byte %u; rill reads keys up to %zu bytes",
                    static_cast<unsigned>(key.decoded), static_cast<unsigned>(key.begin), kMaxKeyBytes);
      decode(p.s, key, name, sizeof name);
      p.ws();
      if ((st = p.expect(':', "expected ':'")) != Status::ok) return st;
      p.ws();
      if (str_is(name, key.decoded, "__metadata__")) {
        if (seen_meta) return fail(p.msg, Status::bad_json, "duplicate __metadata__ in the header");
        seen_meta = true;
        if (p.pos + 4 <= p.len && std::memcmp(p.s + p.pos, "null", 4) == 0) {
          p.pos += 4;
        } else {
          if ((st = p.expect('{', "__metadata__ must be an object of strings")) != Status::ok) return st;
          p.ws();
          if (p.peek('}')) {
            ++p.pos;
          } else {
            for (;;) {
              Str k;
              if ((st = read_string(p, &k)) != Status::ok) return st;
              if (k.decoded > kMaxKeyBytes)
                return fail(p.msg, Status::bad_json, "a metadata key of %u bytes; rill reads keys up to %zu bytes",
                            static_cast<unsigned>(k.decoded), kMaxKeyBytes);
              char* kname = name;  // the top-level key (__metadata__) is no longer needed
              decode(p.s, k, name, sizeof name);
              p.ws();
              if ((st = p.expect(':', "expected ':'")) != Status::ok) return st;
              p.ws();
              if (!p.peek('"'))
                return fail(p.msg, Status::bad_json, "bad JSON at header byte %u: metadata value of %s is not a string",
                            static_cast<unsigned>(p.pos), kname);
              Str val;
              if ((st = read_string(p, &val)) != Status::ok) return st;
              if (v.meta != nullptr &&
                  (st = v.meta(v.ctx, kname, static_cast<std::size_t>(k.decoded), k, val)) != Status::ok)
                return st;
              p.ws();
              if (p.peek(',')) { ++p.pos; p.ws(); continue; }
              if ((st = p.expect('}', "expected ',' or '}' in __metadata__")) != Status::ok) return st;
              break;
            }
          }
        }
      } else {
        Entry e;
        if ((st = read_entry(p, &e)) != Status::ok) return st;
        if (v.tensor != nullptr &&
            (st = v.tensor(v.ctx, name, static_cast<std::size_t>(key.decoded), key, e)) != Status::ok)
          return st;
      }
      p.ws();
      if (p.peek(',')) { ++p.pos; p.ws(); continue; }
      if ((st = p.expect('}', "expected ',' or '}' after a header entry")) != Status::ok) return st;
      break;
    }
  }
  p.ws();
  if (p.pos != p.len) return p.syntax("trailing characters after the header object");
  return Status::ok;
}

// ---------------------------------------------------------------------------
// Metadata values

enum MetaKey { kFormat, kDim, kActivation, kTime, kPath, kSigma, kNumMetaKeys };
constexpr const char* kMetaNames[kNumMetaKeys] = {"rill.format", "dim", "activation", "time_embedding", "path",
                                                  "sigma_min"};

// Strict decimal integer: digits only, no sign, no leading zero; false if > max.
bool parse_uint(const char* s, std::size_t n, u32 max, u32* out) {
  if (n == 0 || n > 10 || (n > 1 && s[0] == '0')) return false;
  u64 v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_digit(static_cast<u8>(s[i]))) return false;
    v = v * 10 + static_cast<u64>(s[i] - '0');
  }
  if (v > max) return false;
  *out = static_cast<u32>(v);
  return true;
}

struct Meta {
  bool present[kNumMetaKeys] = {};
  Str value[kNumMetaKeys];
};

// The architecture the metadata declares (or the defaults).
struct Declared {
  bool rill = false;
  int dim = 0;  // 0: infer from the last layer
  Activation activation = Activation::silu;
  TimeEmbedding time;
  float sigma_min = 0.0f;
};

Status check_metadata(const u8* header, const Meta& meta, Declared* d, Message* msg) {
  *d = Declared{};
  if (!meta.present[kFormat]) return Status::ok;  // a foreign file: defaults, architecture from the shapes
  d->rill = true;
  char v[64] = {0};
  std::size_t n = 0;
  auto get = [&](int key) {
    const bool fits = decode(header, meta.value[key], v, sizeof v);
    n = fits ? meta.value[key].decoded : sizeof v;  // too long: never equals a valid value
    return meta.present[key];
  };
  get(kFormat);
  if (!str_is(v, n, "1"))
    return fail(msg, Status::bad_metadata, "rill.format %s is not supported (this rill reads format %d)", v,
                kFormatVersion);
  if (get(kDim)) {
    u32 dim;
    if (!parse_uint(v, n, static_cast<u32>(kMaxDim), &dim) || dim < 1)
      return fail(msg, Status::bad_metadata, "dim %s is not an integer in 1..%d", v, kMaxDim);
    d->dim = static_cast<int>(dim);
  }
  if (get(kActivation) && !parse_activation(v, n, &d->activation))
    return fail(msg, Status::bad_metadata, "unknown activation %s (rill reads silu, relu, tanh, gelu, gelu_tanh)",
                v);
  if (get(kTime) && !parse_time_embedding(v, n, &d->time)) {
    if (n > 4 && std::memcmp(v, "sin:", 4) == 0)
      return fail(msg, Status::bad_metadata, "time_embedding %s: K must be an integer in 1..%d", v,
                  TimeEmbedding::kMaxK);
    return fail(msg, Status::bad_metadata, "unknown time_embedding %s (rill reads raw or sin:K)", v);
  }
  if (get(kPath) && !str_is(v, n, "condot"))
    return fail(msg, Status::bad_metadata, "path %s is not supported (rill reads condot)", v);
  if (get(kSigma)) {
    float s = 0.0f;
    if (n >= sizeof v || !decimal_to_float(v, n, &s) || !(s >= 0.0f && s < 1.0f))
      return fail(msg, Status::bad_metadata, "sigma_min %s is not a decimal in [0, 1)", v);
    d->sigma_min = s + 0.0f;  // -0 -> +0
  }
  return Status::ok;
}

// ---------------------------------------------------------------------------
// Loading

struct Span {
  u64 begin;
  u64 end;
};

struct LayerSlot {
  u32 index = 0;
  int w = -1, b = -1;  // tensor ordinals
  u64 w_dims[2] = {0, 0};
  u64 b_len = 0;
  u64 w_off = 0, b_off = 0;  // begin offsets in the data buffer
};

// Finds the layer index in `{prefix}{i}.weight` / `{prefix}{i}.bias`.
bool parse_layer_name(const char* name, std::size_t n, std::size_t* prefix_len, u32* index, bool* is_weight) {
  std::size_t stem;
  if (n >= 7 && std::memcmp(name + n - 7, ".weight", 7) == 0) {
    stem = n - 7;
    *is_weight = true;
  } else if (n >= 5 && std::memcmp(name + n - 5, ".bias", 5) == 0) {
    stem = n - 5;
    *is_weight = false;
  } else {
    return false;
  }
  std::size_t j = stem;
  while (j > 0 && is_digit(static_cast<u8>(name[j - 1]))) --j;
  const std::size_t digits = stem - j;
  if (digits == 0 || digits > 9 || (digits > 1 && name[j] == '0')) return false;
  u32 v = 0;
  for (std::size_t i = j; i < stem; ++i) v = v * 10 + static_cast<u32>(name[i] - '0');
  *prefix_len = j;
  *index = v;
  return true;
}

struct Loader {
  const u8* header;
  const u8* data;
  u64 data_len;
  Message* msg;
  // pass 1
  Str names[kMaxTensors];
  int n_tensors = 0;
  Str meta_keys[kMaxMetadata];
  int n_meta = 0;
  Meta meta;
  // pass 2
  Span spans[kMaxTensors];  // indexed by tensor ordinal (file order)
  u8 order[kMaxTensors];    // ordinals sorted by offset
  int n_spans = 0;
  LayerSlot layers[kMaxLayers];
  int n_layers = 0;
  char prefix[kMaxKeyBytes + 1] = {0};
  std::size_t prefix_len = 0;
  bool have_prefix = false;
  // scratch for names: the key being visited, and two for comparisons and messages
  char key[kMaxKeyBytes + 1];
  char a[kMaxKeyBytes + 1];
  char b[kMaxKeyBytes + 1];

  void name_of(int tensor, char (&buf)[kMaxKeyBytes + 1]) const { decode(header, names[tensor], buf, sizeof buf); }
  // Whether the string s decodes to other[0..n) (decoding into a).
  bool same(Str s, const char* other, std::size_t n) {
    if (s.decoded != n) return false;
    decode(header, s, a, sizeof a);
    return std::memcmp(a, other, n) == 0;
  }
};

Status pass1_tensor(Loader& L, const char* name, std::size_t n, Str key) {
  for (int i = 0; i < L.n_tensors; ++i)
    if (L.same(L.names[i], name, n)) return fail(L.msg, Status::bad_tensor, "duplicate tensor %s", name);
  if (L.n_tensors >= kMaxTensors)
    return fail(L.msg, Status::bad_tensor, "more than %d tensors; rill reads up to %d", kMaxTensors, kMaxTensors);
  L.names[L.n_tensors++] = key;
  return Status::ok;
}

Status pass1_meta(Loader& L, const char* key, std::size_t n, Str k, Str v) {
  for (int i = 0; i < L.n_meta; ++i)
    if (L.same(L.meta_keys[i], key, n))
      return fail(L.msg, Status::bad_json, "duplicate metadata key %s", key);
  if (L.n_meta >= kMaxMetadata)
    return fail(L.msg, Status::bad_metadata, "more than %d metadata entries; rill reads up to %d", kMaxMetadata,
                kMaxMetadata);
  L.meta_keys[L.n_meta++] = k;
  for (int i = 0; i < kNumMetaKeys; ++i) {
    if (str_is(key, n, kMetaNames[i])) {
      L.meta.present[i] = true;
      L.meta.value[i] = v;
    }
  }
  return Status::ok;
}

// Checks one tensor's dtype, shape and offsets (all tensors, also `rill.` ones).
Status check_entry(Loader& L, const char* name, const Entry& e, u32 want_rank) {
  if (want_rank != 0 ? !str_is(e.dtype, std::strlen(e.dtype), "F32") : e.dtype_bytes == 0)
    return fail(L.msg, Status::unsupported_dtype, "unsupported dtype %s (rill reads F32): %s", e.dtype, name);
  if (want_rank != 0 && e.shape.count != want_rank)
    return fail(L.msg, Status::bad_shape, "%s has rank %u; %s", name, static_cast<unsigned>(e.shape.count),
                want_rank == 2 ? "a weight is [out, in]" : "a bias is [out]");
  if (e.shape.negative) return fail(L.msg, Status::bad_shape, "%s has a negative dimension", name);
  const u64 item = e.dtype_bytes;
  if (e.shape.overflow || e.shape.product_overflow || e.shape.product > kU64Max / item)
    return fail(L.msg, Status::bad_shape, "the shape of %s is too large", name);
  const u64 bytes = e.shape.product * item;
  if (e.offsets.count != 2) return fail(L.msg, Status::bad_offsets, "data_offsets of %s must be [begin, end]", name);
  if (e.offsets.negative || e.offsets.overflow)
    return fail(L.msg, Status::bad_offsets, "data_offsets of %s are not offsets in the data buffer", name);
  const u64 begin = e.offsets.first2[0], end = e.offsets.first2[1];
  if (begin > end)
    return fail(L.msg, Status::bad_offsets, "data_offsets of %s are [%llu, %llu]: begin after end", name,
                static_cast<unsigned long long>(begin), static_cast<unsigned long long>(end));
  if (end - begin != bytes)
    return fail(L.msg, Status::bad_offsets, "%s: its shape needs %llu bytes, data_offsets [%llu, %llu] give %llu",
                name, static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(begin),
                static_cast<unsigned long long>(end), static_cast<unsigned long long>(end - begin));
  return Status::ok;
}

Status pass2_tensor(Loader& L, const char* name, std::size_t n, const Entry& e) {
  const int ordinal = L.n_spans;
  Status st;
  if (n >= 5 && std::memcmp(name, "rill.", 5) == 0) {
    if ((st = check_entry(L, name, e, 0)) != Status::ok) return st;
  } else {
    std::size_t plen;
    u32 index;
    bool is_weight;
    if (!parse_layer_name(name, n, &plen, &index, &is_weight))
      return fail(L.msg, Status::bad_tensor,
                  "unexpected tensor %s (rill reads {prefix}{i}.weight and {prefix}{i}.bias; other names must "
                  "start with rill.)",
                  name);
    if (!L.have_prefix) {
      std::memcpy(L.prefix, name, plen);
      L.prefix[plen] = '\0';
      L.prefix_len = plen;
      L.have_prefix = true;
    } else if (plen != L.prefix_len || std::memcmp(name, L.prefix, plen) != 0) {
      return fail(L.msg, Status::bad_tensor, "tensor %s does not share the prefix \"%s\" of the other layers", name,
                  L.prefix);
    }
    if ((st = check_entry(L, name, e, is_weight ? 2 : 1)) != Status::ok) return st;
    int slot = -1;
    for (int i = 0; i < L.n_layers; ++i)
      if (L.layers[i].index == index) slot = i;
    if (slot < 0) {
      if (L.n_layers >= kMaxLayers)
        return fail(L.msg, Status::bad_shape, "more than %d linear layers (at %s); rill supports up to %d", kMaxLayers,
                    name, kMaxLayers);
      slot = L.n_layers++;
      L.layers[slot] = LayerSlot{};
      L.layers[slot].index = index;
    }
    LayerSlot& s = L.layers[slot];
    if ((is_weight ? s.w : s.b) >= 0) return fail(L.msg, Status::bad_tensor, "duplicate tensor %s", name);
    if (is_weight) {
      s.w = ordinal;
      s.w_dims[0] = e.shape.first2[0];
      s.w_dims[1] = e.shape.first2[1];
      s.w_off = e.offsets.first2[0];
    } else {
      s.b = ordinal;
      s.b_len = e.shape.first2[0];
      s.b_off = e.offsets.first2[0];
    }
  }
  L.spans[L.n_spans++] = Span{e.offsets.first2[0], e.offsets.first2[1]};
  return Status::ok;
}

// The tensors must tile the data buffer: from 0, without gaps or overlaps, to its end.
Status check_coverage(Loader& L) {
  for (int i = 0; i < L.n_spans; ++i) {  // insertion sort by (begin, end); at most kMaxTensors
    const u8 t = static_cast<u8>(i);
    int j = i - 1;
    auto after = [&](int o) {
      const Span& x = L.spans[o];
      const Span& y = L.spans[t];
      return x.begin > y.begin || (x.begin == y.begin && x.end > y.end);
    };
    while (j >= 0 && after(L.order[j])) {
      L.order[j + 1] = L.order[j];
      --j;
    }
    L.order[j + 1] = t;
  }
  // Overlaps are errors at once; for a gap, a tensor that starts past the end
  // of the buffer is the better report. A layout without gaps that runs past
  // the end is a truncated file.
  u64 pos = 0;
  int prev = -1;
  int first_gap = -1;
  u64 gap_begin = 0;
  for (int i = 0; i < L.n_spans; ++i) {
    const Span& s = L.spans[L.order[i]];
    if (s.begin < pos) {
      L.name_of(prev, L.a);
      L.name_of(L.order[i], L.b);
      return fail(L.msg, Status::bad_offsets, "tensors %s and %s overlap in the data buffer", L.a, L.b);
    }
    if (s.begin > pos && first_gap < 0) {
      first_gap = i;
      gap_begin = pos;
    }
    pos = s.end;
    prev = L.order[i];
  }
  if (first_gap >= 0) {
    for (int i = 0; i < L.n_spans; ++i) {
      if (L.spans[L.order[i]].begin > L.data_len) {
        L.name_of(L.order[i], L.b);
        return fail(L.msg, Status::bad_offsets, "%s starts at byte %llu, past the end of the %llu-byte data buffer",
                    L.b, static_cast<unsigned long long>(L.spans[L.order[i]].begin),
                    static_cast<unsigned long long>(L.data_len));
      }
    }
    L.name_of(L.order[first_gap], L.b);
    return fail(L.msg, Status::bad_offsets, "gap in the data buffer: bytes %llu..%llu before %s belong to no tensor",
                static_cast<unsigned long long>(gap_begin),
                static_cast<unsigned long long>(L.spans[L.order[first_gap]].begin), L.b);
  }
  if (pos > L.data_len)
    return fail(L.msg, Status::truncated, "the file is truncated: the tensors need %llu bytes of data, it has %llu",
                static_cast<unsigned long long>(pos), static_cast<unsigned long long>(L.data_len));
  if (pos < L.data_len)
    return fail(L.msg, Status::bad_offsets, "%llu bytes at the end of the data buffer belong to no tensor",
                static_cast<unsigned long long>(L.data_len - pos));
  return Status::ok;
}

// Reads float i of a tensor whatever its alignment.
float load_f32(const u8* p, std::size_t i) {
  float f;
  std::memcpy(&f, p + 4 * i, 4);
  return f;
}

Status check_finite(const char* name, const u8* p, std::size_t count, Message* msg) {
  for (std::size_t i = 0; i < count; ++i) {
    u32 bits;
    std::memcpy(&bits, p + 4 * i, 4);
    if ((bits & 0x7F800000u) == 0x7F800000u)
      return fail(msg, Status::non_finite, "%s contains %s (element %zu)", name,
                  (bits & 0x7FFFFFu) != 0 ? "NaN" : "Inf", i);
  }
  return Status::ok;
}

Status load(const u8* bytes, std::size_t len, Arena* arena, Model* out, Message* msg) {
  if (len < 8)
    return fail(msg, Status::truncated, "the file has %zu bytes; a safetensors file starts with an 8-byte header length",
                len);
  u64 n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n < 2) return fail(msg, Status::bad_header, "header length %llu is too small", static_cast<unsigned long long>(n));
  if (n > kMaxHeaderBytes)
    return fail(msg, Status::bad_header, "header length %llu exceeds the %zu-byte limit",
                static_cast<unsigned long long>(n), kMaxHeaderBytes);
  if (n > len - 8)
    return fail(msg, Status::truncated, "the header claims %llu bytes but the file has only %zu after the length",
                static_cast<unsigned long long>(n), len - 8);

  Loader L;
  L.header = bytes + 8;
  L.data = bytes + 8 + n;
  L.data_len = len - 8 - n;
  L.msg = msg;
  Parser p;
  p.s = L.header;
  p.len = static_cast<u32>(n);
  p.msg = msg;

  // Pass 1: syntax, duplicates, the metadata values rill uses.
  Visitor pass1{&L,
                 [](void* ctx, const char* name, std::size_t nlen, Str key, const Entry&) {
                   return pass1_tensor(*static_cast<Loader*>(ctx), name, nlen, key);
                 },
                 [](void* ctx, const char* key, std::size_t klen, Str k, Str v) {
                   return pass1_meta(*static_cast<Loader*>(ctx), key, klen, k, v);
                 }};
  Status st = walk(p, pass1, L.key);
  if (st != Status::ok) return st;

  Declared decl;
  if ((st = check_metadata(L.header, L.meta, &decl, msg)) != Status::ok) return st;

  // Pass 2: every tensor's name, dtype, shape and offsets.
  Visitor pass2{&L,
                 [](void* ctx, const char* name, std::size_t nlen, Str, const Entry& e) {
                   return pass2_tensor(*static_cast<Loader*>(ctx), name, nlen, e);
                 },
                 nullptr};
  if ((st = walk(p, pass2, L.key)) != Status::ok) return st;
  if ((st = check_coverage(L)) != Status::ok) return st;
  if (L.n_layers == 0)
    return fail(msg, Status::bad_tensor, "no layer tensors ({prefix}{i}.weight and {prefix}{i}.bias) in the file");

  // Layers in index order, each with a weight and a bias.
  for (int i = 1; i < L.n_layers; ++i) {
    const LayerSlot s = L.layers[i];
    int j = i - 1;
    while (j >= 0 && L.layers[j].index > s.index) {
      L.layers[j + 1] = L.layers[j];
      --j;
    }
    L.layers[j + 1] = s;
  }
  char(&a)[kMaxKeyBytes + 1] = L.a;
  char(&b)[kMaxKeyBytes + 1] = L.b;
  for (int i = 0; i < L.n_layers; ++i) {
    const LayerSlot& s = L.layers[i];
    if (s.w < 0)
      return fail(msg, Status::bad_tensor, "%s%u.bias has no matching %s%u.weight", L.prefix,
                  static_cast<unsigned>(s.index), L.prefix, static_cast<unsigned>(s.index));
    if (s.b < 0)
      return fail(msg, Status::bad_tensor, "%s%u.weight has no matching %s%u.bias", L.prefix,
                  static_cast<unsigned>(s.index), L.prefix, static_cast<unsigned>(s.index));
  }

  // Shapes: within range, bias = weight rows, chaining layer to layer.
  MlpSpec spec;
  spec.n_layers = L.n_layers;
  for (int i = 0; i < L.n_layers; ++i) {
    const LayerSlot& s = L.layers[i];
    L.name_of(s.w, a);
    const u64 lim = static_cast<u64>(kMaxWidth);
    if (s.w_dims[0] < 1 || s.w_dims[0] > lim || s.w_dims[1] < 1 || s.w_dims[1] > lim)
      return fail(msg, Status::bad_shape, "%s has shape [%llu, %llu]; rill supports layer sizes 1..%d", a,
                  static_cast<unsigned long long>(s.w_dims[0]), static_cast<unsigned long long>(s.w_dims[1]),
                  kMaxWidth);
    if (s.b_len != s.w_dims[0]) {
      L.name_of(s.b, b);
      return fail(msg, Status::bad_shape, "%s has %llu values but %s has %llu rows", b,
                  static_cast<unsigned long long>(s.b_len), a, static_cast<unsigned long long>(s.w_dims[0]));
    }
    if (i > 0 && s.w_dims[1] != L.layers[i - 1].w_dims[0]) {
      L.name_of(L.layers[i - 1].w, b);
      return fail(msg, Status::bad_shape, "layer %d: %s takes %llu inputs but %s gives %llu outputs", i, a,
                  static_cast<unsigned long long>(s.w_dims[1]), b,
                  static_cast<unsigned long long>(L.layers[i - 1].w_dims[0]));
    }
    if (i == 0) spec.sizes[0] = static_cast<int>(s.w_dims[1]);
    spec.sizes[i + 1] = static_cast<int>(s.w_dims[0]);
  }
  const int last = L.n_layers - 1;
  spec.dim = decl.dim != 0 ? decl.dim : spec.sizes[L.n_layers];
  spec.activation = decl.activation;
  spec.time = decl.time;
  if (spec.sizes[L.n_layers] != spec.dim) {
    L.name_of(L.layers[last].w, a);
    return fail(msg, Status::bad_shape, "layer %d: %s gives %d outputs; the data dimension (dim) is %d", last, a,
                spec.sizes[L.n_layers], spec.dim);
  }
  if (spec.sizes[0] != spec.dim + spec.time.features()) {
    L.name_of(L.layers[0].w, a);
    return fail(msg, Status::bad_shape, "layer 0: %s takes %d inputs; dimension %d + %d time features needs %d", a,
                spec.sizes[0], spec.dim, spec.time.features(), spec.dim + spec.time.features());
  }
  if ((st = spec.validate(msg)) != Status::ok) return st;

  // Weights: finite, then used in place or copied.
  bool aligned = true;
  for (int i = 0; i < L.n_layers; ++i) {
    const LayerSlot& s = L.layers[i];
    const std::size_t wn = static_cast<std::size_t>(s.w_dims[0] * s.w_dims[1]);
    const std::size_t bn = static_cast<std::size_t>(s.b_len);
    L.name_of(s.w, a);
    if ((st = check_finite(a, L.data + s.w_off, wn, msg)) != Status::ok) return st;
    L.name_of(s.b, a);
    if ((st = check_finite(a, L.data + s.b_off, bn, msg)) != Status::ok) return st;
    if (reinterpret_cast<std::uintptr_t>(L.data + s.w_off) % alignof(float) != 0 ||
        reinterpret_cast<std::uintptr_t>(L.data + s.b_off) % alignof(float) != 0)
      aligned = false;
  }
  Model m;
  m.mlp.spec = spec;
  if (aligned) {
    for (int i = 0; i < L.n_layers; ++i) {
      m.mlp.weight[i] = reinterpret_cast<const float*>(L.data + L.layers[i].w_off);
      m.mlp.bias[i] = reinterpret_cast<const float*>(L.data + L.layers[i].b_off);
    }
  } else {
    const std::size_t count = spec.param_count();
    float* block = arena != nullptr ? arena->alloc_array<float>(count) : nullptr;
    if (block == nullptr)
      return fail(msg, Status::out_of_memory,
                  "the weights are not 4-byte aligned in memory; copying them needs %zu bytes of arena, %zu are free",
                  model_copy_bytes(spec), arena != nullptr ? arena->capacity() - arena->used() : std::size_t{0});
    for (int i = 0; i < L.n_layers; ++i) {
      const LayerSlot& s = L.layers[i];
      float* w = block + spec.weight_offset(i);
      float* bias = block + spec.bias_offset(i);
      const std::size_t wn = static_cast<std::size_t>(s.w_dims[0] * s.w_dims[1]);
      for (std::size_t k = 0; k < wn; ++k) w[k] = load_f32(L.data + s.w_off, k);
      for (std::size_t k = 0; k < static_cast<std::size_t>(s.b_len); ++k) bias[k] = load_f32(L.data + s.b_off, k);
    }
    m.mlp.bind(block);
  }
  m.sigma_min = decl.sigma_min;
  m.has_rill_metadata = decl.rill;
  m.in_place = aligned;
  m.header = reinterpret_cast<const char*>(L.header);
  m.header_len = static_cast<std::size_t>(n);
  *out = m;
  return Status::ok;
}

// Walks the metadata of a loaded model (validated at load, so parsing
// succeeds); meta(ctx, ...) sees each entry, decoded key and raw value.
struct MetaWalk {
  const u8* header;
  void* ctx;
};
void each_meta(const Model& model, Status (*meta)(void* ctx, const char* key, std::size_t n, Str k, Str v),
               MetaWalk* w) {
  if (model.header == nullptr || model.header_len < 2 || model.header_len > kMaxHeaderBytes) return;
  Parser p;
  p.s = reinterpret_cast<const u8*>(model.header);
  p.len = static_cast<u32>(model.header_len);
  w->header = p.s;
  char key[kMaxKeyBytes + 1];
  walk(p, Visitor{w, nullptr, meta}, key);
}

// ---------------------------------------------------------------------------
// Writing

// Counts, and writes when p is non-null.
struct Sink {
  u8* p = nullptr;
  std::size_t cap = 0;
  std::size_t n = 0;
  void put(char c) {
    if (p != nullptr && n < cap) p[n] = static_cast<u8>(c);
    ++n;
  }
  void puts(const char* s) {
    while (*s) put(*s++);
  }
  void putu(u64 v) {
    char buf[24];
    int k = 0;
    do {
      buf[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (k > 0) put(buf[--k]);
  }
  // A JSON string literal; s is valid UTF-8 (checked before).
  void put_json(const char* s) {
    static constexpr char kHex[] = "0123456789abcdef";
    put('"');
    for (; *s; ++s) {
      const u8 c = static_cast<u8>(*s);
      switch (c) {
        case '"': puts("\\\""); break;
        case '\\': puts("\\\\"); break;
        case '\n': puts("\\n"); break;
        case '\r': puts("\\r"); break;
        case '\t': puts("\\t"); break;
        case '\b': puts("\\b"); break;
        case '\f': puts("\\f"); break;
        default:
          if (c < 0x20) {
            puts("\\u00");
            put(kHex[c >> 4]);
            put(kHex[c & 15]);
          } else {
            put(static_cast<char>(c));
          }
      }
    }
    put('"');
  }
};

// "layers.{i}{suffix}" into name[32]
void layer_name(char* name, int i, const char* suffix) {
  Sink s{reinterpret_cast<u8*>(name), 31};
  s.puts("layers.");
  s.putu(static_cast<u64>(i));
  s.puts(suffix);
  name[s.n < 31 ? s.n : 31] = '\0';
}

bool valid_utf8(const char* s) {
  const u8* p = reinterpret_cast<const u8*>(s);
  const std::size_t n = std::strlen(s);
  for (std::size_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t k = utf8_seq(p + i, n - i);
    if (k == 0) return false;
    i += k;
  }
  return true;
}

Status check_write(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra, Message* msg) {
  Status st = mlp.spec.validate(msg);
  if (st != Status::ok) return st;
  if (!(sigma_min >= 0.0f && sigma_min < 1.0f))
    return fail(msg, Status::invalid_argument, "sigma_min must be in [0, 1)");
  if (n_extra < 0 || (n_extra > 0 && extra == nullptr))
    return fail(msg, Status::invalid_argument, "extra metadata: %d entries but no array", n_extra);
  if (n_extra > kMaxMetadata - kNumMetaKeys)
    return fail(msg, Status::invalid_argument, "%d extra metadata entries; at most %d fit beside rill's own", n_extra,
                kMaxMetadata - kNumMetaKeys);
  for (int i = 0; i < n_extra; ++i) {
    const char* k = extra[i].key;
    const char* v = extra[i].value;
    if (k == nullptr || v == nullptr || *k == '\0')
      return fail(msg, Status::invalid_argument, "extra metadata entry %d has a null or empty key or value", i);
    if (std::strlen(k) > kMaxKeyBytes)
      return fail(msg, Status::invalid_argument, "extra metadata key %d is longer than %zu bytes", i, kMaxKeyBytes);
    if (!valid_utf8(k) || !valid_utf8(v))
      return fail(msg, Status::invalid_argument, "extra metadata entry %d is not valid UTF-8", i);
    for (int j = 0; j < kNumMetaKeys; ++j)
      if (std::strcmp(k, kMetaNames[j]) == 0)
        return fail(msg, Status::invalid_argument, "extra metadata key %s is one rill writes itself", k);
    for (int j = 0; j < i; ++j)
      if (std::strcmp(k, extra[j].key) == 0)
        return fail(msg, Status::invalid_argument, "extra metadata key %s appears twice", k);
  }
  for (int i = 0; i < mlp.spec.n_layers; ++i) {
    if (mlp.weight[i] == nullptr || mlp.bias[i] == nullptr)
      return fail(msg, Status::invalid_argument, "layer %d has no weights", i);
    const std::size_t rows = static_cast<std::size_t>(mlp.spec.sizes[i + 1]);
    const std::size_t cols = static_cast<std::size_t>(mlp.spec.sizes[i]);
    char name[32];
    layer_name(name, i, ".weight");
    if ((st = check_finite(name, reinterpret_cast<const u8*>(mlp.weight[i]), rows * cols, msg)) != Status::ok)
      return st;
    layer_name(name, i, ".bias");
    if ((st = check_finite(name, reinterpret_cast<const u8*>(mlp.bias[i]), rows, msg)) != Status::ok) return st;
  }
  return Status::ok;
}

// The JSON header without padding.
void emit_header(Sink& s, const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra) {
  const MlpSpec& spec = mlp.spec;
  char sigma[32];
  float_to_decimal(sigma_min + 0.0f, sigma, sizeof sigma);
  s.puts("{\"__metadata__\":{\"rill.format\":\"");
  s.putu(static_cast<u64>(kFormatVersion));
  s.puts("\",\"dim\":\"");
  s.putu(static_cast<u64>(spec.dim));
  s.puts("\",\"activation\":\"");
  s.puts(activation_name(spec.activation));
  s.puts("\",\"time_embedding\":\"");
  char time_name[16];
  time_embedding_name(spec.time, time_name, sizeof time_name);
  s.puts(time_name);
  s.puts("\",\"path\":\"condot\",\"sigma_min\":\"");
  s.puts(sigma);
  s.put('"');
  for (int i = 0; i < n_extra; ++i) {
    s.put(',');
    s.put_json(extra[i].key);
    s.put(':');
    s.put_json(extra[i].value);
  }
  s.put('}');
  u64 off = 0;
  for (int i = 0; i < spec.n_layers; ++i) {
    const u64 rows = static_cast<u64>(spec.sizes[i + 1]);
    const u64 cols = static_cast<u64>(spec.sizes[i]);
    s.puts(",\"layers.");
    s.putu(static_cast<u64>(i));
    s.puts(".weight\":{\"dtype\":\"F32\",\"shape\":[");
    s.putu(rows);
    s.put(',');
    s.putu(cols);
    s.puts("],\"data_offsets\":[");
    s.putu(off);
    s.put(',');
    off += rows * cols * 4;
    s.putu(off);
    s.puts("]},\"layers.");
    s.putu(static_cast<u64>(i));
    s.puts(".bias\":{\"dtype\":\"F32\",\"shape\":[");
    s.putu(rows);
    s.puts("],\"data_offsets\":[");
    s.putu(off);
    s.put(',');
    off += rows * 4;
    s.putu(off);
    s.puts("]}");
  }
  s.put('}');
}

// Header length N (padded so 8 + N is a multiple of 16); 0 if over the limit.
std::size_t padded_header_len(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra) {
  Sink count;
  emit_header(count, mlp, sigma_min, extra, n_extra);
  const std::size_t n = (count.n + 8 + 15) / 16 * 16 - 8;
  return n > kMaxHeaderBytes ? 0 : n;
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
  const u32 biased = (bits >> 23) & 0xFFu;
  const u32 frac = bits & 0x7FFFFFu;
  const bool neg = (bits >> 31) != 0;
  auto finish = [&]() -> std::size_t {
    if (out == nullptr || cap < n + 1) return 0;
    std::memcpy(out, buf, n);
    out[n] = '\0';
    return n;
  };
  auto lit = [&](const char* s) {
    while (*s) buf[n++] = *s++;
  };
  if (biased == 0xFF) {
    lit(frac != 0 ? "nan" : neg ? "-inf" : "inf");
    return finish();
  }
  if (neg) buf[n++] = '-';
  if (biased == 0 && frac == 0) {
    buf[n++] = '0';
    return finish();
  }
  // Exact decimal expansion: value = mant·2^e2 = digits·10^dexp.
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
  char dig[128];
  int nd = 0;
  while (N.n > 0 && nd < static_cast<int>(sizeof dig)) dig[nd++] = static_cast<char>('0' + big_divmod_small(N, 10));
  for (int i = 0; i < nd / 2; ++i) {
    const char t = dig[i];
    dig[i] = dig[nd - 1 - i];
    dig[nd - 1 - i] = t;
  }
  while (nd > 1 && dig[nd - 1] == '0') {
    --nd;
    ++dexp;
  }
  const int P = nd + dexp;  // value = 0.d1d2... × 10^P
  const u32 want = bits & 0x7FFFFFFFu;
  char c[10] = {0};
  int cn = 0, cP = P;
  bool found = false;
  for (int p = 1; p <= 9 && !found; ++p) {
    if (p >= nd) {  // the exact value itself
      std::memcpy(c, dig, static_cast<std::size_t>(nd));
      cn = nd;
      cP = P;
      found = true;
      break;
    }
    // floor and ceil to p digits; try the nearer first (ties to even), then the other.
    const char first = dig[p];
    const bool up = first > '5' || (first == '5' && (nd > p + 1 || ((dig[p - 1] - '0') & 1) != 0));
    for (int attempt = 0; attempt < 2 && !found; ++attempt) {
      const bool ceil = (attempt == 0) == up;
      char t[10];
      std::memcpy(t, dig, static_cast<std::size_t>(p));
      int tn = p, tP = P;
      if (ceil) {
        int k = p - 1;
        while (k >= 0 && t[k] == '9') t[k--] = '0';
        if (k < 0) {
          t[0] = '1';
          tn = 1;
          ++tP;
        } else {
          ++t[k];
        }
      }
      while (tn > 1 && t[tn - 1] == '0') --tn;
      Big m;
      for (int k = 0; k < tn; ++k) {
        big_mul_add(m, 10, static_cast<u32>(t[k] - '0'));
      }
      if (decimal_to_bits(m, tn, tP - tn, false) == want) {
        std::memcpy(c, t, static_cast<std::size_t>(tn));
        cn = tn;
        cP = tP;
        found = true;
      }
    }
  }
  // Layout: plain for 1e-4 <= |x| < 1e9, else d.ddde±XX (as Python prints floats).
  const int X = cP - 1;
  if (X < -4 || X >= 9) {
    buf[n++] = c[0];
    if (cn > 1) {
      buf[n++] = '.';
      for (int k = 1; k < cn; ++k) buf[n++] = c[k];
    }
    buf[n++] = 'e';
    buf[n++] = X < 0 ? '-' : '+';
    const int ax = X < 0 ? -X : X;
    if (ax >= 100) buf[n++] = static_cast<char>('0' + ax / 100);
    buf[n++] = static_cast<char>('0' + ax / 10 % 10);
    buf[n++] = static_cast<char>('0' + ax % 10);
  } else if (X >= 0) {
    for (int k = 0; k <= X; ++k) buf[n++] = k < cn ? c[k] : '0';
    if (cn > X + 1) {
      buf[n++] = '.';
      for (int k = X + 1; k < cn; ++k) buf[n++] = c[k];
    }
  } else {
    buf[n++] = '0';
    buf[n++] = '.';
    for (int k = 0; k < -X - 1; ++k) buf[n++] = '0';
    for (int k = 0; k < cn; ++k) buf[n++] = c[k];
  }
  return finish();
}

std::size_t model_copy_bytes(const MlpSpec& spec) { return Arena::padded(spec.param_count() * sizeof(float)); }

Status model_load(const void* bytes, std::size_t len, Arena* arena, Model* out, Message* msg) {
  if (out == nullptr) return fail(msg, Status::invalid_argument, "model_load: no Model to load into");
  *out = Model{};
  if (bytes == nullptr && len != 0) return fail(msg, Status::invalid_argument, "model_load: null bytes");
  const std::size_t mark = arena != nullptr ? arena->mark() : 0;
  const Status st = load(static_cast<const u8*>(bytes), len, arena, out, msg);
  if (st != Status::ok) {
    *out = Model{};
    if (arena != nullptr) arena->release(mark);
  }
  return st;
}

bool model_metadata(const Model& model, const char* key, char* out, std::size_t cap) {
  if (key == nullptr) return false;
  struct Lookup {
    const char* key;
    std::size_t klen;
    char* out;
    std::size_t cap;
    bool found;
  } q{key, std::strlen(key), out, cap, false};
  MetaWalk w{nullptr, &q};
  each_meta(
      model,
      [](void* ctx, const char* k, std::size_t n, Str, Str v) {
        MetaWalk& mw = *static_cast<MetaWalk*>(ctx);
        Lookup& l = *static_cast<Lookup*>(mw.ctx);
        if (n != l.klen || std::memcmp(k, l.key, n) != 0) return Status::ok;
        l.found = l.out != nullptr && decode(mw.header, v, l.out, l.cap);
        if (!l.found && l.out != nullptr && l.cap > 0) l.out[0] = '\0';
        return Status::unsupported;  // found: stop walking (keys are unique)
      },
      &w);
  return q.found;
}

void model_metadata_each(const Model& model, void (*fn)(const char* key, const char* value, void* ctx), void* ctx) {
  if (fn == nullptr) return;
  struct Each {
    void (*fn)(const char*, const char*, void*);
    void* ctx;
  } e{fn, ctx};
  MetaWalk w{nullptr, &e};
  each_meta(
      model,
      [](void* c, const char* k, std::size_t, Str, Str v) {
        MetaWalk& mw = *static_cast<MetaWalk*>(c);
        Each& each = *static_cast<Each*>(mw.ctx);
        char value[kMetadataEachValueBytes];
        decode(mw.header, v, value, sizeof value);
        each.fn(k, value, each.ctx);
        return Status::ok;
      },
      &w);
}

std::size_t model_file_size(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra) {
  if (check_write(mlp, sigma_min, extra, n_extra, nullptr) != Status::ok) return 0;
  const std::size_t n = padded_header_len(mlp, sigma_min, extra, n_extra);
  if (n == 0) return 0;
  return 8 + n + mlp.spec.param_count() * sizeof(float);
}

Status model_write(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra, unsigned char* out,
                   std::size_t cap, std::size_t* written, Message* msg) {
  if (written != nullptr) *written = 0;
  Status st = check_write(mlp, sigma_min, extra, n_extra, msg);
  if (st != Status::ok) return st;
  const std::size_t n = padded_header_len(mlp, sigma_min, extra, n_extra);
  if (n == 0)
    return fail(msg, Status::invalid_argument, "the header would exceed %zu bytes (extra metadata too long)",
                kMaxHeaderBytes);
  const std::size_t total = 8 + n + mlp.spec.param_count() * sizeof(float);
  if (out == nullptr || cap < total)
    return fail(msg, Status::out_of_memory, "the output buffer has %zu bytes; the file needs %zu", out ? cap : 0,
                total);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<u8>(static_cast<u64>(n) >> (8 * i));
  Sink s{out + 8, n};
  emit_header(s, mlp, sigma_min, extra, n_extra);
  while (s.n < n) s.put(' ');
  u8* d = out + 8 + n;
  for (int i = 0; i < mlp.spec.n_layers; ++i) {
    const std::size_t rows = static_cast<std::size_t>(mlp.spec.sizes[i + 1]);
    const std::size_t cols = static_cast<std::size_t>(mlp.spec.sizes[i]);
    std::memcpy(d, mlp.weight[i], rows * cols * sizeof(float));  // little-endian host: file order
    d += rows * cols * sizeof(float);
    std::memcpy(d, mlp.bias[i], rows * sizeof(float));
    d += rows * sizeof(float);
  }
  if (written != nullptr) *written = total;
  return Status::ok;
}

}  // namespace rill
