// fail: formatting of CliError messages (see fail.h).
#include "cli/fail.h"

#include <cstdarg>
#include <cstdio>

namespace cli {

namespace {
std::string vformat(const char* fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  const int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (n <= 0) return std::string();
  std::string s(static_cast<std::size_t>(n) + 1, '\0');
  std::vsnprintf(&s[0], s.size(), fmt, ap);
  s.resize(static_cast<std::size_t>(n));
  return s;
}
}  // namespace

void usage_error(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::string s = vformat(fmt, ap);
  va_end(ap);
  throw CliError{kExitUsage, s};
}

void runtime_error(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::string s = vformat(fmt, ap);
  va_end(ap);
  throw CliError{kExitRuntime, s};
}

std::string core_reason(rill::Status s, const rill::Message& msg) {
  return msg.text[0] != '\0' ? std::string(msg.text) : std::string(rill::status_message(s));
}

}  // namespace cli
