// `rill eval --data digits`: how close 64-D samples are to the digits set
// (shared/spec/datasets.md, "Metrics on digits").
//
// The reference is the set itself: all 1,797 rows, or one class's rows.
// - mmd2: unbiased MMD² with the summed RBF kernel of bandwidths 2, 4, 8,
//   samples against the reference; its floor is the same distance between two
//   disjoint random halves of the reference (a shuffle from stream
//   eval-reference, seed 1,000,002).
// - agreement (with --class K): the fraction of samples whose nearest real
//   image (1-NN over all rows, Euclidean) is a K.
// - the memorisation check: quantiles of each sample's distance to its
//   nearest training image (all rows), beside the same for the reference's
//   real images (nearest other row, leaving the image itself out). Samples
//   much closer to the set than real images are to each other would be copies.
#include <algorithm>
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
#include "rill/metrics.h"
#include "rill/rng.h"

namespace cli {

namespace {

constexpr std::uint32_t kFloorSeed = 1000002;
constexpr double kBandwidths[3] = {2.0, 4.0, 8.0};
constexpr double kQuantiles[6] = {0.0, 0.01, 0.05, 0.25, 0.5, 0.75};
constexpr int kQuantileCount = 6;

// The reference rows: every row, or class cls's rows in file order.
std::vector<float> reference_rows(const Digits& dg, int cls) {
  const long b = cls >= 0 ? dg.class_start[cls] : 0, e = cls >= 0 ? dg.class_start[cls + 1] : kDigitsRows;
  std::vector<float> ref(static_cast<std::size_t>(e - b) * kDigitsDim);
  for (long i = b; i < e; ++i) {
    const long row = cls >= 0 ? dg.by_class[static_cast<std::size_t>(i)] : i;
    std::copy_n(dg.rows.data() + row * kDigitsDim, kDigitsDim, ref.data() + (i - b) * kDigitsDim);
  }
  return ref;
}

// MMD² between two disjoint random halves of ref (m rows): the metric's floor.
double halves_floor(const std::vector<float>& ref, long m) {
  std::vector<long> order(static_cast<std::size_t>(m));
  for (long i = 0; i < m; ++i) order[static_cast<std::size_t>(i)] = i;
  rill::Rng rng = rill::Rng::derive(kFloorSeed, rill::Purpose::eval_reference);
  for (long i = m - 1; i > 0; --i)  // Fisher–Yates
    std::swap(order[static_cast<std::size_t>(i)], order[rng.below(static_cast<std::uint32_t>(i + 1))]);
  std::vector<float> shuffled(ref.size());
  for (long i = 0; i < m; ++i)
    std::copy_n(ref.data() + order[static_cast<std::size_t>(i)] * kDigitsDim, kDigitsDim,
                shuffled.data() + i * kDigitsDim);
  const long h = m / 2;
  return rill::mmd2_bandwidths(shuffled.data(), h, shuffled.data() + h * kDigitsDim, m - h, kDigitsDim, kBandwidths, 3);
}

// For each real image of the reference (rows [b, e) of the set, or class cls's), the distance to the nearest other row.
std::vector<double> real_nearest(const Digits& dg, int cls) {
  const long b = cls >= 0 ? dg.class_start[cls] : 0, e = cls >= 0 ? dg.class_start[cls + 1] : kDigitsRows;
  std::vector<double> dist;
  for (long i = b; i < e; ++i) {
    const long row = cls >= 0 ? dg.by_class[static_cast<std::size_t>(i)] : i;
    const float* x = dg.rows.data() + row * kDigitsDim;
    double best = INFINITY;
    for (long j = 0; j < kDigitsRows; ++j) {
      if (j == row) continue;
      const float* y = dg.rows.data() + j * kDigitsDim;
      double s = 0;
      for (int k = 0; k < kDigitsDim; ++k) s += (static_cast<double>(x[k]) - y[k]) * (static_cast<double>(x[k]) - y[k]);
      best = std::min(best, s);
    }
    dist.push_back(std::sqrt(best));
  }
  return dist;
}

std::vector<double> quantiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::vector<double> q;
  for (double p : kQuantiles) {
    const double at = p * static_cast<double>(v.size() - 1);
    const std::size_t lo = static_cast<std::size_t>(at);
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    q.push_back(v[lo] + (at - static_cast<double>(lo)) * (v[hi] - v[lo]));
  }
  return q;
}

std::string number(double v, const char* fmt = "%.9g") {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string json_list(const std::vector<double>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + number(v[i]);
  return s + "]";
}

// n samples of the model (64-D, with its condition and guidance).
std::vector<float> digits_samples(const Args& args, const LoadedModel& model, const Condition& cond, int n,
                                  int threads, std::string* what) {
  const Sampling opt = parse_sampling(args);
  std::vector<float> x(static_cast<std::size_t>(n) * kDigitsDim);
  draw_x0(model, opt.seed, x.data(), n);
  const ConditionedField conditioned(model, cond, rill::step_length(0.0f, 1.0f, opt.steps));
  integrate_points(model, opt.solver, opt.steps, x.data(), n, 0.0f, 1.0f, nullptr, threads, conditioned.field());
  *what = "model " + model.path + " (" + rill::solver_name(opt.solver) + ", " + std::to_string(opt.steps) +
          (opt.steps == 1 ? " step, seed " : " steps, seed ") + std::to_string(opt.seed) + (cond.given() ? ", guidance " + number(cond.guidance, "%g") : "") + ")";
  return x;
}

}  // namespace

int run_eval_digits(const Args& args) {
  const bool use_model = args.has("--model");
  if (use_model == args.has("--samples")) args.fail("give either --model or --samples");
  if (!use_model)
    for (const char* f : {"--steps", "--solver", "--seed", "--guidance"})
      if (args.has(f)) args.fail("%s applies to --model, not to --samples", f);
  for (const char* f : {"--exact", "--probes"})  // the digits comparison has no log-likelihood line
    if (args.has(f)) args.fail("%s: eval on digits gives distances and class agreement, no nll to estimate", f);
  int n = args.has("--n") ? static_cast<int>(args.integer("--n", 2, 10000)) : 1000;
  std::string what;
  std::vector<float> x;  // the samples judged
  if (!use_model) x = read_eval_samples(args, kDigitsDim, kDigitsName, &n, &what).values;
  const int threads = parse_threads(args);
  parse_sampling(args);  // its usage errors before any work
  const int cls = args.has("--class") ? static_cast<int>(args.integer("--class", 0, kDigitsClasses - 1)) : -1;
  std::unique_ptr<LoadedModel> model;
  Condition cond;
  if (use_model) {
    model = load_model(args.text("--model"));
    if (model->dim() != kDigitsDim)
      runtime_error("the model %s is %d-dimensional; dataset digits is %d-dimensional", model->path.c_str(),
                    model->dim(), kDigitsDim);
    cond = parse_condition(args, *model);
  }
  const std::unique_ptr<Digits> dg = load_digits();
  if (use_model) x = digits_samples(args, *model, cond, n, threads, &what);
  for (float v : x)
    if (!std::isfinite(v)) runtime_error("the samples have NaN or Inf coordinates (the model diverged?)");
  const std::vector<float> ref = reference_rows(*dg, cls);
  const long m = static_cast<long>(ref.size() / kDigitsDim);
  const double mmd = rill::mmd2_bandwidths(x.data(), n, ref.data(), m, kDigitsDim, kBandwidths, 3);
  const double floor = halves_floor(ref, m);
  double agreement = NAN;
  if (cls >= 0) {
    const std::int32_t want = cls;
    agreement = rill::knn_agreement(dg->rows.data(), dg->labels.data(), kDigitsRows, x.data(), n, kDigitsDim, 1,
                                    &want, true);
  }
  std::vector<double> near(static_cast<std::size_t>(n));
  rill::nearest_distances(dg->rows.data(), kDigitsRows, x.data(), n, kDigitsDim, near.data());
  const std::vector<double> q_samples = quantiles(near), q_real = quantiles(real_nearest(*dg, cls));

  if (args.has("--json")) {
    std::printf("{\"dataset\": \"digits\", \"n\": %d, \"reference\": %ld, \"mmd2\": %s, \"mmd2_floor\": %s", n, m,
                number(mmd).c_str(), number(floor).c_str());
    if (cls >= 0) std::printf(", \"class\": %d, \"agreement\": %s", cls, number(agreement).c_str());
    std::vector<double> ps(kQuantiles, kQuantiles + kQuantileCount);
    std::printf(", \"nearest_quantiles\": %s, \"nearest_samples\": %s, \"nearest_real\": %s}\n", json_list(ps).c_str(),
                json_list(q_samples).c_str(), json_list(q_real).c_str());
    return 0;
  }
  std::printf("rill eval: digits%s, n = %d against %ld real images, %s\n",
              cls >= 0 ? (", class " + std::to_string(cls)).c_str() : "", n, m, what.c_str());
  std::printf("%-9s %12s %12s\n", "metric", "value", "floor");
  std::printf("%-9s %12.6g %12.6g  (RBF bandwidths 2, 4, 8; floor: two disjoint random halves of the reference)\n",
              "mmd2", mmd, floor);
  if (cls >= 0)
    std::printf("%-9s %12.6g  fraction of samples whose nearest real image (1-NN, all 1797) is a %d\n", "agreement",
                agreement, cls);
  std::printf("distance to the nearest training image (memorisation check):\n");
  std::printf("%-9s", "quantile");
  for (double p : kQuantiles) std::printf(" %7s", number(p, "%g").c_str());
  std::printf("\n%-9s", "samples");
  for (double v : q_samples) std::printf(" %7.3f", v);
  std::printf("\n%-9s", "real");
  for (double v : q_real) std::printf(" %7.3f", v);
  std::printf("\n(real: each real image of the reference to its nearest other image)\n");
  return 0;
}

}  // namespace cli
