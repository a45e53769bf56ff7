// digits: datasets.md's `digits` target for the command line — the 1,797
// 8×8 handwritten digits (64 dimensions, 10 classes) as a rill::FiniteSet.
//
// The pixels are compiled into the `rill` binary (tools/gen_digits.py turns
// web/data/digits.csv.gz into $(B)/gen/digits_data.cpp at build time), so an
// installed rill needs no data file; librill and rill.wasm do not carry them.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/points.h"
#include "rill/datasets.h"

namespace cli {

constexpr long kDigitsRows = 1797;
constexpr int kDigitsDim = 64;
constexpr int kDigitsClasses = 10;
// Row by row: 64 pixels 0..16, then the label 0..9 (the file's lines). Generated.
extern const unsigned char kDigitsTable[kDigitsRows * (kDigitsDim + 1)];

// The set in rill's coordinates, x = pixel / 8 − 1, with labels and the by-class index.
struct Digits {
  std::vector<float> rows;            // kDigitsRows × kDigitsDim
  std::vector<std::int32_t> labels;   // kDigitsRows
  std::vector<std::int32_t> by_class; // kDigitsRows
  long class_start[kDigitsClasses + 1] = {};
  rill::FiniteSet set;                // points into the vectors above
  Digits(const Digits&) = delete;
  Digits& operator=(const Digits&) = delete;
  Digits() = default;
};
std::unique_ptr<Digits> load_digits();

constexpr const char* kDigitsName = "digits";
// Whether flag `name` names the digits set (a built-in dataset outside rill::Dataset).
bool is_digits(const Args& args, const char* name);

// `rill eval --data digits` (cmd_eval_digits.cpp): MMD² with bandwidths 2, 4, 8
// beside the two-halves floor, 1-NN class agreement, nearest-image quantiles.
int run_eval_digits(const Args& args);

// Both evals' --samples (cmd_eval.cpp): the file's first *n points (*n: --n's
// value, or the default when --n is not given). Given --n, the file must hold
// that many; without it a file holding fewer is used whole (*n becomes its
// count, and `source` says so). Checks the dimension.
Points read_eval_samples(const Args& args, int dim, const char* dataset, int* n, std::string* source);

}  // namespace cli
