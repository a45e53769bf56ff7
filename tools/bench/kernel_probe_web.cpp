// kernel_probe_web: where rill.wasm's sampling time goes, piece by piece (the WebAssembly analogue of
// kernel_probe.cpp). Linked with rill.wasm's own objects and flags; tools/bench/kernel_probe_web.mjs
// times each export on Node's process CPU clock. Not part of any shipped module.
//   make build/bench-web/kernel_probe_web.wasm && node tools/bench/kernel_probe_web.mjs [PROBE.wasm ...]
// The network is bench-web's shape (3 → 128 → 128 → 128 → 2, SiLU) with fixed pseudo-random weights.
#include <cstdint>
#include <vector>

#include "rill/kernels.h"

namespace {
constexpr int kLayers = 4;
constexpr int kSizes[kLayers + 1] = {3, 128, 128, 128, 2};
constexpr int kTile = 64;  // mlp.cpp's tile of rows
struct Net {
  std::vector<float> packed[kLayers], bias[kLayers];
  std::vector<float> in, a, b, out;
};
Net* net() {
  static Net n;  // the probe's only state (a tool, not the core)
  return &n;
}
float next(std::uint32_t& s) {
  s = s * 1103515245u + 12345u;
  return static_cast<float>(s >> 8) / 16777216.0f - 0.5f;
}
}  // namespace

extern "C" {
__attribute__((export_name("probe_setup"))) void probe_setup() {
  Net& n = *net();
  std::uint32_t s = 1;
  for (int i = 0; i < kLayers; ++i) {
    const int fin = kSizes[i], fout = kSizes[i + 1];
    std::vector<float> w(static_cast<std::size_t>(fin) * fout);
    for (auto& v : w) v = next(s) * 0.3f;
    n.bias[i].resize(fout);
    for (auto& v : n.bias[i]) v = next(s) * 0.1f;
    n.packed[i].resize(rill::packed_floats(fin, fout));
    rill::pack_weights(rill::simd_best(), w.data(), fin, fout, n.packed[i].data());
  }
  n.in.resize(kTile * 3);
  for (auto& v : n.in) v = next(s) * 4.0f;
  n.a.resize(kTile * 128);
  n.b.resize(kTile * 128);
  for (auto& v : n.a) v = next(s) * 6.0f;
  n.out.resize(kTile * 2);
}
// reps × linear_packed of layer i over m rows (m ≤ 64).
__attribute__((export_name("probe_layer"))) void probe_layer(int i, int m, int reps) {
  Net& n = *net();
  const float* in = i == 0 ? n.in.data() : n.a.data();
  float* out = i == kLayers - 1 ? n.out.data() : n.b.data();
  for (int r = 0; r < reps; ++r)
    rill::linear_packed(rill::simd_best(), in, kSizes[i], m, n.packed[i].data(), n.bias[i].data(), kSizes[i],
                        kSizes[i + 1], out, kSizes[i + 1]);
}
// reps × SiLU over m rows of 128 (in place on b, from a's values).
__attribute__((export_name("probe_silu"))) void probe_silu(int m, int reps) {
  Net& n = *net();
  for (int r = 0; r < reps; ++r)
    rill::activate_array(rill::simd_best(), rill::Activation::silu, n.a.data(), n.b.data(), static_cast<long>(m) * 128);
}
// reps × SiLU with its slope (training's forward pass) over m rows of 128.
__attribute__((export_name("probe_silu_slope"))) void probe_silu_slope(int m, int reps) {
  Net& n = *net();
  for (int r = 0; r < reps; ++r)
    rill::activate_array_with_slope(rill::simd_best(), rill::Activation::silu, n.a.data(), n.b.data(),
                                    n.b.data() + static_cast<long>(m) * 64, static_cast<long>(m) * 64);
}
// reps × one register block alone (4 rows × 8 columns, k = 128) with its 8 columns of B contiguous (4 KB,
// L1-resident): the inner loop's own speed, without the 128-column layer's walk through B.
__attribute__((export_name("probe_block"))) void probe_block(int reps) {
  Net& n = *net();
  for (int r = 0; r < reps; ++r)
    rill::gemm(rill::simd_best(), 4, 8, 128, n.a.data(), 128, 1, n.packed[1].data(), 8, n.bias[1].data(), 0,
               n.b.data(), 8);
}
// reps × the whole forward pass of m rows (m ≤ 64), as mlp_forward runs it.
__attribute__((export_name("probe_forward"))) void probe_forward(int m, int reps) {
  Net& n = *net();
  for (int r = 0; r < reps; ++r) {
    const float* cur = n.in.data();
    for (int i = 0; i < kLayers; ++i) {
      const int fin = kSizes[i], fout = kSizes[i + 1];
      float* dst = i == kLayers - 1 ? n.out.data() : (cur == n.a.data() ? n.b.data() : n.a.data());
      rill::linear_packed(rill::simd_best(), cur, fin, m, n.packed[i].data(), n.bias[i].data(), fin, fout, dst, fout);
      if (i < kLayers - 1) rill::activate_array(rill::simd_best(), rill::Activation::silu, dst, dst, static_cast<long>(m) * fout);
      cur = dst;
    }
  }
}
// reps × layer i over m rows (a multiple of 8) as rill.wasm's forward pass runs it: from a row panel, into
// a panel (the hidden layers) or into rows (the last).
__attribute__((export_name("probe_panel_layer"))) void probe_panel_layer(int i, int m, int reps) {
  Net& n = *net();
  const bool last = i == kLayers - 1;
  for (int r = 0; r < reps; ++r)
    rill::linear_panel(n.a.data(), m, n.packed[i].data(), n.bias[i].data(), kSizes[i], kSizes[i + 1],
                       last ? n.out.data() : n.b.data(), !last, kSizes[i + 1]);
}
// reps × the whole forward pass of m rows (m ≤ 64) as mlp_forward runs it in rill.wasm: the rows in
// whole blocks of 8 as panels (the input copied into one), the rest in rows.
__attribute__((export_name("probe_panel_forward"))) void probe_panel_forward(int m, int reps) {
  Net& n = *net();
  const int mp = m / 8 * 8;
  for (int r = 0; r < reps; ++r) {
    if (mp > 0) {
      rill::panel_from_rows(n.in.data(), kSizes[0], mp, kSizes[0], n.b.data());
      const float* cur = n.b.data();
      for (int i = 0; i < kLayers; ++i) {
        const int fin = kSizes[i], fout = kSizes[i + 1];
        if (i == kLayers - 1) {
          rill::linear_panel(cur, mp, n.packed[i].data(), n.bias[i].data(), fin, fout, n.out.data(), false, fout);
        } else {
          float* dst = cur == n.a.data() ? n.b.data() : n.a.data();
          rill::linear_panel(cur, mp, n.packed[i].data(), n.bias[i].data(), fin, fout, dst, true, 0);
          rill::activate_array(rill::simd_best(), rill::Activation::silu, dst, dst, static_cast<long>(mp) * fout);
          cur = dst;
        }
      }
    }
    if (mp < m) probe_forward(m - mp, 1);
  }
}
}
