// Accuracy of rill::mathf against a double-precision reference (<cmath> in
// double, used here in the test only), and the soft sqrt against the hardware.
//
// Error measure: |got - ref| / ulp(ref), ref the double-precision value, ulp the
// float spacing at |ref| (2^(e-23) for 2^e <= |ref| < 2^(e+1), and 2^-149 for
// subnormal results). So 0.5 would be a correctly rounded function; the
// requirement is <= 2. Each sweep also reports the largest distance, in
// representable floats, between the result and the reference rounded to float.
// Every MESSAGE line gives the figures quoted in the docs.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "rill/mathf.h"
#include "rill/mathf_vec.h"

namespace {

using std::uint32_t;
using std::uint64_t;

float f_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

uint32_t b_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

constexpr double kHuge = 1e30;
const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kMaxF = std::numeric_limits<float>::max();
const float kMinNormal = std::numeric_limits<float>::min();
const float kMinSub = std::numeric_limits<float>::denorm_min();
constexpr float kTrigLimit = 12867.9638f;  // 2^12 * pi, rounded to float

// Floats ordered as integers: consecutive floats differ by 1 (-0 == +0).
int64_t ordered(float x) {
  const uint32_t u = b_of(x);
  return (u & 0x80000000u) ? -static_cast<int64_t>(u & 0x7fffffffu) : static_cast<int64_t>(u);
}

float from_ordered(int64_t k) {
  return k < 0 ? f_of(static_cast<uint32_t>(-k) | 0x80000000u) : f_of(static_cast<uint32_t>(k));
}

double ulp_error(float got, double ref) {
  if (std::isnan(ref)) return std::isnan(got) ? 0.0 : kHuge;
  if (std::isnan(got)) return kHuge;
  const float ref_f = static_cast<float>(ref);  // rounds to nearest; Inf past the overflow threshold
  if (std::isinf(got)) return got == ref_f ? 0.0 : kHuge;
  if (std::isinf(ref)) return kHuge;
  const double a = std::fabs(ref);
  int e = 0;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  int ue = e - 24;
  if (a == 0.0 || ue < -149) ue = -149;
  return std::fabs(static_cast<double>(got) - ref) / std::ldexp(1.0, ue);
}

struct Stats {
  double max_ulp = 0.0;
  int64_t max_dist = 0;
  float worst_x = 0.0f;
  long count = 0;

  void add(float x, float got, double ref) {
    ++count;
    const double err = ulp_error(got, ref);
    if (err > max_ulp) {
      max_ulp = err;
      worst_x = x;
    }
    const float ref_f = static_cast<float>(ref);
    if (!std::isnan(ref_f) && !std::isnan(got)) {
      int64_t d = ordered(got) - ordered(ref_f);
      if (d < 0) d = -d;
      if (d > max_dist) max_dist = d;
    } else if (std::isnan(ref_f) != std::isnan(got)) {
      max_dist = std::numeric_limits<int64_t>::max();
    }
  }
  void merge(const Stats& o) {
    if (o.max_ulp > max_ulp) {
      max_ulp = o.max_ulp;
      worst_x = o.worst_x;
    }
    if (o.max_dist > max_dist) max_dist = o.max_dist;
    count += o.count;
  }
};

std::string describe(const char* name, const char* what, const Stats& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-8s %-40s max %.3f ulp (%lld float apart) over %ld points, worst x = %.9g",
                name, what, s.max_ulp, static_cast<long long>(s.max_dist), s.count,
                static_cast<double>(s.worst_x));
  return buf;
}

// n points evenly spaced in the bit pattern (the ordered-integer line) over [lo, hi].
template <class F, class R>
Stats sweep_bits(F f, R ref, float lo, float hi, long n) {
  Stats s;
  const int64_t a = ordered(lo);
  const int64_t b = ordered(hi);
  const double step = static_cast<double>(b - a) / static_cast<double>(n - 1);
  for (long i = 0; i < n; ++i) {
    const float x = from_ordered(a + static_cast<int64_t>(step * static_cast<double>(i)));
    s.add(x, f(x), ref(static_cast<double>(x)));
  }
  return s;
}

