// `rill train`: fits an Mlp vector field to a dataset by conditional flow
// matching (rill::Trainer) and writes it atomically with its training facts.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/array_io.h"
#include "cli/commands.h"
#include "cli/digits.h"
#include "cli/fail.h"
#include "cli/training.h"
#include "rill/datasets.h"
#include "rill/decimal.h"
#include "rill/train.h"

namespace cli {

namespace {

rill::TimeEmbedding parse_time(const Args& args) {
  const std::string v = args.text("--time");
  rill::TimeEmbedding te;
  if (rill::parse_time_embedding(v.data(), v.size(), &te)) return te;
  args.fail("--time must be raw or sin:K with K from 1 to %d, got '%s'", rill::TimeEmbedding::kMaxK, v.c_str());
}

// The condition of the model and its training data (formats.md "Arrays in and
// out"): a built-in dataset's labels or vector, or --labels / --cond files
// whose rows match the points. Usage errors (exit 2) for flags that do not
// fit together; runtime errors (exit 1) for files that conflict.
struct Conditioning {
  rill::ConditionSpec spec;
  std::vector<std::int32_t> labels;
  Points cond;
};

// A built-in dataset (builtin: `name` with `classes` labels and a vector
// condition of `cdim` values), or file data of n_points rows.
struct BuiltinFacts {
  const char* name;
  int classes, cdim;
};

Conditioning parse_conditioning(const Args& args, bool builtin, const BuiltinFacts& ds, long n_points) {
  Conditioning c;
  const bool labels = args.has("--labels"), cond = args.has("--cond");
  if (labels && cond) args.fail("--labels and --cond exclude each other (a model has one kind of condition)");
  if (builtin && (labels || cond))
    args.fail("%s is for file data; a built-in dataset gives its own labels (--condition class|vector)",
              labels ? "--labels" : "--cond");
  std::string kind = args.has("--condition") ? args.choice("--condition", {"class", "vector", "none"})
                     : labels                ? "class"
                     : cond                  ? "vector"
                                             : "none";
  if (kind == "none") {
    for (const char* f : {"--cfg-dropout", "--classes", "--labels", "--cond"})
      if (args.has(f)) args.fail("%s needs a conditioned model (--condition class|vector, --labels or --cond)", f);
    return c;
  }
  if (args.has("--classes") && kind != "class") args.fail("--classes applies to --condition class");
  if (builtin) {
    const int have = kind == "class" ? ds.classes : ds.cdim;
    if (have == 0)
      args.fail("--condition %s: dataset %s has no %s", kind.c_str(), ds.name,
                kind == "class" ? "labels" : "vector condition (only swissroll has one: its s)");
    if (kind == "class" && args.has("--classes")) {
      const long long k = args.integer("--classes", 1, rill::ConditionSpec::kMaxCount);
      if (k != have) runtime_error("--classes %lld: dataset %s has %d classes", k, ds.name, have);
    }
    c.spec = kind == "class" ? rill::ConditionSpec::classes(have) : rill::ConditionSpec::vector(have);
    return c;
  }
  if (kind == "class" && !labels) args.fail("--condition class on unlabelled data: give --labels FILE");
  if (kind == "vector" && !cond) args.fail("--condition vector on file data needs --cond FILE");
  if (kind == "class") {
    const std::string path = args.text("--labels");
    const int max_label = rill::ConditionSpec::kMaxCount - 1;
    c.labels = read_labels(path, "--labels", max_label);
    if (static_cast<long>(c.labels.size()) != n_points)
      runtime_error("--labels %s holds %zu labels; --data has %ld points", path.c_str(), c.labels.size(), n_points);
    int largest = 0;
    for (std::int32_t v : c.labels) largest = v > largest ? v : largest;
    int classes = largest + 1;
    if (args.has("--classes")) {
      classes = static_cast<int>(args.integer("--classes", 1, rill::ConditionSpec::kMaxCount));
      if (largest >= classes)
        runtime_error("--labels %s has label %d; --classes %d allows 0..%d", path.c_str(), largest, classes, classes - 1);
    }
    c.spec = rill::ConditionSpec::classes(classes);
    return c;
  }
  const std::string path = args.text("--cond");
  c.cond = read_points(path, "--cond");
  if (c.cond.n != n_points)
    runtime_error("--cond %s holds %ld conditions; --data has %ld points", path.c_str(), c.cond.n, n_points);
  if (c.cond.d > rill::ConditionSpec::kMaxCount)
    runtime_error("--cond %s has %d values per point; rill handles up to %d", path.c_str(), c.cond.d,
                  rill::ConditionSpec::kMaxCount);
  c.spec = rill::ConditionSpec::vector(c.cond.d);
  return c;
}

int run_train(const Args& args) {
  // Everything the command line says, checked before any work.
  const std::string data_arg = args.text("--data");
  const std::string out = args.text("--out");
  rill::TrainConfig cfg = parse_train_config(args);
  rill::parse_coupling(args.choice("--coupling", {"independent", "ot"}).c_str(), &cfg.coupling);
  cfg.sigma_min = static_cast<float>(args.real("--sigma-min", 0.0, 0.999999));
  const int threads = parse_threads(args);
  if (cfg.coupling == rill::Coupling::ot && cfg.batch > rill::TrainConfig::kMaxOtBatch)
    args.fail("--coupling ot supports --batch up to %d, got %d", rill::TrainConfig::kMaxOtBatch, cfg.batch);
  const int width = static_cast<int>(args.integer("--width", 1, rill::kMaxWidth));
  const int depth = static_cast<int>(args.integer("--depth", 0, rill::kMaxLayers - 1));
  const std::string act_name = args.choice("--activation", {"silu", "relu", "tanh", "gelu", "gelu_tanh"});
  rill::Activation act = rill::Activation::silu;
  rill::parse_activation(act_name.c_str(), act_name.size(), &act);
  const rill::TimeEmbedding time = parse_time(args);

  // The data: a built-in dataset, or points from a file.
  rill::Dataset dataset = rill::Dataset::moons;
  rill::DataSource source;
  Points points;
  int dim = rill::kDatasetDim;
  std::unique_ptr<Digits> digits;
  BuiltinFacts facts_of{data_arg.c_str(), 0, 0};
  bool builtin = true;
  if (rill::parse_dataset(data_arg.c_str(), &dataset)) {
    source = rill::DataSource::builtin(dataset);
    facts_of = {rill::dataset_name(dataset), rill::dataset_classes(dataset), rill::dataset_condition_dim(dataset)};
  } else if (data_arg == kDigitsName) {  // the embedded finite set: its rows (and labels) as array data
    digits = load_digits();
    dim = kDigitsDim;
    source = rill::DataSource::array(digits->rows.data(), kDigitsRows, dim);
    facts_of = {kDigitsName, kDigitsClasses, 0};
  } else {
    builtin = false;
    FILE* probe = data_arg == "-" ? stdin : std::fopen(data_arg.c_str(), "rb");
    if (probe == nullptr)
      runtime_error("--data '%s' is neither a built-in dataset (%s, %s) nor a readable file", data_arg.c_str(),
                    dataset_list().c_str(), kDigitsName);
    if (probe != stdin) std::fclose(probe);
    points = read_points(data_arg, "--data");
    dim = points.d;
    if (dim > rill::kMaxDim) runtime_error("--data %s: %d coordinates; rill handles up to %d", data_arg.c_str(), dim, rill::kMaxDim);
    source = rill::DataSource::array(points.values.data(), points.n, dim);
  }
  const Conditioning cond = parse_conditioning(args, builtin, facts_of, points.n);
  if (!cond.labels.empty()) source.labels = cond.labels.data();
  if (digits && cond.spec.kind == rill::ConditionSpec::Kind::cls) source.labels = digits->labels.data();
  if (cond.cond.n > 0) source.cond = cond.cond.values.data();
  if (cond.spec.kind != rill::ConditionSpec::Kind::none)
    cfg.cfg_dropout = static_cast<float>(args.real("--cfg-dropout", 0.0, 0.999999));
  if (args.has("--source")) {
    const rill::Dataset from = dataset_flag(args, "--source");
    if (from != rill::Dataset::gaussian) {
      if (dim != rill::kDatasetDim)
        runtime_error("--source %s is %d-dimensional; the data is %d-dimensional", rill::dataset_name(from),
                      rill::kDatasetDim, dim);
      cfg.source = static_cast<int>(from);
    }
  }
  check_output(args, "--out", Kind::model);

  const rill::MlpSpec spec = rill::MlpSpec::make(dim, width, depth, act, time, cond.spec);
  train_and_write(spec, cfg, source, threads, out, data_arg.c_str(), {}, nullptr, "rill train");
  return 0;
}

}  // namespace

const Command& train_command() {
  static const Command c{
      "train",
      "train a model on a dataset by conditional flow matching",
      "train --data NAME|FILE --out MODEL [flags]",
      "Fits an MLP vector field u(x, t) with the CondOT conditional flow-matching loss and Adam,\n"
      "then writes MODEL (safetensors) atomically. The metadata records dataset, steps, batch,\n"
      "lr, seed, coupling, ema, final_loss (mean minibatch loss of the last 100 steps, or of\n"
      "all steps if fewer) and train_seconds. Progress goes to stderr: a bar on a terminal, a\n"
      "line every 10% otherwise.\n"
      "\n"
      "NAME is a built-in 2-D dataset: gaussian, 8gaussians, moons, checkerboard, circles,\n"
      "spirals, swissroll; or digits, the 1,797 8x8 handwritten digits (64-D, 10 classes,\n"
      "carried inside rill). FILE is a .npy or .csv of points of any dimension (- for stdin).\n"
      "\n"
      "Conditioning (formats.md): --condition class learns u(x, t | class) from a dataset's labels\n"
      "(class:C; for digits the digit, class:10), --condition vector from swissroll's s (vector:1);\n"
      "file data takes --labels FILE or --cond FILE, one row per point. Each row's condition is\n"
      "dropped to none with probability\n"
      "--cfg-dropout, so the model also learns the unconditional field guidance needs. The file\n"
      "records condition, cfg_dropout and (with --source) source, as rill.format 2.\n",
      {
          {"--data", "NAME|FILE", nullptr, "what to learn (required)"},
          {"--out", "MODEL", nullptr, "the model file to write (required)"},
          {"--steps", "N", "20000", "optimisation steps"},
          {"--batch", "N", "256", "minibatch size (1 .. 1048576)"},
          {"--lr", "LR", "1e-3", "Adam learning rate"},
          {"--schedule", "NAME", "constant", "learning-rate schedule: constant or cosine"},
          {"--warmup", "N", "0", "linear warm-up over the first N steps"},
          {"--lr-floor", "F", "0", "cosine schedule: decay to lr x F"},
          {"--clip", "NORM", "0", "clip the global gradient norm (0: no clipping)"},
          {"--ema", "DECAY", "0", "keep an EMA of the weights with this decay in [0, 1) and save it (0: off)"},
          {"--width", "N", "128", "width of each hidden layer (1 .. 65536)"},
          {"--depth", "N", "3", "number of hidden layers (0 to 15)"},
          {"--activation", "NAME", "silu", "silu, relu, tanh, gelu or gelu_tanh"},
          {"--time", "EMB", "raw", "time input: raw (t) or sin:K (sin/cos features, K = 1..12)"},
          {"--coupling", "NAME", "independent", "independent, or ot (minibatch optimal transport, batch <= 4096)"},
          {"--sigma-min", "S", "0", "CondOT path parameter sigma_min in [0, 1)"},
          {"--seed", "SEED", "0", "seed of initialisation, minibatches and noise (0 .. 4294967295)"},
          {"--condition", "KIND", nullptr, "class (the dataset's labels) or vector (swissroll: its s); none: unconditioned"},
          {"--labels", "FILE", nullptr, "file data: one label per point (.npy integers or one-column CSV); means --condition class"},
          {"--cond", "FILE", nullptr, "file data: an (n, M) condition per point; means --condition vector (vector:M)"},
          {"--classes", "C", nullptr, "class count (default: the dataset's, or 1 + the largest label)"},
          {"--cfg-dropout", "P", "0.1", "conditioned models: probability a row's condition is dropped to none, in [0, 1)"},
          {"--source", "NAME", "gaussian", "draw x0 from this built-in dataset instead of N(0, I) (2-D data)"},
          threads_flag(),
      },
      run_train};
  return c;
}

}  // namespace cli
