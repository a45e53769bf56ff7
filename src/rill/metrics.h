// metrics: distances between two point sets, as fixed by shared/spec/formats.md.
//
// - MMD²: unbiased U-statistic, kernel k(x,y) = Σ_{h∈{0.1,0.2,0.5,1,2}} exp(-‖x−y‖²/(2h²)).
// - W2: exact (assignment, squared Euclidean cost, uniform weights), reported as the square root.
// - Energy distance: 2E‖X−Y‖ − E‖X−X′‖ − E‖Y−Y′‖ with U-statistics.
// x: n × d, y: m × d, contiguous row-major. Accumulation in double.
#pragma once
#include <cstddef>

#include <cstdint>

#include "rill/arena.h"
#include "rill/datasets.h"
#include "rill/status.h"

namespace rill {

// Host-side evaluation code: double arithmetic through <cmath>, so results
// agree across targets to rounding, not bit for bit.

// MMD² and energy distance need n >= 2, m >= 2, d >= 1 (the U-statistics
// leave out the diagonal); otherwise, or with NaN/Inf in the data, they
// return NaN. No scratch; O((n + m)² · d) time.
double mmd2(const float* x, long n, const float* y, long m, int d);
double energy_distance(const float* x, long n, const float* y, long m, int d);
// MMD² with the summed kernel Σ_{h ∈ bandwidths} exp(−‖x − y‖²/(2h²)) (nh ≥ 1
// bandwidths; datasets.md's digits use {2, 4, 8}); the same U-statistic.
double mmd2_bandwidths(const float* x, long n, const float* y, long m, int d, const double* bandwidths, int nh);
// Exact W2 between two sets of n points each (n >= 1). Scratch: w2_scratch(n)
// bytes (the n × n cost matrix in double plus the assignment's scratch; all
// of it is given back before returning). Errors: invalid_argument (null
// pointers, n < 1, d < 1), non_finite (NaN/Inf in x or y), out_of_memory
// (arena too small). *w2 is written only on success.
std::size_t w2_scratch(int n);
Status w2_exact(const float* x, const float* y, int n, int d, Arena& arena, double* w2);

// For each of n points x, the Euclidean distance to its nearest point of ref
// (nref × d) into dist[n] (the memorisation check: generated samples against
// the training set, beside real points against it). nref >= 1.
void nearest_distances(const float* ref, long nref, const float* x, long n, int d, double* dist);

// The k-nearest-neighbour classifier on a labelled reference: the fraction of
// the n points x whose predicted label equals want[i] (or want[0] for every
// point when want_all is true). The prediction is the most frequent label
// among the k nearest reference points (Euclidean); a tie goes to the tied
// label whose nearest member is closest. NaN for n < 1, k < 1 or nref < k.
double knn_agreement(const float* ref, const std::int32_t* ref_labels, long nref, const float* x, long n, int d,
                     int k, const std::int32_t* want, bool want_all);

// log p_data(x) in nats, for the targets whose density has a closed form:
// gaussian (N(0, I)), 8gaussians (the mixture) and checkerboard (1/32 on its
// eight 2 × 2 squares, −Inf elsewhere). Returns false, writing nothing, for
// any other target. 2-D points.
bool target_log_density(Dataset d, const float* x, long n, double* out);

}  // namespace rill