// n points evenly spaced in value over [lo, hi].
template <class F, class R>
Stats sweep_values(F f, R ref, double lo, double hi, long n) {
  Stats s;
  for (long i = 0; i < n; ++i) {
    const float x = static_cast<float>(lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1));
    s.add(x, f(x), ref(static_cast<double>(x)));
  }
  return s;
}

template <class F, class R>
Stats check_points(F f, R ref, const std::vector<float>& xs) {
  Stats s;
  for (float x : xs) s.add(x, f(x), ref(static_cast<double>(x)));
  return s;
}

// x and its n neighbours on each side.
void add_around(std::vector<float>* xs, float x, int n) {
  const int64_t k = ordered(x);
  for (int i = -n; i <= n; ++i) {
    const float y = from_ordered(k + i);
    if (!std::isnan(y)) xs->push_back(y);
  }
}

// Values every function should see: zeros, subnormals, normal limits, specials.
std::vector<float> common_edges() {
  std::vector<float> xs = {0.0f, -0.0f, kMinSub, -kMinSub, 2 * kMinSub, 0x1.234p-140f, -0x1.234p-140f,
                           f_of(0x007fffffu), f_of(0x807fffffu), kMinNormal, -kMinNormal, 0x1p-100f,
                           -0x1p-100f, 0x1p-60f, 0x1p-20f, 0x1p-12f, -0x1p-12f, 0.5f, 1.0f, -1.0f,
                           2.0f, 0x1p20f, -0x1p20f, 0x1p100f, -0x1p100f, kMaxF, -kMaxF, kInf, -kInf, kNaN,
                           -kNaN};
  add_around(&xs, kMinNormal, 3);
  add_around(&xs, 1.0f, 3);
  add_around(&xs, -1.0f, 3);
  return xs;
}

double ref_sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

void report_and_check(const char* name, const char* what, const Stats& s) {
  MESSAGE(describe(name, what, s));
  CHECK(s.max_ulp <= 2.0);
  CHECK(s.max_dist <= 2);
}

}  // namespace

TEST_CASE("mathf::exp: <= 2 ulp over all finite inputs, Inf/0 past the thresholds") {
  auto f = [](float x) { return rill::mathf::exp(x); };
  auto r = [](double x) { return std::exp(x); };
  Stats all = sweep_bits(f, r, -kMaxF, kMaxF, 400000);
  Stats core = sweep_bits(f, r, -104.0f, 89.0f, 1500000);
  core.merge(sweep_values(f, r, -104.0, 89.0, 1500000));
  std::vector<float> xs = common_edges();
  // overflow (ln FLT_MAX = 88.72284), normal/subnormal boundary (ln FLT_MIN =
  // -87.33654), smallest subnormal (ln 2^-149 = -103.27893), round-to-0 (ln 2^-150)
  for (float t : {88.7228394f, -87.3365448f, -103.278931f, -103.972076f, 88.0f, -88.0f, -100.0f})
    add_around(&xs, t, 40);
  Stats edges = check_points(f, r, xs);
  report_and_check("exp", "all finite x (bit sweep)", all);
  report_and_check("exp", "[-104, 89] (bit + value sweep)", core);
  report_and_check("exp", "edges and thresholds", edges);

  CHECK(rill::mathf::exp(0.0f) == 1.0f);
  CHECK(rill::mathf::exp(-0.0f) == 1.0f);
  CHECK(rill::mathf::exp(88.72283f) < kInf);
  CHECK(rill::mathf::exp(88.7228394f) == kInf);
  CHECK(rill::mathf::exp(kMaxF) == kInf);
  CHECK(rill::mathf::exp(kInf) == kInf);
  CHECK(b_of(rill::mathf::exp(-kInf)) == 0u);
  CHECK(b_of(rill::mathf::exp(-kMaxF)) == 0u);
  CHECK(rill::mathf::exp(-103.0f) > 0.0f);  // subnormal, not flushed
  CHECK(rill::mathf::exp(-103.0f) < kMinNormal);
  CHECK(std::isnan(rill::mathf::exp(kNaN)));
}

