// Trainer: CFM loss, Adam, schedule, clipping, EMA, OT coupling. See train.h.
#include "rill/train.h"

#include <cstring>

#include "rill/assignment.h"
#include "rill/kernels.h"
#include "rill/mathf.h"
#include "rill/parallel.h"

namespace rill {

namespace {
constexpr const char* kCouplings[] = {"independent", "ot"};
constexpr const char* kSchedules[] = {"constant", "cosine"};

inline bool finite(float v) { return v - v == 0.0f; }

// The gradient of a batch of more than kGradBlock rows is, by definition, the
// sum of the gradients of its blocks of kGradBlock rows (the last may be
// shorter), each summed over its rows in order from +0, added in block order.
// A fixed order that does not depend on the number of threads, and lets each
// thread take whole blocks: its rows stay in its own cache from the forward
// pass to the weight gradients, with one hand-over per chunk instead of two
// per layer. (Up to kGradBlock rows, the batch is one block.)
constexpr int kGradBlock = 256;
// Rows forward and backward at a time (see Trainer::loss_and_gradient): bounds the
// trainer's memory for any batch; a whole number of blocks.
constexpr int kTrainChunk = 4 * kGradBlock;
constexpr int kMaxBlocks = kTrainChunk / kGradBlock;
inline int train_chunk(int batch) { return batch < kTrainChunk ? batch : kTrainChunk; }
inline int chunk_blocks(int batch) { return (train_chunk(batch) + kGradBlock - 1) / kGradBlock; }
inline bool by_blocks(int batch) { return batch > kGradBlock; }
// Batches from this size on are drawn side by side when there are workers (draw_batch): at 256 the
// draws (moons' sin and cos, the normals' log, sin and cos) are about 4% of a one-thread step.
constexpr int kMinSideBySide = 256;
// The scratch of block_pass for n rows: mlp_backward's on one thread, mlp_train_pass's on several.
inline std::size_t pass_scratch(const MlpSpec& spec, int n) {
  const std::size_t one = mlp_backward_scratch(spec, n), several = mlp_train_pass_scratch(spec, n);
  return one > several ? one : several;
}
inline std::size_t block_scratch_bytes(const MlpSpec& spec) { return Arena::padded(pass_scratch(spec, kGradBlock)); }

// Rows [r0, r0 + m) of a tape, as a tape of m rows.
Tape tape_rows(const Tape& t, const MlpSpec& s, int r0, int m) {
  Tape v;
  v.n = m;
  v.input = t.input + static_cast<std::ptrdiff_t>(r0) * s.sizes[0];
  for (int i = 0; i < s.n_layers; ++i) {
    const std::ptrdiff_t off = static_cast<std::ptrdiff_t>(r0) * s.sizes[i + 1];
    v.post[i] = t.post[i] + off;
    v.slope[i] = t.slope[i] != nullptr ? t.slope[i] + off : nullptr;
  }
  return v;
}
}  // namespace

const char* coupling_name(Coupling c) { return kCouplings[static_cast<int>(c) & 1]; }
bool parse_coupling(const char* s, Coupling* out) {
  for (int i = 0; i < 2; ++i)
    if (std::strcmp(s, kCouplings[i]) == 0) { *out = static_cast<Coupling>(i); return true; }
  return false;
}
bool parse_schedule(const char* s, Schedule* out) {
  for (int i = 0; i < 2; ++i)
    if (std::strcmp(s, kSchedules[i]) == 0) { *out = static_cast<Schedule>(i); return true; }
  return false;
}

std::size_t Trainer::memory_bytes(const MlpSpec& spec, const TrainConfig& cfg) {
  const std::size_t P = spec.param_count();
  const std::size_t nd = static_cast<std::size_t>(cfg.batch) * static_cast<std::size_t>(spec.dim);
  std::size_t total = 4 * scratch_floats(P);             // params, grad, Adam m and v
  if (cfg.ema > 0.0f) total += scratch_floats(P);         // EMA copy
  total += mlp_pack_bytes(spec) + (cfg.ema > 0.0f ? mlp_pack_bytes(spec) : 0);
  total += 4 * scratch_floats(nd) + scratch_floats(static_cast<std::size_t>(cfg.batch));  // x0 x1 xt target, t
  const int cf = spec.condition.features();
  if (cf > 0) {  // labels or values, and the encoded rows
    const std::size_t b = static_cast<std::size_t>(cfg.batch);
    total += Arena::padded(b * sizeof(std::int32_t)) + scratch_floats(b * static_cast<std::size_t>(cf)) * 2 +
             Arena::padded(b);  // and the rows of pairs without a condition
  }
  total += scratch_floats(static_cast<std::size_t>(train_chunk(cfg.batch)) * static_cast<std::size_t>(spec.dim));
  total += tape_bytes(spec, train_chunk(cfg.batch));
  if (cfg.coupling == Coupling::ot) {
    const std::size_t b = static_cast<std::size_t>(cfg.batch);
    total += Arena::padded(b * b * sizeof(double)) + Arena::padded(b * sizeof(int)) +
             assignment_scratch(cfg.batch);
  }
  if (by_blocks(cfg.batch)) {
    // per block of a chunk: its gradient, and the scratch of its backward pass
    const std::size_t blocks = static_cast<std::size_t>(chunk_blocks(cfg.batch));
    total += blocks * (scratch_floats(P) + Arena::padded(block_scratch_bytes(spec)));
  } else {
    total += pass_scratch(spec, train_chunk(cfg.batch));
  }
  return total;
}


// The batch's labels or values and its encoded condition rows (conditioned models only).
bool Trainer::take_condition_buffers(const MlpSpec& spec, const TrainConfig& cfg, Arena& arena) {
  const int cf = spec.condition.features();
  labels_ = nullptr;
  row_uncond_ = nullptr;
  cvals_ = cond_ = nullptr;
  if (cf == 0) return true;
  const std::size_t b = static_cast<std::size_t>(cfg.batch);
  labels_ = arena.alloc_array<std::int32_t>(b);
  row_uncond_ = arena.alloc_array<std::uint8_t>(b);
  cvals_ = arena.alloc_array<float>(b * static_cast<std::size_t>(cf));
  cond_ = arena.alloc_array<float>(b * static_cast<std::size_t>(cf));
  return labels_ != nullptr && row_uncond_ != nullptr && cvals_ != nullptr && cond_ != nullptr;
}

Status Trainer::init(const MlpSpec& spec, const TrainConfig& cfg, const DataSource& data, Arena& arena,
                     Message* msg, const float* initial) {
  const Status st = check(spec, cfg, data, msg);
  if (st != Status::ok) return st;
  cfg_ = cfg;
  data_ = data;
  path_.sigma_min = cfg.sigma_min;
  arena_ = &arena;
  nparams_ = spec.param_count();
  const std::size_t nd = static_cast<std::size_t>(cfg.batch) * static_cast<std::size_t>(spec.dim);
  const std::size_t mark = arena.mark();
  bool ok = true;
  auto take = [&](std::size_t count) {
    float* p = arena.alloc_array<float>(count);
    ok = ok && p != nullptr;
    return p;
  };
  params_ = take(nparams_);
  grad_ = take(nparams_);
  m_ = take(nparams_);
  v_ = take(nparams_);
  ema_ = cfg.ema > 0.0f ? take(nparams_) : nullptr;
  tape_capacity_ = train_chunk(cfg.batch);
  x0_ = take(nd); x1_ = take(nd); xt_ = take(nd); target_ = take(nd);
  dout_ = take(static_cast<std::size_t>(tape_capacity_) * static_cast<std::size_t>(spec.dim));
  t_ = take(static_cast<std::size_t>(cfg.batch));
  ok = ok && take_condition_buffers(spec, cfg, arena);
  if (ok && cfg.coupling == Coupling::ot) {
    const std::size_t b = static_cast<std::size_t>(cfg.batch);
    cost_ = arena.alloc_array<double>(b * b);
    perm_ = arena.alloc_array<int>(b);
    ok = cost_ != nullptr && perm_ != nullptr;
  }
  ok = ok && tape_init(spec, tape_capacity_, arena, &tape_) == Status::ok;
  static_assert(kMaxBlocks == sizeof block_grad_ / sizeof block_grad_[0], "one buffer per block of a chunk");
  if (by_blocks(cfg.batch))
    for (int b = 0; b < chunk_blocks(cfg.batch); ++b) {
      block_grad_[b] = take(nparams_);
      block_scratch_[b] = static_cast<unsigned char*>(arena.alloc(block_scratch_bytes(spec)));
      ok = ok && block_scratch_[b] != nullptr;
    }
  if (ok) {
    if (initial != nullptr) {
      std::memcpy(params_, initial, sizeof(float) * nparams_);
    } else {
      Rng init_rng = Rng::derive(cfg.seed, Purpose::init);
      mlp_init(spec, params_, init_rng);
    }
    for (std::size_t q = 0; q < nparams_; ++q)
      if (!finite(params_[q])) {
        arena.release(mark);
        return fail(msg, Status::non_finite, "initial parameter %zu is NaN or Inf", q);
      }
    mlp_.spec = spec;
    mlp_.simd = cfg.simd;
    mlp_.bind(params_);
    ok = mlp_pack(mlp_, arena) == Status::ok;
    if (ok && ema_ != nullptr) {
      std::memcpy(ema_, params_, sizeof(float) * nparams_);
      ema_mlp_.spec = spec;
      ema_mlp_.simd = cfg.simd;
      ema_mlp_.bind(ema_);
      ok = mlp_pack(ema_mlp_, arena) == Status::ok;
    }
  }
  if (!ok) {
    arena.release(mark);
    return fail(msg, Status::out_of_memory, "training needs %zu bytes of arena", memory_bytes(spec, cfg));
  }
  std::memset(m_, 0, sizeof(float) * nparams_);
  std::memset(v_, 0, sizeof(float) * nparams_);
  data_rng_ = Rng::derive(cfg.seed, Purpose::train_data);
  noise_rng_ = Rng::derive(cfg.seed, Purpose::train_noise);
  drop_rng_ = Rng::derive(cfg.seed, Purpose::cfg_dropout);
  pow1_ = pow2_ = 1.0f;
  step_ = 0;
  last_loss_ = 0.0f;
  return Status::ok;
}

float Trainer::lr_at(int s) const {
  if (cfg_.warmup > 0 && s < cfg_.warmup)
    return cfg_.lr * static_cast<float>(s + 1) / static_cast<float>(cfg_.warmup);
  if (cfg_.schedule == Schedule::constant) return cfg_.lr;
  const int span = cfg_.steps - cfg_.warmup;
  float progress = span > 0 ? static_cast<float>(s - cfg_.warmup) / static_cast<float>(span) : 1.0f;
  if (progress > 1.0f) progress = 1.0f;
  const float floor = cfg_.lr * cfg_.lr_floor;
  return floor + (cfg_.lr - floor) * 0.5f * (1.0f + mathf::cos(mathf::kPi * progress));
}

namespace {
// Draws for `count` items side by side: fn(r, begin, end) with r a copy of
// `stream` advanced past the `per` draws of each item before `begin`; then
// `stream` goes on past all of them, as if one thread had drawn them in turn.
template <class F>
void draw_side_by_side(Executor* ex, Rng& stream, long count, std::uint64_t per, F&& fn) {
  const Rng base = stream;
  parallel_for(ex, count, [&](long begin, long end) {
    Rng r = base;
    r.advance(per * static_cast<std::uint64_t>(begin));
    fn(r, begin, end);
  });
  stream.advance(per * static_cast<std::uint64_t>(count));
}
}  // namespace

// Rows [r0, r1) of x1 from the data stream r, with their labels or condition values.
void Trainer::draw_data(long r0, long r1, Rng& r) {
  const int d = mlp_.spec.dim, m = mlp_.spec.condition.count;
  const ConditionSpec::Kind kind = mlp_.spec.condition.kind;
  if (data_.is_builtin) {
    DatasetDraw how;
    if (kind == ConditionSpec::Kind::cls) how.labels = labels_ + r0;
    if (kind == ConditionSpec::Kind::vector) how.condition = cvals_ + r0 * m;
    dataset_draw(data_.dataset, r, x1_ + r0 * d, r1 - r0, how);
    return;
  }
  for (long q = r0; q < r1; ++q) {
    const long idx = static_cast<long>(r.below(static_cast<std::uint32_t>(data_.count)));
    std::memcpy(x1_ + q * d, data_.points + idx * d, sizeof(float) * d);
    if (data_.x0 != nullptr) {  // fixed pairs: the row's x0, and whether it has a condition
      std::memcpy(x0_ + q * d, data_.x0 + idx * d, sizeof(float) * d);
      if (row_uncond_ != nullptr) row_uncond_[q] = data_.uncond != nullptr ? data_.uncond[idx] : 0;
    }
    if (kind == ConditionSpec::Kind::cls) labels_[q] = data_.labels[idx];
    if (kind == ConditionSpec::Kind::vector) std::memcpy(cvals_ + q * m, data_.cond + idx * m, sizeof(float) * m);
  }
}

void Trainer::draw_batch() {
  const int n = cfg_.batch, d = mlp_.spec.dim;
  const long nd = static_cast<long>(n) * d;
  // With threads, ranges of rows are drawn side by side (Rng::advance): the
  // values one thread draws, in a fraction of the time. Needs a fixed number
  // of draws per row: built-in datasets, and normals starting on a pair.
  const bool side_by_side = workers_of(executor_) > 1 && n >= kMinSideBySide;
  const bool data_side = data_.is_builtin && side_by_side && !data_rng_.has_spare();
  const bool noise_side = data_.x0 == nullptr && cfg_.source < 0 && side_by_side && !noise_rng_.has_spare();
  if (data_side && noise_side && d % 2 == 0) {  // all in one join: a row's data, its d normals, its t
    const std::uint64_t per = static_cast<std::uint64_t>(dataset_draws_per_point(data_.dataset));
    const Rng data = data_rng_, noise = noise_rng_;
    parallel_for(executor_, n, [&](long r0, long r1) {
      Rng a = data, z = noise;
      a.advance(per * static_cast<std::uint64_t>(r0));
      draw_data(r0, r1, a);
      z.advance(static_cast<std::uint64_t>(r0) * static_cast<std::uint64_t>(d));
      fill_normal(cfg_.simd, z, x0_ + r0 * d, (r1 - r0) * d);
      z = noise;
      z.advance(static_cast<std::uint64_t>(nd + r0));
      for (long q = r0; q < r1; ++q) t_[q] = z.uniform();
    });
    data_rng_.advance(per * static_cast<std::uint64_t>(n));
    noise_rng_.advance(static_cast<std::uint64_t>(nd + n));
    return;
  }
  if (data_side) {
    const std::uint64_t per = static_cast<std::uint64_t>(dataset_draws_per_point(data_.dataset));
    draw_side_by_side(executor_, data_rng_, n, per, [&](Rng& r, long r0, long r1) { draw_data(r0, r1, r); });
  } else {
    draw_data(0, n, data_rng_);
  }
  // x0: nd normals (one draw each, in pairs), the source dataset's points,
  // or (fixed pairs) the pairs' own; then t: n uniforms (one draw each).
  if (data_.x0 != nullptr) {
    for (int r = 0; r < n; ++r) t_[r] = noise_rng_.uniform();
    // Distillation share: the first rows (a random set: rows are drawn at random) at t = 0.
    const int at_zero = static_cast<int>(cfg_.t0_share * static_cast<float>(n) + 0.5f);
    for (int r = 0; r < at_zero; ++r) t_[r] = 0.0f;
    return;
  }
  if (cfg_.source >= 0) {
    dataset_sample(static_cast<Dataset>(cfg_.source), noise_rng_, x0_, n);
    for (int r = 0; r < n; ++r) t_[r] = noise_rng_.uniform();
    return;
  }
  if (noise_side && nd % 2 == 0) {
    draw_side_by_side(executor_, noise_rng_, nd / 2, 2, [&](Rng& r, long p0, long p1) {
      fill_normal(cfg_.simd, r, x0_ + 2 * p0, 2 * (p1 - p0));
    });
    draw_side_by_side(executor_, noise_rng_, n, 1, [&](Rng& r, long r0, long r1) {
      for (long q = r0; q < r1; ++q) t_[q] = r.uniform();
    });
    return;
  }
  fill_normal(cfg_.simd, noise_rng_, x0_, nd);
  for (int r = 0; r < n; ++r) t_[r] = noise_rng_.uniform();
}

// The condition rows the model sees: each row's class or values, or — with
// probability cfg_dropout, one uniform draw per row from its own stream —
// none (zeros), so that one network learns u(·|c) and u(·|0).
void Trainer::condition_rows() {
  const ConditionSpec& c = mlp_.spec.condition;
  const int f = c.features();
  for (int r = 0; r < cfg_.batch; ++r) {
    float* row = cond_ + static_cast<std::ptrdiff_t>(r) * f;
    // Pairs hold their own share without a condition; other data draws it.
    const bool dropped = data_.x0 != nullptr ? row_uncond_[r] != 0 : drop_rng_.uniform() < cfg_.cfg_dropout;
    if (dropped) c.encode_none(row);
    else if (c.kind == ConditionSpec::Kind::cls) c.encode_class(labels_[r], row);
    else c.encode_vector(cvals_ + static_cast<std::ptrdiff_t>(r) * c.count, row);
  }
}

// The labels or condition values follow their x1 through OT's re-pairing.
// cond_ (batch × features floats, at least a label or M values per row) is
// free until condition_rows() fills it, after the coupling.
void Trainer::permute_conditions() {
  const ConditionSpec& c = mlp_.spec.condition;
  const int n = cfg_.batch;
  if (c.kind == ConditionSpec::Kind::cls) {
    std::int32_t* tmp = reinterpret_cast<std::int32_t*>(cond_);
    std::memcpy(tmp, labels_, sizeof(std::int32_t) * static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) labels_[i] = tmp[perm_[i]];
  } else if (c.kind == ConditionSpec::Kind::vector) {
    std::memcpy(cond_, cvals_, sizeof(float) * static_cast<std::size_t>(n) * c.count);
    for (int i = 0; i < n; ++i)
      std::memcpy(cvals_ + static_cast<std::ptrdiff_t>(i) * c.count, cond_ + static_cast<std::ptrdiff_t>(perm_[i]) * c.count,
                  sizeof(float) * c.count);
  }
}

// Minibatch OT: re-pair x1 so that Σ ‖x0_i − x1_π(i)‖² is minimal.
Status Trainer::couple_ot() {
  const int n = cfg_.batch, d = mlp_.spec.dim;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double c = 0;
      for (int k = 0; k < d; ++k) {
        const double e = static_cast<double>(x0_[i * d + k]) - static_cast<double>(x1_[j * d + k]);
        c += e * e;
      }
      cost_[static_cast<std::size_t>(i) * n + j] = c;
    }
  const std::size_t mark = arena_->mark();
  const Status st = assignment_solve(cost_, n, perm_, *arena_, cfg_.simd);
  if (st == Status::ok) {
    // xt_ is free until the path is sampled: use it to permute.
    std::memcpy(xt_, x1_, sizeof(float) * static_cast<std::size_t>(n) * d);
    for (int i = 0; i < n; ++i)
      std::memcpy(x1_ + static_cast<std::ptrdiff_t>(i) * d, xt_ + static_cast<std::ptrdiff_t>(perm_[i]) * d,
                  sizeof(float) * d);
    permute_conditions();
  }
  arena_->release(mark);
  return st;
}

