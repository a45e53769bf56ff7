// The log-density half of the C API (rill.h): rill_log_prob, and exp(tA) for
// the page's lessons. In every build, firmware included; a firmware that
// never calls rill_log_prob links none of the divergence code (its own
// sections, --gc-sections).
#include <cstring>

#include "rill/capi.h"
#include "rill/decimal.h"
#include "rill/density.h"
#include "rill/formula.h"

using namespace rill;

namespace {
constexpr int kNamed = 10;  // indices a non-finite refusal names
constexpr int kMaxProbes = 4096;  // Hutchinson probes a point

int refuse(rill_model* m, Status s, const char* what) {
  fail(&m->error, s, "%s", what);
  return static_cast<int>(s);
}

// "3 points have no finite log-density (...): 0, 5, 17", up to kNamed indices and the count.
int report_non_finite(rill_model* m, const float* logp, int n) {
  long first[kNamed];
  const long count = non_finite_count(logp, n, first, kNamed);
  if (count == 0) return RILL_OK;
  char list[kNamed * 12 + 8] = "";
  std::size_t len = 0;
  for (int i = 0; i < kNamed && i < count; ++i) {
    if (i > 0) list[len++] = ',', list[len++] = ' ';
    len += unsigned_to_decimal(static_cast<unsigned long>(first[i]), list + len);
  }
  if (count > kNamed) std::memcpy(list + len, ", ...", 6), len += 5;
  list[len] = '\0';
  fail(&m->error, Status::non_finite,
       "%ld of %d points have no finite log-density (the way back to t = 0 overflowed or gave NaN): %s", count, n,
       list);
  return RILL_NON_FINITE;
}

}  // namespace

extern "C" {

// The checks of rill_log_prob, here and nowhere below: the Runner assumes them.
int rill_log_prob(rill_model* m, const float* x, int n, const rill_run_options* options, float* logp) {
  if (m == nullptr) return RILL_INVALID_ARGUMENT;
  m->error.text[0] = '\0';
  rill_run_options o;
  rill_run_options_default(&o);
  if (options != nullptr) o = *options;
  if (n < 0 || (n > 0 && (x == nullptr || logp == nullptr)))
    return refuse(m, Status::invalid_argument, "x and logp must hold n >= 0 points");
  if (o.steps < 1) return refuse(m, Status::invalid_argument, "steps must be >= 1");
  if (o.solver < RILL_EULER || o.solver > RILL_RK4) return refuse(m, Status::invalid_argument, "unknown solver");
  if (!(o.t >= 0.0f && o.t <= 1.0f)) return refuse(m, Status::invalid_argument, "t must be in 0..1");
  if (o.probes < 0 || o.probes > kMaxProbes) return refuse(m, Status::invalid_argument, "probes must be in 0..4096");
  if (wants_condition(o)) {
    if (const int rc = check_condition(m, o, n)) return rc;
    if (o.condition != nullptr && o.condition_rows > 1)
      return refuse(m, Status::unsupported, "rill_log_prob takes one condition for every point (condition_rows 1)");
  }
  if (m->formula == nullptr && m->model.mlp.spec.step.on)
    return refuse(m, Status::invalid_argument,
                  "the model is step-conditioned (step_embedding): its output is an average velocity over a step, "
                  "so it has no log-density");
  if (m->model.source >= 0)
    return refuse(m, Status::invalid_argument,
                  "the model draws x0 from a dataset (metadata \"source\"); log-likelihood needs a source with a "
                  "density (gaussian)");
  const int d = m->runner.dim();
  long bad = -1;  // the first non-finite value, by density.h's count
  if (non_finite_count(x, static_cast<long>(n) * d, &bad, 1) > 0) {
    fail(&m->error, Status::invalid_argument, "point %ld is not finite (value %ld of its %d)", bad / d, bad % d, d);
    return RILL_INVALID_ARGUMENT;
  }
  RunOptions run;
  run.solver = static_cast<Solver>(o.solver);
  run.steps = o.steps;
  run.t = o.t;
  run.probes = o.probes;
  run.probe_seed = o.probe_seed;
  const MlpDivergenceField mlp_field(m->model.mlp);
  const CallDivergenceField call_field(m->model.mlp, o.class_index, o.condition, o.guidance);
  const DivergenceField& mlp = wants_condition(o) ? static_cast<const DivergenceField&>(call_field) : mlp_field;
  const DivergenceField& f = m->formula != nullptr ? m->formula->field() : mlp;
  const Status st = m->runner.log_prob(f, run, x, n, logp);
  if (st == Status::out_of_memory && o.probes > 0)
    return refuse(m, st, "not enough scratch for one point's log-density with these probes (RILL_DENSITY plans the "
                         "exact divergence: place the model with a larger chunk, or use probes 0)");
  if (st == Status::out_of_memory)
    return refuse(m, st, "not enough scratch for one point's log-density (place the model with RILL_DENSITY)");
  if (st == Status::unsupported && o.probes > 0)
    return refuse(m, st, "this model has only its exact divergence (closed form): set probes to 0");
  if (st != Status::ok) return refuse(m, st, status_message(st));
  return report_non_finite(m, logp, n);
}

void rill_matrix_exp_2x2(const float A[4], float t, float E[4]) {
  if (A == nullptr || E == nullptr) return;
  matrix_exp_2x2(A, t, E);
}

}  // extern "C"
