// Status names, messages, and a tiny printf subset for Message (no libc printf:
// it would pull kilobytes of code and sometimes malloc into firmware).
#include "rill/status.h"

#include <cstdarg>
#include <cstdint>

namespace rill {

namespace {
struct Entry { const char* name; const char* message; };
constexpr Entry kEntries[] = {
    {"ok", "ok"},
    {"invalid_argument", "invalid argument"},
    {"out_of_memory", "arena too small"},
    {"io_error", "input/output error"},
    {"truncated", "data is truncated"},
    {"bad_header", "malformed safetensors header"},
    {"bad_json", "malformed JSON in header"},
    {"unsupported_dtype", "unsupported dtype (rill reads F32, F16, BF16, I8)"},
    {"bad_tensor", "unexpected or missing tensor"},
    {"bad_shape", "tensor shapes do not fit the model"},
    {"bad_offsets", "tensor data offsets are invalid"},
    {"non_finite", "NaN or Inf in data"},
    {"bad_metadata", "invalid metadata value"},
    {"unsupported", "not supported by this build"},
};
constexpr int kCount = static_cast<int>(sizeof(kEntries) / sizeof(kEntries[0]));

struct Out {
  char* p;
  std::size_t left;  // room for characters, excluding the terminating zero
  void put(char c) {
    if (left > 0) { *p++ = c; --left; }
  }
  void puts(const char* s) { while (s && *s) put(*s++); }
  void putu(unsigned long long v) {
    char buf[24];
    int n = 0;
    do { buf[n++] = static_cast<char>('0' + v % 10); v /= 10; } while (v != 0);
    while (n > 0) put(buf[--n]);
  }
  void puti(long long v) {
    if (v < 0) { put('-'); putu(0ull - static_cast<unsigned long long>(v)); }
    else putu(static_cast<unsigned long long>(v));
  }
};
}  // namespace

const char* status_name(Status s) {
  const int i = static_cast<int>(s);
  return (i >= 0 && i < kCount) ? kEntries[i].name : "unknown";
}

const char* status_message(Status s) {
  const int i = static_cast<int>(s);
  return (i >= 0 && i < kCount) ? kEntries[i].message : "unknown status";
}

// Supports %s %c %d %i %u %ld %lu %lld %llu %zu %%; anything else is copied verbatim.
Status fail(Message* m, Status s, const char* fmt, ...) {
  if (m == nullptr) return s;
  Out o{m->text, Message::kCap - 1};
  va_list ap;
  va_start(ap, fmt);
  for (const char* f = fmt; *f; ++f) {
    if (*f != '%') { o.put(*f); continue; }
    ++f;
    int longs = 0;
    bool size = false;
    while (*f == 'l') { ++longs; ++f; }
    if (*f == 'z') { size = true; ++f; }
    switch (*f) {
      case 's': o.puts(va_arg(ap, const char*)); break;
      case 'c': o.put(static_cast<char>(va_arg(ap, int))); break;
      case 'd': case 'i':
        if (size) o.puti(static_cast<long long>(va_arg(ap, std::ptrdiff_t)));
        else if (longs >= 2) o.puti(va_arg(ap, long long));
        else if (longs == 1) o.puti(va_arg(ap, long));
        else o.puti(va_arg(ap, int));
        break;
      case 'u':
        if (size) o.putu(va_arg(ap, std::size_t));
        else if (longs >= 2) o.putu(va_arg(ap, unsigned long long));
        else if (longs == 1) o.putu(va_arg(ap, unsigned long));
        else o.putu(va_arg(ap, unsigned));
        break;
      case '%': o.put('%'); break;
      case '\0': --f; break;
      default: o.put('%'); o.put(*f); break;
    }
  }
  va_end(ap);
  *o.p = '\0';
  return s;
}

}  // namespace rill
