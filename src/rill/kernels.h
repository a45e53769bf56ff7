// kernels: the few hot loops of rill — matrix products, activations over
// arrays (kernels.cpp), and the trainer's element-wise loops (elementwise.cpp).
//
// The contract every kernel keeps (what makes the bits identical on x86-64,
// WebAssembly and Cortex-M): each output is its initial value (a bias, or +0)
// plus the products of its inputs added one at a time in index order, one
// rounding per + and × (-ffp-contract=off). Fast kernels vectorise across
// output columns only, never across the summed index, so they give exactly
// the bits of the naive loops; tests/test_kernels.cpp holds them to that.
//
// Kernels with several paths take the instruction set to use (Simd) as
// their first argument: the owner of a computation chooses it once (an Mlp
// and a TrainConfig carry theirs, simd_best() by default) and passes it down;
// nothing here keeps a setting. One switch per call, none per element.
#pragma once
#include <cstddef>
#include <cstdint>

#include "rill/activation.h"
#include "rill/rng.h"

namespace rill {

// One multiply-add of the summation contract, for every kernel that computes
// a product (kernels.cpp, narrow.cpp). The default build rounds the product
// and the sum separately (-ffp-contract=off): the same bits on every target.
// A build with RILL_FMA fuses them (one rounding): faster on CPUs with FMA,
// but its bits differ from the default build's and between targets.
inline float madd(float acc, float x, float w) {
#if defined(RILL_FMA)
  return __builtin_fmaf(x, w, acc);
#else
  return acc + x * w;
#endif
}

// The instruction sets the kernels (gemm, SiLU, the trainer's element-wise
// loops, pack_weights, the assignment solver's AVX2 step) choose from,
// narrowest first. Every one gives the same bits in the default build; they
// differ in speed. A level above simd_best() runs as simd_best().
enum class Simd : int { scalar = 0, vec4 = 1, avx2 = 2, avx512 = 3 };
// The widest this build and CPU support (x86-64: the CPU is probed once, at
// the first call; a constant of the process).
Simd simd_best();

// The naive reference for a linear layer: W is [fout, fin] (PyTorch layout),
// in is n × fin; out[r][j] = b[j] + Σ_k in[r][k]·W[j][k].
void linear_ref(const float* in, int in_stride, int n, const float* W, const float* b, int fin, int fout,
                float* out, int out_stride);

// The general product behind every fast path:
//   C[i][j] = I(i, j) + Σ_{k < kdim} A(i, k)·B[k·ldb + j],
// k in order, for i < m, j < n, where A(i, k) = A[i·a_row + k·a_col] (so A
// may be read transposed) and I(i, j) = init[i·init_ld + j]: a bias row for
// every i when init_ld is 0, +0 when init is null, or C itself (init = C,
// init_ld = ldc) to go on with a sum over a further range of k — the bits of
// one sum over the whole range. Vectorised over j with register blocks of rows.
void gemm(Simd simd, int m, int n, int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col,
          const float* B, std::ptrdiff_t ldb, const float* init, std::ptrdiff_t init_ld, float* C,
          std::ptrdiff_t ldc);
// The same, as plain loops (the reference gemm is held to).
void gemm_ref(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col, const float* B,
              std::ptrdiff_t ldb, const float* init, std::ptrdiff_t init_ld, float* C, std::ptrdiff_t ldc);
// The 4-lane vector gemm (SSE2 on x86-64 without AVX2, SIMD128 in WebAssembly,
// NEON/generic elsewhere); gemm() runs it at Simd::vec4.
// Declared so that tests hold it to gemm_ref on any machine.
void gemm_portable(int m, int n, int kdim, const float* A, std::ptrdiff_t a_row, std::ptrdiff_t a_col,
                   const float* B, std::ptrdiff_t ldb, const float* init, std::ptrdiff_t init_ld, float* C,
                   std::ptrdiff_t ldc);
// Which gemm runs here at level simd: "avx512", "avx2", "sse2", "simd128",
// "neon", "generic vectors" or "scalar" (RILL_FMA builds add "+fma").
const char* gemm_variant(Simd simd);

// Packed layout for linear_packed: W transposed to [fin][ld] with ld =
// packed_ld(fout) (fout rounded up to the vector block of 16, plus one block
// when that is an even number of cache lines: see kernels_pack.cpp), zero padded.
// Internal scratch, never in a file.
int packed_ld(int fout);
std::size_t packed_floats(int fin, int fout);
void pack_weights(Simd simd, const float* W, int fin, int fout, float* packed);
// The first multiple of 16 of n rows of a narrow layer (nt < 8 outputs: fout = nt, or the last
// nt columns of a wider one) as linear_packed computes them, bit for bit, with the rows in the lanes
// (AVX2, nt <= 4); returns how many rows it did: 0 at other levels, in RILL_FMA builds, elsewhere.
// w and b point at those columns (packed weights with leading dimension ld, and the biases).
int linear_narrow_rows(Simd simd, const float* in, int in_stride, int n, const float* w, int ld, const float* b,
                       int fin, int nt, float* out, int out_stride);
// Same result as linear_ref, bit for bit: gemm over the packed weights.
void linear_packed(Simd simd, const float* in, int in_stride, int n, const float* packed, const float* b, int fin,
                   int fout, float* out, int out_stride);

// Row panels (kernels_panel.cpp): n rows (a multiple of 8) of `cols` columns in blocks of 8 rows,
// each block column by column — row r, column c at p[(r / 8)·8·cols + 8·c + r % 8] — so that a
// product's 8 rows at one k are two consecutive vectors. rill.wasm's forward pass keeps a tile's
// activations so (mlp.cpp). panel_from_rows copies rows in_stride apart into one.
void panel_from_rows(const float* in, int in_stride, int n, int cols, float* panel);
// linear_packed from a panel: in is a panel of n rows (a multiple of 8) × fin; out is a panel of
// n × fout when out_panel, else rows out_stride apart. The bits of linear_packed.
void linear_panel(const float* in, int n, const float* packed, const float* b, int fin, int fout, float* out,
                  bool out_panel, int out_stride);

// a[i] = act(z[i]) for count values (z and a may alias); the bits of activate() (activation.h).
void activate_array(Simd simd, Activation act, const float* z, float* a, long count);
// a[i] = act(z[i]) and slope[i] = act'(z[i]) for count values (z and a may
// alias): the bits of activate() and activate_grad(). Training's forward pass
// keeps the slope, so the backward pass is one multiply per value.
void activate_array_with_slope(Simd simd, Activation act, const float* z, float* a, float* slope, long count);

// Rng::normal's Box-Muller transform on vectors (kernels_normal.cpp), bit for bit: for i < count,
// with u1 = ((a[i] >> 8) + 1)·2^-24 and u2 = (b[i] >> 8)·2^-24 (a pair's two draws), r =
// sqrt(−2·log u1) and θ = 2π·u2: c[i] = r·cos θ (the pair's first normal) and s[i] = r·sin θ.
// Returns how many pairs it did (the first multiple of the vector width; 0 at Simd::scalar, in
// builds without vectors and in size-optimised ones, where Rng::normal's own loop runs).
long normal_pairs(Simd simd, const std::uint32_t* a, const std::uint32_t* b, float* c, float* s, long count);
// rng.fill_normal(out, n), the same values and the same stream after, with the draws taken four
// chains at a time (Rng::draw_pairs) and the transform on vectors (normal_pairs): about 10x as
// fast on x86-64 (README). Firmware (no vectors) and rill-sample.wasm (-Os) run rng.fill_normal.
void fill_normal(Simd simd, Rng& rng, float* out, long n);

// ---- optimiser loops (the trainer's per-parameter work; elementwise.cpp) ----
// Σ x[q]² in a fixed order, the same on every target (the one kernel that
// vectorises across a summed index, by definition): 16 running sums, sum l
// adding the x[q] with q ≡ l (mod 16) in index order, then combined pairwise
// (sum l + sum l+8, then +4, +2, +1). Vectorised; count may be 0.
float sum_squares(Simd simd, const float* x, long count);

// Adam with bias correction, for each q < count:
//   m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g·g;
//   p = p − lr·(m·c1) / (√(v·c2) + ε)
// with each value's own arithmetic in that order (so vectors change no bit).
struct AdamCoeffs {
  float beta1, beta2;
  float c1, c2;  // 1/(1 − β1^t), 1/(1 − β2^t)
  float lr, eps;
};
void adam_update(Simd simd, const AdamCoeffs& a, const float* g, float* m, float* v, float* p, long count);

// ---- the backward pass's element-wise loops (elementwise.cpp) ----
// g[q] = g[q]·s[q] for q < count (through the activation: g ⊙ act'(z)).
void mul_elementwise(Simd simd, float* g, const float* s, long count);
// sums[j] = sums[j] + x[r·ld + j] for r = 0 .. rows−1 in order, j < cols (bias gradients).
void add_rows(Simd simd, const float* x, std::ptrdiff_t ld, int rows, int cols, float* sums);

}  // namespace rill
