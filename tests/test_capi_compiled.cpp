// Compiled models (rill.h: rill_model_init_compiled and the lean
// rill_compiled_sample_*): the bits of the file model they come from (F32,
// F16, BF16, I8; every solver), and refusals with a status and a message for
// a checksum that does not match, weights out of step, a wrong version, dtype
// or step embedding, null pointers, I8 without scales or with scales that are
// not finite, too little memory or scratch.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "rill/model_io.h"
#include "rill/narrow.h"
#include "rill/rill.h"
#include "compiled_util.h"
#include "test_util.h"

using namespace rill;
using rill_test::compiled_of;
using rill_test::header_of;

namespace {

std::vector<float> sample_with(rill_model* m, int n) {
  std::vector<float> out(static_cast<size_t>(n) * rill_model_dim(m));
  REQUIRE(rill_sample(m, n, 10, RILL_HEUN, 42, out.data(), nullptr) == RILL_OK);
  return out;
}

struct Placed {
  std::vector<unsigned char> mem;
  rill_model* model = nullptr;
  int status = -1;
  char err[256] = "";
};
void place(const rill_compiled_model& c, Placed* p, int chunk = 1, int flags = 0) {
  size_t need = 0;
  p->status = rill_model_memory_compiled(&c, chunk, flags, &need, p->err, sizeof p->err);
  if (p->status != RILL_OK) return;
  p->mem.assign(need + 64, 0);
  p->status = rill_model_init_compiled(p->mem.data(), p->mem.size(), &c, chunk, flags, &p->model, p->err, sizeof p->err);
}

using LeanSample = int (*)(const rill_compiled_model*, int, int, int, uint32_t, float*, void*, size_t);
const LeanSample kLean[] = {rill_compiled_sample_silu, rill_compiled_sample_relu, rill_compiled_sample_tanh,
                            rill_compiled_sample_gelu, rill_compiled_sample_gelu_tanh};

// The lean path's samples (rill_compiled_check, then the model's own rill_compiled_sample_*).
std::vector<float> lean_sample(const rill_compiled_model& c, int n, int steps = 10, int solver = RILL_HEUN) {
  size_t bytes = 0;
  char err[200] = "";
  REQUIRE_MESSAGE(rill_compiled_check(&c, &bytes, err, sizeof err) == RILL_OK, err);
  std::vector<float> scratch(bytes / sizeof(float));
  std::vector<float> out(static_cast<size_t>(n) * c.dim);
  REQUIRE(kLean[c.activation](&c, n, steps, solver, 42, out.data(), scratch.data(), bytes) == RILL_OK);
  return out;
}

// A narrow file's compiled form as `export-c --compiled` writes it: its narrow weights (and F16/BF16
// biases) as bytes, F32 biases and scales in aligned copies (the header's own float arrays).
struct NarrowCompiled {
  rill::Model model;
  std::vector<std::vector<float>> floats;  // I8 biases and scales
  rill_compiled_model c;
};
void compile_narrow(const std::vector<unsigned char>& file, NarrowCompiled* out) {
  Message msg;
  REQUIRE(model_load(file.data(), file.size(), nullptr, &out->model, &msg) == Status::ok);
  const Model& m = out->model;
  const MlpSpec& s = m.mlp.spec;
  rill_compiled_model& c = out->c;
  c = header_of(s);
  c.dtype = static_cast<int32_t>(m.dtype);
  out->floats.clear();
  out->floats.reserve(2 * static_cast<size_t>(s.n_layers));
  auto copy = [&](const unsigned char* p, int n) {
    out->floats.emplace_back(static_cast<size_t>(n));
    std::memcpy(out->floats.back().data(), p, 4 * static_cast<size_t>(n));
    return out->floats.back().data();
  };
  for (int i = 0; i < s.n_layers; ++i) {
    c.weight[i] = m.mlp.narrow.w[i];
    c.bias[i] = m.dtype == WeightDtype::i8 ? copy(m.mlp.narrow.b[i], s.sizes[i + 1])
                                            : static_cast<const void*>(m.mlp.narrow.b[i]);
    c.scale[i] = m.dtype == WeightDtype::i8 ? copy(m.mlp.narrow.scale[i], s.sizes[i + 1]) : nullptr;
  }
  c.checksum = rill_compiled_checksum(&c);
}

// A narrow file of spec (model_write's, as `rill convert` writes it).
std::vector<unsigned char> narrow_file(const MlpSpec& spec, WeightDtype d) {
  std::vector<float> params;
  rill_test::model_bytes(spec, &params);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  std::vector<unsigned char> out(model_file_size(mlp, 0.0f, nullptr, 0, d));
  std::size_t written = 0;
  Message msg;
  REQUIRE(model_write(mlp, 0.0f, nullptr, 0, out.data(), out.size(), &written, &msg, d) == Status::ok);
  return out;
}

}  // namespace

