// Step-conditioned models (formats.md, `step_embedding`): the input row
// [x | time features of t | step features of h | condition], h = (t1 − t0)/steps
// for every step and stage, forwards only, no log-density.
//
// Against closed forms: one-layer models (no activation) that read only chosen
// inputs, so the field is a known function of t, h and the condition and a
// solver's end point is known exactly; then the same bits through every way a
// model is run (core integrate and Runner, the C API heap, placed, threaded and
// compiled models, the lean compiled sampler), the refusals with their
// messages, and the writer's round trip.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "rill/model_io.h"
#include "rill/narrow.h"
#include "rill/rill.h"
#include "rill/runner.h"
#include "rill/solver.h"
#include "rill/train.h"
#include "compiled_util.h"
#include "safetensors_files.h"
#include "test_util.h"

using namespace rill;
using rill_test::compiled_of;

namespace {

const StepEmbedding kRaw{true, TimeEmbedding{0}};
const StepEmbedding kSin1{true, TimeEmbedding{1}};

// A one-layer model (no activation): u = W·in, W given row-major [d, inputs], bias 0.
struct Linear {
  MlpSpec spec;
  std::vector<float> params;
  Mlp mlp;
  Linear(TimeEmbedding time, StepEmbedding step, ConditionSpec cond, const std::vector<float>& w)
      : spec(MlpSpec::make(2, 8, 0, Activation::silu, time, cond, step)), params(spec.param_count(), 0.0f) {
    REQUIRE(w.size() == static_cast<std::size_t>(2 * spec.sizes[0]));
    std::copy(w.begin(), w.end(), params.begin() + static_cast<std::ptrdiff_t>(spec.weight_offset(0)));
    mlp.spec = spec;
    mlp.bind(params.data());
  }
};

// u_t(x) for the points x (n × 2) through MlpField with condition c.
std::vector<float> field_of(const Mlp& mlp, const std::vector<float>& x, float t, MlpCondition c) {
  const int n = static_cast<int>(x.size()) / mlp.spec.dim;
  std::vector<unsigned char> mem(mlp_forward_scratch(mlp.spec, n) + Arena::kAlign);
  Arena a(mem.data(), mem.size());
  std::vector<float> out(x.size());
  REQUIRE(MlpField(mlp, c).eval(x.data(), n, t, out.data(), a) == Status::ok);
  return out;
}

// The core's integration of x with the model's field at the solver's step length.
std::vector<float> core_integrate(const Mlp& mlp, Solver s, int steps, std::vector<float> x, float t0, float t1) {
  const MlpField f(mlp, MlpCondition{nullptr, 0, step_length(t0, t1, steps)});
  const int n = static_cast<int>(x.size()) / mlp.spec.dim;
  std::vector<unsigned char> mem(integrate_scratch(f, s, n) + Arena::kAlign);
  Arena a(mem.data(), mem.size());
  REQUIRE(integrate(f, s, steps, x.data(), n, t0, t1, a) == Status::ok);
  return x;
}

std::vector<unsigned char> file_of(const Mlp& mlp, WeightDtype dtype = WeightDtype::f32) {
  std::vector<unsigned char> out(model_file_size(mlp, 0.0f, nullptr, 0, dtype));
  REQUIRE(!out.empty());
  std::size_t written = 0;
  Message msg;
  REQUIRE_MESSAGE(model_write(mlp, 0.0f, nullptr, 0, out.data(), out.size(), &written, &msg, dtype) == Status::ok,
                  msg.text);
  return out;
}

rill_model* open_file(const std::vector<unsigned char>& file) {
  rill_model* m = nullptr;
  char err[256] = "";
  REQUIRE_MESSAGE(rill_model_open(file.data(), file.size(), &m, err, sizeof err) == RILL_OK, err);
  return m;
}

rill_run_options options(int solver, int steps, float t0 = 0.0f, float t1 = 1.0f) {
  rill_run_options o;
  rill_run_options_default(&o);
  o.solver = solver;
  o.steps = steps;
  o.t0 = t0;
  o.t1 = t1;
  return o;
}

const float kPi = 3.14159265358979f;

}  // namespace

