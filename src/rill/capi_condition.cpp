// The C API's conditions and guidance (rill.h: rill_run_options' class_index,
// condition, condition_rows and guidance; rill_model_condition): the checks of
// a call's condition against the model, and the field that encodes it chunk by
// chunk. Goes into every build, firmware included.
#include <cstddef>

#include "rill/capi.h"
#include "rill/decimal.h"
#include "rill/mlp_divergence.h"

using namespace rill;

namespace rill {

namespace {
// Rows of encoded condition a chunk of n points needs: one for a shared condition.
long encoded_rows(int cls, std::ptrdiff_t stride, int n) { return cls >= 0 || stride == 0 ? 1 : n; }
}  // namespace

std::size_t CallConditionField::scratch_bytes(int n) const {
  const std::size_t rows = static_cast<std::size_t>(encoded_rows(cls_, stride_, n));
  return scratch_floats(rows * static_cast<std::size_t>(mlp_->spec.condition.features())) +
         mlp_forward_scratch(mlp_->spec, n);
}

Status CallConditionField::eval_rows(long row0, const float* x, int n, float t, float* out, Arena& arena) const {
  const ConditionSpec& c = mlp_->spec.condition;
  const long rows = encoded_rows(cls_, stride_, n);
  const int f = c.features();
  const std::size_t mark = arena.mark();
  float* enc = arena.alloc_array<float>(static_cast<std::size_t>(rows) * static_cast<std::size_t>(f));
  if (enc == nullptr) return Status::out_of_memory;
  if (cls_ >= 0) {
    c.encode_class(cls_, enc);
  } else {
    const float* v = values_ + row0 * stride_;
    for (long r = 0; r < rows; ++r) c.encode_vector(v + r * stride_, enc + r * f);
  }
  const Status st = mlp_forward(*mlp_, x, mlp_->spec.dim, &t, false, n, out, mlp_->spec.dim, arena,
                                MlpCondition{enc, rows > 1 ? f : 0, h_});
  arena.release(mark);
  return st;
}

std::size_t CallDivergenceField::extra_bytes(const MlpSpec& spec, int n) {
  const std::size_t rows = static_cast<std::size_t>(n);
  return scratch_floats(static_cast<std::size_t>(spec.condition.features())) +
         scratch_floats(rows * static_cast<std::size_t>(spec.dim)) + scratch_floats(rows);
}

std::size_t CallDivergenceField::divergence_scratch_bytes(int n) const {
  return extra_bytes(mlp_->spec, n) + mlp_divergence_scratch(mlp_->spec, n);
}

std::size_t CallDivergenceField::probe_divergence_scratch_bytes(int n, int k) const {
  return extra_bytes(mlp_->spec, n) + mlp_probe_divergence_scratch(mlp_->spec, n, k);
}

template <class Divergence>
Status CallDivergenceField::guided(int n, float* out, float* div, Arena& arena, const Divergence& divergence) const {
  if (w_ == 0.0f) return divergence(out, div, MlpCondition{});  // u(·|0) alone
  const ConditionSpec& c = mlp_->spec.condition;
  const std::size_t m = static_cast<std::size_t>(n) * static_cast<std::size_t>(mlp_->spec.dim);
  const std::size_t mark = arena.mark();
  float* enc = arena.alloc_array<float>(static_cast<std::size_t>(c.features()));
  float* u0 = w_ == 1.0f ? nullptr : arena.alloc_array<float>(m);
  float* d0 = w_ == 1.0f ? nullptr : arena.alloc_array<float>(static_cast<std::size_t>(n));
  if (enc == nullptr || (w_ != 1.0f && (u0 == nullptr || d0 == nullptr))) return Status::out_of_memory;
  if (cls_ >= 0) c.encode_class(cls_, enc);
  else c.encode_vector(values_, enc);
  Status st = w_ == 1.0f ? Status::ok : divergence(u0, d0, MlpCondition{});
  if (st == Status::ok) st = divergence(out, div, MlpCondition{enc, 0});
  if (st == Status::ok && w_ != 1.0f) {
    for (std::size_t q = 0; q < m; ++q) out[q] = u0[q] + w_ * (out[q] - u0[q]);
    for (int r = 0; r < n; ++r) div[r] = d0[r] + w_ * (div[r] - d0[r]);
  }
  arena.release(mark);
  return st;
}

Status CallDivergenceField::eval_divergence(const float* x, int n, float t, float* out, float* div,
                                            Arena& arena) const {
  return guided(n, out, div, arena, [&](float* o, float* d, MlpCondition cond) {
    return mlp_divergence(*mlp_, x, n, t, o, d, arena, cond);
  });
}

Status CallDivergenceField::eval_probe_divergence(const float* x, int n, float t, const float* probes, int k,
                                                  float* out, float* div, Arena& arena) const {
  return guided(n, out, div, arena, [&](float* o, float* d, MlpCondition cond) {
    return mlp_probe_divergence(*mlp_, x, n, t, probes, k, o, d, arena, cond);
  });
}

namespace {
ConditionSpec model_condition(const rill_model* m) {
  return m->formula != nullptr ? ConditionSpec{} : m->model.mlp.spec.condition;
}

int refused(rill_model* m) { return static_cast<int>(m->error.text[0] ? Status::invalid_argument : Status::ok); }

// A float as the shortest decimal that reads back to it (fail() prints no floats).
struct Decimal {
  char text[16];
  explicit Decimal(float f) { float_to_decimal(f, text, sizeof text); }
};

// "none", "class:C", "vector:M" (formats.md's names).
struct Name {
  char text[24];
  explicit Name(const ConditionSpec& c) { condition_name(c, text, sizeof text); }
};

// The class or vector of a call that gives one (o.class_index != -1 or o.condition).
int check_given(rill_model* m, const rill_run_options& o, long n, const ConditionSpec& c) {
  using Kind = ConditionSpec::Kind;
  Message* e = &m->error;
  const long k = o.class_index, rows = o.condition_rows;
  if (k != -1 && o.condition != nullptr)
    fail(e, Status::invalid_argument, "class_index %ld and condition exclude each other (a model has one kind of condition)", k);
  else if (k != -1 && c.kind != Kind::cls)
    fail(e, Status::invalid_argument, "class_index %ld: the model has no classes (its condition is %s)", k,
         Name(c).text);
  else if (k != -1 && (k < 0 || k >= c.count))
    fail(e, Status::invalid_argument, "class_index %ld: the model has classes 0..%d (-1: none)", k, c.count - 1);
  else if (k == -1 && c.kind != Kind::vector)
    fail(e, Status::invalid_argument, "condition: the model has no vector condition (its condition is %s)",
         Name(c).text);
  else if (k == -1 && rows != 1 && rows != n)
    fail(e, Status::invalid_argument, "condition_rows %ld: must be 1 (one condition for all) or n = %ld", rows, n);
  if (e->text[0] || k != -1) return refused(m);
  const long values = rows * c.count;
  for (long q = 0; q < values; ++q)
    if (!(o.condition[q] - o.condition[q] == 0.0f)) {
      fail(e, Status::invalid_argument, "condition value %ld of row %ld is %s; a condition must be finite",
           q % c.count, q / c.count, Decimal(o.condition[q]).text);
      return RILL_INVALID_ARGUMENT;
    }
  return RILL_OK;
}
}  // namespace

int check_condition(rill_model* m, const rill_run_options& o, long n) {
  const ConditionSpec c = model_condition(m);
  m->error.text[0] = '\0';
  if (!(o.guidance == o.guidance)) {
    fail(&m->error, Status::invalid_argument, "guidance must be a number");
    return RILL_INVALID_ARGUMENT;
  }
  if (o.class_index == -1 && o.condition == nullptr) {
    if (o.guidance == 1.0f) return RILL_OK;
    fail(&m->error, Status::invalid_argument,
         "guidance %s needs a condition (class_index or condition): guidance weighs the conditional field against the "
         "unconditional (the model's condition is %s)",
         Decimal(o.guidance).text, Name(c).text);
    return RILL_INVALID_ARGUMENT;
  }
  return check_given(m, o, n, c);
}

}  // namespace rill

extern "C" int rill_model_condition(const rill_model* m, int* kind, int* width) {
  if (m == nullptr || kind == nullptr || width == nullptr) return RILL_INVALID_ARGUMENT;
  const ConditionSpec c = model_condition(m);
  *kind = c.kind == ConditionSpec::Kind::none ? RILL_CONDITION_NONE
          : c.kind == ConditionSpec::Kind::cls ? RILL_CONDITION_CLASS
                                               : RILL_CONDITION_VECTOR;
  *width = c.kind == ConditionSpec::Kind::none ? 0 : c.count;
  return RILL_OK;
}
