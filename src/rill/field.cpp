// The analytic vector fields. See field.h for the formulas.
#include "rill/field.h"

#include "rill/datasets.h"
#include "rill/mathf.h"

namespace rill {

Status LinearField::eval(const float* x, int n, float, float* out, Arena&) const {
  for (int r = 0; r < n; ++r) {
    const float* xr = x + static_cast<std::ptrdiff_t>(r) * d_;
    float* o = out + static_cast<std::ptrdiff_t>(r) * d_;
    for (int i = 0; i < d_; ++i) {
      float acc = 0.0f;
      for (int j = 0; j < d_; ++j) acc = acc + A_[i * d_ + j] * xr[j];
      o[i] = acc;
    }
  }
  return Status::ok;
}

Status LinearField::eval_divergence(const float* x, int n, float t, float* out, float* div, Arena& arena) const {
  float tr = 0.0f;
  for (int i = 0; i < d_; ++i) tr = tr + A_[i * d_ + i];
  for (int r = 0; r < n; ++r) div[r] = tr;
  return eval(x, n, t, out, arena);
}

Status LinearField::eval_probe_divergence(const float* x, int n, float t, const float* probes, int k, float* out,
                                          float* div, Arena& arena) const {
  if (k < 1) return Status::invalid_argument;
  for (int r = 0; r < n; ++r) {
    float sum = 0.0f;
    for (int q = 0; q < k; ++q) {
      const float* e = probes + (static_cast<std::ptrdiff_t>(r) * k + q) * d_;
      float dot = 0.0f;  // εᵀ(A ε), A ε row by row as eval's sums
      for (int i = 0; i < d_; ++i) {
        float acc = 0.0f;
        for (int j = 0; j < d_; ++j) acc = acc + A_[i * d_ + j] * e[j];
        dot = dot + e[i] * acc;
      }
      sum = sum + dot;
    }
    div[r] = sum / static_cast<float>(k);
  }
  return eval(x, n, t, out, arena);
}

void LinearField::flow(double t, const double* x0, double* out) const {
  constexpr int kMax = 16;
  const int d = d_ <= kMax ? d_ : kMax;
  // M = t·A / 2^s with ‖M‖ small, exp(M) by Taylor to 20 terms, then square s times.
  double norm = 0;
  for (int i = 0; i < d * d; ++i) norm += (A_[i] < 0 ? -A_[i] : A_[i]);
  norm *= (t < 0 ? -t : t);
  int s = 0;
  double scale = 1;
  while (norm * scale > 0.25) { scale *= 0.5; ++s; }
  double M[kMax * kMax], E[kMax * kMax], term[kMax * kMax], tmp[kMax * kMax];
  for (int i = 0; i < d * d; ++i) M[i] = t * scale * A_[i];
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) E[i * d + j] = term[i * d + j] = (i == j);
  for (int q = 1; q <= 20; ++q) {
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < d; ++j) {
        double acc = 0;
        for (int k = 0; k < d; ++k) acc += term[i * d + k] * M[k * d + j];
        tmp[i * d + j] = acc / q;
      }
    for (int i = 0; i < d * d; ++i) { term[i] = tmp[i]; E[i] += tmp[i]; }
  }
  for (int q = 0; q < s; ++q) {
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < d; ++j) {
        double acc = 0;
        for (int k = 0; k < d; ++k) acc += E[i * d + k] * E[k * d + j];
        tmp[i * d + j] = acc;
      }
    for (int i = 0; i < d * d; ++i) E[i] = tmp[i];
  }
  for (int i = 0; i < d; ++i) {
    double acc = 0;
    for (int j = 0; j < d; ++j) acc += E[i * d + j] * x0[j];
    out[i] = acc;
  }
}

namespace {
// sinh(z)/z (hyperbolic) or sin(z)/z from the series Σ (±z²)^k / (2k + 1)!, for z² ≤ 0.25:
// ten terms leave less than 1e-20 (the first omitted term).
float sinc_series(float z2, float sign) {
  float term = 1.0f, sum = 1.0f;
  for (int k = 1; k <= 10; ++k) {
    term = term * (sign * z2) / static_cast<float>((2 * k) * (2 * k + 1));
    sum = sum + term;
  }
  return sum;
}
}  // namespace

