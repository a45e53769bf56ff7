// The compiled-model struct of a spec and its parameter block, as `rill export-c --compiled` writes
// it (shared by test_capi_compiled.cpp and test_step.cpp).
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

#include "rill/mlp.h"
#include "rill/rill.h"

namespace rill_test {

// The struct's fields of spec s, as `rill export-c --compiled` writes them (no arrays, no checksum).
inline rill_compiled_model header_of(const rill::MlpSpec& s) {
  rill_compiled_model c;
  std::memset(&c, 0, sizeof c);
  c.version = RILL_COMPILED_VERSION;
  c.dim = s.dim;
  c.layers = s.n_layers;
  for (int i = 0; i <= s.n_layers; ++i) c.sizes[i] = s.sizes[i];
  c.activation = static_cast<int32_t>(s.activation);
  c.time_k = s.time.k;
  c.step_k = s.step.k();
  c.condition_kind = static_cast<int32_t>(s.condition.kind);
  c.condition_count = s.condition.kind == rill::ConditionSpec::Kind::none ? 0 : s.condition.count;
  c.source = -1;
  return c;
}

// What `rill export-c --compiled` writes, built from the parameter block (W0 b0 W1 b1 ...).
inline rill_compiled_model compiled_of(const rill::MlpSpec& s, const std::vector<float>& p) {
  rill_compiled_model c = header_of(s);
  for (int i = 0; i < s.n_layers; ++i) {
    c.weight[i] = p.data() + s.weight_offset(i);
    c.bias[i] = p.data() + s.bias_offset(i);
  }
  c.checksum = rill_compiled_checksum(&c);
  return c;
}

}  // namespace rill_test
