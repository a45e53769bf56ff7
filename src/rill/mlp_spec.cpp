// MlpSpec: architecture arithmetic and validation; time-embedding names.
#include <cstring>

#include "rill/decimal.h"
#include "rill/mlp.h"
#include "rill/parallel.h"

namespace rill {

bool parse_time_embedding(const char* s, std::size_t len, TimeEmbedding* out) {
  if (len == 3 && std::memcmp(s, "raw", 3) == 0) {
    out->k = 0;
    return true;
  }
  if (len < 5 || std::memcmp(s, "sin:", 4) != 0 || s[4] == '0') return false;  // no leading zeros
  int k = 0;
  for (std::size_t i = 4; i < len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    k = 10 * k + (s[i] - '0');
    if (k > TimeEmbedding::kMaxK) return false;
  }
  if (k < 1) return false;
  out->k = k;
  return true;
}

std::size_t time_embedding_name(TimeEmbedding t, char* buf, std::size_t cap) {
  char tmp[8] = "raw";
  if (t.k != 0) {
    std::size_t n = 4;
    std::memcpy(tmp, "sin:", 4);
    if (t.k >= 10) tmp[n++] = static_cast<char>('0' + t.k / 10 % 10);
    tmp[n++] = static_cast<char>('0' + t.k % 10);
    tmp[n] = '\0';
  }
  const std::size_t len = std::strlen(tmp);
  if (cap > 0) {
    const std::size_t c = len < cap - 1 ? len : cap - 1;
    std::memcpy(buf, tmp, c);
    buf[c] = '\0';
  }
  return len;
}

bool parse_step_embedding(const char* s, std::size_t len, StepEmbedding* out) {
  if (len == 4 && std::memcmp(s, "none", 4) == 0) {
    *out = StepEmbedding{};
    return true;
  }
  TimeEmbedding e;
  if (!parse_time_embedding(s, len, &e)) return false;
  *out = StepEmbedding{true, e};
  return true;
}

std::size_t step_embedding_name(StepEmbedding e, char* buf, std::size_t cap) {
  if (e.on) return time_embedding_name(e.enc, buf, cap);
  if (cap > 0) {
    const std::size_t c = cap - 1 < 4 ? cap - 1 : 4;
    std::memcpy(buf, "none", c);
    buf[c] = '\0';
  }
  return 4;
}

namespace {
// Reads a count 1..max in decimal without leading zeros; false otherwise.
bool parse_count(const char* s, std::size_t len, int max, int* out) {
  if (len == 0 || s[0] == '0') return false;
  int v = 0;
  for (std::size_t i = 0; i < len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = 10 * v + (s[i] - '0');
    if (v > max) return false;
  }
  *out = v;
  return true;
}

std::size_t copy_name(const char* name, char* buf, std::size_t cap) {
  const std::size_t len = std::strlen(name);
  if (cap > 0) {
    const std::size_t c = len < cap - 1 ? len : cap - 1;
    std::memcpy(buf, name, c);
    buf[c] = '\0';
  }
  return len;
}
}  // namespace

void ConditionSpec::encode_class(int k, float* out) const {
  for (int q = 0; q < count; ++q) out[q] = q == k ? 1.0f : 0.0f;
}

void ConditionSpec::encode_vector(const float* values, float* out) const {
  for (int q = 0; q < count; ++q) out[q] = values[q];
  out[count] = 1.0f;
}

void ConditionSpec::encode_none(float* out) const {
  for (int q = 0; q < features(); ++q) out[q] = 0.0f;
}

bool parse_condition(const char* s, std::size_t len, ConditionSpec* out) {
  int c = 0;
  if (len == 4 && std::memcmp(s, "none", 4) == 0) {
    *out = ConditionSpec();
    return true;
  }
  if (len > 6 && std::memcmp(s, "class:", 6) == 0 && parse_count(s + 6, len - 6, ConditionSpec::kMaxCount, &c)) {
    *out = ConditionSpec::classes(c);
    return true;
  }
  if (len > 7 && std::memcmp(s, "vector:", 7) == 0 && parse_count(s + 7, len - 7, ConditionSpec::kMaxCount, &c)) {
    *out = ConditionSpec::vector(c);
    return true;
  }
  return false;
}

std::size_t condition_name(ConditionSpec c, char* buf, std::size_t cap) {
  if (c.kind == ConditionSpec::Kind::none) return copy_name("none", buf, cap);
  char tmp[24];
  const char* prefix = c.kind == ConditionSpec::Kind::cls ? "class:" : "vector:";
  std::size_t n = std::strlen(prefix);
  std::memcpy(tmp, prefix, n);
  unsigned_to_decimal(static_cast<unsigned>(c.count), tmp + n);
  return copy_name(tmp, buf, cap);
}

MlpSpec MlpSpec::make(int dim, int width, int depth, Activation a, TimeEmbedding time, ConditionSpec condition,
                      StepEmbedding step) {
  MlpSpec s;
  s.dim = dim;
  s.activation = a;
  s.time = time;
  s.condition = condition;
  s.step = step;
  s.n_layers = depth + 1;
  if (depth < 0 || depth + 1 > kMaxLayers) {  // invalid: validate() reports it
    s.n_layers = depth + 1 < 1 ? 0 : kMaxLayers + 1;
    return s;
  }
  s.sizes[0] = s.expected_inputs();
  for (int i = 1; i <= depth; ++i) s.sizes[i] = width;
  s.sizes[depth + 1] = dim;
  return s;
}

int MlpSpec::max_size() const {
  int m = 0;
  for (int i = 0; i <= n_layers && i <= kMaxLayers; ++i) m = sizes[i] > m ? sizes[i] : m;
  return m;
}

void MlpSpec::layers_for_join(int (&order)[kMaxLayers]) const {
  for (int i = 0; i < n_layers; ++i) {  // insertion sort: stable
    int k = i;
    for (; k > 0 && layer_params(order[k - 1]) < layer_params(i); --k) order[k] = order[k - 1];
    order[k] = i;
  }
  deal_to_both_ends(order, n_layers);
}

std::size_t MlpSpec::layer_params(int layer) const {
  return static_cast<std::size_t>(sizes[layer + 1]) * static_cast<std::size_t>(sizes[layer]) +
         static_cast<std::size_t>(sizes[layer + 1]);
}

std::size_t MlpSpec::param_count() const { return weight_offset(n_layers); }

std::size_t MlpSpec::weight_offset(int layer) const {
  std::size_t off = 0;
  for (int i = 0; i < layer; ++i) off += layer_params(i);
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
  if (step.on && (step.enc.k < 0 || step.enc.k > TimeEmbedding::kMaxK))
    return fail(msg, Status::bad_metadata, "step embedding sin:%d; K must be 1..%d", step.enc.k, TimeEmbedding::kMaxK);
  if (static_cast<int>(activation) >= kActivationCount)
    return fail(msg, Status::bad_metadata, "unknown activation");
  for (int i = 0; i <= n_layers; ++i)
    if (sizes[i] < 1 || sizes[i] > kMaxWidth)
      return fail(msg, Status::bad_shape, "layer size %d is outside 1..%d", sizes[i], kMaxWidth);
  if (condition.kind != ConditionSpec::Kind::none && (condition.count < 1 || condition.count > ConditionSpec::kMaxCount))
    return fail(msg, Status::bad_metadata, "condition count %d is outside 1..%d", condition.count,
                ConditionSpec::kMaxCount);
  if (sizes[0] != expected_inputs())
    return fail(msg, Status::bad_shape,
                "layer 0 takes %d inputs; dimension %d + %d time features + %d step features + %d condition features "
                "needs %d",
                sizes[0], dim, time.features(), step.features(), condition.features(), expected_inputs());
  if (sizes[n_layers] != dim)
    return fail(msg, Status::bad_shape, "layer %d gives %d outputs; the data dimension is %d", n_layers - 1,
                sizes[n_layers], dim);
  return Status::ok;
}

}  // namespace rill
