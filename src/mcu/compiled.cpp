// compiled.cpp — the demo's samples from a compiled model (make mcu-size, make mcu-test).
//
// The model is the header `rill export-c --compiled` wrote at build time
// (compiled_model: a rill_compiled_model and its const weight arrays; the
// Makefile builds it from the F32 moons and, for compiled_i8*.elf, from moons
// converted to I8). By default it samples through the lean path
// (rill_compiled_check once, then compiled_model_sample(), which calls the
// model's own rill_compiled_sample_<activation>); built with -DCOMPILED_PLACED
// it places the model with rill_model_init_compiled and samples with
// rill_sample instead. Either way its hash must equal the demo's (the file
// model's, from the native library) on every target. It links no loader:
// `make mcu-size` reports its code from the map file (the rill objects kept,
// none of model_io, safetensors_header, decimal), the set-up stack and the
// RAM to sample (scratch or arena + sampling stack).
// Built with -DCOMPILED_CHECKS (compiled_check*.elf) it also hands both paths a
// copy with one changed checksum bit and one with a changed weight pointer and
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
// A damaged copy of the model must be refused with RILL_BAD_TENSOR and a message naming the checksum,
// by rill_model_init_compiled and by rill_compiled_check.
int refused(const rill_compiled_model& bad, const char* what) {
  int failed = 0;
  for (int lean = 0; lean < 2; ++lean) {
    char err[160] = "";
    rill_model* m = nullptr;
    size_t bytes = 0;
    const int st = lean ? rill_compiled_check(&bad, &bytes, err, sizeof err)
                        : rill_model_init_compiled(arena, sizeof arena, &bad, 1, 0, &m, err, sizeof err);
    const bool ok = st == RILL_BAD_TENSOR && m == nullptr && strstr(err, "checksum") != nullptr;
    board_put(ok ? "check ok " : "check FAIL ");
    board_put(lean ? "rill_compiled_check, " : "rill_model_init_compiled, ");
    board_put(what);
    board_put(": ");
    board_put(rill_status_name(st));
    board_put(": ");
    board_put(err);
    board_put("\n");
    failed += ok ? 0 : 1;
  }
  return failed;
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

#ifdef COMPILED_PLACED
// rill_model_init_compiled + rill_sample; *need: the arena rill_model_memory_compiled asks for.
int sample(uint32_t* stack_init, size_t* need, uintptr_t top) {
  char err[128] = "";
  rill_model* m = nullptr;
  int st = rill_model_init_compiled(arena, sizeof arena, &compiled_model, 1, 0, &m, err, sizeof err);
  *stack_init = board_stack_used(top);
  if (st != RILL_OK) {
    board_put("init: ");
    board_put(err);
    board_put("\n");
    return st;
  }
  rill_model_memory_compiled(&compiled_model, 1, 0, need, err, sizeof err);
  board_stack_paint();
  return rill_sample(m, DEMO_N, DEMO_STEPS, DEMO_SOLVER, DEMO_SEED, out, nullptr);
}
#else
// rill_compiled_check once, then the lean path; *need: the scratch it asks for.
int sample(uint32_t* stack_init, size_t* need, uintptr_t top) {
  char err[128] = "";
  int st = rill_compiled_check(&compiled_model, need, err, sizeof err);
  *stack_init = board_stack_used(top);
  if (st != RILL_OK) {
    board_put("check: ");
    board_put(err);
    board_put("\n");
    return st;
  }
  board_stack_paint();
  return compiled_model_sample(DEMO_N, DEMO_STEPS, DEMO_SOLVER, DEMO_SEED, out, arena, sizeof arena);
}
#endif
}  // namespace

int main() {
#ifdef COMPILED_CHECKS
  if (checks() != 0) return 3;
#endif
  uint32_t stack_init = 0;
  size_t need = 0;
  const uintptr_t top = board_stack_paint();
  const int st = sample(&stack_init, &need, top);
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
