// MlpSpec: architecture arithmetic and validation; activation names.
#include <cstring>

#include "rill/mlp.h"

namespace rill {

namespace {
constexpr const char* kActNames[] = {"silu", "relu", "tanh", "gelu", "gelu_tanh"};
}

const char* activation_name(Activation a) {
  const int i = static_cast<int>(a);
  return (i >= 0 && i < 5) ? kActNames[i] : "?";
}

bool parse_activation(const char* s, std::size_t len, Activation* out) {
  for (int i = 0; i < 5; ++i) {
    if (std::strlen(kActNames[i]) == len && std::memcmp(kActNames[i], s, len) == 0) {
      *out = static_cast<Activation>(i);
      return true;
    }
  }
  return false;
}

MlpSpec MlpSpec::make(int dim, int width, int depth, Activation a, TimeEmbedding time) {
  MlpSpec s;
  s.dim = dim;
  s.activation = a;
  s.time = time;
  s.n_layers = depth + 1;
  if (depth < 0 || depth + 1 > kMaxLayers) {  // invalid: validate() reports it
    s.n_layers = depth + 1 < 1 ? 0 : kMaxLayers + 1;
    return s;
  }
  s.sizes[0] = dim + time.features();
  for (int i = 1; i <= depth; ++i) s.sizes[i] = width;
  s.sizes[depth + 1] = dim;
  return s;
}

int MlpSpec::max_size() const {
  int m = 0;
  for (int i = 0; i <= n_layers && i <= kMaxLayers; ++i) m = sizes[i] > m ? sizes[i] : m;
  return m;
}

std::size_t MlpSpec::param_count() const {
  std::size_t total = 0;
  for (int i = 0; i < n_layers; ++i)
    total += static_cast<std::size_t>(sizes[i + 1]) * static_cast<std::size_t>(sizes[i]) +
             static_cast<std::size_t>(sizes[i + 1]);
  return total;
}

std::size_t MlpSpec::weight_offset(int layer) const {
  std::size_t off = 0;
  for (int i = 0; i < layer; ++i)
    off += static_cast<std::size_t>(sizes[i + 1]) * static_cast<std::size_t>(sizes[i]) +
           static_cast<std::size_t>(sizes[i + 1]);
  return off;
}

std::size_t MlpSpec::bias_offset(int layer) const {
  return weight_offset(layer) + static_cast<std::size_t>(sizes[layer + 1]) * static_cast<std::size_t>(sizes[layer]);
}

double MlpSpec::flops() const {
  double f = 0;
  for (int i = 0; i < n_layers; ++i) f += 2.0 * sizes[i] * sizes[i + 1];
  return f;
}

Status MlpSpec::validate(Message* msg) const {
  if (dim < 1 || dim > kMaxDim)
    return fail(msg, Status::bad_shape, "data dimension %d is outside 1..%d", dim, kMaxDim);
  if (n_layers < 1 || n_layers > kMaxLayers)
    return fail(msg, Status::bad_shape, "%d linear layers; rill supports 1..%d", n_layers, kMaxLayers);
  if (time.k < 0 || time.k > TimeEmbedding::kMaxK)
    return fail(msg, Status::bad_metadata, "time embedding sin:%d; K must be 1..%d", time.k, TimeEmbedding::kMaxK);
  if (static_cast<int>(activation) > 4)
    return fail(msg, Status::bad_metadata, "unknown activation");
  for (int i = 0; i <= n_layers; ++i)
    if (sizes[i] < 1 || sizes[i] > kMaxWidth)
      return fail(msg, Status::bad_shape, "layer size %d is outside 1..%d", sizes[i], kMaxWidth);
  if (sizes[0] != dim + time.features())
    return fail(msg, Status::bad_shape, "layer 0 takes %d inputs; dimension %d + %d time features needs %d",
                sizes[0], dim, time.features(), dim + time.features());
  if (sizes[n_layers] != dim)
    return fail(msg, Status::bad_shape, "layer %d gives %d outputs; the data dimension is %d", n_layers - 1,
                sizes[n_layers], dim);
  return Status::ok;
}

}  // namespace rill
