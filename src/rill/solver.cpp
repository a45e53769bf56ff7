// Fixed-step ODE solvers over a VectorField. See solver.h.
#include "rill/solver.h"

#include <cstring>

#include "rill/rng.h"

namespace rill {

namespace {
constexpr const char* kNames[] = {"euler", "midpoint", "heun", "rk4"};
constexpr int kEvals[] = {1, 2, 2, 4};
// Stage buffers each solver needs besides x.
constexpr int kBuffers[] = {1, 2, 3, 3};
}  // namespace

const char* solver_name(Solver s) {
  const int i = static_cast<int>(s);
  return (i >= 0 && i < 4) ? kNames[i] : "?";
}

bool parse_solver(const char* name, Solver* out) {
  for (int i = 0; i < 4; ++i)
    if (std::strcmp(name, kNames[i]) == 0) {
      *out = static_cast<Solver>(i);
      return true;
    }
  return false;
}

int solver_evaluations(Solver s) {
  const int i = static_cast<int>(s);
  return (i >= 0 && i < 4) ? kEvals[i] : 0;
}

std::size_t integrate_scratch(const VectorField& field, Solver solver, int n) {
  const int i = static_cast<int>(solver);
  const int nb = (i >= 0 && i < 4) ? kBuffers[i] : 0;
  return static_cast<std::size_t>(nb) * scratch_floats(static_cast<std::size_t>(n) * field.dim()) +
         field.scratch_bytes(n);
}

Status integrate(const VectorField& field, Solver solver, int steps, float* x, int n, float t0, float t1,
                 Arena& arena, float* trajectory, std::size_t traj_stride) {
  const int si = static_cast<int>(solver);
  if (si < 0 || si > 3 || steps < 1 || n < 0) return Status::invalid_argument;
  if (!(t0 == t0) || !(t1 == t1)) return Status::invalid_argument;
  const long m = static_cast<long>(n) * field.dim();
  if (traj_stride == 0) traj_stride = static_cast<std::size_t>(m);
  if (trajectory != nullptr) std::memcpy(trajectory, x, sizeof(float) * static_cast<std::size_t>(m));
  if (n == 0) return Status::ok;

  const std::size_t mark = arena.mark();
  float* k1 = arena.alloc_array<float>(static_cast<std::size_t>(m));
  float* k2 = kBuffers[si] > 1 ? arena.alloc_array<float>(static_cast<std::size_t>(m)) : k1;
  float* tmp = kBuffers[si] > 2 ? arena.alloc_array<float>(static_cast<std::size_t>(m)) : k1;
  if (k1 == nullptr || k2 == nullptr || tmp == nullptr) {
    arena.release(mark);
    return Status::out_of_memory;
  }
  const float h = (t1 - t0) / static_cast<float>(steps);
  const float half = 0.5f * h;
  Status st = Status::ok;
  for (int s = 0; s < steps && st == Status::ok; ++s) {
    const float t = t0 + static_cast<float>(s) * h;
    switch (solver) {
      case Solver::euler:
        st = field.eval(x, n, t, k1, arena);
        for (long q = 0; q < m; ++q) x[q] = x[q] + h * k1[q];
        break;
      case Solver::midpoint:
        st = field.eval(x, n, t, k1, arena);
        for (long q = 0; q < m; ++q) k1[q] = x[q] + half * k1[q];
        if (st == Status::ok) st = field.eval(k1, n, t + half, k2, arena);
        for (long q = 0; q < m; ++q) x[q] = x[q] + h * k2[q];
        break;
      case Solver::heun:
        st = field.eval(x, n, t, k1, arena);
        for (long q = 0; q < m; ++q) tmp[q] = x[q] + h * k1[q];
        if (st == Status::ok) st = field.eval(tmp, n, t + h, k2, arena);
        for (long q = 0; q < m; ++q) x[q] = x[q] + half * (k1[q] + k2[q]);
        break;
      case Solver::rk4: {
        // k1: the current stage's slope, tmp: the next stage's point,
        // k2: the running sum k1 + 2·k2 + 2·k3 + k4.
        st = field.eval(x, n, t, k1, arena);                          // k1
        for (long q = 0; q < m; ++q) { k2[q] = k1[q]; tmp[q] = x[q] + half * k1[q]; }
        if (st == Status::ok) st = field.eval(tmp, n, t + half, k1, arena);  // k2
        for (long q = 0; q < m; ++q) { k2[q] = k2[q] + 2.0f * k1[q]; tmp[q] = x[q] + half * k1[q]; }
        if (st == Status::ok) st = field.eval(tmp, n, t + half, k1, arena);  // k3
        for (long q = 0; q < m; ++q) { k2[q] = k2[q] + 2.0f * k1[q]; tmp[q] = x[q] + h * k1[q]; }
        if (st == Status::ok) st = field.eval(tmp, n, t + h, k1, arena);     // k4
        const float h6 = h / 6.0f;
        for (long q = 0; q < m; ++q) x[q] = x[q] + h6 * (k2[q] + k1[q]);
        break;
      }
    }
    if (trajectory != nullptr)
      std::memcpy(trajectory + static_cast<std::size_t>(s + 1) * traj_stride, x,
                  sizeof(float) * static_cast<std::size_t>(m));
  }
  arena.release(mark);
  return st;
}

std::size_t sample_scratch(const VectorField& field, Solver solver, int n) {
  return integrate_scratch(field, solver, n);
}

Status sample(const VectorField& field, Solver solver, int steps, int n, std::uint32_t seed, float* out,
              Arena& arena, float* trajectory) {
  if (n < 0 || steps < 1) return Status::invalid_argument;
  Rng rng = Rng::derive(seed, Purpose::sample_noise);
  rng.fill_normal(out, static_cast<long>(n) * field.dim());
  return integrate(field, solver, steps, out, n, 0.0f, 1.0f, arena, trajectory);
}

}  // namespace rill