TEST_CASE("mathf::log: <= 2 ulp over all positive floats, -Inf at 0, NaN below") {
  auto f = [](float x) { return rill::mathf::log(x); };
  auto r = [](double x) { return std::log(x); };
  Stats all = sweep_bits(f, r, kMinSub, kMaxF, 1500000);
  Stats near1 = sweep_values(f, r, 0.25, 4.0, 1000000);
  near1.merge(sweep_bits(f, r, 0.5f, 2.0f, 500000));
  std::vector<float> xs;
  for (float x : common_edges())
    if (!(x < 0.0f)) xs.push_back(x);
  add_around(&xs, 1.0f, 200);
  add_around(&xs, 0.70710678f, 20);
  add_around(&xs, 1.41421356f, 20);
  add_around(&xs, 2.0f, 20);
  add_around(&xs, 0.5f, 20);
  Stats edges = check_points(f, r, xs);
  report_and_check("log", "all positive floats (bit sweep)", all);
  report_and_check("log", "[0.25, 4] (value + bit sweep)", near1);
  report_and_check("log", "edges, near 1, sqrt2 and powers of 2", edges);

  CHECK(b_of(rill::mathf::log(1.0f)) == 0u);
  CHECK(rill::mathf::log(0.0f) == -kInf);
  CHECK(rill::mathf::log(-0.0f) == -kInf);
  CHECK(rill::mathf::log(kInf) == kInf);
  CHECK(std::isnan(rill::mathf::log(-1.0f)));
  CHECK(std::isnan(rill::mathf::log(-kMinSub)));
  CHECK(std::isnan(rill::mathf::log(-kInf)));
  CHECK(std::isnan(rill::mathf::log(kNaN)));
  CHECK(rill::mathf::log(kMinSub) == doctest::Approx(-103.27893).epsilon(1e-6));
}

TEST_CASE("mathf::sin, mathf::cos: <= 2 ulp for |x| <= 2^12 pi, incl. near multiples of pi/2") {
  auto fs = [](float x) { return rill::mathf::sin(x); };
  auto rs = [](double x) { return std::sin(x); };
  auto fc = [](float x) { return rill::mathf::cos(x); };
  auto rc = [](double x) { return std::cos(x); };

  Stats s_range = sweep_bits(fs, rs, -kTrigLimit, kTrigLimit, 1000000);
  s_range.merge(sweep_values(fs, rs, -kTrigLimit, kTrigLimit, 1000000));
  Stats c_range = sweep_bits(fc, rc, -kTrigLimit, kTrigLimit, 1000000);
  c_range.merge(sweep_values(fc, rc, -kTrigLimit, kTrigLimit, 1000000));

  // Each multiple k*pi/2, k = 1 .. 8192 (up to 2^12 pi), both signs, with the
  // 4 floats on either side: the cases where the reduced argument is tiny
  // (the closest, x = 252.898209 for k = 161, is 2^-27.8 from 161*pi/2).
  std::vector<float> near;
  const double pio2 = 1.57079632679489661923;
  for (int k = 1; k <= 8192; ++k) {
    const float x = static_cast<float>(k * pio2);
    add_around(&near, x, 4);
    add_around(&near, -x, 4);
  }
  Stats s_near = check_points(fs, rs, near);
  Stats c_near = check_points(fc, rc, near);

  std::vector<float> xs = common_edges();
  add_around(&xs, 0x1p-12f, 4);
  add_around(&xs, -0x1p-12f, 4);
  add_around(&xs, 0.78539816f, 8);  // pi/4, the kernels' edge
  add_around(&xs, 2.35619449f, 8);  // 3pi/4
  add_around(&xs, 12868.0f, 8);     // switch to Payne-Hanek
  add_around(&xs, -12868.0f, 8);
  add_around(&xs, kTrigLimit, 8);
  Stats s_edges = check_points(fs, rs, xs);
  Stats c_edges = check_points(fc, rc, xs);

  // Beyond the stated range: every finite float goes through an exact
  // Payne-Hanek reduction, so the same bound holds (measured, reported).
  Stats s_big = sweep_bits(fs, rs, kTrigLimit, kMaxF, 250000);
  s_big.merge(sweep_bits(fs, rs, -kMaxF, -kTrigLimit, 250000));
  Stats c_big = sweep_bits(fc, rc, kTrigLimit, kMaxF, 250000);
  c_big.merge(sweep_bits(fc, rc, -kMaxF, -kTrigLimit, 250000));

  report_and_check("sin", "|x| <= 2^12 pi (bit + value sweep)", s_range);
  report_and_check("sin", "the 9 floats around each k*pi/2, |k|<=8192", s_near);
  report_and_check("sin", "edges", s_edges);
  report_and_check("sin", "2^12 pi < |x| <= FLT_MAX (bit sweep)", s_big);
  report_and_check("cos", "|x| <= 2^12 pi (bit + value sweep)", c_range);
  report_and_check("cos", "the 9 floats around each k*pi/2, |k|<=8192", c_near);
  report_and_check("cos", "edges", c_edges);
  report_and_check("cos", "2^12 pi < |x| <= FLT_MAX (bit sweep)", c_big);

  CHECK(b_of(rill::mathf::sin(0.0f)) == 0u);
  CHECK(b_of(rill::mathf::sin(-0.0f)) == 0x80000000u);
  CHECK(rill::mathf::cos(0.0f) == 1.0f);
  CHECK(rill::mathf::cos(-0.0f) == 1.0f);
  CHECK(rill::mathf::sin(kMinSub) == kMinSub);
  CHECK(std::isnan(rill::mathf::sin(kInf)));
  CHECK(std::isnan(rill::mathf::sin(-kInf)));
  CHECK(std::isnan(rill::mathf::cos(kInf)));
  CHECK(std::isnan(rill::mathf::sin(kNaN)));
  CHECK(std::isnan(rill::mathf::cos(kNaN)));
  // Exact symmetry (the reduction is odd by construction).
  bool symmetric = true;
  for (float x : near) {
    symmetric = symmetric && b_of(rill::mathf::sin(-x)) == (b_of(rill::mathf::sin(x)) ^ 0x80000000u);
    symmetric = symmetric && b_of(rill::mathf::cos(-x)) == b_of(rill::mathf::cos(x));
  }
  CHECK(symmetric);
}

