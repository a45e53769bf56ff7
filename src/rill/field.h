// VectorField: u_t(x): R^d × [0, 1] → R^d, evaluated over a batch.
//
// Three fields: the linear field u_t(x) = A·x (its flow exp(tA)·x0 is known,
// so solver orders are measured on it); the exact marginal field of an
// isotropic Gaussian mixture under the CondOT path (a perfect "model" of
// 8gaussians, to test sampling apart from training); and the Mlp field.
#pragma once
#include <cstddef>

#include "rill/arena.h"
#include "rill/mlp.h"
#include "rill/mlp_divergence.h"
#include "rill/status.h"

namespace rill {

class VectorField {
 public:
  virtual int dim() const = 0;
  // Scratch eval() takes from the arena for a batch of n (released on return).
  virtual std::size_t scratch_bytes(int n) const = 0;
  // out[n × d] = u_t(x[n × d]), both contiguous and not aliased.
  virtual Status eval(const float* x, int n, float t, float* out, Arena& arena) const = 0;
  // The same for rows row0 .. row0 + n − 1 of a larger batch: a field whose
  // inputs differ by row (an Mlp with one condition per point) reads row
  // row0's; any other field ignores row0. integrate_batch calls it per chunk.
  virtual Status eval_rows(long row0, const float* x, int n, float t, float* out, Arena& arena) const {
    (void)row0;
    return eval(x, n, t, out, arena);
  }

 protected:
  ~VectorField() = default;
};

// The rows from row0 on of another field's batch, as a field of their own
// (eval(x, n) is inner.eval_rows(row0, x, n)): how a chunk of a batch is integrated.
class RowsOfField final : public VectorField {
 public:
  RowsOfField(const VectorField& inner, long row0) : inner_(&inner), row0_(row0) {}
  int dim() const override { return inner_->dim(); }
  std::size_t scratch_bytes(int n) const override { return inner_->scratch_bytes(n); }
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override {
    return inner_->eval_rows(row0_, x, n, t, out, arena);
  }
  Status eval_rows(long row0, const float* x, int n, float t, float* out, Arena& arena) const override {
    return inner_->eval_rows(row0_ + row0, x, n, t, out, arena);
  }

 private:
  const VectorField* inner_;
  long row0_;
};

// A field that also gives its divergence, for log-likelihoods (density.h).
// A separate interface, so that a firmware that only samples links no
// divergence code (a virtual function is always linked with its class).
class DivergenceField : public VectorField {
 public:
  // The same out as eval (bit for bit), and div[n] = div u_t(x) = Σ_i ∂u_i/∂x_i,
  // exact. Scratch: divergence_scratch_bytes(n).
  virtual Status eval_divergence(const float* x, int n, float t, float* out, float* div, Arena& arena) const = 0;
  virtual std::size_t divergence_scratch_bytes(int n) const = 0;
  // Hutchinson's estimate: the same out, and div[r] = (1/k)·Σ_j ε_jᵀ J ε_j for
  // point r's k probes ε (probes: n × k × d values, point r's k in a row), k >= 1.
  // unsupported for a field that has only its exact divergence.
  virtual Status eval_probe_divergence(const float* x, int n, float t, const float* probes, int k, float* out,
                                       float* div, Arena& arena) const {
    (void)x, (void)n, (void)t, (void)probes, (void)k, (void)out, (void)div, (void)arena;
    return Status::unsupported;
  }
  virtual std::size_t probe_divergence_scratch_bytes(int n, int k) const {
    (void)n, (void)k;
    return 0;
  }

 protected:
  ~DivergenceField() = default;
};

// u_t(x) = A·x with A a d × d row-major matrix (not owned).
class LinearField final : public DivergenceField {
 public:
  LinearField(const float* A, int d) : A_(A), d_(d) {}
  int dim() const override { return d_; }
  std::size_t scratch_bytes(int) const override { return 0; }
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override;
  // div A·x = trace A (summed in index order), the same at every point.
  Status eval_divergence(const float* x, int n, float t, float* out, float* div, Arena& arena) const override;
  std::size_t divergence_scratch_bytes(int) const override { return 0; }
  // εᵀ A ε per probe (the same at every x), averaged over the k probes.
  Status eval_probe_divergence(const float* x, int n, float t, const float* probes, int k, float* out, float* div,
                               Arena& arena) const override;
  // The exact flow: out = exp(t·A)·x0 for one point (double precision; scaling
  // and squaring of a Taylor series). d ≤ 16.
  void flow(double t, const double* x0, double* out) const;

