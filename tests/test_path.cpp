// CondOT path: x_t and its target, with and without σmin.
#include <doctest/doctest.h>

#include "rill/path.h"

using namespace rill;

TEST_CASE("CondOT path with σmin = 0 is the straight line x0 → x1") {
  CondOTPath p;
  const float x0[2] = {1.0f, -2.0f}, x1[2] = {3.0f, 4.0f}, t[1] = {0.25f};
  float xt[2], u[2];
  p.sample(x0, x1, t, 1, 2, xt, u);
  CHECK(xt[0] == doctest::Approx(0.25 * 3 + 0.75 * 1));
  CHECK(xt[1] == doctest::Approx(0.25 * 4 + 0.75 * -2));
  CHECK(u[0] == 2.0f);
  CHECK(u[1] == 6.0f);
  const float t0[1] = {0.0f}, t1[1] = {1.0f};
  p.sample(x0, x1, t0, 1, 2, xt, u);
  CHECK(xt[0] == 1.0f);
  p.sample(x0, x1, t1, 1, 2, xt, u);
  CHECK(xt[1] == 4.0f);
}

TEST_CASE("CondOT path with σmin: x_t = t·x1 + (1 − (1 − σ)t)·x0, target x1 − (1 − σ)x0") {
  CondOTPath p{0.1f};
  const float x0[1] = {2.0f}, x1[1] = {-1.0f}, t[1] = {1.0f};
  float xt[1], u[1];
  p.sample(x0, x1, t, 1, 1, xt, u);
  CHECK(xt[0] == doctest::Approx(-1.0 + 0.1 * 2.0));  // σmin of noise left at t = 1
  CHECK(u[0] == doctest::Approx(-1.0 - 0.9 * 2.0));
  // d/dt x_t equals the target for every t
  const float ta[1] = {0.3f}, tb[1] = {0.31f};
  float xa[1], xb[1];
  p.sample(x0, x1, ta, 1, 1, xa, u);
  p.sample(x0, x1, tb, 1, 1, xb, u);
  CHECK((xb[0] - xa[0]) / 0.01 == doctest::Approx(u[0]).epsilon(1e-3));
}
