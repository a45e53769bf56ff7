// The heap-free half of the C API (rill.h): models placed in caller memory,
// sampling, integration and field evaluation. Goes into every build,
// firmware included.
#include <cstdint>
#include <cstring>
#include <new>

#include "rill/capi.h"
#include "rill/datasets.h"
#include "rill/formula.h"
#include "rill/rng.h"
#include "rill/solver.h"

using namespace rill;

namespace rill {

void copy_text(const char* text, char* out, std::size_t cap) {
  if (out == nullptr || cap == 0) return;
  std::size_t n = std::strlen(text);
  if (n >= cap) n = cap - 1;
  std::memcpy(out, text, n);
  out[n] = '\0';
}

void copy_error(const Message& m, Status s, char* err, std::size_t cap) {
  copy_text(m.text[0] ? m.text : status_message(s), err, cap);
}

namespace {
// The most a call's field takes: guided, a row per point. Out of line, so that its Mlp and
// CallField (about 0.5 KB) are no part of an unconditional model's set-up stack.
__attribute__((noinline)) std::size_t guided_scratch_bytes(const MlpSpec& spec, int chunk) {
  Mlp shape;
  shape.spec = spec;
  const CallField call(shape, -1, nullptr, spec.condition.count, 0.5f);
  return Runner::scratch_bytes(call.guided, chunk);
}
}  // namespace

std::size_t model_scratch_bytes(const MlpSpec& spec, int chunk, int flags) {
  std::size_t run = Runner::scratch_bytes(spec, chunk);
  if (spec.condition.kind != ConditionSpec::Kind::none) {
    const std::size_t guided = guided_scratch_bytes(spec, chunk);
    run = guided > run ? guided : run;
  }
  if ((flags & RILL_DENSITY) == 0) return run;
  std::size_t density = Runner::density_scratch_bytes(spec, chunk);
  if (spec.condition.kind != ConditionSpec::Kind::none)  // rill_log_prob's CallDivergenceField
    density += CallDivergenceField::extra_bytes(spec, chunk);
  return density > run ? density : run;
}

std::size_t model_place_bytes(const Model& m, int chunk, int flags) {
  std::size_t total = Arena::padded(sizeof(rill_model));
  if (flags & RILL_PACK) total += mlp_pack_bytes(m.mlp);  // narrow weights are widened there too
  return total + model_scratch_bytes(m.mlp.spec, chunk, flags);
}

int model_place(void* mem, std::size_t mem_size, const void* file, std::size_t len, int chunk, int flags,
                rill_model** out, Message* msg) {
  if (out == nullptr || file == nullptr) return static_cast<int>(fail(msg, Status::invalid_argument, "null argument"));
  *out = nullptr;
  if (chunk < 1) return static_cast<int>(fail(msg, Status::invalid_argument, "chunk must be >= 1"));
  if (reinterpret_cast<std::uintptr_t>(file) % 4 != 0)
    return static_cast<int>(fail(msg, Status::invalid_argument, "model bytes must be 4-byte aligned"));
  Model model;
  Status st = model_load(file, len, nullptr, &model, msg);
  if (st != Status::ok) return static_cast<int>(st);
  const std::size_t need = model_place_bytes(model, chunk, flags);
  if (mem == nullptr || mem_size < need)
    return static_cast<int>(fail(msg, Status::out_of_memory, "the model needs %zu bytes of memory, %zu given", need,
                                 mem == nullptr ? std::size_t(0) : mem_size));
  Arena arena(mem, mem_size);
  void* slot = arena.alloc(sizeof(rill_model));
  rill_model* h = new (slot) rill_model();
  h->model = model;
  if (flags & RILL_PACK) {
    st = mlp_pack(h->model.mlp, arena);
    if (st != Status::ok) return static_cast<int>(fail(msg, st, "no room to pack the weights"));
  }
  h->scratch_bytes = model_scratch_bytes(model.mlp.spec, chunk, flags);
  h->runner = Runner(h->model.mlp, chunk, arena.take_rest());
  *out = h;
  return RILL_OK;
}

}  // namespace rill

