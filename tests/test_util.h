// Helpers shared by the unit tests.
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

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

}  // namespace rill_test
