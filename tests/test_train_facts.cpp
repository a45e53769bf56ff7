// Training facts (train_facts.h): one definition of final_loss — the mean
// minibatch loss of the last 100 steps, or of all if fewer — in the files of
// the C API (rill_trainer_write) and of the CLI (`rill train`, which builds
// its facts with training_facts from its Trainer).
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "rill/model_io.h"
#include "rill/rill.h"
#include "rill/train.h"
#include "rill/decimal.h"
#include "rill/train_facts.h"

using namespace rill;

namespace {
std::string decimal(float v) {
  char buf[32];
  float_to_decimal(v, buf, sizeof buf);
  return buf;
}

// The mean of the losses at these indices, summed in double in this order.
float mean(const std::vector<float>& losses, const std::vector<int>& order) {
  double sum = 0;
  for (int i : order) sum += static_cast<double>(losses[static_cast<std::size_t>(i)]);
  return static_cast<float>(sum / static_cast<double>(order.size()));
}

std::vector<int> range(int first, int last) {
  std::vector<int> r;
  for (int i = first; i < last; ++i) r.push_back(i);
  return r;
}

const char* value(const TrainingFacts& f, const char* key) {
  for (int i = 0; i < f.count; ++i)
    if (std::strcmp(f.kv[i].key, key) == 0) return f.kv[i].value;
  return nullptr;
}

struct Run {
  std::vector<unsigned char> mem;
  Arena arena;
  Trainer trainer;
  Run(const MlpSpec& spec, const TrainConfig& cfg, const DataSource& data)
      : mem(Trainer::memory_bytes(spec, cfg)), arena(mem.data(), mem.size()) {
    REQUIRE(trainer.init(spec, cfg, data, arena, nullptr) == Status::ok);
  }
};

TrainConfig small_config() {
  TrainConfig cfg;
  cfg.batch = 32;
  cfg.lr = 3e-3f;
  cfg.seed = 11;
  return cfg;
}
}  // namespace

TEST_CASE("recent_loss: the mean of all steps below 100, of the last 100 after (summed as the ring holds them)") {
  const MlpSpec spec = MlpSpec::make(2, 16, 1);
  Run run(spec, small_config(), DataSource::builtin(Dataset::moons));
  CHECK(run.trainer.recent_loss() == 0.0f);  // no step yet
  std::vector<float> losses;
  for (int s = 1; s <= 250; ++s) {
    float loss = 0;
    REQUIRE(run.trainer.step(&loss) == Status::ok);
    losses.push_back(loss);
    if (s == 1) CHECK(run.trainer.recent_loss() == losses[0]);
    if (s == 37) CHECK(run.trainer.recent_loss() == mean(losses, range(0, 37)));
    if (s == 100) CHECK(run.trainer.recent_loss() == mean(losses, range(0, 100)));
  }
  // Steps 151..250 (indices 150..249): the ring holds steps 201..250 in slots 0..49, then 151..200.
  std::vector<int> ring = range(200, 250);
  for (int i : range(150, 200)) ring.push_back(i);
  CHECK(run.trainer.recent_loss() == mean(losses, ring));
  CHECK(run.trainer.recent_loss() == doctest::Approx(mean(losses, range(150, 250))).epsilon(1e-6));
  CHECK(run.trainer.recent_loss() != run.trainer.last_loss());
}

