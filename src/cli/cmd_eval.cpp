// `rill eval`: how close samples are to a built-in dataset — exact W2, MMD²
// and energy distance, each beside its noise floor (shared/spec/formats.md).
//
// The reference is a draw of n points from stream Purpose::eval_reference
// with seed 1,000,001; the floor of each metric is its value between that
// reference and a second, independent draw (seed 1,000,002): a model cannot
// be expected to score better than that. `--seeds K` (formats.md, "Noise")
// averages K sample seeds S … S+K−1 and sets them beside K true draws (seeds
// 1,000,002 … 1,000,001+K) scored against the same reference: one 4,000-point
// W2 or MMD² is heavy-tailed, so a claim near a bar is read from both means.
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

Points read_eval_samples(const Args& args, int dim, const char* dataset, int* n, std::string* source) {
  const std::string path = args.text("--samples");
  Points p = read_points(path, "--samples");
  if (p.d != dim)
    runtime_error("--samples %s has dimension %d; dataset %s is %d-dimensional", path.c_str(), p.d, dataset, dim);
  *source = "samples " + path;
  if (args.has("--n")) {
    if (p.n < *n)
      runtime_error("--samples %s holds %ld points; --n %d needs at least %d: give --n %ld or fewer, or more samples",
                    path.c_str(), p.n, *n, *n, p.n);
  } else if (p.n < *n) {  // all of them
    if (p.n < 2) runtime_error("--samples %s holds 1 point; eval compares at least 2", path.c_str());
    *source += " (all " + std::to_string(p.n) + " points: fewer than the default --n " + std::to_string(*n) + ")";
    *n = static_cast<int>(p.n);
  }
  p.values.resize(static_cast<std::size_t>(*n) * static_cast<std::size_t>(dim));
  p.n = *n;
  return p;
}

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
constexpr int kMaxSeeds = 100;  // --seeds

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

// Samples of the model for --model, or the first n points of --samples (`given`); `source` says which.
std::vector<float> points_to_judge(const LoadedModel* model, const Points* given, const Sampling& opt, int n,
                                   int threads, const Condition& cond, std::uint32_t seed, std::string* source) {
  std::vector<float> x;
  if (model != nullptr) {
    x.resize(static_cast<std::size_t>(n) * rill::kDatasetDim);
    draw_x0(*model, seed, x.data(), n);
    const ConditionedField conditioned(*model, cond, rill::step_length(0.0f, 1.0f, opt.steps));
    integrate_points(*model, opt.solver, opt.steps, x.data(), n, 0.0f, 1.0f, nullptr, threads, conditioned.field());
    *source = "model " + model->path + " (" + rill::solver_name(opt.solver) + ", " + std::to_string(opt.steps) +
              (opt.steps == 1 ? " step, seed " : " steps, seed ") + std::to_string(seed) + ")";
  } else {
    x.assign(given->values.begin(), given->values.begin() + static_cast<std::ptrdiff_t>(n) * rill::kDatasetDim);
  }
  for (float v : x)
    if (!std::isfinite(v)) runtime_error("the samples have NaN or Inf coordinates (the model diverged?)");
  return x;
}

// The six distances against the reference — w2 and its floor, mmd2 and its floor, energy and its
// floor — and the class agreement; with --seeds K each is the mean over K draws (the model's sample
// seeds S …, the floors' true draws 1,000,002 …) and se the standard error of that mean.
struct Scores {
  double m[6] = {};
  double se[6] = {};
  double agreement = NAN;
  int seeds = 1;
};

void mean_and_se(const std::vector<double>& v, double* mean, double* se) {
  const double k = static_cast<double>(v.size());
  double s = 0, q = 0;
  for (double x : v) s += x;
  *mean = s / k;
  for (double x : v) q += (x - *mean) * (x - *mean);
  *se = v.size() > 1 ? std::sqrt(q / (k - 1) / k) : 0.0;
}

