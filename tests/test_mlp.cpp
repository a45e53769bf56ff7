// Mlp: forward shapes and values, packed = unpacked bits, gradients against
// central finite differences for every parameter tensor, the input and t.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "rill/mlp.h"
#include "rill/rng.h"
#include "rill/thread_pool.h"

using namespace rill;

namespace {
struct Net {
  MlpSpec spec;
  std::vector<float> params;
  Mlp mlp;
  explicit Net(const MlpSpec& s, uint32_t seed = 1) : spec(s), params(s.param_count()) {
    Rng rng(seed, 9);
    mlp_init(spec, params.data(), rng);
    mlp.spec = spec;
    mlp.bind(params.data());
  }
};

std::vector<float> forward(const Mlp& m, const std::vector<float>& x, const std::vector<float>& t, int n) {
  std::vector<unsigned char> mem(mlp_forward_scratch(m.spec, n));
  Arena arena(mem.data(), mem.size());
  std::vector<float> out(size_t(n) * m.spec.dim);
  REQUIRE(mlp_forward(m, x.data(), m.spec.dim, t.data(), true, n, out.data(), m.spec.dim, arena) == Status::ok);
  return out;
}

// L = Σ c ⊙ out, so dL/dout = c.
double loss(const Mlp& m, const std::vector<float>& x, const std::vector<float>& t, const std::vector<float>& c,
            int n) {
  const auto out = forward(m, x, t, n);
  double l = 0;
  for (size_t i = 0; i < out.size(); ++i) l += double(c[i]) * out[i];
  return l;
}

void check_gradients(Activation act, TimeEmbedding time) {
  const int d = 3, n = 4;
  Net net(MlpSpec::make(d, 6, 2, act, time), 5);
  Rng rng(11, 2);
  std::vector<float> x(n * d), t(n), c(n * d);
  for (auto& v : x) v = rng.normal();
  for (auto& v : t) v = rng.uniform();
  for (auto& v : c) v = rng.normal();

  std::vector<unsigned char> mem(tape_bytes(net.spec, n) + mlp_backward_scratch(net.spec, n));
  Arena arena(mem.data(), mem.size());
  Tape tape;
  REQUIRE(tape_init(net.spec, n, arena, &tape) == Status::ok);
  mlp_forward_train(net.mlp, x.data(), d, t.data(), n, tape);
  // the training forward gives the bits of the inference forward
  const auto out = forward(net.mlp, x, t, n);
  CHECK(std::memcmp(out.data(), tape.post[net.spec.n_layers - 1], out.size() * sizeof(float)) == 0);

  std::vector<float> grad(net.params.size(), 0.0f), dx(n * d), dt(n);
  REQUIRE(mlp_backward(net.mlp, tape, c.data(), grad.data(), dx.data(), dt.data(), arena) == Status::ok);

  // Small enough that ReLU kinks are rarely crossed and sin(2^k·π·t) is resolved;
  // large enough that float32 rounding of the loss (~1e-7) stays far below the tolerance.
  const float h = 1e-3f;
  auto fd = [&](float* p) {
    const float keep = *p;
    *p = keep + h;
    const double up = loss(net.mlp, x, t, c, n);
    *p = keep - h;
    const double down = loss(net.mlp, x, t, c, n);
    *p = keep;
    return (up - down) / (2.0 * h);
  };
  auto close = [](double analytic, double numeric) {
    return std::fabs(analytic - numeric) <= 2e-3 + 2e-2 * std::fabs(numeric);
  };
  INFO("activation " << std::string(activation_name(act)) << ", time k " << time.k);
  for (int layer = 0; layer < net.spec.n_layers; ++layer) {
    const size_t w0 = net.spec.weight_offset(layer), b0 = net.spec.bias_offset(layer);
    const size_t w1 = b0, b1 = b0 + size_t(net.spec.sizes[layer + 1]);
    int bad = 0;
    for (size_t q = w0; q < w1; ++q) bad += !close(grad[q], fd(&net.params[q]));
    for (size_t q = b0; q < b1; ++q) bad += !close(grad[q], fd(&net.params[q]));
    INFO("layer " << layer);
    CHECK(bad == 0);
  }
  int bad = 0;
  for (size_t q = 0; q < x.size(); ++q) bad += !close(dx[q], fd(&x[q]));
  for (size_t q = 0; q < t.size(); ++q) bad += !close(dt[q], fd(&t[q]));
  CHECK(bad == 0);
}
}  // namespace

