// density: the log-likelihood of a flow model (shared/spec/formats.md, "Log-likelihood").
//
// A flow carries densities along: d/dt log p_t(X_t) = −div u_t(X_t). So
//   log p_t(x) = log p_0(x_0) − ∫_0^t div u_s(X_s) ds,
// with X integrated backwards from X_t = x to X_0 = x_0. The divergence rides
// along as one more state of the same fixed-step solver: the augmented field
// on [x | ℓ] has derivative [u_s(x) | div u_s(x)], and integrating it from s = t
// to 0 with ℓ(t) = 0 leaves ℓ(0) = −∫_0^t div u_s(X_s) ds. p_0 is N(0, I).
//
// For large d the divergence may be Hutchinson's estimate instead (formats.md:
// `--probes P`): div u ≈ (1/K)·Σ_k ε_kᵀ J ε_k with K Rademacher vectors ε per
// point (each value ±1 with probability 1/2, so E[ε εᵀ] = I and the estimate
// is unbiased), fixed over the whole integration. They come from their own
// stream, Rng::derive(seed, Purpose::hutchinson_probes): point i of the whole
// batch takes the draws i·K·d … (i + 1)·K·d − 1, one per value (the top bit:
// 1 is −1), so any chunking gives the same probes. The path X does not depend
// on the probes, so the estimated log p is unbiased (up to the solver's own
// error), with a variance that falls as 1/K.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rill/arena.h"
#include "rill/field.h"
#include "rill/solver.h"
#include "rill/status.h"

namespace rill {

// The field [x | ℓ] ↦ [u_t(x) | div u_t(x)] of dimension d + 1 (inner not owned);
// with probes (n × k × d values for the n rows of every eval, not owned),
// Hutchinson's estimate of div u in place of the exact one.
class DivergenceAugmentedField final : public VectorField {
 public:
  explicit DivergenceAugmentedField(const DivergenceField& inner, const float* probes = nullptr, int k = 0)
      : inner_(&inner), probes_(probes), k_(k) {}
  int dim() const override { return inner_->dim() + 1; }
  std::size_t scratch_bytes(int n) const override;
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override;

 private:
  const DivergenceField* inner_;
  const float* probes_;
  int k_;
};

// Hutchinson's probes of a log_prob call (see above): `count` per point (0:
// the exact divergence), from `seed`; the n points of the call are rows row0 …
// of the whole batch.
struct ProbeOptions {
  int count = 0;
  std::uint32_t seed = 0;
  long row0 = 0;
};

// The Rademacher probes of rows row0 … row0 + n − 1: n × k × d values ±1.
void rademacher_probes(std::uint32_t seed, long row0, int n, int k, int d, float* out);

// log N(x; 0, I) = −‖x‖²/2 − (d/2)·log 2π, summed in index order.
float log_normal_density(const float* x, int d);

// Scratch log_prob() takes for n points (with `probes` per point; 0: exact).
std::size_t log_prob_scratch(const DivergenceField& field, Solver solver, int n, int probes = 0);
// logp[i] = log p_t(x_i) in nats for n points x (n × d, not changed), by
// `steps` steps of `solver` from t back to 0 (h = −t/steps). A point whose
// integration overflows or gives NaN gets a non-finite logp (callers report
// which, see non_finite_count). With probes.count > 0, Hutchinson's estimate
// (unsupported if the field has none).
Status log_prob(const DivergenceField& field, Solver solver, int steps, const float* x, int n, float t, float* logp,
                Arena& arena, const ProbeOptions& probes = {});

// How many of v[0..n) are not finite; the first up to `cap` of their indices into first[].
long non_finite_count(const float* v, long n, long* first, int cap);

}  // namespace rill
