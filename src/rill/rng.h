// Rng: a PCG32 generator (O'Neill 2014, "PCG XSH RR 64/32") with an explicit
// (seed, stream), plus uniform and standard normal draws.
//
// Identical bits on every target: integer state, and floats made from integers
// with exact operations; normals by Box-Muller through rill::mathf.
// Independent streams for each purpose (sampling noise, minibatches, CFM noise,
// evaluation references) come from Rng::derive(seed, Purpose), so no two uses
// of one user seed ever share a stream.
#pragma once
#include <cstdint>

namespace rill {

enum class Purpose : std::uint32_t {
  sample_noise = 1,    // x0 of sampling
  train_data = 2,      // minibatches drawn from a dataset or a user's array
  train_noise = 3,     // x0 and t of the CFM loss
  init = 4,            // MLP parameter initialisation
  eval_reference = 5,  // reference points drawn to evaluate a model against its data (metrics)
  dataset_draw = 6,    // points drawn from a dataset for display or export
  user = 7,            // anything else (tests, examples)
  cfg_dropout = 8,     // which training rows lose their condition (classifier-free guidance)
  reflow_pairs = 9,    // the conditions of a reflow's pairs (which class, which have none)
  hutchinson_probes = 10,  // Rademacher probes of Hutchinson's divergence estimate (density.h)
};

class Rng {
 public:
  Rng() : Rng(0, 0) {}
  Rng(std::uint64_t seed, std::uint64_t stream);
  // The stream for (seed, purpose).
  static Rng derive(std::uint32_t seed, Purpose purpose) { return Rng(seed, static_cast<std::uint64_t>(purpose)); }

  std::uint32_t next_u32();
  // Uniform integer in [0, n), n >= 1 (exact: Lemire's method with rejection).
  std::uint32_t below(std::uint32_t n);
  // Uniform float in [0, 1): a multiple of 2^-24.
  float uniform();
  // Uniform float in [a, b).
  float uniform(float a, float b) { return a + (b - a) * uniform(); }
  // Standard normal (Box-Muller; the second value of a pair is kept for the next call).
  float normal();
  // Fills out[0..n) with standard normals; same values as n calls to normal(). (kernels.h's
  // fill_normal gives the same values with the transform on vectors: sampling and training use it.)
  void fill_normal(float* out, long n);
  // The next 2·pairs draws, a pair's two as normal() takes them: a[p] then b[p], for p < pairs.
  // Four multiply chains a step apart, each four steps at a time: the same draws as
  // next_u32(), with four multiplies in flight instead of one.
  void draw_pairs(std::uint32_t* a, std::uint32_t* b, long pairs);
  // Box-Muller on one pair of draws (a, b): returns normal()'s first value, r·cos θ, and sets
  // *second = r·sin θ, with u1 = ((a >> 8) + 1)·2^-24, u2 = (b >> 8)·2^-24, r = sqrt(−2 log u1),
  // θ = 2π·u2 (rill::mathf).
  static float box_muller(std::uint32_t a, std::uint32_t b, float* second);

  // Skips the next `delta` 32-bit draws in O(log delta) (PCG's jump-ahead),
  // so that ranges of a stream can be drawn side by side from copies: a copy
  // advanced by the draws before its range gives exactly those values. A
  // normal pair takes two draws; a pending second value is not touched.
  void advance(std::uint64_t delta);
  // Whether normal() would return a kept second value without drawing.
  bool has_spare() const { return has_spare_; }

 private:
  std::uint64_t state_;
  std::uint64_t inc_;
  float spare_ = 0.0f;
  bool has_spare_ = false;
};

}  // namespace rill
