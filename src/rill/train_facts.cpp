// Training facts for a model's metadata. See train_facts.h.
#include "rill/train_facts.h"

#include "rill/decimal.h"

namespace rill {

namespace {
// Seconds with three decimals ("25.021"), without printf (the firmware's
// library links no printf): rounded to the millisecond, half up.
void seconds_text(double seconds, char* out) {
  const double ms = seconds * 1000.0 + 0.5;
  const unsigned long long v = ms < 1e18 ? static_cast<unsigned long long>(ms) : 999999999999999999ull;
  unsigned_to_decimal(v / 1000, out);
  char* p = out;
  while (*p != '\0') ++p;
  const unsigned frac = static_cast<unsigned>(v % 1000);
  p[0] = '.';
  p[1] = static_cast<char>('0' + frac / 100);
  p[2] = static_cast<char>('0' + frac / 10 % 10);
  p[3] = static_cast<char>('0' + frac % 10);
  p[4] = '\0';
}
}  // namespace

void training_facts(const Trainer& trainer, const char* dataset, double seconds, TrainingFacts* out) {
  const TrainConfig& c = trainer.config();
  const DataSource& data = trainer.data();
  if (dataset == nullptr) dataset = data.is_builtin ? dataset_name(data.dataset) : "points";
  unsigned_to_decimal(static_cast<unsigned long long>(trainer.step_count()), out->steps);
  unsigned_to_decimal(static_cast<unsigned long long>(c.batch), out->batch);
  float_to_decimal(c.lr, out->lr, sizeof out->lr);
  unsigned_to_decimal(c.seed, out->seed);
  float_to_decimal(c.ema, out->ema, sizeof out->ema);
  float_to_decimal(trainer.recent_loss(), out->final_loss, sizeof out->final_loss);
  int n = 0;
  out->kv[n++] = {"dataset", dataset};
  out->kv[n++] = {"steps", out->steps};
  out->kv[n++] = {"batch", out->batch};
  out->kv[n++] = {"lr", out->lr};
  out->kv[n++] = {"seed", out->seed};
  out->kv[n++] = {"coupling", coupling_name(c.coupling)};
  out->kv[n++] = {"ema", out->ema};
  out->kv[n++] = {"final_loss", out->final_loss};
  if (seconds >= 0.0) {
    seconds_text(seconds, out->seconds);
    out->kv[n++] = {"train_seconds", out->seconds};
  }
  if (trainer.model().spec.condition.kind != ConditionSpec::Kind::none) {
    float_to_decimal(c.cfg_dropout, out->cfg_dropout, sizeof out->cfg_dropout);
    out->kv[n++] = {"cfg_dropout", out->cfg_dropout};
  }
  if (c.source >= 0) out->kv[n++] = {"source", dataset_name(static_cast<Dataset>(c.source))};
  out->count = n;
}

}  // namespace rill