TEST_CASE("step_embedding names: none, raw and sin:K round trip; sin:0, sin:13 and junk are refused") {
  struct Case {
    const char* name;
    int k, features;
  } cases[] = {{"none", -1, 0}, {"raw", 0, 1}, {"sin:1", 1, 2}, {"sin:4", 4, 8}, {"sin:12", 12, 24}};
  for (const Case& c : cases) {
    CAPTURE(c.name);
    StepEmbedding e{true, TimeEmbedding{7}};
    REQUIRE(parse_step_embedding(c.name, std::strlen(c.name), &e));
    CHECK(e.on == (c.k >= 0));
    CHECK(e.k() == c.k);
    CHECK(e.features() == c.features);
    char buf[16];
    CHECK(step_embedding_name(e, buf, sizeof buf) == std::strlen(c.name));
    CHECK(std::string(buf) == c.name);
    const StepEmbedding back = StepEmbedding::from_k(c.k);
    CHECK((back.on == e.on && back.k() == e.k()));
  }
  for (const char* bad : {"sin:0", "sin:13", "sin:", "sin:01", "junk", "", "Raw", "none ", "raw:1", "sin:-1"}) {
    CAPTURE(bad);
    StepEmbedding e = kSin1;
    CHECK_FALSE(parse_step_embedding(bad, std::strlen(bad), &e));
  }
  char small[3];  // truncated, NUL-terminated, the full length returned
  CHECK(step_embedding_name(StepEmbedding{}, small, sizeof small) == 4);
  CHECK(std::string(small) == "no");
  // sizes[0] counts the step features between time and condition.
  const MlpSpec s = MlpSpec::make(3, 8, 1, Activation::silu, TimeEmbedding{2}, ConditionSpec::classes(5), kSin1);
  CHECK(s.sizes[0] == 3 + 4 + 2 + 5);
  CHECK(s.validate(nullptr) == Status::ok);
}

TEST_CASE("the input row is [x | time | step | condition]: a layer that reads chosen inputs gives h in closed form") {
  const std::vector<float> x = {0.5f, -1.25f, 2.0f, 0.0f};
  SUBCASE("raw h: u = (0, h)") {
    const Linear m(TimeEmbedding{0}, kRaw, {}, {0, 0, 0, 0, /**/ 0, 0, 0, 1});
    for (float h : {0.0f, 0.25f, 0.3f, 1.0f}) {
      const std::vector<float> u = field_of(m.mlp, x, 0.7f, MlpCondition{nullptr, 0, h});
      CHECK(u == std::vector<float>{0.0f, h, 0.0f, h});
    }
  }
  SUBCASE("sin:1 h after sin:2 time: u = (sin(pi h), cos(pi h))") {
    // [x0 x1 | sin(pi t) sin(2 pi t) cos(pi t) cos(2 pi t) | sin(pi h) cos(pi h)]
    const Linear m(TimeEmbedding{2}, kSin1, {}, {0, 0, 0, 0, 0, 0, 1, 0, /**/ 0, 0, 0, 0, 0, 0, 0, 1});
    for (float h : {0.0f, 0.125f, 0.3f, 0.5f}) {
      CAPTURE(h);
      const std::vector<float> u = field_of(m.mlp, x, 0.4f, MlpCondition{nullptr, 0, h});
      CHECK(std::fabs(u[0] - std::sin(kPi * h)) <= 2e-7f);
      CHECK(std::fabs(u[1] - std::cos(kPi * h)) <= 2e-7f);
      CHECK((u[2] == u[0] && u[3] == u[1]));
    }
  }
  SUBCASE("class:3 after the step features: u = (sin(pi h), 2^K)") {
    // [x0 x1 | t | sin(pi h) cos(pi h) | one-hot(3)]
    const ConditionSpec c = ConditionSpec::classes(3);
    const Linear m(TimeEmbedding{0}, kSin1, c, {0, 0, 0, 1, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 1, 2, 4});
    float row[3];
    for (int k = 0; k < 3; ++k) {
      c.encode_class(k, row);
      const std::vector<float> u = field_of(m.mlp, x, 0.9f, MlpCondition{row, 0, 0.5f});
      CHECK(std::fabs(u[0] - 1.0f) <= 1e-7f);
      CHECK(u[1] == static_cast<float>(1 << k));
      CHECK(u[3] == static_cast<float>(1 << k));
    }
    const std::vector<float> none = field_of(m.mlp, x, 0.9f, MlpCondition{nullptr, 0, 0.5f});
    CHECK(none[1] == 0.0f);
  }
  SUBCASE("vector:1 after raw h: u = (h, v + 10)") {
    // [x0 x1 | t | h | v 1]
    const Linear m(TimeEmbedding{0}, kRaw, ConditionSpec::vector(1), {0, 0, 0, 1, 0, 0, /**/ 0, 0, 0, 0, 1, 10});
    const float rows[4] = {-3.0f, 1.0f, 0.5f, 1.0f};  // one encoded row per point: v, 1
    const std::vector<float> u = field_of(m.mlp, x, 0.1f, MlpCondition{rows, 2, 0.75f});
    CHECK(u == std::vector<float>{0.75f, 7.0f, 0.75f, 10.5f});
  }
}

