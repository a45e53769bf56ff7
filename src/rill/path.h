// Path: the CondOT probability path and its conditional target.
//
//   x_t = t·x1 + (1 − (1 − σmin)·t)·x0,   u_t(x_t | x1) = x1 − (1 − σmin)·x0
// (Lipman et al. 2023, "Flow Matching for Generative Modeling", eq. 20–23;
// σmin = 0 gives the rectified-flow straight line).
#pragma once

namespace rill {

struct CondOTPath {
  float sigma_min = 0.0f;
  // n points of dimension d: x0, x1 (n × d), t (n) → xt and target (n × d).
  void sample(const float* x0, const float* x1, const float* t, int n, int d, float* xt, float* target) const;
};

}  // namespace rill