// One step: the minibatch, its loss and gradient, then the update. A
// non-finite loss stops before any update: the weights stay as they were.
Status Trainer::step(float* loss_out) {
  if (arena_ == nullptr) return Status::invalid_argument;
  Status st = draw_pairs();
  if (st != Status::ok) return st;
  float loss = 0.0f;
  st = loss_and_gradient(&loss);
  if (st != Status::ok) return st;
  if (!finite(loss)) return Status::non_finite;
  update_weights(clip_gradient());  // counts the step
  last_loss_ = loss;
  recent_losses_[(step_ - 1) % kLossWindow] = loss;
  if (loss_out != nullptr) *loss_out = loss;
  return Status::ok;
}

// The minibatch: x1 from the data, x0 and t from the noise stream, re-paired
// by OT when asked, then the path's x_t and target.
Status Trainer::draw_pairs() {
  draw_batch();
  if (cfg_.coupling == Coupling::ot) {
    // Fails only on non-finite costs (data too large to square) or a short arena.
    const Status st = couple_ot();
    if (st != Status::ok) return st == Status::invalid_argument ? Status::non_finite : st;
  }
  if (cond_ != nullptr) condition_rows();
  path_.sample(x0_, x1_, t_, cfg_.batch, mlp_.spec.dim, xt_, target_);
  return Status::ok;
}

