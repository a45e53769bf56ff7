// Runner: a model's field run over batches of any size — sampling,
// integration and field evaluation — in chunks of rows, in caller memory.
// The field is an Mlp's (a model file) or any VectorField (the formula
// models of formula.h).
//
// Why: every front end (the C API, the CLI) needs the same thing: bounded
// scratch however many points come, optional worker threads, and the bits of
// one big batch. Rows are independent, so neither the chunk size nor the
// number of workers changes a single bit (integrate_batch in solver.h does
// the chunk/worker split; the Runner adds the model, its memory and the
// per-call options). Like a tflite-micro op, it plans its memory up front
// (scratch_bytes) and runs without checks the boundary already made: the C
// API's functions and the CLI's argument parsing validate, the Runner
// assumes valid arguments (its preconditions below; debug builds assert).
// No heap: the firmware uses it with caller memory.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rill/arena.h"
#include "rill/field.h"
#include "rill/mlp.h"
#include "rill/parallel.h"
#include "rill/solver.h"
#include "rill/status.h"

namespace rill {

// How one integration runs (the defaults are `rill sample`'s). Per-call
// options of later issues (conditions and guidance, sources, step inputs,
// log-density) join here as members whose defaults keep today's behaviour,
// so no signature below changes (formats.md: one options struct).
struct RunOptions {
  Solver solver = Solver::heun;
  int steps = 20;               // >= 1
  float t0 = 0.0f, t1 = 1.0f;   // from t0 to t1 (t1 < t0: backwards, data to noise)
  float t = 1.0f;               // log_prob: the time of log p_t (integrated from t back to 0)
  int probes = 0;               // log_prob: 0 the exact divergence; K >= 1 Hutchinson's estimate, K probes a point
  std::uint32_t probe_seed = 0; // log_prob: the seed of those probes (density.h)
  float* trajectory = nullptr;  // optional output: x at t0 and after each step, (steps + 1) × n × d
};

// The field of a Runner made from an Mlp: MlpField's (the same call of
// mlp_forward), but with a state before any Mlp is given, so that a default
// Runner needs no static empty Mlp (its dynamic initialisation, simd_best(),
// would need a thread-safe guard, __cxa_guard_*, which firmware does not have).
// h: the step length a step-conditioned model reads (the Runner sets it).
class RunnerMlpField final : public VectorField {
 public:
  const Mlp* mlp = nullptr;  // set before any call
  float h = 0.0f;
  int dim() const override { return mlp->spec.dim; }
  std::size_t scratch_bytes(int n) const override { return mlp_forward_scratch(mlp->spec, n); }
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override {
    return mlp_forward(*mlp, x, mlp->spec.dim, &t, false, n, out, mlp->spec.dim, arena, MlpCondition{nullptr, 0, h});
  }
};

class Runner {
 public:
  // Bytes of one scratch arena for `chunk` rows of a model of this shape:
  // enough for integrate() with any solver (RK4 needs the most) and for
  // field(). The Runner needs one arena of this size; with W workers, W such
  // arenas (worker 0's may be the Runner's own, see set_workers).
  // Exact for 64-byte aligned memory; add Arena::kAlign for memory of any alignment.
  static std::size_t scratch_bytes(const MlpSpec& spec, int chunk);
  static std::size_t scratch_bytes(const VectorField& field, int chunk);
  // Bytes of one arena in which log_prob() runs `chunk` rows of `field` at once
  // (any solver). For an Mlp's divergence field, from its shape alone (so that a
  // firmware that plans for densities but never asks for one links none of the
  // divergence code).
  // With probes > 0: for Hutchinson's estimate with that many probes a point.
  static std::size_t density_scratch_bytes(const DivergenceField& field, int chunk, int probes = 0);
  static std::size_t density_scratch_bytes(const MlpSpec& spec, int chunk, int probes = 0);

