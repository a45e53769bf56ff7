// mlp_divergence: the exact divergence of the Mlp field, div u^θ_t(x) = Σ_i ∂u_i/∂x_i,
// by forward mode (Jacobian-vector products) through the layers.
//
// For direction e_i the tangent of the first layer's pre-activation is the
// column i of W_0 (time and condition inputs do not move); each hidden layer
// multiplies the tangent by act'(z) of that point and the next layer's W (no
// bias); the output tangent's i-th value is ∂u_i/∂x_i. The d tangents of a
// point travel as d extra rows through the same kernels as the forward pass,
// so the divergence costs about d forward passes more (2-D: 3× one field
// evaluation), and every sum keeps the fixed order of the kernels (the same
// bits on every target). div = Σ_i in index order.
//
// Hutchinson's estimate (for large d) takes K probe vectors ε per point
// instead of the d basis vectors: the tangent of ε enters the first layer as
// W_0·[ε | 0] and leaves as J·ε, and div ≈ (1/K)·Σ_k ε_kᵀ J ε_k — unbiased when
// E[ε εᵀ] = I (Rademacher signs, density.h). It costs about K forward passes
// more instead of d.
#pragma once
#include <cstddef>

#include "rill/arena.h"
#include "rill/mlp.h"
#include "rill/status.h"

namespace rill {

// Scratch mlp_divergence takes for n points (independent of n above a tile).
std::size_t mlp_divergence_scratch(const MlpSpec& spec, int n);
// out[n × d] = u_t(x) (the bits of mlp_forward) and div[n] = div u_t(x), for n
// contiguous points x (n × d) at one time t.
// cond: the condition rows (none by default; one row for all with stride 0, or one per point).
Status mlp_divergence(const Mlp& mlp, const float* x, int n, float t, float* out, float* div, Arena& arena,
                      MlpCondition cond = {});

// Scratch mlp_probe_divergence takes for n points with k probes each.
std::size_t mlp_probe_divergence_scratch(const MlpSpec& spec, int n, int k);
// out as mlp_divergence, and div[r] = (1/k)·Σ_j ε_{r,j}ᵀ J_r ε_{r,j} with the
// probes ε given as n × k × d values (point r's k probes in a row), k >= 1.
Status mlp_probe_divergence(const Mlp& mlp, const float* x, int n, float t, const float* probes, int k, float* out,
                            float* div, Arena& arena, MlpCondition cond = {});

}  // namespace rill
