/* A host program that links rill::rill: its version, and samples of a formula model (no file needed). */
#include <stdio.h>
#include <rill.h>

int main(void) {
  rill_model* m = NULL;
  char err[200];
  if (rill_model_open_name("exact:8gaussians", &m, err, sizeof err) != RILL_OK) {
    printf("open: %s\n", err);
    return 1;
  }
  float x[2 * 4];
  const int st = rill_sample(m, 4, 10, RILL_HEUN, 42, x, NULL);
  rill_model_free(m);
  if (st != RILL_OK) return 1;
  printf("rill %s: sample %.6f %.6f\n", rill_version(), x[0], x[1]);
  return 0;
}