Scores score(const LoadedModel* model, const Points* given, const Sampling& opt, int n, int threads,
             const Condition& cond, rill::Dataset dataset, int cls, int seeds, const std::vector<float>& ref,
             std::string* source) {
  std::vector<std::int32_t> labels;  // the 5-NN classifier of a labelled reference draw (all classes, the reference seed)
  const std::vector<float> labelled =
      cls >= 0 ? reference_draw(dataset, kReferenceSeed, n, -1, &labels) : std::vector<float>();
  const int d = rill::kDatasetDim;
  std::vector<double> v[7];
  for (int k = 0; k < seeds; ++k) {
    const std::vector<float> x = points_to_judge(model, given, opt, n, threads, cond,
                                                 opt.seed + static_cast<std::uint32_t>(k), source);
    const std::vector<float> other = reference_draw(dataset, kFloorSeed + static_cast<std::uint32_t>(k), n, cls);
    const double m[6] = {w2(x, ref, n), w2(other, ref, n), rill::mmd2(x.data(), n, ref.data(), n, d),
                         rill::mmd2(other.data(), n, ref.data(), n, d),
                         rill::energy_distance(x.data(), n, ref.data(), n, d),
                         rill::energy_distance(other.data(), n, ref.data(), n, d)};
    for (int i = 0; i < 6; ++i) v[i].push_back(m[i]);
    if (cls >= 0) {
      const std::int32_t want = cls;
      v[6].push_back(rill::knn_agreement(labelled.data(), labels.data(), n, x.data(), n, d, kAgreementK, &want, true));
    }
  }
  Scores r;
  r.seeds = seeds;
  for (int i = 0; i < 6; ++i) mean_and_se(v[i], &r.m[i], &r.se[i]);
  double unused = 0;
  if (cls >= 0) mean_and_se(v[6], &r.agreement, &unused);
  if (seeds > 1 && model != nullptr) {  // "…, seed S)" names the range
    const std::size_t at = source->rfind("seed ");
    *source = source->substr(0, at) + "seeds " + std::to_string(opt.seed) + " .. " +
              std::to_string(opt.seed + static_cast<std::uint32_t>(seeds - 1)) + ")";
  }
  return r;
}

void print_json(const std::string& name, int n, const Scores& s, bool with_model, const Density& den, int cls) {
  const double* m = s.m;
  std::printf("{\"dataset\": \"%s\", \"n\": %d, \"w2\": %s, \"w2_floor\": %s, \"w2_ratio\": %s, \"mmd2\": %s, "
              "\"mmd2_floor\": %s, \"energy\": %s, \"energy_floor\": %s",
              name.c_str(), n, json_number(m[0]).c_str(), json_number(m[1]).c_str(),
              json_number(m[1] > 0 ? m[0] / m[1] : NAN).c_str(), json_number(m[2]).c_str(),
              json_number(m[3]).c_str(), json_number(m[4]).c_str(), json_number(m[5]).c_str());
  if (s.seeds > 1) {
    static const char* const keys[6] = {"w2", "w2_floor", "mmd2", "mmd2_floor", "energy", "energy_floor"};
    std::printf(", \"seeds\": %d", s.seeds);
    for (int i = 0; i < 6; ++i) std::printf(", \"%s_se\": %s", keys[i], json_number(s.se[i]).c_str());
    std::printf(", \"mmd2_excess\": %s, \"mmd2_excess_se\": %s", json_number(m[2] - m[3]).c_str(),
                json_number(std::hypot(s.se[2], s.se[3])).c_str());
  }
  if (cls >= 0) std::printf(", \"class\": %d, \"agreement\": %s", cls, json_number(s.agreement).c_str());
  if (with_model && !std::isnan(den.nll)) std::printf(", \"nll\": %s", json_number(den.nll).c_str());
  if (with_model && !std::isnan(den.nll) && den.probes > 0) std::printf(", \"nll_probes\": %d", den.probes);
  if (den.has_entropy)
    std::printf(", \"entropy\": %s, \"kl\": %s", json_number(den.entropy).c_str(), json_number(den.kl).c_str());
  std::printf("}\n");
}