  Runner() = default;
  // Runs `mlp` (not owned: it must outlive the Runner, and may change in place
  // between calls, e.g. while training) in chunks of at most `chunk` >= 1 rows;
  // scratch: an arena of at least scratch_bytes(mlp.spec, chunk) bytes.
  Runner(const Mlp& mlp, int chunk, Arena scratch)
      : field_(&mlp_field_), chunk_(chunk), scratch_(scratch) {
    mlp_field_.mlp = &mlp;
  }
  // The same for any field (not owned); scratch_bytes(field, chunk) bytes.
  Runner(const VectorField& field, int chunk, Arena scratch) : field_(&field), chunk_(chunk), scratch_(scratch) {}
  // A copy runs the same field (its own MlpField when it was made from an Mlp).
  Runner(const Runner& o) { *this = o; }
  Runner& operator=(const Runner& o) {
    mlp_field_ = o.mlp_field_;
    field_ = o.field_ == &o.mlp_field_ ? &mlp_field_ : o.field_;
    chunk_ = o.chunk_;
    scratch_ = o.scratch_;
    executor_ = o.executor_;
    worker_scratch_ = o.worker_scratch_;
    return *this;
  }

  // Workers: with an executor of W > 1 workers, a batch of more than `chunk`
  // rows is split into W ranges of rows run side by side, worker w in
  // worker_scratch[w] (W arenas of scratch_bytes each; at most 64 workers are
  // used); a smaller batch runs on the calling thread in worker_scratch[0].
  // So while workers are attached the Runner's own scratch is not used, and
  // worker_scratch[0] may be an arena over the same memory.
  // (nullptr, nullptr): the calling thread alone. Same bits either way.
  void set_workers(Executor* ex, Arena* worker_scratch) {
    executor_ = ex;
    worker_scratch_ = worker_scratch;
  }

  // Preconditions of the three calls (checked by the caller): the Runner was
  // constructed; n >= 0; the buffers hold n × d floats (non-null when n > 0);
  // options.solver is a Solver, options.steps >= 1; t, options.t0 and t1 are numbers.
  // They return the status of the core's first failure (out_of_memory if an
  // arena is short of scratch_bytes); NaN or Inf in the results is not one.

  // x (n × d, in place) integrated from options.t0 to options.t1. A
  // step-conditioned Mlp (formats.md, step_embedding) reads h = step_length(t0,
  // t1, steps) at every stage, and field()'s h (default 0: the instantaneous
  // velocity); every other Mlp ignores h. (A field given to the Runner carries
  // its own h: MlpCondition.)
  Status integrate(const RunOptions& options, float* x, long n);
  // x0 = sample_noise(seed) into out (n × d), then integrate(options): with
  // t0 = 0, t1 = 1 the flow model, the bits of rill::sample() with that seed.
  Status sample(const RunOptions& options, std::uint32_t seed, float* out, long n);
  // out = u_t(x), both n × d (a step-conditioned Mlp at step length h).
  Status field(const float* x, long n, float t, float* out, float h = 0.0f);
  // logp[i] = log p_t(x_i), t = options.t in [0, 1] (density.h's log_prob with
  // options.solver and steps), for n points x (n × d, not changed); `f` is
  // this Runner's field with its divergence (not owned). In chunks of at most
  // chunk() rows, fewer where an arena is smaller than density_scratch_bytes
  // (out_of_memory if it holds not even one row); on the workers like field().
  // Same bits for any chunking and workers. Non-finite results are not a failure.
  Status log_prob(const DivergenceField& f, const RunOptions& options, const float* x, long n, float* logp);

  // A copy that runs `f` instead (not owned; of this Runner's dimension, its
  // scratch needs within the arenas'), with the same chunk, arenas and workers:
  // the C API's field of one call (a condition, guidance).
  Runner with_field(const VectorField& f) const {
    Runner r(*this);
    r.field_ = &f;
    return r;
  }
  const VectorField& field() const { return *field_; }
  int dim() const { return field_->dim(); }
  int chunk() const { return chunk_; }
  Executor* executor() const { return executor_; }

 private:
  Status field_range(const VectorField& f, const float* x, long begin, long end, float t, float* out,
                     Arena& arena) const;
  // The arena of a run on the calling thread.
  Arena& solo() { return executor_ != nullptr ? worker_scratch_[0] : scratch_; }
  Status field_parts(const VectorField& f, const float* x, long n, float t, float* out);
  Status log_prob_range(const DivergenceField& f, const RunOptions& o, const float* x, long begin, long end,
                        float* logp, Arena& arena) const;
  Status log_prob_parts(const DivergenceField& f, const RunOptions& o, const float* x, long n, float* logp);

  RunnerMlpField mlp_field_;  // the field of a Runner made from an Mlp
  const VectorField* field_ = nullptr;
  int chunk_ = 1;
  Arena scratch_;
  Executor* executor_ = nullptr;
  Arena* worker_scratch_ = nullptr;
};

}  // namespace rill
