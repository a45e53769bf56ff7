// `rill field`: the model's vector field u_t(x) at given points and time.
#include <string>
#include <vector>

#include "cli/array_io.h"
#include "cli/commands.h"
#include "cli/fail.h"
#include "cli/model.h"

namespace cli {

namespace {

int run_field(const Args& args) {
  const Format format = output_format(args, "--out", false);
  const std::string out = args.text("--out");
  const float t = static_cast<float>(args.real("--t", 0.0, 1.0));
  const std::string xpath = args.text("--x");
  const auto model = load_model(args.text("--model"));
  const Condition cond = parse_condition(args, *model);
  if (args.has("--h") && !step_conditioned(*model))
    runtime_error("--h: the model %s is not step-conditioned (it has no step_embedding)", model->path.c_str());
  const float h = args.has("--h") ? static_cast<float>(args.real("--h", 0.0, 1.0)) : 0.0f;
  const ConditionedField conditioned(*model, cond, h);
  const Points p = read_points(xpath, "--x");
  if (p.d != model->dim()) runtime_error("--x %s has dimension %d; the model's is %d", xpath.c_str(), p.d, model->dim());
  if (cond.n_rows > 1 && cond.n_rows != p.n)
    runtime_error("--cond %s holds %ld rows; give 1 (the same condition for every point) or one per row of --x (%ld)",
                  args.text("--cond").c_str(), static_cast<long>(cond.n_rows), p.n);
  check_output(args, "--out");
  std::vector<float> u(p.values.size());
  eval_field(*model, t, p.values.data(), p.n, u.data(), conditioned.field(), h);
  warn_non_finite(u.data(), p.n, p.d, "velocities");
  write_points(out, format, u.data(), p.n, p.d, "");
  return 0;
}

}  // namespace

const Command& field_command() {
  static const Command c{
      "field",
      "evaluate a model's vector field u_t(x) at given points",
      "field --model MODEL --t T --x FILE --out FILE",
      "Writes u_t(x), one row per row of --x (n x d), as .npy, .csv or - (CSV on stdout).\n",
      {
          {"--model", "MODEL", nullptr, "model file, shipped model name or formula (required)"},
          {"--t", "T", nullptr, "the time, in [0, 1] (required)"},
          {"--h", "H", "0", "a step-conditioned model's step length h in [0, 1]: its average velocity over [t, t + h]"},
          {"--class", "K", nullptr, "for a class-conditioned model: the field of class K (0-based); none: unconditional"},
          {"--cond", "FILE", nullptr, "for a vector:M model: (1, M) values for every point, or one row per row of --x"},
          {"--guidance", "W", "1", "with --class or --cond: u0 + W (u_c - u0), classifier-free guidance, W in [-100, 100]"},
          {"--x", "FILE", nullptr, "the points (.npy or .csv, n x d; - for stdin) (required)"},
          {"--out", "FILE", nullptr, "where to write: .npy, .csv or - (required)"},
      },
      run_field};
  return c;
}

}  // namespace cli