void print_table(const std::string& name, int n, const std::string& source, const Scores& s, int cls) {
  const double* m = s.m;
  std::printf("rill eval: %s%s, n = %d, %s\n", name.c_str(), cls >= 0 ? (", class " + std::to_string(cls)).c_str() : "",
              n, source.c_str());
  static const char* const names[3] = {"w2", "mmd2", "energy"};
  if (s.seeds == 1) {
    std::printf("%-8s %12s %12s %8s\n", "metric", "value", "floor", "ratio");
    for (int i = 0; i < 3; ++i)
      std::printf("%-8s %12.6g %12.6g %8s\n", names[i], m[2 * i], m[2 * i + 1], ratio_text(m[2 * i], m[2 * i + 1]).c_str());
    std::printf("floor: the same distance between two independent reference draws (seeds %u and %u)\n",
                kReferenceSeed, kFloorSeed);
  } else {
    std::printf("%-8s %-24s %-24s %8s %s\n", "metric", "samples (mean +- s.e.)", "true draws (mean +- s.e.)", "ratio",
                "excess");
    for (int i = 0; i < 3; ++i) {
      const int a = 2 * i, b = 2 * i + 1;
      std::printf("%-8s %12.6g +- %-8.2g %12.6g +- %-8.2g %8s %11.4g +- %.2g\n", names[i], m[a], s.se[a], m[b], s.se[b],
                  ratio_text(m[a], m[b]).c_str(), m[a] - m[b], std::hypot(s.se[a], s.se[b]));
    }
    std::printf("true draws: %d independent draws of the dataset (seeds %u .. %u), each against the same reference\n"
                "(seed %u) as the samples: what a perfect model scores; excess = samples - true draws\n",
                s.seeds, kFloorSeed, kFloorSeed + static_cast<std::uint32_t>(s.seeds - 1), kReferenceSeed);
  }
  if (cls >= 0)
    std::printf("%-8s %12.6g  fraction of samples a %d-NN classifier on a labelled reference draw calls class %d%s\n",
                "agreement", s.agreement, kAgreementK, cls, s.seeds > 1 ? " (mean over the seeds)" : "");
}

void print_density(const Density& den, const LoadedModel* model, bool with_nll, int cls, const Condition& cond) {
  char est[64] = "";
  if (den.probes > 0) std::snprintf(est, sizeof est, " (estimate, %d probe%s)", den.probes, den.probes == 1 ? "" : "s");
  if (with_nll) std::printf("%-8s %12.6g  nats: -mean log p_model of the reference draw%s\n", "nll", den.nll, est);
  if (model != nullptr && !with_nll && cls < 0 && !cond.given() && step_conditioned(*model))
    std::printf("nll      -  (a step-conditioned model has no log-density)\n");
  else if (model != nullptr && !with_nll && cls < 0 && !cond.given())
    std::printf("nll      -  (the model's source %s has no density)\n", source_name(*model));
  if (den.has_entropy) {
    std::printf("%-8s %12.6g  nats: -mean log p_data of the reference draw (closed form)\n", "entropy", den.entropy);
    std::printf("%-8s %12.6g  nats: nll - entropy, KL(p_data || p_model) estimated on the reference draw%s\n", "kl",
                den.kl, est);
  }
}

// --seeds K (1 by default): K sample seeds from --seed, which must stay a 32-bit seed.
int parse_seeds(const Args& args, bool use_model, std::uint32_t seed) {
  if (!args.has("--seeds")) return 1;
  if (!use_model) args.fail("--seeds applies to --model, not to --samples");
  const int k = static_cast<int>(args.integer("--seeds", 1, kMaxSeeds));
  if (static_cast<std::uint64_t>(seed) + static_cast<std::uint64_t>(k) - 1 > 0xffffffffull)
    args.fail("--seeds %d from --seed %u passes the largest seed 4294967295", k, seed);
  return k;
}

