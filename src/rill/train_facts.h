// The training facts a trained model's file records (formats.md: dataset,
// steps, batch, lr, seed, coupling, ema, final_loss, train_seconds), built in
// one place for every front end — `rill train` and rill_trainer_write — so
// that both write the same keys with the same meaning:
//   steps       the steps run (Trainer::step_count)
//   final_loss  the mean minibatch loss of the last 100 steps, or of all of
//               them if fewer were run (Trainer::recent_loss)
//   the rest    the Trainer's configuration, numbers as shortest round-trip decimals;
//   cfg_dropout only for a conditioned model, and `source` (formats.md's
//               checked extra key) only when X0 is drawn from a dataset.
#pragma once
#include "rill/model_io.h"
#include "rill/train.h"

namespace rill {

// The facts as metadata entries (kv[0 .. count)), pointing into the buffers
// below and to the `dataset` text given: keep both alive while writing.
struct TrainingFacts {
  static constexpr int kMaxFacts = 11;
  KeyValue kv[kMaxFacts];
  int count = 0;
  char steps[24], batch[24], lr[32], seed[24], ema[32], final_loss[32], seconds[32], cfg_dropout[32];

  TrainingFacts() = default;
  TrainingFacts(const TrainingFacts&) = delete;  // kv points into this object
  TrainingFacts& operator=(const TrainingFacts&) = delete;
};

// dataset: what was learned, as the user named it (the CLI: the --data
// argument); null: the built-in dataset's name, or "points" for an array.
// seconds: the wall-clock training time, written as train_seconds with three
// decimals; negative: not recorded (the C API has no clock).
void training_facts(const Trainer& trainer, const char* dataset, double seconds, TrainingFacts* out);

}  // namespace rill
