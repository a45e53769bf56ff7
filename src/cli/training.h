// training: what `rill train` and `rill reflow` share — the optimiser's
// flags, and the run from a checked configuration to the written model.
#pragma once
#include <string>
#include <vector>

#include "cli/args.h"
#include "rill/model_io.h"
#include "rill/train.h"

namespace cli {

// --steps --batch --lr --schedule --warmup --lr-floor --clip --ema --coupling
// --sigma-min --seed, range-checked (usage errors, exit 2). The condition,
// the source and cfg_dropout are left at their defaults.
rill::TrainConfig parse_train_config(const Args& args);

// One training run: the core's checks (runtime errors with its reason), the
// arena, `threads` workers (the bits of one), a progress line named `who`
// ("rill train"), then the model written atomically to `out` with the
// training facts (`dataset` as the data's name) followed by `extra` keys.
// initial: start from these param_count() weights (null: a fresh model).
void train_and_write(const rill::MlpSpec& spec, const rill::TrainConfig& cfg, const rill::DataSource& source,
                     int threads, const std::string& out, const char* dataset, const std::vector<rill::KeyValue>& extra,
                     const float* initial, const char* who);

}  // namespace cli