int run_eval(const Args& args) {
  if (is_digits(args, "--data")) {
    if (args.has("--seeds")) args.fail("--seeds is not for --data digits (its floor is two halves of the real images)");
    return run_eval_digits(args);
  }
  const rill::Dataset dataset = dataset_flag(args, "--data", true);
  const std::string name = rill::dataset_name(dataset);
  const bool use_model = args.has("--model");
  if (use_model == args.has("--samples")) args.fail("give either --model or --samples");
  if (!use_model)
    for (const char* f : {"--steps", "--solver", "--seed", "--exact", "--probes"})
      if (args.has(f)) args.fail("%s applies to --model, not to --samples", f);
  std::string source;
  int n = static_cast<int>(args.integer("--n", 2, 10000));
  Points given;  // --samples: read before n is final (a short file sets it)
  if (!use_model) given = read_eval_samples(args, rill::kDatasetDim, name.c_str(), &n, &source);
  const bool json = args.has("--json");
  const Sampling opt = parse_sampling(args);
  const int threads = parse_threads(args);
  const int seeds = parse_seeds(args, use_model, opt.seed);

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
  const std::vector<float> ref = reference_draw(dataset, kReferenceSeed, n, cls);
  const Scores scores = score(model.get(), &given, opt, n, threads, cond, dataset, cls, seeds, ref, &source);
  // nll: of the unconditional model, with a density at t = 0 (a gaussian source), against the whole dataset
  // (cls < 0, so `ref` is that draw); it does not depend on the sample seed (Hutchinson's probes come from
  // --seed's stream).
  const bool with_nll = use_model && cls < 0 && !cond.given() && std::string(source_name(*model)) == "gaussian" &&
                        !step_conditioned(*model);
  const DensityMethod method = use_model ? parse_density_method(args, model->dim(), opt.seed) : DensityMethod();
  const Density den = with_nll ? density_figures(*model, dataset, opt, ref.data(), n, threads, method) : Density();

  if (json) {
    print_json(name, n, scores, use_model, den, cls);
    return 0;
  }
  print_table(name, n, source, scores, cls);
  print_density(den, model.get(), with_nll, cls, cond);
  return 0;
}

}  // namespace

const Command& eval_command() {
  static const Command c{
      "eval",
      "measure how close a model's samples are to a built-in dataset",
      "eval --data NAME (--model MODEL [--steps N --solver NAME --seed SEED --seeds K --threads N] | --samples FILE) [--n N] [--json]",
      "Compares n samples (drawn from --model, or the first n points of --samples: all of them\n"
      "when the file holds fewer than the default n and --n is not given) with a\n"
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
      "--seeds K scores K draws of the model (sample seeds --seed .. --seed+K-1) and K true\n"
      "draws of the dataset (seeds 1000002 .. 1000001+K), all against the same reference, and\n"
      "shows each metric's mean and standard error for both, their ratio and the samples'\n"
      "excess over true draws: one 4,000-point W2 or MMD^2 is heavy-tailed (formats.md, \"Noise\"),\n"
      "so a claim near a bar is read from these means. K = 1 is the plain evaluation.\n"
      "--json prints one object: dataset, n, w2, w2_floor, w2_ratio, mmd2, mmd2_floor, energy,\n"
      "energy_floor, and where they apply class, agreement, nll (nll_probes: K when estimated),\n"
      "entropy and kl; with --seeds K > 1 the values are the means, and it adds seeds, the\n"
      "standard errors w2_se, w2_floor_se, mmd2_se, mmd2_floor_se, energy_se, energy_floor_se,\n"
      "and mmd2_excess (mmd2 - mmd2_floor) with mmd2_excess_se.\n"
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
        f.push_back({"--samples", "FILE", nullptr, "or evaluate these points (.npy or .csv, n x 2; digits: n x 64)"});
        f.push_back({"--class", "K", nullptr, "compare with class K's fixed-label reference, and add the 5-NN class agreement"});
        f.push_back({"--guidance", "W", "1", "with --class and --model: classifier-free guidance weight"});
        f.push_back({"--seeds", "K", "1", "average K sample seeds from --seed beside K true draws (1 .. 100)"});
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
