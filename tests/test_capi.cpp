// The C API (rill.h): models from bytes, heap-free placement, sampling with
// the bits of the C++ API, chunking, field, training, errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "rill/field.h"
#include "rill/model_io.h"
#include "rill/rill.h"
#include "rill/rng.h"
#include "rill/solver.h"
#include "rill/train.h"
#include "test_util.h"

using namespace rill;

namespace {
using rill_test::model_bytes;

std::vector<float> cpp_sample(const std::vector<float>& params, const MlpSpec& spec, Solver s, int steps, int n,
                              uint32_t seed, std::vector<float>* traj = nullptr) {
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  MlpField f(mlp);
  std::vector<unsigned char> mem(sample_scratch(f, s, n));
  Arena a(mem.data(), mem.size());
  std::vector<float> out(size_t(n) * spec.dim);
  if (traj) traj->assign(size_t(steps + 1) * n * spec.dim, 0.0f);
  REQUIRE(sample(f, s, steps, n, seed, out.data(), a, traj ? traj->data() : nullptr) == Status::ok);
  return out;
}
}  // namespace

TEST_CASE("rill_sample gives the bits of rill::sample, for every solver, chunked or not") {
  const MlpSpec spec = MlpSpec::make(2, 32, 2);
  std::vector<float> params;
  const auto bytes = model_bytes(spec, &params);
  rill_model* m = nullptr;
  char err[200];
  REQUIRE(rill_model_open(bytes.data(), bytes.size(), &m, err, sizeof err) == RILL_OK);
  CHECK(rill_model_dim(m) == 2);
  for (int s = RILL_EULER; s <= RILL_RK4; ++s) {
    const int n = 600, steps = 5;  // n > the heap model's chunk of 256
    std::vector<float> traj_ref;
    const auto ref = cpp_sample(params, spec, static_cast<Solver>(s), steps, n, 77, &traj_ref);
    std::vector<float> out(size_t(n) * 2), traj(traj_ref.size());
    REQUIRE(rill_sample(m, n, steps, s, 77, out.data(), traj.data()) == RILL_OK);
    CHECK(std::memcmp(out.data(), ref.data(), out.size() * 4) == 0);
    CHECK(std::memcmp(traj.data(), traj_ref.data(), traj.size() * 4) == 0);
  }
  rill_model_free(m);
}

TEST_CASE("heap-free placement: memory is sized exactly enough, batch 1 chunks give the same bits") {
  const MlpSpec spec = MlpSpec::make(2, 16, 2);
  std::vector<float> params;
  auto bytes = model_bytes(spec, &params);
  size_t need = 0;
  REQUIRE(rill_model_memory(bytes.data(), bytes.size(), 1, 0, &need, nullptr, 0) == RILL_OK);
  CHECK(need < 4096);
  std::vector<unsigned char> mem(need);
  rill_model* m = nullptr;
  char err[200] = "";
  CHECK(rill_model_init(mem.data(), need - 1, bytes.data(), bytes.size(), 1, 0, &m, err, sizeof err) ==
        RILL_OUT_OF_MEMORY);
  CHECK(std::string(err).find("bytes of memory") != std::string::npos);
  REQUIRE(rill_model_init(mem.data(), need, bytes.data(), bytes.size(), 1, 0, &m, err, sizeof err) == RILL_OK);
  rill_model_info info;
  REQUIRE(rill_model_get_info(m, &info) == RILL_OK);
  CHECK(info.in_place == 1);
  CHECK(info.params == spec.param_count());
  CHECK(info.width == 16);
  CHECK(info.layers == 3);
  const auto ref = cpp_sample(params, spec, Solver::heun, 8, 33, 5);
  std::vector<float> out(66);
  REQUIRE(rill_sample(m, 33, 8, RILL_HEUN, 5, out.data(), nullptr) == RILL_OK);
  CHECK(std::memcmp(out.data(), ref.data(), out.size() * 4) == 0);
  // misaligned bytes are refused for in-place use
  std::vector<unsigned char> shifted(bytes.size() + 1);
  std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
  CHECK(rill_model_init(mem.data(), need, shifted.data() + 1, bytes.size(), 1, 0, &m, err, sizeof err) ==
        RILL_INVALID_ARGUMENT);
  CHECK(std::string(err).find("aligned") != std::string::npos);
}

