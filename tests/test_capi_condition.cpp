// The C API's conditions (rill.h): rill_run_options' class_index, condition,
// condition_rows and guidance on sample/integrate/field, with the bits of the
// CLI's conditioned field (src/cli/model.cpp's ConditionedField: MlpFields
// with encoded condition rows under a GuidedField); trainers with labels,
// condition vectors and sources; rill_model_condition; labelled dataset draws;
// and every refusal of issue 12's "Bad input", with its message.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "rill/capi.h"
#include "rill/datasets.h"
#include "rill/density.h"
#include "rill/field.h"
#include "rill/mlp_divergence.h"
#include "rill/model_io.h"
#include "rill/rill.h"
#include "rill/rng.h"
#include "rill/runner.h"
#include "rill/solver.h"

using namespace rill;

namespace {

// A trained model's file: `steps` steps of a small net (deterministic).
std::vector<unsigned char> train_file(rill_trainer* t, int steps) {
  REQUIRE(t != nullptr);
  REQUIRE(rill_trainer_step(t, steps, nullptr) == RILL_OK);
  std::vector<unsigned char> file(rill_trainer_file_size(t));
  size_t written = 0;
  REQUIRE(rill_trainer_write(t, file.data(), file.size(), &written) == RILL_OK);
  rill_trainer_free(t);
  return file;
}

rill_train_config small_config() {
  rill_train_config c;
  rill_train_config_default(&c);
  c.width = 24;
  c.depth = 2;
  c.batch = 64;
  c.lr = 3e-3f;
  c.time_k = 2;
  c.seed = 5;
  return c;
}

std::vector<unsigned char> class_model_file() {
  rill_train_config c = small_config();
  c.condition = RILL_CONDITION_CLASS;
  rill_trainer* t = nullptr;
  char err[200] = "";
  REQUIRE_MESSAGE(rill_trainer_new(&c, RILL_8GAUSSIANS, nullptr, 0, 0, &t, err, sizeof err) == RILL_OK, err);
  return train_file(t, 150);
}

// A vector:2 model on 3-D points (rill_trainer_new_labeled with cond).
std::vector<unsigned char> vector_model_file() {
  const long count = 200;
  std::vector<float> pts(count * 3), cond(count * 2);
  Rng r(4, 4);
  for (long i = 0; i < count; ++i) {
    cond[i * 2] = r.uniform() * 2 - 1;
    cond[i * 2 + 1] = r.uniform();
    for (int j = 0; j < 3; ++j) pts[i * 3 + j] = cond[i * 2 + (j % 2)] + 0.1f * r.normal();
  }
  rill_train_config c = small_config();
  rill_trainer* t = nullptr;
  char err[200] = "";
  REQUIRE_MESSAGE(rill_trainer_new_labeled(&c, pts.data(), count, 3, nullptr, cond.data(), 2, &t, err, sizeof err) ==
                      RILL_OK,
                  err);
  return train_file(t, 150);
}

// The CLI's field for a run: uc (the encoded rows, stride 0 for one row) and u0 under guidance w.
struct CliField {
  Model model;
  std::vector<float> rows;
  MlpField uc, u0;
  GuidedField guided;
  CliField(const std::vector<unsigned char>& file, const std::vector<float>& encoded, bool per_point, float w)
      : model(load(file)),
        rows(encoded),
        uc(model.mlp, MlpCondition{rows.data(), per_point ? model.mlp.spec.condition.features() : 0}),
        u0(model.mlp),
        guided(u0, uc, w) {}
  static Model load(const std::vector<unsigned char>& file) {
    Model m;
    REQUIRE(model_load(file.data(), file.size(), nullptr, &m, nullptr) == Status::ok);
    return m;
  }
  // integrate_points of the CLI: x integrated by a Runner over the guided field.
  std::vector<float> integrate(std::vector<float> x, Solver s, int steps, float t0 = 0.0f, float t1 = 1.0f) {
    const long n = static_cast<long>(x.size()) / model.mlp.spec.dim;
    std::vector<unsigned char> mem(Runner::scratch_bytes(guided, 64) + Arena::kAlign);
    Runner r(guided, 64, Arena(mem.data(), mem.size()));
    RunOptions o;
    o.solver = s;
    o.steps = steps;
    o.t0 = t0;
    o.t1 = t1;
    REQUIRE(r.integrate(o, x.data(), n) == Status::ok);
    return x;
  }
};

std::vector<float> one_hot(int k, int c) {
  std::vector<float> v(c, 0.0f);
  v[k] = 1.0f;
  return v;
}
std::vector<float> noise(uint32_t seed, long n, int d) {
  std::vector<float> x(n * d);
  sample_noise(seed, x.data(), n * d);
  return x;
}
bool same(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

rill_run_options options(int solver, int steps) {
  rill_run_options o;
  rill_run_options_default(&o);
  o.solver = solver;
  o.steps = steps;
  return o;
}

}  // namespace

TEST_CASE("rill_run_options_default: no condition, one row, guidance 1") {
  rill_run_options o;
  rill_run_options_default(&o);
  CHECK(o.class_index == -1);
  CHECK(o.condition == nullptr);
  CHECK(o.condition_rows == 1);
  CHECK(o.guidance == 1.0f);
}

TEST_CASE("a class model: rill_sample_with gives the CLI's bits for every class and guidance, chunked or threaded") {
  const auto file = class_model_file();
  rill_model* m = nullptr;
  char err[200] = "";
  REQUIRE(rill_model_open(file.data(), file.size(), &m, err, sizeof err) == RILL_OK);
  int kind = -1, width = -1;
  REQUIRE(rill_model_condition(m, &kind, &width) == RILL_OK);
  CHECK(kind == RILL_CONDITION_CLASS);
  CHECK(width == 8);
  char meta[64] = "";
  REQUIRE(rill_model_metadata(m, "condition", meta, sizeof meta) == RILL_OK);
  CHECK(std::string(meta) == "class:8");
  // The same model placed heap-free with chunks of 1 (the firmware's way).
  size_t need = 0;
  REQUIRE(rill_model_memory(file.data(), file.size(), 1, 0, &need, err, sizeof err) == RILL_OK);
  std::vector<unsigned char> mem(need);
  rill_model* small = nullptr;
  REQUIRE(rill_model_init(mem.data(), need, file.data(), file.size(), 1, 0, &small, err, sizeof err) == RILL_OK);
  const int n = 300, steps = 6;  // n > the heap model's chunk of 256
  for (int k : {0, 3, 7})
    for (float w : {1.0f, 2.5f, 0.0f, -0.5f}) {
      CAPTURE(k);
      CAPTURE(w);
      CliField cli(file, one_hot(k, 8), false, w);
      const auto ref = cli.integrate(noise(11, n, 2), Solver::rk4, steps);
      rill_run_options o = options(RILL_RK4, steps);
      o.class_index = k;
      o.guidance = w;
      std::vector<float> out(n * 2), out1(n * 2);
      REQUIRE(rill_sample_with(m, n, 11, &o, out.data(), nullptr) == RILL_OK);
      CHECK(same(out, ref));
      REQUIRE(rill_sample_with(small, n, 11, &o, out1.data(), nullptr) == RILL_OK);
      CHECK(same(out1, ref));
    }
#ifndef __EMSCRIPTEN__
  REQUIRE(rill_model_set_threads(m, 3) == RILL_OK);
  CliField cli(file, one_hot(5, 8), false, 3.0f);
  const auto ref = cli.integrate(noise(2, 700, 2), Solver::heun, 4);
  rill_run_options o = options(RILL_HEUN, 4);
  o.class_index = 5;
  o.guidance = 3.0f;
  std::vector<float> out(1400);
  REQUIRE(rill_sample_with(m, 700, 2, &o, out.data(), nullptr) == RILL_OK);
  CHECK(same(out, ref));
#endif
  rill_model_free(m);
}

TEST_CASE("guidance 1 is the conditional field alone, 0 the unconditional model's own bits") {
  const auto file = class_model_file();
  rill_model* m = nullptr;
  REQUIRE(rill_model_open(file.data(), file.size(), &m, nullptr, 0) == RILL_OK);
  const int n = 50;
  std::vector<float> plain(n * 2), w0(n * 2), w1(n * 2);
  REQUIRE(rill_sample(m, n, 8, RILL_HEUN, 3, plain.data(), nullptr) == RILL_OK);
  rill_run_options o = options(RILL_HEUN, 8);
  o.class_index = 2;
  o.guidance = 0.0f;
  REQUIRE(rill_sample_with(m, n, 3, &o, w0.data(), nullptr) == RILL_OK);
  CHECK(same(w0, plain));
  o.guidance = 1.0f;
  REQUIRE(rill_sample_with(m, n, 3, &o, w1.data(), nullptr) == RILL_OK);
  Model model = CliField::load(file);
  const auto row = one_hot(2, 8);
  const MlpField uc(model.mlp, MlpCondition{row.data(), 0});  // one evaluation of u(·|c)
  std::vector<unsigned char> mem(sample_scratch(uc, Solver::heun, n));
  Arena a(mem.data(), mem.size());
  std::vector<float> ref(n * 2);
  REQUIRE(sample(uc, Solver::heun, 8, n, 3, ref.data(), a) == Status::ok);
  CHECK(same(w1, ref));
  CHECK(!same(w1, plain));
  // The field and integrate too.
  std::vector<float> u(n * 2), u0(n * 2);
  o.t = 0.25f;
  o.guidance = 0.0f;
  REQUIRE(rill_field_with(m, plain.data(), n, &o, u.data()) == RILL_OK);
  REQUIRE(rill_field(m, plain.data(), n, 0.25f, u0.data()) == RILL_OK);
  CHECK(same(u, u0));
  rill_model_free(m);
}

TEST_CASE("a vector model: one row for all or a row per point, in sample, integrate and field") {
  const auto file = vector_model_file();
  rill_model* m = nullptr;
  REQUIRE(rill_model_open(file.data(), file.size(), &m, nullptr, 0) == RILL_OK);
  int kind = -1, width = -1;
  REQUIRE(rill_model_condition(m, &kind, &width) == RILL_OK);
  CHECK(kind == RILL_CONDITION_VECTOR);
  CHECK(width == 2);
  const int n = 270;
  std::vector<float> values(n * 2), encoded(n * 3);
  for (int i = 0; i < n; ++i) {
    values[i * 2] = 0.01f * i - 1.0f;
    values[i * 2 + 1] = 0.5f;
    encoded[i * 3] = values[i * 2];
    encoded[i * 3 + 1] = values[i * 2 + 1];
    encoded[i * 3 + 2] = 1.0f;
  }
  for (float w : {1.0f, 1.75f}) {
    CAPTURE(w);
    // One row for every point: the CLI's (1, M) --cond.
    CliField shared(file, {0.25f, -0.5f, 1.0f}, false, w);
    const float row[2] = {0.25f, -0.5f};
    rill_run_options o = options(RILL_MIDPOINT, 5);
    o.condition = row;
    o.guidance = w;
    std::vector<float> out(n * 3);
    REQUIRE(rill_sample_with(m, n, 8, &o, out.data(), nullptr) == RILL_OK);
    CHECK(same(out, shared.integrate(noise(8, n, 3), Solver::midpoint, 5)));
    // A row per point: (n, M).
    CliField per(file, encoded, true, w);
    o.condition = values.data();
    o.condition_rows = n;
    REQUIRE(rill_sample_with(m, n, 8, &o, out.data(), nullptr) == RILL_OK);
    CHECK(same(out, per.integrate(noise(8, n, 3), Solver::midpoint, 5)));
    // Backwards through rill_integrate_with.
    std::vector<float> x = out;
    o.t0 = 1.0f;
    o.t1 = 0.0f;
    REQUIRE(rill_integrate_with(m, x.data(), n, &o, nullptr) == RILL_OK);
    CHECK(same(x, per.integrate(out, Solver::midpoint, 5, 1.0f, 0.0f)));
    // The field: row i of the output is u(x_i | c_i).
    o.t = 0.5f;
    std::vector<float> u(n * 3), ref(n * 3);
    REQUIRE(rill_field_with(m, out.data(), n, &o, u.data()) == RILL_OK);
    std::vector<unsigned char> mem(per.guided.scratch_bytes(1) + Arena::kAlign);
    Arena a(mem.data(), mem.size());
    for (int i = 0; i < n; ++i) {
      a.reset();
      REQUIRE(per.guided.eval_rows(i, out.data() + i * 3, 1, 0.5f, ref.data() + i * 3, a) == Status::ok);
    }
    CHECK(same(u, ref));
  }
  rill_model_free(m);
}

TEST_CASE("bad conditions are refused with a message naming the value and the limit") {
  const auto cls_file = class_model_file();
  const auto vec_file = vector_model_file();
  const MlpSpec plain_spec = MlpSpec::make(2, 8, 1);
  std::vector<float> params(plain_spec.param_count(), 0.01f);
  Mlp plain_mlp;
  plain_mlp.spec = plain_spec;
  plain_mlp.bind(params.data());
  std::vector<unsigned char> plain_file(model_file_size(plain_mlp, 0.0f, nullptr, 0));
  size_t written = 0;
  REQUIRE(model_write(plain_mlp, 0.0f, nullptr, 0, plain_file.data(), plain_file.size(), &written, nullptr) ==
          Status::ok);
  rill_model *cm = nullptr, *vm = nullptr, *pm = nullptr;
  REQUIRE(rill_model_open(cls_file.data(), cls_file.size(), &cm, nullptr, 0) == RILL_OK);
  REQUIRE(rill_model_open(vec_file.data(), vec_file.size(), &vm, nullptr, 0) == RILL_OK);
  REQUIRE(rill_model_open(plain_file.data(), plain_file.size(), &pm, nullptr, 0) == RILL_OK);
  std::vector<float> out(30), x(30, 0.1f);
  const float row[2] = {0.5f, NAN};
  auto refused = [&](rill_model* m, rill_run_options o, const char* words) {
    CAPTURE(words);
    CHECK(rill_sample_with(m, 10, 1, &o, out.data(), nullptr) == RILL_INVALID_ARGUMENT);
    CHECK(std::string(rill_model_error(m)).find(words) != std::string::npos);
    CHECK(rill_field_with(m, x.data(), 10, &o, out.data()) == RILL_INVALID_ARGUMENT);
    CHECK(std::string(rill_model_error(m)).find(words) != std::string::npos);
    std::vector<float> y = x;
    CHECK(rill_integrate_with(m, y.data(), 10, &o, nullptr) == RILL_INVALID_ARGUMENT);
    CHECK(std::memcmp(y.data(), x.data(), y.size() * 4) == 0);  // nothing touched
  };
  rill_run_options o = options(RILL_HEUN, 2);
  o.class_index = 8;
  refused(cm, o, "class_index 8: the model has classes 0..7");
  o.class_index = -2;
  refused(cm, o, "class_index -2: the model has classes 0..7");
  o.class_index = 1;
  refused(vm, o, "class_index 1: the model has no classes (its condition is vector:2)");
  refused(pm, o, "class_index 1: the model has no classes (its condition is none)");
  o.condition = row;
  refused(cm, o, "class_index 1 and condition exclude each other");
  o.class_index = -1;
  refused(cm, o, "condition: the model has no vector condition (its condition is class:8)");
  refused(vm, o, "condition value 1 of row 0 is nan; a condition must be finite");
  const float good[2] = {0.5f, 0.25f};
  o.condition = good;
  o.condition_rows = 3;
  refused(vm, o, "condition_rows 3: must be 1 (one condition for all) or n = 10");
  o = options(RILL_HEUN, 2);
  o.guidance = 2.0f;
  refused(pm, o, "guidance 2 needs a condition (class_index or condition)");
  refused(cm, o, "guidance 2 needs a condition");
  o.guidance = NAN;
  o.class_index = 0;
  refused(cm, o, "guidance must be a number");
  // Formula models have no condition.
  rill_model* fm = nullptr;
  REQUIRE(rill_model_open_name("exact:8gaussians", &fm, nullptr, 0) == RILL_OK);
  o = options(RILL_HEUN, 2);
  o.class_index = 0;
  refused(fm, o, "class_index 0: the model has no classes (its condition is none)");
  // rill_log_prob: the same checks, and one condition for every point only.
  std::vector<float> logp(10);
  o.class_index = 8;
  CHECK(rill_log_prob(cm, x.data(), 5, &o, logp.data()) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(cm)).find("class_index 8: the model has classes 0..7") != std::string::npos);
  o = options(RILL_HEUN, 2);
  const std::vector<float> five(5 * 2, 0.5f);  // a row per point
  o.condition = five.data();
  o.condition_rows = 5;
  CHECK(rill_log_prob(vm, x.data(), 5, &o, logp.data()) == RILL_UNSUPPORTED);
  CHECK(std::string(rill_model_error(vm)).find("one condition for every point (condition_rows 1)") != std::string::npos);
  rill_model_free(fm);
  rill_model_free(cm);
  rill_model_free(vm);
  rill_model_free(pm);
}

