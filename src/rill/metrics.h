// metrics: distances between two point sets, as fixed by shared/spec/formats.md.
//
// - MMD²: unbiased U-statistic, kernel k(x,y) = Σ_{h∈{0.1,0.2,0.5,1,2}} exp(-‖x−y‖²/(2h²)).
// - W2: exact (assignment, squared Euclidean cost, uniform weights), reported as the square root.
// - Energy distance: 2E‖X−Y‖ − E‖X−X′‖ − E‖Y−Y′‖ with U-statistics.
// x: n × d, y: m × d, contiguous row-major. Accumulation in double.
#pragma once
#include <cstddef>

#include "rill/arena.h"
#include "rill/status.h"

namespace rill {

// Host-side evaluation code: double arithmetic through <cmath>, so results
// agree across targets to rounding, not bit for bit.

// MMD² and energy distance need n >= 2, m >= 2, d >= 1 (the U-statistics
// leave out the diagonal); otherwise, or with NaN/Inf in the data, they
// return NaN. No scratch; O((n + m)² · d) time.
double mmd2(const float* x, long n, const float* y, long m, int d);
double energy_distance(const float* x, long n, const float* y, long m, int d);
// Exact W2 between two sets of n points each (n >= 1). Scratch: w2_scratch(n)
// bytes (the n × n cost matrix in double plus the assignment's scratch; all
// of it is given back before returning). Errors: invalid_argument (null
// pointers, n < 1, d < 1), non_finite (NaN/Inf in x or y), out_of_memory
// (arena too small). *w2 is written only on success.
std::size_t w2_scratch(int n);
Status w2_exact(const float* x, const float* y, int n, int d, Arena& arena, double* w2);

}  // namespace rill
