// `rill eval`: how close samples are to a built-in dataset — exact W2, MMD²
// and energy distance, each beside its noise floor (shared/spec/formats.md).
//
// The reference is a draw of n points from stream Purpose::eval_reference
// with seed 1,000,001; the floor of each metric is its value between that
// reference and a second, independent draw (seed 1,000,002): a model cannot
// be expected to score better than that.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/array_io.h"
#include "cli/commands.h"
#include "cli/digits.h"
#include "cli/fail.h"
#include "cli/model.h"
#include "rill/datasets.h"
#include "rill/metrics.h"
#include "rill/rng.h"

namespace cli {

namespace {

constexpr std::uint32_t kReferenceSeed = 1000001;
constexpr std::uint32_t kFloorSeed = 1000002;

// A reference draw (stream eval-reference): the whole dataset, or for cls >= 0
// a fixed-label draw of that class (datasets.md), with its labels if asked.
std::vector<float> reference_draw(rill::Dataset ds, std::uint32_t seed, long n, int cls = -1,
                                  std::vector<std::int32_t>* labels = nullptr) {
  std::vector<float> x(static_cast<std::size_t>(n) * rill::kDatasetDim);
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::eval_reference);
  rill::DatasetDraw how;
  how.cls = cls;
  if (labels != nullptr) {
    labels->assign(static_cast<std::size_t>(n), 0);
    how.labels = labels->data();
  }
  rill::dataset_draw(ds, rng, x.data(), n, how);
  return x;
}

constexpr int kAgreementK = 5;  // neighbours of the class-agreement classifier

double w2(const std::vector<float>& x, const std::vector<float>& y, int n) {
  std::vector<unsigned char> mem(rill::w2_scratch(n) + rill::Arena::kAlign);
  rill::Arena arena(mem.data(), mem.size());
  double v = 0;
  const rill::Status st = rill::w2_exact(x.data(), y.data(), n, rill::kDatasetDim, arena, &v);
  if (st != rill::Status::ok) runtime_error("exact W2 failed: %s", rill::status_message(st));
  return v;
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string ratio_text(double v, double floor) {
  if (!(floor > 0) || !std::isfinite(v)) return "-";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3g", v / floor);
  return buf;
}

// The density figures of a model against the reference draw (formats.md
// "Metrics"): nll = −mean log p_model, and for a target whose density has a
// closed form, entropy = −mean log p_data and kl = nll − entropy.
struct Density {
  double nll = NAN, entropy = NAN, kl = NAN;
  bool has_entropy = false;
  int probes = 0;  // > 0: nll (and kl) are Hutchinson's estimates with this many probes a point
};

Density density_figures(const LoadedModel& model, rill::Dataset dataset, const Sampling& opt, const float* ref, int n,
                        int threads, const DensityMethod& method) {
  Density r;
  check_density_source(model);
  r.probes = method.probes;
  std::vector<float> logp(static_cast<std::size_t>(n));
  log_density(model, opt.solver, opt.steps, 1.0f, ref, n, logp.data(), threads, method.probes, method.seed);
  refuse_non_finite(logp.data(), n, "log p of the reference draw");
  double sum = 0;
  for (float v : logp) sum += v;
  r.nll = -sum / n;
  std::vector<double> truth(static_cast<std::size_t>(n));
  if (rill::target_log_density(dataset, ref, n, truth.data())) {
    double s = 0;
    for (double v : truth) s += v;
    r.has_entropy = true;
    r.entropy = -s / n;
    r.kl = r.nll - r.entropy;
  }
  return r;
}

// Samples of the model for --model, or the first n points of --samples; `source` says which.
std::vector<float> points_to_judge(const Args& args, const LoadedModel* model, const Sampling& opt, int n,
                                   int threads, const Condition& cond, std::string* source) {
  const std::string name = rill::dataset_name(dataset_flag(args, "--data"));
  std::vector<float> x;
  if (model != nullptr) {
    x.resize(static_cast<std::size_t>(n) * rill::kDatasetDim);
    draw_x0(*model, opt.seed, x.data(), n);
    const ConditionedField conditioned(*model, cond);
    integrate_points(*model, opt.solver, opt.steps, x.data(), n, 0.0f, 1.0f, nullptr, threads, conditioned.field());
    *source = "model " + model->path + " (" + rill::solver_name(opt.solver) + ", " + std::to_string(opt.steps) +
              " steps, seed " + std::to_string(opt.seed) + ")";
  } else {
    const std::string path = args.text("--samples");
    Points p = read_points(path, "--samples");
    if (p.d != rill::kDatasetDim)
      runtime_error("--samples %s has dimension %d; dataset %s is %d-dimensional", path.c_str(), p.d, name.c_str(),
                    rill::kDatasetDim);
    if (p.n < n) runtime_error("--samples %s holds %ld points; --n %d needs at least %d", path.c_str(), p.n, n, n);
    p.values.resize(static_cast<std::size_t>(n) * rill::kDatasetDim);
    x.swap(p.values);
    *source = "samples " + path;
  }
  for (float v : x)
    if (!std::isfinite(v)) runtime_error("the samples have NaN or Inf coordinates (the model diverged?)");
  return x;
}

void print_json(const std::string& name, int n, const double (&m)[6], bool with_model, const Density& den, int cls,
                double agreement) {
  std::printf("{\"dataset\": \"%s\", \"n\": %d, \"w2\": %s, \"w2_floor\": %s, \"w2_ratio\": %s, \"mmd2\": %s, "
              "\"mmd2_floor\": %s, \"energy\": %s, \"energy_floor\": %s",
              name.c_str(), n, json_number(m[0]).c_str(), json_number(m[1]).c_str(),
              json_number(m[1] > 0 ? m[0] / m[1] : NAN).c_str(), json_number(m[2]).c_str(),
              json_number(m[3]).c_str(), json_number(m[4]).c_str(), json_number(m[5]).c_str());
  if (cls >= 0) std::printf(", \"class\": %d, \"agreement\": %s", cls, json_number(agreement).c_str());
  if (with_model && !std::isnan(den.nll)) std::printf(", \"nll\": %s", json_number(den.nll).c_str());
  if (with_model && !std::isnan(den.nll) && den.probes > 0) std::printf(", \"nll_probes\": %d", den.probes);
  if (den.has_entropy)
    std::printf(", \"entropy\": %s, \"kl\": %s", json_number(den.entropy).c_str(), json_number(den.kl).c_str());
  std::printf("}\n");
}

int run_eval(const Args& args) {
  if (is_digits(args, "--data")) return run_eval_digits(args);
  const rill::Dataset dataset = dataset_flag(args, "--data", true);
  const std::string name = rill::dataset_name(dataset);
  const bool use_model = args.has("--model");
  if (use_model == args.has("--samples")) args.fail("give either --model or --samples");
  if (!use_model)
    for (const char* f : {"--steps", "--solver", "--seed"})
      if (args.has(f)) args.fail("%s applies to --model, not to --samples", f);
  const int n = static_cast<int>(args.integer("--n", 2, 10000));
  const bool json = args.has("--json");
  const Sampling opt = parse_sampling(args);
  const int threads = parse_threads(args);

  const int classes = rill::dataset_classes(dataset);
  int cls = -1;
  if (args.has("--class")) {
    if (classes == 0) args.fail("--class: dataset %s has no labels", name.c_str());
    cls = static_cast<int>(args.integer("--class", 0, classes - 1));
  }
  if (!use_model && args.has("--guidance")) args.fail("--guidance applies to --model, not to --samples");

  std::unique_ptr<LoadedModel> model;
  Condition cond;
  if (use_model) {
    model = load_model(args.text("--model"));
    if (model->dim() != rill::kDatasetDim)
      runtime_error("the model %s is %d-dimensional; dataset %s is %d-dimensional", model->path.c_str(),
                    model->dim(), name.c_str(), rill::kDatasetDim);
    cond = parse_condition(args, *model);
  }
  std::string source;
  const std::vector<float> x = points_to_judge(args, model.get(), opt, n, threads, cond, &source);
  const std::vector<float> ref = reference_draw(dataset, kReferenceSeed, n, cls);
  const std::vector<float> other = reference_draw(dataset, kFloorSeed, n, cls);
  double agreement = NAN;
  if (cls >= 0) {  // the 5-NN classifier of a labelled reference draw (all classes, the reference seed)
    std::vector<std::int32_t> labels;
    const std::vector<float> labelled = reference_draw(dataset, kReferenceSeed, n, -1, &labels);
    const std::int32_t want = cls;
    agreement = rill::knn_agreement(labelled.data(), labels.data(), n, x.data(), n, rill::kDatasetDim, kAgreementK,
                                    &want, true);
  }
  const int d = rill::kDatasetDim;
  const double m[6] = {w2(x, ref, n), w2(other, ref, n), rill::mmd2(x.data(), n, ref.data(), n, d),
                       rill::mmd2(other.data(), n, ref.data(), n, d),
                       rill::energy_distance(x.data(), n, ref.data(), n, d),
                       rill::energy_distance(other.data(), n, ref.data(), n, d)};
  // nll: of the unconditional model, with a density at t = 0 (a gaussian source), against the whole dataset.
  const bool with_nll = use_model && cls < 0 && !cond.given() && std::string(source_name(*model)) == "gaussian";
  const DensityMethod method = use_model ? parse_density_method(args, model->dim(), opt.seed) : DensityMethod();
  const Density den = with_nll ? density_figures(*model, dataset, opt, ref.data(), n, threads, method) : Density();

  if (json) {
    print_json(name, n, m, use_model, den, cls, agreement);
    return 0;
  }
  std::printf("rill eval: %s%s, n = %d, %s\n", name.c_str(), cls >= 0 ? (", class " + std::to_string(cls)).c_str() : "",
              n, source.c_str());
  std::printf("%-8s %12s %12s %8s\n", "metric", "value", "floor", "ratio");
  std::printf("%-8s %12.6g %12.6g %8s\n", "w2", m[0], m[1], ratio_text(m[0], m[1]).c_str());
  std::printf("%-8s %12.6g %12.6g %8s\n", "mmd2", m[2], m[3], ratio_text(m[2], m[3]).c_str());
  std::printf("%-8s %12.6g %12.6g %8s\n", "energy", m[4], m[5], ratio_text(m[4], m[5]).c_str());
  std::printf("floor: the same distance between two independent reference draws (seeds %u and %u)\n",
              kReferenceSeed, kFloorSeed);
  if (cls >= 0)
    std::printf("%-8s %12.6g  fraction of samples a %d-NN classifier on a labelled reference draw calls class %d\n",
                "agreement", agreement, kAgreementK, cls);
  char est[64] = "";
  if (den.probes > 0) std::snprintf(est, sizeof est, " (estimate, %d probe%s)", den.probes, den.probes == 1 ? "" : "s");
  if (with_nll) std::printf("%-8s %12.6g  nats: -mean log p_model of the reference draw%s\n", "nll", den.nll, est);
  if (use_model && !with_nll && cls < 0 && !cond.given())
    std::printf("nll      -  (the model's source %s has no density)\n", source_name(*model));
  if (den.has_entropy) {
    std::printf("%-8s %12.6g  nats: -mean log p_data of the reference draw (closed form)\n", "entropy", den.entropy);
    std::printf("%-8s %12.6g  nats: nll - entropy, KL(p_data || p_model) estimated on the reference draw%s\n", "kl",
                den.kl, est);
  }
  return 0;
}

}  // namespace

const Command& eval_command() {
  static const Command c{
      "eval",
      "measure how close a model's samples are to a built-in dataset",
      "eval --data NAME (--model MODEL [--steps N --solver NAME --seed SEED --threads N] | --samples FILE) [--n N] [--json]",
      "Compares n samples (drawn from --model, or the first n points of --samples) with a\n"
      "reference draw of the dataset (stream eval-reference, seed 1000001): exact W2, unbiased\n"
      "MMD^2 (kernel summed over bandwidths 0.1, 0.2, 0.5, 1, 2) and energy distance. Each is shown\n"
      "beside its floor, the same distance between the reference and an independent draw\n"
      "(seed 1000002), and their ratio (- when the floor is not positive).\n"
      "With --model it also gives nll, -mean log p_model of the reference draw in nats (the\n"
      "exact divergence integrated back by the same --solver and --steps as the samples), and\n"
      "for gaussian, 8gaussians and checkerboard, whose density has a closed form, entropy\n"
      "(-mean log p_data of the same points) and kl = nll - entropy, an estimate of\n"
      "KL(p_data || p_model) >= 0. A reference point whose log p is not finite is an error.\n"
      "--probes K uses Hutchinson's estimate of the divergence instead (K Rademacher probes a\n"
      "point from --seed's own stream; the default above d = 16, and the lines say \"estimate,\n"
      "K probes\"); --exact forces the exact one.\n"
      "--class K compares with a fixed-label reference draw of class K (the same seeds) and adds\n"
      "agreement, the fraction of samples that a 5-nearest-neighbour classifier on a labelled\n"
      "reference draw (seed 1000001) assigns to K; a class-conditioned --model samples class K\n"
      "(with --guidance W). nll is left out with --class, and for a model whose source is a\n"
      "dataset (no density at t = 0).\n"
      "--json prints one object: dataset, n, w2, w2_floor, w2_ratio, mmd2, mmd2_floor, energy,\n"
      "energy_floor, and where they apply class, agreement, nll (nll_probes: K when estimated),\n"
      "entropy and kl.\n"
      "\n"
      "--data digits (64-D; datasets.md) compares --n samples (default 1000) with the real images\n"
      "(all 1797, or class K's): mmd2 with RBF bandwidths 2, 4, 8 beside its floor (two disjoint\n"
      "random halves of the same images); with --class K, agreement is the fraction of samples\n"
      "whose nearest real image (1-NN) is a K; and the memorisation check: quantiles of each\n"
      "sample's distance to its nearest training image beside the same for real images (to their\n"
      "nearest other image). --json: dataset, n, reference, mmd2, mmd2_floor, class, agreement,\n"
      "nearest_quantiles, nearest_samples, nearest_real.\n",
      [] {
        std::vector<Flag> f = {
            {"--data", "NAME", nullptr, "the dataset (required): gaussian, 8gaussians, moons, ..."},
            {"--model", "MODEL", nullptr, "sample from this model (a file, shipped name or formula)"},
        };
        for (const Flag& s : sampling_flags()) f.push_back(s);
        f.push_back({"--samples", "FILE", nullptr, "or evaluate these points (.npy or .csv, n x 2)"});
        f.push_back({"--class", "K", nullptr, "compare with class K's fixed-label reference, and add the 5-NN class agreement"});
        f.push_back({"--guidance", "W", "1", "with --class and --model: classifier-free guidance weight"});
        f.push_back({"--n", "N", "2000", "number of points compared (2 .. 10000; digits: 1000 by default)"});
        for (const Flag& d : density_flags()) f.push_back(d);
        f.push_back({"--json", nullptr, nullptr, "print one JSON object instead of a table"});
        f.push_back(threads_flag());
        return f;
      }(),
      run_eval};
  return c;
}

}  // namespace cli
