// footprint.cpp — measures what rill costs on the target for one model
// (make mcu-size): for a few (batch, chunk) pairs, the arena rill_model_memory
// asks for, the stack high-water mark of placing the model and of sampling
// (the stack is painted, then scanned), and the time of one field evaluation
// in SysTick ticks, with the ticks of a 40,000-instruction loop to turn them into
// instructions under `qemu -icount shift=0` (QEMU counts instructions, not cycles).
// Prints one `footprint ...` line per pair for src/mcu/footprint.py.
#include <stddef.h>
#include <stdint.h>

#include "demo_model.h"
#include "mcu/board.h"
#include "rill/rill.h"

namespace {
#ifndef FOOTPRINT_ARENA
#define FOOTPRINT_ARENA (96 * 1024)
#endif
alignas(64) unsigned char arena[FOOTPRINT_ARENA];
#ifndef FOOTPRINT_MAX_DIM
#define FOOTPRINT_MAX_DIM 8
#endif
float out[64 * FOOTPRINT_MAX_DIM];
float x[64 * FOOTPRINT_MAX_DIM];

// SysTick ticks of a loop of 40,000 instructions: under `qemu -icount shift=0`
// (one instruction per virtual nanosecond) this turns ticks into instructions
// on any board (mps2: 25 MHz, 40 instructions a tick; micro:bit: 16 MHz).
uint32_t calibrate() {
  board_ticks_start();
  const uint32_t t0 = board_ticks();
#if defined(__riscv)
  // minstret counts instructions itself; the same 4 × 10,000 for the same scale.
  __asm__ volatile("li t0, 10000\n 1: nop\n nop\n addi t0, t0, -1\n bnez t0, 1b" ::: "t0");
#else
  __asm__ volatile(".syntax unified\n ldr r0, =10000\n 1: nop\n nop\n subs r0, #1\n bne 1b" ::: "r0", "cc");
#endif
  return (board_ticks() - t0) & 0x00FFFFFFu;
}
uint32_t cal_ticks = 0;

struct Config { int n, chunk; };
constexpr Config kConfigs[] = {{1, 1}, {64, 1}, {64, 64}};

void put_kv(const char* key, uint32_t v) {
  board_put(" ");
  board_put(key);
  board_put("=");
  board_put_u(v);
}

int measure(const Config& c) {
  char err[128] = "";
  size_t need = 0;
  const uintptr_t top = board_stack_paint();
  int st = rill_model_memory(demo_model, demo_model_len, c.chunk, 0, &need, err, sizeof err);
  if (st == RILL_OK && need > sizeof arena) {
    board_put("footprint: n ");
    board_put_u(static_cast<uint32_t>(c.n));
    board_put(" chunk ");
    board_put_u(static_cast<uint32_t>(c.chunk));
    board_put(" needs ");
    board_put_u(static_cast<uint32_t>(need));
    board_put(" bytes of arena, skipped\n");
    return 0;
  }
  rill_model* m = nullptr;
  if (st == RILL_OK) st = rill_model_init(arena, sizeof arena, demo_model, demo_model_len, c.chunk, 0, &m, err, sizeof err);
  const uint32_t stack_init = board_stack_used(top);
  if (st != RILL_OK || rill_model_dim(m) > FOOTPRINT_MAX_DIM) {
    board_put("footprint: ");
    board_put(rill_status_name(st));
    board_put(": ");
    board_put(err);
    board_put("\n");
    return 1;
  }
  board_stack_paint();
  st = rill_sample(m, c.n, 10, RILL_HEUN, 1u, out, nullptr);
  const uint32_t stack_sample = board_stack_used(top);
  // One field evaluation of c.n points (the heun samples are fine inputs).
  for (int i = 0; i < c.n * rill_model_dim(m); ++i) x[i] = out[i];
  board_ticks_start();
  const uint32_t t0 = board_ticks();
  st |= rill_field(m, x, c.n, 0.5f, out);
  const uint32_t ticks = (board_ticks() - t0) & 0x00FFFFFFu;
  if (st != RILL_OK) return 1;
  board_put("footprint");
  put_kv("n", static_cast<uint32_t>(c.n));
  put_kv("chunk", static_cast<uint32_t>(c.chunk));
  put_kv("arena", static_cast<uint32_t>(need));
  put_kv("stack_init", stack_init);
  put_kv("stack_sample", stack_sample);
  put_kv("field_ticks", ticks);
  put_kv("cal_ticks", cal_ticks);
  put_kv("flash_model", static_cast<uint32_t>(demo_model_len));
  board_put("\n");
  return 0;
}
}  // namespace

int main() {
  int bad = 0;
  cal_ticks = calibrate();
  for (const Config& c : kConfigs) bad += measure(c);
  return bad;
}
