// Trainer: conditional flow matching (Lipman et al. 2023) with Adam.
//
// Each step draws a minibatch x1 from the data, noise x0 ~ N(0, I) and times
// t ~ U(0, 1), optionally re-pairs x0 with x1 by an exact assignment inside
// the batch (minibatch OT-CFM, Tong et al. 2023), forms x_t and the target
// u_t(x_t | x1) on the CondOT path, and minimises
//   L(θ) = mean over the batch and coordinates of (u^θ_t(x_t) − target)²
// with Adam (Kingma & Ba 2015), an optional warm-up + cosine schedule,
// gradient-norm clipping and an EMA of the weights. All memory comes from
// one Arena sized by memory_bytes(); the same seed gives the same bits.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rill/arena.h"
#include "rill/datasets.h"
#include "rill/mlp.h"
#include "rill/path.h"
#include "rill/rng.h"
#include "rill/status.h"

namespace rill {

enum class Schedule : int { constant, cosine };
enum class Coupling : int { independent, ot };
const char* coupling_name(Coupling c);
bool parse_coupling(const char* s, Coupling* out);
bool parse_schedule(const char* s, Schedule* out);

struct TrainConfig {
  int steps = 20000;      // planned length (the cosine schedule ends here; step() may go on at the floor)
  int batch = 256;
  float lr = 1e-3f;
  Schedule schedule = Schedule::constant;
  int warmup = 0;         // linear warm-up over this many steps
  float lr_floor = 0.0f;  // cosine decays to lr·lr_floor
  float clip = 0.0f;      // max global gradient norm; 0 = no clipping
  float ema = 0.0f;       // EMA decay in [0, 1); 0 = no EMA
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  Coupling coupling = Coupling::independent;
  float sigma_min = 0.0f;
  std::uint32_t seed = 0;
  // Conditioned models (spec.condition): the probability that a row's
  // condition is replaced by "none" (zeros), so the model also learns the
  // unconditional field guidance needs (Ho & Salimans 2022). In [0, 1).
  float cfg_dropout = 0.1f;
  // X0: -1 for N(0, I), else a built-in Dataset of the model's dimension
  // (formats.md `source`), drawn from the CFM noise stream.
  int source = -1;
  // Pairs only (distillation of the one-step map): the share of each batch's
  // rows, the first round(t0_share·batch), whose t is 0, so that one Euler
  // step from x0 is trained to land on the pair's x1. In [0, 1].
  float t0_share = 0.0f;
  // The instruction set of every kernel the training runs (kernels.h), the
  // models' included: each level gives the same bits, they differ in speed.
  Simd simd = simd_best();
  static constexpr int kMaxBatch = 1 << 20;
  static constexpr int kMaxOtBatch = 4096;  // O(n³) assignment and n² doubles of cost
};

// Where minibatches come from: a built-in dataset, or n points of dimension d
// (contiguous, finite, not owned: they must outlive the Trainer). For a
// conditioned model: a built-in dataset gives its labels (class:C with C its
// class count) or its own vector condition (swissroll's s, vector:1); an
// array gives `labels` (count values in [0, C)) or `cond` (count × M values).
//
// Fixed pairs (reflow, Liu et al. 2022): `points` are the x1 and `x0` the
// matching starting points (count × dim each, row i with row i). A minibatch
// picks pair rows (one data-stream draw per row, as an array's); x0 is the
// pair's, not drawn, so the coupling is the pairs' (independent coupling
// only; cfg.source is only recorded). A conditioned model's pairs carry
// their condition: `labels` or `cond` per pair, and `uncond` (optional, count
// bytes) 1 for a pair made without a condition, whose row the model sees as
// none; cfg_dropout is not applied (the pairs already hold their none share).
struct DataSource {
  bool is_builtin = true;
  Dataset dataset = Dataset::moons;
  const float* points = nullptr;
  long count = 0;
  int dim = 2;
  const std::int32_t* labels = nullptr;
  const float* cond = nullptr;
  const float* x0 = nullptr;                // pairs: the starting points (null: not pairs)
  const std::uint8_t* uncond = nullptr;     // pairs: 1 where the pair has no condition
  bool is_pairs() const { return x0 != nullptr; }
  static DataSource builtin(Dataset d) { DataSource s; s.dataset = d; return s; }
  static DataSource array(const float* points, long count, int dim) {
    DataSource s; s.is_builtin = false; s.points = points; s.count = count; s.dim = dim; return s;
  }
  static DataSource pairs(const float* x0, const float* x1, long count, int dim) {
    DataSource s = array(x1, count, dim); s.x0 = x0; return s;
  }
};

// Called after each step with its number (1-based) and loss; return false to stop run().
using TrainCallback = bool (*)(int step, float loss, void* ctx);

class Trainer {
 public:
  // Whether init() accepts this architecture, configuration and data (the
  // ranges, the OT batch limit, finite points), without touching memory: call
  // it before sizing an arena with memory_bytes(), which assumes a valid
  // configuration (OT alone adds batch² doubles).
  static Status check(const MlpSpec& spec, const TrainConfig& cfg, const DataSource& data, Message* msg);
  // Arena bytes init() takes for this architecture and configuration.
  static std::size_t memory_bytes(const MlpSpec& spec, const TrainConfig& cfg);
  // check(), then sets up a fresh model (PyTorch-style init from the seed), or
  // starts from `initial` (param_count() floats, canonical layout) when it is
  // non-null. The Trainer keeps using `arena`, which must outlive it.
  Status init(const MlpSpec& spec, const TrainConfig& cfg, const DataSource& data, Arena& arena, Message* msg,
              const float* initial = nullptr);
  // One optimisation step; *loss (if given) receives the minibatch loss before the update.
  Status step(float* loss = nullptr);
  // k steps, calling cb (if any) after each.
  Status run(int k, TrainCallback cb = nullptr, void* ctx = nullptr);

