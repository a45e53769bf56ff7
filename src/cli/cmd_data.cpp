// `rill data`: points drawn from a built-in dataset (stream Purpose::dataset_draw).
#include <string>
#include <vector>

#include "cli/array_io.h"
#include "cli/commands.h"
#include "cli/fail.h"
#include "rill/datasets.h"
#include "rill/rng.h"

namespace cli {

namespace {

int run_data(const Args& args) {
  const rill::Dataset dataset = dataset_flag(args, "--data");
  const std::string name = rill::dataset_name(dataset);
  const Format format = output_format(args, "--out", true);
  const std::string out = args.text("--out");
  const long n = args.integer("--n", 1, 100000000);
  const std::uint32_t seed = args.seed("--seed");
  check_output_path(out);
  std::vector<float> x(static_cast<std::size_t>(n) * rill::kDatasetDim);
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::dataset_draw);
  rill::dataset_sample(dataset, rng, x.data(), n);
  write_points(out, format, x.data(), n, rill::kDatasetDim,
               "rill data: " + name + ", n = " + std::to_string(n) + ", seed " + std::to_string(seed));
  return 0;
}

}  // namespace

const Command& data_command() {
  static const Command c{
      "data",
      "draw points from a built-in dataset",
      "data --data NAME --out FILE [flags]",
      "NAME: gaussian, 8gaussians, moons, checkerboard, circles, spirals, swissroll\n"
      "(shared/spec/datasets.md). Output by the name of --out: .npy, .csv, .svg or - (CSV on stdout).\n",
      {
          {"--data", "NAME", nullptr, "the dataset (required)"},
          {"--out", "FILE", nullptr, "where to write: .npy, .csv, .svg or - (required)"},
          {"--n", "N", "1000", "number of points"},
          {"--seed", "SEED", "0", "seed (0 .. 4294967295)"},
      },
      run_data};
  return c;
}

}  // namespace cli
