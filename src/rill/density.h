// density: the log-likelihood of a flow model (shared/spec/formats.md, "Log-likelihood").
//
// A flow carries densities along: d/dt log p_t(X_t) = −div u_t(X_t). So
//   log p_t(x) = log p_0(x_0) − ∫_0^t div u_s(X_s) ds,
// with X integrated backwards from X_t = x to X_0 = x_0. The divergence rides
// along as one more state of the same fixed-step solver: the augmented field
// on [x | ℓ] has derivative [u_s(x) | div u_s(x)], and integrating it from s = t
// to 0 with ℓ(t) = 0 leaves ℓ(0) = −∫_0^t div u_s(X_s) ds. p_0 is N(0, I).
#pragma once
#include <cstddef>

#include "rill/arena.h"
#include "rill/field.h"
#include "rill/solver.h"
#include "rill/status.h"

namespace rill {

// The field [x | ℓ] ↦ [u_t(x) | div u_t(x)] of dimension d + 1 (inner not owned).
class DivergenceAugmentedField final : public VectorField {
 public:
  explicit DivergenceAugmentedField(const DivergenceField& inner) : inner_(&inner) {}
  int dim() const override { return inner_->dim() + 1; }
  std::size_t scratch_bytes(int n) const override;
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override;

 private:
  const DivergenceField* inner_;
};

// log N(x; 0, I) = −‖x‖²/2 − (d/2)·log 2π, summed in index order.
float log_normal_density(const float* x, int d);

// Scratch log_prob() takes for n points.
std::size_t log_prob_scratch(const DivergenceField& field, Solver solver, int n);
// logp[i] = log p_t(x_i) in nats for n points x (n × d, not changed), by
// `steps` steps of `solver` from t back to 0 (h = −t/steps). A point whose
// integration overflows or gives NaN gets a non-finite logp (callers report
// which, see non_finite_count).
Status log_prob(const DivergenceField& field, Solver solver, int steps, const float* x, int n, float t, float* logp,
                Arena& arena);

// How many of v[0..n) are not finite; the first up to `cap` of their indices into first[].
long non_finite_count(const float* v, long n, long* first, int cap);

}  // namespace rill
