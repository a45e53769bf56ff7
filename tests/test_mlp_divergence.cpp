// mlp_divergence: the forward-mode divergence of the Mlp against the trace of
// the Jacobian from the backward pass (dL/dx with dL/du = e_i gives row i), and
// against central finite differences; u keeps mlp_forward's bits; packed,
// unpacked and any batch give the same bits.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "rill/field.h"
#include "rill/mlp.h"
#include "rill/mlp_divergence.h"
#include "rill/rng.h"

using namespace rill;

namespace {

struct Net {
  MlpSpec spec;
  std::vector<float> params;
  std::vector<unsigned char> pack_mem;
  Mlp mlp, packed;
  explicit Net(const MlpSpec& s, std::uint32_t seed = 1) : spec(s), params(s.param_count()) {
    Rng rng(seed, 9);
    mlp_init(spec, params.data(), rng);
    mlp.spec = spec;
    mlp.bind(params.data());
    packed = mlp;
    pack_mem.resize(mlp_pack_bytes(spec));
    Arena a(pack_mem.data(), pack_mem.size());
    REQUIRE(mlp_pack(packed, a) == Status::ok);
  }
};

std::vector<float> divergence(const Mlp& m, const std::vector<float>& x, int n, float t, std::vector<float>* u) {
  std::vector<unsigned char> mem(mlp_divergence_scratch(m.spec, n));
  Arena a(mem.data(), mem.size());
  std::vector<float> div(static_cast<std::size_t>(n));
  u->assign(static_cast<std::size_t>(n) * m.spec.dim, 0.0f);
  REQUIRE(mlp_divergence(m, x.data(), n, t, u->data(), div.data(), a) == Status::ok);
  CHECK(a.used() == 0);
  return div;
}

// Σ_i ∂u_i/∂x_i from the backward pass: dL/du = e_i gives dL/dx = row i of the Jacobian.
double trace_by_backward(const Net& net, const float* x, float t) {
  const int d = net.spec.dim;
  std::vector<unsigned char> mem(tape_bytes(net.spec, 1) + mlp_backward_scratch(net.spec, 1));
  Arena a(mem.data(), mem.size());
  Tape tape;
  REQUIRE(tape_init(net.spec, 1, a, &tape) == Status::ok);
  mlp_forward_train(net.mlp, x, d, &t, 1, tape);
  std::vector<float> grad(net.spec.param_count()), dx(static_cast<std::size_t>(d)), dout(static_cast<std::size_t>(d));
  double tr = 0;
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j < d; ++j) dout[static_cast<std::size_t>(j)] = i == j ? 1.0f : 0.0f;
    REQUIRE(mlp_backward(net.mlp, tape, dout.data(), grad.data(), dx.data(), nullptr, a) == Status::ok);
    tr += dx[static_cast<std::size_t>(i)];
  }
  return tr;
}

double trace_by_differences(const Net& net, const float* x, float t) {
  const int d = net.spec.dim;
  std::vector<unsigned char> mem(mlp_forward_scratch(net.spec, 1));
  double tr = 0;
  for (int i = 0; i < d; ++i) {
    std::vector<float> p(x, x + d), m(x, x + d), up(static_cast<std::size_t>(d)), um(static_cast<std::size_t>(d));
    const float h = 1e-2f;
    p[static_cast<std::size_t>(i)] += h;
    m[static_cast<std::size_t>(i)] -= h;
    Arena a(mem.data(), mem.size());
    REQUIRE(mlp_forward(net.mlp, p.data(), d, &t, false, 1, up.data(), d, a) == Status::ok);
    REQUIRE(mlp_forward(net.mlp, m.data(), d, &t, false, 1, um.data(), d, a) == Status::ok);
    tr += (double(up[static_cast<std::size_t>(i)]) - um[static_cast<std::size_t>(i)]) /
          (double(p[static_cast<std::size_t>(i)]) - m[static_cast<std::size_t>(i)]);
  }
  return tr;
}

}  // namespace

