/* print.c — a line of text built piece by piece and written through
 * semihosting. No printf: newlib's would bring kilobytes of code, floats
 * through double, and (with rdimon) malloc for its buffers. */
#include <stddef.h>
#include <stdint.h>

#include "mcu/board.h"

static char line[160];
static unsigned used;

void board_put(const char *s) {
  while (*s) {
    if (used + 1 >= sizeof line) board_flush();
    const char c = *s++;
    line[used++] = c;
    if (c == '\n') board_flush();
  }
}

void board_flush(void) {
  if (used == 0) return;
  line[used] = '\0';
  board_puts(line);
  used = 0;
}

void board_put_u(uint32_t v) {
  char b[11];
  int n = 10;
  b[n] = '\0';
  do { b[--n] = (char)('0' + v % 10u); v /= 10u; } while (v != 0);
  board_put(b + n);
}

void board_put_i(int32_t v) {
  if (v < 0) { board_put("-"); board_put_u(0u - (uint32_t)v); }
  else board_put_u((uint32_t)v);
}

void board_put_x64(uint64_t v) {
  char b[17];
  for (int i = 15; i >= 0; --i) { b[i] = "0123456789abcdef"[v & 15u]; v >>= 4; }
  b[16] = '\0';
  board_put(b);
}

/* Fixed point with `decimals` digits (<= 6), for display only: the tests
 * compare hashes of the bits, not this text. */
void board_put_f(float f, int decimals) {
  if (f != f) { board_put("nan"); return; }
  if (f < 0.0f) { board_put("-"); f = -f; }
  if (f > 4.0e9f) { board_put("big"); return; }
  uint32_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10u;
  const uint32_t whole = (uint32_t)f;
  uint32_t frac = (uint32_t)((f - (float)whole) * (float)scale + 0.5f);
  uint32_t w = whole;
  if (frac >= scale) { frac -= scale; ++w; }
  board_put_u(w);
  if (decimals > 0) {
    char b[8];
    b[decimals] = '\0';
    for (int i = decimals - 1; i >= 0; --i) { b[i] = (char)('0' + frac % 10u); frac /= 10u; }
    board_put(".");
    board_put(b);
  }
}

uint64_t board_fnv1a(const void *p, size_t n) {
  const unsigned char *b = (const unsigned char *)p;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}
