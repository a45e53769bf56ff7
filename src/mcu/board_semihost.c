/* board_semihost.c — the board.h functions that are the same on every core:
 * output, exit and the command line through semihosting, and stack painting.
 * Each start-up file (startup.c for Cortex-M, startup_riscv.c for RISC-V)
 * gives board_semihost, the one instruction sequence that differs, and
 * board_sp. */
#include <stdint.h>

#include "mcu/board.h"

extern uint32_t __StackLimit;

void board_puts(const char *s) { board_semihost(0x04 /* SYS_WRITE0 */, s); }

void board_exit(int code) {
  board_flush();
  /* SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit: qemu exits with `code`. */
  const uint32_t block[2] = {0x20026u, (uint32_t)code};
  board_semihost(0x20, block);
  for (;;) board_semihost(0x18 /* SYS_EXIT, if the extended call is missing */, (const void *)0x20026u);
}

/* The command line qemu passes (-semihosting-config ...,arg=a,arg=b gives "a b"). */
int board_cmdline(char *buf, int cap) {
  struct { char *buf; int len; } block = {buf, cap};
  if (cap < 1) return 0;
  buf[0] = '\0';
  if (board_semihost(0x15 /* SYS_GET_CMDLINE */, &block) != 0) { buf[0] = '\0'; return 0; }
  if (block.len >= cap) block.len = cap - 1;
  buf[block.len] = '\0';
  return block.len;
}

#define PAINT 0xC0FFEE11u

/* Fills the free stack below the caller's frame with PAINT. noinline: its own
 * frame sits below the caller's and is painted over by the next call. */
__attribute__((noinline)) uintptr_t board_stack_paint(void) {
  uintptr_t sp = board_sp();
  for (volatile uint32_t *p = &__StackLimit; (uintptr_t)p < sp - 16; ++p) *p = PAINT;
  return sp;
}

/* Bytes of stack used below `top` since the last paint: the deepest word that
 * no longer holds the paint. */
uint32_t board_stack_used(uintptr_t top) {
  const uint32_t *p = &__StackLimit;
  while ((uintptr_t)p < top && *p == PAINT) ++p;
  return (uintptr_t)p >= top ? 0u : (uint32_t)(top - (uintptr_t)p);
}