// Forward and backward a chunk of rows at a time, so that the activations
// kept for the backward pass are bounded. Up to kGradBlock rows the batch is
// one block: its gradient goes straight into grad_, on several workers in
// two joins (mlp_train_pass: rows forward and back through every layer, then
// every layer's weight gradient split by columns). Larger batches go by
// blocks (see kGradBlock, chunk_by_blocks). Either way the bits do not
// depend on the workers.
// *loss: the mean over the batch and coordinates, summed in row order.
Status Trainer::loss_and_gradient(float* loss_out) {
  const int n = cfg_.batch, d = mlp_.spec.dim, chunk = tape_capacity_;
  const float* pred = tape_.post[mlp_.spec.n_layers - 1];
  float loss = 0.0f;
  for (int r0 = 0; r0 < n; r0 += chunk) {
    const int m = n - r0 < chunk ? n - r0 : chunk;
    const Status st = by_blocks(n) ? chunk_by_blocks(r0, m) : block_pass(r0, 0, m, grad_, *arena_, executor_);
    if (st != Status::ok) return st;
    // The loss over the chunk's rows in order.
    const float* target = target_ + static_cast<long>(r0) * d;
    for (long q = 0, md = static_cast<long>(m) * d; q < md; ++q) {
      const float e = pred[q] - target[q];
      loss = loss + e * e;
    }
  }
  *loss_out = loss / static_cast<float>(static_cast<long>(n) * d);
  return Status::ok;
}

