/* board.h — what rill's firmware (demo and tests) needs from the board: text
 * out, exit status, stack painting, a cycle counter. board_semihost.c holds
 * what every core shares; startup.c (QEMU's mps2 Cortex-M boards) and
 * startup_riscv.c (QEMU's RISC-V virt machine) the rest. */
#ifndef RILL_MCU_BOARD_H
#define RILL_MCU_BOARD_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { BOARD_EXIT_FAULT = 99 };

int board_semihost(int op, const void *arg); /* one semihosting call (start-up file: per core) */
void board_puts(const char *s);            /* semihosting SYS_WRITE0 */
void board_exit(int code);                 /* qemu's exit status becomes `code` */
int board_cmdline(char *buf, int cap);     /* semihosting SYS_GET_CMDLINE; returns its length */
uintptr_t board_sp(void);
uintptr_t board_stack_paint(void);         /* paints the free stack; returns the caller's sp */
uint32_t board_stack_used(uintptr_t top);  /* deepest use below `top` since the paint */
/* Text out, a line at a time (print.c): pieces are collected and written at '\n'. */
void board_put(const char *s);
void board_put_u(uint32_t v);
void board_put_i(int32_t v);
void board_put_x64(uint64_t v);            /* 16 hex digits */
void board_put_f(float f, int decimals);   /* fixed point, for display only */
void board_flush(void);
/* FNV-1a (64-bit) of n bytes: the hash golden.txt and the native tools use. */
uint64_t board_fnv1a(const void *p, size_t n);
void board_ticks_start(void);              /* SysTick: core clock ticks, mod 2^24 (see startup.c) */
uint32_t board_ticks(void);

#ifdef __cplusplus
}
#endif
#endif