TEST_CASE("every solver feeds each stage of each step the same h = (t1 - t0)/N: closed-form end points") {
  // u = (t, h): x0 gains the integral of t (Euler: its left sum), x1 gains N·h·h = (t1 − t0)²/N.
  // A stage that read another h (h/2 at a midpoint, 0) would move x1 by a quarter or more.
  const Linear m(TimeEmbedding{0}, kRaw, {}, {0, 0, 1, 0, /**/ 0, 0, 0, 1});
  const std::vector<unsigned char> file = file_of(m.mlp);
  rill_model* cm = open_file(file);
  const std::vector<float> x0 = {0.5f, -1.25f, 2.0f, 0.0f};
  const float spans[][2] = {{0.0f, 1.0f}, {0.25f, 0.75f}, {0.5f, 0.5f}};
  for (Solver s : {Solver::euler, Solver::midpoint, Solver::heun, Solver::rk4}) {
    for (const auto& span : spans) {
      for (int steps : {1, 2, 3, 8}) {
        const float t0 = span[0], t1 = span[1];
        CAPTURE(solver_name(s));
        CAPTURE(t0);
        CAPTURE(steps);
        const double h = (static_cast<double>(t1) - t0) / steps;
        const double dx0 = s == Solver::euler ? steps * h * t0 + h * h * steps * (steps - 1) / 2.0
                                              : (static_cast<double>(t1) * t1 - static_cast<double>(t0) * t0) / 2.0;
        const double dx1 = steps * h * h;
        const std::vector<float> got = core_integrate(m.mlp, s, steps, x0, t0, t1);
        for (int p = 0; p < 2; ++p) {
          CHECK(std::fabs(got[2 * p] - (x0[2 * p] + dx0)) <= 2e-6);
          CHECK(std::fabs(got[2 * p + 1] - (x0[2 * p + 1] + dx1)) <= 2e-6);
        }
        // The C API gives the same bits.
        std::vector<float> capi = x0;
        const rill_run_options o = options(static_cast<int>(s), steps, t0, t1);
        REQUIRE(rill_integrate_with(cm, capi.data(), 2, &o, nullptr) == RILL_OK);
        CHECK(capi == got);
      }
    }
  }
  // rill_field_with reads options.h; the default is 0 (the instantaneous velocity).
  rill_run_options o = options(RILL_HEUN, 1);
  o.t = 0.375f;
  std::vector<float> u(4);
  REQUIRE(rill_field_with(cm, x0.data(), 2, &o, u.data()) == RILL_OK);
  CHECK(u == std::vector<float>{0.375f, 0.0f, 0.375f, 0.0f});
  o.h = 0.3f;
  REQUIRE(rill_field_with(cm, x0.data(), 2, &o, u.data()) == RILL_OK);
  CHECK(u == std::vector<float>{0.375f, 0.3f, 0.375f, 0.3f});
  o.h = std::nanf("");
  CHECK(rill_field_with(cm, x0.data(), 2, &o, u.data()) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(cm)) == "h must be a number");
  rill_model_info info;
  REQUIRE(rill_model_get_info(cm, &info) == RILL_OK);
  CHECK(info.step_k == 0);
  rill_model_free(cm);
}

