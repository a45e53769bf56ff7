// The allocating half of the C API (rill.h): models opened from a copy of
// their bytes, trainers, and rill_alloc/rill_free for bindings. Native and
// WebAssembly builds only; the firmware library leaves this file out.
#include <cstdlib>
#include <cstring>
#include <new>

#include "rill/capi_heap.h"
#include "rill/decimal.h"
#include "rill/formula.h"
#include "rill/train_facts.h"

using namespace rill;

// The C numbering of rill.h is the core's.
namespace {
template <class E>
constexpr int num(E e) { return static_cast<int>(e); }
}  // namespace
static_assert(RILL_OK == num(Status::ok) && RILL_INVALID_ARGUMENT == num(Status::invalid_argument) &&
              RILL_OUT_OF_MEMORY == num(Status::out_of_memory) && RILL_IO_ERROR == num(Status::io_error) &&
              RILL_TRUNCATED == num(Status::truncated) && RILL_BAD_HEADER == num(Status::bad_header) &&
              RILL_BAD_JSON == num(Status::bad_json) && RILL_UNSUPPORTED_DTYPE == num(Status::unsupported_dtype) &&
              RILL_BAD_TENSOR == num(Status::bad_tensor) && RILL_BAD_SHAPE == num(Status::bad_shape) &&
              RILL_BAD_OFFSETS == num(Status::bad_offsets) && RILL_NON_FINITE == num(Status::non_finite) &&
              RILL_BAD_METADATA == num(Status::bad_metadata) && RILL_UNSUPPORTED == num(Status::unsupported),
              "rill.h status codes");
static_assert(RILL_EULER == num(Solver::euler) && RILL_MIDPOINT == num(Solver::midpoint) &&
              RILL_HEUN == num(Solver::heun) && RILL_RK4 == num(Solver::rk4), "rill.h solvers");
static_assert(RILL_GAUSSIAN == num(Dataset::gaussian) && RILL_8GAUSSIANS == num(Dataset::eight_gaussians) &&
              RILL_MOONS == num(Dataset::moons) && RILL_CHECKERBOARD == num(Dataset::checkerboard) &&
              RILL_CIRCLES == num(Dataset::circles) && RILL_SPIRALS == num(Dataset::spirals) &&
              RILL_SWISSROLL == num(Dataset::swissroll) && kDatasetCount == RILL_SWISSROLL + 1,
              "rill.h datasets");
// (rill.h's RILL_SILU ... RILL_GELU_TANH are held to rill::Activation in capi_layout.cpp.)
static_assert(num(Schedule::constant) == 0 && num(Schedule::cosine) == 1, "rill.h schedules");
static_assert(num(Coupling::independent) == 0 && num(Coupling::ot) == 1, "rill.h couplings");

namespace rill {
void* aligned_block(std::size_t bytes) {
  // aligned_alloc wants a multiple of the alignment.
  const std::size_t rounded = (bytes + 63) / 64 * 64;
  return std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
}
}  // namespace rill

