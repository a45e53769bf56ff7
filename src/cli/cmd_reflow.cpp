// `rill reflow`: one evaluation per sample. Draws x0 from the teacher's
// source, integrates the teacher (rk4, 64 steps by default) to x1, and trains
// a student on those fixed pairs (rectified flow's reflow, Liu et al. 2022),
// from the teacher's weights or from scratch; optionally a share of each batch
// at t = 0, which distils the one-step map x0 -> x1. The student is meant to
// be sampled with one Euler step (sample_solver euler, sample_steps 1).
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/array_io.h"
#include "cli/commands.h"
#include "cli/fail.h"
#include "cli/model.h"
#include "cli/output.h"
#include "cli/training.h"
#include "rill/decimal.h"
#include "rill/model_io.h"
#include "rill/rng.h"

namespace cli {

namespace {

constexpr long kMaxPairs = 10000000;
constexpr long kMaxTeacherSteps = 100000;

// The pairs' conditions (DESIGN.md "Reflow"): a class teacher's pairs draw
// their class uniformly and a cfg_dropout share none, from the reflow-pairs
// stream of the seed (two draws per pair); a vector teacher's come from --cond
// (one row per pair, or one for all) with the same share of none.
struct PairConditions {
  Condition field;                  // the encoded rows the teacher integrates with (guidance 1)
  std::vector<std::int32_t> labels;  // class: each pair's class (0 where it has none)
  std::vector<float> values;         // vector: each pair's M values
  std::vector<std::uint8_t> uncond;  // 1: the pair has no condition
};

PairConditions pair_conditions(const Args& args, const LoadedModel& teacher, std::uint32_t seed, float dropout,
                               long* pairs) {
  PairConditions pc;
  const rill::ConditionSpec spec = teacher.is_formula() ? rill::ConditionSpec{} : teacher.mlp.spec.condition;
  if (spec.kind == rill::ConditionSpec::Kind::none) {
    if (args.has("--cond")) runtime_error("--cond: the teacher %s has no vector condition", teacher.path.c_str());
    return pc;
  }
  Condition file;
  if (spec.kind == rill::ConditionSpec::Kind::vector) {
    if (!args.has("--cond"))
      args.fail("the teacher %s has a vector:%d condition: give its pairs' conditions with --cond FILE",
                teacher.path.c_str(), spec.count);
    const std::string path = args.text("--cond");
    const Points p = read_points(path, "--cond");
    if (p.d != spec.count)
      runtime_error("--cond %s has %d values per row; the teacher's condition is vector:%d", path.c_str(), p.d,
                    spec.count);
    file.rows.resize(static_cast<std::size_t>(p.n) * spec.features());
    for (long i = 0; i < p.n; ++i)
      spec.encode_vector(p.values.data() + static_cast<std::size_t>(i) * p.d,
                         file.rows.data() + static_cast<std::size_t>(i) * spec.features());
    file.n_rows = p.n;
    if (file.n_rows > 1) {
      if (args.has("--pairs") && *pairs != file.n_rows)
        args.fail("--pairs %ld and --cond (%ld rows) disagree; an (n, M) --cond sets the pairs", *pairs, file.n_rows);
      *pairs = file.n_rows;
    }
  } else if (args.has("--cond")) {
    runtime_error("--cond: the teacher %s has a class condition, whose pairs draw their classes", teacher.path.c_str());
  }
  const long n = *pairs;
  const int f = spec.features();
  pc.field.rows.assign(static_cast<std::size_t>(n) * f, 0.0f);
  pc.field.n_rows = n;
  pc.uncond.assign(static_cast<std::size_t>(n), 0);
  pc.labels.assign(spec.kind == rill::ConditionSpec::Kind::cls ? static_cast<std::size_t>(n) : 0, 0);
  pc.values.assign(spec.kind == rill::ConditionSpec::Kind::vector ? static_cast<std::size_t>(n) * spec.count : 0, 0.0f);
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::reflow_pairs);
  for (long i = 0; i < n; ++i) {
    const bool none = rng.uniform() < dropout;
    const std::uint32_t k = rng.next_u32();
    float* row = pc.field.rows.data() + static_cast<std::size_t>(i) * f;
    pc.uncond[static_cast<std::size_t>(i)] = none ? 1 : 0;
    if (spec.kind == rill::ConditionSpec::Kind::cls) {
      const int cls = static_cast<int>((static_cast<std::uint64_t>(k) * static_cast<std::uint32_t>(spec.count)) >> 32);
      pc.labels[static_cast<std::size_t>(i)] = cls;
      if (!none) spec.encode_class(cls, row);
    } else {
      const long src = file.n_rows > 1 ? i : 0;
      const float* enc = file.rows.data() + static_cast<std::size_t>(src) * f;
      for (int j = 0; j < spec.count; ++j) pc.values[static_cast<std::size_t>(i) * spec.count + j] = enc[j];
      if (!none) for (int j = 0; j < f; ++j) row[j] = enc[j];
    }
  }
  return pc;
}

// The teacher's weights as one canonical block (W0 b0 W1 b1 ...).
std::vector<float> teacher_params(const rill::Mlp& m) {
  const rill::MlpSpec& s = m.spec;
  std::vector<float> p(s.param_count());
  for (int l = 0; l < s.n_layers; ++l) {
    const std::size_t in = static_cast<std::size_t>(s.sizes[l]), out = static_cast<std::size_t>(s.sizes[l + 1]);
    for (std::size_t q = 0; q < in * out; ++q) p[s.weight_offset(l) + q] = m.weight[l][q];
    for (std::size_t q = 0; q < out; ++q) p[s.bias_offset(l) + q] = m.bias[l][q];
  }
  return p;
}

// The student's architecture: the teacher's, or (--init scratch) with --width,
// --depth, --activation, --time where given; the teacher's condition always.
rill::MlpSpec student_spec(const Args& args, const LoadedModel& teacher, bool scratch) {
  const char* arch[] = {"--width", "--depth", "--activation", "--time"};
  if (!scratch) {
    for (const char* f : arch)
      if (args.has(f)) args.fail("%s changes the architecture: it needs --init scratch", f);
    if (teacher.is_formula())
      runtime_error("--init teacher: the teacher %s is a formula, with no weights; use --init scratch", teacher.path.c_str());
    return teacher.mlp.spec;
  }
  const bool own = !teacher.is_formula();
  const rill::MlpSpec t = own ? teacher.mlp.spec : rill::MlpSpec::make(teacher.dim());
  const int width = args.has("--width") ? static_cast<int>(args.integer("--width", 1, rill::kMaxWidth))
                                        : own ? t.sizes[1] : 128;
  const int depth = args.has("--depth") ? static_cast<int>(args.integer("--depth", 0, rill::kMaxLayers - 1))
                                        : t.n_layers - 1;
  rill::Activation act = t.activation;
  if (args.has("--activation")) {
    const std::string a = args.choice("--activation", {"silu", "relu", "tanh", "gelu", "gelu_tanh"});
    rill::parse_activation(a.c_str(), a.size(), &act);
  }
  rill::TimeEmbedding time = t.time;
  if (args.has("--time")) {
    const std::string v = args.text("--time");
    if (!rill::parse_time_embedding(v.data(), v.size(), &time))
      args.fail("--time must be raw or sin:K with K from 1 to %d, got '%s'", rill::TimeEmbedding::kMaxK, v.c_str());
  }
  return rill::MlpSpec::make(t.dim, width, depth, act, time, t.condition);
}

struct Facts {  // the reflow's own metadata values
  std::string teacher, solver, steps, pairs, init, t0_share, class_names;
};

int run_reflow(const Args& args) {
  const std::string out = args.text("--out");
  rill::TrainConfig cfg = parse_train_config(args);
  long pairs = static_cast<long>(args.integer("--pairs", 1, kMaxPairs));
  const rill::Solver tsolver = [&] {
    const std::string name = args.choice("--teacher-solver", {"euler", "midpoint", "heun", "rk4"});
    rill::Solver s = rill::Solver::rk4;
    rill::parse_solver(name.c_str(), &s);
    return s;
  }();
  const int tsteps = static_cast<int>(args.integer("--teacher-steps", 1, kMaxTeacherSteps));
  const bool scratch = args.choice("--init", {"teacher", "scratch"}) == "scratch";
  cfg.t0_share = static_cast<float>(args.real("--t0-share", 0.0, 1.0));
  const int threads = parse_threads(args);

  const auto teacher = load_model(args.text("--model"));
  const rill::MlpSpec spec = student_spec(args, *teacher, scratch);
  if (spec.step.on)  // the trainer would refuse the student after the pairs were made (Trainer::check_condition)
    runtime_error("%s is step-conditioned (step_embedding), and a student started from it would be too: rill "
                  "trains no step-conditioned model; give --init scratch", teacher->path.c_str());
  const bool conditioned = spec.condition.kind != rill::ConditionSpec::Kind::none;
  if (args.has("--cfg-dropout") && !conditioned)
    args.fail("--cfg-dropout needs a conditioned teacher (its pairs' share with no condition)");
  if (conditioned) cfg.cfg_dropout = static_cast<float>(args.real("--cfg-dropout", 0.0, 0.999999));
  if (!teacher->is_formula()) cfg.source = teacher->file.model.source;
  PairConditions pc = pair_conditions(args, *teacher, cfg.seed, cfg.cfg_dropout, &pairs);
  const int d = teacher->dim();
  if (static_cast<double>(pairs) * d * 2 > kMaxFloats) runtime_error("%ld pairs would not fit in memory; lower --pairs", pairs);
  check_output(args, "--out", Kind::model);

  // The pairs: x0 as `rill sample --seed S` draws it, x1 the teacher's flow of it.
  std::vector<float> x0(static_cast<std::size_t>(pairs) * d);
  draw_x0(*teacher, cfg.seed, x0.data(), pairs);
  std::vector<float> x1 = x0;
  pc.field.guidance = 1.0f;
  const ConditionedField field(*teacher, pc.field, rill::step_length(0.0f, 1.0f, tsteps));
  std::fprintf(stderr, "rill reflow: integrating %ld pairs (%s, %d steps)\n", pairs, rill::solver_name(tsolver), tsteps);
  integrate_points(*teacher, tsolver, tsteps, x1.data(), pairs, 0.0f, 1.0f, nullptr, threads, field.field());
  for (std::size_t q = 0; q < x1.size(); ++q)
    if (!std::isfinite(x1[q]))
      runtime_error("the teacher's flow of pair %zu is NaN or Inf; no student written", q / static_cast<std::size_t>(d));
  rill::DataSource source = rill::DataSource::pairs(x0.data(), x1.data(), pairs, d);
  if (!pc.labels.empty()) source.labels = pc.labels.data();
  if (!pc.values.empty()) source.cond = pc.values.data();
  if (!pc.uncond.empty()) source.uncond = pc.uncond.data();

  Facts f;
  f.teacher = model_label(*teacher);
  f.solver = rill::solver_name(tsolver);
  f.steps = std::to_string(tsteps);
  f.pairs = std::to_string(pairs);
  f.init = scratch ? "scratch" : "teacher";
  char share[32];
  rill::float_to_decimal(cfg.t0_share, share, sizeof share);
  f.t0_share = share;
  std::vector<rill::KeyValue> extra = {{"made_by", "reflow"},        {"sample_solver", "euler"},
                                       {"sample_steps", "1"},        {"teacher", f.teacher.c_str()},
                                       {"teacher_solver", f.solver.c_str()}, {"teacher_steps", f.steps.c_str()},
                                       {"pairs", f.pairs.c_str()},   {"init", f.init.c_str()},
                                       {"t0_share", f.t0_share.c_str()}};
  char names[4096];
  if (!teacher->is_formula() && rill::model_metadata(teacher->file.model, "class_names", names, sizeof names)) {
    f.class_names = names;
    extra.push_back({"class_names", f.class_names.c_str()});
  }
  std::vector<float> initial;
  if (!scratch) initial = teacher_params(teacher->file.model.mlp);
  const std::string dataset = "reflow of " + f.teacher;
  train_and_write(spec, cfg, source, threads, out, dataset.c_str(), extra, scratch ? nullptr : initial.data(),
                  "rill reflow");
  return 0;
}

}  // namespace

