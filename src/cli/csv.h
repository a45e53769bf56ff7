// csv: points as text, as shared/spec/formats.md fixes it for rill.
//
// Reading: comma- or whitespace-separated numbers, with or without one header
// line (also NumPy's "# x0,x1"); blank lines skipped; ragged rows, stray
// words, NaN and Inf refused with the line number. Writing: a header
// `x0,x1,…` and 9 significant digits (float32 round-trips exactly);
// trajectories as `step,t,i,x0,x1,…`.
#pragma once
#include <cstddef>
#include <cstdio>
#include <string>

#include "cli/points.h"

namespace cli {

// Parses a whole CSV text. On failure returns false with the reason in *why
// ("line 7 has 3 values; line 2 has 2") and leaves *out empty.
bool csv_parse(const char* text, std::size_t len, Points* out, std::string* why);

void csv_write_points(std::FILE* f, const float* x, long n, int d);
// traj: (steps + 1) × n × d; snapshot s is at time times[s].
void csv_write_trajectory(std::FILE* f, const float* traj, const float* times, int steps, long n, int d);

}  // namespace cli