TEST_CASE("rill_field equals the Mlp field; rill_integrate runs backwards") {
  const MlpSpec spec = MlpSpec::make(3, 16, 1);
  std::vector<float> params;
  const auto bytes = model_bytes(spec, &params);
  rill_model* m = nullptr;
  REQUIRE(rill_model_open(bytes.data(), bytes.size(), &m, nullptr, 0) == RILL_OK);
  std::vector<float> x(3 * 300), out(x.size()), ref(x.size());
  Rng r(1, 1);
  for (auto& v : x) v = r.normal();
  REQUIRE(rill_field(m, x.data(), 300, 0.4f, out.data()) == RILL_OK);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  std::vector<unsigned char> mem(mlp_forward_scratch(spec, 300));
  Arena a(mem.data(), mem.size());
  REQUIRE(MlpField(mlp).eval(x.data(), 300, 0.4f, ref.data(), a) == Status::ok);
  CHECK(std::memcmp(out.data(), ref.data(), out.size() * 4) == 0);
  // With threads, 300 rows (over the chunk of 256) are split: the same bits.
  REQUIRE(rill_model_set_threads(m, 3) == RILL_OK);
  std::fill(out.begin(), out.end(), 0.0f);
  REQUIRE(rill_field(m, x.data(), 300, 0.4f, out.data()) == RILL_OK);
  CHECK(std::memcmp(out.data(), ref.data(), out.size() * 4) == 0);
  REQUIRE(rill_model_set_threads(m, 1) == RILL_OK);
  auto y = x;
  REQUIRE(rill_integrate(m, y.data(), 300, 50, RILL_RK4, 0.0f, 1.0f, nullptr) == RILL_OK);
  REQUIRE(rill_integrate(m, y.data(), 300, 50, RILL_RK4, 1.0f, 0.0f, nullptr) == RILL_OK);
  double err = 0;
  for (size_t i = 0; i < x.size(); ++i) err = std::max(err, double(std::fabs(y[i] - x[i])));
  CHECK(err < 1e-3);
  rill_model_free(m);
}

