// Runner: chunked, optionally threaded runs of a model's field. See runner.h.
#include "rill/runner.h"

#include "rill/density.h"

// The preconditions are the caller's to check; the sanitizer build (make
// asan) asserts them. Other builds do not pay for assert (the firmware's
// footprint would carry its message printing).
#if defined(RILL_SANITIZE)
#include <cassert>
#define RILL_EXPECT(cond) assert(cond)
#else
#define RILL_EXPECT(cond) ((void)0)
#endif

namespace rill {

namespace {
constexpr int kMaxParts = 64;  // as integrate_batch: workers used at most

[[maybe_unused]] bool valid_options(const RunOptions& o) {
  return static_cast<unsigned>(o.solver) <= static_cast<unsigned>(Solver::rk4) && o.steps >= 1 && o.t0 == o.t0 &&
         o.t1 == o.t1;
}
}  // namespace

std::size_t Runner::scratch_bytes(const MlpSpec& spec, int chunk) {
  Mlp shape;  // the scratch depends on the shape alone
  shape.spec = spec;
  return integrate_scratch(MlpField(shape), Solver::rk4, chunk);
}

std::size_t Runner::scratch_bytes(const VectorField& field, int chunk) {
  return integrate_scratch(field, Solver::rk4, chunk);
}

namespace {
// The scratch needs of MlpDivergenceField for a shape, without its code: a
// field whose eval functions are never called.
class DivergenceShape final : public DivergenceField {
 public:
  explicit DivergenceShape(const MlpSpec& s) : s_(s) {}
  int dim() const override { return s_.dim; }
  std::size_t scratch_bytes(int n) const override { return mlp_forward_scratch(s_, n); }
  Status eval(const float*, int, float, float*, Arena&) const override { return Status::unsupported; }
  Status eval_divergence(const float*, int, float, float*, float*, Arena&) const override {
    return Status::unsupported;
  }
  std::size_t divergence_scratch_bytes(int n) const override { return mlp_divergence_scratch(s_, n); }
  std::size_t probe_divergence_scratch_bytes(int n, int k) const override {
    return mlp_probe_divergence_scratch(s_, n, k);
  }

 private:
  const MlpSpec& s_;
};

// Rows of `f` that log_prob fits in `bytes` of scratch, at most `chunk` (0: not one).
int density_rows(const DivergenceField& f, Solver solver, int probes, int chunk, std::size_t bytes) {
  if (log_prob_scratch(f, solver, chunk, probes) <= bytes) return chunk;
  int lo = 0, hi = chunk;  // fits(lo), !fits(hi); the need grows with the rows
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    (log_prob_scratch(f, solver, mid, probes) <= bytes ? lo : hi) = mid;
  }
  return lo;
}
}  // namespace

std::size_t Runner::density_scratch_bytes(const DivergenceField& field, int chunk, int probes) {
  return log_prob_scratch(field, Solver::rk4, chunk, probes);  // RK4 keeps the most stages
}

std::size_t Runner::density_scratch_bytes(const MlpSpec& spec, int chunk, int probes) {
  return density_scratch_bytes(DivergenceShape(spec), chunk, probes);
}

Status Runner::integrate(const RunOptions& o, float* x, long n) {
  RILL_EXPECT(field_ != nullptr && n >= 0 && (x != nullptr || n == 0) && valid_options(o));
  // integrate_batch hands worker w scratch[w]; without workers, scratch[0] is ours.
  Arena* scratch = executor_ != nullptr ? worker_scratch_ : &scratch_;
  return integrate_batch(*field_, o.solver, o.steps, x, n, o.t0, o.t1, chunk_, scratch, executor_,
                         o.trajectory);
}

Status Runner::sample(const RunOptions& o, std::uint32_t seed, float* out, long n) {
  RILL_EXPECT(field_ != nullptr && n >= 0 && (out != nullptr || n == 0));
  sample_noise(seed, out, n * field_->dim());
  return integrate(o, out, n);
}

Status Runner::field(const float* x, long n, float t, float* out) {
  RILL_EXPECT(field_ != nullptr && n >= 0 && ((x != nullptr && out != nullptr) || n == 0) && t == t);
  const VectorField& f = *field_;
  if (executor_ != nullptr && executor_->workers() > 1 && n > chunk_) return field_parts(f, x, n, t, out);
  return field_range(f, x, 0, n, t, out, solo());
}