 private:
  const float* A_;
  int d_;
};

// exp(t·A) for a 2 × 2 matrix A (row-major) in closed form, in float32 with
// rill's mathf (the same bits on every target): with τ = (a + d)/2,
// M = A − τI and q = ((a − d)/2)² + b·c (so M² = q·I),
//   exp(tA) = e^{τt}·(C·I + S·M),  C, S = cosh(√q t), sinh(√q t)/√q   (q > 0)
//                                  C, S = cos(√−q t), sin(√−q t)/√−q   (q < 0)
//                                  C, S = 1, t                         (q = 0),
// with S from its series where √|q|·|t| is small (no cancellation). The
// seed's linear autonomous field: its flow is ψ_t(x0) = exp(tA)·x0.
void matrix_exp_2x2(const float A[4], float t, float E[4]);

// The marginal field of p_data = Σ_k π_k N(μ_k, s_k² I) under the CondOT path
// x_t = t·x1 + (1 − (1 − σmin)·t)·x0, x0 ~ N(0, I):
//   u_t(x) = Σ_k w_k(x)·[μ_k + (t·s_k² − c·β)/(t²·s_k² + β²)·(x − t·μ_k)],
// with c = 1 − σmin, β = 1 − c·t and w_k(x) ∝ π_k N(x; t·μ_k, (t²s_k² + β²) I).
class GaussianMixtureField final : public DivergenceField {
 public:
  static constexpr int kMaxComponents = 16;
  static constexpr int kMaxDivDim = 64;  // eval_divergence: d up to this (else unsupported)
  // means: k × d, stds and weights: k (weights need not be normalised). Not owned.
  GaussianMixtureField(const float* means, const float* stds, const float* weights, int k, int d,
                       float sigma_min = 0.0f)
      : means_(means), stds_(stds), weights_(weights), k_(k), d_(d), sigma_min_(sigma_min) {}
  int dim() const override { return d_; }
  std::size_t scratch_bytes(int) const override { return 0; }
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override;
  // In closed form: with w_k(x) the posterior weights, a_k = −(x − tμ_k)/var_k,
  // ā = Σ_k w_k a_k and m_k = μ_k + g_k·(x − tμ_k) (so u = Σ_k w_k m_k),
  //   div u = d·Σ_k w_k g_k + Σ_k w_k (a_k − ā)·m_k.
  Status eval_divergence(const float* x, int n, float t, float* out, float* div, Arena& arena) const override;
  std::size_t divergence_scratch_bytes(int) const override { return 0; }

 private:
  Status mixture_rows(const float* x, int n, float t, float* out, float* div) const;
  float mixture_divergence(const float* xr, float t, const float* lw, float total, const float* var,
                           const float* gain, const float* u) const;
  const float* means_;
  const float* stds_;
  const float* weights_;
  int k_, d_;
  float sigma_min_;
};

// The 8gaussians target of shared/spec/datasets.md as mixture parameters.
struct EightGaussians {
  float means[16];
  float stds[8];
  float weights[8];
  EightGaussians();
  GaussianMixtureField field(float sigma_min = 0.0f) const { return {means, stds, weights, 8, 2, sigma_min}; }
};

// The learned field: an Mlp (pack it with mlp_pack for speed; not owned),
// with its condition rows if it has a condition (none: zeros; a row for every
// point: stride 0; one per point of the batch: eval_rows reads row row0 on).
class MlpField final : public VectorField {
 public:
  explicit MlpField(const Mlp& mlp, MlpCondition cond = {}) : mlp_(&mlp), cond_(cond) {}
  int dim() const override { return mlp_->spec.dim; }
  std::size_t scratch_bytes(int n) const override { return mlp_forward_scratch(mlp_->spec, n); }
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override {
    return mlp_forward(*mlp_, x, mlp_->spec.dim, &t, false, n, out, mlp_->spec.dim, arena, cond_);
  }
  Status eval_rows(long row0, const float* x, int n, float t, float* out, Arena& arena) const override {
    return mlp_forward(*mlp_, x, mlp_->spec.dim, &t, false, n, out, mlp_->spec.dim, arena, cond_.offset(row0));
  }

 private:
  const Mlp* mlp_;
  MlpCondition cond_;
};

// Classifier-free guidance (formats.md, "Guidance"): with the unconditional
// field u0 (the model with no condition) and the conditional uc, w ≠ 0, 1:
//   u = u0 + w·(uc − u0), computed in that order (two evaluations).
// w = 1 is uc alone and w = 0 is u0 alone (one evaluation each; the same bits
// as those fields). Neither field is owned.
class GuidedField final : public VectorField {
 public:
  GuidedField(const VectorField& unconditional, const VectorField& conditional, float w)
      : u0_(&unconditional), uc_(&conditional), w_(w) {}
  int dim() const override { return uc_->dim(); }
  std::size_t scratch_bytes(int n) const override;
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override {
    return eval_rows(0, x, n, t, out, arena);
  }
  Status eval_rows(long row0, const float* x, int n, float t, float* out, Arena& arena) const override;

 private:
  const VectorField* u0_;
  const VectorField* uc_;
  float w_;
};

// The learned field with its exact divergence by forward mode (mlp_divergence.h);
// eval and eval_divergence's out have MlpField's bits.
class MlpDivergenceField final : public DivergenceField {
 public:
  explicit MlpDivergenceField(const Mlp& mlp) : mlp_(&mlp) {}
  int dim() const override { return mlp_->spec.dim; }
  std::size_t scratch_bytes(int n) const override { return mlp_forward_scratch(mlp_->spec, n); }
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override {
    return mlp_forward(*mlp_, x, mlp_->spec.dim, &t, false, n, out, mlp_->spec.dim, arena);
  }
  Status eval_divergence(const float* x, int n, float t, float* out, float* div, Arena& arena) const override {
    return mlp_divergence(*mlp_, x, n, t, out, div, arena);
  }
  std::size_t divergence_scratch_bytes(int n) const override { return mlp_divergence_scratch(mlp_->spec, n); }
  Status eval_probe_divergence(const float* x, int n, float t, const float* probes, int k, float* out, float* div,
                               Arena& arena) const override {
    return mlp_probe_divergence(*mlp_, x, n, t, probes, k, out, div, arena);
  }
  std::size_t probe_divergence_scratch_bytes(int n, int k) const override {
    return mlp_probe_divergence_scratch(mlp_->spec, n, k);
  }

 private:
  const Mlp* mlp_;
};

}  // namespace rill
