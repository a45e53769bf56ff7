// The lean path for compiled models (rill.h: rill_compiled_check and
// rill_compiled_sample_*): sampling straight from a rill_compiled_model, one
// point at a time, for the smallest firmware. Why it exists beside
// rill_model_init_compiled + rill_sample: the C API's run path serves every
// option (conditions and guidance, dataset sources, chunks, threads, the
// density flags), and each of them is code a firmware links whether it uses
// it or not; the activations behind one run-time switch link tanh and erf
// into a SiLU model. Here the activation is a template argument, chosen by
// the name the caller (the header `export-c --compiled` writes) calls, so
// the linker keeps only the model's own. The arithmetic is the run path's,
// operation for operation (rill_sample's draws, solver.cpp's steps,
// mlp_forward's layers, kernels.h's madd, narrow.cpp's widening,
// activation.cpp's functions): the same bits, which the tests and
// `make mcu-test` hold it to.
#ifndef __EMSCRIPTEN__  // rill.h declares the lean path for native and firmware builds only
#include <cstdint>
#include <cstring>

#include "rill/capi.h"
#include "rill/capi_compiled.h"
#include "rill/kernels.h"
#include "rill/mathf.h"
#include "rill/mathf_vec.h"
#include "rill/mlp.h"
#include "rill/narrow.h"
#include "rill/rng.h"

using namespace rill;

namespace {

// activation.cpp's activate(), one activation per instantiation.
template <int A>
float act(float z) {
  constexpr float kSqrtHalf = 0.70710678118654752f, kSqrt2OverPi = 0.79788456080286536f, kGeluC = 0.044715f;
  if constexpr (A == RILL_SILU) {
    return mathf::vec::silu<float, std::uint32_t>(z);
  } else if constexpr (A == RILL_RELU) {
    return z > 0.0f ? z : 0.0f;
  } else if constexpr (A == RILL_TANH) {
    return mathf::tanh(z);
  } else if constexpr (A == RILL_GELU) {
    return 0.5f * z * (1.0f + mathf::erf(z * kSqrtHalf));
  } else {
    const float u = kSqrt2OverPi * (z + kGeluC * z * z * z);
    return 0.5f * z * (1.0f + mathf::tanh(u));
  }
}

float load32(const unsigned char* p, std::size_t i) {
  float f;
  std::memcpy(&f, p + 4 * i, sizeof f);
  return f;
}
std::uint16_t load16(const unsigned char* p, std::size_t i) {
  return static_cast<std::uint16_t>(p[2 * i] | (p[2 * i + 1] << 8));
}
// A narrow weight or bias widened as narrow.cpp widens it (F16/BF16 exactly, I8 as q × scale).
float widen(int dtype, const unsigned char* p, std::size_t i, float scale) {
  if (dtype == RILL_I8) return static_cast<float>(static_cast<signed char>(p[i])) * scale;
  const std::uint16_t h = load16(p, i);
  return dtype == RILL_F16 ? f16_to_f32(h) : bf16_to_f32(h);
}

// Layer i of one point: y[j] = b[j] + Σ_k x[k]·W[j][k] in index order (linear_ref, linear_narrow).
void layer(const rill_compiled_model* c, int i, const float* x, float* y) {
  const int fin = c->sizes[i], fout = c->sizes[i + 1], dt = c->dtype;
  const unsigned char* w = static_cast<const unsigned char*>(c->weight[i]);
  const unsigned char* b = static_cast<const unsigned char*>(c->bias[i]);
  for (int j = 0; j < fout; ++j) {
    const std::size_t row = static_cast<std::size_t>(j) * static_cast<std::size_t>(fin);
    const bool half = dt == RILL_F16 || dt == RILL_BF16;
    float acc = half ? widen(dt, b, static_cast<std::size_t>(j), 1.0f) : load32(b, static_cast<std::size_t>(j));
    if (dt == RILL_F32) {
      const float* wf = static_cast<const float*>(c->weight[i]) + row;
      for (int k = 0; k < fin; ++k) acc = madd(acc, x[k], wf[k]);
    } else {
      const float scale = dt == RILL_I8 ? c->scale[i][j] : 1.0f;
      for (int k = 0; k < fin; ++k) acc = madd(acc, x[k], widen(dt, w, row + static_cast<std::size_t>(k), scale));
    }
    y[j] = acc;
  }
}

// The scratch of one point: the input row, two layers' outputs, the solver's three stage buffers.
struct Scratch {
  float* in;
  float* a;
  float* b;
  float* k1;
  float* k2;
  float* tmp;
};

// mlp_forward of one point at time t, a step-conditioned model at step length h (a condition, if
// the model has one, is zeros: no condition).
template <int A>
void field(const rill_compiled_model* c, const Scratch& s, const float* x, float t, float h, float* out) {
  const int d = c->dim, L = c->layers;
  for (int q = 0; q < d; ++q) s.in[q] = x[q];
  const TimeEmbedding time{c->time_k};
  time.embed(t, s.in + d);
  int q = d + time.features();
  if (c->step_k >= 0) {
    const TimeEmbedding step{c->step_k};
    step.embed(h, s.in + q);
    q += step.features();
  }
  for (; q < c->sizes[0]; ++q) s.in[q] = 0.0f;
  const float* cur = s.in;
  for (int i = 0; i < L; ++i) {
    float* dst = i == L - 1 ? out : cur == s.a ? s.b : s.a;
    layer(c, i, cur, dst);
    if (i < L - 1)
      for (int j = 0; j < c->sizes[i + 1]; ++j) dst[j] = act<A>(dst[j]);
    cur = dst;
  }
}

// integrate() from t = 0 to 1 of one point x, solver.cpp's step() operation for operation.
template <int A>
void integrate_point(const rill_compiled_model* c, const Scratch& s, int solver, int steps, float* x) {
  const int m = c->dim;
  float *k1 = s.k1, *k2 = s.k2, *tmp = s.tmp;
  const float h = (1.0f - 0.0f) / static_cast<float>(steps);
  for (int st = 0; st < steps; ++st) {
    const float t = 0.0f + static_cast<float>(st) * h, half = 0.5f * h;
    field<A>(c, s, x, t, h, k1);
    if (solver == RILL_EULER) {
      for (int q = 0; q < m; ++q) x[q] = x[q] + h * k1[q];
    } else if (solver == RILL_MIDPOINT) {
      for (int q = 0; q < m; ++q) k1[q] = x[q] + half * k1[q];
      field<A>(c, s, k1, t + half, h, k2);
      for (int q = 0; q < m; ++q) x[q] = x[q] + h * k2[q];
    } else if (solver == RILL_HEUN) {
      for (int q = 0; q < m; ++q) tmp[q] = x[q] + h * k1[q];
      field<A>(c, s, tmp, t + h, h, k2);
      for (int q = 0; q < m; ++q) x[q] = x[q] + half * (k1[q] + k2[q]);
    } else {  // rk4; k2 is the running sum k1 + 2·k2 + 2·k3 + k4
      for (int q = 0; q < m; ++q) { k2[q] = k1[q]; tmp[q] = x[q] + half * k1[q]; }
      field<A>(c, s, tmp, t + half, h, k1);
      for (int q = 0; q < m; ++q) { k2[q] = k2[q] + 2.0f * k1[q]; tmp[q] = x[q] + half * k1[q]; }
      field<A>(c, s, tmp, t + half, h, k1);
      for (int q = 0; q < m; ++q) { k2[q] = k2[q] + 2.0f * k1[q]; tmp[q] = x[q] + h * k1[q]; }
      field<A>(c, s, tmp, t + h, h, k1);
      const float h6 = h / 6.0f;
      for (int q = 0; q < m; ++q) x[q] = x[q] + h6 * (k2[q] + k1[q]);
    }
  }
}

template <int A>
int sample(const rill_compiled_model* c, int n, int steps, int solver, std::uint32_t seed, float* out, void* scratch,
           std::size_t bytes) {
  if (c == nullptr) return RILL_INVALID_ARGUMENT;
  const Status st = compiled_check(c, false, nullptr, 0);
  if (st != Status::ok) return static_cast<int>(st);
  if (c->activation != A) return RILL_BAD_METADATA;
  if (c->source != -1) return RILL_UNSUPPORTED;
  if (out == nullptr || n < 0 || steps < 1 || solver < RILL_EULER || solver > RILL_RK4 || scratch == nullptr ||
      reinterpret_cast<std::uintptr_t>(scratch) % alignof(float) != 0 ||
      bytes / sizeof(float) < compiled_sample_floats(c))
    return RILL_INVALID_ARGUMENT;
  int widest = 0;
  for (int i = 1; i < c->layers; ++i) widest = c->sizes[i] > widest ? c->sizes[i] : widest;
  Scratch s;
  s.in = static_cast<float*>(scratch);
  s.a = s.in + c->sizes[0];
  s.b = s.a + widest;
  s.k1 = s.b + widest;
  s.k2 = s.k1 + c->dim;
  s.tmp = s.k2 + c->dim;
  // rill_sample's draws: all of x0 first, from the sampling stream of `seed`.
  Rng noise = Rng::derive(seed, Purpose::sample_noise);
  fill_normal(simd_best(), noise, out, static_cast<long>(n) * c->dim);
  for (int p = 0; p < n; ++p) integrate_point<A>(c, s, solver, steps, out + static_cast<std::ptrdiff_t>(p) * c->dim);
  return RILL_OK;
}

}  // namespace