// Forward, dL/dout and backward for `rows` rows from row r0 + off of the
// batch (off within the chunk starting at r0, which the tape holds): the
// gradient of those rows into `grad`, scratch from `scratch`.
Status Trainer::block_pass(int r0, int off, int rows, float* grad, Arena& scratch, Executor* ex) {
  const int d = mlp_.spec.dim;
  const float scale = 2.0f / static_cast<float>(static_cast<long>(cfg_.batch) * d);
  const long row = r0 + off;
  Tape view = tape_rows(tape_, mlp_.spec, off, rows);
  const int cf = mlp_.spec.condition.features();
  const MlpCondition cond{cond_ != nullptr ? cond_ + row * cf : nullptr, cf};
  const float* target = target_ + row * d;
  float* dout = dout_ + static_cast<long>(off) * d;
  if (workers_of(ex) > 1)  // the same bits in two joins (mlp_train_pass)
    return mlp_train_pass(mlp_, xt_ + row * d, d, t_ + row, rows, view, cond, target, scale, dout, grad, scratch, ex);
  mlp_forward_train(mlp_, xt_ + row * d, d, t_ + row, rows, view, ex, cond);
  const float* pred = view.post[mlp_.spec.n_layers - 1];
  for (long q = 0, md = static_cast<long>(rows) * d; q < md; ++q) dout[q] = scale * (pred[q] - target[q]);
  return mlp_backward(mlp_, view, dout, grad, nullptr, nullptr, scratch, ex, false);
}

