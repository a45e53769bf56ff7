// training: the optimiser's flags and one training run, for `rill train` and
// `rill reflow`. See training.h.
#include "cli/training.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/fail.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "rill/thread_pool.h"
#include "rill/train_facts.h"

namespace cli {

namespace {
struct Aligned {
  void* p = nullptr;
  ~Aligned() { std::free(p); }
};
}  // namespace

rill::TrainConfig parse_train_config(const Args& args) {
  rill::TrainConfig cfg;
  cfg.steps = static_cast<int>(args.integer("--steps", 1, 1000000000));
  cfg.batch = static_cast<int>(args.integer("--batch", 1, rill::TrainConfig::kMaxBatch));
  cfg.lr = static_cast<float>(args.real("--lr", 0.0, 10.0, true));
  rill::parse_schedule(args.choice("--schedule", {"constant", "cosine"}).c_str(), &cfg.schedule);
  cfg.warmup = static_cast<int>(args.integer("--warmup", 0, 1000000000));
  cfg.lr_floor = static_cast<float>(args.real("--lr-floor", 0.0, 1.0));
  if (args.has("--lr-floor") && cfg.schedule != rill::Schedule::cosine)
    args.fail("--lr-floor is where --schedule cosine decays to; the constant schedule has none");
  cfg.clip = static_cast<float>(args.real("--clip", 0.0, 1e30));
  cfg.ema = static_cast<float>(args.real("--ema", 0.0, 0.9999999));
  cfg.seed = args.seed("--seed");
  return cfg;
}

void train_and_write(const rill::MlpSpec& spec, const rill::TrainConfig& cfg, const rill::DataSource& source,
                     int threads, const std::string& out, const char* dataset, const std::vector<rill::KeyValue>& extra,
                     const float* initial, const char* who) {
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
  st = trainer.init(spec, cfg, source, arena, &msg, initial);
  if (st != rill::Status::ok) runtime_error("cannot start training: %s", core_reason(st, msg).c_str());
  // Threads split every step's work; the weights come out bit for bit as on one thread.
  std::unique_ptr<rill::ThreadPool> pool;
  if (threads > 1) {
    pool.reset(new rill::ThreadPool(threads));
    trainer.set_executor(pool.get());
  }

  Progress progress(who, cfg.steps);
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
  rill::training_facts(trainer, dataset, seconds, &facts);
  std::vector<rill::KeyValue> kv(facts.kv, facts.kv + facts.count);
  kv.insert(kv.end(), extra.begin(), extra.end());
  // Through an OutputFile, so that Ctrl-C while the file is written removes the temporary file.
  write_model(out, trainer.model(), cfg.sigma_min, kv.data(), static_cast<int>(kv.size()));
  std::fprintf(stderr, "%s: wrote %s (%zu parameters), final loss %s, %s\n", who, out.c_str(), spec.param_count(),
               facts.final_loss, format_duration(seconds).c_str());
}

}  // namespace cli
