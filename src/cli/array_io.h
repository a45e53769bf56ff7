// array_io: points from and to files, choosing the format (npy.h, csv.h, svg.h).
//
// Reading picks the format by content (a file starting with \x93NUMPY is a
// .npy; anything else is CSV), except that a file named .npy must be one.
// Writing picks it by the output path (output.h) and goes through an
// OutputFile, so a failure leaves nothing behind.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cli/output.h"
#include "cli/points.h"

namespace cli {

// Reads points from `path` ("-": standard input). A runtime error names the
// path and the reason; `flag` (e.g. "--x0") prefixes it when not null.
Points read_points(const std::string& path, const char* flag);

// Reads labels (formats.md "Arrays in and out"): an integer .npy of any
// width, '<f4'/'<f8' holding whole numbers, or a one-column CSV; (n,) or
// (n, 1). A runtime error, prefixed by `flag`, for anything else or a label
// outside [0, max_label].
std::vector<std::int32_t> read_labels(const std::string& path, const char* flag, int max_label);
// Writes n labels: .npy '<i4' shape (n,), or CSV with the header `label`.
void write_labels(const std::string& path, Format format, const std::int32_t* labels, long n);

// Writes n × d points. `title` is used by the SVG plot.
void write_points(const std::string& path, Format format, const float* x, long n, int d, const std::string& title);
// Writes n per-point values (formats.md "Per-point values"): .npy '<f4' shape
// (n,), or CSV with the one-column header `header` (e.g. "logp"), 9 significant digits.
void write_values(const std::string& path, Format format, const float* v, long n, const char* header);
// Writes a trajectory: (steps + 1) × n × d, snapshot s at times[s].
void write_trajectory(const std::string& path, Format format, const float* traj, const float* times, int steps,
                      long n, int d, const std::string& title);

}  // namespace cli