void matrix_exp_2x2(const float A[4], float t, float E[4]) {
  const float tau = 0.5f * (A[0] + A[3]);
  const float p = 0.5f * (A[0] - A[3]);
  const float bc = A[1] * A[2];
  const float q = p * p + bc;
  const float w = mathf::sqrt(q > 0.0f ? q : -q);
  const float z = w * t;
  if (q > 0.0f && z * z > 0.25f) {
    // Real eigenvalues τ ± w, far enough apart: exp(tA) = (e1·(M + wI) − e2·(M − wI)) / 2w,
    // e1,2 = e^{(τ ± w)t}. No cosh − sinh cancellation (a diagonal A gives e^{at} and e^{dt}
    // to a few ulp, however far apart), and p ± w without cancellation: (p + w)(p − w) = −bc.
    const float e1 = mathf::exp((tau + w) * t), e2 = mathf::exp((tau - w) * t);
    const float ppw = p >= 0.0f ? p + w : bc / (w - p);
    const float pmw = p >= 0.0f ? -bc / (p + w) : p - w;
    const float inv = 0.5f / w;
    E[0] = (e1 * ppw - e2 * pmw) * inv;
    E[3] = (e2 * ppw - e1 * pmw) * inv;
    const float s = (e1 - e2) * inv;
    E[1] = s * A[1];
    E[2] = s * A[2];
    return;
  }
  float C = 1.0f, S = t;  // q = 0: exp(tM) = I + tM (M² = 0)
  if (q != 0.0f && z * z <= 0.25f) {
    S = t * sinc_series(z * z, q > 0.0f ? 1.0f : -1.0f);
    C = q > 0.0f ? 0.5f * (mathf::exp(z) + mathf::exp(-z)) : mathf::cos(z);
  } else if (q < 0.0f) {
    C = mathf::cos(z);  // complex eigenvalues τ ± iw: a rotation-like part
    S = mathf::sin(z) / w;
  }
  const float g = mathf::exp(tau * t);
  E[0] = g * (C + S * p);
  E[1] = g * (S * A[1]);
  E[2] = g * (S * A[2]);
  E[3] = g * (C - S * p);
}

Status GaussianMixtureField::eval(const float* x, int n, float t, float* out, Arena&) const {
  return mixture_rows(x, n, t, out, nullptr);
}

Status GaussianMixtureField::eval_divergence(const float* x, int n, float t, float* out, float* div,
                                             Arena&) const {
  if (d_ > kMaxDivDim) return Status::unsupported;
  return mixture_rows(x, n, t, out, div);
}

// u (and, when div is non-null, its divergence) row by row. out's bits do not
// depend on div: the divergence only reads what u's sums already computed.
Status GaussianMixtureField::mixture_rows(const float* x, int n, float t, float* out, float* div) const {
  if (k_ < 1 || k_ > kMaxComponents) return Status::invalid_argument;
  const float c = 1.0f - sigma_min_;
  const float beta = 1.0f - c * t;
  float var[kMaxComponents], gain[kMaxComponents], logw[kMaxComponents];
  for (int k = 0; k < k_; ++k) {
    const float s2 = stds_[k] * stds_[k];
    var[k] = t * t * s2 + beta * beta;
    gain[k] = (t * s2 - c * beta) / var[k];
    // log π_k − (d/2)·log var_k (the shared −(d/2)·log 2π cancels)
    logw[k] = mathf::log(weights_[k]) - 0.5f * static_cast<float>(d_) * mathf::log(var[k]);
  }
  for (int r = 0; r < n; ++r) {
    const float* xr = x + static_cast<std::ptrdiff_t>(r) * d_;
    float* o = out + static_cast<std::ptrdiff_t>(r) * d_;
    float lw[kMaxComponents];
    float best = -3.0e38f;
    for (int k = 0; k < k_; ++k) {
      const float* mu = means_ + k * d_;
      float q = 0.0f;
      for (int i = 0; i < d_; ++i) {
        const float e = xr[i] - t * mu[i];
        q = q + e * e;
      }
      lw[k] = logw[k] - 0.5f * q / var[k];
      if (lw[k] > best) best = lw[k];
    }
    float total = 0.0f;
    for (int k = 0; k < k_; ++k) {
      lw[k] = mathf::exp(lw[k] - best);
      total = total + lw[k];
    }
    for (int i = 0; i < d_; ++i) o[i] = 0.0f;
    for (int k = 0; k < k_; ++k) {
      const float w = lw[k] / total;
      const float* mu = means_ + k * d_;
      for (int i = 0; i < d_; ++i) o[i] = o[i] + w * (mu[i] + gain[k] * (xr[i] - t * mu[i]));
    }
    if (div != nullptr) div[r] = mixture_divergence(xr, t, lw, total, var, gain, o);
  }
  return Status::ok;
}

