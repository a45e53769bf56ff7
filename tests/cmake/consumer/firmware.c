/* Firmware code that uses rill::rill: a model placed in caller memory (heap-free C API). */
#include <rill.h>

static unsigned char arena[4096];

int firmware_sample(const rill_compiled_model* model, float* out, int n) {
  rill_model* m = 0;
  if (rill_model_init_compiled(arena, sizeof arena, model, 1, 0, &m, 0, 0) != RILL_OK) return -1;
  return rill_sample(m, n, 10, RILL_HEUN, 42u, out, 0);
}
