// safetensors_header: the strict JSON header reader and the header writer's
// text sink (see safetensors_header.h for what and why).
//
// How: a Parser is a cursor over the header bytes. Every string is checked as
// it is read (escapes, UTF-8, no \u0000, paired surrogates) and kept as a Str
// (its place in the header), decoded only when needed, so reading allocates
// nothing and copies nothing. Integers are read into u64 with overflow flags:
// shape dimensions and offsets in a hostile file can be anything JSON can spell.
#include "rill/safetensors_header.h"

#include <cstring>

namespace rill {
namespace safetensors {

namespace {

using u8 = unsigned char;
using u32 = std::uint32_t;
using u64 = std::uint64_t;

constexpr u64 kU64Max = ~static_cast<u64>(0);

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

}  // namespace


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

namespace {

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

// dtypes of safetensors and their sizes; a layer may be F32, F16, BF16 or I8 (model_io.cpp, narrow.h).
struct DtypeInfo {
  const char* name;
  u32 bytes;
};
constexpr DtypeInfo kDtypes[] = {{"F32", 4},     {"F16", 2},      {"BF16", 2},    {"F64", 8}, {"I8", 1},
                                 {"U8", 1},      {"I16", 2},      {"U16", 2},     {"I32", 4}, {"U32", 4},
                                 {"I64", 8},     {"U64", 8},      {"BOOL", 1},    {"F8_E5M2", 1},
                                 {"F8_E4M3", 1}};

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

// `__metadata__`'s value: null, or an object of strings each handed to v.meta.
Status read_metadata(Parser& p, const Visitor& v, KeyBuffer& name) {
  if (p.pos + 4 <= p.len && std::memcmp(p.s + p.pos, "null", 4) == 0) {
    p.pos += 4;
    return Status::ok;
  }
  Status st;
  if ((st = p.expect('{', "__metadata__ must be an object of strings")) != Status::ok) return st;
  p.ws();
  if (p.peek('}')) {
    ++p.pos;
    return Status::ok;
  }
  for (;;) {
    Str k;
    if ((st = read_string(p, &k)) != Status::ok) return st;
    if (k.decoded > kMaxKeyBytes)
      return fail(p.msg, Status::bad_json, "a metadata key of %u bytes; rill reads keys up to %zu bytes",
                  static_cast<unsigned>(k.decoded), kMaxKeyBytes);
    decode(p.s, k, name, sizeof name);  // the top-level key (__metadata__) is no longer needed
    p.ws();
    if ((st = p.expect(':', "expected ':'")) != Status::ok) return st;
    p.ws();
    if (!p.peek('"'))
      return fail(p.msg, Status::bad_json, "bad JSON at header byte %u: metadata value of %s is not a string",
                  static_cast<unsigned>(p.pos), name);
    Str val;
    if ((st = read_string(p, &val)) != Status::ok) return st;
    if (v.meta != nullptr && (st = v.meta(v.ctx, name, static_cast<std::size_t>(k.decoded), k, val)) != Status::ok)
      return st;
    p.ws();
    if (p.peek(',')) {
      ++p.pos;
      p.ws();
      continue;
    }
    return p.expect('}', "expected ',' or '}' in __metadata__");
  }
}

// One top-level `"key": value`: the metadata (at most once) or a tensor entry.
Status read_member(Parser& p, const Visitor& v, KeyBuffer& name, bool* seen_meta) {
  Str key;
  Status st;
  if ((st = read_string(p, &key)) != Status::ok) return st;
  if (key.decoded > kMaxKeyBytes)
    return fail(p.msg, Status::bad_json, "a key of %u bytes at header byte %u; rill reads keys up to %zu bytes",
                static_cast<unsigned>(key.decoded), static_cast<unsigned>(key.begin), kMaxKeyBytes);
  decode(p.s, key, name, sizeof name);
  p.ws();
  if ((st = p.expect(':', "expected ':'")) != Status::ok) return st;
  p.ws();
  if (str_is(name, key.decoded, "__metadata__")) {
    if (*seen_meta) return fail(p.msg, Status::bad_json, "duplicate __metadata__ in the header");
    *seen_meta = true;
    return read_metadata(p, v, name);
  }
  Entry e;
  if ((st = read_entry(p, &e)) != Status::ok) return st;
  if (v.tensor != nullptr) return v.tensor(v.ctx, name, static_cast<std::size_t>(key.decoded), key, e);
  return Status::ok;
}

}  // namespace

Status walk(const unsigned char* header, std::uint32_t len, const Visitor& v, KeyBuffer& name, Message* msg) {
  Parser p;
  p.s = header;
  p.len = len;
  p.msg = msg;
  // JSON whitespace may come first: the reference reader (serde_json) skips it,
  // and writers pad before the object to align the data buffer.
  p.ws();
  if (!p.peek('{'))
    return fail(msg, Status::bad_json,
                "the header is not a JSON object (it must start with '{' after any JSON whitespace)");
  ++p.pos;
  p.ws();
  bool seen_meta = false;
  Status st;
  if (p.peek('}')) {
    ++p.pos;
  } else {
    for (;;) {
      if ((st = read_member(p, v, name, &seen_meta)) != Status::ok) return st;
      p.ws();
      if (p.peek(',')) {
        ++p.pos;
        p.ws();
        continue;
      }
      if ((st = p.expect('}', "expected ',' or '}' after a header entry")) != Status::ok) return st;
      break;
    }
  }
  p.ws();
  if (p.pos != p.len) return p.syntax("trailing characters after the header object");
  return Status::ok;
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

// ---------------------------------------------------------------------------
// The format's rules on entries

Status check_entry(const char* name, const Entry& e, Message* msg) {
  if (e.dtype_bytes == 0)
    return fail(msg, Status::unsupported_dtype, "unsupported dtype %s (rill reads F32, F16, BF16, I8): %s", e.dtype,
                name);
  if (e.shape.negative) return fail(msg, Status::bad_shape, "%s has a negative dimension", name);
  const u64 item = e.dtype_bytes;
  if (e.shape.overflow || e.shape.product_overflow || e.shape.product > kU64Max / item)
    return fail(msg, Status::bad_shape, "the shape of %s is too large", name);
  const u64 bytes = e.shape.product * item;
  if (e.offsets.count != 2) return fail(msg, Status::bad_offsets, "data_offsets of %s must be [begin, end]", name);
  if (e.offsets.negative || e.offsets.overflow)
    return fail(msg, Status::bad_offsets, "data_offsets of %s are not offsets in the data buffer", name);
  const u64 begin = e.offsets.first2[0], end = e.offsets.first2[1];
  if (begin > end)
    return fail(msg, Status::bad_offsets, "data_offsets of %s are [%llu, %llu]: begin after end", name,
                static_cast<unsigned long long>(begin), static_cast<unsigned long long>(end));
  if (end - begin != bytes)
    return fail(msg, Status::bad_offsets, "%s: its shape needs %llu bytes, data_offsets [%llu, %llu] give %llu",
                name, static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(begin),
                static_cast<unsigned long long>(end), static_cast<unsigned long long>(end - begin));
  return Status::ok;
}

Status check_tiling(const unsigned char* header, const Str* names, const Span* spans, int n, std::uint64_t data_len,
                    KeyBuffer& a, KeyBuffer& b, Message* msg) {
  u8 order[kMaxTensors];  // span indices sorted by (begin, end): insertion sort, n is small
  if (n > kMaxTensors) n = kMaxTensors;  // not reached: the caller's tables hold kMaxTensors
  for (int i = 0; i < n; ++i) {
    const Span& y = spans[i];
    auto after_y = [&](const Span& x) { return x.begin > y.begin || (x.begin == y.begin && x.end > y.end); };
    int j = i - 1;
    while (j >= 0 && after_y(spans[order[j]])) {
      order[j + 1] = order[j];
      --j;
    }
    order[j + 1] = static_cast<u8>(i);
  }
  // Overlaps are errors at once; for a gap, a tensor that starts past the end
  // of the buffer is the better report. A layout without gaps that runs past
  // the end is a truncated file.
  u64 pos = 0;
  int prev = -1;
  int first_gap = -1;
  u64 gap_begin = 0;
  for (int i = 0; i < n; ++i) {
    const Span& s = spans[order[i]];
    if (s.begin < pos) {
      decode(header, names[prev], a, sizeof a);
      decode(header, names[order[i]], b, sizeof b);
      return fail(msg, Status::bad_offsets, "tensors %s and %s overlap in the data buffer", a, b);
    }
    if (s.begin > pos && first_gap < 0) {
      first_gap = i;
      gap_begin = pos;
    }
    pos = s.end;
    prev = order[i];
  }
  if (first_gap >= 0) {
    for (int i = 0; i < n; ++i) {
      if (spans[order[i]].begin > data_len) {
        decode(header, names[order[i]], b, sizeof b);
        return fail(msg, Status::bad_offsets, "%s starts at byte %llu, past the end of the %llu-byte data buffer", b,
                    static_cast<unsigned long long>(spans[order[i]].begin), static_cast<unsigned long long>(data_len));
      }
    }
    decode(header, names[order[first_gap]], b, sizeof b);
    return fail(msg, Status::bad_offsets, "gap in the data buffer: bytes %llu..%llu before %s belong to no tensor",
                static_cast<unsigned long long>(gap_begin),
                static_cast<unsigned long long>(spans[order[first_gap]].begin), b);
  }
  if (pos > data_len)
    return fail(msg, Status::truncated, "the file is truncated: the tensors need %llu bytes of data, it has %llu",
                static_cast<unsigned long long>(pos), static_cast<unsigned long long>(data_len));
  if (pos < data_len)
    return fail(msg, Status::bad_offsets, "%llu bytes at the end of the data buffer belong to no tensor",
                static_cast<unsigned long long>(data_len - pos));
  return Status::ok;
}

// ---------------------------------------------------------------------------
// Writing

void Sink::putu(std::uint64_t v) {
  char buf[24];
  int k = 0;
  do {
    buf[k++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (k > 0) put(buf[--k]);
}

void Sink::put_json(const char* s) {
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

}  // namespace safetensors
}  // namespace rill