TEST_CASE("trainers with labels, conditions and sources; their refusals") {
  rill_train_config c = small_config();
  char err[200] = "";
  rill_trainer* t = nullptr;
  const long count = 40;
  std::vector<float> pts(count * 2, 0.5f);
  std::vector<int32_t> labels(count);
  for (long i = 0; i < count; ++i) labels[i] = static_cast<int32_t>(i % 3);
  pts[3] = 1.0f;
  REQUIRE(rill_trainer_new_labeled(&c, pts.data(), count, 2, labels.data(), nullptr, 0, &t, err, sizeof err) ==
          RILL_OK);
  int kind = -1, width = -1;
  REQUIRE(rill_model_condition(rill_trainer_model(t), &kind, &width) == RILL_OK);
  CHECK(kind == RILL_CONDITION_CLASS);
  CHECK(width == 3);  // 1 + the largest label
  rill_trainer_free(t);

  auto refused = [&](int rc, const char* words) {
    CAPTURE(words);
    CHECK(rc == RILL_INVALID_ARGUMENT);
    CHECK(std::string(err).find(words) != std::string::npos);
    CHECK(t == nullptr);
  };
  labels[7] = -1;
  refused(rill_trainer_new_labeled(&c, pts.data(), count, 2, labels.data(), nullptr, 0, &t, err, sizeof err),
          "label 7 is -1");
  refused(rill_trainer_new_labeled(&c, pts.data(), count, 2, nullptr, nullptr, 0, &t, err, sizeof err),
          "give labels or cond, exactly one");
  std::vector<float> cond(count, 0.0f);
  cond[9] = INFINITY;
  refused(rill_trainer_new_labeled(&c, pts.data(), count, 2, nullptr, cond.data(), 1, &t, err, sizeof err),
          "the condition of point 9 has value inf");
  c.condition = RILL_CONDITION_CLASS;
  refused(rill_trainer_new(&c, RILL_SWISSROLL, nullptr, 0, 0, &t, err, sizeof err),
          "condition 1 (class): dataset swissroll has no labels");
  refused(rill_trainer_new(&c, RILL_DATA_POINTS, pts.data(), count, 2, &t, err, sizeof err),
          "rill_trainer_new_labeled");
  c.condition = RILL_CONDITION_VECTOR;
  refused(rill_trainer_new(&c, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err), "dataset moons has no vector condition");
  c.condition = RILL_CONDITION_NONE;
  c.source = RILL_MOONS;
  std::vector<float> pts3(count * 3, 0.5f);
  refused(rill_trainer_new(&c, RILL_DATA_POINTS, pts3.data(), count, 3, &t, err, sizeof err),
          "source moons is 2-dimensional; the data is 3-dimensional");
  c.source = 9;
  refused(rill_trainer_new(&c, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err), "source 9 is not -1 (gaussian)");
  c.source = -1;
  c.cfg_dropout = 1.0f;
  c.condition = RILL_CONDITION_CLASS;
  refused(rill_trainer_new(&c, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err), "cfg_dropout 1 is outside 0 <= p < 1");
}