TEST_CASE("a compiled model samples the bits of its file, chunked, packed or not") {
  const MlpSpec specs[] = {MlpSpec::make(2, 32, 2, Activation::silu, TimeEmbedding{4}),
                           MlpSpec::make(3, 16, 1, Activation::gelu, {}, ConditionSpec::classes(3)),
                           MlpSpec::make(2, 8, 3, Activation::tanh, TimeEmbedding{2}, ConditionSpec::vector(2))};
  for (const MlpSpec& spec : specs) {
    std::vector<float> params;
    const std::vector<unsigned char> file = rill_test::model_bytes(spec, &params);
    rill_model* fm = nullptr;
    REQUIRE(rill_model_open(file.data(), file.size(), &fm, nullptr, 0) == RILL_OK);
    const std::vector<float> want = sample_with(fm, 37);
    const rill_compiled_model c = compiled_of(spec, params);
    CHECK(lean_sample(c, 37) == want);
    for (int flags : {0, int(RILL_PACK), int(RILL_PACK | RILL_DENSITY)}) {
      Placed p;
      place(c, &p, flags ? 16 : 1, flags);
      REQUIRE_MESSAGE(p.status == RILL_OK, p.err);
      CHECK(sample_with(p.model, 37) == want);
      rill_model_info info;
      REQUIRE(rill_model_get_info(p.model, &info) == RILL_OK);
      CHECK(info.dim == spec.dim);
      CHECK(info.in_place == 1);
      CHECK(info.params == spec.param_count());
      // The same memory as the file model placed with the same chunk and flags.
      size_t file_need = 0, need = 0;
      REQUIRE(rill_model_memory(file.data(), file.size(), flags ? 16 : 1, flags, &file_need, nullptr, 0) == RILL_OK);
      REQUIRE(rill_model_memory_compiled(&c, flags ? 16 : 1, flags, &need, nullptr, 0) == RILL_OK);
      CHECK(need == file_need);
    }
    rill_model_free(fm);
  }
}

// rill_model_open_compiled (what rill.mjs opens every file with): the struct and its arrays in one
// rill_alloc block, which the model then owns; a refusal leaves the block to the caller.
TEST_CASE("rill_model_open_compiled: one heap block, the bits of rill_model_open, refusals leave the block") {
  const MlpSpec spec = MlpSpec::make(2, 16, 2, Activation::silu, TimeEmbedding{2}, ConditionSpec::classes(3));
  std::vector<float> params;
  const std::vector<unsigned char> file = rill_test::model_bytes(spec, &params);
  rill_model* fm = nullptr;
  REQUIRE(rill_model_open(file.data(), file.size(), &fm, nullptr, 0) == RILL_OK);
  const std::vector<float> want = sample_with(fm, 300);  // more than one chunk of 256
  rill_model_free(fm);
  const std::size_t head = (sizeof(rill_compiled_model) + 15) / 16 * 16;
  auto block_of = [&](bool break_checksum) {
    unsigned char* block = static_cast<unsigned char*>(rill_alloc(head + params.size() * sizeof(float)));
    REQUIRE(block != nullptr);
    float* copy = reinterpret_cast<float*>(block + head);
    std::memcpy(copy, params.data(), params.size() * sizeof(float));
    rill_compiled_model c = header_of(spec);
    for (int i = 0; i < spec.n_layers; ++i) {
      c.weight[i] = copy + spec.weight_offset(i);
      c.bias[i] = copy + spec.bias_offset(i);
    }
    c.checksum = rill_compiled_checksum(&c) + (break_checksum ? 1u : 0u);
    std::memcpy(block, &c, sizeof c);
    return reinterpret_cast<rill_compiled_model*>(block);
  };
  rill_model* m = nullptr;
  char err[256] = "";
  REQUIRE_MESSAGE(rill_model_open_compiled(block_of(false), &m, err, sizeof err) == RILL_OK, err);
  CHECK(sample_with(m, 300) == want);
  int kind = 0, width = 0;
  CHECK(rill_model_condition(m, &kind, &width) == RILL_OK);
  CHECK((kind == RILL_CONDITION_CLASS && width == 3));
  rill_model_free(m);  // frees the block too (ASan: no leak, no double free)
  rill_compiled_model* bad = block_of(true);
  m = reinterpret_cast<rill_model*>(1);
  CHECK(rill_model_open_compiled(bad, &m, err, sizeof err) == RILL_BAD_TENSOR);
  CHECK(m == nullptr);
  CHECK(std::strstr(err, "checksum") != nullptr);
  rill_free(bad);  // still the caller's
  CHECK(rill_model_open_compiled(nullptr, &m, err, sizeof err) == RILL_INVALID_ARGUMENT);
  rill_compiled_model* good = block_of(false);
  CHECK(rill_model_open_compiled(good, nullptr, nullptr, 0) == RILL_INVALID_ARGUMENT);
  rill_free(good);
}

