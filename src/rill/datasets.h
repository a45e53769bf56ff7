// datasets: the built-in 2-D target distributions of shared/spec/datasets.md.
//
// Every name, constant and formula is a contract; see the spec. Points are
// float32 pairs (x, y), drawn with rill's Rng so every target gives the same bits.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rill/rng.h"

namespace rill {

enum class Dataset : int { gaussian, eight_gaussians, moons, checkerboard, circles, spirals, swissroll };
constexpr int kDatasetCount = 7;
constexpr int kDatasetDim = 2;

const char* dataset_name(Dataset d);                      // "8gaussians", ...; "unknown" for other values
// Exact names of the spec (case-sensitive). Returns false, leaving *out alone, for anything else.
bool parse_dataset(const char* name, Dataset* out);
// Draws n points into out[2n] (row-major (x, y) pairs); n <= 0 draws nothing.
// The order of the Rng draws per point is fixed and documented in datasets.cpp
// (it is part of the contract). Each point takes zero or two normal draws, so
// n points drawn in one call equal the same points drawn over several
// consecutive calls on the same Rng.
void dataset_sample(Dataset d, Rng& rng, float* out, long n);
// The 32-bit draws dataset_sample takes from rng per point: a fixed number
// for every built-in dataset (normals come in pairs, integers from below()
// of a power of two never retry), so ranges of points can be drawn side by
// side from advanced copies of the generator (Rng::advance). 0 for a value
// that is not a Dataset.
int dataset_draws_per_point(Dataset d);

// Labels (datasets.md, "Labels"): each labelled target gives every point the
// label of the draw that made it (8gaussians: k; moons, circles, spirals: b;
// checkerboard: 2·(floor(x1) + 2) + b). The number of classes C, 0 for an
// unlabelled target (gaussian, swissroll).
int dataset_classes(Dataset d);
// The width M of a target's own vector condition: swissroll's s (1), else 0.
int dataset_condition_dim(Dataset d);

// What a draw gives besides the points, and whether it is for one class.
struct DatasetDraw {
  int cls = -1;                    // >= 0 (and < dataset_classes): every point of this class
  std::int32_t* labels = nullptr;  // n labels (labelled targets; untouched otherwise)
  float* condition = nullptr;      // n × dataset_condition_dim values (swissroll: s)
};
// dataset_sample with labels, conditions or a fixed class. A fixed class K
// still consumes the label's draw and replaces its value by K (checkerboard:
// x1 = (⌊K/2⌋ − 2) + U(0, 1) from the same draw, b = K mod 2), so every point
// takes dataset_draws_per_point draws and the other draws keep their values:
// a point whose free draw had label K comes out bit for bit the same.
// how.cls must be < dataset_classes(d) (the caller checks; unchecked here).
void dataset_draw(Dataset d, Rng& rng, float* out, long n, const DatasetDraw& how);

// A finite data set (datasets.md's `digits`: 1,797 rows of 64 values): the
// caller's rows, labels and a by-class index (finite_set_index). "Drawing"
// picks rows uniformly with replacement, one 32-bit draw u per point,
// row = (u · count) >> 32 (no rejection: every point takes one draw, so ranges
// of points can be drawn side by side); for one class K, the same formula
// over that class's rows in file order. Not owned.
struct FiniteSet {
  const float* rows = nullptr;          // count × dim
  const std::int32_t* labels = nullptr; // count labels in [0, classes), or null (unlabelled)
  long count = 0;
  int dim = 0;
  int classes = 0;
  const std::int32_t* by_class = nullptr;  // the row indices, class by class, each class in file order
  const long* class_start = nullptr;       // classes + 1 offsets into by_class
};
// Fills by_class[count] and class_start[classes + 1] from labels (each in
// [0, classes); returns false, filling nothing useful, if one is not).
bool finite_set_index(const std::int32_t* labels, long count, int classes, std::int32_t* by_class, long* class_start);
// n points of s into out (n × dim), with labels / a fixed class as in
// dataset_draw (how.condition is not used). A class with no rows draws nothing
// and returns false.
bool finite_set_draw(const FiniteSet& s, Rng& rng, float* out, long n, const DatasetDraw& how);

// 8gaussians' mixture: centres (cx[k], cy[k]) = 4·(cos(k·π/4), sin(k·π/4)) with
// rill's mathf, k = 0..7, each with standard deviation kEightGaussiansStd.
// dataset_sample and the analytic field (field.h's EightGaussians) both take
// their centres from here, so the data and the field agree bit for bit.
constexpr float kEightGaussiansStd = 0.35f;
void eight_gaussians_centres(float cx[8], float cy[8]);

}  // namespace rill
