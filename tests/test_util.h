// Helpers shared by the unit tests.
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "rill/arena.h"
#include "rill/model_io.h"
#include "rill/rng.h"

namespace rill_test {

// A model file for a fresh (untrained) MLP of this shape; its parameters in
// *params_out (if given).
inline std::vector<unsigned char> model_bytes(const rill::MlpSpec& spec, std::vector<float>* params_out = nullptr,
                                              std::uint32_t seed = 3) {
  std::vector<float> params(spec.param_count());
  rill::Rng rng(seed, 1);
  rill::mlp_init(spec, params.data(), rng);
  rill::Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  std::vector<unsigned char> bytes(rill::model_file_size(mlp, 0.0f, nullptr, 0));
  std::size_t written = 0;
  REQUIRE(rill::model_write(mlp, 0.0f, nullptr, 0, bytes.data(), bytes.size(), &written, nullptr) ==
          rill::Status::ok);
  REQUIRE(written == bytes.size());
  if (params_out) *params_out = params;
  return bytes;
}

// An Mlp with initial weights from (seed, stream 1), packed for the fast kernel as models are.
struct PackedNet {
  std::vector<float> params;
  std::vector<unsigned char> pack;
  rill::Mlp mlp;
  explicit PackedNet(const rill::MlpSpec& spec, std::uint32_t seed)
      : params(spec.param_count()), pack(rill::mlp_pack_bytes(spec) + rill::Arena::kAlign) {
    rill::Rng rng(seed, 1);
    rill::mlp_init(spec, params.data(), rng);
    mlp.spec = spec;
    mlp.bind(params.data());
    rill::Arena a(pack.data(), pack.size());
    REQUIRE(rill::mlp_pack(mlp, a) == rill::Status::ok);
  }
};

}  // namespace rill_test
