/* startup.c — reset, vector table, faults and semihosting for rill's Cortex-M
 * firmware (the demo and the QEMU tests; mps2 boards: AN385 M3, AN386 M4F,
 * AN500 M7; the micro:bit's Cortex-M0 for the M0+ library).
 *
 * Why it is written this way: the firmware links no newlib stdio and no
 * rdimon, so nothing can pull in malloc (there is no _sbrk to link it
 * against). Output and exit go straight to semihosting (BKPT 0xAB). A fault
 * ends the run with exit status 99 instead of hanging, so a test harness
 * sees it.
 */
#include <stdint.h>

#include "mcu/board.h"

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__;
void __StackTop(void); /* a linker symbol, declared as a function so the vector table can hold it */
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);
int main(void);

/* ---- semihosting -------------------------------------------------------- */

int board_semihost(int op, const void *arg) {
  register int r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/* ---- the stack pointer (board_semihost.c paints the stack) --------------- */

uintptr_t board_sp(void) {
  uintptr_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

/* ---- time: SysTick on the processor clock ------------------------------
 * QEMU's mps2 boards clock it at 25 MHz of virtual time. Run with
 * `-icount shift=0` (one instruction per virtual nanosecond) and a tick is 40
 * instructions: an instruction count, not a cycle count (QEMU is not cycle
 * accurate). On hardware it counts real core cycles. */

void board_ticks_start(void) {
  *(volatile uint32_t *)0xE000E010u = 0;           /* SYST_CSR: off */
  *(volatile uint32_t *)0xE000E014u = 0x00FFFFFFu; /* SYST_RVR */
  *(volatile uint32_t *)0xE000E018u = 0;           /* SYST_CVR: reload */
  *(volatile uint32_t *)0xE000E010u = 5;           /* enable, processor clock, no interrupt */
  while (*(volatile uint32_t *)0xE000E018u == 0) {} /* until the first reload */
}

uint32_t board_ticks(void) { /* ticks since board_ticks_start (mod 2^24; subtract mod 2^24 too) */
  return (0x00FFFFFFu - *(volatile uint32_t *)0xE000E018u) & 0x00FFFFFFu;
}

/* ---- reset and faults --------------------------------------------------- */

void Reset_Handler(void) {
#if defined(__ARM_FP)
  *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CPACR: CP10/CP11 on, else UsageFault */
  __asm__ volatile("dsb\n isb");
#endif
  for (uint32_t *s = &__data_load__, *d = &__data_start__; d < &__data_end__;) *d++ = *s++;
  for (uint32_t *d = &__bss_start__; d < &__bss_end__;) *d++ = 0;
  for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) (*f)(); /* C++ constructors */
  board_exit(main());
}

static void Fault_Handler(void) {
  board_flush();
  board_puts("FAULT: the firmware took a fault exception; exit 99\n");
  board_exit(BOARD_EXIT_FAULT);
}

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(void) = {
    __StackTop, Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    0, 0, 0, 0,
    Fault_Handler, /* SVC */
    Fault_Handler, /* DebugMon */
    0,
    Fault_Handler, /* PendSV */
    Fault_Handler, /* SysTick */
};