namespace {
// A fixed text, copied without fail()'s formatter: a firmware that samples links none.
int set_error(rill_model* m, Status s, const char* what) {
  if (m != nullptr) copy_text(what, m->error.text, Message::kCap);
  return static_cast<int>(s);
}
bool valid_solver(int s) { return s >= RILL_EULER && s <= RILL_RK4; }
RunOptions to_run(const rill_run_options& o, float* trajectory) {
  RunOptions r;
  r.solver = static_cast<Solver>(o.solver);
  r.steps = o.steps;
  r.t0 = o.t0;
  r.t1 = o.t1;
  r.t = o.t;  // (the condition fields make the call's field: with_call_field)
  r.trajectory = trajectory;
  return r;
}
rill_run_options defaults() {
  rill_run_options o;
  rill_run_options_default(&o);
  return o;
}
// The checks of solver and steps; the caller checks the times it uses.
int check_steps(rill_model* m, const rill_run_options& o) {
  if (o.steps < 1) return set_error(m, Status::invalid_argument, "steps must be >= 1");
  if (!valid_solver(o.solver)) return set_error(m, Status::invalid_argument, "unknown solver");
  return RILL_OK;
}
// Whether t is a time of m's field: [0, 1] for a learned or the exact:8gaussians field; any finite t for a
// linear formula, which does not depend on t (the Learn view runs it to t = 6).
bool in_time(const rill_model* m, float t) {
  if (m->formula != nullptr && m->formula->kind() == FormulaModel::Kind::linear) return t - t == 0.0f;
  return t >= 0.0f && t <= 1.0f;
}
// Whether m reads a step length h (formats.md, step_embedding); such a model integrates forwards only.
bool step_model(const rill_model* m) { return m->formula == nullptr && m->model.mlp.spec.step.on; }
constexpr const char* kForwardsOnly =
    "the model is step-conditioned (step_embedding): it integrates forwards only (t1 >= t0)";
// A run's status as the C API returns it, its message kept on the model.
int run_status(rill_model* m, Status st) {
  return st == Status::ok ? RILL_OK : set_error(m, st, status_message(st));
}
// run(runner) on m's own field (whose Runner gives a step-conditioned model its
// h), or, when o gives a condition (or guidance), on the call's guided
// conditional field at step length h (after check_condition) with m's chunk,
// arenas and workers.
template <class Run>
int with_call_field(rill_model* m, const rill_run_options& o, long n, float h, Run run) {
  if (!wants_condition(o)) return run_status(m, run(m->runner));
  if (const int rc = check_condition(m, o, n)) return rc;
  const std::ptrdiff_t stride = o.condition_rows > 1 ? m->model.mlp.spec.condition.count : 0;
  const CallField call(m->model.mlp, o.class_index, o.condition, stride, o.guidance, h);
  Runner runner = call_runner(m, call.guided);
  return run_status(m, run(runner));
}

}  // namespace

