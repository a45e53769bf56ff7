// Compiled models (rill.h: rill_model_init_compiled): the bits of the file
// model they come from, and refusals with a status and a message for a
// checksum that does not match, weights out of step, a wrong version, dtype or
// step embedding, null pointers and too little memory.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "rill/model_io.h"
#include "rill/rill.h"
#include "test_util.h"

using namespace rill;

namespace {

// What `rill export-c --compiled` writes, built from the parameter block (W0 b0 W1 b1 ...).
rill_compiled_model compiled_of(const MlpSpec& s, const std::vector<float>& p) {
  rill_compiled_model c;
  std::memset(&c, 0, sizeof c);
  c.version = RILL_COMPILED_VERSION;
  c.dim = s.dim;
  c.layers = s.n_layers;
  for (int i = 0; i <= s.n_layers; ++i) c.sizes[i] = s.sizes[i];
  c.activation = static_cast<int32_t>(s.activation);
  c.time_k = s.time.k;
  c.step_k = -1;
  c.condition_kind = static_cast<int32_t>(s.condition.kind);
  c.condition_count = s.condition.count;
  c.source = -1;
  for (int i = 0; i < s.n_layers; ++i) {
    c.weight[i] = p.data() + s.weight_offset(i);
    c.bias[i] = p.data() + s.bias_offset(i);
  }
  c.checksum = rill_compiled_checksum(&c);
  return c;
}

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

TEST_CASE("compiled models: wrong version, dtype, step embedding, pointers, shapes and memory are refused") {
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
      {"version", [](rill_compiled_model* c) { c->version = 2; }, RILL_UNSUPPORTED},
      {"dtype", [](rill_compiled_model* c) { c->dtype = 1; }, RILL_UNSUPPORTED_DTYPE},
      {"step", [](rill_compiled_model* c) { c->step_k = 0; }, RILL_UNSUPPORTED},
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