TEST_CASE("gradients match central finite differences") {
  for (Activation act : {Activation::silu, Activation::relu, Activation::tanh, Activation::gelu, Activation::gelu_tanh})
    for (int k : {0, 3}) check_gradients(act, TimeEmbedding{k});
}

TEST_CASE("forward matches a hand computation for a 1-layer net") {
  MlpSpec s = MlpSpec::make(2, 0, 0);  // depth 0: one linear layer [x, t] -> x
  REQUIRE(s.validate(nullptr) == Status::ok);
  const float block[] = {1, 2, 3, 4, 5, 6, 0.5f, -0.5f};  // W [2][3], b [2]
  Mlp m;
  m.spec = s;
  m.bind(block);
  std::vector<float> out = forward(m, {1.0f, -1.0f}, {0.25f}, 1);
  CHECK(out[0] == 0.5f + 1 - 2 + 0.75f);
  CHECK(out[1] == -0.5f + 4 - 5 + 1.5f);
}

TEST_CASE("sinusoidal time embedding follows formats.md") {
  TimeEmbedding e{3};
  CHECK(e.features() == 6);
  float f[6];
  e.embed(0.3f, f);
  for (int k = 0; k < 3; ++k) {
    const double w = std::ldexp(M_PI, k);
    CHECK(f[k] == doctest::Approx(std::sin(w * 0.3)).epsilon(1e-6));
    CHECK(f[3 + k] == doctest::Approx(std::cos(w * 0.3)).epsilon(1e-6));
  }
  TimeEmbedding raw;
  raw.embed(0.7f, f);
  CHECK(f[0] == 0.7f);
  CHECK(raw.features() == 1);
}

