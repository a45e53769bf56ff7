// datasets: the built-in 2-D target distributions of shared/spec/datasets.md.
//
// Every name, constant and formula is a contract; see the spec. Points are
// float32 pairs (x, y), drawn with rill's Rng so every target gives the same bits.
#pragma once
#include <cstddef>

#include "rill/rng.h"

namespace rill {

enum class Dataset : int { gaussian, eight_gaussians, moons, checkerboard, circles, spirals, swissroll };
constexpr int kDatasetCount = 7;
constexpr int kDatasetDim = 2;

const char* dataset_name(Dataset d);                      // "8gaussians", ...
bool parse_dataset(const char* name, Dataset* out);       // exact names of the spec
// Draws n points into out[2n] (row-major (x, y) pairs).
void dataset_sample(Dataset d, Rng& rng, float* out, long n);

}  // namespace rill