// Rows [begin, end), chunk by chunk, in one arena.
Status Runner::field_range(const VectorField& f, const float* x, long begin, long end, float t, float* out,
                           Arena& arena) const {
  const std::size_t d = static_cast<std::size_t>(f.dim());
  for (long r0 = begin; r0 < end; r0 += chunk_) {
    const int rows = static_cast<int>(end - r0 < chunk_ ? end - r0 : chunk_);
    const std::size_t off = static_cast<std::size_t>(r0) * d;
    arena.reset();
    const Status st = f.eval(x + off, rows, t, out + off, arena);
    if (st != Status::ok) return st;
  }
  return Status::ok;
}

// Worker w evaluates the w-th of W contiguous ranges of rows in its own arena
// (the split of integrate_batch). Out of line so that its status array costs
// the single-threaded path (firmware) no stack.
__attribute__((noinline)) Status Runner::field_parts(const VectorField& f, const float* x, long n, float t,
                                                     float* out) {
  Status part_status[kMaxParts];
  const int parts = executor_->workers() < kMaxParts ? executor_->workers() : kMaxParts;
  struct Ctx {
    const Runner& runner;
    const VectorField& f;
    const float* x;
    long n;
    float t;
    float* out;
    int parts;
    Status* status;
  } ctx{*this, f, x, n, t, out, parts, part_status};
  executor_->run(parts, [](void* p, int task) {
    const Ctx& c = *static_cast<const Ctx*>(p);
    c.status[task] = c.runner.field_range(c.f, c.x, c.n * task / c.parts, c.n * (task + 1) / c.parts, c.t, c.out,
                                          c.runner.worker_scratch_[task]);
  }, &ctx);
  for (int p = 0; p < parts; ++p)
    if (part_status[p] != Status::ok) return part_status[p];
  return Status::ok;
}

Status Runner::log_prob(const DivergenceField& f, const RunOptions& o, const float* x, long n, float* logp) {
  RILL_EXPECT(n >= 0 && ((x != nullptr && logp != nullptr) || n == 0) && valid_options(o) && o.t >= 0.0f &&
              o.t <= 1.0f && o.probes >= 0 && f.dim() == dim());
  if (executor_ != nullptr && executor_->workers() > 1 && n > chunk_) return log_prob_parts(f, o, x, n, logp);
  return log_prob_range(f, o, x, 0, n, logp, solo());
}

// Rows [begin, end), as many at a time as the arena holds (at most chunk_).
Status Runner::log_prob_range(const DivergenceField& f, const RunOptions& o, const float* x, long begin, long end,
                              float* logp, Arena& arena) const {
  if (end <= begin) return Status::ok;
  const int rows = density_rows(f, o.solver, o.probes, chunk_, arena.capacity());
  if (rows < 1) return Status::out_of_memory;
  const std::size_t d = static_cast<std::size_t>(f.dim());
  for (long r0 = begin; r0 < end; r0 += rows) {
    const int k = static_cast<int>(end - r0 < rows ? end - r0 : rows);
    arena.reset();
    ProbeOptions probes;
    probes.count = o.probes;
    probes.seed = o.probe_seed;
    probes.row0 = r0;
    const Status st = rill::log_prob(f, o.solver, o.steps, x + static_cast<std::size_t>(r0) * d, k, o.t, logp + r0,
                                     arena, probes);
    if (st != Status::ok) return st;
  }
  return Status::ok;
}

// The split of field_parts: worker w runs the w-th of W contiguous ranges of rows.
__attribute__((noinline)) Status Runner::log_prob_parts(const DivergenceField& f, const RunOptions& o,
                                                        const float* x, long n, float* logp) {
  Status part_status[kMaxParts];
  const int parts = executor_->workers() < kMaxParts ? executor_->workers() : kMaxParts;
  struct Ctx {
    const Runner& runner;
    const DivergenceField& f;
    const RunOptions& o;
    const float* x;
    long n;
    float* logp;
    int parts;
    Status* status;
  } ctx{*this, f, o, x, n, logp, parts, part_status};
  executor_->run(parts, [](void* p, int task) {
    const Ctx& c = *static_cast<const Ctx*>(p);
    c.status[task] = c.runner.log_prob_range(c.f, c.o, c.x, c.n * task / c.parts, c.n * (task + 1) / c.parts, c.logp,
                                             c.runner.worker_scratch_[task]);
  }, &ctx);
  for (int p = 0; p < parts; ++p)
    if (part_status[p] != Status::ok) return part_status[p];
  return Status::ok;
}

}  // namespace rill
