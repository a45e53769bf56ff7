// mlp_divergence: forward-mode divergence of an Mlp. See mlp_divergence.h.
#include "rill/mlp_divergence.h"

#include <cstring>

#include "rill/kernels.h"
#include "rill/narrow.h"

namespace rill {

namespace {

constexpr int kTangentRows = 64;  // tangent rows per tile (points × d)

// Points per tile: enough that their `per` tangents each fill about kTangentRows rows.
int tile_points(int per, int n) {
  int p = kTangentRows / per;
  if (p < 1) p = 1;
  return n < p ? (n < 1 ? 1 : n) : p;
}

// A layer without its bias (the tangent of z = W·a + b is W·da), through the
// same kernel choice as the forward pass.
void linear_no_bias(const Mlp& m, int i, const float* in, int n, float* out, const float* zeros) {
  const int fin = m.spec.sizes[i], fout = m.spec.sizes[i + 1];
  if (m.packed[i] != nullptr) linear_packed(m.simd, in, fin, n, m.packed[i], zeros, fin, fout, out, fout);
  else if (mlp_layer_narrow(m, i)) linear_narrow(m, i, in, fin, n, out, fout, false);
  else linear_ref(in, fin, n, m.weight[i], zeros, fin, fout, out, fout);
}

struct Buffers {
  Tape tape;
  float* t = nullptr;      // the time, once per point of a tile
  float* tan_a = nullptr;  // tangents: (points × per) rows of the widest layer (inputs included)
  float* tan_b = nullptr;
  float* zeros = nullptr;  // a zero bias of the widest layer
};

std::size_t buffer_bytes(const MlpSpec& s, int pts, int per) {
  const std::size_t rows = static_cast<std::size_t>(pts) * static_cast<std::size_t>(per);
  const std::size_t w = static_cast<std::size_t>(s.max_size());
  return tape_bytes(s, pts) + scratch_floats(static_cast<std::size_t>(pts)) + 2 * scratch_floats(rows * w) +
         scratch_floats(w);
}

Status take_buffers(const MlpSpec& s, int pts, int per, Arena& arena, Buffers* b) {
  const std::size_t rows = static_cast<std::size_t>(pts) * static_cast<std::size_t>(per);
  const std::size_t w = static_cast<std::size_t>(s.max_size());
  if (tape_init(s, pts, arena, &b->tape) != Status::ok) return Status::out_of_memory;
  b->t = arena.alloc_array<float>(static_cast<std::size_t>(pts));
  b->tan_a = arena.alloc_array<float>(rows * w);
  b->tan_b = arena.alloc_array<float>(rows * w);
  b->zeros = arena.alloc_array<float>(w);
  if (b->t == nullptr || b->tan_a == nullptr || b->tan_b == nullptr || b->zeros == nullptr) return Status::out_of_memory;
  for (std::size_t j = 0; j < w; ++j) b->zeros[j] = 0.0f;
  return Status::ok;
}

// The `per` tangents of each of m points (rows r·per … r·per + per − 1, the
// first layer's pre-activation tangents in `cur`), through act'(z) of their
// point and the next weights, to the output layer. Returns the buffer holding
// the output tangents (m × per rows of d).
float* propagate(const Mlp& mlp, int m, int per, Buffers& b, float* cur) {
  const MlpSpec& s = mlp.spec;
  for (int l = 0; l + 1 < s.n_layers; ++l) {
    const int f = s.sizes[l + 1];
    for (int r = 0; r < m; ++r) {
      const float* slope = b.tape.slope[l] + static_cast<std::size_t>(r) * f;
      for (int i = 0; i < per; ++i) {
        float* row = cur + (static_cast<std::size_t>(r) * per + i) * f;
        for (int j = 0; j < f; ++j) row[j] = row[j] * slope[j];
      }
    }
    float* next = cur == b.tan_a ? b.tan_b : b.tan_a;
    linear_no_bias(mlp, l + 1, cur, m * per, next, b.zeros);
    cur = next;
  }
  return cur;
}

// The tangents of one tile of m points, already through the forward pass in
// b.tape: div[r] = Σ_i ∂u_i/∂x_i for r < m.
void tile_divergence(const Mlp& mlp, int m, Buffers& b, float* div) {
  const MlpSpec& s = mlp.spec;
  const int d = s.dim;
  // Layer 0: direction i of point r moves z_0 by column i of W_0.
  const int f1 = s.sizes[1], fin0 = s.sizes[0];
  for (int r = 0; r < m; ++r)
    for (int i = 0; i < d; ++i) {
      float* row = b.tan_a + (static_cast<std::size_t>(r) * d + i) * f1;
      if (mlp_layer_narrow(mlp, 0))  // narrow weights (formats.md "Weight dtypes"), widened as read
        for (int j = 0; j < f1; ++j) row[j] = narrow_weight(mlp, 0, j, i);
      else
        for (int j = 0; j < f1; ++j) row[j] = mlp.weight[0][static_cast<std::size_t>(j) * fin0 + i];
    }
  const float* cur = propagate(mlp, m, d, b, b.tan_a);
  // The output tangent of direction i: its i-th value is ∂u_i/∂x_i.
  for (int r = 0; r < m; ++r) {
    float sum = 0.0f;
    for (int i = 0; i < d; ++i) sum = sum + cur[(static_cast<std::size_t>(r) * d + i) * d + i];
    div[r] = sum;
  }
}

// Hutchinson for one tile: probe k of point r is probes[(r·K + k)·d …]; its
// tangent enters the first layer as the input row [ε | 0 …] (time and
// condition inputs do not move), and εᵀ(J ε) is summed over k in order, then
// divided by K.
void tile_probe_divergence(const Mlp& mlp, int m, const float* probes, int K, Buffers& b, float* div) {
  const MlpSpec& s = mlp.spec;
  const int d = s.dim, fin0 = s.sizes[0];
  const std::size_t rows = static_cast<std::size_t>(m) * static_cast<std::size_t>(K);
  for (std::size_t q = 0; q < rows; ++q) {
    float* in = b.tan_b + q * fin0;
    std::memcpy(in, probes + q * d, sizeof(float) * d);
    for (int j = d; j < fin0; ++j) in[j] = 0.0f;
  }
  linear_no_bias(mlp, 0, b.tan_b, static_cast<int>(rows), b.tan_a, b.zeros);
  const float* cur = propagate(mlp, m, K, b, b.tan_a);
  for (int r = 0; r < m; ++r) {
    float sum = 0.0f;
    for (int k = 0; k < K; ++k) {
      const std::size_t q = static_cast<std::size_t>(r) * K + k;
      float dot = 0.0f;
      for (int i = 0; i < d; ++i) dot = dot + probes[q * d + i] * cur[q * d + i];
      sum = sum + dot;
    }
    div[r] = sum / static_cast<float>(K);
  }
}

// Forward pass tile by tile, then the divergence of each tile: exact (K = 0)
// or Hutchinson's with K probes per point.
Status run_tiles(const Mlp& mlp, const float* x, int n, float t, const float* probes, int K, float* out, float* div,
                 Arena& arena, MlpCondition cond) {
  const MlpSpec& s = mlp.spec;
  if (n < 1) return n == 0 ? Status::ok : Status::invalid_argument;
  const std::size_t mark = arena.mark();
  const int per = K > 0 ? K : s.dim;
  const int pts = tile_points(per, n);
  Buffers b;
  if (take_buffers(s, pts, per, arena, &b) != Status::ok) {
    arena.release(mark);
    return Status::out_of_memory;
  }
  for (int r = 0; r < pts; ++r) b.t[r] = t;
  const int d = s.dim, L = s.n_layers;
  for (int r0 = 0; r0 < n; r0 += pts) {
    const int m = n - r0 < pts ? n - r0 : pts;
    const float* xr = x + static_cast<std::size_t>(r0) * d;
    mlp_forward_train(mlp, xr, d, b.t, m, b.tape, nullptr, cond.offset(r0));
    std::memcpy(out + static_cast<std::size_t>(r0) * d, b.tape.post[L - 1], sizeof(float) * static_cast<std::size_t>(m) * d);
    if (K > 0) tile_probe_divergence(mlp, m, probes + static_cast<std::size_t>(r0) * K * d, K, b, div + r0);
    else tile_divergence(mlp, m, b, div + r0);
  }
  arena.release(mark);
  return Status::ok;
}

}  // namespace

std::size_t mlp_divergence_scratch(const MlpSpec& spec, int n) {
  return buffer_bytes(spec, tile_points(spec.dim, n), spec.dim);
}

Status mlp_divergence(const Mlp& mlp, const float* x, int n, float t, float* out, float* div, Arena& arena,
                      MlpCondition cond) {
  return run_tiles(mlp, x, n, t, nullptr, 0, out, div, arena, cond);
}

std::size_t mlp_probe_divergence_scratch(const MlpSpec& spec, int n, int k) {
  return buffer_bytes(spec, tile_points(k, n), k);
}

Status mlp_probe_divergence(const Mlp& mlp, const float* x, int n, float t, const float* probes, int k, float* out,
                            float* div, Arena& arena, MlpCondition cond) {
  if (k < 1) return Status::invalid_argument;
  return run_tiles(mlp, x, n, t, probes, k, out, div, arena, cond);
}

}  // namespace rill
