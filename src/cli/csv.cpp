// csv: reading and writing points as text (see csv.h). The reader works on a
// byte range (no terminating zero needed) so the fuzzer can feed it anything.
#include "cli/csv.h"

#include <cfloat>
#include <cmath>
#include <vector>

#include "cli/numbers.h"

namespace cli {

namespace {

bool refuse(std::string* why, const std::string& text) {
  *why = text;
  return false;
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

struct Field {
  const char* p;
  std::size_t n;
};

// Splits one line (without its '\n') into fields: on commas when it has one
// (fields trimmed), else on runs of blanks. False for an empty comma field.
bool split(const char* p, std::size_t n, std::vector<Field>* fields) {
  fields->clear();
  bool comma = false;
  for (std::size_t i = 0; i < n; ++i) comma = comma || p[i] == ',';
  if (comma) {
    std::size_t start = 0;
    for (std::size_t i = 0; i <= n; ++i) {
      if (i < n && p[i] != ',') continue;
      std::size_t a = start, b = i;
      while (a < b && blank(p[a])) ++a;
      while (b > a && blank(p[b - 1])) --b;
      if (a == b) return false;
      fields->push_back({p + a, b - a});
      start = i + 1;
    }
  } else {
    std::size_t i = 0;
    while (i < n) {
      while (i < n && blank(p[i])) ++i;
      const std::size_t a = i;
      while (i < n && !blank(p[i])) ++i;
      if (i > a) fields->push_back({p + a, i - a});
    }
  }
  return true;
}

std::string quoted(const Field& f) {
  std::string s(f.p, f.n < 40 ? f.n : 40);
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) c = '?';
  return "'" + s + (f.n > 40 ? "...'" : "'");
}

}  // namespace

bool csv_parse(const char* text, std::size_t len, Points* out, std::string* why) {
  *out = Points{};
  std::vector<float> values;
  std::vector<Field> fields;
  std::vector<double> row;
  long n = 0;
  int d = 0;
  long first_data_line = 0;
  bool seen_line = false;  // a non-blank line (the header may only be the first)
  long line = 0;
  std::size_t pos = 0;
  if (len >= 3 && static_cast<unsigned char>(text[0]) == 0xEF && static_cast<unsigned char>(text[1]) == 0xBB &&
      static_cast<unsigned char>(text[2]) == 0xBF)
    pos = 3;  // a UTF-8 byte order mark (spreadsheets write one)
  while (pos < len) {
    ++line;
    std::size_t end = pos;
    while (end < len && text[end] != '\n') ++end;
    const char* p = text + pos;
    const std::size_t m = end - pos;
    pos = end + 1;
    if (!split(p, m, &fields)) return refuse(why, "line " + std::to_string(line) + " has an empty field");
    if (fields.empty()) continue;
    const bool first = !seen_line;
    seen_line = true;
    row.clear();
    for (const Field& f : fields) {
      double v = 0;
      if (parse_decimal(f.p, f.n, &v)) {
        if (std::fabs(v) > static_cast<double>(FLT_MAX))
          return refuse(why, "line " + std::to_string(line) + ": " + quoted(f) + " is outside the float32 range");
        row.push_back(v);
      } else if (is_nan_or_inf_word(f.p, f.n)) {
        return refuse(why, "line " + std::to_string(line) + ": " + quoted(f) + " (NaN or Inf) is not allowed");
      } else if (first) {
        row.clear();  // the header line
        break;
      } else {
        return refuse(why, "line " + std::to_string(line) + ": " + quoted(f) + " is not a number");
      }
    }
    if (row.empty()) continue;
    if (n == 0) {
      if (row.size() > 1000000) return refuse(why, "line " + std::to_string(line) + " has more values than rill handles");
      d = static_cast<int>(row.size());
      first_data_line = line;
    } else if (row.size() != static_cast<std::size_t>(d)) {
      return refuse(why, "line " + std::to_string(line) + " has " + std::to_string(row.size()) + " values; line " +
                             std::to_string(first_data_line) + " has " + std::to_string(d));
    }
    if (n >= kMaxPoints) return refuse(why, "more rows than rill handles");
    for (double v : row) values.push_back(static_cast<float>(v));
    ++n;
  }
  out->values.swap(values);
  out->n = n;
  out->d = d;
  return true;
}

void csv_write_points(std::FILE* f, const float* x, long n, int d) {
  for (int j = 0; j < d; ++j) std::fprintf(f, j == 0 ? "x%d" : ",x%d", j);
  std::fputc('\n', f);
  for (long i = 0; i < n; ++i) {
    const float* r = x + static_cast<std::size_t>(i) * static_cast<std::size_t>(d);
    for (int j = 0; j < d; ++j) std::fprintf(f, j == 0 ? "%.9g" : ",%.9g", static_cast<double>(r[j]));
    std::fputc('\n', f);
  }
}

void csv_write_trajectory(std::FILE* f, const float* traj, const float* times, int steps, long n, int d) {
  std::fprintf(f, "step,t,i");
  for (int j = 0; j < d; ++j) std::fprintf(f, ",x%d", j);
  std::fputc('\n', f);
  const std::size_t snap = static_cast<std::size_t>(n) * static_cast<std::size_t>(d);
  for (int s = 0; s <= steps; ++s) {
    for (long i = 0; i < n; ++i) {
      const float* r = traj + static_cast<std::size_t>(s) * snap + static_cast<std::size_t>(i) * d;
      std::fprintf(f, "%d,%.9g,%ld", s, static_cast<double>(times[s]), i);
      for (int j = 0; j < d; ++j) std::fprintf(f, ",%.9g", static_cast<double>(r[j]));
      std::fputc('\n', f);
    }
  }
}

}  // namespace cli