extern "C" {

int rill_compiled_check(const rill_compiled_model* c, size_t* scratch_bytes, char* err, size_t err_cap) {
  if (c == nullptr || scratch_bytes == nullptr) {
    if (err != nullptr && err_cap > 0) copy_text("null argument", err, err_cap);
    return RILL_INVALID_ARGUMENT;
  }
  const Status st = compiled_check(c, true, err, err_cap);
  if (st != Status::ok) return static_cast<int>(st);
  if (c->source != -1) {
    if (err != nullptr && err_cap > 0)
      copy_text("the lean path samples Gaussian noise only (source -1): place this model with rill_model_init_compiled",
                err, err_cap);
    return RILL_UNSUPPORTED;
  }
  *scratch_bytes = compiled_sample_floats(c) * sizeof(float);
  return RILL_OK;
}

#define RILL_LEAN_SAMPLE(NAME, A)                                                                                  \
  int NAME(const rill_compiled_model* c, int n, int steps, int solver, uint32_t seed, float* out, void* scratch,   \
           size_t bytes) {                                                                                         \
    return sample<A>(c, n, steps, solver, seed, out, scratch, bytes);                                              \
  }
RILL_LEAN_SAMPLE(rill_compiled_sample_silu, RILL_SILU)
RILL_LEAN_SAMPLE(rill_compiled_sample_relu, RILL_RELU)
RILL_LEAN_SAMPLE(rill_compiled_sample_tanh, RILL_TANH)
RILL_LEAN_SAMPLE(rill_compiled_sample_gelu, RILL_GELU)
RILL_LEAN_SAMPLE(rill_compiled_sample_gelu_tanh, RILL_GELU_TANH)
#undef RILL_LEAN_SAMPLE

}  // extern "C"
#endif  // __EMSCRIPTEN__