TEST_CASE("mathf::tanh: <= 2 ulp over all finite inputs") {
  auto f = [](float x) { return rill::mathf::tanh(x); };
  auto r = [](double x) { return std::tanh(x); };
  Stats all = sweep_bits(f, r, -kMaxF, kMaxF, 1000000);
  Stats core = sweep_values(f, r, -10.0, 10.0, 1000000);
  core.merge(sweep_bits(f, r, -10.0f, 10.0f, 1000000));
  std::vector<float> xs = common_edges();
  for (float t : {0x1p-12f, 0.875f, 9.1f, 9.01f}) {
    add_around(&xs, t, 20);
    add_around(&xs, -t, 20);
  }
  Stats edges = check_points(f, r, xs);
  report_and_check("tanh", "all finite x (bit sweep)", all);
  report_and_check("tanh", "[-10, 10] (value + bit sweep)", core);
  report_and_check("tanh", "edges and branch points", edges);

  CHECK(b_of(rill::mathf::tanh(-0.0f)) == 0x80000000u);
  CHECK(rill::mathf::tanh(kInf) == 1.0f);
  CHECK(rill::mathf::tanh(-kInf) == -1.0f);
  CHECK(std::isnan(rill::mathf::tanh(kNaN)));
  bool odd = true;
  for (long i = 0; i < 20000; ++i) {
    const float x = static_cast<float>(i) * 0.0007f;
    odd = odd && b_of(rill::mathf::tanh(-x)) == (b_of(rill::mathf::tanh(x)) ^ 0x80000000u);
  }
  CHECK(odd);
}

TEST_CASE("mathf::erf: <= 2 ulp over all finite inputs") {
  auto f = [](float x) { return rill::mathf::erf(x); };
  auto r = [](double x) { return std::erf(x); };
  Stats all = sweep_bits(f, r, -kMaxF, kMaxF, 1000000);
  Stats core = sweep_values(f, r, -5.0, 5.0, 1000000);
  core.merge(sweep_bits(f, r, -5.0f, 5.0f, 1000000));
  std::vector<float> xs = common_edges();
  for (float t : {0x1p-60f, 0.875f, 1.25f, 4.0f, 3.9f}) {
    add_around(&xs, t, 20);
    add_around(&xs, -t, 20);
  }
  Stats edges = check_points(f, r, xs);
  report_and_check("erf", "all finite x (bit sweep)", all);
  report_and_check("erf", "[-5, 5] (value + bit sweep)", core);
  report_and_check("erf", "edges and branch points", edges);

  CHECK(b_of(rill::mathf::erf(-0.0f)) == 0x80000000u);
  CHECK(rill::mathf::erf(kInf) == 1.0f);
  CHECK(rill::mathf::erf(-kInf) == -1.0f);
  CHECK(std::isnan(rill::mathf::erf(kNaN)));
}

