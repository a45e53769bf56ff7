// Mlp forward and backward passes, time embedding, initialisation.
//
// Forward runs the batch in tiles of kTile rows that pass through all layers
// while they are in cache, so scratch is independent of the batch size and a
// large batch does not fall off a memory cliff. In rill.wasm a tile's rows in
// whole blocks of 8 go as row panels (forward_tile, kernels_panel.cpp).
#include "rill/mlp.h"

#include <cstring>

#include "rill/kernels.h"
#include "rill/mathf.h"
#include "rill/narrow.h"
#include "rill/parallel.h"
#include "rill/rng.h"

namespace rill {

namespace {
constexpr int kTile = 64;
// The weight gradient's columns of k in whole vectors of this many (see WeightGradient).
constexpr int kTailCols = 8;
}  // namespace

void TimeEmbedding::embed(float t, float* out) const {
  if (k == 0) {
    out[0] = t;
    return;
  }
  float omega = mathf::kPi;  // ω_i = 2^i·π, exact scaling of the float π
  for (int i = 0; i < k; ++i, omega *= 2.0f) {
    const float a = omega * t;
    out[i] = mathf::sin(a);
    out[k + i] = mathf::cos(a);
  }
}

void Mlp::bind(const float* block) {
  for (int i = 0; i < spec.n_layers; ++i) {
    weight[i] = block + spec.weight_offset(i);
    bias[i] = block + spec.bias_offset(i);
    packed[i] = nullptr;
  }
}

std::size_t mlp_pack_bytes(const MlpSpec& spec) {
  std::size_t total = 0;
  for (int i = 0; i < spec.n_layers; ++i) total += scratch_floats(packed_floats(spec.sizes[i], spec.sizes[i + 1]));
  return total;
}

std::size_t mlp_pack_bytes(const Mlp& mlp) {
  const std::size_t widen = mlp.spec.n_layers > 0 && mlp_layer_narrow(mlp, 0)
                                ? scratch_floats(mlp.spec.param_count()) : 0;
  return mlp_pack_bytes(mlp.spec) + widen;
}

Status mlp_pack(Mlp& mlp, Arena& arena) {
  const MlpSpec& s = mlp.spec;
  if (s.n_layers > 0 && mlp_layer_narrow(mlp, 0)) {
    float* block = arena.alloc_array<float>(s.param_count());
    if (block == nullptr) return Status::out_of_memory;
    mlp_widen(mlp, block);
  }
  for (int i = 0; i < s.n_layers; ++i) {
    float* p = arena.alloc_array<float>(packed_floats(s.sizes[i], s.sizes[i + 1]));
    if (p == nullptr) return Status::out_of_memory;
    pack_weights(mlp.simd, mlp.weight[i], s.sizes[i], s.sizes[i + 1], p);
    mlp.packed[i] = p;
  }
  return Status::ok;
}

void mlp_repack_layer(Mlp& mlp, int i) {
  const MlpSpec& s = mlp.spec;
  if (mlp.packed[i] != nullptr)
    pack_weights(mlp.simd, mlp.weight[i], s.sizes[i], s.sizes[i + 1], const_cast<float*>(mlp.packed[i]));
}

void mlp_repack(Mlp& mlp) {
  for (int i = 0; i < mlp.spec.n_layers; ++i) mlp_repack_layer(mlp, i);
}

namespace {
// Assembles input rows [x, embed(t), embed(h), condition] for n rows.
void assemble_input(const MlpSpec& s, const float* x, int x_stride, const float* t, bool t_per_row, int n,
                    float* in, MlpCondition cond) {
  const int d = s.dim, f = s.sizes[0], tfn = s.time.features(), sfn = s.step.features(), cf = s.condition.features();
  float tf[2 * TimeEmbedding::kMaxK], hf[2 * TimeEmbedding::kMaxK];
  if (!t_per_row) s.time.embed(t[0], tf);
  if (sfn > 0) s.step.enc.embed(cond.h, hf);
  for (int r = 0; r < n; ++r) {
    float* row = in + static_cast<std::ptrdiff_t>(r) * f;
    std::memcpy(row, x + static_cast<std::ptrdiff_t>(r) * x_stride, sizeof(float) * static_cast<std::size_t>(d));
    if (t_per_row) s.time.embed(t[r], row + d);
    else std::memcpy(row + d, tf, sizeof(float) * static_cast<std::size_t>(tfn));
    if (sfn > 0) std::memcpy(row + d + tfn, hf, sizeof(float) * static_cast<std::size_t>(sfn));
    if (cf == 0) continue;
    float* c = row + d + tfn + sfn;
    if (cond.rows == nullptr) {
      for (int q = 0; q < cf; ++q) c[q] = 0.0f;
    } else {
      std::memcpy(c, cond.rows + static_cast<std::ptrdiff_t>(r) * cond.stride, sizeof(float) * static_cast<std::size_t>(cf));
    }
  }
}

inline void linear(const Mlp& m, int i, const float* in, int in_stride, int n, float* out, int out_stride) {
  const int fin = m.spec.sizes[i], fout = m.spec.sizes[i + 1];
  if (m.packed[i] != nullptr)
    linear_packed(m.simd, in, in_stride, n, m.packed[i], m.bias[i], fin, fout, out, out_stride);
  else if (mlp_layer_narrow(m, i)) linear_narrow(m, i, in, in_stride, n, out, out_stride, true);
  else linear_ref(in, in_stride, n, m.weight[i], m.bias[i], fin, fout, out, out_stride);
}

// rill.wasm keeps a tile's activations in row panels (kernels.h: blocks of 8 rows, column by
// column), where a product's rows at one k are two vectors at constant offsets, not four addresses
// to compute: the field 1.05-1.16× as fast at batches of 16 and more (kernels_panel.cpp, README).
// Native code has addressing modes that make the row offsets free and keeps its wider register
// blocks (6 × 16 on AVX2, 8 × 32 on AVX-512) on rows. Every layer needs packed weights (no narrow
// dtypes).
bool use_panels(const Mlp& mlp) {
#if defined(__wasm_simd128__)
  for (int i = 0; i < mlp.spec.n_layers; ++i)
    if (mlp.packed[i] == nullptr) return false;
  return true;
#else
  (void)mlp;
  return false;
#endif
}

// One tile of m rows through every layer: in (m × sizes[0], rows) → out (rows out_stride apart); a
// and b (m × max_size() each, inputs included) hold the hidden layers in turn. With panels (m a
// multiple of 8) the input is copied into b as a row panel and every layer but the last writes a panel (SiLU, element by element, does not
// see the layout): the same products, the same bits.
void forward_tile(const Mlp& mlp, const float* in, int m, bool panels, float* a, float* b, float* out,
                  int out_stride) {
  const MlpSpec& s = mlp.spec;
  const float* cur = in;
  int cur_stride = s.sizes[0];
  if (panels) {
    panel_from_rows(in, s.sizes[0], m, s.sizes[0], b);
    cur = b;
  }
  for (int i = 0; i < s.n_layers; ++i) {
    const int fin = s.sizes[i], fout = s.sizes[i + 1];
    const bool last = i == s.n_layers - 1;
    float* dst = last ? out : (cur == a) ? b : a;
    const int dst_stride = last ? out_stride : fout;
    if (panels) linear_panel(cur, m, mlp.packed[i], mlp.bias[i], fin, fout, dst, !last, dst_stride);
    else linear(mlp, i, cur, cur_stride, m, dst, dst_stride);
    if (last) break;
    activate_array(mlp.simd, s.activation, dst, dst, static_cast<long>(m) * fout);
    cur = dst;
    cur_stride = fout;
  }
}
}  // namespace

std::size_t mlp_forward_scratch(const MlpSpec& spec, int n) {
  const int rows = n < kTile ? n : kTile;
  const std::size_t per = static_cast<std::size_t>(rows) * static_cast<std::size_t>(spec.max_size());
  return 2 * scratch_floats(per) + scratch_floats(static_cast<std::size_t>(rows) * spec.sizes[0]);
}

Status mlp_forward(const Mlp& mlp, const float* x, int x_stride, const float* t, bool t_per_row, int n, float* out,
                   int out_stride, Arena& arena, MlpCondition cond) {
  const MlpSpec& s = mlp.spec;
  if (n < 1) return n == 0 ? Status::ok : Status::invalid_argument;
  const std::size_t mark = arena.mark();
  const int rows = n < kTile ? n : kTile;
  const int w = s.max_size();
  float* in = arena.alloc_array<float>(static_cast<std::size_t>(rows) * s.sizes[0]);
  float* a = arena.alloc_array<float>(static_cast<std::size_t>(rows) * w);
  float* b = arena.alloc_array<float>(static_cast<std::size_t>(rows) * w);
  if (in == nullptr || a == nullptr || b == nullptr) {
    arena.release(mark);
    return Status::out_of_memory;
  }
  const bool panels = use_panels(mlp);
  for (int r0 = 0; r0 < n; r0 += kTile) {
    const int m = n - r0 < kTile ? n - r0 : kTile;
    assemble_input(s, x + static_cast<std::ptrdiff_t>(r0) * x_stride, x_stride, t_per_row ? t + r0 : t, t_per_row, m,
                   in, cond.offset(r0));
    float* y = out + static_cast<std::ptrdiff_t>(r0) * out_stride;
    const int mp = panels ? m / 8 * 8 : 0;  // rows in whole blocks of 8 go as panels, the rest as rows
    if (mp > 0) forward_tile(mlp, in, mp, true, a, b, y, out_stride);
    if (mp < m)
      forward_tile(mlp, in + static_cast<std::ptrdiff_t>(mp) * s.sizes[0], m - mp, false, a, b,
                   y + static_cast<std::ptrdiff_t>(mp) * out_stride, out_stride);
  }
  arena.release(mark);
  return Status::ok;
}

std::size_t tape_bytes(const MlpSpec& spec, int n) {
  std::size_t total = scratch_floats(static_cast<std::size_t>(n) * spec.sizes[0]);
  for (int i = 0; i < spec.n_layers; ++i) {
    const std::size_t per = static_cast<std::size_t>(n) * spec.sizes[i + 1];
    total += scratch_floats(per);
    if (i < spec.n_layers - 1) total += scratch_floats(per);
  }
  return total;
}

Status tape_init(const MlpSpec& spec, int n, Arena& arena, Tape* tape) {
  tape->n = n;
  tape->input = arena.alloc_array<float>(static_cast<std::size_t>(n) * spec.sizes[0]);
  if (tape->input == nullptr) return Status::out_of_memory;
  for (int i = 0; i < spec.n_layers; ++i) {
    const std::size_t per = static_cast<std::size_t>(n) * spec.sizes[i + 1];
    tape->post[i] = arena.alloc_array<float>(per);
    if (tape->post[i] == nullptr) return Status::out_of_memory;
    if (i < spec.n_layers - 1) {
      tape->slope[i] = arena.alloc_array<float>(per);
      if (tape->slope[i] == nullptr) return Status::out_of_memory;
    } else {
      tape->slope[i] = nullptr;
    }
  }
  return Status::ok;
}

namespace {
// Rows [r0, r1) of the batch through all layers, into the tape.
void forward_train_rows(const Mlp& mlp, const float* x, int x_stride, const float* t, long r0, long r1, Tape& tape,
                        MlpCondition cond) {
  const MlpSpec& s = mlp.spec;
  const int m = static_cast<int>(r1 - r0);
  float* in = tape.input + r0 * s.sizes[0];
  assemble_input(s, x + r0 * x_stride, x_stride, t + r0, true, m, in, cond.offset(r0));
  const float* cur = in;
  for (int i = 0; i < s.n_layers; ++i) {
    const int fout = s.sizes[i + 1];
    float* post = tape.post[i] + r0 * fout;
    linear(mlp, i, cur, s.sizes[i], m, post, fout);
    if (i < s.n_layers - 1)
      activate_array_with_slope(mlp.simd, s.activation, post, post, tape.slope[i] + r0 * fout,
                                static_cast<long>(m) * fout);
    cur = post;
  }
}
}  // namespace

void mlp_forward_train(const Mlp& mlp, const float* x, int x_stride, const float* t, int n, Tape& tape,
                       Executor* ex, MlpCondition cond) {
  // Row ranges through all layers: each row is computed as one thread would.
  parallel_for(ex, n, [&](long r0, long r1) { forward_train_rows(mlp, x, x_stride, t, r0, r1, tape, cond); });
}

std::size_t mlp_backward_scratch(const MlpSpec& spec, int n) {
  return 2 * scratch_floats(static_cast<std::size_t>(n) * spec.max_size()) +
         scratch_floats(static_cast<std::size_t>(kTailCols) * spec.max_size());
}

namespace {
// The gradients of layer i's weights and biases from dz (n × fout) and the
// layer's input a (n × fin):
//   gW[j][k] = Σ_r dz[r][j]·a[r][k], gb[j] = Σ_r dz[r][j]
// (r in order, from +0, or from what grad holds when accumulating): dz read
// transposed. Threads take ranges of j, or ranges of k when the layer has
// fewer outputs than inputs (the output layer: 2 rows of j would give each
// thread a sliver); either way every sum is the loop one thread runs.
// gemm vectorises over k, so the last fin % 8 columns of k would run as plain
// loops (all of the first layer, fin = 3 in 2-D: one chain of n adds per
// weight); with ranges of j they are summed transposed instead, k by j into
// `tail` (kTailCols × fout floats), vectorised over j: the same sums, in the
// same order, so the same bits.
struct WeightGradient {
  const Mlp& mlp;
  int i;
  const float* dz;
  const float* a;
  int n;
  float* grad;
  float* tail;
  bool accumulate;
  // The range split over: j, or k (split_k).
  long count() const { return split_k() ? mlp.spec.sizes[i] : mlp.spec.sizes[i + 1]; }
  bool split_k() const { return mlp.spec.sizes[i + 1] < mlp.spec.sizes[i]; }
  void operator()(long p0, long p1) const;
};

void WeightGradient::operator()(long p0, long p1) const {
  const MlpSpec& s = mlp.spec;
  const int fin = s.sizes[i], fout = s.sizes[i + 1];
  float* gW = grad + s.weight_offset(i);
  float* gb = grad + s.bias_offset(i);
  const bool by_k = split_k();
  const int kvec = by_k ? fin : fin / kTailCols * kTailCols;  // columns of k summed as gemm's columns
  const long j0 = by_k ? 0 : p0, j1 = by_k ? fout : p1;
  const long k0 = by_k ? p0 : 0, k1 = by_k ? p1 : kvec;
  const int mj = static_cast<int>(j1 - j0), nk = static_cast<int>(k1 - k0), nt = fin - kvec;
  float* t = tail + j0;  // tail[q·fout + j]: the sum for weight [j][kvec + q]
  if (accumulate)
    for (int q = 0; q < nt; ++q)
      for (long j = j0; j < j1; ++j) tail[q * fout + j] = gW[j * fin + kvec + q];
  // In blocks of rows of the batch (the running sums go on in C, so any
  // block gives the same bits), so that the slices of dz and a being read
  // stay in L1: dz is read transposed, a cache line for 6 values, so a
  // gemm over 256 rows walks 512 lines, the whole L1 of a Zen 3 (~57
  // GFLOP/s there against ~80 for the other products); 32 rows: ~70.
  constexpr int kRowBlock = 32;
  for (int r0 = 0; r0 < n; r0 += kRowBlock) {
    const int kc = n - r0 < kRowBlock ? n - r0 : kRowBlock;
    const bool first = r0 == 0 && !accumulate;
    float* g = gW + j0 * fin + k0;
    const float* dzr = dz + static_cast<std::ptrdiff_t>(r0) * fout + j0;
    const float* ar = a + static_cast<std::ptrdiff_t>(r0) * fin;
    if (nk > 0) gemm(mlp.simd, mj, nk, kc, dzr, 1, fout, ar + k0, fin, first ? nullptr : g, fin, g, fin);
    if (nt > 0) gemm(mlp.simd, nt, mj, kc, ar + kvec, 1, fin, dzr, fout, first ? nullptr : t, fout, t, fout);
  }
  for (int q = 0; q < nt; ++q)
    for (long j = j0; j < j1; ++j) gW[j * fin + kvec + q] = tail[q * fout + j];
  if (p0 != 0 && by_k) return;  // the first range of k also sums the biases
  if (!accumulate)
    for (long j = j0; j < j1; ++j) gb[j] = 0.0f;
  add_rows(mlp.simd, dz + j0, fout, n, mj, gb + j0);
}
}  // namespace

Status mlp_backward(const Mlp& mlp, const Tape& tape, const float* dout, float* grad, float* dx, float* dt,
                    Arena& arena, Executor* ex, bool accumulate) {
  const MlpSpec& s = mlp.spec;
  const int n = tape.n, L = s.n_layers;
  const std::size_t mark = arena.mark();
  float* bufa = arena.alloc_array<float>(static_cast<std::size_t>(n) * s.max_size());
  float* bufb = arena.alloc_array<float>(static_cast<std::size_t>(n) * s.max_size());
  float* tail = arena.alloc_array<float>(static_cast<std::size_t>(kTailCols) * s.max_size());
  if (bufa == nullptr || bufb == nullptr || tail == nullptr) {
    arena.release(mark);
    return Status::out_of_memory;
  }
  // dz: gradient w.r.t. the pre-activation of layer i (n × fout).
  const float* dz = dout;
  for (int i = L - 1; i >= 0; --i) {
    const int fin = s.sizes[i], fout = s.sizes[i + 1];
    const WeightGradient wg{mlp, i, dz, i == 0 ? tape.input : tape.post[i - 1], n, grad, tail, accumulate};
    if (i == 0 && dx == nullptr && dt == nullptr) {
      parallel_for(ex, wg.count(), wg);
      break;
    }
    // da[r][k] = Σ_j dz[r][j]·W[j][k] (j in order, from +0), then, below the
    // first layer, through the activation: dz = da ⊙ act'(z), the slope the
    // forward pass kept. Threads take rows, in the same run as the weight
    // gradient's ranges (both only read dz): one join per layer.
    float* da = (dz == bufa) ? bufb : bufa;
    const float* slope = i > 0 ? tape.slope[i - 1] : nullptr;
    parallel_for_both(ex, wg.count(), wg, n, [&](long r0, long r1) {
      gemm(mlp.simd, static_cast<int>(r1 - r0), fin, fout, dz + r0 * fout, fout, 1, mlp.weight[i], fin, nullptr,
           0, da + r0 * fin, fin);
      if (slope != nullptr) mul_elementwise(mlp.simd, da + r0 * fin, slope + r0 * fin, (r1 - r0) * fin);
    });
    if (i > 0) {
      dz = da;
    } else {
      const int d = s.dim, f = s.sizes[0];
      for (int r = 0; r < n; ++r) {
        const float* dr = da + static_cast<std::ptrdiff_t>(r) * f;
        if (dx != nullptr) std::memcpy(dx + static_cast<std::ptrdiff_t>(r) * d, dr, sizeof(float) * d);
        if (dt != nullptr) {
          if (s.time.k == 0) {
            dt[r] = dr[d];
          } else {
            // d/dt sin(ωt) = ω cos(ωt), d/dt cos(ωt) = −ω sin(ωt); the features are in the tape.
            const float* feat = tape.input + static_cast<std::ptrdiff_t>(r) * f + d;
            float acc = 0.0f, omega = mathf::kPi;
            for (int q = 0; q < s.time.k; ++q, omega *= 2.0f)
              acc = acc + dr[d + q] * omega * feat[s.time.k + q] - dr[d + s.time.k + q] * omega * feat[q];
            dt[r] = acc;
          }
        }
      }
    }
  }
  arena.release(mark);
  return Status::ok;
}

std::size_t mlp_train_pass_scratch(const MlpSpec& spec, int n) {
  return scratch_floats(static_cast<std::size_t>(n) * spec.max_size()) +
         scratch_floats(static_cast<std::size_t>(spec.n_layers) * kTailCols * spec.max_size());
}

// Two joins where mlp_forward_train then mlp_backward take one per layer and one more: at batch 256 on
// two threads the step waited at seven joins in all (4-6% of the workers' time). First, ranges of rows
// go forward through every layer, take dL/dout and go back through every layer's activations: each
// row's dz of hidden layer i (da ⊙ act'(z), da = dz of the layer above times its W) is what that row
// needed of the slope, so it takes the slope's place. Then every layer's weight gradient, ranges of all
// layers handed out in one run, the largest layers at both ends of the list (deal_to_both_ends: on two
// threads the two largest go one to each worker, as Trainer's update deals them), each layer with its
// own tail (WeightGradient: a layer's ranges of j share theirs). Each output is the loop
// mlp_forward_train and mlp_backward run (slope·da here, da·slope there: the same product), so the
// bits are theirs.
Status mlp_train_pass(const Mlp& mlp, const float* x, int x_stride, const float* t, int n, Tape& tape,
                      MlpCondition cond, const float* target, float scale, float* dout, float* grad, Arena& arena,
                      Executor* ex) {
  const MlpSpec& s = mlp.spec;
  const int L = s.n_layers, d = s.dim, width = s.max_size();
  const std::size_t mark = arena.mark();
  float* da = arena.alloc_array<float>(static_cast<std::size_t>(n) * width);
  float* tails = arena.alloc_array<float>(static_cast<std::size_t>(L) * kTailCols * width);
  if (da == nullptr || tails == nullptr) {
    arena.release(mark);
    return Status::out_of_memory;
  }
  parallel_for(ex, n, [&](long r0, long r1) {
    forward_train_rows(mlp, x, x_stride, t, r0, r1, tape, cond);
    const int m = static_cast<int>(r1 - r0);
    const float* pred = tape.post[L - 1];
    for (long q = r0 * d; q < r1 * d; ++q) dout[q] = scale * (pred[q] - target[q]);
    const float* dz = dout + r0 * d;
    for (int i = L - 1; i > 0; --i) {
      const int fin = s.sizes[i], fout = s.sizes[i + 1];
      float* dar = da + r0 * fin;
      float* dzr = tape.slope[i - 1] + r0 * fin;
      gemm(mlp.simd, m, fin, fout, dz, fout, 1, mlp.weight[i], fin, nullptr, 0, dar, fin);
      mul_elementwise(mlp.simd, dzr, dar, static_cast<long>(m) * fin);
      dz = dzr;
    }
  });
  int order[kMaxLayers];
  s.layers_for_join(order);  // the two largest layers' ranges to one worker each
  struct Ctx {
    const Mlp* mlp;
    const Tape* tape;
    const float* dout;
    float* grad;
    float* tails;
    int n;
    int order[kMaxLayers];
    int first_task[kMaxLayers + 1];  // layer order[k]'s ranges are tasks first_task[k] .. first_task[k + 1] - 1
  } c{&mlp, &tape, dout, grad, tails, n, {}, {}};
  const long most = static_cast<long>(workers_of(ex)) * kRangesPerWorker;
  for (int k = 0; k < L; ++k) {
    const long count = WeightGradient{mlp, order[k], nullptr, nullptr, 0, nullptr, nullptr, false}.count();
    c.order[k] = order[k];
    c.first_task[k + 1] = c.first_task[k] + static_cast<int>(most < count ? most : count);
  }
  auto task = [](void* p, int q) {
    const Ctx& c = *static_cast<const Ctx*>(p);
    int k = 0;
    while (q >= c.first_task[k + 1]) ++k;
    const int i = c.order[k], parts = c.first_task[k + 1] - c.first_task[k], part = q - c.first_task[k];
    const Tape& tp = *c.tape;
    const WeightGradient wg{*c.mlp, i, i == c.mlp->spec.n_layers - 1 ? c.dout : tp.slope[i],
                            i == 0 ? tp.input : tp.post[i - 1], c.n, c.grad,
                            c.tails + static_cast<std::ptrdiff_t>(i) * kTailCols * c.mlp->spec.max_size(), false};
    const long count = wg.count();
    wg(count * part / parts, count * (part + 1) / parts);
  };
  if (workers_of(ex) <= 1) {
    for (int q = 0; q < c.first_task[L]; ++q) task(&c, q);
  } else {
    ex->run(c.first_task[L], task, &c);
  }
  arena.release(mark);
  return Status::ok;
}

void mlp_init(const MlpSpec& spec, float* block, Rng& rng) {
  for (int i = 0; i < spec.n_layers; ++i) {
    const int fin = spec.sizes[i], fout = spec.sizes[i + 1];
    const float bound = 1.0f / mathf::sqrt(static_cast<float>(fin));
    float* W = block + spec.weight_offset(i);
    float* b = block + spec.bias_offset(i);
    for (long q = 0; q < static_cast<long>(fout) * fin; ++q) W[q] = rng.uniform(-bound, bound);
    for (int j = 0; j < fout; ++j) b[j] = rng.uniform(-bound, bound);
  }
}

}  // namespace rill