TEST_CASE("packed and unpacked forward give the same bits, any batch, scalar or per-row t") {
  Net net(MlpSpec::make(2, 128, 3));
  std::vector<unsigned char> packmem(mlp_pack_bytes(net.spec));
  Arena pa(packmem.data(), packmem.size());
  Mlp packed = net.mlp;
  REQUIRE(mlp_pack(packed, pa) == Status::ok);
  Rng rng(1, 1);
  for (int n : {1, 3, 63, 64, 65, 200}) {
    std::vector<float> x(size_t(n) * 2), t(n, 0.375f);
    for (auto& v : x) v = rng.normal();
    const auto a = forward(net.mlp, x, t, n), b = forward(packed, x, t, n);
    CHECK(std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
    std::vector<unsigned char> mem(mlp_forward_scratch(net.spec, n));
    Arena arena(mem.data(), mem.size());
    std::vector<float> c(a.size());
    const float ts = 0.375f;
    REQUIRE(mlp_forward(packed, x.data(), 2, &ts, false, n, c.data(), 2, arena) == Status::ok);
    CHECK(std::memcmp(a.data(), c.data(), a.size() * 4) == 0);
    CHECK(arena.used() == 0);
  }
}

TEST_CASE("an Mlp runs at the level it carries: every level gives the same bits, forward and backward") {
  CHECK(Mlp().simd == simd_best());  // the default: this CPU's best
  Net net(MlpSpec::make(2, 40, 2, Activation::silu, TimeEmbedding{2}));
  const int n = 37;
  Rng rng(9, 9);
  std::vector<float> x(size_t(n) * 2), t(n), dout(size_t(n) * 2);
  for (auto& v : x) v = rng.normal();
  for (auto& v : t) v = rng.uniform();
  for (auto& v : dout) v = rng.normal();
  // Each level: packed forward, training forward (tape) and backward (grad, dx, dt).
  auto run = [&](Simd level) {
    std::vector<unsigned char> packmem(mlp_pack_bytes(net.spec));
    Arena pa(packmem.data(), packmem.size());
    Mlp m = net.mlp;
    m.simd = level;
    REQUIRE(mlp_pack(m, pa) == Status::ok);
    std::vector<float> out = forward(m, x, t, n);
    std::vector<unsigned char> mem(tape_bytes(net.spec, n) + mlp_backward_scratch(net.spec, n));
    Arena arena(mem.data(), mem.size());
    Tape tape;
    REQUIRE(tape_init(net.spec, n, arena, &tape) == Status::ok);
    mlp_forward_train(m, x.data(), 2, t.data(), n, tape);
    const float* pred = tape.post[net.spec.n_layers - 1];
    out.insert(out.end(), pred, pred + size_t(n) * 2);
    std::vector<float> grad(net.spec.param_count()), dx(size_t(n) * 2), dt(n);
    REQUIRE(mlp_backward(m, tape, dout.data(), grad.data(), dx.data(), dt.data(), arena) == Status::ok);
    out.insert(out.end(), grad.begin(), grad.end());
    out.insert(out.end(), dx.begin(), dx.end());
    out.insert(out.end(), dt.begin(), dt.end());
    return out;
  };
  const std::vector<float> want = run(Simd::scalar);
  for (int level = static_cast<int>(simd_best()); level > 0; --level) {
    INFO("simd level " << level);
    const std::vector<float> got = run(static_cast<Simd>(level));
    CHECK(std::memcmp(got.data(), want.data(), want.size() * 4) == 0);
  }
}

TEST_CASE("forward scratch does not grow with the batch (tiled)") {
  const MlpSpec s = MlpSpec::make(2, 128, 3);
  CHECK(mlp_forward_scratch(s, 64) == mlp_forward_scratch(s, 1 << 20));
  CHECK(mlp_forward_scratch(s, 1) < mlp_forward_scratch(s, 64));
  unsigned char mem[256];
  Arena small(mem, sizeof mem);
  Net net(s);
  float x[2] = {0, 0}, t = 0, out[2];
  CHECK(mlp_forward(net.mlp, x, 2, &t, false, 1, out, 2, small) == Status::out_of_memory);
}

TEST_CASE("any data dimension from 1 to 4096") {
  for (int d : {1, 2, 7, 4096}) {
    Net net(MlpSpec::make(d, 16, 2));
    CHECK(net.spec.validate(nullptr) == Status::ok);
    std::vector<float> x(size_t(d) * 2, 0.5f), t(2, 0.5f);
    const auto out = forward(net.mlp, x, t, 2);
    CHECK(out.size() == size_t(d) * 2);
    bool finite = true;
    for (float v : out) finite = finite && std::isfinite(v);
    CHECK(finite);
  }
  Message m;
  CHECK(MlpSpec::make(4097, 16, 2).validate(&m) == Status::bad_shape);
  CHECK(MlpSpec::make(0, 16, 2).validate(&m) == Status::bad_shape);
  CHECK(MlpSpec::make(2, 16, kMaxLayers).validate(&m) == Status::bad_shape);
  CHECK(MlpSpec::make(2, 0, 3).validate(&m) == Status::bad_shape);
  CHECK(MlpSpec::make(2, 16, 2, Activation::silu, TimeEmbedding{13}).validate(&m) == Status::bad_metadata);
}

TEST_CASE("spec arithmetic: the default model") {
  const MlpSpec s = MlpSpec::make(2, 128, 3);
  CHECK(s.in_features() == 3);
  CHECK(s.n_layers == 4);
  CHECK(s.param_count() == size_t(3 * 128 + 128 + 2 * (128 * 128 + 128) + 128 * 2 + 2));
  CHECK(s.flops() == 66816.0);  // the figure BENCHMARKS.md quotes
  CHECK(s.bias_offset(0) == 3 * 128);
  CHECK(s.weight_offset(1) == 3 * 128 + 128);
}

TEST_CASE("initialisation is PyTorch's Kaiming-uniform bound and deterministic") {
  const MlpSpec s = MlpSpec::make(2, 64, 2);
  std::vector<float> a(s.param_count()), b(s.param_count());
  Rng r1(7, 4), r2(7, 4);
  mlp_init(s, a.data(), r1);
  mlp_init(s, b.data(), r2);
  CHECK(a == b);
  const float bound0 = 1.0f / std::sqrt(3.0f), bound1 = 1.0f / 8.0f;
  bool inside = true;
  for (size_t q = 0; q < s.bias_offset(0) + 64; ++q) inside = inside && std::fabs(a[q]) <= bound0;
  for (size_t q = s.weight_offset(1); q < s.weight_offset(2); ++q) inside = inside && std::fabs(a[q]) <= bound1;
  CHECK(inside);
}

TEST_CASE("backward over two chunks with accumulate gives the bits of one pass") {
  Net net(MlpSpec::make(2, 24, 2), 3);
  const int n = 37, n1 = 20;
  Rng rng(8, 8);
  std::vector<float> x(n * 2), t(n), c(n * 2);
  for (auto& v : x) v = rng.normal();
  for (auto& v : t) v = rng.uniform();
  for (auto& v : c) v = rng.normal();
  std::vector<unsigned char> mem(tape_bytes(net.spec, n) + mlp_backward_scratch(net.spec, n));
  Arena arena(mem.data(), mem.size());
  Tape tape;
  REQUIRE(tape_init(net.spec, n, arena, &tape) == Status::ok);
  std::vector<float> whole(net.params.size(), -1.0f), parts(net.params.size(), -2.0f);
  mlp_forward_train(net.mlp, x.data(), 2, t.data(), n, tape);
  REQUIRE(mlp_backward(net.mlp, tape, c.data(), whole.data(), nullptr, nullptr, arena) == Status::ok);
  tape.n = n1;
  mlp_forward_train(net.mlp, x.data(), 2, t.data(), n1, tape);
  REQUIRE(mlp_backward(net.mlp, tape, c.data(), parts.data(), nullptr, nullptr, arena) == Status::ok);
  tape.n = n - n1;
  mlp_forward_train(net.mlp, x.data() + n1 * 2, 2, t.data() + n1, n - n1, tape);
  REQUIRE(mlp_backward(net.mlp, tape, c.data() + n1 * 2, parts.data(), nullptr, nullptr, arena, nullptr, true) ==
          Status::ok);
  CHECK(std::memcmp(whole.data(), parts.data(), whole.size() * 4) == 0);
}

TEST_CASE("layers_for_join: by parameters, largest first from each end, equal ones in layer order") {
  int order[kMaxLayers];
  // 3 -> 24 (96), six 24 -> 24 (600), 24 -> 2 (50): by size 1 2 3 4 5 6 0 7, dealt to both ends
  MlpSpec::make(2, 24, 7).layers_for_join(order);
  const int want[] = {1, 3, 5, 0, 7, 6, 4, 2};
  CHECK(std::equal(want, want + 8, order));
  MlpSpec::make(40, 8, 1).layers_for_join(order);  // 41 -> 8 (336), 8 -> 40 (360)
  CHECK((order[0] == 1 && order[1] == 0));
  MlpSpec::make(2).layers_for_join(order);  // the default: 3 -> 128, 128 -> 128 twice, 128 -> 2
  const int hidden_at_both_ends[] = {1, 0, 3, 2};
  CHECK(std::equal(hidden_at_both_ends, hidden_at_both_ends + 4, order));
}

TEST_CASE("mlp_train_pass (two joins) gives the tape, dL/dout and gradient bits of mlp_forward_train + mlp_backward") {
  // Widths that are not whole vectors (37: every layer sums a tail of columns, and the layers' weight
  // gradients run in one join, so two layers' tails side by side), a wide output (5 of 24: split by j) and
  // a narrow one (2: split by k), time features, a class condition; row counts that do not split evenly.
  struct Case {
    MlpSpec spec;
    int n;
  };
  const Case cases[] = {
      {MlpSpec::make(2, 37, 3, Activation::silu, TimeEmbedding{3}, ConditionSpec::classes(3)), 101},
      {MlpSpec::make(5, 24, 1, Activation::gelu), 64},
      {MlpSpec::make(2, 40, 2, Activation::tanh, TimeEmbedding{}), 7},
  };
  for (const Case& k : cases) {
    const MlpSpec& s = k.spec;
    const int n = k.n, d = s.dim, cf = s.condition.features(), L = s.n_layers;
    INFO("width " << s.sizes[1] << ", n " << n);
    Net net(s, 3);
    Rng rng(4, 4);
    std::vector<float> x(size_t(n) * d), t(n), target(x.size()), cond(size_t(n) * (cf > 0 ? cf : 1));
    for (auto& v : x) v = rng.normal();
    for (auto& v : t) v = rng.uniform();
    for (auto& v : target) v = rng.normal();
    for (auto& v : cond) v = rng.uniform() < 0.5f ? 1.0f : 0.0f;
    const MlpCondition mc{cf > 0 ? cond.data() : nullptr, cf};
    const float scale = 2.0f / static_cast<float>(n * d);
    // the reference: one thread, forward then backward
    std::vector<unsigned char> mem(tape_bytes(s, n) + mlp_backward_scratch(s, n) + mlp_train_pass_scratch(s, n));
    Arena arena(mem.data(), mem.size());
    Tape tape;
    REQUIRE(tape_init(s, n, arena, &tape) == Status::ok);
    mlp_forward_train(net.mlp, x.data(), d, t.data(), n, tape, nullptr, mc);
    std::vector<float> dout(x.size()), grad(net.params.size(), -1.0f);
    const float* pred = tape.post[L - 1];
    for (size_t q = 0; q < dout.size(); ++q) dout[q] = scale * (pred[q] - target[q]);
    REQUIRE(mlp_backward(net.mlp, tape, dout.data(), grad.data(), nullptr, nullptr, arena) == Status::ok);
    std::vector<std::vector<float>> post(L);
    for (int i = 0; i < L; ++i) post[i].assign(tape.post[i], tape.post[i] + size_t(n) * s.sizes[i + 1]);
    for (int threads : {0, 1, 2, 3}) {
      INFO("threads " << threads);
      ThreadPool pool(threads > 0 ? threads : 1);
      Executor* ex = threads > 0 ? &pool : nullptr;
      for (int i = 0; i < L; ++i) std::fill(tape.post[i], tape.post[i] + size_t(n) * s.sizes[i + 1], -3.0f);
      std::vector<float> dout2(x.size(), -4.0f), grad2(net.params.size(), -5.0f);
      REQUIRE(mlp_train_pass(net.mlp, x.data(), d, t.data(), n, tape, mc, target.data(), scale, dout2.data(),
                             grad2.data(), arena, ex) == Status::ok);
      for (int i = 0; i < L; ++i)
        CHECK(std::memcmp(post[i].data(), tape.post[i], post[i].size() * sizeof(float)) == 0);
      CHECK(std::memcmp(dout.data(), dout2.data(), dout.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(grad.data(), grad2.data(), grad.size() * sizeof(float)) == 0);
    }
  }
  // short scratch: a clear status, nothing written to the gradient
  const MlpSpec s = MlpSpec::make(2, 16, 2);
  Net net(s, 1);
  std::vector<unsigned char> tape_mem(tape_bytes(s, 8) + Arena::kAlign), mem(mlp_train_pass_scratch(s, 8) / 2);
  Arena tape_arena(tape_mem.data(), tape_mem.size()), arena(mem.data(), mem.size());
  Tape tape;
  REQUIRE(tape_init(s, 8, tape_arena, &tape) == Status::ok);
  std::vector<float> x(16, 0.5f), t(8, 0.5f), dout(16), grad(s.param_count(), 7.0f);
  CHECK(mlp_train_pass(net.mlp, x.data(), 2, t.data(), 8, tape, {}, x.data(), 1.0f, dout.data(), grad.data(), arena,
                       nullptr) == Status::out_of_memory);
  CHECK(arena.used() == 0);
  CHECK(grad[0] == 7.0f);
}

TEST_CASE("conditions: the condition follows the time features; class, vector and none encode as formats.md says") {
  const ConditionSpec cls = ConditionSpec::classes(3), vec = ConditionSpec::vector(2);
  float c[4];
  cls.encode_class(1, c);
  CHECK((c[0] == 0.0f && c[1] == 1.0f && c[2] == 0.0f));
  const float values[2] = {0.25f, -2.0f};
  vec.encode_vector(values, c);
  CHECK((c[0] == 0.25f && c[1] == -2.0f && c[2] == 1.0f));  // then a 1: zeros differ from none
  vec.encode_none(c);
  CHECK((c[0] == 0.0f && c[1] == 0.0f && c[2] == 0.0f));
  char name[16];
  condition_name(cls, name, sizeof name);
  CHECK(std::string(name) == "class:3");
  ConditionSpec back;
  REQUIRE(parse_condition("vector:12", 9, &back));
  CHECK((back.kind == ConditionSpec::Kind::vector && back.count == 12));
  CHECK_FALSE(parse_condition("class:0", 7, &back));
  CHECK_FALSE(parse_condition("class:01", 8, &back));
  CHECK_FALSE(parse_condition("class:", 6, &back));
  CHECK(parse_condition("none", 4, &back));

  // One linear layer: out = W·[x, t, cond] + b, by hand.
  Net net(MlpSpec::make(2, 0, 0, Activation::silu, TimeEmbedding{}, cls), 3);
  REQUIRE(net.spec.sizes[0] == 6);
  const std::vector<float> x = {0.5f, -1.5f, 2.0f, 0.25f}, t = {0.3f, 0.7f};
  float rows[6];
  cls.encode_class(2, rows);
  cls.encode_class(0, rows + 3);
  std::vector<unsigned char> mem(mlp_forward_scratch(net.spec, 2));
  Arena a(mem.data(), mem.size());
  float out[4], broadcast[4], none[4];
  REQUIRE(mlp_forward(net.mlp, x.data(), 2, t.data(), true, 2, out, 2, a, MlpCondition{rows, 3}) == Status::ok);
  for (int r = 0; r < 2; ++r)
    for (int j = 0; j < 2; ++j) {
      const float* w = net.mlp.weight[0] + j * 6;
      const float* cr = rows + 3 * r;
      double want = net.mlp.bias[0][j];
      want += double(w[0]) * x[2 * r] + double(w[1]) * x[2 * r + 1] + double(w[2]) * t[r];
      want += double(w[3]) * cr[0] + double(w[4]) * cr[1] + double(w[5]) * cr[2];
      CHECK(out[2 * r + j] == doctest::Approx(want).epsilon(1e-6));
    }
  // stride 0: one condition for every row; no condition: zeros
  REQUIRE(mlp_forward(net.mlp, x.data(), 2, t.data(), true, 2, broadcast, 2, a, MlpCondition{rows, 0}) == Status::ok);
  CHECK(std::memcmp(broadcast, out, 2 * sizeof(float)) == 0);  // row 0 had class 2 in both
  float zeros[3] = {0, 0, 0};
  float with_zeros[4];
  REQUIRE(mlp_forward(net.mlp, x.data(), 2, t.data(), true, 2, none, 2, a) == Status::ok);
  REQUIRE(mlp_forward(net.mlp, x.data(), 2, t.data(), true, 2, with_zeros, 2, a, MlpCondition{zeros, 0}) ==
          Status::ok);
  CHECK(std::memcmp(none, with_zeros, sizeof none) == 0);
}

TEST_CASE("conditions: the training forward and the gradients with a condition input") {
  const int d = 2, n = 3;
  Net net(MlpSpec::make(d, 6, 2, Activation::tanh, TimeEmbedding{2}, ConditionSpec::vector(2)), 4);
  Rng rng(3, 3);
  std::vector<float> x(n * d), t(n), c(n * d), cond(n * 3);
  for (auto& v : x) v = rng.normal();
  for (auto& v : t) v = rng.uniform();
  for (auto& v : c) v = rng.normal();
  for (int r = 0; r < n; ++r) {
    const float vals[2] = {rng.normal(), rng.normal()};
    net.spec.condition.encode_vector(vals, cond.data() + 3 * r);
  }
  const MlpCondition mc{cond.data(), 3};
  std::vector<unsigned char> mem(tape_bytes(net.spec, n) + mlp_backward_scratch(net.spec, n) +
                                 mlp_forward_scratch(net.spec, n));
  Arena arena(mem.data(), mem.size());
  Tape tape;
  REQUIRE(tape_init(net.spec, n, arena, &tape) == Status::ok);
  mlp_forward_train(net.mlp, x.data(), d, t.data(), n, tape, nullptr, mc);
  std::vector<float> out(n * d);
  REQUIRE(mlp_forward(net.mlp, x.data(), d, t.data(), true, n, out.data(), d, arena, mc) == Status::ok);
  CHECK(std::memcmp(out.data(), tape.post[net.spec.n_layers - 1], out.size() * sizeof(float)) == 0);
  // dL/dx of L = Σ c ⊙ out against central differences, with the condition held fixed
  std::vector<float> grad(net.spec.param_count()), dx(n * d);
  REQUIRE(mlp_backward(net.mlp, tape, c.data(), grad.data(), dx.data(), nullptr, arena) == Status::ok);
  for (int q = 0; q < n * d; ++q) {
    std::vector<float> xp = x, xm = x, op(n * d), om(n * d);
    xp[q] += 1e-2f;
    xm[q] -= 1e-2f;
    REQUIRE(mlp_forward(net.mlp, xp.data(), d, t.data(), true, n, op.data(), d, arena, mc) == Status::ok);
    REQUIRE(mlp_forward(net.mlp, xm.data(), d, t.data(), true, n, om.data(), d, arena, mc) == Status::ok);
    double fd = 0;
    for (int i = 0; i < n * d; ++i) fd += double(c[i]) * (double(op[i]) - om[i]);
    fd /= double(xp[q]) - xm[q];
    CHECK(dx[q] == doctest::Approx(fd).epsilon(2e-3).scale(1.0));
  }
}

// The weight and bias gradients are, bit for bit, the plain sums over the rows
// in order (from +0, or from what grad holds when accumulating), whatever the
// kernels do: widths whose k has a tail past whole vectors (fin = 3 and 13),
// an output layer with fewer outputs than inputs, more rows than one row block.
TEST_CASE("weight gradients are the plain row sums in order, bit for bit, tails of k included") {
  for (bool accumulate : {false, true}) {
    Net net(MlpSpec::make(2, 13, 2), 4);
    const MlpSpec& s = net.spec;
    const int n = 300, L = s.n_layers;
    Rng rng(5, 5);
    std::vector<float> x(size_t(n) * 2), t(n), c(size_t(n) * 2);
    for (auto& v : x) v = rng.normal();
    for (auto& v : t) v = rng.uniform();
    for (auto& v : c) v = rng.normal();
    std::vector<unsigned char> mem(tape_bytes(s, n) + mlp_backward_scratch(s, n));
    Arena arena(mem.data(), mem.size());
    Tape tape;
    REQUIRE(tape_init(s, n, arena, &tape) == Status::ok);
    mlp_forward_train(net.mlp, x.data(), 2, t.data(), n, tape);
    std::vector<float> grad(s.param_count());
    for (auto& v : grad) v = accumulate ? rng.normal() : 0.0f;
    std::vector<float> want = grad;
    REQUIRE(mlp_backward(net.mlp, tape, c.data(), grad.data(), nullptr, nullptr, arena, nullptr, accumulate) ==
            Status::ok);
    std::vector<float> dz(c), da;
    for (int i = L - 1; i >= 0; --i) {
      const int fin = s.sizes[i], fout = s.sizes[i + 1];
      const float* a = i == 0 ? tape.input : tape.post[i - 1];
      for (int j = 0; j < fout; ++j) {
        float gb = accumulate ? want[s.bias_offset(i) + j] : 0.0f;
        for (int r = 0; r < n; ++r) gb = gb + dz[size_t(r) * fout + j];
        want[s.bias_offset(i) + j] = gb;
        for (int k = 0; k < fin; ++k) {
          float g = accumulate ? want[s.weight_offset(i) + size_t(j) * fin + k] : 0.0f;
          for (int r = 0; r < n; ++r) g = g + dz[size_t(r) * fout + j] * a[size_t(r) * fin + k];
          want[s.weight_offset(i) + size_t(j) * fin + k] = g;
        }
      }
      if (i == 0) break;
      da.assign(size_t(n) * fin, 0.0f);
      for (int r = 0; r < n; ++r)
        for (int k = 0; k < fin; ++k) {
          float acc = 0.0f;
          for (int j = 0; j < fout; ++j) acc = acc + dz[size_t(r) * fout + j] * net.mlp.weight[i][size_t(j) * fin + k];
          da[size_t(r) * fin + k] = acc * tape.slope[i - 1][size_t(r) * fin + k];
        }
      dz = da;
    }
    INFO("accumulate " << accumulate);
    CHECK(std::memcmp(grad.data(), want.data(), want.size() * 4) == 0);
  }
}
