// Fixed-step ODE solvers over a VectorField. See solver.h.
#include "rill/solver.h"

#include <cstring>

#include "rill/kernels.h"
#include "rill/rng.h"

namespace rill {

namespace {
constexpr const char* kNames[] = {"euler", "midpoint", "heun", "rk4"};
constexpr int kEvals[] = {1, 2, 2, 4};
// Stage buffers each solver needs besides x.
constexpr int kBuffers[] = {1, 2, 3, 3};
constexpr int kSolvers = sizeof kNames / sizeof kNames[0];

inline bool valid(Solver s) { return static_cast<unsigned>(s) < static_cast<unsigned>(kSolvers); }

// One step from t: x (m floats) moves in place; k1, k2, tmp are the stage
// buffers (aliased where the solver needs fewer). Stops at the first
// evaluation that fails, leaving x as it was.
Status step(const VectorField& field, Solver solver, float* x, int n, long m, float t, float h, float* k1,
            float* k2, float* tmp, Arena& arena) {
  const float half = 0.5f * h;
  Status st = field.eval(x, n, t, k1, arena);
  if (st != Status::ok) return st;
  switch (solver) {
    case Solver::euler:
      for (long q = 0; q < m; ++q) x[q] = x[q] + h * k1[q];
      break;
    case Solver::midpoint:
      for (long q = 0; q < m; ++q) k1[q] = x[q] + half * k1[q];
      if ((st = field.eval(k1, n, t + half, k2, arena)) != Status::ok) return st;
      for (long q = 0; q < m; ++q) x[q] = x[q] + h * k2[q];
      break;
    case Solver::heun:
      for (long q = 0; q < m; ++q) tmp[q] = x[q] + h * k1[q];
      if ((st = field.eval(tmp, n, t + h, k2, arena)) != Status::ok) return st;
      for (long q = 0; q < m; ++q) x[q] = x[q] + half * (k1[q] + k2[q]);
      break;
    case Solver::rk4: {
      // k1: the current stage's slope, tmp: the next stage's point,
      // k2: the running sum k1 + 2·k2 + 2·k3 + k4.
      for (long q = 0; q < m; ++q) { k2[q] = k1[q]; tmp[q] = x[q] + half * k1[q]; }
      if ((st = field.eval(tmp, n, t + half, k1, arena)) != Status::ok) return st;  // k2
      for (long q = 0; q < m; ++q) { k2[q] = k2[q] + 2.0f * k1[q]; tmp[q] = x[q] + half * k1[q]; }
      if ((st = field.eval(tmp, n, t + half, k1, arena)) != Status::ok) return st;  // k3
      for (long q = 0; q < m; ++q) { k2[q] = k2[q] + 2.0f * k1[q]; tmp[q] = x[q] + h * k1[q]; }
      if ((st = field.eval(tmp, n, t + h, k1, arena)) != Status::ok) return st;     // k4
      const float h6 = h / 6.0f;
      for (long q = 0; q < m; ++q) x[q] = x[q] + h6 * (k2[q] + k1[q]);
      break;
    }
  }
  return Status::ok;
}
}  // namespace

const char* solver_name(Solver s) { return valid(s) ? kNames[static_cast<int>(s)] : "?"; }

bool parse_solver(const char* name, Solver* out) {
  for (int i = 0; i < kSolvers; ++i)
    if (std::strcmp(name, kNames[i]) == 0) {
      *out = static_cast<Solver>(i);
      return true;
    }
  return false;
}

int solver_evaluations(Solver s) { return valid(s) ? kEvals[static_cast<int>(s)] : 0; }

std::size_t integrate_scratch(const VectorField& field, Solver solver, int n) {
  const int nb = valid(solver) ? kBuffers[static_cast<int>(solver)] : 0;
  return static_cast<std::size_t>(nb) * scratch_floats(static_cast<std::size_t>(n) * field.dim()) +
         field.scratch_bytes(n);
}

Status integrate(const VectorField& field, Solver solver, int steps, float* x, int n, float t0, float t1,
                 Arena& arena, float* trajectory, std::size_t traj_stride) {
  if (!valid(solver) || steps < 1 || n < 0) return Status::invalid_argument;
  if (!(t0 == t0) || !(t1 == t1)) return Status::invalid_argument;
  const int nb = kBuffers[static_cast<int>(solver)];
  const long m = static_cast<long>(n) * field.dim();
  if (traj_stride == 0) traj_stride = static_cast<std::size_t>(m);
  if (trajectory != nullptr) std::memcpy(trajectory, x, sizeof(float) * static_cast<std::size_t>(m));
  if (n == 0) return Status::ok;

  const std::size_t mark = arena.mark();
  float* k1 = arena.alloc_array<float>(static_cast<std::size_t>(m));
  float* k2 = nb > 1 ? arena.alloc_array<float>(static_cast<std::size_t>(m)) : k1;
  float* tmp = nb > 2 ? arena.alloc_array<float>(static_cast<std::size_t>(m)) : k1;
  if (k1 == nullptr || k2 == nullptr || tmp == nullptr) {
    arena.release(mark);
    return Status::out_of_memory;
  }
  const float h = step_length(t0, t1, steps);
  Status st = Status::ok;
  for (int s = 0; s < steps; ++s) {
    st = step(field, solver, x, n, m, t0 + static_cast<float>(s) * h, h, k1, k2, tmp, arena);
    if (st != Status::ok) break;
    if (trajectory != nullptr)
      std::memcpy(trajectory + static_cast<std::size_t>(s + 1) * traj_stride, x,
                  sizeof(float) * static_cast<std::size_t>(m));
  }
  arena.release(mark);
  return st;
}

namespace {
// Rows [begin, end) of a batch, chunk by chunk, in one arena.
Status integrate_range(const VectorField& field, Solver solver, int steps, float* x, long begin, long end,
                       float t0, float t1, int chunk, Arena& scratch, float* trajectory, std::size_t stride) {
  const int d = field.dim();
  for (long r0 = begin; r0 < end; r0 += chunk) {
    const int rows = static_cast<int>(end - r0 < chunk ? end - r0 : chunk);
    const std::size_t off = static_cast<std::size_t>(r0) * static_cast<std::size_t>(d);
    scratch.reset();
    const RowsOfField chunk_field(field, r0);  // a field that differs by row reads this chunk's rows
    const Status st = integrate(chunk_field, solver, steps, x + off, rows, t0, t1, scratch,
                                trajectory != nullptr ? trajectory + off : nullptr, stride);
    if (st != Status::ok) return st;
  }
  return Status::ok;
}

// The side-by-side case, out of line so that its status array costs
// callers without an executor (firmware) no stack: blocks of rows handed out
// one at a time (parallel_blocks), each integrated through every step in the
// scratch of the worker that claimed it.
__attribute__((noinline)) Status integrate_parts(const VectorField& field, Solver solver, int steps, float* x,
                                                 long n, float t0, float t1, int chunk, Arena* scratch,
                                                 Executor* ex, float* trajectory, std::size_t stride) {
  constexpr int kMaxParts = 64;
  Status part_status[kMaxParts];
  const int workers = ex->workers() < kMaxParts ? ex->workers() : kMaxParts;
  for (int w = 0; w < workers; ++w) part_status[w] = Status::ok;
  parallel_blocks(ex, n, split_block(n, workers, chunk), [&](int w, long begin, long end) {
    if (part_status[w] != Status::ok) return;  // this worker failed: its first failure stands
    part_status[w] = integrate_range(field, solver, steps, x, begin, end, t0, t1, chunk, scratch[w], trajectory,
                                     stride);
  });
  for (int w = 0; w < workers; ++w)
    if (part_status[w] != Status::ok) return part_status[w];
  return Status::ok;
}
}  // namespace

Status integrate_batch(const VectorField& field, Solver solver, int steps, float* x, long n, float t0, float t1,
                       int chunk, Arena* scratch, Executor* ex, float* trajectory) {
  if (x == nullptr || n < 0 || chunk < 1 || scratch == nullptr) return Status::invalid_argument;
  const std::size_t stride = static_cast<std::size_t>(n) * static_cast<std::size_t>(field.dim());
  if (workers_of(ex) > 1 && n >= 2 * kMinSplitRows)
    return integrate_parts(field, solver, steps, x, n, t0, t1, chunk, scratch, ex, trajectory, stride);
  return integrate_range(field, solver, steps, x, 0, n, t0, t1, chunk, scratch[0], trajectory, stride);
}

void sample_noise(std::uint32_t seed, float* out, long count) {
  Rng rng = Rng::derive(seed, Purpose::sample_noise);
  fill_normal(simd_best(), rng, out, count);
}

std::size_t sample_scratch(const VectorField& field, Solver solver, int n) {
  return integrate_scratch(field, solver, n);
}

Status sample(const VectorField& field, Solver solver, int steps, int n, std::uint32_t seed, float* out,
              Arena& arena, float* trajectory) {
  if (n < 0 || steps < 1) return Status::invalid_argument;
  sample_noise(seed, out, static_cast<long>(n) * field.dim());
  return integrate(field, solver, steps, out, n, 0.0f, 1.0f, arena, trajectory);
}

}  // namespace rill