TEST_CASE("a compiled model whose checksum does not match is refused with bad_tensor and both values") {
  const MlpSpec spec = MlpSpec::make(2, 16, 2);
  std::vector<float> params;
  rill_test::model_bytes(spec, &params);
  const rill_compiled_model good = compiled_of(spec, params);
  Placed ok;
  place(good, &ok);
  REQUIRE(ok.status == RILL_OK);

  rill_compiled_model bad = good;
  bad.checksum ^= 0x10u;
  Placed p;
  place(bad, &p);
  CHECK(p.status == RILL_BAD_TENSOR);
  CHECK(p.model == nullptr);
  CHECK(std::string(p.err).find("checksum") != std::string::npos);
  char stored[16], computed[16];
  std::snprintf(stored, sizeof stored, "0x%08x", static_cast<unsigned>(bad.checksum));
  std::snprintf(computed, sizeof computed, "0x%08x", static_cast<unsigned>(good.checksum));
  CHECK(std::string(p.err).find(stored) != std::string::npos);
  CHECK(std::string(p.err).find(computed) != std::string::npos);

  // One weight changed after export (the struct still carries the old checksum).
  std::vector<float> changed = params;
  changed[5] = std::nextafter(changed[5], 1.0f);
  rill_compiled_model stale = good;
  stale.weight[0] = changed.data() + spec.weight_offset(0);
  std::vector<unsigned char> mem(64 * 1024);
  rill_model* m = reinterpret_cast<rill_model*>(1);
  char err[200] = "";
  CHECK(rill_model_init_compiled(mem.data(), mem.size(), &stale, 1, 0, &m, err, sizeof err) == RILL_BAD_TENSOR);
  CHECK(m == nullptr);
  CHECK(std::string(err).find("checksum") != std::string::npos);
  // A shape edited by hand: the checksum catches it too (the sizes still chain).
  rill_compiled_model reshaped = good;
  reshaped.sizes[1] = 15;
  CHECK(rill_model_init_compiled(mem.data(), mem.size(), &reshaped, 1, 0, &m, err, sizeof err) == RILL_BAD_TENSOR);
  // The checksum moves with every field and every weight bit.
  CHECK(rill_compiled_checksum(&stale) != good.checksum);
  CHECK(rill_compiled_checksum(nullptr) == 0u);
}

