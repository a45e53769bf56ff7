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

double mmd2(const float* x, long n, const float* y, long m, int d);
double energy_distance(const float* x, long n, const float* y, long m, int d);
// Exact W2 for n == m. Scratch: w2_scratch(n).
std::size_t w2_scratch(int n);
Status w2_exact(const float* x, const float* y, int n, int d, Arena& arena, double* w2);

}  // namespace rill