TEST_CASE("errors: damaged bytes, bad arguments, readable messages") {
  rill_model* m = nullptr;
  char err[200] = "";
  const unsigned char junk[16] = {1, 2, 3};
  const int st = rill_model_open(junk, sizeof junk, &m, err, sizeof err);
  CHECK(st != RILL_OK);
  CHECK(m == nullptr);
  CHECK(std::strlen(err) > 0);
  CHECK(std::string(rill_status_name(st)) != "unknown");
  CHECK(std::string(rill_status_name(RILL_OK)) == "ok");
  CHECK(std::string(rill_status_name(RILL_OUT_OF_MEMORY)) == "out_of_memory");
  CHECK(std::string(rill_status_name(RILL_BAD_SHAPE)) == "bad_shape");
  CHECK(std::string(rill_status_name(RILL_UNSUPPORTED)) == "unsupported");
  CHECK(std::string(rill_status_name(RILL_UNSUPPORTED + 1)) == "unknown");
  CHECK(std::string(rill_status_name(-1)) == "unknown");
  CHECK(std::string(rill_status_message(RILL_BAD_SHAPE)) == "tensor shapes do not fit the model");
  CHECK(std::string(rill_status_message(RILL_UNSUPPORTED + 1)) == "unknown status");
  CHECK(rill_model_open(nullptr, 0, &m, err, sizeof err) != RILL_OK);

  const auto bytes = model_bytes(MlpSpec::make(2, 8, 1));
  REQUIRE(rill_model_open(bytes.data(), bytes.size(), &m, err, sizeof err) == RILL_OK);
  std::vector<float> out(20);
  CHECK(rill_sample(m, 10, 0, RILL_EULER, 1, out.data(), nullptr) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(m)).find("steps") != std::string::npos);
  CHECK(rill_sample(m, 10, 4, 9, 1, out.data(), nullptr) == RILL_INVALID_ARGUMENT);
  CHECK(rill_sample(m, -1, 4, RILL_EULER, 1, out.data(), nullptr) == RILL_INVALID_ARGUMENT);
  CHECK(rill_sample(m, 0, 4, RILL_EULER, 1, out.data(), nullptr) == RILL_OK);
  CHECK(std::string(rill_model_error(m)).empty());  // a good call clears the last error
  CHECK(rill_integrate(m, out.data(), 10, 4, RILL_EULER, 0.0f, NAN, nullptr) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(m)) == "t0 and t1 must be in 0..1 (finite for a linear formula)");
  // Times outside the model's [0, 1] are refused, as by the command line and rill_log_prob (they returned
  // RILL_OK with an extrapolated field); a non-finite point gives a non-finite row and leaves the others.
  CHECK(rill_integrate(m, out.data(), 10, 4, RILL_EULER, 0.0f, 5.0f, nullptr) == RILL_INVALID_ARGUMENT);
  CHECK(rill_integrate(m, out.data(), 10, 4, RILL_EULER, -0.5f, 1.0f, nullptr) == RILL_INVALID_ARGUMENT);
  CHECK(rill_field(m, out.data(), 10, 2.0f, out.data()) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(m)) == "t must be in 0..1 (finite for a linear formula)");
  CHECK(rill_field(m, out.data(), 10, -0.25f, out.data()) == RILL_INVALID_ARGUMENT);
  {  // a linear formula does not depend on t: any finite time (the Learn view runs it to t = 6)
    rill_model* lin = nullptr;
    REQUIRE(rill_model_open_name("linear:0,1,-1,0", &lin, err, sizeof err) == RILL_OK);
    float p[2] = {1.0f, 0.0f}, v[2];
    CHECK(rill_field(lin, p, 1, 6.0f, v) == RILL_OK);
    CHECK(rill_integrate(lin, p, 1, 60, RILL_RK4, 0.0f, 6.0f, nullptr) == RILL_OK);
    CHECK(rill_field(lin, p, 1, NAN, v) == RILL_INVALID_ARGUMENT);
    rill_model_free(lin);
  }
  std::vector<float> pts(20, 0.5f), u(20), alone(2);
  pts[13] = NAN;
  CHECK(rill_field(m, pts.data(), 10, 0.5f, u.data()) == RILL_OK);
  CHECK(rill_field(m, pts.data(), 1, 0.5f, alone.data()) == RILL_OK);
  CHECK((std::isnan(u[12]) || std::isnan(u[13])));
  for (int r = 0; r < 10; ++r)
    if (r != 6) CHECK((u[2 * r] == alone[0] && u[2 * r + 1] == alone[1]));  // every other row: its own bits
  CHECK(rill_field(m, pts.data(), 10, 0.0f, u.data()) == RILL_OK);
  CHECK(rill_field(m, pts.data(), 10, 1.0f, u.data()) == RILL_OK);
  CHECK(rill_integrate(m, nullptr, 10, 4, RILL_EULER, 0.0f, 1.0f, nullptr) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(m)) == "x must hold n >= 0 points");
  CHECK(rill_sample(m, 10, 4, RILL_RK4 + 1, 1, out.data(), nullptr) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(m)) == "unknown solver");
  CHECK(rill_field(m, nullptr, 10, 0.5f, out.data()) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(rill_model_error(m)) == "bad buffers");
  CHECK(rill_sample(nullptr, 10, 4, RILL_EULER, 1, out.data(), nullptr) == RILL_INVALID_ARGUMENT);
  CHECK(rill_field(m, out.data(), 10, NAN, out.data()) == RILL_INVALID_ARGUMENT);
  char meta[32];
  CHECK(rill_model_metadata(m, "rill.format", meta, sizeof meta) == RILL_OK);
  CHECK(std::string(meta) == "1");
  CHECK(rill_model_metadata(m, "no-such-key", meta, sizeof meta) == RILL_INVALID_ARGUMENT);
  rill_model_free(m);
  rill_model_free(nullptr);
}