TEST_CASE("a step model through the core Runner, made from its Mlp or a field, samples the C API's bits") {
  const MlpSpec spec = MlpSpec::make(2, 16, 2, Activation::silu, TimeEmbedding{2}, {}, kSin1);
  std::vector<float> params;
  const std::vector<unsigned char> file = rill_test::model_bytes(spec, &params);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  rill_model* cm = open_file(file);
  const int n = 300, chunk = 64;
  std::vector<unsigned char> mem(Runner::scratch_bytes(spec, chunk) + Arena::kAlign);
  for (int steps : {1, 4}) {
    CAPTURE(steps);
    std::vector<float> want(2 * n), got(2 * n), via_field(2 * n);
    const rill_run_options o = options(RILL_RK4, steps);
    REQUIRE(rill_sample_with(cm, n, 42, &o, want.data(), nullptr) == RILL_OK);
    RunOptions ro;
    ro.solver = Solver::rk4;
    ro.steps = steps;
    Runner own(mlp, chunk, Arena(mem.data(), mem.size()));
    REQUIRE(own.sample(ro, 42, got.data(), n) == Status::ok);
    CHECK(got == want);
    const MlpField f(mlp, MlpCondition{nullptr, 0, step_length(0.0f, 1.0f, steps)});
    Runner of_field(f, chunk, Arena(mem.data(), mem.size()));
    REQUIRE(of_field.sample(ro, 42, via_field.data(), n) == Status::ok);
    CHECK(via_field == want);
    // integrate from t0 = 0.25 to 0.75: h = 0.5/steps there too.
    ro.t0 = 0.25f;
    ro.t1 = 0.75f;
    std::vector<float> a(want), b(want);
    REQUIRE(own.integrate(ro, a.data(), n) == Status::ok);
    const rill_run_options oi = options(RILL_RK4, steps, 0.25f, 0.75f);
    REQUIRE(rill_integrate_with(cm, b.data(), n, &oi, nullptr) == RILL_OK);
    CHECK(a == b);
    CHECK(a == core_integrate(mlp, Solver::rk4, steps, want, 0.25f, 0.75f));
  }
  rill_model_free(cm);
}

