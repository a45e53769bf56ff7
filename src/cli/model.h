// model: finding, loading and running a model for the commands.
//
// MODEL on the command line is a formula, a path or the name of a shipped
// model. A name starting `exact:` or `linear:` is a formula model
// (rill::FormulaModel: `exact:8gaussians`, `linear:a,b,...`; formats.md
// "Models that are formulas") and is never looked up as a file. Anything else
// is a path, or a shipped model's name (`moons` means
// web/models/moons.safetensors), looked up in ./web/models/ and then next to
// the executable (<exe dir>/../web/models/, or <exe dir>/../share/rill/models/
// for an installed rill). Both kinds run through the core's rill::Runner over
// the model's VectorField, as the C API's models do: chunk by chunk, on
// threads if asked (the bits depend on neither).
// The commands check their arguments; these functions take them as valid.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rill/field.h"
#include "rill/formula.h"
#include "rill/mlp.h"
#include "rill/model_file.h"
#include "rill/solver.h"

namespace cli {

struct LoadedModel {
  std::string path;       // where it was found; for a formula, its name
  rill::FormulaModel formula;  // kind() != none: a formula model (file, mlp and pack stay empty)
  rill::ModelFile file;   // the validated bytes and the Model pointing into them
  rill::Mlp mlp;          // file.model.mlp, packed for the fast kernel
  std::vector<unsigned char> pack;  // memory of the packed weights
  rill::MlpDivergenceField mlp_field{mlp};  // the Mlp's field with its exact divergence

  bool is_formula() const { return formula.kind() != rill::FormulaModel::Kind::none; }
  int dim() const { return is_formula() ? formula.dim() : mlp.spec.dim; }
  // u_t(x) with its exact divergence: the formula's, or the Mlp's by forward mode.
  const rill::DivergenceField& field() const {
    if (is_formula()) return formula.field();
    return mlp_field;
  }
};

// The file a MODEL argument names; a runtime error listing the places looked at.
std::string find_model(const std::string& name);
// A formula model is parsed (a usage error with FormulaModel's reason if it is
// malformed); a file is found, read, validated and (for sampling; `pack`)
// packed, with runtime errors carrying the core's reason.
std::unique_ptr<LoadedModel> load_model(const std::string& name, bool pack = true);

// A short name for titles: a formula's name, or the file name without directory and extension.
std::string model_label(const LoadedModel& m);

// The density checks of log-likelihood (formats.md "Source"): log p needs a
// source with a density, N(0, I); a runtime error (exit 1) naming the model's
// source when it is a dataset.
void check_density_source(const LoadedModel& m);

// The model's x0 for `seed` (formats.md "Source"): N(0, I) by sample_noise,
// or, for a model whose source is a dataset, that dataset's points drawn from
// the same sampling-noise stream (Rng::derive(seed, Purpose::sample_noise)).
void draw_x0(const LoadedModel& m, std::uint32_t seed, float* x, long n);
// "gaussian" or the source dataset's name.
const char* source_name(const LoadedModel& m);
// Whether m reads the step length h of each solver step (formats.md, step_embedding): its output is
// an average velocity over [t, t + h]; it integrates forwards only and has no log-density.
bool step_conditioned(const LoadedModel& m);

// The condition of one run (formats.md "Guidance"): --class K (0-based) or
// --cond FILE (vector models: rows of M values, one per point or (1, M) for
// all), and --guidance W (default 1). None: the model's own field, one evaluation.
struct Condition {
  int cls = -1;
  std::vector<float> rows;  // encoded condition rows (features() each): 1 row, or one per point
  long n_rows = 0;          // rows held (0: no condition)
  float guidance = 1.0f;
  bool given() const { return n_rows > 0; }
};
class Args;
// Reads --class, --cond (when the command has it) and --guidance: a malformed
// value, --class with --cond, or --guidance without either, is a usage error
// (exit 2); a class the model does not have, a condition of the wrong width or
// a condition on a model without that kind of condition is a runtime error (exit 1).
Condition parse_condition(const Args& args, const LoadedModel& m);

// The field a run integrates: the model's own, or its conditional field
// with guidance u0 + w·(uc − u0) (w = 1: uc alone, w = 0: u0 alone); both
// at step length h for a step-conditioned model (rill::step_length of the
// run's t0, t1 and steps; the model's own field gets its h from the Runner).
class ConditionedField {
 public:
  ConditionedField(const LoadedModel& m, const Condition& c, float h = 0.0f);
  ConditionedField(const ConditionedField&) = delete;
  ConditionedField& operator=(const ConditionedField&) = delete;
  // null: the model's own field (no condition given).
  const rill::VectorField* field() const { return given_ ? &guided_ : nullptr; }

 private:
  bool given_;
  rill::MlpField uc_, u0_;
  rill::GuidedField guided_;
};

// Integrates x (n × d, in place) from t0 to t1 (steps >= 1, n >= 0).
// trajectory (optional): (steps + 1) × n × d. threads > 1 integrates ranges
// of rows side by side (rows are independent: the same bits). Runtime error
// if the core fails.
// field: the conditioned field to run instead of the model's own (null: the
// model's, which the Runner gives h = rill::step_length(t0, t1, steps)).
// A step-conditioned model integrated backwards (t1 < t0) is a runtime error.
void integrate_points(const LoadedModel& m, rill::Solver solver, int steps, float* x, long n, float t0, float t1,
                      float* trajectory, int threads = 1, const rill::VectorField* field = nullptr);
// out = u_t(x) for n points (a step-conditioned model's own field at step length h).
void eval_field(const LoadedModel& m, float t, const float* x, long n, float* out,
                const rill::VectorField* field = nullptr, float h = 0.0f);
// logp[i] = log p_t(x_i) in nats for n points (rill::log_prob: exact
// divergence, integrated back from t to 0 by `steps` steps of `solver`), in
// chunks of rows, on `threads` threads (the same bits). Non-finite values are
// left for the caller to report. Runtime error if the core fails.
// probes > 0: Hutchinson's estimate with that many probes a point from
// probe_seed (a runtime error for a formula without one: exact:8gaussians).
// field: the conditioned field's divergence (rill_log_prob's; null: the model's own).
void log_density(const LoadedModel& m, rill::Solver solver, int steps, float t, const float* x, long n, float* logp,
                 int threads = 1, int probes = 0, std::uint32_t probe_seed = 0,
                 const rill::DivergenceField* field = nullptr);
// The runtime error for points whose log-density is not finite, naming the
// first ten 0-based indices and the count; returns if every value is finite.
void refuse_non_finite(const float* logp, long n, const char* what);

}  // namespace cli
