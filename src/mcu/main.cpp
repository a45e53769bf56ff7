// main.cpp — rill's demo firmware: a model in flash, a static arena, no heap.
//
// The model is the header `rill export-c` wrote at build time (demo_model,
// demo_model_len: the safetensors file as const bytes, parsed in place, so the
// weights are read straight from flash). The firmware asks rill how much RAM
// the model needs, places it in a static arena, draws DEMO_N samples and
// prints them over semihosting with their hash, the RAM it used (arena + the
// stack high-water mark, measured by painting the stack), then the
// log-likelihood of two points as an anomaly score (the first sample, a
// typical point, and a far one). Then it places a class-conditional model
// (demo_class_model.h, trained by the Makefile) in the same arena and prints,
// for every class K, the hash of DEMO_N samples of K under guidance
// DEMO_GUIDANCE (`class K hash H`: `rill sample --class K --guidance W`
// natively gives the same bits). It exits with 0, or with the rill status
// that went wrong.
//
// Built with -DRILL_DEMO_BASELINE, the rill calls are replaced by stubs: the
// same firmware without rill, to measure the code rill adds (make mcu-size).
#include <stddef.h>
#include <stdint.h>

#include "demo_class_model.h"
#include "demo_model.h"
#include "mcu/board.h"
#include "mcu/demo_settings.h"
#include "rill/rill.h"

#ifndef DEMO_CHUNK
#define DEMO_CHUNK 1  // points integrated at a time; 1 needs the least RAM and gives the same bits
#endif
#ifndef DEMO_ARENA_BYTES
#if defined(__ARM_ARCH_6M__)
#define DEMO_ARENA_BYTES 4096  // micro:bit (16 KiB of RAM): shipped moons, chunk 1 samples in 2304 bytes
#else
#define DEMO_ARENA_BYTES 8192  // moons, chunk 1, with RILL_DENSITY's scratch: 7872 bytes (`ram arena N`)
#endif
#endif
#define DEMO_MAX_DIM 2

alignas(64) static unsigned char arena[DEMO_ARENA_BYTES];
static float samples[DEMO_N * DEMO_MAX_DIM];

#ifdef RILL_DEMO_BASELINE
// Stubs with the API's signatures. They touch their arguments through an asm
// barrier, so the caller's code and the model array stay as in the real build.
namespace {
volatile int sink;
template <class T>
T* opaque(T* p) {
  __asm__ volatile("" : "+r"(p));
  return p;
}
}  // namespace
extern "C" {
int rill_model_memory(const void* file, size_t len, int chunk, int, size_t* bytes, char*, size_t) {
  *bytes = len / 64 + static_cast<size_t>(chunk) + sink;
  return sink + opaque(static_cast<const unsigned char*>(file))[len - 1];
}
int rill_model_init(void* mem, size_t, const void* file, size_t len, int, int, rill_model** out, char*, size_t) {
  *out = static_cast<rill_model*>(mem);
  return sink + opaque(static_cast<const unsigned char*>(file))[len / 2];
}
int rill_model_dim(const rill_model*) { return sink + 2; }
int rill_sample(rill_model*, int n, int, int, uint32_t seed, float* out, float*) {
  for (int i = 0; i < 2 * n; ++i) out[i] = static_cast<float>(seed + static_cast<uint32_t>(sink));
  return sink;
}
int rill_model_condition(const rill_model*, int* kind, int* width) {
  *kind = sink + RILL_CONDITION_CLASS;
  *width = sink + 2;
  return sink;
}
void rill_run_options_default(rill_run_options* o) { o->steps = sink; }
int rill_sample_with(rill_model*, int n, uint32_t seed, const rill_run_options* o, float* out, float*) {
  for (int i = 0; i < 2 * n; ++i) out[i] = static_cast<float>(seed + static_cast<uint32_t>(o->class_index));
  return sink;
}
const char* rill_status_name(int) { return "stub"; }
const char* rill_model_error(const rill_model*) { return "stub"; }
int rill_log_prob(rill_model*, const float* x, int n, const rill_run_options* o, float* logp) {
  for (int i = 0; i < n; ++i) logp[i] = x[2 * i] + static_cast<float>(o->steps);
  return sink;
}
}
#endif