TEST_CASE("a step model samples the same bits heap, placed, threaded, compiled and through the lean sampler") {
  const MlpSpec specs[] = {MlpSpec::make(2, 16, 2, Activation::silu, TimeEmbedding{2}, {}, kSin1),
                           MlpSpec::make(2, 16, 1, Activation::silu, TimeEmbedding{0}, ConditionSpec::classes(3), kRaw),
                           MlpSpec::make(3, 8, 2, Activation::silu, TimeEmbedding{1}, {}, StepEmbedding{true, TimeEmbedding{3}})};
  for (const MlpSpec& spec : specs) {
    std::vector<float> params;
    const std::vector<unsigned char> file = rill_test::model_bytes(spec, &params);
    Mlp mlp;
    mlp.spec = spec;
    mlp.bind(params.data());
    const int n = 600, d = spec.dim;  // more than one chunk of 256, so threads split the rows
    rill_model* heap = open_file(file);
    rill_model* threaded = open_file(file);
    REQUIRE(rill_model_set_threads(threaded, 3) == RILL_OK);
    std::vector<unsigned char> placed_mem;
    rill_model* placed = nullptr;
    size_t need = 0;
    REQUIRE(rill_model_memory(file.data(), file.size(), 1, 0, &need, nullptr, 0) == RILL_OK);
    placed_mem.assign(need + 64, 0);
    REQUIRE(rill_model_init(placed_mem.data(), placed_mem.size(), file.data(), file.size(), 1, 0, &placed, nullptr,
                            0) == RILL_OK);
    const rill_compiled_model c = compiled_of(spec, params);
    std::vector<unsigned char> compiled_mem;
    rill_model* compiled = nullptr;
    char err[256] = "";
    REQUIRE_MESSAGE(rill_model_memory_compiled(&c, 16, RILL_PACK, &need, err, sizeof err) == RILL_OK, err);
    compiled_mem.assign(need + 64, 0);
    REQUIRE_MESSAGE(rill_model_init_compiled(compiled_mem.data(), compiled_mem.size(), &c, 16, RILL_PACK, &compiled,
                                             err, sizeof err) == RILL_OK,
                    err);
    rill_model* const models[] = {heap, threaded, placed, compiled};
    for (rill_model* m : models) {
      rill_model_info info;
      REQUIRE(rill_model_get_info(m, &info) == RILL_OK);
      CHECK(info.step_k == spec.step.k());
    }
    size_t scratch = 0;
    REQUIRE_MESSAGE(rill_compiled_check(&c, &scratch, err, sizeof err) == RILL_OK, err);
    std::vector<float> lean_scratch(scratch / sizeof(float) + 1);
    for (int solver : {RILL_EULER, RILL_MIDPOINT, RILL_HEUN, RILL_RK4}) {
      for (int steps : {1, 3}) {
        CAPTURE(solver);
        CAPTURE(steps);
        // The core's bits: x0 = sample_noise(seed), integrated at h = 1/steps.
        std::vector<float> want(static_cast<size_t>(n) * d);
        sample_noise(42, want.data(), static_cast<long>(want.size()));
        want = core_integrate(mlp, static_cast<Solver>(solver), steps, want, 0.0f, 1.0f);
        const rill_run_options o = options(solver, steps);
        for (rill_model* m : models) {
          std::vector<float> got(want.size());
          REQUIRE(rill_sample_with(m, n, 42, &o, got.data(), nullptr) == RILL_OK);
          CHECK(got == want);
        }
        std::vector<float> lean(want.size());
        REQUIRE(rill_compiled_sample_silu(&c, n, steps, solver, 42, lean.data(), lean_scratch.data(), scratch) ==
                RILL_OK);
        CHECK(lean == want);
      }
    }
    // A class (guided) on a conditioned step model: the CLI's field, ConditionedField's, at h.
    if (spec.condition.kind == ConditionSpec::Kind::cls) {
      float row[3];
      spec.condition.encode_class(2, row);
      const float h = step_length(0.0f, 1.0f, 5);
      const MlpField uc(mlp, MlpCondition{row, 0, h}), u0(mlp, MlpCondition{nullptr, 0, h});
      const GuidedField g(u0, uc, 1.5f);
      std::vector<float> want(static_cast<size_t>(n) * d);
      sample_noise(7, want.data(), static_cast<long>(want.size()));
      std::vector<unsigned char> mem(integrate_scratch(g, Solver::heun, n) + Arena::kAlign);
      Arena a(mem.data(), mem.size());
      REQUIRE(integrate(g, Solver::heun, 5, want.data(), n, 0.0f, 1.0f, a) == Status::ok);
      rill_run_options o = options(RILL_HEUN, 5);
      o.class_index = 2;
      o.guidance = 1.5f;
      for (rill_model* m : models) {
        std::vector<float> got(want.size());
        REQUIRE(rill_sample_with(m, n, 7, &o, got.data(), nullptr) == RILL_OK);
        CHECK(got == want);
      }
    }
    // Fields at h (rill_field_with's options.h) and integration from t0 to t1 agree too.
    std::vector<float> x(static_cast<size_t>(n) * d);
    sample_noise(3, x.data(), static_cast<long>(x.size()));
    const std::vector<float> want_u = field_of(mlp, x, 0.6f, MlpCondition{nullptr, 0, 0.2f});
    const std::vector<float> want_x = core_integrate(mlp, Solver::midpoint, 4, x, 0.125f, 0.875f);
    for (rill_model* m : models) {
      rill_run_options o = options(RILL_MIDPOINT, 4, 0.125f, 0.875f);
      o.t = 0.6f;
      o.h = 0.2f;
      std::vector<float> u(x.size()), y(x);
      REQUIRE(rill_field_with(m, x.data(), n, &o, u.data()) == RILL_OK);
      CHECK(u == want_u);
      REQUIRE(rill_integrate_with(m, y.data(), n, &o, nullptr) == RILL_OK);
      CHECK(y == want_x);
    }
    rill_model_free(heap);
    rill_model_free(threaded);
  }
}