TEST_CASE("training_facts: the formats.md keys, in order; dataset as named; train_seconds only with a clock") {
  const MlpSpec spec = MlpSpec::make(2, 16, 1);
  TrainConfig cfg = small_config();
  cfg.ema = 0.99f;
  cfg.coupling = Coupling::ot;
  Run run(spec, cfg, DataSource::builtin(Dataset::spirals));
  REQUIRE(run.trainer.run(5) == Status::ok);
  TrainingFacts f;
  training_facts(run.trainer, nullptr, -1.0, &f);
  const char* keys[] = {"dataset", "steps", "batch", "lr", "seed", "coupling", "ema", "final_loss"};
  REQUIRE(f.count == 8);
  for (int i = 0; i < 8; ++i) CHECK(std::string(f.kv[i].key) == keys[i]);
  CHECK(std::string(value(f, "dataset")) == "spirals");
  CHECK(std::string(value(f, "steps")) == "5");
  CHECK(std::string(value(f, "batch")) == "32");
  CHECK(std::string(value(f, "lr")) == "0.003");
  CHECK(std::string(value(f, "seed")) == "11");
  CHECK(std::string(value(f, "coupling")) == "ot");
  CHECK(std::string(value(f, "ema")) == "0.99");
  CHECK(std::string(value(f, "final_loss")) == decimal(run.trainer.recent_loss()));

  TrainingFacts g;
  training_facts(run.trainer, "data/my points.npy", 12.3456, &g);
  REQUIRE(g.count == 9);
  CHECK(std::string(value(g, "dataset")) == "data/my points.npy");
  CHECK(std::string(g.kv[8].key) == "train_seconds");
  CHECK(std::string(value(g, "train_seconds")) == "12.346");

  std::vector<float> pts(2 * 40, 0.5f);
  Run arr(spec, small_config(), DataSource::array(pts.data(), 40, 2));
  TrainingFacts h;
  training_facts(arr.trainer, nullptr, 0.0, &h);
  CHECK(std::string(value(h, "dataset")) == "points");
  CHECK(std::string(value(h, "train_seconds")) == "0.000");
  // Three decimals, rounded, as printf's %.3f writes them (no printf: the firmware links none).
  for (double secs : {25.021, 59.9996, 3600.0, 0.0004, 123456.7891}) {
    TrainingFacts k;
    training_facts(arr.trainer, nullptr, secs, &k);
    char want[32];
    std::snprintf(want, sizeof want, "%.3f", secs);
    CHECK(std::string(value(k, "train_seconds")) == want);
  }
}

TEST_CASE("the C API's file and the CLI's facts carry the same final_loss: the hand-computed mean") {
  for (int steps : {40, 130}) {
    INFO("steps " << steps);
    rill_train_config c;
    rill_train_config_default(&c);
    c.width = 16;
    c.depth = 1;
    c.batch = 32;
    c.lr = 3e-3f;
    c.seed = 11;
    rill_trainer* t = nullptr;
    REQUIRE(rill_trainer_new(&c, RILL_MOONS, nullptr, 0, 0, &t, nullptr, 0) == RILL_OK);
    std::vector<float> losses(static_cast<std::size_t>(steps));
    REQUIRE(rill_trainer_step(t, steps, losses.data()) == RILL_OK);
    std::vector<unsigned char> file(rill_trainer_file_size(t));
    size_t written = 0;
    REQUIRE(rill_trainer_write(t, file.data(), file.size(), &written) == RILL_OK);
    rill_model* m = nullptr;
    REQUIRE(rill_model_open(file.data(), written, &m, nullptr, 0) == RILL_OK);
    char capi[32], none[32];
    REQUIRE(rill_model_metadata(m, "final_loss", capi, sizeof capi) == RILL_OK);
    CHECK(rill_model_metadata(m, "train_seconds", none, sizeof none) != RILL_OK);  // the C API has no clock

    // By hand: the mean of the last min(steps, 100) losses (ring order: the
    // oldest of the window sits after the newest).
    const int window = steps < 100 ? steps : 100;
    std::vector<int> order;
    for (int slot = 0; slot < window; ++slot) {
      const int newest_in_slot = ((steps - 1 - slot) / window) * window + slot;  // the last step s with (s % window) == slot
      order.push_back(newest_in_slot);
    }
    const std::string expected = decimal(mean(losses, order));
    CHECK(std::string(capi) == expected);
    CHECK(std::string(capi) != decimal(losses.back()));  // not the last step's loss

    // The CLI's way: a Trainer of the same run, its facts from training_facts.
    Run run(MlpSpec::make(2, 16, 1), small_config(), DataSource::builtin(Dataset::moons));
    REQUIRE(run.trainer.run(steps) == Status::ok);
    TrainingFacts f;
    training_facts(run.trainer, "moons", 1.5, &f);
    CHECK(std::string(value(f, "final_loss")) == expected);
    rill_model_free(m);
    rill_trainer_free(t);
  }
}