// div u at one point (see field.h): d·Σ_k w_k g_k + Σ_k w_k a_k·m_k − ā·u, with
// w_k = lw[k]/total, a_k = −(x − tμ_k)/var_k, m_k = μ_k + g_k (x − tμ_k).
float GaussianMixtureField::mixture_divergence(const float* xr, float t, const float* lw, float total,
                                               const float* var, const float* gain, const float* u) const {
  float abar[kMaxDivDim] = {};
  float wg = 0.0f, wam = 0.0f;
  for (int k = 0; k < k_; ++k) {
    const float w = lw[k] / total;
    const float* mu = means_ + k * d_;
    wg = wg + w * gain[k];
    float am = 0.0f;
    for (int i = 0; i < d_; ++i) {
      const float e = xr[i] - t * mu[i];
      const float a = -e / var[k];
      am = am + a * (mu[i] + gain[k] * e);
      abar[i] = abar[i] + w * a;
    }
    wam = wam + w * am;
  }
  float au = 0.0f;
  for (int i = 0; i < d_; ++i) au = au + abar[i] * u[i];
  return static_cast<float>(d_) * wg + (wam - au);
}

EightGaussians::EightGaussians() {
  // x = 4·(cos(kπ/4), sin(kπ/4)) + N(0, 0.35²), k uniform over 0..7: the
  // centres and spread dataset_sample draws from.
  float cx[8], cy[8];
  eight_gaussians_centres(cx, cy);
  for (int k = 0; k < 8; ++k) {
    means[2 * k] = cx[k];
    means[2 * k + 1] = cy[k];
    stds[k] = kEightGaussiansStd;
    weights[k] = 1.0f;
  }
}

std::size_t GuidedField::scratch_bytes(int n) const {
  const std::size_t a = u0_->scratch_bytes(n), b = uc_->scratch_bytes(n);
  return scratch_floats(static_cast<std::size_t>(n) * static_cast<std::size_t>(dim())) + (a > b ? a : b);
}

Status GuidedField::eval_rows(long row0, const float* x, int n, float t, float* out, Arena& arena) const {
  if (w_ == 1.0f) return uc_->eval_rows(row0, x, n, t, out, arena);
  if (w_ == 0.0f) return u0_->eval_rows(row0, x, n, t, out, arena);
  const std::size_t m = static_cast<std::size_t>(n) * static_cast<std::size_t>(dim());
  const std::size_t mark = arena.mark();
  float* u0 = arena.alloc_array<float>(m);
  if (u0 == nullptr && m > 0) return Status::out_of_memory;
  Status st = u0_->eval_rows(row0, x, n, t, u0, arena);
  if (st == Status::ok) st = uc_->eval_rows(row0, x, n, t, out, arena);
  if (st == Status::ok)
    for (std::size_t q = 0; q < m; ++q) out[q] = u0[q] + w_ * (out[q] - u0[q]);
  arena.release(mark);
  return st;
}

}  // namespace rill