TEST_CASE("compiled models: wrong version, dtype, step_k, pointers, shapes and memory are refused") {
  const MlpSpec spec = MlpSpec::make(2, 8, 2);
  std::vector<float> params;
  rill_test::model_bytes(spec, &params);
  const rill_compiled_model good = compiled_of(spec, params);
  struct Case {
    const char* what;
    void (*edit)(rill_compiled_model*);
    int status;
  };
  const Case cases[] = {
      {"version", [](rill_compiled_model* c) { c->version = 1; }, RILL_UNSUPPORTED},
      {"dtype", [](rill_compiled_model* c) { c->dtype = 7; }, RILL_UNSUPPORTED_DTYPE},
      {"F32 with scales", [](rill_compiled_model* c) { c->scale[0] = static_cast<const float*>(c->bias[0]); },
       RILL_BAD_TENSOR},
      {"step_k out of range", [](rill_compiled_model* c) { c->step_k = 13; }, RILL_BAD_METADATA},
      {"step features that do not chain", [](rill_compiled_model* c) { c->step_k = 0; }, RILL_BAD_SHAPE},
      {"layers", [](rill_compiled_model* c) { c->layers = 17; }, RILL_BAD_SHAPE},
      {"activation", [](rill_compiled_model* c) { c->activation = 9; }, RILL_BAD_METADATA},
      {"time", [](rill_compiled_model* c) { c->time_k = 13; }, RILL_BAD_METADATA},
      {"condition", [](rill_compiled_model* c) { c->condition_kind = 1; }, RILL_BAD_METADATA},
      {"sigma", [](rill_compiled_model* c) { c->sigma_min = 1.0f; }, RILL_BAD_METADATA},
      {"chain", [](rill_compiled_model* c) { c->sizes[0] = 4; }, RILL_BAD_SHAPE},
      {"weight", [](rill_compiled_model* c) { c->weight[1] = nullptr; }, RILL_BAD_TENSOR},
  };
  std::vector<unsigned char> mem(64 * 1024);
  for (const Case& k : cases) {
    CAPTURE(k.what);
    rill_compiled_model c = good;
    k.edit(&c);
    c.checksum = rill_compiled_checksum(&c);  // even with a matching checksum
    rill_model* m = nullptr;
    char err[200] = "";
    CHECK(rill_model_init_compiled(mem.data(), mem.size(), &c, 1, 0, &m, err, sizeof err) == k.status);
    CHECK(m == nullptr);
    CHECK(std::strlen(err) > 10);
  }
  rill_model* m = nullptr;
  char err[200] = "";
  size_t need = 0;
  REQUIRE(rill_model_memory_compiled(&good, 1, 0, &need, err, sizeof err) == RILL_OK);
  CHECK(rill_model_init_compiled(mem.data(), need - 1, &good, 1, 0, &m, err, sizeof err) == RILL_OUT_OF_MEMORY);
  CHECK(rill_model_init_compiled(nullptr, 0, &good, 1, 0, &m, err, sizeof err) == RILL_OUT_OF_MEMORY);
  CHECK(rill_model_init_compiled(mem.data(), mem.size(), nullptr, 1, 0, &m, err, sizeof err) == RILL_INVALID_ARGUMENT);
  CHECK(rill_model_init_compiled(mem.data(), mem.size(), &good, 0, 0, &m, err, sizeof err) == RILL_INVALID_ARGUMENT);
  CHECK(rill_model_memory_compiled(&good, 1, 0, nullptr, nullptr, 0) == RILL_INVALID_ARGUMENT);
}

TEST_CASE("compiled F16, BF16 and I8 models sample the bits of their narrow files, placed or lean") {
  const MlpSpec specs[] = {MlpSpec::make(2, 24, 3, Activation::silu, TimeEmbedding{4}),
                           MlpSpec::make(3, 16, 1, Activation::gelu, {}, ConditionSpec::classes(3)),
                           MlpSpec::make(2, 8, 3, Activation::gelu_tanh, TimeEmbedding{2}, ConditionSpec::vector(2)),
                           MlpSpec::make(2, 12, 2, Activation::relu, TimeEmbedding{1}),
                           MlpSpec::make(2, 12, 2, Activation::tanh, TimeEmbedding{3})};
  for (const MlpSpec& spec : specs) {
    for (WeightDtype d : {WeightDtype::f16, WeightDtype::bf16, WeightDtype::i8}) {
      CAPTURE(weight_dtype_name(d));
      CAPTURE(activation_name(spec.activation));
      const std::vector<unsigned char> file = narrow_file(spec, d);
      rill_model* fm = nullptr;
      REQUIRE(rill_model_open(file.data(), file.size(), &fm, nullptr, 0) == RILL_OK);
      const std::vector<float> want = sample_with(fm, 23);
      NarrowCompiled nc;
      compile_narrow(file, &nc);
      CHECK(nc.c.dtype == static_cast<int32_t>(d));
      for (int flags : {0, int(RILL_PACK)}) {
        Placed p;
        place(nc.c, &p, flags ? 8 : 1, flags);
        REQUIRE_MESSAGE(p.status == RILL_OK, p.err);
        CHECK(sample_with(p.model, 23) == want);
        size_t file_need = 0, need = 0;
        REQUIRE(rill_model_memory(file.data(), file.size(), flags ? 8 : 1, flags, &file_need, nullptr, 0) == RILL_OK);
        REQUIRE(rill_model_memory_compiled(&nc.c, flags ? 8 : 1, flags, &need, nullptr, 0) == RILL_OK);
        CHECK(need == file_need);
      }
      CHECK(lean_sample(nc.c, 23) == want);
      rill_model_free(fm);
    }
  }
}

