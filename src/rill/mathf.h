// mathf: rill's own float32 elementary functions, built from + - * / and sqrt only.
//
// Why: expf/sinf/logf/tanhf differ by 1-2 ulp between glibc, Emscripten's musl
// and newlib, so a model would give different bits on each target. These give
// the same bits everywhere (compiled with -ffp-contract=off), with a measured
// error of at most 2 ulp against a double-precision reference over the working
// ranges stated per function (tests/test_mathf.cpp measures them).
#pragma once

namespace rill {
namespace mathf {

constexpr float kPi = 3.14159265358979323846f;

// Correctly rounded square root (IEEE: the hardware instruction, or rill's
// integer routine on soft-float parts; both give the same bits).
float sqrt(float x);

float exp(float x);    // all finite x; +Inf for x > 88.7228394 (ln FLT_MAX), subnormal results
                       // below -87.34, 0 below -103.97; exp(-Inf) = 0, exp(+Inf) = +Inf
float log(float x);    // x > 0 (subnormals included); log(+-0) = -Inf, log(x<0) = NaN, log(+Inf) = +Inf
float sin(float x);    // all finite x: Cody-Waite reduction for |x| <= 2^12 * pi, an exact
                       // Payne-Hanek reduction beyond (tested there too); sin(+-Inf) = NaN
float cos(float x);    // same ranges as sin
float tanh(float x);   // all finite x
float erf(float x);    // all finite x (for exact GELU)
float sigmoid(float x);  // 1 / (1 + exp(-x)), all finite x, no overflow

// All of them return NaN for a NaN argument.

namespace detail {
// The integer square root that sqrt() uses on targets without a hardware one.
// Exposed so that the tests can check it against the hardware on the host.
float sqrt_soft(float x);
}  // namespace detail

}  // namespace mathf
}  // namespace rill