TEST_CASE("rill_model_open_compiled reads step_k: a step model's bits from one heap block") {
  const MlpSpec spec = MlpSpec::make(2, 16, 2, Activation::silu, TimeEmbedding{2}, {}, kSin1);
  std::vector<float> params;
  const std::vector<unsigned char> file = rill_test::model_bytes(spec, &params);
  rill_model* fm = open_file(file);
  std::vector<float> want(2 * 300), got(2 * 300);
  REQUIRE(rill_sample(fm, 300, 6, RILL_HEUN, 9, want.data(), nullptr) == RILL_OK);
  rill_model_free(fm);
  const std::size_t head = (sizeof(rill_compiled_model) + 15) / 16 * 16;
  unsigned char* block = static_cast<unsigned char*>(rill_alloc(head + params.size() * sizeof(float)));
  REQUIRE(block != nullptr);
  float* copy = reinterpret_cast<float*>(block + head);
  std::memcpy(copy, params.data(), params.size() * sizeof(float));
  std::vector<float> aligned(copy, copy + params.size());
  rill_compiled_model c = compiled_of(spec, aligned);
  for (int i = 0; i < spec.n_layers; ++i) {
    c.weight[i] = copy + spec.weight_offset(i);
    c.bias[i] = copy + spec.bias_offset(i);
  }
  std::memcpy(block, &c, sizeof c);
  rill_model* m = nullptr;
  char err[256] = "";
  REQUIRE_MESSAGE(rill_model_open_compiled(reinterpret_cast<rill_compiled_model*>(block), &m, err, sizeof err) ==
                      RILL_OK,
                  err);
  REQUIRE(rill_sample(m, 300, 6, RILL_HEUN, 9, got.data(), nullptr) == RILL_OK);
  CHECK(got == want);
  rill_model_info info;
  REQUIRE(rill_model_get_info(m, &info) == RILL_OK);
  CHECK(info.step_k == 1);
  rill_model_free(m);
}

TEST_CASE("a step model refuses backward integration and log-likelihood with a message; t1 == t0 is forwards") {
  const MlpSpec spec = MlpSpec::make(2, 8, 1, Activation::silu, TimeEmbedding{0}, {}, kRaw);
  const std::vector<unsigned char> file = rill_test::model_bytes(spec);
  rill_model* m = open_file(file);
  std::vector<unsigned char> mem;
  size_t need = 0;
  REQUIRE(rill_model_memory(file.data(), file.size(), 4, RILL_DENSITY, &need, nullptr, 0) == RILL_OK);
  mem.assign(need + 64, 0);
  rill_model* placed = nullptr;
  REQUIRE(rill_model_init(mem.data(), mem.size(), file.data(), file.size(), 4, RILL_DENSITY, &placed, nullptr, 0) ==
          RILL_OK);
  for (rill_model* model : {m, placed}) {
    const std::vector<float> x0 = {0.5f, -0.5f, 1.0f, 2.0f};
    std::vector<float> x = x0, traj(3 * 4, -7.0f);
    const rill_run_options back = options(RILL_HEUN, 2, 1.0f, 0.0f);
    CHECK(rill_integrate_with(model, x.data(), 2, &back, traj.data()) == RILL_INVALID_ARGUMENT);
    CHECK(std::string(rill_model_error(model)) ==
          "the model is step-conditioned (step_embedding): it integrates forwards only (t1 >= t0)");
    CHECK(x == x0);  // nothing written
    CHECK(traj == std::vector<float>(3 * 4, -7.0f));
    CHECK(rill_integrate(model, x.data(), 2, 2, RILL_EULER, 0.75f, 0.5f, nullptr) == RILL_INVALID_ARGUMENT);
    CHECK(x == x0);
    // t1 == t0: h = 0, every step adds 0·u.
    const rill_run_options still = options(RILL_RK4, 3, 0.5f, 0.5f);
    REQUIRE(rill_integrate_with(model, x.data(), 2, &still, nullptr) == RILL_OK);
    CHECK(x == x0);
    rill_run_options lo = options(RILL_RK4, 4);
    std::vector<float> logp(2, -7.0f);
    CHECK(rill_log_prob(model, x.data(), 2, &lo, logp.data()) == RILL_INVALID_ARGUMENT);
    CHECK(std::string(rill_model_error(model)) ==
          "the model is step-conditioned (step_embedding): its output is an average velocity over a step, so it has "
          "no log-density");
    CHECK(logp == std::vector<float>(2, -7.0f));
    lo.probes = 2;
    CHECK(rill_log_prob(model, x.data(), 2, &lo, logp.data()) == RILL_INVALID_ARGUMENT);
  }
  rill_model_free(m);
}

