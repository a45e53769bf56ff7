// `rill integrate`: carries given points along the model's flow from t0 to t1
// — forward (noise to data, t0 < t1) or backward (data to noise, t1 < t0).
// The flow is invertible: forward then backward gives the points back, up to
// the solver's error (issue 15's "Round trip").
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/array_io.h"
#include "cli/commands.h"
#include "cli/fail.h"
#include "cli/model.h"

namespace cli {

namespace {

std::string time_text(float t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(t));
  return buf;
}

int run_integrate(const Args& args) {
  const Format format = output_format(args, "--out", true);
  const std::string out = args.text("--out");
  const float t0 = static_cast<float>(args.real("--t0", 0.0, 1.0));
  const float t1 = static_cast<float>(args.real("--t1", 0.0, 1.0));
  const int steps = static_cast<int>(args.integer("--steps", 1, kMaxSampleSteps));
  const rill::Solver solver = parse_solver_flag(args);
  const bool want_traj = args.has("--trajectory");
  const int threads = parse_threads(args);
  const std::string xpath = args.text("--x");

  const auto model = load_model(args.text("--model"));
  Points p = read_points(xpath, "--x");
  const int d = model->dim();
  if (p.d != d) runtime_error("--x %s has dimension %d; the model's is %d", xpath.c_str(), p.d, d);
  std::vector<float> traj;
  if (want_traj) {
    const double floats = (static_cast<double>(steps) + 1) * static_cast<double>(p.n) * d;
    if (floats > kMaxFloats) runtime_error("the trajectory would take %.1f GB; lower --steps", floats * 4 / 1e9);
    traj.resize(static_cast<std::size_t>(floats));
  }
  check_output(args, "--out");

  integrate_points(*model, solver, steps, p.values.data(), p.n, t0, t1, want_traj ? traj.data() : nullptr, threads);

  warn_non_finite(p.values.data(), p.n, d, "points");

  const std::string title = "rill integrate: " + model_label(*model) + ", t " + time_text(t0) + " -> " +
                            time_text(t1) + ", " + rill::solver_name(solver) + ", " + std::to_string(steps) +
                            " steps";
  if (want_traj) {
    const std::vector<float> times = trajectory_times(t0, t1, steps);
    write_trajectory(out, format, traj.data(), times.data(), steps, p.n, d, title);
  } else {
    write_points(out, format, p.values.data(), p.n, d, title);
  }
  return 0;
}

}  // namespace

const Command& integrate_command() {
  static const Command c{
      "integrate",
      "carry points along a model's flow from t0 to t1 (forward or backward)",
      "integrate --model MODEL --x FILE --t0 T0 --t1 T1 --out FILE [flags]",
      "Integrates dX/dt = u_t(X) from X(t0) = each row of --x (n x d) to t1 by a fixed-step\n"
      "solver. t1 > t0 runs forward (noise towards data); t1 < t0 runs backward (data towards\n"
      "noise: the flow is invertible, so forward then backward returns the points up to the\n"
      "solver's error). The output is written as `rill sample` writes it:\n"
      "  .npy  float32, shape (n, d); with --trajectory (steps + 1, n, d)\n"
      "  .csv  header x0,x1,...; with --trajectory columns step,t,i,x0,x1,... (t from t0 to t1)\n"
      "  .svg  a scatter plot of the first two coordinates (with paths for --trajectory)\n"
      "  -     CSV on standard output\n"
      "MODEL may be a formula: exact:8gaussians or linear:a,b,c,d (u = A x, A row-major).\n",
      {
          {"--model", "MODEL", nullptr, "model file, shipped model name or formula (required)"},
          {"--x", "FILE", nullptr, "the starting points at t0 (.npy or .csv, n x d; - for stdin) (required)"},
          {"--t0", "T0", nullptr, "the starting time, in [0, 1] (required)"},
          {"--t1", "T1", nullptr, "the final time, in [0, 1] (required; below t0 runs backward)"},
          {"--out", "FILE", nullptr, "where to write: .npy, .csv, .svg or - (required)"},
          {"--steps", "N", "20", "integration steps from t0 to t1 (1 .. 1000000)"},
          {"--solver", "NAME", "heun", "euler, midpoint, heun (trapezoid) or rk4"},
          {"--trajectory", nullptr, nullptr, "write every step, not only the end points"},
          threads_flag(),
      },
      run_integrate};
  return c;
}

}  // namespace cli