TEST_CASE("training through the C API: the loss falls, the file round-trips, samples match") {
  rill_train_config cfg;
  rill_train_config_default(&cfg);
  cfg.width = 32;
  cfg.depth = 2;
  cfg.batch = 64;
  cfg.lr = 3e-3f;
  cfg.ema = 0.9f;
  rill_trainer* t = nullptr;
  char err[200] = "";
  REQUIRE(rill_trainer_new(&cfg, RILL_8GAUSSIANS, nullptr, 0, 0, &t, err, sizeof err) == RILL_OK);
  std::vector<float> losses(300);
  REQUIRE(rill_trainer_step(t, 300, losses.data()) == RILL_OK);
  CHECK(rill_trainer_steps_done(t) == 300);
  double first = 0, last = 0;
  for (int i = 0; i < 30; ++i) { first += losses[i]; last += losses[270 + i]; }
  CHECK(last < 0.8 * first);
  rill_model* live = rill_trainer_model(t);
  std::vector<float> a(200), b(200);
  REQUIRE(rill_sample(live, 100, 10, RILL_HEUN, 9, a.data(), nullptr) == RILL_OK);
  std::vector<unsigned char> file(rill_trainer_file_size(t));
  size_t written = 0;
  REQUIRE(rill_trainer_write(t, file.data(), file.size(), &written) == RILL_OK);
  CHECK(written == file.size());
  rill_model* m = nullptr;
  REQUIRE(rill_model_open(file.data(), file.size(), &m, err, sizeof err) == RILL_OK);
  REQUIRE(rill_sample(m, 100, 10, RILL_HEUN, 9, b.data(), nullptr) == RILL_OK);
  CHECK(std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
  char meta[32];
  REQUIRE(rill_model_metadata(m, "dataset", meta, sizeof meta) == RILL_OK);
  CHECK(std::string(meta) == "8gaussians");
  REQUIRE(rill_model_metadata(m, "steps", meta, sizeof meta) == RILL_OK);
  CHECK(std::string(meta) == "300");
  REQUIRE(rill_model_metadata(m, "ema", meta, sizeof meta) == RILL_OK);
  CHECK(std::string(meta) == "0.9");
  rill_model_free(m);
  rill_trainer_free(t);
}

TEST_CASE("trainer on the user's points; bad configurations refused") {
  std::vector<float> pts(4 * 50);
  Rng r(2, 2);
  for (auto& v : pts) v = r.normal() + 2.0f;
  rill_train_config cfg;
  rill_train_config_default(&cfg);
  cfg.width = 16;
  cfg.batch = 16;
  rill_trainer* t = nullptr;
  char err[200] = "";
  REQUIRE(rill_trainer_new(&cfg, RILL_DATA_POINTS, pts.data(), 50, 4, &t, err, sizeof err) == RILL_OK);
  pts.assign(pts.size(), NAN);  // the trainer keeps its own copy
  REQUIRE(rill_trainer_step(t, 5, nullptr) == RILL_OK);
  CHECK(rill_model_dim(rill_trainer_model(t)) == 4);
  rill_trainer_free(t);
  CHECK(rill_trainer_new(&cfg, RILL_DATA_POINTS, pts.data(), 50, 4, &t, err, sizeof err) == RILL_NON_FINITE);
  CHECK(std::string(err).find("NaN") != std::string::npos);
  CHECK(rill_trainer_new(&cfg, 42, nullptr, 0, 0, &t, err, sizeof err) == RILL_INVALID_ARGUMENT);
  cfg.batch = 0;
  CHECK(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err) == RILL_INVALID_ARGUMENT);
  // numbers outside rill.h's lists (the core's checks; 256 would wrap onto silu as a uint8_t)
  for (int bad : {-1, 5, 256}) {
    rill_train_config_default(&cfg);
    cfg.activation = bad;
    CHECK(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err) == RILL_INVALID_ARGUMENT);
  }
  for (int bad : {-1, 2}) {
    rill_train_config_default(&cfg);
    cfg.schedule = bad;
    CHECK(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err) == RILL_INVALID_ARGUMENT);
    CHECK(std::string(err).find("schedule") != std::string::npos);
    rill_train_config_default(&cfg);
    cfg.coupling = bad;
    CHECK(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err) == RILL_INVALID_ARGUMENT);
    CHECK(std::string(err).find("coupling") != std::string::npos);
  }
  CHECK(t == nullptr);
  rill_train_config_default(&cfg);
  cfg.lr = 1e9f;
  REQUIRE(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err) == RILL_OK);
  int st = RILL_OK;
  for (int i = 0; i < 50 && st == RILL_OK; ++i) st = rill_trainer_step(t, 10, nullptr);
  CHECK(st == RILL_NON_FINITE);
  CHECK(std::string(rill_trainer_error(t)).find("diverged") != std::string::npos);
  rill_trainer_free(t);
}

