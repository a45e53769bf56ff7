// `rill bench`: how fast this machine samples and trains, and how close to its peak.
//
// Figures, not tests: field evaluations per second (Euler, the reference
// workload of shared/docs/BENCHMARKS.md) at batches 1 … 65536 on one and two
// threads, GFLOP/s and the fraction of this machine's peak, and training
// steps per second. The peak is measured here, by a loop of independent
// vector multiplies and adds (the default build never fuses them), so the
// fraction is honest on any machine. Each figure is the fastest of many
// short runs, each long enough to swamp timer noise.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/bench_threads.h"
#include "cli/commands.h"
#include "cli/fail.h"
#include "cli/model.h"
#include "rill/capi.h"
#include "rill/density.h"
#include "rill/field.h"
#include "rill/kernels.h"
#include "rill/model_io.h"
#include "rill/rill.h"
#include "rill/rng.h"
#include "rill/thread_pool.h"
#include "rill/train.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace cli {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The fastest of `reps` timings of fn(), each at least `min_seconds` long (fn
// is repeated within a timing and the count divides out). Returns seconds per
// call. The fastest, not the median: on a shared machine other processes only
// ever add time, and with many short rounds some run with the core to
// themselves (at load 5-14 on 2 cores, medians of long rounds read a third
// to a tenth of what the same code does when it has the core).
template <class F>
double fastest_time(F&& fn, int reps, double min_seconds) {
  int calls = 1;
  for (;;) {  // calibrate
    const auto t0 = Clock::now();
    for (int i = 0; i < calls; ++i) fn();
    const double s = seconds_since(t0);
    if (s >= min_seconds || calls >= (1 << 24)) break;
    calls = s <= 0 ? calls * 16 : std::max(calls * 2, static_cast<int>(calls * min_seconds / s * 1.2));
  }
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    for (int i = 0; i < calls; ++i) fn();
    t.push_back(seconds_since(t0) / calls);
  }
  return *std::min_element(t.begin(), t.end());
}

// ---- the machine's peak: independent multiply and add chains -------------
// N independent chains a = a·m + c in vectors V, as mul then add (what the
// default build's kernels issue) or fused (RILL_FMA). The best of a few chain
// counts is the peak: enough chains to cover the adder's latency on every
// port, without spilling registers.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// The 8- and 16-lane code is only ever inlined into functions of its
// instruction set; the ABI note about an out-of-line form is moot.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
struct MulAdd {  // -ffp-contract=off: a multiply and an add per lane
  template <class V>
  __attribute__((always_inline)) void operator()(V& a, const V& m, const V& c) const { a = a * m + c; }
};
template <class V, int N, class Step = MulAdd>
__attribute__((always_inline)) inline double peak_loop(long iters) {
  V a[N], m = {}, c = {};
  for (auto& lane : a) lane = V{} + 1.0f;
  m = m + 0.999999f;
  c = c + 1e-7f;
  for (long i = 0; i < iters; ++i)
    for (int j = 0; j < N; ++j) Step{}(a[j], m, c);
  V s = {};
  for (auto& lane : a) s = s + lane;
  float out[sizeof(V) / sizeof(float)];
  std::memcpy(out, &s, sizeof out);
  return out[0];
}
typedef float v4 __attribute__((vector_size(16)));
template <int N>
double peak_v4(long iters) { return peak_loop<v4, N>(iters); }
#if defined(__x86_64__) && defined(__GNUC__)
typedef float v8 __attribute__((vector_size(32)));
typedef float v16 __attribute__((vector_size(64)));
// The FMA build's step: one fused multiply-add. Not always_inline (GCC and
// Clang refuse it into the target-less peak_loop); by reference, so no AVX
// value crosses a call, and inlined once peak_loop sits in its function.
struct Fma8 {
  __attribute__((target("avx2,fma"))) void operator()(v8& a, const v8& m, const v8& c) const {
    a = reinterpret_cast<v8>(_mm256_fmadd_ps(reinterpret_cast<__m256>(a), reinterpret_cast<__m256>(m),
                                             reinterpret_cast<__m256>(c)));
  }
};
struct Fma16 {
  __attribute__((target("avx512f,fma"))) void operator()(v16& a, const v16& m, const v16& c) const {
    a = reinterpret_cast<v16>(_mm512_fmadd_ps(reinterpret_cast<__m512>(a), reinterpret_cast<__m512>(m),
                                              reinterpret_cast<__m512>(c)));
  }
};
// Each instantiated in a function of its instruction set (the vector
// helpers above are inlined into it), which leaves AVX state clean.
#define RILL_PEAK(name, target_isa, V, Step)                             \
  template <int N>                                                       \
  __attribute__((target(target_isa))) double name(long iters) {          \
    const double r = peak_loop<V, N, Step>(iters);                       \
    _mm256_zeroupper();                                                  \
    return r;                                                            \
  }
