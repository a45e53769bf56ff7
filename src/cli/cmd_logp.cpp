// `rill logp`: the model's log-density log p_t(x) at given points, in nats
// (shared/spec/formats.md, "Log-likelihood"): each point is integrated back
// from t to 0 with its exact divergence carried as one more solver state
// (rill::log_prob), log p_t(x) = log N(x0; 0, I) − ∫ div u. With --class K or
// --cond FILE (one row) and --guidance W: the density of the conditioned flow.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/array_io.h"
#include "cli/commands.h"
#include "cli/fail.h"
#include "cli/model.h"
#include "rill/capi.h"

namespace cli {

namespace {

int run_logp(const Args& args) {
  const Format format = output_format(args, "--out", false);
  const std::string out = args.text("--out");
  const float t = static_cast<float>(args.real("--t", 0.0, 1.0));
  const int steps = static_cast<int>(args.integer("--steps", 1, kMaxSampleSteps));
  const rill::Solver solver = parse_solver_flag(args);
  const int threads = parse_threads(args);
  const std::string xpath = args.text("--x");
  const std::uint32_t seed = args.seed("--seed");

  const auto model = load_model(args.text("--model"));
  check_density_source(*model);
  const Condition cond = parse_condition(args, *model);
  if (cond.n_rows > 1)
    runtime_error("--cond holds %ld rows; logp takes one condition for every point, a (1, M) file", cond.n_rows);
  // The conditioned field with its divergence (class K, or the one vector row: its first M encoded
  // values are the raw ones) and guidance: rill_log_prob's field, the same bits.
  const rill::CallDivergenceField conditioned(model->mlp, cond.cls, cond.cls < 0 ? cond.rows.data() : nullptr,
                                              cond.guidance);
  const DensityMethod method = parse_density_method(args, model->dim(), seed);
  if (method.probes == 0 && args.has("--seed"))
    args.fail("--seed draws Hutchinson's probes, and the divergence here is exact (d <= %d, or --exact); give --probes K",
              kExactDimMax);
  const Points p = read_points(xpath, "--x");  // NaN and Inf are refused here, with the row
  if (p.d != model->dim())
    runtime_error("--x %s has dimension %d; the model's is %d", xpath.c_str(), p.d, model->dim());
  check_output(args, "--out");

  std::vector<float> logp(static_cast<std::size_t>(p.n));
  log_density(*model, solver, steps, t, p.values.data(), p.n, logp.data(), threads, method.probes, method.seed,
              cond.given() ? &conditioned : nullptr);
  refuse_non_finite(logp.data(), p.n, ("--x " + xpath).c_str());
  write_values(out, format, logp.data(), p.n, method.estimate() ? "logp_estimate" : "logp");
  if (method.estimate())
    std::fprintf(stderr, "rill logp: Hutchinson's estimate of log p (%d probe%s a point, seed %u), not the exact value\n",
                 method.probes, method.probes == 1 ? "" : "s", method.seed);
  return 0;
}

}  // namespace

const Command& logp_command() {
  static const Command c{
      "logp",
      "log-density log p_t(x) of a model at given points (nats)",
      "logp --model MODEL --x FILE --out FILE [--solver rk4 --steps 32 --t 1] [--class K | --cond FILE] [--guidance W] [--exact | --probes K --seed S] [--threads N]",
      "Writes log p_t(x) in nats, one value per row of --x (n x d): each point is integrated\n"
      "back from t to 0 by the fixed-step solver with the divergence of the field carried as\n"
      "one more state, and log p_t(x) = log N(x0; 0, I) - integral of div u_s(X_s) ds.\n"
      "For d <= 16 the divergence is exact (d Jacobian-vector products: about (d + 1)x the cost\n"
      "of sampling at the same solver and steps). Above, the default is Hutchinson's estimate:\n"
      "K Rademacher vectors e a point (--probes K, default 1; their stream from --seed), fixed\n"
      "over the integration, and div u ~ mean of e.(J e) (K Jacobian-vector products). It is\n"
      "unbiased with a spread that falls as 1/sqrt(K), and labelled: the CSV header is\n"
      "logp_estimate and a note goes to stderr. --exact forces the exact divergence, --probes K\n"
      "the estimate at any d (not exact:8gaussians, which has only its closed form).\n"
      "The output follows --out:\n"
      "  .npy  float32, shape (n,)\n"
      "  .csv  one column with the header logp (logp_estimate for Hutchinson's estimate)\n"
      "  -     CSV on standard output\n"
      "A point whose integration overflows or gives NaN is an error (exit 1, no output); the\n"
      "message names up to ten 0-based indices and the count.\n"
      "MODEL may be a formula: exact:8gaussians or linear:a,b,c,d (u = A x, A row-major).\n",
      [] {
        std::vector<Flag> f = {
            {"--model", "MODEL", nullptr, "model file, shipped model name or formula (required)"},
            {"--x", "FILE", nullptr, "the points (.npy or .csv, n x d; - for stdin) (required)"},
            {"--out", "FILE", nullptr, "where to write: .npy, .csv or - (required)"},
            {"--solver", "NAME", "rk4", "euler, midpoint, heun (trapezoid) or rk4"},
            {"--steps", "N", "32", "integration steps from t back to 0 (1 .. 1000000)"},
            {"--t", "T", "1", "the time of the density p_t, in [0, 1]"},
        };
        f.push_back({"--class", "K", nullptr, "for a class-conditioned model: the density of class K's flow (0-based)"});
        f.push_back({"--cond", "FILE", nullptr, "for a vector:M model: one condition (a (1, M) file) for every point"});
        f.push_back({"--guidance", "W", "1", "with --class/--cond: the guided field u0 + W (u_c - u0) and its divergence"});
        for (const Flag& d : density_flags()) f.push_back(d);
        f.push_back({"--seed", "SEED", "0", "seed of Hutchinson's probes (0 .. 4294967295)"});
        f.push_back(threads_flag());
        return f;
      }(),
      run_logp};
  return c;
}

}  // namespace cli
