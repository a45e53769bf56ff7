// npy: reading and writing NumPy arrays (see npy.h). The reader trusts no
// byte: every length is checked before use and every refusal says why.
#include "cli/npy.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace cli {

namespace {

bool refuse(std::string* why, const std::string& text) {
  *why = text;
  return false;
}

struct Header {
  std::string descr;
  bool fortran = false;
  std::vector<long long> shape;
  bool has_descr = false, has_fortran = false, has_shape = false;
};

// A cursor over the header dict, a Python literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }
struct Lexer {
  const char* p;
  const char* end;
  void space() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  }
  bool eat(char c) {
    space();
    if (p < end && *p == c) {
      ++p;
      return true;
    }
    return false;
  }
  bool string(std::string* out) {
    space();
    if (p >= end || (*p != '\'' && *p != '"')) return false;
    const char q = *p++;
    out->clear();
    while (p < end && *p != q) {
      if (*p == '\\' || out->size() > 64) return false;  // no escapes in a valid header
      *out += *p++;
    }
    if (p >= end) return false;
    ++p;
    return true;
  }
  bool word(const char* w) {
    space();
    const std::size_t n = std::strlen(w);
    if (static_cast<std::size_t>(end - p) < n || std::memcmp(p, w, n) != 0) return false;
    p += n;
    return true;
  }
  bool integer(long long* out) {
    space();
    long long v = 0;
    const char* start = p;
    while (p < end && *p >= '0' && *p <= '9') {
      if (v > (1LL << 50)) return false;  // no real array has a dimension this big
      v = v * 10 + (*p - '0');
      ++p;
    }
    if (p < end && *p == 'L') ++p;  // Python 2 longs: (3L, 2L)
    *out = v;
    return p > start;
  }
};

bool parse_header(const char* text, std::size_t len, Header* h, std::string* why) {
  Lexer lx{text, text + len};
  if (!lx.eat('{')) return refuse(why, "the header is not a Python dict");
  bool first = true;
  while (!lx.eat('}')) {
    if (!first && !lx.eat(',')) return refuse(why, "the header dict is malformed (expected ',' or '}')");
    first = false;
    if (lx.eat('}')) break;  // trailing comma
    std::string key;
    if (!lx.string(&key)) return refuse(why, "the header dict is malformed (expected a quoted key)");
    if (!lx.eat(':')) return refuse(why, "the header dict is malformed (expected ':')");
    if (key == "descr") {
      if (h->has_descr) return refuse(why, "the header repeats 'descr'");
      if (!lx.string(&h->descr)) return refuse(why, "'descr' is not a simple dtype string (structured arrays are not supported)");
      h->has_descr = true;
    } else if (key == "fortran_order") {
      if (h->has_fortran) return refuse(why, "the header repeats 'fortran_order'");
      if (lx.word("True")) {
        h->fortran = true;
      } else if (lx.word("False")) {
        h->fortran = false;
      } else {
        return refuse(why, "'fortran_order' is neither True nor False");
      }
      h->has_fortran = true;
    } else if (key == "shape") {
      if (h->has_shape) return refuse(why, "the header repeats 'shape'");
      if (!lx.eat('(')) return refuse(why, "'shape' is not a tuple");
      while (!lx.eat(')')) {
        if (!h->shape.empty() && !lx.eat(',')) return refuse(why, "'shape' is malformed");
        if (lx.eat(')')) break;
        long long v = 0;
        if (!lx.integer(&v)) {  // stopped on a digit: the guard against huge dimensions, not a bad character
          const bool digits = lx.p < lx.end && *lx.p >= '0' && *lx.p <= '9';
          return refuse(why, digits ? "'shape' has a dimension over 2^50 (no array that large can be read)"
                                    : "'shape' holds something other than non-negative integers");
        }
        if (h->shape.size() >= 32) return refuse(why, "'shape' has more than 32 dimensions");
        h->shape.push_back(v);
      }
      h->has_shape = true;
    } else {
      return refuse(why, "the header has an unexpected key '" + key + "'");
    }
  }
  lx.space();
  if (lx.p != lx.end) return refuse(why, "the header has text after its dict");
  if (!h->has_descr || !h->has_fortran || !h->has_shape)
    return refuse(why, "the header lacks one of 'descr', 'fortran_order', 'shape'");
  return true;
}