extern "C" {

const char* rill_status_name(int status) { return status_name(static_cast<Status>(status)); }
const char* rill_status_message(int status) { return status_message(static_cast<Status>(status)); }

int rill_model_memory(const void* file, size_t len, int chunk, int flags, size_t* bytes, char* err,
                      size_t err_cap) {
  Message msg;
  if (file == nullptr || bytes == nullptr || chunk < 1) {
    copy_error(msg, Status::invalid_argument, err, err_cap);
    return RILL_INVALID_ARGUMENT;
  }
  if (reinterpret_cast<std::uintptr_t>(file) % 4 != 0) {
    fail(&msg, Status::invalid_argument, "model bytes must be 4-byte aligned");
    copy_error(msg, Status::invalid_argument, err, err_cap);
    return RILL_INVALID_ARGUMENT;
  }
  Model model;
  const Status st = model_load(file, len, nullptr, &model, &msg);
  if (st != Status::ok) {
    copy_error(msg, st, err, err_cap);
    return static_cast<int>(st);
  }
  *bytes = model_place_bytes(model, chunk, flags);
  return RILL_OK;
}

int rill_model_init(void* mem, size_t mem_size, const void* file, size_t len, int chunk, int flags,
                    rill_model** out, char* err, size_t err_cap) {
  Message msg;
  const int st = model_place(mem, mem_size, file, len, chunk, flags, out, &msg);
  if (st != RILL_OK) copy_error(msg, static_cast<Status>(st), err, err_cap);
  return st;
}

void rill_run_options_default(rill_run_options* o) {
  if (o == nullptr) return;
  const RunOptions d;
  o->solver = static_cast<int32_t>(d.solver);
  o->steps = d.steps;
  o->t0 = d.t0;
  o->t1 = d.t1;
  o->t = d.t;
  o->class_index = -1;
  o->condition = nullptr;
  o->condition_rows = 1;
  o->guidance = 1.0f;
  o->probes = d.probes;
  o->probe_seed = d.probe_seed;
  o->h = 0.0f;
}

int rill_model_dim(const rill_model* m) { return m == nullptr ? 0 : m->runner.dim(); }

int rill_model_get_info(const rill_model* m, rill_model_info* info) {
  if (m == nullptr || info == nullptr) return RILL_INVALID_ARGUMENT;
  if (m->formula != nullptr) {  // no layers, no weights (rill.h)
    *info = rill_model_info{};
    info->dim = m->runner.dim();
    info->step_k = -1;  // no step embedding (0 would say raw h)
    return RILL_OK;
  }
  const MlpSpec& s = m->model.mlp.spec;
  info->dim = s.dim;
  info->layers = s.n_layers;
  int width = 0;
  for (int i = 1; i < s.n_layers; ++i) width = s.sizes[i] > width ? s.sizes[i] : width;
  info->width = width;
  info->activation = static_cast<int32_t>(s.activation);
  info->time_k = s.time.k;
  info->in_place = m->model.in_place ? 1 : 0;
  info->params = static_cast<uint32_t>(s.param_count());
  info->flops = static_cast<float>(s.flops());
  info->sigma_min = m->model.sigma_min;
  info->step_k = s.step.k();
  return RILL_OK;
}

int rill_model_metadata(const rill_model* m, const char* key, char* out, size_t cap) {
  if (m == nullptr || key == nullptr || out == nullptr || m->model.header == nullptr) return RILL_INVALID_ARGUMENT;
  return model_metadata(m->model, key, out, cap) ? RILL_OK : RILL_INVALID_ARGUMENT;
}

const char* rill_model_error(const rill_model* m) { return m == nullptr ? "no model" : m->error.text; }

// The checks of the run functions, here and nowhere below: the Runner assumes them.
int rill_integrate_with(rill_model* m, float* x, int n, const rill_run_options* options, float* trajectory) {
  if (m == nullptr) return RILL_INVALID_ARGUMENT;
  m->error.text[0] = '\0';
  const rill_run_options o = options != nullptr ? *options : defaults();
  if (x == nullptr || n < 0) return set_error(m, Status::invalid_argument, "x must hold n >= 0 points");
  if (const int rc = check_steps(m, o)) return rc;
  if (!in_time(m, o.t0) || !in_time(m, o.t1))
    return set_error(m, Status::invalid_argument, "t0 and t1 must be in 0..1 (finite for a linear formula)");
  if (step_model(m) && o.t1 < o.t0) return set_error(m, Status::invalid_argument, kForwardsOnly);
  const RunOptions run = to_run(o, trajectory);
  const float h = step_length(o.t0, o.t1, o.steps);
  return with_call_field(m, o, n, h, [&](Runner& r) { return r.integrate(run, x, n); });
}

int rill_integrate(rill_model* m, float* x, int n, int steps, int solver, float t0, float t1, float* trajectory) {
  rill_run_options o = defaults();
  o.steps = steps;
  o.solver = solver;
  o.t0 = t0;
  o.t1 = t1;
  return rill_integrate_with(m, x, n, &o, trajectory);
}

int rill_sample_with(rill_model* m, int n, uint32_t seed, const rill_run_options* options, float* out,
                     float* trajectory) {
  if (m == nullptr) return RILL_INVALID_ARGUMENT;
  m->error.text[0] = '\0';
  rill_run_options o = options != nullptr ? *options : defaults();
  if (out == nullptr || n < 0) return set_error(m, Status::invalid_argument, "out must hold n >= 0 points");
  if (const int rc = check_steps(m, o)) return rc;
  o.t0 = 0.0f;  // the flow model: noise at t = 0 to data at t = 1
  o.t1 = 1.0f;
  // The same draws as rill::sample(): all of x0 first, from the sampling stream of `seed`;
  // a model with a dataset source draws that dataset's points from it (the CLI's draw_x0).
  const RunOptions run = to_run(o, trajectory);
  const float h = step_length(o.t0, o.t1, o.steps);
  if (m->model.source < 0)
    return with_call_field(m, o, n, h, [&](Runner& r) { return r.sample(run, seed, out, n); });
  Rng rng = Rng::derive(seed, Purpose::sample_noise);
  dataset_sample(static_cast<Dataset>(m->model.source), rng, out, n);
  return with_call_field(m, o, n, h, [&](Runner& r) { return r.integrate(run, out, n); });
}

int rill_sample(rill_model* m, int n, int steps, int solver, uint32_t seed, float* out, float* trajectory) {
  rill_run_options o = defaults();
  o.steps = steps;
  o.solver = solver;
  return rill_sample_with(m, n, seed, &o, out, trajectory);
}

int rill_field_with(rill_model* m, const float* x, int n, const rill_run_options* options, float* out) {
  if (m == nullptr) return RILL_INVALID_ARGUMENT;
  m->error.text[0] = '\0';
  const rill_run_options o = options != nullptr ? *options : defaults();
  const float t = o.t;
  if (x == nullptr || out == nullptr || n < 0) return set_error(m, Status::invalid_argument, "bad buffers");
  if (!in_time(m, t)) return set_error(m, Status::invalid_argument, "t must be in 0..1 (finite for a linear formula)");
  if (!(o.h == o.h)) return set_error(m, Status::invalid_argument, "h must be a number");
  return with_call_field(m, o, n, o.h, [&](Runner& r) { return r.field(x, n, t, out, o.h); });
}

int rill_field(rill_model* m, const float* x, int n, float t, float* out) {
  rill_run_options o = defaults();
  o.t = t;
  return rill_field_with(m, x, n, &o, out);
}

}  // extern "C"