TEST_CASE("a model with a source draws x0 from that dataset (the CLI's draw_x0), in the trainer and from its file") {
  rill_train_config c = small_config();
  c.source = RILL_8GAUSSIANS;
  rill_trainer* t = nullptr;
  char err[200] = "";
  REQUIRE(rill_trainer_new(&c, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err) == RILL_OK);
  REQUIRE(rill_trainer_step(t, 20, nullptr) == RILL_OK);
  const int n = 40;
  std::vector<float> live(n * 2), opened(n * 2);
  REQUIRE(rill_sample(rill_trainer_model(t), n, 4, RILL_EULER, 6, live.data(), nullptr) == RILL_OK);
  std::vector<unsigned char> file(rill_trainer_file_size(t));
  size_t written = 0;
  REQUIRE(rill_trainer_write(t, file.data(), file.size(), &written) == RILL_OK);
  rill_trainer_free(t);
  rill_model* m = nullptr;
  REQUIRE(rill_model_open(file.data(), file.size(), &m, nullptr, 0) == RILL_OK);
  char meta[32] = "";
  REQUIRE(rill_model_metadata(m, "source", meta, sizeof meta) == RILL_OK);
  CHECK(std::string(meta) == "8gaussians");
  REQUIRE(rill_sample(m, n, 4, RILL_EULER, 6, opened.data(), nullptr) == RILL_OK);
  CHECK(same(live, opened));
  // The reference: 8gaussians points from the sampling stream, integrated by the model's field.
  std::vector<float> x(n * 2);
  Rng rng = Rng::derive(6, Purpose::sample_noise);
  dataset_sample(Dataset::eight_gaussians, rng, x.data(), n);
  CHECK(rill_integrate(m, x.data(), n, 4, RILL_EULER, 0.0f, 1.0f, nullptr) == RILL_OK);
  CHECK(same(x, opened));
  std::vector<float> logp(n);
  CHECK(rill_log_prob(m, x.data(), n, nullptr, logp.data()) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(m)).find("needs a source with a density") != std::string::npos);
  rill_model_free(m);
}