namespace {
// Points a heap model (and a trainer's model view) integrates at a time (rill.h: "chunk 256").
constexpr int kHeapChunk = 256;
// Heap models plan for sampling and log-densities alike (rill.h).
constexpr int kHeapFlags = RILL_PACK | RILL_DENSITY;
// The last activation: Activation is a uint8_t, so the C int is checked
// before the conversion could wrap it onto another one.
constexpr int kLastActivation = num(Activation::gelu_tanh);

// fail() with RILL_INVALID_ARGUMENT as an int (its printf subset: no floats, see Decimal).
template <class A0, class... A>
int fail_rc(Message* msg, const char* fmt, A0 a0, A... args) {
  return static_cast<int>(fail(msg, Status::invalid_argument, fmt, a0, args...));
}
// A fixed text (printed through "%s": clang's -Wformat-security refuses a lone format argument).
int fail_rc(Message* msg, const char* text) { return static_cast<int>(fail(msg, Status::invalid_argument, "%s", text)); }
struct Decimal {
  char text[16];
  explicit Decimal(float f) { float_to_decimal(f, text, sizeof text); }
};

// Copies n values of `from` into a new block (null for null); false if out of memory.
template <class T>
bool copy_of(const T* from, std::size_t n, T** to) {
  *to = nullptr;
  if (from == nullptr) return true;
  *to = static_cast<T*>(aligned_block(n * sizeof(T)));
  if (*to == nullptr) return false;
  std::memcpy(*to, from, n * sizeof(T));
  return true;
}

TrainConfig train_config(const rill_train_config& c) {
  TrainConfig cfg;
  cfg.steps = c.steps;
  cfg.batch = c.batch;
  cfg.lr = c.lr;
  cfg.schedule = static_cast<Schedule>(c.schedule);
  cfg.warmup = c.warmup;
  cfg.lr_floor = c.lr_floor;
  cfg.clip = c.clip;
  cfg.ema = c.ema;
  cfg.coupling = static_cast<Coupling>(c.coupling);
  cfg.sigma_min = c.sigma_min;
  cfg.seed = c.seed;
  cfg.cfg_dropout = c.cfg_dropout;
  cfg.source = c.source == RILL_GAUSSIAN ? -1 : c.source;  // `rill train --source gaussian`: the default
  return cfg;
}

// The checks of a configuration the core's enums and MlpSpec::make cannot
// hold (before converting), and of its source, as RILL_INVALID_ARGUMENT.
int check_config(const rill_train_config& c, int dim, Message* msg) {
  if (c.activation < 0 || c.activation > kLastActivation)
    return fail_rc(msg, "unknown activation %d", static_cast<int>(c.activation));
  if (c.width < 1 || c.width > kMaxWidth || c.depth < 0 || c.depth >= kMaxLayers)
    return fail_rc(msg, "width must be 1..%d and depth 0..%d", kMaxWidth, kMaxLayers - 1);
  if (c.source < -1 || c.source >= kDatasetCount)
    return fail_rc(msg, "source %d is not -1 (gaussian) or a dataset 0..%d", static_cast<int>(c.source),
                   kDatasetCount - 1);
  if (c.source > RILL_GAUSSIAN && dim != kDatasetDim)
    return fail_rc(msg, "source %s is %d-dimensional; the data is %d-dimensional",
                   dataset_name(static_cast<Dataset>(c.source)), kDatasetDim, dim);
  if (!(c.cfg_dropout >= 0.0f && c.cfg_dropout < 1.0f))
    return fail_rc(msg, "cfg_dropout %s is outside 0 <= p < 1", Decimal(c.cfg_dropout).text);
  return RILL_OK;
}

// A trainer on `src` (its arrays copied) for a model with condition `cond`.
int trainer_make(const rill_train_config& c, DataSource src, ConditionSpec cond, rill_trainer** out, char* err,
                 size_t err_cap) {
  Message msg;
  auto refuse = [&](Status s) {
    copy_error(msg, s, err, err_cap);
    return static_cast<int>(s);
  };
  *out = nullptr;
  const int d = src.is_builtin ? kDatasetDim : src.dim;
  if (check_config(c, d, &msg) != RILL_OK) return refuse(Status::invalid_argument);
  const MlpSpec spec = MlpSpec::make(d, c.width, c.depth, static_cast<Activation>(c.activation),
                                     TimeEmbedding{c.time_k}, cond);
  const TrainConfig cfg = train_config(c);
  // Everything init() would refuse, before memory_bytes() sizes (and we
  // allocate) memory for it: an OT batch over the limit would ask for gigabytes.
  Status st = Trainer::check(spec, cfg, src, &msg);
  if (st != Status::ok) return refuse(st);

  rill_trainer* t = new (std::nothrow) rill_trainer();
  if (t == nullptr) return refuse(fail(&msg, Status::out_of_memory, "cannot allocate a trainer"));
  if (!src.is_builtin) {  // the trainer's own copies
    const std::size_t n = static_cast<std::size_t>(src.count);
    if (!copy_of(src.points, n * static_cast<std::size_t>(src.dim), &t->points) || !copy_of(src.labels, n, &t->labels) ||
        !copy_of(src.cond, n * static_cast<std::size_t>(cond.count), &t->cond)) {
      rill_trainer_free(t);
      return refuse(fail(&msg, Status::out_of_memory, "cannot allocate %zu points", n));
    }
    src.points = t->points;
    src.labels = t->labels;
    src.cond = t->cond;
  }
  const std::size_t need = Trainer::memory_bytes(spec, cfg);
  t->mem = aligned_block(need);
  const std::size_t view_need = model_scratch_bytes(spec, kHeapChunk, 0);
  t->view_mem = aligned_block(view_need);
  if (t->mem == nullptr || t->view_mem == nullptr) {
    rill_trainer_free(t);
    return refuse(fail(&msg, Status::out_of_memory, "cannot allocate %zu bytes for training", need));
  }
  t->arena = Arena(t->mem, need);
  st = t->trainer.init(spec, cfg, src, t->arena, &msg);
  if (st != Status::ok) {
    rill_trainer_free(t);
    return refuse(st);
  }
  t->view.runner = Runner(t->view.model.mlp, kHeapChunk, Arena(t->view_mem, view_need));
  t->view.scratch_bytes = view_need;
  t->view.model.sigma_min = cfg.sigma_min;
  t->view.model.source = cfg.source;
  t->view.model.has_rill_metadata = true;
  *out = t;
  return RILL_OK;
}

}  // namespace

