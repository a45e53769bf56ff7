// Solvers: fixed-step integration of dX/dt = u_t(X) — the flow ψ.
//
// h = (t1 − t0)/steps, so t1 < t0 integrates backwards (data → noise). The
// time of step i is t0 + i·h (computed so, not accumulated, to avoid drift).
//   euler     X + h·u(t, X)                                      1 evaluation/step
//   midpoint  X + h·u(t + h/2, X + h/2·u(t, X))                  2
//   heun      X + h/2·(u(t, X) + u(t + h, X + h·u(t, X)))        2 (trapezoid; the seed's method)
//   rk4       classic Runge–Kutta 4                              4
#pragma once
#include <cstddef>
#include <cstdint>

#include "rill/arena.h"
#include "rill/field.h"
#include "rill/parallel.h"
#include "rill/status.h"

namespace rill {

enum class Solver : int { euler, midpoint, heun, rk4 };
const char* solver_name(Solver s);
bool parse_solver(const char* name, Solver* out);
int solver_evaluations(Solver s);  // field evaluations per step (1, 2, 2, 4)

// The step length h of integrate(): (t1 − t0)/steps in float, as its steps
// use it (and the h a step-conditioned model reads, formats.md).
inline float step_length(float t0, float t1, int steps) { return (t1 - t0) / static_cast<float>(steps); }

// Scratch integrate() needs for n points (stage buffers + the field's scratch).
std::size_t integrate_scratch(const VectorField& field, Solver solver, int n);

// Integrates x (n × d, contiguous, in place) from t0 to t1 in `steps` steps.
// trajectory, if non-null, receives x at t0 and after each step: snapshot s
// (n × d floats) at trajectory + s·traj_stride; traj_stride 0 means n × d
// (a contiguous (steps + 1) × n × d array). A larger stride lets a caller
// integrate a big batch in chunks into one trajectory array.
Status integrate(const VectorField& field, Solver solver, int steps, float* x, int n, float t0, float t1,
                 Arena& arena, float* trajectory = nullptr, std::size_t traj_stride = 0);

// A batch of any size: n points integrated in chunks of at most `chunk` rows,
// each chunk by integrate() in an arena of integrate_scratch(field, solver,
// chunk) bytes — scratch[0] alone, or, given an executor with W > 1 workers
// and n > chunk, W ranges of rows side by side, worker w in scratch[w] (W
// arenas; at most 64 workers are used). Rows are independent, so neither the
// chunk size nor the number of workers changes the bits. trajectory as in
// integrate(), laid out for the whole batch: (steps + 1) × n × d.
Status integrate_batch(const VectorField& field, Solver solver, int steps, float* x, long n, float t0, float t1,
                       int chunk, Arena* scratch, Executor* ex = nullptr, float* trajectory = nullptr);

// The starting noise of the flow model: count standard normals drawn from
// Rng::derive(seed, Purpose::sample_noise) — every sampling path's x0.
void sample_noise(std::uint32_t seed, float* out, long count);

// The flow model: x0 = sample_noise(seed) into out (n × d), then integrated
// from t = 0 to 1. Same seed, same bits.
std::size_t sample_scratch(const VectorField& field, Solver solver, int n);
Status sample(const VectorField& field, Solver solver, int steps, int n, std::uint32_t seed, float* out,
              Arena& arena, float* trajectory = nullptr);

}  // namespace rill