TEST_CASE("mathf::sigmoid: <= 2 ulp over all finite inputs, subnormal left tail") {
  auto f = [](float x) { return rill::mathf::sigmoid(x); };
  Stats all = sweep_bits(f, ref_sigmoid, -kMaxF, kMaxF, 1000000);
  Stats core = sweep_values(f, ref_sigmoid, -110.0, 20.0, 1500000);
  core.merge(sweep_bits(f, ref_sigmoid, -110.0f, 20.0f, 1500000));
  std::vector<float> xs = common_edges();
  for (float t : {-87.3365448f, -103.278931f, -103.972076f, 16.6355324f, 17.3286796f})
    add_around(&xs, t, 20);
  Stats edges = check_points(f, ref_sigmoid, xs);
  report_and_check("sigmoid", "all finite x (bit sweep)", all);
  report_and_check("sigmoid", "[-110, 20] (value + bit sweep)", core);
  report_and_check("sigmoid", "edges and thresholds", edges);

  CHECK(rill::mathf::sigmoid(0.0f) == 0.5f);
  CHECK(rill::mathf::sigmoid(-0.0f) == 0.5f);
  CHECK(rill::mathf::sigmoid(kInf) == 1.0f);
  CHECK(b_of(rill::mathf::sigmoid(-kInf)) == 0u);
  CHECK(rill::mathf::sigmoid(100.0f) == 1.0f);
  CHECK(rill::mathf::sigmoid(-100.0f) > 0.0f);  // e^-100: a small normal float
  CHECK(std::isnan(rill::mathf::sigmoid(kNaN)));
}

TEST_CASE("exp_act (the activations' exp): <= 1 ulp on [-87, 88.37], clamped, +Inf above") {
  auto f = [](float x) { return rill::mathf::vec::exp_act<float, uint32_t>(x); };
  auto r = [](double x) { return std::exp(x); };
  Stats core = sweep_bits(f, r, -87.0f, 88.37f, 1500000);
  core.merge(sweep_values(f, r, -87.0, 88.37, 1500000));
  std::vector<float> xs;
  for (float t : {-86.999f, -1.0f, 0.0f, 1.0f, 0.34657359f, -0.34657359f, 88.37f}) add_around(&xs, t, 40);
  core.merge(check_points(f, r, xs));
  MESSAGE(describe("exp_act", "[-87, 88.37] (bit + value sweep, edges)", core));
  CHECK(core.max_ulp <= 1.0);
  CHECK(f(0.0f) == 1.0f);
  // below -87 the input is clamped: a normal result, never subnormal
  CHECK(f(-1000.0f) == f(-87.0f));
  CHECK(f(-kInf) == f(-87.0f));
  CHECK(f(-87.0f) >= kMinNormal);
  // k = 128 is +Inf: from about 88.38 (a little before exp's overflow at 88.72)
  CHECK(f(88.4f) == kInf);
  CHECK(f(89.0f) == kInf);
  CHECK(f(kInf) == kInf);
  CHECK(std::isnan(f(kNaN)));
}