RILL_PEAK(peak_avx2, "avx2", v8, MulAdd)
RILL_PEAK(peak_avx512, "avx512f", v16, MulAdd)
RILL_PEAK(peak_fma, "avx2,fma", v8, Fma8)
RILL_PEAK(peak_fma512, "avx512f,fma", v16, Fma16)
#undef RILL_PEAK
#endif

// GFLOP/s of one thread with fn(iters) running `chains` chains of `lanes` lanes.
template <class F>
double peak_of(F fn, int chains, int lanes) {
  volatile double sink = 0;
  const long iters = 1 << 15;
  // Many short rounds: a median of 5 rounds of 50 ms on a loaded machine
  // (2 cores, load 5-12) read 35-39 GFLOP/s on a Zen 3 whose multiply-add
  // loop runs at about 80 when it has the core.
  const double secs = fastest_time([&] { sink = sink + fn(iters); }, 40, 0.002);
  return 2.0 * chains * lanes * iters / secs / 1e9;
}

// The peak of one thread for the widest vectors gemm uses at `level`, and the
// operations it uses (mul + add; fused in an FMA build).
double measure_peak(rill::Simd level) {
  const bool fused = std::strstr(rill::gemm_variant(level), "fma") != nullptr;
  double best = 0;
  auto take = [&](double g) { best = std::max(best, g); };
  switch (level) {
#if defined(__x86_64__) && defined(__GNUC__)
    case rill::Simd::avx512:
      if (fused) {
        take(peak_of(peak_fma512<8>, 8, 16));
        take(peak_of(peak_fma512<12>, 12, 16));
        take(peak_of(peak_fma512<16>, 16, 16));
      } else {
        take(peak_of(peak_avx512<8>, 8, 16));
        take(peak_of(peak_avx512<12>, 12, 16));
        take(peak_of(peak_avx512<16>, 16, 16));
      }
      return best;
    case rill::Simd::avx2:
      if (fused) {
        take(peak_of(peak_fma<8>, 8, 8));
        take(peak_of(peak_fma<12>, 12, 8));
      } else {
        take(peak_of(peak_avx2<8>, 8, 8));
        take(peak_of(peak_avx2<12>, 12, 8));
        take(peak_of(peak_avx2<14>, 14, 8));
      }
      return best;
#endif
    case rill::Simd::scalar:
      return peak_of(peak_v4<8>, 8, 4) / 4;  // the scalar loops: one lane (an upper bound)
    default:
      take(peak_of(peak_v4<8>, 8, 4));
      take(peak_of(peak_v4<12>, 12, 4));
      return best;
  }
}

// The loop measure_peak times at `level` with 12 chains, for the threads'
// comparison (bench_threads.h): the machine's own two-thread figure.
ArithmeticLoop arithmetic_loop(rill::Simd level) {
  const bool fused = std::strstr(rill::gemm_variant(level), "fma") != nullptr;
  switch (level) {
#if defined(__x86_64__) && defined(__GNUC__)
    case rill::Simd::avx512:
      return fused ? peak_fma512<12> : peak_avx512<12>;
    case rill::Simd::avx2:
      return fused ? peak_fma<12> : peak_avx2<12>;
#endif
    default:
      return peak_v4<12>;
  }
}

// A model file for the benchmark: the shipped default-size model, or random weights of that shape.
std::vector<unsigned char> default_model_bytes() {
  const rill::MlpSpec spec = rill::MlpSpec::make(2, 128, 3);
  std::vector<float> params(spec.param_count());
  rill::Rng rng(1, 1);
  rill::mlp_init(spec, params.data(), rng);
  rill::Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  std::vector<unsigned char> bytes(rill::model_file_size(mlp, 0.0f, nullptr, 0));
  size_t written = 0;
  rill::model_write(mlp, 0.0f, nullptr, 0, bytes.data(), bytes.size(), &written, nullptr);
  return bytes;
}