TEST_CASE("rill_dataset_draw_labeled: rill data's points, its --class and --labels-out") {
  const int n = 500;
  std::vector<float> all(n * 2), ref(n * 2), one(n * 2);
  std::vector<int32_t> labels(n, -7), ref_labels(n);
  REQUIRE(rill_dataset_draw(RILL_CHECKERBOARD, n, 12, ref.data()) == RILL_OK);
  REQUIRE(rill_dataset_draw_labeled(RILL_CHECKERBOARD, n, 12, -1, all.data(), labels.data()) == RILL_OK);
  CHECK(same(all, ref));
  DatasetDraw how;
  how.labels = ref_labels.data();
  Rng rng = Rng::derive(12, Purpose::dataset_draw);
  dataset_draw(Dataset::checkerboard, rng, ref.data(), n, how);
  CHECK(labels == ref_labels);
  REQUIRE(rill_dataset_draw_labeled(RILL_CHECKERBOARD, n, 12, 5, one.data(), labels.data()) == RILL_OK);
  for (int i = 0; i < n; ++i) CHECK(labels[i] == 5);
  // moons: a point whose free draw had label 1 comes out the same in the draw of class 1 (datasets.md).
  REQUIRE(rill_dataset_draw_labeled(RILL_MOONS, n, 12, -1, all.data(), ref_labels.data()) == RILL_OK);
  REQUIRE(rill_dataset_draw_labeled(RILL_MOONS, n, 12, 1, one.data(), labels.data()) == RILL_OK);
  int kept = 0, ones = 0;
  for (int i = 0; i < n; ++i) {
    CHECK(labels[i] == 1);
    if (ref_labels[i] != 1) continue;
    ++ones;
    kept += std::memcmp(&one[i * 2], &all[i * 2], 8) == 0;
  }
  CHECK(ones > 100);
  CHECK(kept == ones);
  REQUIRE(rill_dataset_draw_labeled(RILL_MOONS, n, 12, 1, one.data(), nullptr) == RILL_OK);
  CHECK(rill_dataset_draw_labeled(RILL_MOONS, n, 12, 2, one.data(), nullptr) == RILL_INVALID_ARGUMENT);
  CHECK(rill_dataset_draw_labeled(RILL_SWISSROLL, n, 12, 0, one.data(), nullptr) == RILL_INVALID_ARGUMENT);
  CHECK(rill_dataset_draw_labeled(RILL_SWISSROLL, n, 12, -1, one.data(), labels.data()) == RILL_INVALID_ARGUMENT);
  CHECK(rill_dataset_draw_labeled(RILL_SWISSROLL, n, 12, -1, one.data(), nullptr) == RILL_OK);
}