TEST_CASE("the trainer refuses a step-conditioned spec (unsupported, with a message)") {
  const MlpSpec spec = MlpSpec::make(2, 8, 1, Activation::silu, TimeEmbedding{0}, {}, kRaw);
  TrainConfig cfg;
  Message msg;
  CHECK(Trainer::check(spec, cfg, DataSource::builtin(Dataset::moons), &msg) == Status::unsupported);
  CHECK(std::string(msg.text) == "rill trains no step-conditioned model (step_embedding); its PyTorch helper does");
  std::vector<unsigned char> mem(1 << 16);
  Arena arena(mem.data(), mem.size());
  Trainer t;
  Message msg2;
  CHECK(t.init(spec, cfg, DataSource::builtin(Dataset::moons), arena, &msg2) == Status::unsupported);
  CHECK(std::string(msg2.text) == std::string(msg.text));
}

TEST_CASE("the loader: step_embedding needs format 2, a known value and the step features in layer 0") {
  using st_files::tiny_file;  // one layer 2 x 3: d = 2 + raw time, no room for step features
  struct Case {
    std::string meta;
    Status status;
    const char* msg;
  } cases[] = {
      {R"("rill.format":"1","step_embedding":"raw")", Status::bad_metadata,
       "a model with a step_embedding is rill.format 2, not 1"},
      {R"("rill.format":"2","step_embedding":"sin:13")", Status::bad_metadata,
       "unknown step_embedding sin:13 (rill reads none, raw or sin:K, K in 1..12)"},
      {R"("rill.format":"2","step_embedding":"sin:0")", Status::bad_metadata,
       "unknown step_embedding sin:0 (rill reads none, raw or sin:K, K in 1..12)"},
      {R"("rill.format":"2","step_embedding":"h")", Status::bad_metadata,
       "unknown step_embedding h (rill reads none, raw or sin:K, K in 1..12)"},
      {R"("rill.format":"2","step_embedding":"raw")", Status::bad_shape,
       "layer 0: layers.0.weight takes 3 inputs; dimension 2 + 1 time features + 1 step features + 0 condition "
       "features needs 4"},
      {R"("rill.format":"2","step_embedding":"sin:2","condition":"class:2")", Status::bad_shape,
       "layer 0: layers.0.weight takes 3 inputs; dimension 2 + 1 time features + 4 step features + 2 condition "
       "features needs 9"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.meta);
    const st_files::Bytes b = tiny_file(c.meta);
    const st_files::Placed p(b, 0);
    const st_files::Loaded r = st_files::load_bytes(p.p, p.n, nullptr);
    CHECK(r.status == c.status);
    CHECK(r.msg == c.msg);
  }
  // none is the default (and a format-2 file may say so); without step features the old messages stay.
  for (const char* meta : {R"("rill.format":"2","step_embedding":"none")", R"("rill.format":"1")"}) {
    const st_files::Placed p(tiny_file(meta), 0);
    const st_files::Loaded r = st_files::load_bytes(p.p, p.n, nullptr);
    REQUIRE(r.status == Status::ok);
    CHECK_FALSE(r.model.mlp.spec.step.on);
  }
  const st_files::Placed p(tiny_file(R"("rill.format":"1","time_embedding":"sin:1")"), 0);
  CHECK(st_files::load_bytes(p.p, p.n, nullptr).msg ==
        "layer 0: layers.0.weight takes 3 inputs; dimension 2 + 2 time features needs 4");
}

