// density: log-likelihood by the instantaneous change of variables. See density.h.
#include "rill/density.h"

#include <cstring>

#include "rill/mathf.h"
#include "rill/rng.h"

namespace rill {

namespace {
constexpr float kLog2Pi = 1.83787706640934548356f;  // log(2π), correctly rounded

// Gives back what a function took from the arena, on every return.
struct Release {
  Arena& arena;
  std::size_t mark;
  explicit Release(Arena& a) : arena(a), mark(a.mark()) {}
  ~Release() { arena.release(mark); }
};
}  // namespace

std::size_t DivergenceAugmentedField::scratch_bytes(int n) const {
  const std::size_t nd = static_cast<std::size_t>(n) * static_cast<std::size_t>(inner_->dim());
  const std::size_t div = k_ > 0 ? inner_->probe_divergence_scratch_bytes(n, k_) : inner_->divergence_scratch_bytes(n);
  return 2 * scratch_floats(nd) + scratch_floats(static_cast<std::size_t>(n)) + div;
}

Status DivergenceAugmentedField::eval(const float* x, int n, float t, float* out, Arena& arena) const {
  const int d = inner_->dim();
  const std::size_t nd = static_cast<std::size_t>(n) * static_cast<std::size_t>(d);
  Release scope(arena);
  float* xin = arena.alloc_array<float>(nd);
  float* u = arena.alloc_array<float>(nd);
  float* div = arena.alloc_array<float>(static_cast<std::size_t>(n));
  if ((nd > 0 && (xin == nullptr || u == nullptr)) || (n > 0 && div == nullptr)) return Status::out_of_memory;
  for (int r = 0; r < n; ++r)
    std::memcpy(xin + static_cast<std::size_t>(r) * d, x + static_cast<std::size_t>(r) * (d + 1), sizeof(float) * d);
  const Status st = k_ > 0 ? inner_->eval_probe_divergence(xin, n, t, probes_, k_, u, div, arena)
                           : inner_->eval_divergence(xin, n, t, u, div, arena);
  if (st != Status::ok) return st;
  for (int r = 0; r < n; ++r) {
    float* o = out + static_cast<std::size_t>(r) * (d + 1);
    std::memcpy(o, u + static_cast<std::size_t>(r) * d, sizeof(float) * d);
    o[d] = div[r];
  }
  return Status::ok;
}

float log_normal_density(const float* x, int d) {
  float q = 0.0f;
  for (int i = 0; i < d; ++i) q = q + x[i] * x[i];
  return -0.5f * q - 0.5f * static_cast<float>(d) * kLog2Pi;
}

void rademacher_probes(std::uint32_t seed, long row0, int n, int k, int d, float* out) {
  const std::uint64_t per = static_cast<std::uint64_t>(k) * static_cast<std::uint64_t>(d);
  Rng rng = Rng::derive(seed, Purpose::hutchinson_probes);
  rng.advance(static_cast<std::uint64_t>(row0) * per);
  const std::uint64_t total = per * static_cast<std::uint64_t>(n);
  for (std::uint64_t q = 0; q < total; ++q) out[q] = (rng.next_u32() >> 31) != 0 ? -1.0f : 1.0f;
}

std::size_t log_prob_scratch(const DivergenceField& field, Solver solver, int n, int probes) {
  const std::size_t values = static_cast<std::size_t>(n) * static_cast<std::size_t>(probes > 0 ? probes : 0) *
                             static_cast<std::size_t>(field.dim());
  const DivergenceAugmentedField aug(field, nullptr, probes > 0 ? probes : 0);
  return scratch_floats(static_cast<std::size_t>(n) * static_cast<std::size_t>(aug.dim())) +
         (values > 0 ? scratch_floats(values) : 0) + integrate_scratch(aug, solver, n);
}

Status log_prob(const DivergenceField& field, Solver solver, int steps, const float* x, int n, float t, float* logp,
                Arena& arena, const ProbeOptions& probes) {
  const int d = field.dim();
  Release scope(arena);
  float* state = arena.alloc_array<float>(static_cast<std::size_t>(n) * static_cast<std::size_t>(d + 1));
  if (n > 0 && state == nullptr) return Status::out_of_memory;
  const int k = probes.count > 0 ? probes.count : 0;
  float* eps = nullptr;
  if (k > 0 && n > 0) {
    eps = arena.alloc_array<float>(static_cast<std::size_t>(n) * static_cast<std::size_t>(k) * d);
    if (eps == nullptr) return Status::out_of_memory;
    rademacher_probes(probes.seed, probes.row0, n, k, d, eps);
  }
  const DivergenceAugmentedField aug(field, eps, k);
  for (int r = 0; r < n; ++r) {
    float* s = state + static_cast<std::size_t>(r) * (d + 1);
    std::memcpy(s, x + static_cast<std::size_t>(r) * d, sizeof(float) * d);
    s[d] = 0.0f;
  }
  const Status st = integrate(aug, solver, steps, state, n, t, 0.0f, arena);
  if (st != Status::ok) return st;
  for (int r = 0; r < n; ++r) {
    const float* s = state + static_cast<std::size_t>(r) * (d + 1);
    logp[r] = log_normal_density(s, d) + s[d];
  }
  return Status::ok;
}

long non_finite_count(const float* v, long n, long* first, int cap) {
  long count = 0;
  for (long i = 0; i < n; ++i) {
    if (v[i] - v[i] == 0.0f) continue;  // finite: x − x is 0 (NaN or ±Inf give NaN)
    if (first != nullptr && count < cap) first[count] = i;
    ++count;
  }
  return count;
}

}  // namespace rill
