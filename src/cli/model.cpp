// model: locating model files, loading them through model_file.h, and
// running them through a rill::Runner (see model.h).
#include "cli/model.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "cli/args.h"
#include "cli/array_io.h"
#include "cli/fail.h"
#include "rill/datasets.h"
#include "rill/density.h"
#include "rill/rng.h"
#include "rill/runner.h"
#include "rill/thread_pool.h"

namespace cli {

namespace {

constexpr int kChunk = 1024;  // the Runner's chunk: bounded scratch, any n

bool is_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string exe_dir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return std::string();
  const std::string exe(buf, static_cast<std::size_t>(n));
  const std::size_t slash = exe.rfind('/');
  return slash == std::string::npos ? std::string() : exe.substr(0, slash);
}

}  // namespace

std::string find_model(const std::string& name) {
  if (name.empty()) runtime_error("the model name is empty");
  if (is_file(name)) return name;
  std::vector<std::string> looked{name};
  if (name.find('/') == std::string::npos) {
    const bool has_ext = name.size() > 12 && name.compare(name.size() - 12, 12, ".safetensors") == 0;
    const std::string file = has_ext ? name : name + ".safetensors";
    looked.push_back("./web/models/" + file);
    const std::string dir = exe_dir();
    if (!dir.empty()) {
      looked.push_back(dir + "/../web/models/" + file);         // build/rill in a source tree
      looked.push_back(dir + "/../share/rill/models/" + file);  // PREFIX/bin/rill after make install
    }
    for (std::size_t i = 1; i < looked.size(); ++i)
      if (is_file(looked[i])) return looked[i];
  }
  std::string list;
  for (const std::string& p : looked) list += (list.empty() ? "" : ", ") + p;
  runtime_error("model '%s' not found (looked at %s)", name.c_str(), list.c_str());
}

std::unique_ptr<LoadedModel> load_model(const std::string& name, bool pack) {
  std::unique_ptr<LoadedModel> m(new LoadedModel);
  if (rill::FormulaModel::is_formula_name(name.c_str())) {
    rill::Message msg;
    const rill::Status st = m->formula.parse(name.c_str(), &msg);
    if (st != rill::Status::ok) usage_error("--model '%s': %s", name.c_str(), core_reason(st, msg).c_str());
    m->path = name;
    return m;
  }
  m->path = find_model(name);
  rill::Message msg;
  rill::Status st = rill::model_read_file(m->path.c_str(), &m->file, &msg);
  if (st == rill::Status::io_error) runtime_error("%s", core_reason(st, msg).c_str());
  if (st != rill::Status::ok) {
    // A well-formed file asking for what this rill does not have (a newer format, an unknown activation or
    // path, a dtype) is not damaged: say it cannot be used. (More than 16 layers is the core's bad_tensor.)
    const bool unusable = st == rill::Status::bad_metadata || st == rill::Status::unsupported_dtype ||
                          st == rill::Status::unsupported;
    runtime_error("%s %s: %s", unusable ? "cannot use the model" : "damaged model", m->path.c_str(),
                  core_reason(st, msg).c_str());
  }
  m->mlp = m->file.model.mlp;
  if (!pack) return m;
  m->pack.resize(rill::mlp_pack_bytes(m->mlp));  // narrow weights: widened there too
  rill::Arena arena(m->pack.data(), m->pack.size());
  st = rill::mlp_pack(m->mlp, arena);
  if (st != rill::Status::ok) runtime_error("cannot pack the weights of %s: %s", m->path.c_str(), rill::status_message(st));
  return m;
}

namespace {

// A Runner over m's weights for `chunk` rows at a time and `threads` workers,
// with its memory: one scratch arena per worker (the first also the Runner's own).
class HeapRunner {
 public:
  // density >= 0: arenas big enough for log_prob too, with that many probes a point (0: exact).
  // div: the field log_prob will run (null: the model's own).
  HeapRunner(const LoadedModel& m, int chunk, int threads, const rill::VectorField* field = nullptr,
             int density = -1, const rill::DivergenceField* div = nullptr) {
    std::size_t bytes = field != nullptr  ? rill::Runner::scratch_bytes(*field, chunk)
                        : m.is_formula() ? rill::Runner::scratch_bytes(m.field(), chunk)
                                         : rill::Runner::scratch_bytes(m.mlp.spec, chunk);
    if (density >= 0) {
      const std::size_t d = rill::Runner::density_scratch_bytes(div != nullptr ? *div : m.field(), chunk, density);
      bytes = d > bytes ? d : bytes;
    }
    bytes += rill::Arena::kAlign;  // any alignment
    mem_.assign(static_cast<std::size_t>(threads), std::vector<unsigned char>(bytes));
    for (auto& block : mem_) arenas_.emplace_back(block.data(), block.size());
    runner_ = field != nullptr    ? rill::Runner(*field, chunk, arenas_[0])
              : m.is_formula() ? rill::Runner(m.field(), chunk, arenas_[0])
                               : rill::Runner(m.mlp, chunk, arenas_[0]);
    if (threads > 1) {
      pool_.reset(new rill::ThreadPool(threads));
      runner_.set_workers(pool_.get(), arenas_.data());
    }
  }
  rill::Runner& operator*() { return runner_; }
  rill::Runner* operator->() { return &runner_; }

