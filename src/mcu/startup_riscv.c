/* startup_riscv.c — reset, traps and semihosting for rill's RISC-V firmware
 * (the demo and the QEMU tests on the `virt` machine, rv32imac and rv32imafc).
 * The board.h functions of startup.c, for RISC-V.
 *
 * As on Cortex-M: no C library start-up or stdio (nothing can pull in malloc),
 * output and exit through semihosting, and any trap ends the run with exit
 * status 99 instead of hanging. QEMU's virt machine with `-bios none` starts
 * the hart at 0x80000000, where riscv.ld puts _start.
 */
#include <stdint.h>

#include "mcu/board.h"

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__;
extern uint32_t __StackTop;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);
int main(void);

/* ---- semihosting -------------------------------------------------------- */

/* The RISC-V semihosting call: op in a0, argument in a1, result in a0. The
 * three instructions must be uncompressed and together (the debugger and QEMU
 * recognise ebreak by its neighbours). */
int board_semihost(int op, const void *arg) {
  register int a0 __asm__("a0") = op;
  register const void *a1 __asm__("a1") = arg;
  __asm__ volatile(
      ".option push\n .option norvc\n .balign 16\n"
      "slli x0, x0, 0x1f\n ebreak\n srai x0, x0, 7\n"
      ".option pop"
      : "+r"(a0) : "r"(a1) : "memory");
  return a0;
}

/* ---- the stack pointer (board_semihost.c paints the stack) --------------- */

uintptr_t board_sp(void) {
  uintptr_t sp;
  __asm__ volatile("mv %0, sp" : "=r"(sp));
  return sp;
}

/* ---- time: minstret, instructions retired ------------------------------
 * QEMU counts retired instructions exactly under `-icount shift=0`. A tick is
 * 64 instructions, returned mod 2^24 (so 2^30 instructions fit, and callers
 * subtract as with Cortex-M's SysTick); footprint.cpp calibrates ticks on a
 * loop of known length either way. */

static uint64_t ticks0;
static uint64_t instret(void) {
  uint32_t hi, lo, again;
  do {
    __asm__ volatile(".option push\n .option arch, +zicsr\n csrr %0, minstreth\n .option pop" : "=r"(hi));
    __asm__ volatile(".option push\n .option arch, +zicsr\n csrr %0, minstret\n .option pop" : "=r"(lo));
    __asm__ volatile(".option push\n .option arch, +zicsr\n csrr %0, minstreth\n .option pop" : "=r"(again));
  } while (hi != again);
  return ((uint64_t)hi << 32) | lo;
}
void board_ticks_start(void) { ticks0 = instret(); }
uint32_t board_ticks(void) { return (uint32_t)((instret() - ticks0) >> 6) & 0x00FFFFFFu; }

/* ---- reset and traps ---------------------------------------------------- */

__attribute__((noreturn)) void board_reset(void);

void board_trap(void) {
  board_flush();
  board_puts("FAULT: the firmware took a trap; exit 99\n");
  board_exit(BOARD_EXIT_FAULT);
}

void board_reset(void) {
  for (uint32_t *s = &__data_load__, *d = &__data_start__; d < &__data_end__;) *d++ = *s++;
  for (uint32_t *d = &__bss_start__; d < &__bss_end__;) *d++ = 0;
  for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) (*f)(); /* C++ constructors */
  board_exit(main());
  for (;;) {}
}

/* _start: the stack, the global pointer, traps to board_trap, the FPU on
 * (rv32imafc: mstatus.FS = initial), then C. */
__asm__(
    ".section .text.start, \"ax\"\n"
    ".globl _start\n"
    "_start:\n"
    ".option push\n .option norelax\n .option arch, +zicsr\n"
    "  la gp, __global_pointer$\n"
    "  la sp, __StackTop\n"
    "  la t0, trap_entry\n"
    "  csrw mtvec, t0\n"
#if defined(__riscv_flen)
    "  li t0, 0x2000\n"
    "  csrs mstatus, t0\n"
#endif
    ".option pop\n"
    "  j board_reset\n"
    ".balign 4\n"
    "trap_entry:\n"
    "  la sp, __StackTop\n"
    "  j board_trap\n");
