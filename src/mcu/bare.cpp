// bare.cpp — what sampling costs without the model loader (make mcu-size).
//
// Not a recommended way to use rill: it skips every check of the model file.
// It binds the Mlp straight to the data buffer of a file rill wrote (tensors in
// layer order, W0 b0 W1 b1 ..., so the buffer is the canonical parameter
// block) with the architecture `rill export-c` wrote beside the bytes
// (demo_model.h: DEMO_MODEL_DIM, _WIDTH, _DEPTH, _TIME_K, _ACTIVATION), and
// samples through the C++ API
// (rill::integrate, one point at a time as rill_sample does with chunk 1).
// Linked against the demo's baseline, it measures the code of the sampling
// path alone: the Mlp forward pass with the model's time embedding, the
// solver, the random normals and the float functions. Its hash must equal
// the demo's: `make mcu-test` and `make mcu-size` check it against the native
// library's.
#include <stddef.h>
#include <stdint.h>

#include "demo_model.h"
#include "mcu/board.h"
#include "mcu/demo_settings.h"
#include "rill/field.h"
#include "rill/mlp.h"
#include "rill/rng.h"
#include "rill/solver.h"


namespace {
alignas(64) unsigned char mem[4096];
float out[DEMO_N * DEMO_MODEL_DIM];
}  // namespace

int main() {
  uint32_t header = 0;
  for (int i = 0; i < 4; ++i) header |= static_cast<uint32_t>(demo_model[i]) << (8 * i);
  rill::Mlp mlp;
  rill::TimeEmbedding time;
  time.k = DEMO_MODEL_TIME_K;
  mlp.spec = rill::MlpSpec::make(DEMO_MODEL_DIM, DEMO_MODEL_WIDTH, DEMO_MODEL_DEPTH, rill::Activation::DEMO_MODEL_ACTIVATION, time);
  mlp.bind(reinterpret_cast<const float*>(demo_model + 8 + header));
  const rill::MlpField field(mlp);
  rill::Arena arena(mem, sizeof mem);
  const uintptr_t top = board_stack_paint();
  // What rill_sample does with chunk 1: all of x0 from the seed's sampling stream, then one point at a time.
  rill::Rng rng = rill::Rng::derive(DEMO_SEED, rill::Purpose::sample_noise);
  rng.fill_normal(out, DEMO_N * DEMO_MODEL_DIM);
  for (int i = 0; i < DEMO_N; ++i)
    if (rill::integrate(field, static_cast<rill::Solver>(DEMO_SOLVER), DEMO_STEPS, out + DEMO_MODEL_DIM * i, 1, 0.0f, 1.0f,
                        arena) != rill::Status::ok)
      return 1;
  const uint32_t stack = board_stack_used(top);
  board_put("hash ");
  board_put_x64(board_fnv1a(out, sizeof out));
  board_put("\nbare arena ");
  board_put_u(static_cast<uint32_t>(arena.high_water()));
  board_put(" stack ");
  board_put_u(stack);
  board_put("\n");
  return 0;
}