std::string shape_text(const std::vector<long long>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

std::string index_text(long i, int j, bool rank1) {
  return rank1 ? "x[" + std::to_string(i) + "]" : "x[" + std::to_string(i) + ", " + std::to_string(j) + "]";
}

std::uint32_t le32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

bool has_npy_magic(const unsigned char* bytes, std::size_t len) {
  return len >= 6 && std::memcmp(bytes, kNpyMagic, 6) == 0;
}

bool npy_parse(const unsigned char* bytes, std::size_t len, Points* out, std::string* why, bool integers) {
  *out = Points{};
  if (!has_npy_magic(bytes, len)) return refuse(why, "not a .npy file (it does not start with \\x93NUMPY)");
  if (len < 10) return refuse(why, "truncated .npy preamble");
  const int major = bytes[6], minor = bytes[7];
  std::size_t hlen = 0, start = 0;
  if (major == 1) {
    hlen = static_cast<std::size_t>(bytes[8]) | static_cast<std::size_t>(bytes[9]) << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (len < 12) return refuse(why, "truncated .npy preamble");
    hlen = le32(bytes + 8);
    start = 12;
  } else {
    return refuse(why, "unsupported .npy version " + std::to_string(major) + "." + std::to_string(minor));
  }
  if (hlen > len - start) return refuse(why, "truncated .npy header");
  Header h;
  if (!parse_header(reinterpret_cast<const char*>(bytes + start), hlen, &h, why)) return false;

  std::size_t item = 0;
  bool is_int = false, is_signed = false;
  const std::string& t = h.descr;
  if (integers && t.size() == 3 && (t[0] == '<' || t[0] == '|') && (t[1] == 'i' || t[1] == 'u') &&
      (t[2] == '1' || t[2] == '2' || t[2] == '4' || t[2] == '8') && (t[0] == '|') == (t[2] == '1')) {
    is_int = true;
    is_signed = t[1] == 'i';
    item = static_cast<std::size_t>(t[2] - '0');
  } else if (h.descr == "<f4") {
    item = 4;
  } else if (h.descr == "<f8") {
    item = 8;
  } else if (h.descr == ">f4" || h.descr == ">f8") {
    return refuse(why, "big-endian data ('" + h.descr + "') is not supported; rill reads '<f4' and '<f8'");
  } else {
    return refuse(why, "dtype '" + h.descr + "' is not supported; rill reads '<f4' (float32) and '<f8' (float64)" +
                           (integers ? " and integers ('<i4', '<i8', ...)" : ""));
  }
  if (h.fortran)
    return refuse(why, "Fortran-order arrays are not supported; save a C-order array (np.ascontiguousarray)");
  const bool rank1 = h.shape.size() == 1;
  if (h.shape.size() != 1 && h.shape.size() != 2)
    return refuse(why, "shape " + shape_text(h.shape) + " has rank " + std::to_string(h.shape.size()) +
                  "; rill reads (n, d) or (n,)");
  const long long n = h.shape[0];
  const long long d = rank1 ? 1 : h.shape[1];
  if (d < 1) return refuse(why, "shape " + shape_text(h.shape) + " has no coordinates");
  if (n > kMaxPoints) return refuse(why, "shape " + shape_text(h.shape) + " holds more points than rill handles");
  if (d > 1000000) return refuse(why, "shape " + shape_text(h.shape) + " has more coordinates than rill handles");
  // n ≤ 2^31 and d ≤ 10^6: the product fits in 64 bits with room for the item size.
  const unsigned long long count = static_cast<unsigned long long>(n) * static_cast<unsigned long long>(d);
  const unsigned long long need = count * item;
  const std::size_t have = len - start - hlen;
  if (have < need)
    return refuse(why, "truncated: the shape " + shape_text(h.shape) + " needs " + std::to_string(need) +
                  " bytes of data, the file has " + std::to_string(have));
  if (have > need)
    return refuse(why, std::to_string(have - need) + " unexpected bytes after the data of shape " + shape_text(h.shape));

  std::vector<float> values(static_cast<std::size_t>(count));
  const unsigned char* p = bytes + start + hlen;
  for (std::size_t q = 0; q < values.size(); ++q) {
    double v;
    if (is_int) {
      std::uint64_t u = 0;
      for (std::size_t b = 0; b < item; ++b) u |= static_cast<std::uint64_t>(p[item * q + b]) << (8 * b);
      if (is_signed && item < 8 && (u >> (8 * item - 1)) != 0) u |= ~0ull << (8 * item);
      v = is_signed ? static_cast<double>(static_cast<std::int64_t>(u)) : static_cast<double>(u);
    } else if (item == 4) {
      const std::uint32_t u = le32(p + 4 * q);
      float f;
      std::memcpy(&f, &u, 4);
      v = f;
    } else {
      const std::uint64_t u = static_cast<std::uint64_t>(le32(p + 8 * q)) |
                              static_cast<std::uint64_t>(le32(p + 8 * q + 4)) << 32;
      std::memcpy(&v, &u, 8);
    }
    const long i = static_cast<long>(q / static_cast<std::size_t>(d));
    const int j = static_cast<int>(q % static_cast<std::size_t>(d));
    if (!std::isfinite(v)) return refuse(why, index_text(i, j, rank1) + " is NaN or Inf");
    if (std::fabs(v) > static_cast<double>(FLT_MAX))
      return refuse(why, index_text(i, j, rank1) + " = " + std::to_string(v) + " is outside the float32 range");
    values[q] = static_cast<float>(v);
  }
  out->values.swap(values);
  out->n = static_cast<long>(n);
  out->d = static_cast<int>(d);
  return true;
}

std::string npy_preamble(const std::vector<long>& shape, const char* descr) {
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1) dict += ",";
  dict += "), }";
  // magic (6) + version (2) + length (2) + dict + padding + '\n', a multiple of 64.
  std::size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  const std::size_t hlen = dict.size();
  std::string out(kNpyMagic, 6);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(hlen & 0xff);
  out += static_cast<char>((hlen >> 8) & 0xff);
  return out + dict;
}

namespace {

void write_words(std::FILE* f, const std::string& pre, const void* data, std::size_t count) {
  std::fwrite(pre.data(), 1, pre.size(), f);
  unsigned char buf[4096];
  std::size_t fill = 0;
  for (std::size_t q = 0; q < count; ++q) {
    std::uint32_t u;
    std::memcpy(&u, static_cast<const unsigned char*>(data) + 4 * q, 4);
    buf[fill++] = static_cast<unsigned char>(u);
    buf[fill++] = static_cast<unsigned char>(u >> 8);
    buf[fill++] = static_cast<unsigned char>(u >> 16);
    buf[fill++] = static_cast<unsigned char>(u >> 24);
    if (fill == sizeof buf) {
      std::fwrite(buf, 1, fill, f);
      fill = 0;
    }
  }
  if (fill > 0) std::fwrite(buf, 1, fill, f);
}

}  // namespace

void npy_write(std::FILE* f, const std::vector<long>& shape, const float* data, std::size_t count) {
  write_words(f, npy_preamble(shape), data, count);
}

void npy_write_i32(std::FILE* f, const std::vector<long>& shape, const std::int32_t* data, std::size_t count) {
  write_words(f, npy_preamble(shape, "<i4"), data, count);
}

}  // namespace cli