 private:
  std::vector<std::vector<unsigned char>> mem_;
  std::vector<rill::Arena> arenas_;
  std::unique_ptr<rill::ThreadPool> pool_;
  rill::Runner runner_;
};

}  // namespace

namespace {

// --cond FILE for a vector:M model: its rows encoded (values, then 1).
void read_vector_condition(const Args& args, const LoadedModel& m, Condition* c) {
  const std::string path = args.text("--cond");
  const rill::ConditionSpec& spec = m.mlp.spec.condition;
  if (m.is_formula() || spec.kind != rill::ConditionSpec::Kind::vector)
    runtime_error("--cond %s: the model %s has no vector condition (its condition is %s)", path.c_str(),
                  m.path.c_str(), m.is_formula() || spec.kind == rill::ConditionSpec::Kind::none ? "none" : "a class");
  const Points p = read_points(path, "--cond");
  if (p.d != spec.count)
    runtime_error("--cond %s has %d values per row; the model's condition is vector:%d", path.c_str(), p.d,
                  spec.count);
  const int f = spec.features();
  c->rows.resize(static_cast<std::size_t>(p.n) * static_cast<std::size_t>(f));
  for (long i = 0; i < p.n; ++i)
    spec.encode_vector(p.values.data() + static_cast<std::size_t>(i) * p.d, c->rows.data() + static_cast<std::size_t>(i) * f);
  c->n_rows = p.n;
}

}  // namespace

Condition parse_condition(const Args& args, const LoadedModel& m) {
  Condition c;
  const bool cls = args.has("--class"), vec = args.has("--cond");
  if (cls && vec) args.fail("--class and --cond exclude each other (a model has one kind of condition)");
  if (args.has("--guidance") && !cls && !vec)
    args.fail("--guidance needs a condition (%s): guidance weighs the conditional field against the unconditional",
              args.accepts("--cond") ? "--class K or --cond FILE" : "--class K");
  if (!cls && !vec) return c;
  c.guidance = static_cast<float>(args.real("--guidance", -100.0, 100.0));
  if (vec) {
    read_vector_condition(args, m, &c);
    return c;
  }
  const long long k = args.integer("--class", 0, rill::ConditionSpec::kMaxCount - 1);
  const rill::ConditionSpec& spec = m.mlp.spec.condition;
  if (m.is_formula() || spec.kind != rill::ConditionSpec::Kind::cls)
    runtime_error("--class %lld: the model %s has no class condition (its condition is %s)", k, m.path.c_str(),
                  m.is_formula() ? "none" : spec.kind == rill::ConditionSpec::Kind::vector ? "a vector" : "none");
  if (k >= spec.count)
    runtime_error("--class %lld: the model has classes 0..%d", k, spec.count - 1);
  c.cls = static_cast<int>(k);
  c.rows.resize(static_cast<std::size_t>(spec.features()));
  spec.encode_class(c.cls, c.rows.data());
  c.n_rows = 1;
  return c;
}

ConditionedField::ConditionedField(const LoadedModel& m, const Condition& c, float h)
    : given_(c.given()),
      uc_(m.mlp, rill::MlpCondition{c.given() ? c.rows.data() : nullptr,
                                    c.n_rows > 1 ? static_cast<std::ptrdiff_t>(m.mlp.spec.condition.features()) : 0,
                                    h}),
      u0_(m.mlp, rill::MlpCondition{nullptr, 0, h}),
      guided_(u0_, uc_, c.guidance) {}

std::string model_label(const LoadedModel& m) {
  if (m.is_formula()) return m.path;
  std::size_t a = m.path.rfind('/');
  a = a == std::string::npos ? 0 : a + 1;
  std::size_t b = m.path.rfind('.');
  if (b == std::string::npos || b < a) b = m.path.size();
  return m.path.substr(a, b - a);
}