TEST_CASE("rill_train_config_default gives the defaults rill.h documents") {
  rill_train_config c;
  std::memset(&c, 0x7f, sizeof c);
  rill_train_config_default(&c);
  CHECK(c.width == 128);
  CHECK(c.depth == 3);
  CHECK(c.activation == RILL_SILU);
  CHECK(c.time_k == 0);
  CHECK(c.steps == 20000);
  CHECK(c.batch == 256);
  CHECK(c.lr == 1e-3f);
  CHECK(c.schedule == 0);
  CHECK(c.warmup == 0);
  CHECK(c.lr_floor == 0.0f);
  CHECK(c.clip == 0.0f);
  CHECK(c.ema == 0.0f);
  CHECK(c.coupling == 0);
  CHECK(c.sigma_min == 0.0f);
  CHECK(c.seed == 0u);
}

TEST_CASE("rill_trainer_new refuses a bad configuration before allocating for it") {
  rill_train_config cfg;
  rill_train_config_default(&cfg);
  cfg.width = 8;
  cfg.coupling = 1;
  // OT at the largest batch: memory_bytes() counts batch² doubles of cost,
  // 8 TiB here, which no allocator gives (and ASan aborts on): the refusal
  // must come from the core's check, before any allocation.
  cfg.batch = TrainConfig::kMaxBatch;
  rill_trainer* t = nullptr;
  char err[200] = "";
  CHECK(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err) == RILL_INVALID_ARGUMENT);
  CHECK(t == nullptr);
  CHECK(std::string(err) == "OT coupling supports batches up to 4096");
  cfg.batch = TrainConfig::kMaxOtBatch + 1;
  err[0] = '\0';
  CHECK(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(err) == "OT coupling supports batches up to 4096");
  cfg.batch = TrainConfig::kMaxBatch + 1;
  CHECK(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(err).find("batch") != std::string::npos);
  cfg.batch = 16;
  cfg.ema = 1.0f;
  CHECK(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err) == RILL_INVALID_ARGUMENT);
  CHECK(std::string(err).find("EMA") != std::string::npos);
  // the user's points are checked before they are copied
  cfg.ema = 0.0f;
  const float pts[6] = {0, 1, 2, 3, INFINITY, 5};
  CHECK(rill_trainer_new(&cfg, RILL_DATA_POINTS, pts, 2, 3, &t, err, sizeof err) == RILL_NON_FINITE);
  CHECK(t == nullptr);
  cfg.batch = 4;  // OT within the limit, as a control
  REQUIRE(rill_trainer_new(&cfg, RILL_MOONS, nullptr, 0, 0, &t, err, sizeof err) == RILL_OK);
  CHECK(rill_trainer_step(t, 2, nullptr) == RILL_OK);
  rill_trainer_free(t);
}