// Seconds per training step of the default architecture on moons at `level`.
double time_training(rill::Simd level, int batch, int threads, int reps, double min_s) {
  const rill::MlpSpec spec = rill::MlpSpec::make(rill::kDatasetDim);
  rill::TrainConfig cfg;
  cfg.batch = batch;
  cfg.simd = level;
  const rill::DataSource data = rill::DataSource::builtin(rill::Dataset::moons);
  rill::Message msg;
  std::vector<unsigned char> mem(rill::Trainer::memory_bytes(spec, cfg) + rill::Arena::kAlign);
  rill::Arena arena(mem.data(), mem.size());
  rill::Trainer trainer;
  if (trainer.init(spec, cfg, data, arena, &msg) != rill::Status::ok) runtime_error("%s", msg.text);
  rill::ThreadPool pool(threads);
  trainer.set_executor(&pool);
  return fastest_time([&] { trainer.step(); }, reps, min_s);
}

// Log-likelihood against sampling at the same solver, steps and batch, one
// thread (issue 13: log p should cost at most (d + 1)× a sample, the exact
// divergence being d Jacobian-vector products per field evaluation).
struct LogpVsSample {
  int batch = 256, steps = 32;
  double sample_per_s = 0, logp_per_s = 0;  // points per second
  double ratio() const { return sample_per_s / logp_per_s; }  // time of log p over time of a sample
};

// On a shared machine the load drifts between two timings and only ever adds
// time, so the two are timed in alternation, `reps` rounds, and each keeps its
// fastest round.
LogpVsSample time_logp(rill_model* model, int steps, int reps, double min_s) {
  LogpVsSample r;
  r.steps = steps;
  const int d = model->model.mlp.spec.dim;
  std::vector<float> x(static_cast<size_t>(r.batch) * d), logp(static_cast<size_t>(r.batch));
  rill_model_set_threads(model, 1);
  const rill::MlpDivergenceField field(model->model.mlp);
  std::vector<unsigned char> mem(rill::log_prob_scratch(field, rill::Solver::rk4, r.batch) + rill::Arena::kAlign);
  rill::Arena arena(mem.data(), mem.size());
  rill::Status st = rill::Status::ok;
  double sample_best = 1e300, logp_best = 1e300;
  for (int i = 0; i < reps; ++i) {
    const double sample_s = fastest_time(
        [&] { rill_sample(model, r.batch, r.steps, RILL_RK4, 1, x.data(), nullptr); }, 1, min_s);
    const double logp_s = fastest_time(
        [&] { st = rill::log_prob(field, rill::Solver::rk4, r.steps, x.data(), r.batch, 1.0f, logp.data(), arena); },
        1, min_s);
    sample_best = std::min(sample_best, sample_s);
    logp_best = std::min(logp_best, logp_s);
  }
  if (st != rill::Status::ok) runtime_error("log-likelihood failed: %s", rill::status_message(st));
  r.sample_per_s = r.batch / sample_best;
  r.logp_per_s = r.batch / logp_best;
  return r;
}

struct Row {
  std::string what;
  int batch, threads;
  double per_second;  // evaluations (sampling) or steps (training)
  double gflops;
};