TEST_CASE("the lean path gives rill_sample's bits with every solver and refuses what it cannot run") {
  const MlpSpec spec = MlpSpec::make(2, 16, 2, Activation::silu, TimeEmbedding{4});
  std::vector<float> params;
  const std::vector<unsigned char> file = rill_test::model_bytes(spec, &params);
  rill_model* fm = nullptr;
  REQUIRE(rill_model_open(file.data(), file.size(), &fm, nullptr, 0) == RILL_OK);
  const rill_compiled_model c = compiled_of(spec, params);
  for (int solver : {RILL_EULER, RILL_MIDPOINT, RILL_HEUN, RILL_RK4})
    for (int steps : {1, 3, 32}) {
      CAPTURE(solver);
      CAPTURE(steps);
      std::vector<float> want(2 * 9);
      REQUIRE(rill_sample(fm, 9, steps, solver, 42, want.data(), nullptr) == RILL_OK);
      CHECK(lean_sample(c, 9, steps, solver) == want);
    }
  rill_model_free(fm);

  size_t bytes = 0;
  char err[200] = "";
  REQUIRE(rill_compiled_check(&c, &bytes, err, sizeof err) == RILL_OK);
  CHECK(bytes == sizeof(float) * (10 + 2 * 16 + 3 * 2));  // input (d + 8 time features), two layers, three stages
  std::vector<float> scratch(bytes / sizeof(float)), out(2 * 4);
  // Another activation's function, too little scratch, bad arguments: refused, out untouched.
  CHECK(rill_compiled_sample_relu(&c, 4, 10, RILL_HEUN, 1, out.data(), scratch.data(), bytes) == RILL_BAD_METADATA);
  CHECK(rill_compiled_sample_silu(&c, 4, 10, RILL_HEUN, 1, out.data(), scratch.data(), bytes - 4) ==
        RILL_INVALID_ARGUMENT);
  CHECK(rill_compiled_sample_silu(&c, 4, 0, RILL_HEUN, 1, out.data(), scratch.data(), bytes) == RILL_INVALID_ARGUMENT);
  CHECK(rill_compiled_sample_silu(&c, 4, 10, 4, 1, out.data(), scratch.data(), bytes) == RILL_INVALID_ARGUMENT);
  CHECK(rill_compiled_sample_silu(&c, -1, 10, RILL_HEUN, 1, out.data(), scratch.data(), bytes) == RILL_INVALID_ARGUMENT);
  CHECK(rill_compiled_sample_silu(&c, 4, 10, RILL_HEUN, 1, nullptr, scratch.data(), bytes) == RILL_INVALID_ARGUMENT);
  CHECK(rill_compiled_sample_silu(nullptr, 4, 10, RILL_HEUN, 1, out.data(), scratch.data(), bytes) ==
        RILL_INVALID_ARGUMENT);
  CHECK(out == std::vector<float>(2 * 4, 0.0f));
  CHECK(rill_compiled_sample_silu(&c, 0, 10, RILL_HEUN, 1, out.data(), scratch.data(), bytes) == RILL_OK);
  // A shape the struct cannot hold is refused before anything is read (no checksum needed for that).
  rill_compiled_model bad = c;
  bad.layers = 0;
  CHECK(rill_compiled_sample_silu(&bad, 4, 10, RILL_HEUN, 1, out.data(), scratch.data(), bytes) == RILL_BAD_SHAPE);
  // A model with a dataset source: the lean path says where to go instead.
  rill_compiled_model sourced = c;
  sourced.source = RILL_MOONS;
  sourced.checksum = rill_compiled_checksum(&sourced);
  CHECK(rill_compiled_check(&sourced, &bytes, err, sizeof err) == RILL_UNSUPPORTED);
  CHECK(std::string(err).find("rill_model_init_compiled") != std::string::npos);
  CHECK(rill_compiled_sample_silu(&sourced, 4, 10, RILL_HEUN, 1, out.data(), scratch.data(), bytes) == RILL_UNSUPPORTED);
  // rill_compiled_check checks the checksum with a message, as init does.
  bad = c;
  bad.checksum ^= 4u;
  CHECK(rill_compiled_check(&bad, &bytes, err, sizeof err) == RILL_BAD_TENSOR);
  CHECK(std::string(err).find("checksum") != std::string::npos);
  CHECK(rill_compiled_check(nullptr, &bytes, err, sizeof err) == RILL_INVALID_ARGUMENT);
}

