// `rill train`: fits an Mlp vector field to a dataset by conditional flow
// matching (rill::Trainer) and writes it atomically with its training facts.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/array_io.h"
#include "cli/commands.h"
#include "cli/fail.h"
#include "cli/progress.h"
#include "rill/datasets.h"
#include "rill/decimal.h"
#include "rill/thread_pool.h"
#include "rill/train.h"
#include "rill/train_facts.h"

namespace cli {

namespace {

rill::TimeEmbedding parse_time(const Args& args) {
  const std::string v = args.text("--time");
  rill::TimeEmbedding te;
  if (rill::parse_time_embedding(v.data(), v.size(), &te)) return te;
  args.fail("--time must be raw or sin:K with K from 1 to %d, got '%s'", rill::TimeEmbedding::kMaxK, v.c_str());
}

struct Aligned {
  void* p = nullptr;
  ~Aligned() { std::free(p); }
};

int run_train(const Args& args) {
  // Everything the command line says, checked before any work.
  const std::string data_arg = args.text("--data");
  const std::string out = args.text("--out");
  rill::TrainConfig cfg;
  cfg.steps = static_cast<int>(args.integer("--steps", 1, 1000000000));
  cfg.batch = static_cast<int>(args.integer("--batch", 1, rill::TrainConfig::kMaxBatch));
  cfg.lr = static_cast<float>(args.real("--lr", 0.0, 10.0, true));
  rill::parse_schedule(args.choice("--schedule", {"constant", "cosine"}).c_str(), &cfg.schedule);
  cfg.warmup = static_cast<int>(args.integer("--warmup", 0, 1000000000));
  cfg.lr_floor = static_cast<float>(args.real("--lr-floor", 0.0, 1.0));
  cfg.clip = static_cast<float>(args.real("--clip", 0.0, 1e30));
  cfg.ema = static_cast<float>(args.real("--ema", 0.0, 0.9999999));
  rill::parse_coupling(args.choice("--coupling", {"independent", "ot"}).c_str(), &cfg.coupling);
  cfg.sigma_min = static_cast<float>(args.real("--sigma-min", 0.0, 0.999999));
  cfg.seed = args.seed("--seed");
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
  rill::Dataset dataset;
  rill::DataSource source;
  Points points;
  int dim = rill::kDatasetDim;
  if (rill::parse_dataset(data_arg.c_str(), &dataset)) {
    source = rill::DataSource::builtin(dataset);
  } else {
    FILE* probe = data_arg == "-" ? stdin : std::fopen(data_arg.c_str(), "rb");
    if (probe == nullptr)
      runtime_error("--data '%s' is neither a built-in dataset (%s) nor a readable file", data_arg.c_str(),
                    dataset_list().c_str());
    if (probe != stdin) std::fclose(probe);
    points = read_points(data_arg, "--data");
    dim = points.d;
    if (dim > rill::kMaxDim) runtime_error("--data %s: %d coordinates; rill handles up to %d", data_arg.c_str(), dim, rill::kMaxDim);
    source = rill::DataSource::array(points.values.data(), points.n, dim);
  }
  check_output_path(out);

  const rill::MlpSpec spec = rill::MlpSpec::make(dim, width, depth, act, time);
  rill::Message msg;
  rill::Status st = spec.validate(&msg);
  if (st != rill::Status::ok) runtime_error("cannot build the model: %s", core_reason(st, msg).c_str());
  // The core's checks of the configuration and data, before memory is sized for them.
  st = rill::Trainer::check(spec, cfg, source, &msg);
  if (st != rill::Status::ok) runtime_error("cannot start training: %s", core_reason(st, msg).c_str());
  const std::size_t bytes = (rill::Trainer::memory_bytes(spec, cfg) + 63) / 64 * 64;  // aligned_alloc: a multiple of 64
  Aligned mem;
  mem.p = std::aligned_alloc(64, bytes);
  if (mem.p == nullptr) runtime_error("training needs %.1f MB of memory, which is not available", static_cast<double>(bytes) / 1e6);
  rill::Arena arena(mem.p, bytes);
  rill::Trainer trainer;
  st = trainer.init(spec, cfg, source, arena, &msg);
  if (st != rill::Status::ok) runtime_error("cannot start training: %s", core_reason(st, msg).c_str());
  // Threads split every step's work; the weights come out bit for bit as on one thread.
  std::unique_ptr<rill::ThreadPool> pool;
  if (threads > 1) {
    pool.reset(new rill::ThreadPool(threads));
    trainer.set_executor(pool.get());
  }

  Progress progress("rill train", cfg.steps);
  for (int s = 1; s <= cfg.steps; ++s) {
    float loss = 0;
    st = trainer.step(&loss);
    if (st != rill::Status::ok) {
      progress.finish();
      if (st == rill::Status::non_finite)
        runtime_error("training diverged at step %d (the loss is NaN or Inf); try a smaller --lr or --clip", s);
      runtime_error("training failed at step %d: %s", s, rill::status_message(st));
    }
    progress.update(s, loss);
  }
  progress.finish();
  const double seconds = progress.seconds();
  rill::TrainingFacts facts;
  rill::training_facts(trainer, data_arg.c_str(), seconds, &facts);
  // Through an OutputFile, so that Ctrl-C while the file is written removes the temporary file.
  write_model(out, trainer.model(), cfg.sigma_min, facts.kv, facts.count);
  std::fprintf(stderr, "rill train: wrote %s (%zu parameters), final loss %s, %s\n", out.c_str(),
               spec.param_count(), facts.final_loss, format_duration(seconds).c_str());
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
      "spirals, swissroll. FILE is a .npy or .csv of points of any dimension (- for stdin).\n",
      {
          {"--data", "NAME|FILE", nullptr, "what to learn (required)"},
          {"--out", "MODEL", nullptr, "the model file to write (required)"},
          {"--steps", "N", "20000", "optimisation steps"},
          {"--batch", "N", "256", "minibatch size"},
          {"--lr", "LR", "1e-3", "Adam learning rate"},
          {"--schedule", "NAME", "constant", "learning-rate schedule: constant or cosine"},
          {"--warmup", "N", "0", "linear warm-up over the first N steps"},
          {"--lr-floor", "F", "0", "cosine schedule: decay to lr x F"},
          {"--clip", "NORM", "0", "clip the global gradient norm (0: no clipping)"},
          {"--ema", "DECAY", "0", "keep an EMA of the weights with this decay in [0, 1) and save it (0: off)"},
          {"--width", "N", "128", "width of each hidden layer"},
          {"--depth", "N", "3", "number of hidden layers (0 to 15)"},
          {"--activation", "NAME", "silu", "silu, relu, tanh, gelu or gelu_tanh"},
          {"--time", "EMB", "raw", "time input: raw (t) or sin:K (sin/cos features, K = 1..12)"},
          {"--coupling", "NAME", "independent", "independent, or ot (minibatch optimal transport, batch <= 4096)"},
          {"--sigma-min", "S", "0", "CondOT path parameter sigma_min in [0, 1)"},
          {"--seed", "SEED", "0", "seed of initialisation, minibatches and noise (0 .. 4294967295)"},
          threads_flag(),
      },
      run_train};
  return c;
}

}  // namespace cli
