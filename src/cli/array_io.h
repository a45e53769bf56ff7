// array_io: points from and to files, choosing the format (npy.h, csv.h, svg.h).
//
// Reading picks the format by content (a file starting with \x93NUMPY is a
// .npy; anything else is CSV), except that a file named .npy must be one.
// Writing picks it by the output path (output.h) and goes through an
// OutputFile, so a failure leaves nothing behind.
#pragma once
#include <string>

#include "cli/output.h"
#include "cli/points.h"

namespace cli {

// Reads points from `path` ("-": standard input). A runtime error names the
// path and the reason; `flag` (e.g. "--x0") prefixes it when not null.
Points read_points(const std::string& path, const char* flag);

// Writes n × d points. `title` is used by the SVG plot.
void write_points(const std::string& path, Format format, const float* x, long n, int d, const std::string& title);
// Writes n per-point values (formats.md "Per-point values"): .npy '<f4' shape
// (n,), or CSV with the one-column header `header` (e.g. "logp"), 9 significant digits.
void write_values(const std::string& path, Format format, const float* v, long n, const char* header);
// Writes a trajectory: (steps + 1) × n × d, snapshot s at times[s].
void write_trajectory(const std::string& path, Format format, const float* traj, const float* times, int steps,
                      long n, int d, const std::string& title);

}  // namespace cli