extern "C" {

void* rill_alloc(size_t bytes) { return aligned_block(bytes); }
void rill_free(void* p) { std::free(p); }

int rill_model_open(const void* file, size_t len, rill_model** out, char* err, size_t err_cap) {
  Message msg;
  if (out == nullptr || (file == nullptr && len > 0)) {
    copy_error(msg, Status::invalid_argument, err, err_cap);
    return RILL_INVALID_ARGUMENT;
  }
  *out = nullptr;
  void* copy = aligned_block(len);
  if (copy == nullptr) {
    fail(&msg, Status::out_of_memory, "cannot allocate %zu bytes for the model file", len);
    copy_error(msg, Status::out_of_memory, err, err_cap);
    return RILL_OUT_OF_MEMORY;
  }
  if (len > 0) std::memcpy(copy, file, len);
  Model probe;
  Status st = model_load(copy, len, nullptr, &probe, &msg);
  if (st != Status::ok) {
    std::free(copy);
    copy_error(msg, st, err, err_cap);
    return static_cast<int>(st);
  }
  const int chunk = kHeapChunk;
  const std::size_t need = model_place_bytes(probe, chunk, kHeapFlags);
  void* mem = aligned_block(need);
  rill_model* h = nullptr;
  const int rc = mem == nullptr ? RILL_OUT_OF_MEMORY : model_place(mem, need, copy, len, chunk, kHeapFlags, &h, &msg);
  if (rc != RILL_OK) {
    std::free(mem);
    std::free(copy);
    if (mem == nullptr) fail(&msg, Status::out_of_memory, "cannot allocate %zu bytes for the model", need);
    copy_error(msg, static_cast<Status>(rc), err, err_cap);
    return rc;
  }
  h->owned = copy;
  *out = h;
  return RILL_OK;
}

int rill_model_open_name(const char* name, rill_model** out, char* err, size_t err_cap) {
  Message msg;
  if (out == nullptr || name == nullptr) {
    copy_error(msg, Status::invalid_argument, err, err_cap);
    return RILL_INVALID_ARGUMENT;
  }
  *out = nullptr;
  FormulaModel* formula = new (std::nothrow) FormulaModel();
  if (formula == nullptr) {
    copy_error(msg, Status::out_of_memory, err, err_cap);
    return RILL_OUT_OF_MEMORY;
  }
  const Status st = formula->parse(name, &msg);
  std::size_t scratch = 0;  // the larger of the sampling and the log-density scratch
  if (st == Status::ok) {
    const std::size_t run = Runner::scratch_bytes(formula->field(), kHeapChunk);
    const std::size_t density = Runner::density_scratch_bytes(formula->field(), kHeapChunk);
    scratch = density > run ? density : run;
  }
  const std::size_t need = Arena::padded(sizeof(rill_model)) + scratch;
  void* mem = st == Status::ok ? aligned_block(need) : nullptr;
  if (mem == nullptr) {
    delete formula;
    if (st == Status::ok) fail(&msg, Status::out_of_memory, "cannot allocate %zu bytes for the model", need);
    copy_error(msg, st == Status::ok ? Status::out_of_memory : st, err, err_cap);
    return st == Status::ok ? RILL_OUT_OF_MEMORY : static_cast<int>(st);
  }
  Arena arena(mem, need);
  rill_model* h = new (arena.alloc(sizeof(rill_model))) rill_model();
  h->formula = formula;
  h->scratch_bytes = scratch;
  h->runner = Runner(formula->field(), kHeapChunk, arena.take_rest());
  *out = h;
  return RILL_OK;
}

void rill_model_free(rill_model* m) {
  if (m == nullptr) return;
  void* copy = m->owned;
  FormulaModel* formula = m->formula;
  if (m->release_threads != nullptr) m->release_threads(m);
  m->~rill_model();
  delete formula;
  std::free(m);  // the handle sits at the start of its aligned block
  std::free(copy);
}

void rill_train_config_default(rill_train_config* c) {
  if (c == nullptr) return;
  const TrainConfig d;
  const MlpSpec spec = MlpSpec::make(kDatasetDim);  // make()'s default width, depth, activation, time
  c->width = spec.n_layers > 1 ? spec.sizes[1] : 0;
  c->depth = spec.n_layers - 1;
  c->activation = num(spec.activation);
  c->time_k = spec.time.k;
  c->steps = d.steps;
  c->batch = d.batch;
  c->lr = d.lr;
  c->schedule = num(d.schedule);
  c->warmup = d.warmup;
  c->lr_floor = d.lr_floor;
  c->clip = d.clip;
  c->ema = d.ema;
  c->coupling = num(d.coupling);
  c->sigma_min = d.sigma_min;
  c->seed = d.seed;
  c->cfg_dropout = d.cfg_dropout;
  c->source = d.source;
  c->condition = RILL_CONDITION_NONE;
}

int rill_trainer_new(const rill_train_config* c, int dataset, const float* points, long count, int dim,
                     rill_trainer** out, char* err, size_t err_cap) {
  Message msg;
  const bool builtin = dataset != RILL_DATA_POINTS;
  int rc = RILL_OK;
  if (c == nullptr || out == nullptr) rc = fail_rc(&msg, "null argument");
  else if (builtin && (dataset < 0 || dataset >= kDatasetCount)) rc = fail_rc(&msg, "unknown dataset %d", dataset);
  else if (!builtin && (points == nullptr || count < 1 || dim < 1 || dim > kMaxDim))
    rc = fail_rc(&msg, "the training points are empty or of a bad dimension");
  else if (!builtin && c->condition != RILL_CONDITION_NONE)
    rc = fail_rc(&msg, "condition %d on array data: give labels or conditions with rill_trainer_new_labeled",
                 static_cast<int>(c->condition));
  else if (c->condition < RILL_CONDITION_NONE || c->condition > RILL_CONDITION_VECTOR)
    rc = fail_rc(&msg, "condition %d is not 0 (none), 1 (class) or 2 (vector)", static_cast<int>(c->condition));
  ConditionSpec cond;
  if (rc == RILL_OK && builtin && c->condition != RILL_CONDITION_NONE) {
    const Dataset ds = static_cast<Dataset>(dataset);
    const bool cls = c->condition == RILL_CONDITION_CLASS;
    const int have = cls ? dataset_classes(ds) : dataset_condition_dim(ds);
    if (have == 0)
      rc = fail_rc(&msg, cls ? "condition 1 (class): dataset %s has no labels"
                             : "condition 2 (vector): dataset %s has no vector condition (only swissroll: its s)",
                   dataset_name(ds));
    else cond = cls ? ConditionSpec::classes(have) : ConditionSpec::vector(have);
  }
  if (rc != RILL_OK) {
    if (out != nullptr) *out = nullptr;
    copy_error(msg, Status::invalid_argument, err, err_cap);
    return rc;
  }
  DataSource src = builtin ? DataSource::builtin(static_cast<Dataset>(dataset)) : DataSource::array(points, count, dim);
  return trainer_make(*c, src, cond, out, err, err_cap);
}

int rill_trainer_new_labeled(const rill_train_config* c, const float* points, long count, int dim,
                             const int32_t* labels, const float* cond, int cond_dim, rill_trainer** out, char* err,
                             size_t err_cap) {
  Message msg;
  int rc = RILL_OK;
  const int want = labels != nullptr ? RILL_CONDITION_CLASS : RILL_CONDITION_VECTOR;
  if (c == nullptr || out == nullptr) rc = fail_rc(&msg, "null argument");
  else if (points == nullptr || count < 1 || dim < 1 || dim > kMaxDim)
    rc = fail_rc(&msg, "the training points are empty or of a bad dimension");
  else if ((labels == nullptr) == (cond == nullptr))
    rc = fail_rc(&msg, "give labels or cond, exactly one (a model has one kind of condition)");
  else if (c->condition != RILL_CONDITION_NONE && c->condition != want)
    rc = fail_rc(&msg, "condition %d does not fit the %s given", static_cast<int>(c->condition),
                 labels != nullptr ? "labels (class)" : "conditions (vector)");
  else if (cond != nullptr && (cond_dim < 1 || cond_dim > ConditionSpec::kMaxCount))
    rc = fail_rc(&msg, "cond_dim %d is outside 1..%d", cond_dim, ConditionSpec::kMaxCount);
  ConditionSpec spec;
  if (rc == RILL_OK && labels != nullptr) {
    int largest = 0;
    for (long i = 0; i < count && rc == RILL_OK; ++i) {
      if (labels[i] < 0 || labels[i] >= ConditionSpec::kMaxCount)
        rc = fail_rc(&msg, "label %ld is %d; labels are 0..%d", i, static_cast<int>(labels[i]), ConditionSpec::kMaxCount - 1);
      largest = labels[i] > largest ? labels[i] : largest;
    }
    spec = ConditionSpec::classes(largest + 1);
  } else if (rc == RILL_OK) {
    for (long q = 0; q < count * cond_dim && rc == RILL_OK; ++q)
      if (!(cond[q] - cond[q] == 0.0f))
        rc = fail_rc(&msg, "the condition of point %ld has value %s; conditions must be finite", q / cond_dim,
                     Decimal(cond[q]).text);
    spec = ConditionSpec::vector(cond_dim);
  }
  if (rc != RILL_OK) {
    if (out != nullptr) *out = nullptr;
    copy_error(msg, Status::invalid_argument, err, err_cap);
    return rc;
  }
  DataSource src = DataSource::array(points, count, dim);
  src.labels = labels;
  src.cond = cond;
  return trainer_make(*c, src, spec, out, err, err_cap);
}

void rill_trainer_free(rill_trainer* t) {
  if (t == nullptr) return;
  if (t->release_threads != nullptr) t->release_threads(t);
  // rill_model_set_threads on rill_trainer_model() gives the view its own threads.
  if (t->view.release_threads != nullptr) t->view.release_threads(&t->view);
  std::free(t->mem);
  std::free(t->points);
  std::free(t->labels);
  std::free(t->cond);
  std::free(t->view_mem);
  delete t;
}

int rill_trainer_step(rill_trainer* t, int k, float* losses) {
  if (t == nullptr || k < 0) return RILL_INVALID_ARGUMENT;
  t->error.text[0] = '\0';
  for (int i = 0; i < k; ++i) {
    float loss = 0.0f;
    const Status st = t->trainer.step(&loss);
    if (st != Status::ok) {
      fail(&t->error, st, "training step %d: %s", t->trainer.step_count() + 1,
           st == Status::non_finite ? "the loss is NaN or Inf (diverged: lower the learning rate)" : status_message(st));
      return static_cast<int>(st);
    }
    if (losses != nullptr) losses[i] = loss;
  }
  return RILL_OK;
}

int rill_trainer_steps_done(const rill_trainer* t) { return t == nullptr ? 0 : t->trainer.step_count(); }

rill_model* rill_trainer_model(rill_trainer* t) {
  if (t == nullptr) return nullptr;
  t->view.model.mlp = t->trainer.model();
  t->view.error.text[0] = '\0';
  return &t->view;
}

// The training facts are those of `rill train` (train_facts.h), without train_seconds.
size_t rill_trainer_file_size(rill_trainer* t) {
  if (t == nullptr) return 0;
  TrainingFacts f;
  training_facts(t->trainer, nullptr, -1.0, &f);
  return model_file_size(t->trainer.model(), t->trainer.config().sigma_min, f.kv, f.count);
}

int rill_trainer_write(rill_trainer* t, unsigned char* out, size_t cap, size_t* written) {
  if (t == nullptr || out == nullptr || written == nullptr) return RILL_INVALID_ARGUMENT;
  TrainingFacts f;
  training_facts(t->trainer, nullptr, -1.0, &f);
  const Status st =
      model_write(t->trainer.model(), t->trainer.config().sigma_min, f.kv, f.count, out, cap, written, &t->error);
  return static_cast<int>(st);
}

const char* rill_trainer_error(const rill_trainer* t) { return t == nullptr ? "no trainer" : t->error.text; }

}  // extern "C"