bool step_conditioned(const LoadedModel& m) { return !m.is_formula() && m.mlp.spec.step.on; }

void check_density_source(const LoadedModel& m) {
  if (step_conditioned(m))
    runtime_error("the model %s is step-conditioned (step_embedding): its output is an average velocity over a step, "
                  "so it has no log-density",
                  m.path.c_str());
  // Formula models are flows from N(0, I); a file's `source` is a dataset or -1.
  if (m.is_formula() || m.file.model.source < 0) return;
  runtime_error("the model %s draws x0 from %s (its source); log-likelihood needs a source with a density (gaussian)",
                m.path.c_str(), source_name(m));
}

const char* source_name(const LoadedModel& m) {
  if (m.is_formula() || m.file.model.source < 0) return "gaussian";
  return rill::dataset_name(static_cast<rill::Dataset>(m.file.model.source));
}

void draw_x0(const LoadedModel& m, std::uint32_t seed, float* x, long n) {
  if (m.is_formula() || m.file.model.source < 0) {
    rill::sample_noise(seed, x, n * m.dim());
    return;
  }
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::sample_noise);
  rill::dataset_sample(static_cast<rill::Dataset>(m.file.model.source), rng, x, n);
}

void integrate_points(const LoadedModel& m, rill::Solver solver, int steps, float* x, long n, float t0, float t1,
                      float* trajectory, int threads, const rill::VectorField* field) {
  if (threads < 1) threads = 1;
  if (step_conditioned(m) && t1 < t0)
    runtime_error("the model %s is step-conditioned (step_embedding): it integrates forwards only (t1 >= t0)",
                  m.path.c_str());
  // Chunks of at most kChunk rows, and at least one per thread.
  const long per_thread = (n + threads - 1) / threads;
  const int chunk = static_cast<int>(per_thread < 1 ? 1 : per_thread < kChunk ? per_thread : kChunk);
  HeapRunner runner(m, chunk, threads, field);
  rill::RunOptions run;
  run.solver = solver;
  run.steps = steps;
  run.t0 = t0;
  run.t1 = t1;
  run.trajectory = trajectory;
  const rill::Status st = runner->integrate(run, x, n);
  if (st != rill::Status::ok) runtime_error("integration failed: %s", rill::status_message(st));
}

void eval_field(const LoadedModel& m, float t, const float* x, long n, float* out, const rill::VectorField* field,
                float h) {
  const int chunk = n < 1 ? 1 : n < kChunk ? static_cast<int>(n) : kChunk;
  HeapRunner runner(m, chunk, 1, field);
  const rill::Status st = runner->field(x, n, t, out, h);
  if (st != rill::Status::ok) runtime_error("field evaluation failed: %s", rill::status_message(st));
}

void log_density(const LoadedModel& m, rill::Solver solver, int steps, float t, const float* x, long n, float* logp,
                 int threads, int probes, std::uint32_t probe_seed, const rill::DivergenceField* field) {
  if (probes > 0 && m.formula.kind() == rill::FormulaModel::Kind::exact_8gaussians)
    runtime_error("%s has only its exact divergence (closed form); leave out --probes", m.path.c_str());
  if (n <= 0) return;
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  // Chunks of at most kChunk rows, and at least one per thread (as integrate_points).
  const long per_thread = (n + threads - 1) / threads;
  const int chunk = static_cast<int>(per_thread < kChunk ? per_thread : kChunk);
  HeapRunner runner(m, chunk, threads, nullptr, probes > 0 ? probes : 0, field);
  rill::RunOptions run;
  run.solver = solver;
  run.steps = steps;
  run.t = t;
  run.probes = probes;
  run.probe_seed = probe_seed;
  const rill::Status st = runner->log_prob(field != nullptr ? *field : m.field(), run, x, n, logp);
  if (st != rill::Status::ok) runtime_error("log-likelihood failed: %s", rill::status_message(st));
}

void refuse_non_finite(const float* logp, long n, const char* what) {
  long first[10];
  const long bad = rill::non_finite_count(logp, n, first, 10);
  if (bad == 0) return;
  std::string list;
  for (long i = 0; i < bad && i < 10; ++i) list += (i ? ", " : "") + std::to_string(first[i]);
  if (bad > 10) list += ", ...";
  runtime_error("%s: the integration back to t = 0 overflowed or gave NaN at %ld of %ld points (0-based: %s)", what,
                bad, n, list.c_str());
}

}  // namespace cli
