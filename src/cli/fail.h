// fail: how the `rill` command reports a problem and which exit code it gets.
//
// Why exceptions here when the core has none: the command is a thin shell
// around the core, and every error ends the same way (one line on stderr, a
// non-zero exit, temporary files removed by their destructors). Throwing a
// CliError from wherever the problem is found keeps each command a straight
// line of code; main() is the only place that catches.
#pragma once
#include <string>

#include "rill/status.h"

namespace cli {

constexpr int kExitRuntime = 1;  // a file is missing or damaged, a write failed, ...
constexpr int kExitUsage = 2;    // the command line itself is wrong

struct CliError {
  int code;
  std::string text;  // without the "rill: " prefix and without a newline
};

// printf-like; never return.
[[noreturn]] void usage_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void runtime_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// The core's specific reason when it gave one, else the Status's sentence.
std::string core_reason(rill::Status s, const rill::Message& msg);

}  // namespace cli