// A chunk of m rows from r0, by blocks: each block's gradient into its own
// buffer (when the chunk has a block for each worker, whole blocks, one at a
// time to whichever worker is free: parallel_for's ranges of up to
// kRangesPerWorker per worker are single blocks here), then added to grad_
// in block order, whoever computed each block.
Status Trainer::chunk_by_blocks(int r0, int m) {
  const int blocks = (m + kGradBlock - 1) / kGradBlock;
  const int workers = workers_of(executor_);
  Status status[kMaxBlocks];
  auto block = [&](int b, Executor* ex) {
    const int off = b * kGradBlock, rows = m - off < kGradBlock ? m - off : kGradBlock;
    Arena scratch(block_scratch_[b], block_scratch_bytes(mlp_.spec));
    status[b] = block_pass(r0, off, rows, block_grad_[b], scratch, ex);
  };
  if (workers > 1 && m >= workers * kGradBlock) {
    parallel_for(executor_, blocks, [&](long b0, long b1) {
      for (long b = b0; b < b1; ++b) block(static_cast<int>(b), nullptr);
    });
  } else {
    for (int b = 0; b < blocks; ++b) block(b, executor_);
  }
  for (int b = 0; b < blocks; ++b)
    if (status[b] != Status::ok) return status[b];
  // grad_ = (((grad_ + g0) + g1) + ...), the first block of the batch starting it.
  const bool first = r0 == 0;
  parallel_for(executor_, static_cast<long>(nparams_), [&](long q0, long q1) {
    for (long q = q0; q < q1; ++q) {
      float g = first ? block_grad_[0][q] : grad_[q] + block_grad_[0][q];
      for (int b = 1; b < blocks; ++b) g = g + block_grad_[b][q];
      grad_[q] = g;
    }
  });
  return Status::ok;
}