TEST_CASE("compiled I8 models: missing, misplaced, negative or non-finite scales and changed bytes are refused") {
  const MlpSpec spec = MlpSpec::make(2, 8, 2, Activation::silu, TimeEmbedding{2});
  const std::vector<unsigned char> file = narrow_file(spec, WeightDtype::i8);
  NarrowCompiled nc;
  compile_narrow(file, &nc);
  std::vector<unsigned char> mem(64 * 1024);
  size_t bytes = 0;
  auto init = [&](const rill_compiled_model& c, char* err) {
    rill_model* m = reinterpret_cast<rill_model*>(1);
    const int st = rill_model_init_compiled(mem.data(), mem.size(), &c, 1, 0, &m, err, 200);
    CHECK((st == RILL_OK) == (m != nullptr));
    return st;
  };
  char err[200] = "";
  REQUIRE(init(nc.c, err) == RILL_OK);
  std::vector<float> scale = nc.floats[1];  // layer 0's scales
  for (float v : {std::nanf(""), -0.5f, INFINITY}) {
    CAPTURE(v);
    std::vector<float> edited = scale;
    edited[3] = v;
    rill_compiled_model c = nc.c;
    c.scale[0] = edited.data();
    c.checksum = rill_compiled_checksum(&c);  // even with a matching checksum
    CHECK(init(c, err) == RILL_NON_FINITE);
    CHECK(std::string(err).find("weight_scale") != std::string::npos);
    CHECK(rill_compiled_check(&c, &bytes, err, sizeof err) == RILL_NON_FINITE);
  }
  rill_compiled_model c = nc.c;
  c.scale[1] = nullptr;
  c.checksum = rill_compiled_checksum(&c);
  CHECK(init(c, err) == RILL_BAD_TENSOR);
  CHECK(std::string(err).find("no weight_scale") != std::string::npos);
  c = nc.c;
  // Scales on F16 weights: a mix the format does not allow, refused before the checksum reads a byte
  // (the checksum reads the arrays as the struct declares them, here 2 bytes a weight: past the I8 arrays).
  c.dtype = RILL_F16;
  CHECK(init(c, err) == RILL_BAD_TENSOR);
  CHECK(std::string(err).find("not I8") != std::string::npos);
  // One scale or one weight byte changed after export: the checksum catches it.
  std::vector<float> nudged = scale;
  nudged[0] = std::nextafter(nudged[0], 1.0f);
  c = nc.c;
  c.scale[0] = nudged.data();
  CHECK(init(c, err) == RILL_BAD_TENSOR);
  CHECK(std::string(err).find("checksum") != std::string::npos);
  std::vector<unsigned char> w(static_cast<const unsigned char*>(nc.c.weight[1]),
                               static_cast<const unsigned char*>(nc.c.weight[1]) + 8 * 8);
  w[5] ^= 1u;
  c = nc.c;
  c.weight[1] = w.data();
  CHECK(init(c, err) == RILL_BAD_TENSOR);
}