TEST_CASE("rill_log_prob under a condition: w = 0 is the unconditional density, the guided divergence is exact") {
  const auto file = class_model_file();
  rill_model* m = nullptr;
  REQUIRE(rill_model_open(file.data(), file.size(), &m, nullptr, 0) == RILL_OK);
  const int n = 300;  // > the heap model's chunk
  std::vector<float> x(n * 2), plain(n), lp(n), ref(n);
  Rng r(8, 8);
  for (auto& v : x) v = 2.0f * r.normal();
  rill_run_options o = options(RILL_RK4, 8);
  REQUIRE(rill_log_prob(m, x.data(), n, &o, plain.data()) == RILL_OK);
  o.class_index = 3;
  o.guidance = 0.0f;
  REQUIRE(rill_log_prob(m, x.data(), n, &o, lp.data()) == RILL_OK);
  CHECK(same(lp, plain));
  // w = 2.5: rill::log_prob of the call's divergence field, in one batch; chunked (heap, chunk 256) and
  // placed heap-free with chunk 1 and RILL_DENSITY, the same bits.
  o.guidance = 2.5f;
  REQUIRE(rill_log_prob(m, x.data(), n, &o, lp.data()) == RILL_OK);
  CHECK(!same(lp, plain));
  Model model = CliField::load(file);
  const CallDivergenceField f(model.mlp, 3, nullptr, 2.5f);
  std::vector<unsigned char> mem(log_prob_scratch(f, Solver::rk4, n) + Arena::kAlign);
  Arena a(mem.data(), mem.size());
  REQUIRE(log_prob(f, Solver::rk4, 8, x.data(), n, 1.0f, ref.data(), a) == Status::ok);
  CHECK(same(lp, ref));
  size_t need = 0;
  REQUIRE(rill_model_memory(file.data(), file.size(), 1, RILL_DENSITY, &need, nullptr, 0) == RILL_OK);
  std::vector<unsigned char> placed(need);
  rill_model* small = nullptr;
  REQUIRE(rill_model_init(placed.data(), need, file.data(), file.size(), 1, RILL_DENSITY, &small, nullptr, 0) ==
          RILL_OK);
  std::vector<float> lp1(n);
  REQUIRE(rill_log_prob(small, x.data(), n, &o, lp1.data()) == RILL_OK);
  CHECK(same(lp1, ref));
  // The divergence against central differences of the guided field (in double, h = 1e-3).
  std::vector<float> u(n * 2), div(n);
  std::vector<unsigned char> dmem(f.divergence_scratch_bytes(n) + Arena::kAlign);
  Arena da(dmem.data(), dmem.size());
  REQUIRE(f.eval_divergence(x.data(), n, 0.6f, u.data(), div.data(), da) == Status::ok);
  rill_run_options fo = options(RILL_HEUN, 1);
  fo.class_index = 3;
  fo.guidance = 2.5f;
  fo.t = 0.6f;
  std::vector<float> same_u(n * 2);
  REQUIRE(rill_field_with(m, x.data(), n, &fo, same_u.data()) == RILL_OK);
  CHECK(same(u, same_u));  // eval_divergence's u is the field's
  double worst = 0.0;
  for (int i = 0; i < 20; ++i) {
    double fd = 0.0;
    for (int j = 0; j < 2; ++j) {
      float p[2] = {x[i * 2], x[i * 2 + 1]}, q[2] = {x[i * 2], x[i * 2 + 1]}, up[2], uq[2];
      p[j] += 1e-3f;
      q[j] -= 1e-3f;
      REQUIRE(rill_field_with(m, p, 1, &fo, up) == RILL_OK);
      REQUIRE(rill_field_with(m, q, 1, &fo, uq) == RILL_OK);
      fd += (static_cast<double>(up[j]) - uq[j]) / (static_cast<double>(p[j]) - q[j]);
    }
    const double err = std::fabs(fd - div[i]) / (1.0 + std::fabs(fd));
    worst = err > worst ? err : worst;
  }
  CHECK(worst < 2e-2);
  rill_model_free(m);
}

