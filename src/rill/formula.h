// formula: the models that are formulas (shared/spec/formats.md, "Models that
// are formulas"): `exact:8gaussians`, the closed-form CondOT marginal field of
// the 8gaussians mixture (σ_min 0), and `linear:a,b,…`, u = A·x with A given
// row-major as d² decimals. Recognised before file names wherever a MODEL is
// accepted; they sample, integrate, give fields and log-densities like a file
// model, and have no weights (export and convert refuse them).
#pragma once
#include <cstddef>

#include "rill/field.h"
#include "rill/status.h"

namespace rill {

class FormulaModel {
 public:
  static constexpr int kMaxLinearDim = 8;  // linear:… with up to 64 values
  enum class Kind { none, linear, exact_8gaussians };

  FormulaModel() = default;
  // The fields point into this object: it is neither copied nor moved.
  FormulaModel(const FormulaModel&) = delete;
  FormulaModel& operator=(const FormulaModel&) = delete;

  // Whether `name` is spelled as a formula model ("exact:" or "linear:" first),
  // valid or not: such a name is never looked up as a file.
  static bool is_formula_name(const char* name);
  // Parses `name` into this object. invalid_argument with a one-line reason
  // ("linear: needs d² values for some d from 1 to 8, got 3", "unknown exact
  // model 'x' (rill knows exact:8gaussians)", "linear: '1,,2' is not a list of
  // decimals") for anything else.
  Status parse(const char* name, Message* msg);

  Kind kind() const { return kind_; }
  int dim() const { return dim_; }
  // The field with its divergence (valid after a successful parse).
  const DivergenceField& field() const;
  // "linear" or "exact 8gaussians", for `rill info`.
  const char* description() const;
  const float* matrix() const { return A_; }  // linear: d × d, row-major

 private:
  Kind kind_ = Kind::none;
  int dim_ = 0;
  float A_[kMaxLinearDim * kMaxLinearDim] = {};
  LinearField linear_{A_, 1};
  EightGaussians eight_;
  GaussianMixtureField mixture_ = eight_.field();
};

}  // namespace rill