int run_bench(const Args& args) {
  const bool json = args.has("--json");
  const bool quick = args.has("--quick");
  const int max_threads = static_cast<int>(args.integer("--threads", 1, 64));
  const int reps = quick ? 8 : 20;
  const double min_s = quick ? 0.005 : 0.01;
  const std::string want = args.choice("--simd", {"best", "avx512", "avx2", "vec4", "scalar"});
  const rill::Simd level = want == "avx512" ? rill::Simd::avx512
                           : want == "avx2" ? rill::Simd::avx2
                           : want == "vec4" ? rill::Simd::vec4
                           : want == "scalar" ? rill::Simd::scalar
                                              : rill::simd_best();
  if (static_cast<int>(level) > static_cast<int>(rill::simd_best()))
    args.fail("--simd %s: this CPU or build has at most %s", want.c_str(), rill::gemm_variant(rill::simd_best()));

  std::vector<unsigned char> bytes;
  std::string model_name = "default (width 128, depth 3, raw t, random weights)";
  if (args.has("--model")) {
    const auto m = load_model(args.text("--model"), false);  // found, read and validated (not packed: the C API does)
    if (m->is_formula())
      runtime_error("'%s' is a formula model; bench measures model files (formula models have no weights)",
                    m->path.c_str());
    bytes.assign(m->file.bytes, m->file.bytes + m->file.size);
    model_name = m->path;
  } else {
    bytes = default_model_bytes();
  }
  rill_model* model = nullptr;
  char err[256] = "";
  if (rill_model_open(bytes.data(), bytes.size(), &model, err, sizeof err) != RILL_OK)
    runtime_error("%s", err);
  model->model.mlp.simd = level;  // its kernels' instruction set (the packed weights are the same at every level)
  rill_model_info info;
  rill_model_get_info(model, &info);
  const double flops = info.flops;

  const double peak = measure_peak(level);
  std::vector<Row> rows;
  std::vector<int> thread_counts = {1};
  if (max_threads >= 2) thread_counts.push_back(2);
  if (max_threads > 2) thread_counts.push_back(max_threads);

  const std::vector<int> batches = quick ? std::vector<int>{1, 256, 4096} : std::vector<int>{1, 16, 256, 4096, 65536};
  std::vector<float> out;
  for (int threads : thread_counts) {
    rill_model_set_threads(model, threads);
    for (int batch : batches) {
      // Euler steps per call: enough work per call that the set-up (noise draws) is a small part,
      // and calls short enough (~20,000 evaluations, about 20 ms) that some rounds have the core.
      const int steps = std::max(1, std::min(100, static_cast<int>(20000 / batch)));
      out.resize(static_cast<size_t>(batch) * info.dim);
      const double secs = fastest_time(
          [&] { rill_sample(model, batch, steps, RILL_EULER, 1, out.data(), nullptr); }, reps, min_s);
      const double evals = static_cast<double>(batch) * steps / secs;
      rows.push_back({"sample", batch, threads, evals, evals * flops / 1e9});
    }
  }
  // A step-conditioned model has no log-density (formats.md): no log p figures for it.
  const bool density = info.step_k < 0;
  const LogpVsSample lp = density ? time_logp(model, quick ? 4 : 32, reps, min_s) : LogpVsSample();
  rill_model_set_threads(model, 1);

  // Training: default model, CFM + Adam on moons (the C API's rill_trainer_new
  // with its defaults, here through the core so that the level can be set).
  for (int threads : thread_counts) {
    for (int batch : {256, 4096}) {
      const double secs = time_training(level, batch, threads, reps, min_s);
      // forward + backward (weights and inputs of the hidden layers): about 3× a forward pass
      rows.push_back({"train", batch, threads, 1.0 / secs, 3.0 * flops * batch / secs / 1e9});
    }
  }
  rill_model_free(model);
  ThreadScaling scaling;
  if (max_threads >= 2)
    scaling = measure_thread_scaling(bytes.data(), bytes.size(), level, max_threads, quick, arithmetic_loop(level));

  if (json) {
    std::printf("{\"model\": \"%s\", \"flops_per_eval\": %.0f, \"kernel\": \"%s\", \"peak_gflops_1thread\": %.2f, "
                "\"results\": [",
                model_name.c_str(), flops, rill::gemm_variant(level), peak);
    for (size_t i = 0; i < rows.size(); ++i)
      std::printf("%s\n  {\"what\": \"%s\", \"batch\": %d, \"threads\": %d, \"per_second\": %.1f, \"gflops\": %.3f, "
                  "\"peak_fraction\": %.4f}",
                  i ? "," : "", rows[i].what.c_str(), rows[i].batch, rows[i].threads, rows[i].per_second,
                  rows[i].gflops, rows[i].gflops / (peak * rows[i].threads));
    if (density)
      std::printf("\n], \"logp_vs_sample\": {\"solver\": \"rk4\", \"steps\": %d, \"batch\": %d, \"threads\": 1, "
                  "\"sample_points_per_second\": %.1f, \"logp_points_per_second\": %.1f, \"ratio\": %.3f, "
                  "\"bound\": %d}",
                  lp.steps, lp.batch, lp.sample_per_s, lp.logp_per_s, lp.ratio(), info.dim + 1);
    else
      std::printf("\n], \"logp_vs_sample\": null");
    if (max_threads >= 2) {
      std::printf(", \"thread_scaling\": ");
      print_thread_scaling(scaling, true);
    }
    std::printf("}\n");
    return 0;
  }
  std::printf("model      %s, %.0f FLOP per field evaluation\n", model_name.c_str(), flops);
  std::printf("kernel     %s; measured peak %.1f GFLOP/s per thread (%s)\n", rill::gemm_variant(level), peak,
              std::strstr(rill::gemm_variant(level), "fma") ? "fused multiply-add" : "mul + add, no FMA");
  std::printf("\n%-8s %7s %7s %16s %9s %8s\n", "", "batch", "threads", "per second", "GFLOP/s", "of peak");
  for (const Row& r : rows)
    std::printf("%-8s %7d %7d %13.0f %-2s %9.2f %7.1f%%\n", r.what.c_str(), r.batch, r.threads, r.per_second,
                r.what == "sample" ? "ev" : "st", r.gflops, 100.0 * r.gflops / (peak * r.threads));
  std::printf("\nsample: field evaluations per second (Euler); train: CFM + Adam steps per second on moons.\n");
  if (density)
    std::printf("\nlog p vs sample (rk4, %d steps, batch %d, 1 thread): %.0f points/s against %.0f: log p costs %.2fx a "
                "sample (bound d + 1 = %d)\n",
                lp.steps, lp.batch, lp.logp_per_s, lp.sample_per_s, lp.ratio(), info.dim + 1);
  else
    std::printf("\nlog p vs sample: - (a step-conditioned model has no log-density)\n");
  if (max_threads >= 2) print_thread_scaling(scaling, false);
  return 0;
}

}  // namespace