TEST_CASE("rill_log_prob under a condition with Hutchinson's probes: d0 + w(dc − d0) on the same probes, unbiased, "
          "the same bits chunked, placed and threaded") {
  const auto file = class_model_file();
  Model model = CliField::load(file);
  const Mlp& mlp = model.mlp;
  const int d = mlp.spec.dim, k = 3, n = 40;
  std::vector<float> x(n * d);
  Rng r(21, 8);
  for (auto& v : x) v = 1.5f * r.normal();
  // 1. The guided estimate is the two fields' estimates on the same probes, combined as the field is.
  std::vector<float> eps(static_cast<std::size_t>(n) * k * d), enc(static_cast<std::size_t>(mlp.spec.condition.features()));
  rademacher_probes(5, 0, n, k, d, eps.data());
  mlp.spec.condition.encode_class(3, enc.data());
  const float w = 2.5f;
  const CallDivergenceField f(mlp, 3, nullptr, w);
  std::vector<unsigned char> mem(f.probe_divergence_scratch_bytes(n, k) + Arena::kAlign);
  Arena a(mem.data(), mem.size());
  std::vector<float> u(n * d), div(n), u0(n * d), d0(n), uc(n * d), dc(n);
  REQUIRE(f.eval_probe_divergence(x.data(), n, 0.4f, eps.data(), k, u.data(), div.data(), a) == Status::ok);
  REQUIRE(mlp_probe_divergence(mlp, x.data(), n, 0.4f, eps.data(), k, u0.data(), d0.data(), a) == Status::ok);
  REQUIRE(mlp_probe_divergence(mlp, x.data(), n, 0.4f, eps.data(), k, uc.data(), dc.data(), a,
                               MlpCondition{enc.data(), 0}) == Status::ok);
  bool combined = true;
  for (int i = 0; i < n; ++i) combined = combined && div[i] == d0[i] + w * (dc[i] - d0[i]);
  CHECK(combined);
  // 2. Unbiased: the mean of 4,000 single-probe estimates at a point is the exact guided divergence
  // within 5 standard errors.
  const int K = 4000;
  std::vector<float> one(K * d), ex(K * d), many(K * d), dm(K), ux(d), dx(1);
  for (int j = 0; j < K; ++j) std::memcpy(&many[static_cast<std::size_t>(j) * d], x.data(), sizeof(float) * d);
  rademacher_probes(6, 0, K, 1, d, one.data());
  std::vector<unsigned char> big(f.probe_divergence_scratch_bytes(K, 1) + f.divergence_scratch_bytes(1) + 2 * Arena::kAlign);
  Arena b(big.data(), big.size());
  REQUIRE(f.eval_probe_divergence(many.data(), K, 0.4f, one.data(), 1, ex.data(), dm.data(), b) == Status::ok);
  REQUIRE(f.eval_divergence(x.data(), 1, 0.4f, ux.data(), dx.data(), b) == Status::ok);
  double mean = 0, sq = 0;
  for (float v : dm) mean += v, sq += static_cast<double>(v) * v;
  mean /= K;
  const double se = std::sqrt((sq / K - mean * mean) / K);
  CHECK(std::fabs(mean - dx[0]) < 5 * se + 1e-6);
  // 3. rill_log_prob with probes under the condition: heap (chunk 256) on 1 and 3 threads, and placed
  // with chunk 64 and RILL_DENSITY (planned for the exact divergence: the probes run fewer rows at a
  // time), the same bits.
  const int m_rows = 300;
  std::vector<float> xs(m_rows * d), heap1(m_rows), heap3(m_rows), placed1(m_rows);
  for (auto& v : xs) v = 1.5f * r.normal();
  rill_run_options o = options(RILL_RK4, 4);
  o.class_index = 3;
  o.guidance = w;
  o.probes = k;
  o.probe_seed = 9;
  rill_model* m = nullptr;
  REQUIRE(rill_model_open(file.data(), file.size(), &m, nullptr, 0) == RILL_OK);
  REQUIRE(rill_log_prob(m, xs.data(), m_rows, &o, heap1.data()) == RILL_OK);
  REQUIRE(rill_model_set_threads(m, 3) == RILL_OK);
  REQUIRE(rill_log_prob(m, xs.data(), m_rows, &o, heap3.data()) == RILL_OK);
  CHECK(same(heap1, heap3));
  size_t need = 0;
  REQUIRE(rill_model_memory(file.data(), file.size(), 64, RILL_DENSITY, &need, nullptr, 0) == RILL_OK);
  std::vector<unsigned char> place(need);
  rill_model* small = nullptr;
  REQUIRE(rill_model_init(place.data(), need, file.data(), file.size(), 64, RILL_DENSITY, &small, nullptr, 0) == RILL_OK);
  const int placed_rc = rill_log_prob(small, xs.data(), m_rows, &o, placed1.data());
  INFO(std::string(rill_model_error(small)));
  REQUIRE(placed_rc == RILL_OK);
  CHECK(same(heap1, placed1));
  // Not the exact value, and not the unguided estimate.
  std::vector<float> exact(m_rows), plain(m_rows);
  o.probes = 0;
  REQUIRE(rill_log_prob(m, xs.data(), m_rows, &o, exact.data()) == RILL_OK);
  o.probes = k;
  o.class_index = -1;
  o.guidance = 1.0f;
  REQUIRE(rill_log_prob(m, xs.data(), m_rows, &o, plain.data()) == RILL_OK);
  CHECK(!same(heap1, exact));
  CHECK(!same(heap1, plain));
  rill_model_free(m);
}
