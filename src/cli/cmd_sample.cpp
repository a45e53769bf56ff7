// `rill sample`: draws x0 from the model's source (N(0, I), or a dataset), or takes it from a file, and integrates
// the model's flow from t = 0 to 1; writes the samples or the whole trajectory.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/array_io.h"
#include "cli/commands.h"
#include "cli/fail.h"
#include "cli/model.h"
#include "rill/rng.h"

namespace cli {

namespace {

int run_sample(const Args& args) {
  const Format format = output_format(args, "--out", true);
  const std::string out = args.text("--out");
  const Sampling opt = parse_sampling(args);
  const bool from_file = args.has("--x0");
  if (from_file && args.has("--n")) args.fail("--n and --x0 exclude each other (n is the number of points in the --x0 file)");
  if (from_file && args.has("--seed")) args.fail("--seed has no effect with --x0 (the file is the starting noise)");
  const long n_flag = args.integer("--n", 1, 100000000);
  const bool want_traj = args.has("--trajectory");
  const int threads = parse_threads(args);

  const auto model = load_model(args.text("--model"));
  const Condition cond = parse_condition(args, *model);
  const ConditionedField conditioned(*model, cond, rill::step_length(0.0f, 1.0f, opt.steps));
  const int d = model->dim();
  std::vector<float> x;
  long n = n_flag;
  if (cond.n_rows > 1) {  // an (n, M) --cond sets n
    if (args.has("--n") && n_flag != cond.n_rows)
      args.fail("--n %ld and --cond (%ld rows) disagree; an (n, M) --cond sets n", n_flag, cond.n_rows);
    n = cond.n_rows;
  }
  if (from_file) {
    const std::string path = args.text("--x0");
    Points p = read_points(path, "--x0");
    if (p.d != d) runtime_error("--x0 %s has dimension %d; the model's is %d", path.c_str(), p.d, d);
    if (cond.n_rows > 1 && p.n != cond.n_rows)
      runtime_error("--x0 %s holds %ld points; --cond holds %ld rows", path.c_str(), p.n, cond.n_rows);
    n = p.n;
    x.swap(p.values);
  } else {
    if (static_cast<double>(n) * d > kMaxFloats)
      runtime_error("%ld samples of dimension %d would take %.1f GB; lower --n", n, d, static_cast<double>(n) * d * 4 / 1e9);
    x.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(d));
    draw_x0(*model, opt.seed, x.data(), n);
  }
  std::vector<float> traj;
  if (want_traj) {
    const double floats = (static_cast<double>(opt.steps) + 1) * static_cast<double>(n) * d;
    if (floats > kMaxFloats)
      runtime_error("the trajectory would take %.1f GB; lower --n or --steps", floats * 4 / 1e9);
    traj.resize(static_cast<std::size_t>(floats));
  }
  check_output(args, "--out");

  integrate_points(*model, opt.solver, opt.steps, x.data(), n, 0.0f, 1.0f, want_traj ? traj.data() : nullptr,
                   threads, conditioned.field());

  warn_non_finite(x.data(), n, d, "samples");

  std::string title = "rill sample: " + model_label(*model) + ", n = " + std::to_string(n) + ", " +
                      rill::solver_name(opt.solver) + ", " + std::to_string(opt.steps) + " steps";
  title += from_file ? ", x0 from " + args.text("--x0") : ", seed " + std::to_string(opt.seed);
  if (cond.cls >= 0) title += ", class " + std::to_string(cond.cls);
  if (cond.cls < 0 && cond.given()) title += ", condition from " + args.text("--cond");
  if (want_traj) {
    const std::vector<float> times = trajectory_times(0.0f, 1.0f, opt.steps);
    write_trajectory(out, format, traj.data(), times.data(), opt.steps, n, d, title);
  } else {
    write_points(out, format, x.data(), n, d, title);
  }
  return 0;
}

}  // namespace

const Command& sample_command() {
  static const Command c{
      "sample",
      "draw samples from a model",
      "sample --model MODEL --out FILE [flags]",
      "Draws x0 ~ N(0, I) from --seed (or reads it from --x0) and integrates the model's flow\n"
      "from t = 0 to 1. A model whose source is a dataset (rill info) draws x0 from that dataset\n"
      "with the same seed's stream. The output format follows the name of --out:\n"
      "  .npy  float32, shape (n, d); with --trajectory (steps + 1, n, d)\n"
      "  .csv  header x0,x1,...; with --trajectory columns step,t,i,x0,x1,...\n"
      "  .svg  a scatter plot of the first two coordinates; with --trajectory, faint paths of\n"
      "        up to 200 particles behind the points\n"
      "  -     CSV on standard output\n",
      [] {
        std::vector<Flag> f = {
            {"--model", "MODEL", nullptr, "model file, shipped model name or formula (required)"},
            {"--out", "FILE", nullptr, "where to write: .npy, .csv, .svg or - (required)"},
            {"--n", "N", "1000", "number of samples (1 .. 100000000)"},
        };
        for (const Flag& s : sampling_flags()) f.push_back(s);
        f.push_back({"--x0", "FILE", nullptr, "starting points (.npy or .csv, n x d) instead of drawing them"});
        f.push_back({"--trajectory", nullptr, nullptr, "write every step, not only the samples"});
        f.push_back({"--class", "K", nullptr, "for a class-conditioned model: samples of class K (0-based); none: unconditional"});
        f.push_back({"--cond", "FILE", nullptr, "for a vector:M model: an (n, M) condition per sample (sets n), or (1, M) for all"});
        f.push_back({"--guidance", "W", "1", "with --class/--cond: u0 + W (u_c - u0), classifier-free guidance, W in [-100, 100] (2 evaluations when W != 0, 1)"});
        f.push_back(threads_flag());
        return f;
      }(),
      run_sample};
  return c;
}

}  // namespace cli
