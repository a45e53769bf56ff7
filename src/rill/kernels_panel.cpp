// Row panels: the layout rill.wasm's forward pass keeps a tile's activations in (kernels.h: blocks
// of 8 rows, each column by column).
//
// Why: linear_packed's 4-lane register block is 4 rows × 8 columns, broadcasting A(r, k) for its 4
// rows at each step of k. With the rows fin floats apart, WebAssembly computes three of those four
// addresses every step (a load's only free offset is a constant): V8's code for one step was ~33
// instructions around 16 multiplies and adds. Here every lane is a row: a block is 8 rows (two
// vectors, the panel's 32 bytes at one k: plain loads at constant offsets) × 4 columns (their
// weights broadcast from the packed row, constant offsets too), 8 accumulators; one step is 25
// instructions — 2 loads, 4 broadcasts, 16 multiplies and adds, the two pointers and the loop test.
// The accumulators are the output panel's columns as they are, so the next layer reads them with
// nothing copied or transposed. The walk goes strip by strip of 4 columns (fin × 16 bytes of the
// packed weights, in L1) over every block of rows. Zen 3, Node 20 (tools/bench/kernel_probe_web.mjs,
// one 64-row tile): a 128 × 128 layer 1.15-1.3× as fast as linear_packed's. Each output is the bias
// plus x·w added in k order, a multiply and an add: the bits of linear_packed.
#include <cstddef>

#include "rill/kernels.h"
#include "rill/simd_vec.h"

namespace rill {

void panel_from_rows(const float* in, int in_stride, int n, int cols, float* panel) {
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < cols; ++c)
      panel[static_cast<std::ptrdiff_t>(r / 8) * 8 * cols + 8 * c + r % 8] = in[static_cast<std::ptrdiff_t>(r) * in_stride + c];
}

#if defined(RILL_NO_SIMD)

// Microcontrollers do not run the panel path (mlp.cpp); the plain loop keeps the function whole.
void linear_panel(const float* in, int n, const float* packed, const float* b, int fin, int fout, float* out,
                  bool out_panel, int out_stride) {
  const int ld = packed_ld(fout);
  for (int r = 0; r < n; ++r) {
    const float* a = in + static_cast<std::ptrdiff_t>(r / 8) * 8 * fin + r % 8;
    for (int j = 0; j < fout; ++j) {
      float acc = b[j];
      for (int k = 0; k < fin; ++k) acc = madd(acc, a[8 * k], packed[static_cast<std::ptrdiff_t>(k) * ld + j]);
      if (out_panel) out[static_cast<std::ptrdiff_t>(r / 8) * 8 * fout + 8 * j + r % 8] = acc;
      else out[static_cast<std::ptrdiff_t>(r) * out_stride + j] = acc;
    }
  }
}

#else

namespace {
using simd_vec::load;
using simd_vec::store;
using simd_vec::v4;

// One block of 8 rows (two vectors: the panel's 8 rows at one k) × 4 columns, every lane its own
// row: acc = the column's bias, then acc + x·w (a multiply, an add) for k = 0 … fin − 1 in order,
// w broadcast from the packed weights. a is the block in the panel, w the strip's first column.
__attribute__((always_inline)) inline void panel_block(int fin, const float* a, const float* w, std::ptrdiff_t ld,
                                                       const float* bias, v4 (&acc)[2][4]) {
  for (int c = 0; c < 4; ++c) acc[0][c] = acc[1][c] = v4{bias[c], bias[c], bias[c], bias[c]};
  for (const float* end = a + 8 * static_cast<std::ptrdiff_t>(fin); a != end; a += 8, w += ld) {
    const v4 x0 = load<v4>(a), x1 = load<v4>(a + 4);
    for (int c = 0; c < 4; ++c) {
      const float wc = w[c];
      acc[0][c] = acc[0][c] + x0 * wc;
      acc[1][c] = acc[1][c] + x1 * wc;
    }
  }
}

// Columns j0 … j0 + cols − 1 (cols ≤ 4) of every block of 8 rows: into the output panel, or lane by
// lane into rows out_stride apart. One copy of the loop serves both (rill.wasm's size).
__attribute__((noinline)) void panel_strip(const float* in, int n, const float* w, std::ptrdiff_t ld,
                                           const float* bias, int fin, int j0, int cols, int fout, float* out,
                                           bool out_panel, int out_stride) {
  for (int i0 = 0; i0 < n; i0 += 8) {
    v4 acc[2][4];
    panel_block(fin, in + static_cast<std::ptrdiff_t>(i0) * fin, w, ld, bias, acc);
    if (out_panel) {
      float* o = out + static_cast<std::ptrdiff_t>(i0) * fout + 8 * j0;
      if (cols == 4) {  // (every strip but a last one of 1-3 columns: stores at constant offsets)
        for (int c = 0; c < 4; ++c) store<v4>(o + 8 * c, acc[0][c]), store<v4>(o + 8 * c + 4, acc[1][c]);
      } else {
        for (int c = 0; c < cols; ++c) store<v4>(o + 8 * c, acc[0][c]), store<v4>(o + 8 * c + 4, acc[1][c]);
      }
    } else {
      for (int r = 0; r < 8; ++r)
        for (int c = 0; c < cols; ++c)
          out[static_cast<std::ptrdiff_t>(i0 + r) * out_stride + j0 + c] = acc[r / 4][c][r % 4];
    }
  }
}
}  // namespace

void linear_panel(const float* in, int n, const float* packed, const float* b, int fin, int fout, float* out,
                  bool out_panel, int out_stride) {
  const int ld = packed_ld(fout), full = fout / 4 * 4;
  for (int j0 = 0; j0 < full; j0 += 4) panel_strip(in, n, packed + j0, ld, b + j0, fin, j0, 4, fout, out, out_panel, out_stride);
  if (full == fout) return;
  // The last 1-3 columns: a strip of 4 over the packed zero padding (ld ≥ fout rounded up to 16),
  // from a bias padded with zeros.
  float bias[4] = {0};
  for (int j = full; j < fout; ++j) bias[j - full] = b[j];
  panel_strip(in, n, packed + full, ld, bias, fin, full, fout - full, fout, out, out_panel, out_stride);
}

#endif  // RILL_NO_SIMD

}  // namespace rill
