// Mlp: the learned vector field u^θ_t(x), a multilayer perceptron.
//
// Input row: [x (d values), time features, step features, condition], where
// the time features are either the raw t (TimeEmbedding k = 0) or
// sin(ω_k t)..., cos(ω_k t)... with ω_k = 2^k·π, k = 0..K-1; a
// step-conditioned model (StepEmbedding) then reads the step length h of the
// solver step that asks, encoded the same way; and the condition is a class's
// one-hot vector, M caller values and a 1, or nothing (shared/spec/formats.md,
// "The first layer's input, in order"). Hidden layers apply the
// activation; the last layer is linear. Weights are [out, in] (PyTorch), each
// layer's weight and bias are separate pointers so a model file can be used
// in place (e.g. from flash) whatever the order of its tensors.
//
// Numerics: every output sums over its inputs in index order starting from
// its bias; the fast kernels vectorise across output columns only, so they
// give the bits of the naive reference kernel (kernels.h).
#pragma once
#include <cstddef>
#include <cstdint>

#include "rill/activation.h"
#include "rill/arena.h"
#include "rill/kernels.h"
#include "rill/status.h"

namespace rill {

// Time embedding: k == 0 is the raw t; k >= 1 is `sin:K`.
struct TimeEmbedding {
  int k = 0;
  static constexpr int kMaxK = 12;
  int features() const { return k == 0 ? 1 : 2 * k; }
  // Writes features() values for time t.
  void embed(float t, float* out) const;
};
// "raw" or "sin:K" (K = 1..kMaxK in decimal, no leading zeros), as in model files and on the command line.
bool parse_time_embedding(const char* s, std::size_t len, TimeEmbedding* out);
// Writes the name ("raw", "sin:4") into buf (NUL-terminated, truncated to cap); returns its length.
std::size_t time_embedding_name(TimeEmbedding t, char* buf, std::size_t cap);

// Step embedding (formats.md, `step_embedding`): none, or the step length h
// encoded as time is (raw h, or sin:K). Such a model's output is the average
// velocity over [t, t + h] (shortcut models, MeanFlow), so one Euler step
// x + h·u(x, t, h) is its flow map; it integrates forwards only.
struct StepEmbedding {
  bool on = false;
  TimeEmbedding enc;  // when on
  int features() const { return on ? enc.features() : 0; }
  // The compiled model's step_k: -1 none, 0 raw, K sin:K.
  int k() const { return on ? enc.k : -1; }
  static StepEmbedding from_k(int k) { return k < 0 ? StepEmbedding{} : StepEmbedding{true, TimeEmbedding{k}}; }
};
// "none", "raw" or "sin:K" (as parse_time_embedding), as in model files.
bool parse_step_embedding(const char* s, std::size_t len, StepEmbedding* out);
// Writes the name ("none", "raw", "sin:4") into buf (NUL-terminated, truncated to cap); returns its length.
std::size_t step_embedding_name(StepEmbedding e, char* buf, std::size_t cap);

// The condition input: none; class:C (the class's one-hot vector, C values;
// classes are 0-based); vector:M (the M values, then a 1, so that a condition
// of zeros differs from none). "No condition" is all zeros (C, or M + 1, of
// them): the unconditional field that guidance and cfg dropout use.
struct ConditionSpec {
  enum class Kind : std::uint8_t { none, cls, vector };
  Kind kind = Kind::none;
  int count = 0;  // C or M
  static constexpr int kMaxCount = 4096;
  static ConditionSpec classes(int c) { return {Kind::cls, c}; }
  static ConditionSpec vector(int m) { return {Kind::vector, m}; }
  int features() const { return kind == Kind::none ? 0 : kind == Kind::cls ? count : count + 1; }
  // features() values: class k's one-hot (0 <= k < count); values[0..M) then 1; all zeros.
  void encode_class(int k, float* out) const;
  void encode_vector(const float* values, float* out) const;
  void encode_none(float* out) const;
};
// "none", "class:C" or "vector:M" (C, M = 1..kMaxCount in decimal, no leading zeros).
bool parse_condition(const char* s, std::size_t len, ConditionSpec* out);
// Writes the name ("none", "class:8", "vector:1") into buf (NUL-terminated, truncated to cap); returns its length.
std::size_t condition_name(ConditionSpec c, char* buf, std::size_t cap);

// The inputs of a call beyond x and t. The condition rows: `rows` holds
// features() encoded values per row (stride `stride` floats between rows;
// stride 0: the same row for every point); rows == nullptr is no condition
// (zeros). h: the step length a step-conditioned model reads (the same for
// every row; step_length() for a solver's steps; ignored by other models).
struct MlpCondition {
  const float* rows = nullptr;
  std::ptrdiff_t stride = 0;
  float h = 0.0f;
  MlpCondition offset(long r) const { return {rows != nullptr ? rows + r * stride : nullptr, stride, h}; }
};

constexpr int kMaxLayers = 16;    // linear layers
constexpr int kMaxDim = 4096;     // data dimension d
constexpr int kMaxWidth = 65536;  // any layer's size

struct MlpSpec {
  int dim = 2;                    // d
  int n_layers = 0;               // number of linear layers L (>= 1)
  int sizes[kMaxLayers + 1] = {}; // sizes[0] = d + time, step and condition features, sizes[L] = d
  Activation activation = Activation::silu;
  TimeEmbedding time;
  ConditionSpec condition;
  StepEmbedding step;