// The global gradient norm (last_grad_norm), and the factor that clips it
// to cfg.clip (update_weights applies it).
float Trainer::clip_gradient() {
  const float norm = mathf::sqrt(sum_squares(cfg_.simd, grad_, static_cast<long>(nparams_)));
  grad_norm_ = norm;
  return cfg_.clip > 0.0f && norm > cfg_.clip ? cfg_.clip / norm : 1.0f;
}

// Clipping (the gradient times `clip` unless it is 1), then Adam with bias
// correction at this step's learning rate, then the EMA, then the layer's
// packed weights refreshed: a layer per task, in one join, in
// MlpSpec::layers_for_join's order (the layers with the most parameters at
// both ends of the list; the pool's caller claims from the front, its helpers
// from the back) — so that on two threads the two large hidden layers go one
// to each worker, the same one step after step and the one that summed that
// layer's weight gradient in mlp_train_pass (its gradient and Adam moments
// stay in that core's cache), and the small first and last layers to whoever
// is free. Every parameter's arithmetic is its own: the same bits however the
// layers are shared out. Then the step is counted.
void Trainer::update_weights(float clip) {
  const float lr = lr_at(step_);
  const float b1 = cfg_.beta1, b2 = cfg_.beta2;
  pow1_ = pow1_ * b1;
  pow2_ = pow2_ * b2;
  const AdamCoeffs coeffs = {b1, b2, 1.0f / (1.0f - pow1_), 1.0f / (1.0f - pow2_), lr, cfg_.eps};
  // Warm-up of the EMA's decay (as in common EMA implementations) so early steps are not dominated by the init.
  float decay = static_cast<float>(2 + step_) / static_cast<float>(11 + step_);
  if (decay > cfg_.ema) decay = cfg_.ema;
  const float keep = 1.0f - decay;
  const MlpSpec& s = mlp_.spec;
  int order[kMaxLayers];
  s.layers_for_join(order);  // as mlp_train_pass deals the weight gradients
  auto layer = [&](int i) {
    const long q0 = static_cast<long>(s.weight_offset(i)), q1 = q0 + static_cast<long>(s.layer_params(i));
    if (clip != 1.0f)
      for (long q = q0; q < q1; ++q) grad_[q] = grad_[q] * clip;
    adam_update(cfg_.simd, coeffs, grad_ + q0, m_ + q0, v_ + q0, params_ + q0, q1 - q0);
    if (ema_ != nullptr)
      for (long q = q0; q < q1; ++q) ema_[q] = decay * ema_[q] + keep * params_[q];
    mlp_repack_layer(mlp_, i);
  };
  if (workers_of(executor_) <= 1) {
    for (int k = 0; k < s.n_layers; ++k) layer(order[k]);
  } else {  // one task per layer, handed out in that order
    parallel_blocks(executor_, s.n_layers, 1, [&](int, long k, long) { layer(order[k]); });
  }
  ++step_;
  if (ema_ != nullptr) ema_stale_ = true;
}

const Mlp& Trainer::model() const {
  if (ema_ == nullptr) return mlp_;
  if (ema_stale_) {
    mlp_repack(ema_mlp_);
    ema_stale_ = false;
  }
  return ema_mlp_;
}

Status Trainer::run(int k, TrainCallback cb, void* ctx) {
  for (int i = 0; i < k; ++i) {
    float loss = 0.0f;
    const Status st = step(&loss);
    if (st != Status::ok) return st;
    if (cb != nullptr && !cb(step_, loss, ctx)) break;
  }
  return Status::ok;
}

}  // namespace rill
