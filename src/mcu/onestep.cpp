// onestep.cpp — one field evaluation per sample on the device (issue 14;
// make mcu-onestep). Samples ONESTEP_N points of the shipped one-step moons
// model (web/models/moons-1step, `rill reflow` of the moons model) with one
// Euler step, and the same points of its teacher (web/models/moons) with 20
// Euler steps and with 10 Heun steps (20 evaluations each), through the C API
// with chunk 1; prints each run's hash (the native library's bits: the Makefile
// compares them) and its instructions per sample, from SysTick ticks and the
// ticks of a 40,000-instruction loop under `qemu -icount shift=0`.
#include <stddef.h>
#include <stdint.h>

#include "mcu/board.h"
#include "onestep_model.h"
#include "rill/rill.h"
#include "teacher_model.h"

#ifndef ONESTEP_N
#define ONESTEP_N 8
#endif
#define ONESTEP_SEED 42u

namespace {
alignas(64) unsigned char arena[8192];
float out[ONESTEP_N * 2];

uint32_t calibrate() {  // as footprint.cpp: 4 × 10,000 instructions
  board_ticks_start();
  const uint32_t t0 = board_ticks();
  __asm__ volatile(".syntax unified\n ldr r0, =10000\n 1: nop\n nop\n subs r0, #1\n bne 1b" ::: "r0", "cc");
  return (board_ticks() - t0) & 0x00FFFFFFu;
}

int run(const char* name, const unsigned char* file, size_t len, int steps, int solver, uint32_t cal) {
  char err[128] = "";
  rill_model* m = nullptr;
  int st = rill_model_init(arena, sizeof arena, file, len, 1, 0, &m, err, sizeof err);
  if (st != RILL_OK) {
    board_put(name);
    board_put(": ");
    board_put(err);
    board_put("\n");
    return 1;
  }
  board_ticks_start();
  const uint32_t t0 = board_ticks();
  st = rill_sample(m, ONESTEP_N, steps, solver, ONESTEP_SEED, out, nullptr);
  const uint32_t ticks = (board_ticks() - t0) & 0x00FFFFFFu;
  if (st != RILL_OK) return 1;
  // instructions per sample = ticks × 40,000 / cal / n (in 64 bits)
  const uint64_t per = static_cast<uint64_t>(ticks) * 40000u / cal / ONESTEP_N;
  board_put("onestep ");
  board_put(name);
  board_put(" steps ");
  board_put_u(static_cast<uint32_t>(steps));
  board_put(" hash ");
  board_put_x64(board_fnv1a(out, sizeof out));
  board_put(" instructions_per_sample ");
  board_put_u(static_cast<uint32_t>(per));
  board_put("\n");
  return 0;
}
}  // namespace

int main() {
  const uint32_t cal = calibrate();
  int bad = 0;
  bad += run("moons-1step euler", onestep_model, onestep_model_len, 1, RILL_EULER, cal);
  bad += run("moons euler", teacher_model, teacher_model_len, 20, RILL_EULER, cal);
  bad += run("moons heun", teacher_model, teacher_model_len, 10, RILL_HEUN, cal);
  return bad;
}