  // d inputs + time features + step features + condition -> `depth` hidden layers of `width` -> d.
  static MlpSpec make(int dim, int width = 128, int depth = 3, Activation a = Activation::silu,
                      TimeEmbedding time = {}, ConditionSpec condition = {}, StepEmbedding step = {});
  // The first layer's input size the architecture implies: d + time, step and condition features.
  int expected_inputs() const { return dim + time.features() + step.features() + condition.features(); }
  int in_features() const { return sizes[0]; }
  int max_size() const;                         // widest layer, inputs included
  std::size_t param_count() const;              // all weights and biases
  std::size_t layer_params(int layer) const;    // its weights and biases: (in + 1) · out
  // order[0 .. n_layers): the order a join of one task (or range) per layer lists them — by
  // layer_params, largest first, equal ones in layer order, dealt to both ends of the list
  // (deal_to_both_ends): the large ones start first, and on two threads the two largest go one to each
  // worker, the same one in every join that uses this order (weight gradients, then the update).
  void layers_for_join(int (&order)[kMaxLayers]) const;
  std::size_t weight_offset(int layer) const;   // in the canonical block: W0 b0 W1 b1 ...
  std::size_t bias_offset(int layer) const;
  double flops() const;                         // per field evaluation of one point (2·in·out per layer)
  // Checks ranges and that sizes chain as a vector field must (in = d + features, out = d).
  Status validate(Message* msg) const;
};

// The weight dtypes of a model file (shared/spec/formats.md, "Weight dtypes").
enum class WeightDtype : std::uint8_t { f32 = 0, f16 = 1, bf16 = 2, i8 = 3 };
const char* weight_dtype_name(WeightDtype d);  // "F32", "F16", "BF16", "I8"

// Narrow weights read in place: little-endian bytes at any alignment, widened
// to float32 as the kernels read them (narrow.h), so the arithmetic is the F32
// model's. `w` holds F16/BF16 halves or I8 bytes ([out, in]); `b` the biases
// (F32, or the weights' F16/BF16); `scale` an I8 layer's F32 weight_scale [out].
struct NarrowWeights {
  WeightDtype weight = WeightDtype::f32;  // f32: the Mlp has no narrow weights
  WeightDtype bias = WeightDtype::f32;
  const unsigned char* w[kMaxLayers] = {};
  const unsigned char* b[kMaxLayers] = {};
  const unsigned char* scale[kMaxLayers] = {};
};

// The parameters of an Mlp: per-layer pointers, [out, in] weights and [out] biases.
// A model with narrow weights has weight[i] and bias[i] null and `narrow`
// set until mlp_pack (or mlp_widen) gives it float32 copies.
struct Mlp {
  MlpSpec spec;
  const float* weight[kMaxLayers] = {};
  const float* bias[kMaxLayers] = {};
  NarrowWeights narrow;
  // Optional: each layer's weights packed for the fast kernel (kernels.h),
  // made by mlp_pack. When absent the reference kernel runs on [out, in]
  // directly (what a microcontroller does from flash); the bits are the same.
  const float* packed[kMaxLayers] = {};
  // The instruction set its kernels run (kernels.h), chosen by whoever sets
  // the Mlp up: every level gives the same bits, they differ in speed.
  Simd simd = simd_best();