TEST_CASE("exp_neg_act(z) is exp_act(-z) bit for bit (SiLU's e^-z with no negation), on scalars and 4 lanes") {
  // The kernels' 8- and 16-lane SiLU (x86 min / max clamps) are held to these scalar bits by
  // test_activation.cpp ("vector SiLU equals the scalar bits across the float range").
  using rill::mathf::vec::exp_act;
  using rill::mathf::vec::exp_neg_act;
  // Every 509th bit pattern (all signs, exponents, NaNs and infinities: about 8.4 million), and around
  // the clamps, the rounding of k and zero.
  long differ = 0, tried = 0;
  auto check = [&](float z) {
    const float a = exp_act<float, uint32_t>(-z), b = exp_neg_act<float, uint32_t>(z);
    ++tried;
    if (!(b_of(a) == b_of(b) || (std::isnan(a) && std::isnan(b)))) {
      if (++differ <= 5) MESSAGE("z = " << z << " (bits " << b_of(z) << "): " << a << " against " << b);
    }
  };
  for (uint64_t u = 0; u <= 0xFFFFFFFFull; u += 509) check(f_of(static_cast<uint32_t>(u)));
  std::vector<float> zs;
  for (float t : {87.0f, -88.8f, 88.8f, -87.0f, 0.0f, -0.0f, 0.34657359f, -0.34657359f, 1.0397208f, -88.38f})
    add_around(&zs, t, 300);
  for (float z : zs) check(z);
  for (float z : {kInf, -kInf, kNaN, -kNaN}) check(z);
  CHECK(tried > 8000000);
  CHECK(differ == 0);
  // A 4-lane vector (in rill.wasm the pmin / pmax clamps; natively the generic selects).
  typedef float f4 __attribute__((vector_size(16)));
  typedef uint32_t u4 __attribute__((vector_size(16)));
  for (float base : {-100.0f, -88.5f, -3.0f, -0.0f, 0.0f, 0.5f, 86.9f, 88.0f, 100.0f}) {
    const f4 z = {base, -base, base * 0.5f, kNaN};
    const f4 a = exp_act<f4, u4>(-z), b = exp_neg_act<f4, u4>(z);
    for (int l = 0; l < 3; ++l) CHECK(b_of(a[l]) == b_of(b[l]));
    CHECK(std::isnan(b[3]));
  }
}

TEST_CASE("SiLU and its slope from exp_act: <= 2.5 ulp, and the slope to 2^-19 absolute") {
  auto silu = [](float z) { return rill::mathf::vec::silu<float, uint32_t>(z); };
  auto ref = [](double z) { return z / (1.0 + std::exp(-z)); };
  Stats s = sweep_bits(silu, ref, -88.0f, 88.0f, 2000000);
  s.merge(sweep_values(silu, ref, -88.0, 88.0, 1000000));
  MESSAGE(describe("silu", "[-88, 88] (bit + value sweep)", s));
  CHECK(s.max_ulp <= 2.5);
  double worst = 0.0;
  for (int i = 0; i <= 400000; ++i) {
    const float z = -88.0f + 176.0f * static_cast<float>(i) / 400000.0f;
    float slope = 0.0f;
    const float y = rill::mathf::vec::silu_with_slope<float, uint32_t>(z, &slope);
    CHECK_UNARY(b_of(y) == b_of(silu(z)));
    CHECK_UNARY(b_of(slope) == b_of(rill::mathf::vec::silu_grad<float, uint32_t>(z)));
    const double sd = 1.0 / (1.0 + std::exp(-static_cast<double>(z)));
    const double want = sd + static_cast<double>(z) * sd * (1.0 - sd);
    worst = std::fmax(worst, std::fabs(static_cast<double>(slope) - want));
  }
  MESSAGE("silu slope: max absolute error " << worst);
  CHECK(worst <= 0x1p-19);
  CHECK(b_of(silu(0.0f)) == 0u);
  CHECK(b_of(silu(-100.0f)) == b_of(-0.0f));  // e^100 = +Inf: z / Inf
  CHECK(silu(100.0f) == 100.0f);
  CHECK(std::isnan(silu(kNaN)));
}