namespace {
int failed(const char* what, int status, const char* err) {
  board_put("demo: ");
  board_put(what);
  board_put(": ");
  board_put(rill_status_name(status));
  board_put(": ");
  board_put(err);
  board_put("\n");
  return status;
}
// Places the class-conditional model in the arena (the first model is done with
// it) and prints the hash of DEMO_N guided samples of each class.
int demo_classes(char* err, size_t cap) {
  size_t need = 0;
  int st = rill_model_memory(demo_class_model, demo_class_model_len, DEMO_CHUNK, 0, &need, err, cap);
  if (st != RILL_OK) return failed("rill_model_memory (class model)", st, err);
  rill_model* model = nullptr;
  st = rill_model_init(arena, sizeof arena, demo_class_model, demo_class_model_len, DEMO_CHUNK, 0, &model, err, cap);
  if (st != RILL_OK) return failed("rill_model_init (class model)", st, err);
  int kind = 0, classes = 0;
  rill_model_condition(model, &kind, &classes);
  if (kind != RILL_CONDITION_CLASS || rill_model_dim(model) > DEMO_MAX_DIM)
    return failed("class model", 1, "not a class-conditional model of dimension <= DEMO_MAX_DIM");
  rill_run_options o;
  rill_run_options_default(&o);
  o.solver = DEMO_SOLVER;
  o.steps = DEMO_STEPS;
  o.guidance = DEMO_GUIDANCE;
  const size_t bytes = sizeof(float) * static_cast<size_t>(DEMO_N) * static_cast<size_t>(rill_model_dim(model));
  for (int k = 0; k < classes; ++k) {
    o.class_index = k;
    st = rill_sample_with(model, DEMO_N, DEMO_SEED, &o, samples, nullptr);
    if (st != RILL_OK) return failed("rill_sample_with (class model)", st, rill_model_error(model));
    board_put("class ");
    board_put_u(static_cast<uint32_t>(k));
    board_put(" hash ");
    board_put_x64(board_fnv1a(samples, bytes));
    board_put("\n");
  }
  board_put("ram class_arena ");
  board_put_u(static_cast<uint32_t>(need));
  board_put(" classes ");
  board_put_u(static_cast<uint32_t>(classes));
  board_put("\n");
  return 0;
}
}  // namespace

int main() {
  char err[128] = "";
  const uintptr_t top = board_stack_paint();

  // 1. How much RAM the model needs (the file is validated here, once).
  // With RILL_DENSITY the arena also holds log_prob's scratch; without room
  // for it the demo samples and leaves the log-likelihood out.
  size_t need = 0;
  int flags = RILL_DENSITY;
  int st = rill_model_memory(demo_model, demo_model_len, DEMO_CHUNK, flags, &need, err, sizeof err);
  if (st == RILL_OK && need > sizeof arena) {
    flags = 0;
    st = rill_model_memory(demo_model, demo_model_len, DEMO_CHUNK, flags, &need, err, sizeof err);
  }
  if (st != RILL_OK) return failed("rill_model_memory", st, err);
  if (need > sizeof arena) {
    board_put("demo: the model needs ");
    board_put_u(static_cast<uint32_t>(need));
    board_put(" bytes of arena; build with -DDEMO_ARENA_BYTES=");
    board_put_u(static_cast<uint32_t>(need));
    board_put("\n");
    return 2;
  }
  // 2. Place it: the weights stay in flash, the arena holds the handle and scratch.
  rill_model* model = nullptr;
  st = rill_model_init(arena, sizeof arena, demo_model, demo_model_len, DEMO_CHUNK, flags, &model, err,
                       sizeof err);
  if (st != RILL_OK) return failed("rill_model_init", st, err);
  const int d = rill_model_dim(model);
  if (d > DEMO_MAX_DIM) return failed("model dimension", 1, "more than DEMO_MAX_DIM");
  const uint32_t stack_init = board_stack_used(top);

  // 3. Sample: x0 ~ N(0, I) from the seed, integrated from t = 0 to 1.
  board_stack_paint();
  st = rill_sample(model, DEMO_N, DEMO_STEPS, DEMO_SOLVER, DEMO_SEED, samples, nullptr);
  if (st != RILL_OK) return failed("rill_sample", st, rill_model_error(model));
  const uint32_t stack_sample = board_stack_used(top);

  for (int i = 0; i < DEMO_N; ++i) {
    board_put("sample ");
    board_put_u(static_cast<uint32_t>(i));
    for (int j = 0; j < d; ++j) {
      board_put(" ");
      board_put_f(samples[i * d + j], 6);
    }
    board_put("\n");
  }
  board_put("hash ");
  board_put_x64(board_fnv1a(samples, sizeof(float) * static_cast<size_t>(DEMO_N) * static_cast<size_t>(d)));
  board_put("\nram arena ");
  board_put_u(static_cast<uint32_t>(need));
  board_put(" stack_init ");
  board_put_u(stack_init);
  board_put(" stack_sample ");
  board_put_u(stack_sample);
  board_put("\nflash model ");
  board_put_u(static_cast<uint32_t>(demo_model_len));
  board_put("\n");

  // 4. Log-likelihood (exact divergence, RK4, 16 steps back to t = 0): an
  // anomaly score, low for a point far from the data.
  if (flags == 0) {
    board_put("logp skipped: the arena has no room for RILL_DENSITY's scratch\n");
  } else {
    float points[2 * DEMO_MAX_DIM] = {};
    for (int j = 0; j < d; ++j) points[j] = samples[j], points[d + j] = 6.0f;
    float logp[2];
    rill_run_options o;
    rill_run_options_default(&o);
    o.solver = RILL_RK4;
    o.steps = 16;
    st = rill_log_prob(model, points, 2, &o, logp);
    if (st != RILL_OK) return failed("rill_log_prob", st, rill_model_error(model));
    board_put("logp sample 0 ");
    board_put_f(logp[0], 4);
    board_put(" nats, far point (6, 6) ");
    board_put_f(logp[1], 4);
    board_put(" nats, hash ");
    board_put_x64(board_fnv1a(logp, sizeof logp));
    board_put("\n");
  }

  // 5. A class-conditional model, class by class.
  return demo_classes(err, sizeof err);
}
