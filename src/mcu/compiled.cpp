// compiled.cpp — the demo's samples from a compiled model (make mcu-size, make mcu-test).
//
// The model is the header `rill export-c --compiled` wrote at build time
// (compiled_model: a rill_compiled_model and its const weight arrays), placed
// with rill_model_init_compiled and sampled through the C API with the
// demo's settings, so its hash must equal the demo's (the file model's) on
// every target. It links no loader: `make mcu-size` reports its code from the
// map file (the rill objects kept, none of model_io, safetensors_header,
// decimal), the set-up stack and the RAM to sample (arena + sampling stack).
// Built with -DCOMPILED_CHECKS (compiled_check.elf) it also places a copy
// with one changed checksum bit and one with a changed weight pointer and
// expects RILL_BAD_TENSOR with a message (`check ...` lines).
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rill/rill.h"
#include "compiled_model.h"
#include "mcu/board.h"
#include "mcu/demo_settings.h"

namespace {
alignas(64) unsigned char arena[3072];
float out[DEMO_N * 2];

#ifdef COMPILED_CHECKS
// A damaged copy of the model must be refused with RILL_BAD_TENSOR and a message naming the checksum.
int refused(const rill_compiled_model& bad, const char* what) {
  char err[160] = "";
  rill_model* m = nullptr;
  const int st = rill_model_init_compiled(arena, sizeof arena, &bad, 1, 0, &m, err, sizeof err);
  const bool ok = st == RILL_BAD_TENSOR && m == nullptr && strstr(err, "checksum") != nullptr;
  board_put(ok ? "check ok " : "check FAIL ");
  board_put(what);
  board_put(": ");
  board_put(rill_status_name(st));
  board_put(": ");
  board_put(err);
  board_put("\n");
  return ok ? 0 : 1;
}
int checks() {
  static rill_compiled_model bad;
  bad = compiled_model;
  bad.checksum ^= 1u;
  int failed = refused(bad, "checksum bit flipped");
  bad = compiled_model;
  bad.weight[0] = compiled_model.weight[1];  // weights out of step with the checksum
  failed += refused(bad, "layer 0's weights swapped");
  return failed;
}
#endif
}  // namespace

int main() {
#ifdef COMPILED_CHECKS
  if (checks() != 0) return 3;
#endif
  char err[128] = "";
  rill_model* m = nullptr;
  const uintptr_t top = board_stack_paint();
  int st = rill_model_init_compiled(arena, sizeof arena, &compiled_model, 1, 0, &m, err, sizeof err);
  const uint32_t stack_init = board_stack_used(top);
  if (st != RILL_OK) {
    board_put("init: ");
    board_put(err);
    board_put("\n");
    return st;
  }
  size_t need = 0;
  rill_model_memory_compiled(&compiled_model, 1, 0, &need, err, sizeof err);
  board_stack_paint();
  st = rill_sample(m, DEMO_N, DEMO_STEPS, DEMO_SOLVER, DEMO_SEED, out, nullptr);
  const uint32_t stack_sample = board_stack_used(top);
  if (st != RILL_OK) return st;
  board_put("hash ");
  board_put_x64(board_fnv1a(out, sizeof out));
  board_put("\ncompiled arena ");
  board_put_u(static_cast<uint32_t>(need));
  board_put(" stack_init ");
  board_put_u(stack_init);
  board_put(" stack_sample ");
  board_put_u(stack_sample);
  board_put("\n");
  return 0;
}
