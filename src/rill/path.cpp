#include "rill/path.h"

namespace rill {

void CondOTPath::sample(const float* x0, const float* x1, const float* t, int n, int d, float* xt,
                        float* target) const {
  const float c = 1.0f - sigma_min;
  for (int r = 0; r < n; ++r) {
    const float tr = t[r];
    const float beta = 1.0f - c * tr;
    for (int i = 0; i < d; ++i) {
      const long q = static_cast<long>(r) * d + i;
      xt[q] = tr * x1[q] + beta * x0[q];
      target[q] = x1[q] - c * x0[q];
    }
  }
}

}  // namespace rill