const Command& bench_command() {
  static const Command c{
      "bench",
      "measure sampling and training speed, and the fraction of this machine's peak",
      "bench [--model MODEL] [--threads N] [--simd LEVEL] [--quick] [--json]",
      "Samples with Euler at batches 1, 16, 256, 4096 and 65536 and trains (CFM + Adam on\n"
      "moons) at batches 256 and 4096, on one thread and on two (and on --threads N when\n"
      "N > 2). Prints field evaluations (or steps) per second, GFLOP/s, and the fraction of\n"
      "the peak measured here by a multiply-and-add loop. Each figure is the fastest of\n"
      "many short timed runs (other processes only ever add time); machines that share\n"
      "cores are still noisy, so compare ratios taken in one run. The model defaults to\n"
      "the default architecture with random weights.\n"
      "--simd sets the kernels' instruction set, to compare them: avx512, avx2 (x86-64),\n"
      "vec4 (SSE2 / SIMD128 / NEON), scalar. In the default build every level gives the\n"
      "same bits; in a RILL_FMA build the fused levels (avx512, avx2) differ from the rest.\n"
      "Last, log-likelihood (rill logp: exact divergence) against sampling at the same solver\n"
      "and steps (RK4, 32 steps, 4 with --quick; batch 256; one thread), timed in alternation\n"
      "(the fastest of several rounds each): points per second and their ratio, beside the\n"
      "bound d + 1 (3 in 2-D).\n"
      "Then N threads (--threads, default 2) against one, timed round by round in alternation\n"
      "(sampling at batches 256, 4096 and 65536, training at 256 and 4096): each side's fastest\n"
      "round and their ratio, beside the machine's own ratio in the same rounds (a loop of\n"
      "independent multiplies and adds on N threads at once against one: on a virtual machine\n"
      "whose threads share a core it is well under N); the thread pool's own figures, which do\n"
      "not depend on the load: joins (pool runs) per training step, the cost of one join, and the\n"
      "serial share of a training step (its CPU time outside the joins, the split run in turn on\n"
      "one thread) with the bound it sets on N threads; and where a training step on N threads\n"
      "goes: the workers' share of it in tasks, and how much longer its tasks take side by side\n"
      "than in turn on one thread; and N independent one-thread trainers side by side against one\n"
      "alone (the machine's ratio for the training work itself, caches and memory included).\n",
      {
          {"--model", "MODEL", nullptr, "model file or shipped model name (default: random default-size model)"},
          {"--threads", "N", "2", "largest thread count to measure (1 .. 64)"},
          {"--simd", "LEVEL", "best", "kernels' instruction set: best, avx512, avx2, vec4 or scalar"},
          {"--quick", nullptr, nullptr, "fewer batches and shorter timings"},
          {"--json", nullptr, nullptr, "print one JSON object"},
      },
      run_bench};
  return c;
}

}  // namespace cli