  // Splits each step's work over `ex`'s workers (null: this thread only).
  // Any number of workers gives the bits of one.
  void set_executor(Executor* ex) { executor_ = ex; }

  int step_count() const { return step_; }
  float last_loss() const { return last_loss_; }
  // Mean minibatch loss of the last kLossWindow steps (of all, if fewer were
  // run; 0 before the first): a trained model's final_loss (train_facts.h).
  static constexpr int kLossWindow = 100;
  float recent_loss() const {
    const int count = step_ < kLossWindow ? step_ : kLossWindow;
    double sum = 0.0;  // in ring order, in double: the bits `rill train` always wrote
    for (int i = 0; i < count; ++i) sum += static_cast<double>(recent_losses_[i]);
    return count == 0 ? 0.0f : static_cast<float>(sum / static_cast<double>(count));
  }
  float last_grad_norm() const { return grad_norm_; }  // global gradient norm of the last step, before clipping
  float lr_at(int step) const;  // learning rate of 0-based step `step`
  const TrainConfig& config() const { return cfg_; }
  const DataSource& data() const { return data_; }
  // The weights to use: the EMA when enabled, else the current ones (packed for sampling).
  const Mlp& model() const;
  const Mlp& current() const { return mlp_; }
  const float* params() const { return cfg_.ema > 0.0f ? ema_ : params_; }
  // The last step's minibatch, config().batch rows: the points x_t (× d),
  // the times t and the CFM targets (× d); and its gradient (param_count()
  // floats, of the loss as reported; scaled in place when clipping applied).
  const float* batch_xt() const { return xt_; }
  const float* batch_t() const { return t_; }
  const float* batch_target() const { return target_; }
  const float* gradient() const { return grad_; }
  // A conditioned model's condition rows of the last step (batch × features; dropped rows are zeros).
  const float* batch_condition() const { return cond_; }

 private:
  // The named parts of step(), in order.
  Status draw_pairs();  // draw_batch, couple_ot (with OT), the path's x_t and targets
  void draw_batch();
  void draw_data(long r0, long r1, Rng& r);  // rows [r0, r1) of x1 (and their labels or conditions)
  void condition_rows();                     // the batch's condition rows, with cfg dropout
  Status couple_ot();
  void permute_conditions();
  bool take_condition_buffers(const MlpSpec& spec, const TrainConfig& cfg, Arena& arena);
  static Status check_condition(const MlpSpec& spec, const TrainConfig& cfg, const DataSource& data, Message* msg);
  static Status check_pairs(const TrainConfig& cfg, const DataSource& data, Message* msg);
  Status loss_and_gradient(float* loss);  // forward and backward, chunk by chunk
  Status block_pass(int r0, int off, int rows, float* grad, Arena& scratch, Executor* ex);
  Status chunk_by_blocks(int r0, int m);
  float clip_gradient();             // the norm; returns the factor that clips (1: none)
  void update_weights(float clip);   // clipping, Adam and EMA in one pass; repack

  TrainConfig cfg_;
  DataSource data_;
  CondOTPath path_;
  Mlp mlp_;
  mutable Mlp ema_mlp_;          // packed lazily: only when model() is asked for
  mutable bool ema_stale_ = false;
  Tape tape_;                // activations of one chunk of rows
  int tape_capacity_ = 0;
  Arena* arena_ = nullptr;
  Executor* executor_ = nullptr;
  float *params_ = nullptr, *grad_ = nullptr, *m_ = nullptr, *v_ = nullptr, *ema_ = nullptr;
  float *x0_ = nullptr, *x1_ = nullptr, *t_ = nullptr, *xt_ = nullptr, *target_ = nullptr, *dout_ = nullptr;
  std::uint8_t* row_uncond_ = nullptr;  // conditioned pairs: 1 where the batch row has no condition
  std::int32_t* labels_ = nullptr;  // conditioned: the batch's labels (class), or
  float* cvals_ = nullptr;          // its condition values (vector: batch × M)
  float* cond_ = nullptr;           // the encoded condition rows the model sees (batch × features)
  Rng drop_rng_;
  float* block_grad_[4] = {};               // by blocks (batch > 256): a chunk's block gradients
  unsigned char* block_scratch_[4] = {};    // and the scratch of their backward passes
  double* cost_ = nullptr;
  int* perm_ = nullptr;
  std::size_t nparams_ = 0;
  Rng data_rng_, noise_rng_;
  float pow1_ = 1.0f, pow2_ = 1.0f;
  int step_ = 0;
  float last_loss_ = 0.0f;
  float recent_losses_[kLossWindow] = {};  // a ring: step s's loss at (s - 1) % kLossWindow
  float grad_norm_ = 0.0f;
};

}  // namespace rill