TEST_CASE("mathf::detail::sqrt_soft is bit-identical to the hardware sqrt") {
  using rill::mathf::detail::sqrt_soft;
  long n = 0;
  long mismatches = 0;
  uint32_t first_bad = 0;
  auto check = [&](float x) {
    const float a = sqrt_soft(x);
    const float b = __builtin_sqrtf(x);
    ++n;
    const bool same = std::isnan(b) ? std::isnan(a) : b_of(a) == b_of(b);
    if (!same && mismatches++ == 0) first_bad = b_of(x);
  };
  // every 5th subnormal, every 509th positive normal float
  for (uint32_t u = 0; u < 0x00800000u; u += 5) check(f_of(u));
  for (uint32_t u = 0x00800000u; u < 0x7f800000u; u += 509) check(f_of(u));
  // the hardest inputs: the floats on either side of (y + ulp/2)^2, where the
  // exact root is closest to a rounding boundary; and exact squares
  uint32_t state = 12345u;
  for (int i = 0; i < 600000; ++i) {
    state = state * 1664525u + 1013904223u;
    const float y = f_of(0x21800000u + state % 0x3c000000u);  // y in [2^-60, 2^60)
    const double mid = (static_cast<double>(y) + static_cast<double>(std::nextafter(y, kInf))) / 2;
    const double sq = mid * mid;  // exact: 25-bit mid, 50-bit square
    const float below = static_cast<float>(sq);
    check(below);
    check(std::nextafter(below, 0.0f));
    check(std::nextafter(below, kInf));
    const float ysq = y * y;
    check(ysq);
  }
  for (float x : common_edges()) check(x);
  for (float x : {-1.0f, -kMinSub, -kMaxF, -kInf, kNaN, -kNaN, 4.0f, 0.25f, 2.0f}) check(x);
  MESSAGE("sqrt_soft vs hardware sqrt: " << n << " inputs, " << mismatches << " mismatches");
  CHECK_MESSAGE(mismatches == 0, "first mismatch at bits " << hex(first_bad));
  // special values, explicitly
  CHECK(b_of(sqrt_soft(0.0f)) == 0u);
  CHECK(b_of(sqrt_soft(-0.0f)) == 0x80000000u);
  CHECK(sqrt_soft(kInf) == kInf);
  CHECK(std::isnan(sqrt_soft(-1.0f)));
  CHECK(std::isnan(sqrt_soft(-kInf)));
  CHECK(std::isnan(sqrt_soft(kNaN)));
  CHECK(sqrt_soft(kMinSub) == 0x1p-75f * 1.41421353816986083984375f);  // sqrt(2^-149)
}

TEST_CASE("mathf::sqrt is the correctly rounded square root") {
  for (float x : common_edges()) {
    const float a = rill::mathf::sqrt(x);
    const float b = __builtin_sqrtf(x);
    CHECK((std::isnan(b) ? std::isnan(a) : b_of(a) == b_of(b)));
  }
  uint32_t bad = 0;
  for (uint32_t u = 0; u < 0x7f800000u; u += 4099)
    if (b_of(rill::mathf::sqrt(f_of(u))) != b_of(__builtin_sqrtf(f_of(u)))) ++bad;
  CHECK(bad == 0u);
}

TEST_CASE("mathf results have the recorded bits (same on every target)") {
  // A hash of the result bits over a fixed input set. The arithmetic is IEEE
  // float + - * / in a fixed order with no FMA contraction, so every target
  // (x86-64, wasm, Cortex-M) must reproduce it. If an intended change to
  // mathf.cpp changes results, record the new value printed here.
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  auto mix = [&h](float y) {
    const uint32_t u = std::isnan(y) ? 0x7fc00000u : b_of(y);  // NaN payloads may differ
    for (int i = 0; i < 4; ++i) {
      h ^= (u >> (8 * i)) & 0xffu;
      h *= 1099511628211ull;
    }
  };
  uint32_t state = 2463534242u;
  for (int i = 0; i < 20000; ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    const float x = f_of(state);
    const float m = static_cast<float>(static_cast<int32_t>(state)) * 0x1p-27f;  // |m| <= 16
    mix(rill::mathf::exp(x));
    mix(rill::mathf::exp(m));
    mix(rill::mathf::log(x));
    mix(rill::mathf::log(m));
    mix(rill::mathf::sin(x));
    mix(rill::mathf::sin(m));
    mix(rill::mathf::cos(x));
    mix(rill::mathf::cos(m));
    mix(rill::mathf::tanh(m));
    mix(rill::mathf::erf(m));
    mix(rill::mathf::sigmoid(m));
    mix(rill::mathf::sqrt(x));
    mix(rill::mathf::detail::sqrt_soft(x));
  }
  MESSAGE("mathf result hash: " << hex(h));
  CHECK(h == 0x341f1fbd669ee289ull);
}
