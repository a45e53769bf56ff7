// args: strict flag parsing and --help text generated from the flag table.
#include "cli/args.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "cli/fail.h"
#include "cli/numbers.h"

namespace cli {

void print_command_help(const Command& cmd) {
  std::printf("usage: rill %s\n\n%s\n", cmd.usage, cmd.summary);
  if (cmd.description[0] != '\0') std::printf("\n%s", cmd.description);
  std::printf("\noptions:\n");
  std::size_t width = 0;
  std::vector<std::string> heads;
  for (const Flag& f : cmd.flags) {
    std::string h = f.name;
    if (f.metavar != nullptr) h += std::string(" ") + f.metavar;
    width = h.size() > width ? h.size() : width;
    heads.push_back(h);
  }
  heads.push_back("--help");
  width = width < 6 ? 6 : width;
  for (std::size_t i = 0; i < cmd.flags.size(); ++i) {
    const Flag& f = cmd.flags[i];
    std::printf("  %-*s  %s", static_cast<int>(width), heads[i].c_str(), f.help);
    if (f.fallback != nullptr) std::printf(" (default %s)", f.fallback);
    std::printf("\n");
  }
  std::printf("  %-*s  %s\n", static_cast<int>(width), "--help", "this text");
}

bool is_output_flag(const std::string& name) {
  return name == "--out" || (name.size() > 4 && name.compare(name.size() - 4, 4, "-out") == 0);
}

Args::Args(const Command& cmd, int argc, char** argv) : cmd_(cmd) {
  for (int i = 0; i < argc; ++i) {
    std::string word = argv[i];
    if (word.size() < 3 || word.compare(0, 2, "--") != 0)
      fail("unexpected argument '%s' for '%s'; values follow their flag (--n 100)", word.c_str(), cmd.name);
    std::string value;
    bool inline_value = false;
    const std::size_t eq = word.find('=');
    if (eq != std::string::npos) {
      value = word.substr(eq + 1);
      word = word.substr(0, eq);
      inline_value = true;
    }
    const Flag* f = find(word);
    if (f == nullptr) fail("unknown flag %s for '%s'", word.c_str(), cmd.name);
    if (given(f->name) != nullptr) fail("flag %s is given twice", f->name);
    if (f->metavar == nullptr) {
      if (inline_value) fail("flag %s takes no value", f->name);
    } else if (!inline_value) {
      if (i + 1 >= argc) fail("flag %s needs a value (%s)", f->name, f->metavar);
      value = argv[++i];
    }
    values_.emplace_back(f->name, value);
  }
  // "-" is standard input for an input flag (standard output for --out and --*-out): one input can read it.
  const std::pair<std::string, std::string>* first_stdin = nullptr;
  for (const auto& fv : values_) {
    const std::string& name = fv.first;
    if (is_output_flag(name) || fv.second != "-") continue;
    if (first_stdin != nullptr)
      fail("%s - and %s - cannot both read standard input; give one of them a file", first_stdin->first.c_str(),
           name.c_str());
    first_stdin = &fv;
  }
}

void Args::fail(const char* fmt, ...) const {
  va_list ap;
  va_start(ap, fmt);
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  usage_error("%s (see rill %s --help)", buf, cmd_.name);
}

const Flag* Args::find(const std::string& name) const {
  for (const Flag& f : cmd_.flags)
    if (name == f.name) return &f;
  return nullptr;
}

const std::string* Args::given(const char* name) const {
  for (const auto& kv : values_)
    if (kv.first == name) return &kv.second;
  return nullptr;
}

bool Args::has(const char* name) const { return given(name) != nullptr; }
bool Args::accepts(const char* name) const { return find(name) != nullptr; }

std::string Args::text(const char* name) const {
  if (const std::string* v = given(name)) return *v;
  const Flag* f = find(name);
  if (f != nullptr && f->fallback != nullptr) return f->fallback;
  fail("%s is required", name);
}

long long Args::integer(const char* name, long long min, long long max) const {
  const std::string v = text(name);
  long long x = 0;
  bool overflow = false;
  if (!parse_integer(v.data(), v.size(), &x, &overflow)) {
    if (overflow) fail("%s must be between %lld and %lld, got %s", name, min, max, v.c_str());
    fail("%s expects a whole number, got '%s'", name, v.c_str());
  }
  if (x < min || x > max) fail("%s must be between %lld and %lld, got %s", name, min, max, v.c_str());
  return x;
}

std::uint32_t Args::seed(const char* name) const {
  return static_cast<std::uint32_t>(integer(name, 0, 4294967295LL));
}

double Args::real(const char* name, double min, double max, bool min_open) const {
  const std::string v = text(name);
  double x = 0;
  if (!parse_decimal(v.data(), v.size(), &x)) fail("%s expects a number, got '%s'", name, v.c_str());
  const bool low = min_open ? !(x > min) : !(x >= min);
  if (low || !(x <= max))
    fail("%s must be in %s%.9g, %.9g], got %s", name, min_open ? "(" : "[", min, max, v.c_str());  // 0.9999999, not 1
  return x;
}

std::string Args::choice(const char* name, const std::vector<std::string>& choices) const {
  const std::string v = text(name);
  std::string all;
  for (const std::string& c : choices) {
    if (v == c) return v;
    all += (all.empty() ? "" : ", ") + c;
  }
  fail("%s must be one of %s, got '%s'", name, all.c_str(), v.c_str());
}

}  // namespace cli
