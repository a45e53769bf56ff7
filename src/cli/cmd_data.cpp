// `rill data`: points drawn from a built-in dataset (stream Purpose::dataset_draw).
#include <memory>
#include <string>
#include <vector>

#include "cli/array_io.h"
#include "cli/commands.h"
#include "cli/digits.h"
#include "cli/fail.h"
#include "rill/datasets.h"
#include "rill/rng.h"

namespace cli {

namespace {

// The digits set (datasets.md): rows picked with replacement, one draw per point, labels as <i4.
int run_data_digits(const Args& args) {
  const Format format = output_format(args, "--out", true);
  const std::string out = args.text("--out");
  const long n = args.integer("--n", 1, 100000000);
  const std::uint32_t seed = args.seed("--seed");
  rill::DatasetDraw how;
  if (args.has("--class")) how.cls = static_cast<int>(args.integer("--class", 0, kDigitsClasses - 1));
  const bool want_labels = args.has("--labels-out");
  Format label_format = Format::npy;
  std::string labels_out;
  if (want_labels) {
    label_format = output_format(args, "--labels-out", false);
    labels_out = args.text("--labels-out");
    if (labels_out == out) args.fail("--labels-out and --out name the same file");
    check_output(args, "--labels-out");
  }
  check_output(args, "--out");
  if (static_cast<double>(n) * kDigitsDim > kMaxFloats)
    runtime_error("%ld points of dimension %d would take %.1f GB; lower --n", n, kDigitsDim,
                  static_cast<double>(n) * kDigitsDim * 4 / 1e9);
  const std::unique_ptr<Digits> digits = load_digits();
  std::vector<float> x(static_cast<std::size_t>(n) * kDigitsDim);
  std::vector<std::int32_t> labels(want_labels ? static_cast<std::size_t>(n) : 0);
  how.labels = want_labels ? labels.data() : nullptr;
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::dataset_draw);
  rill::finite_set_draw(digits->set, rng, x.data(), n, how);  // every class has rows
  std::string title = "rill data: digits, n = " + std::to_string(n) + ", seed " + std::to_string(seed);
  if (how.cls >= 0) title += ", class " + std::to_string(how.cls);
  if (want_labels) write_labels(labels_out, label_format, labels.data(), n);
  write_points(out, format, x.data(), n, kDigitsDim, title);
  return 0;
}

int run_data(const Args& args) {
  if (is_digits(args, "--data")) return run_data_digits(args);
  const rill::Dataset dataset = dataset_flag(args, "--data", true);
  const std::string name = rill::dataset_name(dataset);
  const Format format = output_format(args, "--out", true);
  const std::string out = args.text("--out");
  const long n = args.integer("--n", 1, 100000000);
  const std::uint32_t seed = args.seed("--seed");
  const int classes = rill::dataset_classes(dataset), cdim = rill::dataset_condition_dim(dataset);
  rill::DatasetDraw how;
  if (args.has("--class")) {
    if (classes == 0) args.fail("--class: dataset %s has no labels", name.c_str());
    how.cls = static_cast<int>(args.integer("--class", 0, classes - 1));
  }
  const bool want_labels = args.has("--labels-out");
  Format label_format = Format::npy;
  std::string labels_out;
  if (want_labels) {
    if (classes == 0 && cdim == 0) args.fail("--labels-out: dataset %s has no labels", name.c_str());
    label_format = output_format(args, "--labels-out", false);
    labels_out = args.text("--labels-out");
    if (labels_out == out) args.fail("--labels-out and --out name the same file");
    check_output(args, "--labels-out");
  }
  check_output(args, "--out");
  std::vector<float> x(static_cast<std::size_t>(n) * rill::kDatasetDim);
  std::vector<std::int32_t> labels(want_labels && classes > 0 ? static_cast<std::size_t>(n) : 0);
  std::vector<float> s(want_labels && cdim > 0 ? static_cast<std::size_t>(n) * cdim : 0);
  how.labels = labels.empty() ? nullptr : labels.data();
  how.condition = s.empty() ? nullptr : s.data();
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::dataset_draw);
  rill::dataset_draw(dataset, rng, x.data(), n, how);
  std::string title = "rill data: " + name + ", n = " + std::to_string(n) + ", seed " + std::to_string(seed);
  if (how.cls >= 0) title += ", class " + std::to_string(how.cls);
  if (want_labels) {
    if (!labels.empty()) write_labels(labels_out, label_format, labels.data(), n);
    else write_values(labels_out, label_format, s.data(), n, "s");
  }
  write_points(out, format, x.data(), n, rill::kDatasetDim, title);
  return 0;
}

}  // namespace

const Command& data_command() {
  static const Command c{
      "data",
      "draw points from a built-in dataset",
      "data --data NAME --out FILE [flags]",
      "NAME: gaussian, 8gaussians, moons, checkerboard, circles, spirals, swissroll (2-D), or\n"
      "digits: the 1,797 8x8 handwritten digits (64-D, x = pixel / 8 - 1, 10 classes; rows picked\n"
      "with replacement), carried inside rill (shared/spec/datasets.md).\n"
      "Output by the name of --out: .npy, .csv, .svg or - (CSV on stdout).\n",
      {
          {"--data", "NAME", nullptr, "the dataset (required)"},
          {"--out", "FILE", nullptr, "where to write: .npy, .csv, .svg or - (required)"},
          {"--n", "N", "1000", "number of points (1 .. 100000000)"},
          {"--seed", "SEED", "0", "seed (0 .. 4294967295)"},
          {"--class", "K", nullptr, "draw class K only (labelled datasets; datasets.md's fixed-label draw)"},
          {"--labels-out", "FILE", nullptr, "also write each point's label (.npy <i4 or CSV `label`; swissroll: s, <f4 / `s`)"},
      },
      run_data};
  return c;
}

}  // namespace cli
