// array_io: dispatch between the array formats (see array_io.h).
#include "cli/array_io.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "cli/csv.h"
#include "cli/fail.h"
#include "cli/npy.h"
#include "cli/svg.h"

namespace cli {

namespace {

std::vector<unsigned char> slurp(const std::string& path, const std::string& prefix) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) runtime_error("%scannot open %s: %s", prefix.c_str(), path.c_str(), std::strerror(errno));
  std::vector<unsigned char> bytes;
  unsigned char buf[65536];
  std::size_t k;
  while ((k = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + k);
  const bool bad = std::ferror(f) != 0;
  const int err = errno;
  if (f != stdin) std::fclose(f);
  if (bad) runtime_error("%scannot read %s: %s", prefix.c_str(), path.c_str(), std::strerror(err));
  return bytes;
}

bool named_npy(const std::string& path) {
  return path.size() >= 4 && (path.compare(path.size() - 4, 4, ".npy") == 0 || path.compare(path.size() - 4, 4, ".NPY") == 0);
}

// CSV through the text parser, unless the bytes are not text at all (a NUL byte: a model file, an image):
// then say that, rather than "line 2: '…' is not a number".
bool parse_text(const std::vector<unsigned char>& bytes, Points* p, std::string* why) {
  if (std::memchr(bytes.data(), 0, bytes.size()) != nullptr) {
    const bool model = bytes.size() > 9 && bytes[8] == '{';  // safetensors: an 8-byte length, then the JSON header
    *why = std::string("not a CSV file: it holds binary bytes") +
           (model ? " (it looks like a .safetensors model file)" : "") + "; points come as CSV text or .npy";
    return false;
  }
  return csv_parse(reinterpret_cast<const char*>(bytes.data()), bytes.size(), p, why);
}

}  // namespace

Points read_points(const std::string& path, const char* flag) {
  const std::string prefix = flag != nullptr ? std::string(flag) + ": " : std::string();
  const std::vector<unsigned char> bytes = slurp(path, prefix);
  Points p;
  std::string why;
  bool ok;
  if (has_npy_magic(bytes.data(), bytes.size()) || named_npy(path)) {
    ok = npy_parse(bytes.data(), bytes.size(), &p, &why);
  } else {
    ok = parse_text(bytes, &p, &why);
  }
  if (!ok) runtime_error("%s%s: %s", prefix.c_str(), path.c_str(), why.c_str());
  if (p.n == 0) runtime_error("%s%s holds no points", prefix.c_str(), path.c_str());
  return p;
}

std::vector<std::int32_t> read_labels(const std::string& path, const char* flag, int max_label) {
  const std::string prefix = std::string(flag) + ": ";
  const std::vector<unsigned char> bytes = slurp(path, prefix);
  Points p;
  std::string why;
  bool ok;
  if (has_npy_magic(bytes.data(), bytes.size()) || named_npy(path)) {
    ok = npy_parse(bytes.data(), bytes.size(), &p, &why, true);
  } else {
    ok = parse_text(bytes, &p, &why);
  }
  if (!ok) runtime_error("%s%s: %s", prefix.c_str(), path.c_str(), why.c_str());
  if (p.n == 0) runtime_error("%s%s holds no labels", prefix.c_str(), path.c_str());
  if (p.d != 1) runtime_error("%s%s has %d columns; labels are one column", prefix.c_str(), path.c_str(), p.d);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(p.n));
  for (long i = 0; i < p.n; ++i) {
    const float v = p.values[static_cast<std::size_t>(i)];
    if (!(v >= 0 && v <= static_cast<float>(max_label)) || v != std::floor(v))
      runtime_error("%s%s: label %ld is %.9g; labels are whole numbers from 0 to %d", prefix.c_str(), path.c_str(), i,
                    static_cast<double>(v), max_label);
    labels[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(v);
  }
  return labels;
}

void write_labels(const std::string& path, Format format, const std::int32_t* labels, long n) {
  OutputFile out(path);
  if (format == Format::npy) {
    npy_write_i32(out.file(), {n}, labels, static_cast<std::size_t>(n));
  } else {
    std::fprintf(out.file(), "label\n");
    for (long i = 0; i < n; ++i) std::fprintf(out.file(), "%d\n", static_cast<int>(labels[i]));
  }
  out.commit();
}

void write_points(const std::string& path, Format format, const float* x, long n, int d, const std::string& title) {
  OutputFile out(path);
  switch (format) {
    case Format::npy:
      npy_write(out.file(), {n, static_cast<long>(d)}, x, static_cast<std::size_t>(n) * static_cast<std::size_t>(d));
      break;
    case Format::csv:
    case Format::stdout_csv:
      csv_write_points(out.file(), x, n, d);
      break;
    case Format::svg: {
      Scatter plot;
      plot.title = title;
      plot.points = x;
      plot.n = n;
      plot.d = d;
      svg_write(out.file(), plot);
      break;
    }
  }
  out.commit();
}

void write_values(const std::string& path, Format format, const float* v, long n, const char* header) {
  OutputFile out(path);
  if (format == Format::npy) {
    npy_write(out.file(), {n}, v, static_cast<std::size_t>(n));
  } else {
    std::fprintf(out.file(), "%s\n", header);
    for (long i = 0; i < n; ++i) std::fprintf(out.file(), "%.9g\n", static_cast<double>(v[i]));
  }
  out.commit();
}

void write_trajectory(const std::string& path, Format format, const float* traj, const float* times, int steps,
                      long n, int d, const std::string& title) {
  OutputFile out(path);
  const std::size_t snap = static_cast<std::size_t>(n) * static_cast<std::size_t>(d);
  switch (format) {
    case Format::npy:
      npy_write(out.file(), {static_cast<long>(steps) + 1, n, static_cast<long>(d)}, traj,
                (static_cast<std::size_t>(steps) + 1) * snap);
      break;
    case Format::csv:
    case Format::stdout_csv:
      csv_write_trajectory(out.file(), traj, times, steps, n, d);
      break;
    case Format::svg: {
      Scatter plot;
      plot.title = title;
      plot.points = traj + static_cast<std::size_t>(steps) * snap;
      plot.n = n;
      plot.d = d;
      plot.trajectory = traj;
      plot.times = times;
      plot.steps = steps;
      svg_write(out.file(), plot);
      break;
    }
  }
  out.commit();
}

}  // namespace cli
