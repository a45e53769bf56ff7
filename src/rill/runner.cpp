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

// The first of the workers' statuses that is not ok (ok if none).
Status first_failure(const Status* status, int workers) {
  for (int w = 0; w < workers; ++w)
    if (status[w] != Status::ok) return status[w];
  return Status::ok;
}

[[maybe_unused]] bool valid_options(const RunOptions& o) {
  return static_cast<unsigned>(o.solver) <= static_cast<unsigned>(Solver::rk4) && o.steps >= 1 && o.t0 == o.t0 &&
         o.t1 == o.t1;
}
}  // namespace

namespace {
// The scratch needs of MlpField and MlpDivergenceField for a shape, without
// their code (and without an Mlp of ~300 bytes on the stack): a field whose
// eval functions are never called.
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

std::size_t Runner::scratch_bytes(const MlpSpec& spec, int chunk) {
  return integrate_scratch(DivergenceShape(spec), Solver::rk4, chunk);  // the scratch depends on the shape alone
}

std::size_t Runner::scratch_bytes(const VectorField& field, int chunk) {
  return integrate_scratch(field, Solver::rk4, chunk);
}

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
  mlp_field_.h = step_length(o.t0, o.t1, o.steps);  // read by a step-conditioned Mlp only
  return integrate_batch(*field_, o.solver, o.steps, x, n, o.t0, o.t1, chunk_, scratch, executor_,
                         o.trajectory);
}

Status Runner::sample(const RunOptions& o, std::uint32_t seed, float* out, long n) {
  RILL_EXPECT(field_ != nullptr && n >= 0 && (out != nullptr || n == 0));
  sample_noise(seed, out, n * field_->dim());
  return integrate(o, out, n);
}

Status Runner::field(const float* x, long n, float t, float* out, float h) {
  RILL_EXPECT(field_ != nullptr && n >= 0 && ((x != nullptr && out != nullptr) || n == 0) && t == t);
  mlp_field_.h = h;
  const VectorField& f = *field_;
  if (workers_of(executor_) > 1 && n >= 2 * kMinSplitRows) return field_parts(f, x, n, t, out);
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
    const Status st = f.eval_rows(r0, x + off, rows, t, out + off, arena);  // rows of a per-point condition
    if (st != Status::ok) return st;
  }
  return Status::ok;
}

// Blocks of rows handed out one at a time (parallel_blocks), each evaluated
// in the arena of the worker that claimed it (the split of integrate_batch).
// Out of line so that its status array costs the single-threaded path
// (firmware) no stack.
__attribute__((noinline)) Status Runner::field_parts(const VectorField& f, const float* x, long n, float t,
                                                     float* out) {
  Status part_status[kMaxParts];
  const int workers = executor_->workers() < kMaxParts ? executor_->workers() : kMaxParts;
  for (int w = 0; w < workers; ++w) part_status[w] = Status::ok;
  parallel_blocks(executor_, n, split_block(n, workers, chunk_), [&](int w, long begin, long end) {
    if (part_status[w] == Status::ok) part_status[w] = field_range(f, x, begin, end, t, out, worker_scratch_[w]);
  });
  return first_failure(part_status, workers);
}

Status Runner::log_prob(const DivergenceField& f, const RunOptions& o, const float* x, long n, float* logp) {
  RILL_EXPECT(n >= 0 && ((x != nullptr && logp != nullptr) || n == 0) && valid_options(o) && o.t >= 0.0f &&
              o.t <= 1.0f && o.probes >= 0 && f.dim() == dim());
  if (workers_of(executor_) > 1 && n >= 2 * kMinSplitRows)
    return log_prob_parts(f, o, x, n, logp);
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

// The split of field_parts.
__attribute__((noinline)) Status Runner::log_prob_parts(const DivergenceField& f, const RunOptions& o,
                                                        const float* x, long n, float* logp) {
  Status part_status[kMaxParts];
  const int workers = executor_->workers() < kMaxParts ? executor_->workers() : kMaxParts;
  for (int w = 0; w < workers; ++w) part_status[w] = Status::ok;
  parallel_blocks(executor_, n, split_block(n, workers, chunk_), [&](int w, long begin, long end) {
    if (part_status[w] == Status::ok) part_status[w] = log_prob_range(f, o, x, begin, end, logp, worker_scratch_[w]);
  });
  return first_failure(part_status, workers);
}

}  // namespace rill