  // Points every layer into one canonical block (W0 b0 W1 b1 ..., param_count() floats).
  // Clears any packed weights (they would be stale).
  void bind(const float* block);
};

// Packs every layer for the fast kernel into memory from `arena`. A model
// with narrow weights (still in place) is first widened into one canonical
// float32 block from the arena (mlp_widen): the Mlp overload counts it.
std::size_t mlp_pack_bytes(const MlpSpec& spec);
std::size_t mlp_pack_bytes(const Mlp& mlp);
Status mlp_pack(Mlp& mlp, Arena& arena);
// Whether layer i is read narrow, in place (no float32 weights yet).
inline bool mlp_layer_narrow(const Mlp& m, int i) { return m.weight[i] == nullptr && m.narrow.w[i] != nullptr; }
// Writes the widened weights of a narrow Mlp into `block` (the canonical
// layout, spec.param_count() floats) and binds it: the bits of the file read
// as float32. Does nothing to an Mlp without narrow weights in place.
void mlp_widen(Mlp& mlp, float* block);
class Executor;
// Re-packs into the memory mlp_pack took (after the weights changed, e.g. the
// trainer's EMA copy before it is read).
void mlp_repack(Mlp& mlp);
// Re-packs layer `layer` alone (no-op for a layer without packed memory): the
// trainer's update repacks each layer in that layer's task.
void mlp_repack_layer(Mlp& mlp, int layer);

// Forward pass over a batch. x: n rows of d (stride x_stride); t: one time per
// row if t_per_row, else t[0] for all rows. out: n rows of d (stride out_stride).
// Scratch: mlp_forward_scratch(spec, n) bytes from `arena` (released on return).
// cond: the condition rows (none by default).
std::size_t mlp_forward_scratch(const MlpSpec& spec, int n);
Status mlp_forward(const Mlp& mlp, const float* x, int x_stride, const float* t, bool t_per_row, int n,
                   float* out, int out_stride, Arena& arena, MlpCondition cond = {});

// Training needs the activations of every layer: a Tape holds them for a batch.
struct Tape {
  int n = 0;
  float* input = nullptr;            // [n, sizes[0]] the assembled input rows
  float* post[kMaxLayers] = {};      // [n, sizes[i+1]] layer i's output: act(z) for hidden layers, z for the last
  float* slope[kMaxLayers] = {};     // [n, sizes[i+1]] act'(z) of hidden layer i (what backward multiplies by)
};
std::size_t tape_bytes(const MlpSpec& spec, int n);
Status tape_init(const MlpSpec& spec, int n, Arena& arena, Tape* tape);
// Forward, keeping activations. Output is tape.post[L-1] (n × d).
// With an Executor, rows are split over its workers (same bits as one thread).
void mlp_forward_train(const Mlp& mlp, const float* x, int x_stride, const float* t, int n, Tape& tape,
                       Executor* ex = nullptr, MlpCondition cond = {});
// Backward: given dL/dout (n × d, contiguous), writes dL/dθ into grad
// (canonical block layout, param_count() floats) — or, with accumulate, goes
// on with the sums already in grad, as if these rows followed the earlier
// ones in one batch (same bits) — and, if
// dx is non-null, writes dL/dx (n × d) and, if dt is non-null, dL/dt (n).
// Scratch: mlp_backward_scratch(spec, n). With an Executor, disjoint output
// ranges are split over its workers (same bits as one thread).
std::size_t mlp_backward_scratch(const MlpSpec& spec, int n);
Status mlp_backward(const Mlp& mlp, const Tape& tape, const float* dout, float* grad, float* dx, float* dt,
                    Arena& arena, Executor* ex = nullptr, bool accumulate = false);

// Training's forward and backward in two joins of `ex` (mlp_forward_train and mlp_backward take one
// per layer), for a loss whose dL/dout is scale·(out − target): the tape's forward values, dout (n × d),
// and dL/dθ into grad, the bits of mlp_forward_train then mlp_backward(…, dout, grad, no dx, no dt).
// The tape's slopes are used up (each becomes its layer's dL/dz). tape.n == n.
// Scratch: mlp_train_pass_scratch(spec, n).
std::size_t mlp_train_pass_scratch(const MlpSpec& spec, int n);
Status mlp_train_pass(const Mlp& mlp, const float* x, int x_stride, const float* t, int n, Tape& tape,
                      MlpCondition cond, const float* target, float scale, float* dout, float* grad, Arena& arena,
                      Executor* ex);

// Kaiming-uniform initialisation as PyTorch's nn.Linear: U(-1/sqrt(in), 1/sqrt(in)) for W and b.
class Rng;
void mlp_init(const MlpSpec& spec, float* block, Rng& rng);

}  // namespace rill