const Command& reflow_command() {
  static const Command c{
      "reflow",
      "train a one-step student on a teacher's pairs (x0, flow of x0)",
      "reflow --model TEACHER --out STUDENT [flags]",
      "Draws --pairs x0 exactly as `rill sample --model TEACHER --n P --seed S` does (from the\n"
      "teacher's source: N(0, I) or its dataset), integrates the teacher with --teacher-solver\n"
      "and --teacher-steps to x1, and trains a student on those fixed pairs by flow matching on\n"
      "the straight line from x0 to x1 (rectified flow's reflow, Liu et al. 2022): the student's\n"
      "paths are nearly straight, so one Euler step samples it. --t0-share P trains that share of\n"
      "each batch at t = 0, where one Euler step from x0 must land on x1 (distillation).\n"
      "\n"
      "The student starts from the teacher's weights (--init teacher) or a fresh model (--init\n"
      "scratch, which may change --width, --depth, --activation, --time); it keeps the teacher's\n"
      "condition and source. A class teacher's pairs draw their class uniformly and a\n"
      "--cfg-dropout share none; a vector teacher's pairs take --cond FILE. The file records\n"
      "made_by reflow, sample_solver euler, sample_steps 1 and the teacher, its solver and steps,\n"
      "the pairs, the init and t0_share, beside the training facts.\n",
      {
          {"--model", "TEACHER", nullptr, "teacher: model file, shipped model name or formula (required)"},
          {"--out", "STUDENT", nullptr, "the student model file to write (required)"},
          {"--pairs", "P", "20000", "number of pairs (x0, x1), 1 .. 10000000"},
          {"--teacher-solver", "NAME", "rk4", "solver of the teacher's flow: euler, midpoint, heun or rk4"},
          {"--teacher-steps", "N", "64", "steps of the teacher's flow, 1 .. 100000"},
          {"--init", "FROM", "teacher", "teacher (start from its weights) or scratch (a fresh model)"},
          {"--t0-share", "P", "0", "share of each batch trained at t = 0 (one-step distillation), in [0, 1]"},
          {"--steps", "N", "10000", "optimisation steps"},
          {"--batch", "N", "256", "minibatch size (1 .. 1048576)"},
          {"--lr", "LR", "1e-3", "Adam learning rate"},
          {"--schedule", "NAME", "cosine", "learning-rate schedule: constant or cosine"},
          {"--warmup", "N", "0", "linear warm-up over the first N steps"},
          {"--lr-floor", "F", "0.01", "cosine schedule: decay to lr x F"},
          {"--clip", "NORM", "0", "clip the global gradient norm (0: no clipping)"},
          {"--ema", "DECAY", "0.999", "keep an EMA of the weights with this decay in [0, 1) and save it (0: off)"},
          {"--seed", "SEED", "0", "seed of the pairs' x0 (as rill sample's), minibatches and noise"},
          {"--width", "N", nullptr, "--init scratch: width of each hidden layer (default: the teacher's)"},
          {"--depth", "N", nullptr, "--init scratch: number of hidden layers (default: the teacher's)"},
          {"--activation", "NAME", nullptr, "--init scratch: silu, relu, tanh, gelu or gelu_tanh (default: the teacher's)"},
          {"--time", "EMB", nullptr, "--init scratch: raw or sin:K (default: the teacher's)"},
          {"--cfg-dropout", "P", "0.1", "conditioned teacher: share of pairs made with no condition, in [0, 1)"},
          {"--cond", "FILE", nullptr, "vector:M teacher: the pairs' conditions, (P, M) (sets P) or (1, M)"},
          threads_flag(),
      },
      run_reflow};
  return c;
}

}  // namespace cli
