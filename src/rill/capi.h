// Internal: the model handle behind the C API, shared by capi.cpp
// (heap-free), capi_heap.cpp (allocating) and capi_threads.cpp. Not a public
// header. It knows no trainer: the firmware's C API is models and runs alone
// (the trainer handle is in capi_heap.h).
#pragma once
#include "rill/arena.h"
#include "rill/field.h"
#include "rill/model_io.h"
#include "rill/rill.h"
#include "rill/runner.h"

namespace rill {
class FormulaModel;
}

struct rill_model {
  rill::Model model;
  // Runs model.mlp in chunks in the scratch arena placed after this struct;
  // capi_threads.cpp attaches workers (an executor and one arena each) to it.
  rill::Runner runner;
  std::size_t scratch_bytes = 0;  // of each scratch arena (the Runner's, and each worker's)
  // A formula model's field (rill_model_open_name; heap, owned): then model.mlp is empty
  // and runner runs formula->field().
  rill::FormulaModel* formula = nullptr;
  void* threads = nullptr;  // what capi_threads.cpp allocated for the workers
  void (*release_threads)(rill_model*) = nullptr;
  rill::Message error;
  void* owned = nullptr;   // heap models: the copy of the file (this struct starts its own block)
};

namespace rill {
// Copies text into out[0..cap) (if out), zero-terminated, cut to fit.
void copy_text(const char* text, char* out, std::size_t cap);
// Copies a Message's text (or, if empty, status_message(s)) into a caller's buffer (if any).
void copy_error(const Message& m, Status s, char* err, std::size_t cap);
// Places a model in mem (see rill_model_init); `file` must be 4-byte aligned.
int model_place(void* mem, std::size_t mem_size, const void* file, std::size_t len, int chunk, int flags,
                rill_model** out, Message* msg);
std::size_t model_place_bytes(const Model& m, int chunk, int flags);
// Bytes of one scratch arena of a model of this shape (RILL_DENSITY in flags: log-densities too).
std::size_t model_scratch_bytes(const MlpSpec& spec, int chunk, int flags);

// 64-byte aligned heap memory (any size, 0 included), freed with std::free;
// null on failure. Heap builds only: defined in capi_heap.cpp.
void* aligned_block(std::size_t bytes);
}  // namespace rill

namespace rill {
// The conditional field of one C API call (rill_run_options' class_index or
// condition): the model's Mlp with its condition rows, encoded chunk by chunk
// in the call's scratch (so a call needs no memory beyond the model's: a
// class is one row, a vector condition the chunk's rows). The values the
// model sees are those of the CLI's encoded rows: the same bits.
class CallConditionField final : public VectorField {
 public:
  // cls >= 0: that class; else `values` (M per row; stride M, or 0: one row for all). h: the
  // step length a step-conditioned model reads.
  CallConditionField(const Mlp& mlp, int cls, const float* values, std::ptrdiff_t stride, float h = 0.0f)
      : mlp_(&mlp), cls_(cls), values_(values), stride_(stride), h_(h) {}
  int dim() const override { return mlp_->spec.dim; }
  std::size_t scratch_bytes(int n) const override;
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override {
    return eval_rows(0, x, n, t, out, arena);
  }
  Status eval_rows(long row0, const float* x, int n, float t, float* out, Arena& arena) const override;

 private:
  const Mlp* mlp_;
  int cls_;
  const float* values_;
  std::ptrdiff_t stride_;
  float h_;
};

// A call's field: u(·|0) + w·(u(·|c) − u(·|0)) (field.h's GuidedField), both at step length h.
struct CallField {
  CallConditionField uc;
  MlpField u0;
  GuidedField guided;
  CallField(const Mlp& mlp, int cls, const float* values, std::ptrdiff_t stride, float w, float h = 0.0f)
      : uc(mlp, cls, values, stride, h), u0(mlp, MlpCondition{nullptr, 0, h}), guided(u0, uc, w) {}
};

// The same call's field with its exact divergence, for rill_log_prob: one
// condition for every point (class, or one vector row), guidance w as
// GuidedField's (u and div u alike: f0 + w·(fc − f0); w = 1 and 0 one
// evaluation). eval gives CallField's bits.
class CallDivergenceField final : public DivergenceField {
 public:
  CallDivergenceField(const Mlp& mlp, int cls, const float* values, float w)
      : call_(mlp, cls, values, 0, w), mlp_(&mlp), cls_(cls), values_(values), w_(w) {}
  int dim() const override { return mlp_->spec.dim; }
  std::size_t scratch_bytes(int n) const override { return call_.guided.scratch_bytes(n); }
  Status eval(const float* x, int n, float t, float* out, Arena& arena) const override {
    return call_.guided.eval(x, n, t, out, arena);
  }
  Status eval_divergence(const float* x, int n, float t, float* out, float* div, Arena& arena) const override;
  std::size_t divergence_scratch_bytes(int n) const override;
  // Hutchinson's estimate of the same guided divergence: εᵀ(J0 + w(Jc − J0))ε = d0 + w(dc − d0) with
  // the same probes for both fields, so it stays unbiased.
  Status eval_probe_divergence(const float* x, int n, float t, const float* probes, int k, float* out, float* div,
                               Arena& arena) const override;
  std::size_t probe_divergence_scratch_bytes(int n, int k) const override;
  // Scratch beyond an unconditioned Mlp's divergence for n rows (model_scratch_bytes plans it).
  static std::size_t extra_bytes(const MlpSpec& spec, int n);

 private:
  // The guided combination around `divergence(out, div, cond)` (exact or Hutchinson's).
  template <class Divergence>
  Status guided(int n, float* out, float* div, Arena& arena, const Divergence& divergence) const;
  CallField call_;
  const Mlp* mlp_;
  int cls_;
  const float* values_;
  float w_;
};

// Whether `o` asks for a condition or guidance at all.
inline bool wants_condition(const rill_run_options& o) {
  return o.class_index != -1 || o.condition != nullptr || !(o.guidance == 1.0f);
}
// Checks o's condition fields against m's condition for a call on n points
// (rill.h's refusals, the message on the model); RILL_OK or the status.
int check_condition(rill_model* m, const rill_run_options& o, long n);
// A run of `field` (a CallField's guided field) on m's runner: its chunk, arenas and workers.
inline Runner call_runner(const rill_model* m, const VectorField& field) { return m->runner.with_field(field); }
}  // namespace rill
