// args: the flags of one command, parsed strictly, and the command table's types.
//
// Why a table of Flag entries: the parser (unknown flags, missing values,
// duplicates), the defaults and the `--help` text all come from the same
// entries, so the help cannot drift from what the command accepts.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace cli {

struct Flag {
  const char* name;      // "--n"
  const char* metavar;   // "N" for a flag with a value; nullptr for a switch (--json)
  const char* fallback;  // the default as it would be typed; nullptr: none (required, or absent = off)
  const char* help;      // one line for --help
};

class Args;

// An output flag: --out or --NAME-out (their "-" is standard output; any other flag's "-" is standard input).
bool is_output_flag(const std::string& name);

struct Command {
  const char* name;         // "sample"
  const char* summary;      // one line for `rill --help`
  const char* usage;        // after "usage: rill "
  const char* description;  // paragraphs for `rill NAME --help`; may be ""
  std::vector<Flag> flags;
  int (*run)(const Args& args);
};

// Prints `rill NAME --help` to stdout.
void print_command_help(const Command& cmd);

class Args {
 public:
  // Parses argv[0..argc) (the words after the command name). Throws a usage
  // error for an unknown flag, a missing value, a flag given twice, or a
  // word that is not a flag. `--name=value` is accepted too.
  Args(const Command& cmd, int argc, char** argv);

  bool has(const char* name) const;  // given on the command line
  bool accepts(const char* name) const;  // one of the command's flags
  // The value given, else the flag's fallback; a usage error if neither.
  std::string text(const char* name) const;
  // Strict whole-string numbers, range-checked (usage errors name the flag).
  long long integer(const char* name, long long min, long long max) const;
  std::uint32_t seed(const char* name) const;  // 0 .. 4294967295
  // Finite, within [min, max]; `min_open` makes the lower bound exclusive.
  double real(const char* name, double min, double max, bool min_open = false) const;
  // One of `choices` (shown in the error when it is not).
  std::string choice(const char* name, const std::vector<std::string>& choices) const;

  // Every flag given, in order: (name, value); a switch's value is empty.
  const std::vector<std::pair<std::string, std::string>>& given_flags() const { return values_; }

  // A usage error that ends with " (see rill NAME --help)".
  [[noreturn]] void fail(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));

 private:
  const Flag* find(const std::string& name) const;
  const std::string* given(const char* name) const;
  const Command& cmd_;
  std::vector<std::pair<std::string, std::string>> values_;
};

}  // namespace cli