TEST_CASE("a model without step features ignores h: its bits are those of h = 0, and it integrates backwards") {
  const MlpSpec spec = MlpSpec::make(2, 16, 2, Activation::silu, TimeEmbedding{2});
  std::vector<float> params;
  const std::vector<unsigned char> file = rill_test::model_bytes(spec, &params);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  const std::vector<float> x = {0.5f, -0.5f, 1.0f, 2.0f, -3.0f, 0.25f};
  CHECK(field_of(mlp, x, 0.3f, MlpCondition{nullptr, 0, 0.7f}) == field_of(mlp, x, 0.3f, MlpCondition{}));
  rill_model* m = open_file(file);
  rill_model_info info;
  REQUIRE(rill_model_get_info(m, &info) == RILL_OK);
  CHECK(info.step_k == -1);
  rill_run_options o = options(RILL_HEUN, 3, 1.0f, 0.0f);
  o.t = 0.3f;
  std::vector<float> u0(x.size()), u1(x.size()), y = x;
  REQUIRE(rill_field_with(m, x.data(), 3, &o, u0.data()) == RILL_OK);
  o.h = 0.7f;
  REQUIRE(rill_field_with(m, x.data(), 3, &o, u1.data()) == RILL_OK);
  CHECK(u0 == u1);
  REQUIRE(rill_integrate_with(m, y.data(), 3, &o, nullptr) == RILL_OK);  // backwards is fine here
  CHECK(y != x);
  rill_model_free(m);
  // Its file is still format 1, without a step_embedding key.
  const st_files::Placed p(file_of(mlp), 0);
  const st_files::Loaded r = st_files::load_bytes(p.p, p.n, nullptr);
  REQUIRE(r.status == Status::ok);
  CHECK(st_files::meta_of(r.model, "rill.format") == "1");
  CHECK(st_files::meta_of(r.model, "step_embedding") == "<absent>");
}

TEST_CASE("model_write keeps step_embedding (format 2): F32 and F16 read back with the spec and the field bits") {
  const MlpSpec specs[] = {MlpSpec::make(2, 16, 2, Activation::gelu, TimeEmbedding{2}, {}, kSin1),
                           MlpSpec::make(2, 8, 1, Activation::silu, TimeEmbedding{0}, ConditionSpec::classes(2), kRaw),
                           MlpSpec::make(2, 8, 1, Activation::tanh, TimeEmbedding{1}, {}, StepEmbedding{true, TimeEmbedding{12}})};
  for (const MlpSpec& spec : specs) {
    std::vector<float> params;
    rill_test::model_bytes(spec, &params);
    Mlp mlp;
    mlp.spec = spec;
    mlp.bind(params.data());
    char name[16];
    step_embedding_name(spec.step, name, sizeof name);
    CAPTURE(name);
    std::vector<float> x(2 * 40);
    sample_noise(5, x.data(), static_cast<long>(x.size()));
    for (WeightDtype dt : {WeightDtype::f32, WeightDtype::f16}) {
      const std::vector<unsigned char> bytes = file_of(mlp, dt);
      const st_files::Placed p(bytes, 0);
      const st_files::Loaded r = st_files::load_bytes(p.p, p.n, nullptr);
      REQUIRE_MESSAGE(r.status == Status::ok, r.msg);
      const MlpSpec& got = r.model.mlp.spec;
      CHECK(st_files::same_spec(got, spec));
      CHECK((got.step.on && got.step.k() == spec.step.k()));
      CHECK(got.condition.kind == spec.condition.kind);
      CHECK(r.model.format == 2);
      CHECK(st_files::meta_of(r.model, "rill.format") == "2");
      CHECK(st_files::meta_of(r.model, "step_embedding") == name);
      CHECK(r.model.dtype == dt);
      const std::vector<float> u = field_of(r.model.mlp, x, 0.4f, MlpCondition{nullptr, 0, 0.25f});
      if (dt == WeightDtype::f32) {
        CHECK(u == field_of(mlp, x, 0.4f, MlpCondition{nullptr, 0, 0.25f}));
      } else {  // the F32 model with every parameter rounded to F16 (formats.md: exact widening)
        std::vector<float> rounded(params);
        bool overflow = false;
        for (float& v : rounded) v = f16_to_f32(f32_to_f16(v, &overflow));
        REQUIRE_FALSE(overflow);
        Mlp wide;
        wide.spec = spec;
        wide.bind(rounded.data());
        CHECK(u == field_of(wide, x, 0.4f, MlpCondition{nullptr, 0, 0.25f}));
        CHECK(u != field_of(r.model.mlp, x, 0.4f, MlpCondition{nullptr, 0, 0.5f}));  // and it reads h
      }
    }
  }
}
