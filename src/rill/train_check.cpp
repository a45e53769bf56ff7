// Trainer::check: the configuration, the condition, the source and the data
// (pairs included) before any memory is taken. See train.h.
#include "rill/train.h"

namespace rill {

namespace {
inline bool finite(float v) { return v - v == 0.0f; }
}  // namespace

// The condition, its data and the source (formats.md: conditions, sources).
Status Trainer::check_condition(const MlpSpec& spec, const TrainConfig& cfg, const DataSource& data, Message* msg) {
  if (!(cfg.cfg_dropout >= 0.0f && cfg.cfg_dropout < 1.0f))
    return fail(msg, Status::invalid_argument, "cfg_dropout must be in [0, 1)");
  if (spec.step.on)  // the CFM loss trains the instantaneous field; a step-conditioned model needs another loss
    return fail(msg, Status::unsupported, "rill trains no step-conditioned model (step_embedding); its PyTorch helper does");
  if (cfg.source != -1) {
    if (cfg.source < 0 || cfg.source >= kDatasetCount)
      return fail(msg, Status::invalid_argument, "unknown source dataset %d", cfg.source);
    if (spec.dim != kDatasetDim)
      return fail(msg, Status::bad_shape, "source %s is %d-dimensional, the model is %d-dimensional",
                  dataset_name(static_cast<Dataset>(cfg.source)), kDatasetDim, spec.dim);
  }
  const ConditionSpec& c = spec.condition;
  if (c.kind == ConditionSpec::Kind::none) return Status::ok;
  if (data.is_builtin) {
    const int have = c.kind == ConditionSpec::Kind::cls ? dataset_classes(data.dataset)
                                                        : dataset_condition_dim(data.dataset);
    if (have == 0)
      return fail(msg, Status::invalid_argument, "dataset %s has no %s", dataset_name(data.dataset),
                  c.kind == ConditionSpec::Kind::cls ? "labels" : "vector condition");
    if (have != c.count)
      return fail(msg, Status::invalid_argument, "dataset %s has %d %s; the model's condition has %d",
                  dataset_name(data.dataset), have, c.kind == ConditionSpec::Kind::cls ? "classes" : "values",
                  c.count);
    return Status::ok;
  }
  if (c.kind == ConditionSpec::Kind::cls) {
    if (data.labels == nullptr) return fail(msg, Status::invalid_argument, "a class condition needs labels");
    for (long i = 0; i < data.count; ++i)
      if (data.labels[i] < 0 || data.labels[i] >= c.count)
        return fail(msg, Status::invalid_argument, "label %ld is %d; the model has classes 0..%d", i,
                    static_cast<int>(data.labels[i]), c.count - 1);
    return Status::ok;
  }
  if (data.cond == nullptr) return fail(msg, Status::invalid_argument, "a vector condition needs condition values");
  for (long q = 0; q < data.count * c.count; ++q)
    if (!finite(data.cond[q]))
      return fail(msg, Status::non_finite, "condition of point %ld has a NaN or Inf value", q / c.count);
  return Status::ok;
}

// Pairs: finite starting points, and their own coupling; t0_share only with pairs.
Status Trainer::check_pairs(const TrainConfig& cfg, const DataSource& data, Message* msg) {
  if (!(cfg.t0_share >= 0.0f && cfg.t0_share <= 1.0f))
    return fail(msg, Status::invalid_argument, "t0_share must be in [0, 1]");
  if (!data.is_pairs()) {
    if (cfg.t0_share > 0.0f) return fail(msg, Status::invalid_argument, "t0_share needs fixed pairs");
    return Status::ok;
  }
  if (data.is_builtin) return fail(msg, Status::invalid_argument, "pairs are arrays, not a built-in dataset");
  if (cfg.coupling != Coupling::independent)
    return fail(msg, Status::invalid_argument, "fixed pairs carry their own coupling: use independent, not %s",
                coupling_name(cfg.coupling));
  const long total = data.count * data.dim;
  for (long q = 0; q < total; ++q)
    if (!finite(data.x0[q]))
      return fail(msg, Status::non_finite, "starting point of pair %ld has a NaN or Inf coordinate", q / data.dim);
  return Status::ok;
}

Status Trainer::check(const MlpSpec& spec, const TrainConfig& cfg, const DataSource& data, Message* msg) {
  const Status st = spec.validate(msg);
  if (st != Status::ok) return st;
  if (cfg.batch < 1 || cfg.batch > TrainConfig::kMaxBatch)
    return fail(msg, Status::invalid_argument, "batch %d is outside 1..%d", cfg.batch, TrainConfig::kMaxBatch);
  if (cfg.schedule != Schedule::constant && cfg.schedule != Schedule::cosine)
    return fail(msg, Status::invalid_argument, "unknown schedule %d", static_cast<int>(cfg.schedule));
  if (cfg.coupling != Coupling::independent && cfg.coupling != Coupling::ot)
    return fail(msg, Status::invalid_argument, "unknown coupling %d", static_cast<int>(cfg.coupling));
  if (cfg.coupling == Coupling::ot && cfg.batch > TrainConfig::kMaxOtBatch)
    return fail(msg, Status::invalid_argument, "OT coupling supports batches up to %d", TrainConfig::kMaxOtBatch);
  if (!(cfg.lr > 0.0f) || !finite(cfg.lr)) return fail(msg, Status::invalid_argument, "learning rate must be > 0");
  if (cfg.steps < 1) return fail(msg, Status::invalid_argument, "steps must be >= 1");
  if (cfg.warmup < 0) return fail(msg, Status::invalid_argument, "warm-up must be >= 0");
  if (!(cfg.ema >= 0.0f && cfg.ema < 1.0f)) return fail(msg, Status::invalid_argument, "EMA decay must be in [0, 1)");
  if (!(cfg.lr_floor >= 0.0f && cfg.lr_floor <= 1.0f))
    return fail(msg, Status::invalid_argument, "lr_floor must be in [0, 1]");
  if (!(cfg.clip >= 0.0f) || !finite(cfg.clip)) return fail(msg, Status::invalid_argument, "clip must be >= 0");
  if (!(cfg.sigma_min >= 0.0f && cfg.sigma_min < 1.0f))
    return fail(msg, Status::invalid_argument, "sigma_min must be in [0, 1)");
  if (!(cfg.beta1 >= 0.0f && cfg.beta1 < 1.0f && cfg.beta2 >= 0.0f && cfg.beta2 < 1.0f && cfg.eps > 0.0f))
    return fail(msg, Status::invalid_argument, "Adam parameters out of range");
  const Status cs = check_condition(spec, cfg, data, msg);
  if (cs != Status::ok) return cs;
  if (data.is_builtin) {
    if (spec.dim != kDatasetDim)
      return fail(msg, Status::bad_shape, "dataset %s is %d-dimensional, the model is %d-dimensional",
                  dataset_name(data.dataset), kDatasetDim, spec.dim);
  } else {
    if (data.points == nullptr || data.count < 1)
      return fail(msg, Status::invalid_argument, "the training data is empty");
    if (data.dim != spec.dim)
      return fail(msg, Status::bad_shape, "the data has dimension %d, the model %d", data.dim, spec.dim);
    const long total = data.count * data.dim;
    for (long q = 0; q < total; ++q)
      if (!finite(data.points[q]))
        return fail(msg, Status::non_finite, "training point %ld has a NaN or Inf coordinate", q / data.dim);
  }
  return check_pairs(cfg, data, msg);
}

}  // namespace rill