TEST_CASE("mlp_divergence equals the Jacobian's trace from the backward pass, every activation and time embedding") {
  const Activation acts[] = {Activation::silu, Activation::relu, Activation::tanh, Activation::gelu,
                             Activation::gelu_tanh};
  for (Activation act : acts)
    for (int k : {0, 3})
      for (int d : {1, 2, 3, 5}) {
        TimeEmbedding te;
        te.k = k;
        const Net net(MlpSpec::make(d, 16, 3, act, te), 7);
        const int n = 9;
        Rng rng(4, 4);
        std::vector<float> x(static_cast<std::size_t>(n) * d);
        for (float& v : x) v = 1.5f * rng.normal();
        for (float t : {0.0f, 0.4f, 1.0f}) {
          std::vector<float> u;
          const std::vector<float> div = divergence(net.mlp, x, n, t, &u);
          for (int r = 0; r < n; ++r) {
            INFO(activation_name(act) << " sin:" << k << " d=" << d << " t=" << t << " row " << r);
            const double want = trace_by_backward(net, x.data() + static_cast<std::size_t>(r) * d, t);
            CHECK(div[static_cast<std::size_t>(r)] == doctest::Approx(want).epsilon(1e-5).scale(1.0));
            if (act != Activation::relu) {  // differences across a ReLU kink would not be a derivative
              const double fd = trace_by_differences(net, x.data() + static_cast<std::size_t>(r) * d, t);
              CHECK(div[static_cast<std::size_t>(r)] == doctest::Approx(fd).epsilon(2e-3).scale(1.0));
            }
          }
        }
      }
}

TEST_CASE("mlp_divergence: u has mlp_forward's bits; packed, unpacked and any batch give the same bits") {
  const Net net(MlpSpec::make(2, 96, 4, Activation::silu, TimeEmbedding{4}), 3);
  const int n = 301;  // several tiles and a ragged last one
  Rng rng(8, 1);
  std::vector<float> x(static_cast<std::size_t>(n) * 2);
  for (float& v : x) v = rng.normal();
  const float t = 0.37f;
  std::vector<float> u_ref(x.size()), u, u_packed;
  std::vector<unsigned char> mem(mlp_forward_scratch(net.spec, n));
  Arena a(mem.data(), mem.size());
  REQUIRE(mlp_forward(net.packed, x.data(), 2, &t, false, n, u_ref.data(), 2, a) == Status::ok);
  const std::vector<float> div = divergence(net.mlp, x, n, t, &u);
  const std::vector<float> div_packed = divergence(net.packed, x, n, t, &u_packed);
  CHECK(std::memcmp(u.data(), u_ref.data(), u.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(u_packed.data(), u_ref.data(), u.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(div.data(), div_packed.data(), div.size() * sizeof(float)) == 0);
  for (int r = 0; r < n; r += 37) {  // one point at a time: the same bits
    std::vector<float> one(x.begin() + 2 * r, x.begin() + 2 * r + 2), u1;
    const std::vector<float> d1 = divergence(net.packed, one, 1, t, &u1);
    CHECK(std::memcmp(&d1[0], &div[static_cast<std::size_t>(r)], sizeof(float)) == 0);
  }
  // and through the field interface, whose eval keeps MlpField's bits
  const MlpDivergenceField field(net.packed);
  std::vector<unsigned char> fmem(field.divergence_scratch_bytes(n));
  Arena fa(fmem.data(), fmem.size());
  std::vector<float> fu(x.size()), fdiv(static_cast<std::size_t>(n));
  REQUIRE(field.eval_divergence(x.data(), n, t, fu.data(), fdiv.data(), fa) == Status::ok);
  CHECK(std::memcmp(fdiv.data(), div.data(), div.size() * sizeof(float)) == 0);
  REQUIRE(field.eval(x.data(), n, t, fu.data(), fa) == Status::ok);
  CHECK(std::memcmp(fu.data(), u_ref.data(), u_ref.size() * sizeof(float)) == 0);
}

TEST_CASE("mlp_divergence: too little scratch is out_of_memory, n = 0 is nothing") {
  const Net net(MlpSpec::make(2, 8, 2), 1);
  std::vector<unsigned char> mem(mlp_divergence_scratch(net.spec, 10) / 2);
  Arena a(mem.data(), mem.size());
  float x[20] = {}, u[20], div[10];
  CHECK(mlp_divergence(net.mlp, x, 10, 0.5f, u, div, a) == Status::out_of_memory);
  CHECK(a.used() == 0);
  CHECK(mlp_divergence(net.mlp, x, 0, 0.5f, u, div, a) == Status::ok);
}
