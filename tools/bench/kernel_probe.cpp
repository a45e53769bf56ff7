// kernel_probe: where one thread's time goes, on a shared machine.
//
// Build and run (from the repository): `make probes` (or `make unit`, which builds it too), then
//   build/kernel_probe [rounds] [train | silu]
// Each figure is the fastest of `rounds` timings (default 100) of 20 calls in
// a row, on the thread's CPU clock: other processes only ever add time, and
// the thread's clock does not count the time it waited for the core. Prints
// the mul + add peak (12 and 14 independent chains), the products of the
// default model (packed forward layers of a 64-row tile; the backward
// products of a 256-row block: weight gradient, input gradient, and the
// narrow first and last layers), SiLU over a tile, repacking, the forward
// pass at batches 256 .. 65536, and with `train` CFM + Adam steps at 256 and
// 4096 (default model, moons). Not a test and not part of the build.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>
#include <immintrin.h>

#include "rill/arena.h"
#include "rill/datasets.h"
#include "rill/kernels.h"
#include "rill/mlp.h"
#include "rill/rng.h"
#include "rill/train.h"

namespace {
double now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
typedef float v8 __attribute__((vector_size(32)));
template <int N>
__attribute__((target("avx2"), noinline)) float peak(long iters) {
  v8 a[N], m = {}, c = {};
  for (auto& l : a) l = v8{} + 1.0f;
  m = m + 0.999999f;
  c = c + 1e-7f;
  for (long i = 0; i < iters; ++i)
    for (int j = 0; j < N; ++j) a[j] = a[j] * m + c;
  v8 s = {};
  for (auto& l : a) s = s + l;
  float o[8];
  std::memcpy(o, &s, 32);
  _mm256_zeroupper();
  return o[0];
}
template <class F>
double fastest(F&& f, int rounds, int inner = 20) {
  double b = 1e300;
  for (int r = 0; r < rounds; ++r) {
    const double t0 = now();
    for (int i = 0; i < inner; ++i) f();
    b = std::min(b, (now() - t0) / inner);
  }
  return b;
}
volatile float sink;
float* floats(size_t n) { return static_cast<float*>(std::aligned_alloc(64, (n * 4 + 63) / 64 * 64)); }
}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 100;
  const rill::Simd simd = rill::simd_best();
  const long iters = 2048;
  const double tp = std::min(fastest([&] { sink = peak<12>(iters); }, rounds),
                             fastest([&] { sink = peak<14>(iters); }, rounds) * 12 / 14);
  const double peak_g = 2.0 * 12 * 8 * iters / tp / 1e9;
  std::printf("kernel %s; mul + add peak %.1f GFLOP/s\n", rill::gemm_variant(simd), peak_g);
  auto row = [&](const char* what, double flop, double t) {
    if (flop > 0) std::printf("%-40s %9.2f us %7.1f GFLOP/s %6.1f%% of peak\n", what, t * 1e6, flop / t / 1e9,
                              100.0 * flop / t / 1e9 / peak_g);
    else std::printf("%-40s %9.2f us\n", what, t * 1e6);
  };
  const rill::MlpSpec spec = rill::MlpSpec::make(2, 128, 3);
  std::vector<float> params(spec.param_count());
  rill::Rng rng(1, 1);
  rill::mlp_init(spec, params.data(), rng);
  rill::Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  std::vector<unsigned char> mem(64 << 20);
  rill::Arena arena(mem.data(), mem.size());
  if (rill::mlp_pack(mlp, arena) != rill::Status::ok) return 1;
  float *in = floats(256 * 128), *out = floats(256 * 128), *dz = floats(256 * 128), *slope = floats(256 * 128);
  for (int i = 0; i < 256 * 128; ++i) in[i] = (i % 97) * 0.01f - 0.4f, dz[i] = (i % 89) * 0.01f - 0.4f;
  // The trainer's weights sit 64-byte aligned in its arena; params.data() is only 16-byte aligned, and
  // rows of W split across cache lines ran the input gradient at 70% of the peak instead of ~88%.
  float* W1 = floats(128 * 128);
  std::memcpy(W1, mlp.weight[1], sizeof(float) * 128 * 128);
  if (argc > 2 && std::strcmp(argv[2], "silu") == 0) {  // the activation alone, for A/B runs of its variants
    row("SiLU 64 x 128", 0, fastest([&] { rill::activate_array(simd, rill::Activation::silu, in, out, 64 * 128); }, rounds));
    row("SiLU with slope 256 x 128", 0,
        fastest([&] { rill::activate_array_with_slope(simd, rill::Activation::silu, in, out, slope, 256 * 128); }, rounds));
    return 0;
  }
  std::printf("-- forward, a tile of 64 rows (sampling)\n");
  row("input layer 64 x 3 -> 128", 2.0 * 64 * 3 * 128,
      fastest([&] { rill::linear_packed(simd, in, 3, 64, mlp.packed[0], mlp.bias[0], 3, 128, out, 128); }, rounds));
  row("hidden layer 64 x 128 -> 128", 2.0 * 64 * 128 * 128,
      fastest([&] { rill::linear_packed(simd, in, 128, 64, mlp.packed[1], mlp.bias[1], 128, 128, out, 128); }, rounds));
  row("output layer 64 x 128 -> 2", 2.0 * 64 * 128 * 2,
      fastest([&] { rill::linear_packed(simd, in, 128, 64, mlp.packed[3], mlp.bias[3], 128, 2, out, 2); }, rounds));
  row("SiLU 64 x 128", 0, fastest([&] { rill::activate_array(simd, rill::Activation::silu, in, out, 64 * 128); }, rounds));
  std::printf("-- training, a block of 256 rows\n");
  row("SiLU with slope 256 x 128", 0,
      fastest([&] { rill::activate_array_with_slope(simd, rill::Activation::silu, in, out, slope, 256 * 128); }, rounds));
  row("hidden forward 256 x 128 -> 128", 2.0 * 256 * 128 * 128,
      fastest([&] { rill::linear_packed(simd, in, 128, 256, mlp.packed[1], mlp.bias[1], 128, 128, out, 128); }, rounds));
  row("hidden weight gradient (32-row blocks)", 2.0 * 256 * 128 * 128, fastest([&] {
        for (int r0 = 0; r0 < 256; r0 += 32)
          rill::gemm(simd, 128, 128, 32, dz + r0 * 128, 1, 128, in + r0 * 128, 128, r0 ? out : nullptr, 128, out, 128);
      }, rounds));
  row("hidden input gradient 256 x 128 -> 128", 2.0 * 256 * 128 * 128,
      fastest([&] { rill::gemm(simd, 256, 128, 128, dz, 128, 1, W1, 128, nullptr, 0, out, 128); }, rounds));
  row("first layer weight gradient (k = 3)", 2.0 * 256 * 3 * 128,
      fastest([&] { rill::gemm(simd, 3, 128, 256, in, 1, 3, dz, 128, nullptr, 0, out, 128); }, rounds));
  row("last layer weight gradient (m = 2)", 2.0 * 256 * 2 * 128,
      fastest([&] { rill::gemm(simd, 2, 128, 256, dz, 1, 2, in, 128, nullptr, 0, out, 128); }, rounds));
  row("repack 128 x 128", 0, fastest([&] { rill::pack_weights(simd, W1, 128, 128, out); }, rounds));
  std::printf("-- forward pass (sampling), shared t\n");
  for (int n : {256, 4096, 65536}) {
    std::vector<float> x(size_t(n) * 2), y(size_t(n) * 2);
    for (int i = 0; i < n * 2; ++i) x[i] = (i % 13) * 0.1f;
    const float t = 0.5f;
    const double s = fastest([&] { rill::mlp_forward(mlp, x.data(), 2, &t, false, n, y.data(), 2, arena); },
                             n >= 65536 ? std::max(3, rounds / 20) : rounds / 2, n >= 4096 ? 1 : 10);
    char what[64];
    std::snprintf(what, sizeof what, "batch %d: %.0f k evaluations/s", n, n / s / 1e3);
    row(what, 66816.0 * n, s);
  }
  if (argc > 2 && std::strcmp(argv[2], "train") == 0) {
    std::printf("-- training steps (CFM + Adam, moons)\n");
    for (int n : {256, 4096}) {
      rill::TrainConfig cfg;
      cfg.batch = n;
      cfg.simd = simd;
      const rill::MlpSpec ts = rill::MlpSpec::make(rill::kDatasetDim);
      const rill::DataSource data = rill::DataSource::builtin(rill::Dataset::moons);
      rill::Message msg;
      std::vector<unsigned char> tm(rill::Trainer::memory_bytes(ts, cfg) + rill::Arena::kAlign);
      rill::Arena ta(tm.data(), tm.size());
      rill::Trainer tr;
      if (tr.init(ts, cfg, data, ta, &msg) != rill::Status::ok) return 1;
      const double s = fastest([&] { tr.step(); }, n == 256 ? rounds / 2 : rounds / 10, n == 256 ? 5 : 1);
      char what[64];
      std::snprintf(what, sizeof what, "batch %d: %.0f steps/s", n, 1 / s);
      row(what, 3 * 66816.0 * n, s);
    }
  }
  return 0;
}
