// model_write: a rill model as a safetensors file (shared/spec/formats.md),
// the writing half of model_io.h (model_io.cpp reads).
//
// Why it is written this way: the header is emitted twice by the same code,
// once into a counting Sink (to know the padded length, so the data buffer
// starts at a multiple of 16) and once into the caller's buffer. Everything
// that could make the file unreadable (an invalid spec, non-finite weights,
// bad metadata keys) is refused before a byte is written, so what rill writes
// rill reads. The header is padded with trailing spaces only.
#include <cstring>

#include "rill/datasets.h"
#include "rill/decimal.h"
#include "rill/model_io.h"
#include "rill/safetensors_header.h"

namespace rill {

namespace {

using u8 = unsigned char;
using u64 = std::uint64_t;
using safetensors::Sink;

constexpr int kNumMetaKeys = kNumRillMetadataKeys;
const char* const* const kMetaNames = kRillMetadataKeys;

// "layers.{i}{suffix}" into name[32]
void layer_name(char* name, int i, const char* suffix) {
  Sink s{reinterpret_cast<u8*>(name), 31};
  s.puts("layers.");
  s.putu(static_cast<u64>(i));
  s.puts(suffix);
  name[s.n < 31 ? s.n : 31] = '\0';
}

// The value of extra key `key`, or null.
const char* extra_value(const KeyValue* extra, int n_extra, const char* key) {
  for (int i = 0; i < n_extra; ++i)
    if (std::strcmp(extra[i].key, key) == 0) return extra[i].value;
  return nullptr;
}

// The extra keys formats.md gives a meaning: class_names and source.
Status check_meaningful_extras(const MlpSpec& spec, const KeyValue* extra, int n_extra, Message* msg) {
  if (const char* names = extra_value(extra, n_extra, "class_names")) {
    if (spec.condition.kind != ConditionSpec::Kind::cls)
      return fail(msg, Status::invalid_argument, "class_names given for a model without a class condition");
    int count = 1;
    const char* start = names;
    for (const char* p = names;; ++p) {
      if (*p != ',' && *p != '\0') continue;
      if (p == start) return fail(msg, Status::invalid_argument, "class_names holds an empty name");
      if (*p == '\0') break;
      ++count;
      start = p + 1;
    }
    if (count != spec.condition.count)
      return fail(msg, Status::invalid_argument, "class_names has %d names; the condition has %d classes", count,
                  spec.condition.count);
  }
  if (const char* source = extra_value(extra, n_extra, "source")) {
    Dataset d;
    if (std::strcmp(source, "gaussian") != 0 && !parse_dataset(source, &d))
      return fail(msg, Status::invalid_argument, "unknown source %s (gaussian or a built-in dataset)", source);
    if (std::strcmp(source, "gaussian") != 0 && spec.dim != kDatasetDim)
      return fail(msg, Status::invalid_argument, "source %s is %d-dimensional; the model's dimension is %d", source,
                  kDatasetDim, spec.dim);
  }
  return Status::ok;
}

// 2 when the file uses a condition or a source other than gaussian, else 1 (formats.md).
u64 format_of(const Mlp& mlp, const KeyValue* extra, int n_extra) {
  const char* source = extra_value(extra, n_extra, "source");
  const bool v2 = mlp.spec.condition.kind != ConditionSpec::Kind::none ||
                  (source != nullptr && std::strcmp(source, "gaussian") != 0);
  return v2 ? 2 : 1;
}

Status check_write(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra, Message* msg) {
  Status st = mlp.spec.validate(msg);
  if (st != Status::ok) return st;
  if (!(sigma_min >= 0.0f && sigma_min < 1.0f))
    return fail(msg, Status::invalid_argument, "sigma_min must be in [0, 1)");
  if (n_extra < 0 || (n_extra > 0 && extra == nullptr))
    return fail(msg, Status::invalid_argument, "extra metadata: %d entries but no array", n_extra);
  if (n_extra > kMaxMetadata - kNumMetaKeys)
    return fail(msg, Status::invalid_argument, "%d extra metadata entries; at most %d fit beside rill's own", n_extra,
                kMaxMetadata - kNumMetaKeys);
  for (int i = 0; i < n_extra; ++i) {
    const char* k = extra[i].key;
    const char* v = extra[i].value;
    if (k == nullptr || v == nullptr || *k == '\0')
      return fail(msg, Status::invalid_argument, "extra metadata entry %d has a null or empty key or value", i);
    if (std::strlen(k) > kMaxKeyBytes)
      return fail(msg, Status::invalid_argument, "extra metadata key %d is longer than %zu bytes", i, kMaxKeyBytes);
    if (!safetensors::valid_utf8(k) || !safetensors::valid_utf8(v))
      return fail(msg, Status::invalid_argument, "extra metadata entry %d is not valid UTF-8", i);
    for (int j = 0; j < kNumMetaKeys; ++j)
      if (std::strcmp(k, kMetaNames[j]) == 0)
        return fail(msg, Status::invalid_argument, "extra metadata key %s is one rill writes itself", k);
    for (int j = 0; j < i; ++j)
      if (std::strcmp(k, extra[j].key) == 0)
        return fail(msg, Status::invalid_argument, "extra metadata key %s appears twice", k);
  }
  if ((st = check_meaningful_extras(mlp.spec, extra, n_extra, msg)) != Status::ok) return st;
  for (int i = 0; i < mlp.spec.n_layers; ++i) {
    if (mlp.weight[i] == nullptr || mlp.bias[i] == nullptr)
      return fail(msg, Status::invalid_argument, "layer %d has no weights", i);
    const std::size_t rows = static_cast<std::size_t>(mlp.spec.sizes[i + 1]);
    const std::size_t cols = static_cast<std::size_t>(mlp.spec.sizes[i]);
    char name[32];
    layer_name(name, i, ".weight");
    if ((st = check_finite_f32(name, mlp.weight[i], rows * cols, msg)) != Status::ok)
      return st;
    layer_name(name, i, ".bias");
    if ((st = check_finite_f32(name, mlp.bias[i], rows, msg)) != Status::ok) return st;
  }
  return Status::ok;
}

// The JSON header without padding.
void emit_header(Sink& s, const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra) {
  const MlpSpec& spec = mlp.spec;
  char sigma[32];
  float_to_decimal(sigma_min + 0.0f, sigma, sizeof sigma);
  s.puts("{\"__metadata__\":{\"rill.format\":\"");
  s.putu(format_of(mlp, extra, n_extra));
  s.puts("\",\"dim\":\"");
  s.putu(static_cast<u64>(spec.dim));
  s.puts("\",\"activation\":\"");
  s.puts(activation_name(spec.activation));
  s.puts("\",\"time_embedding\":\"");
  char time_name[16];
  time_embedding_name(spec.time, time_name, sizeof time_name);
  s.puts(time_name);
  s.puts("\",\"path\":\"condot\",\"sigma_min\":\"");
  s.puts(sigma);
  s.put('"');
  if (spec.condition.kind != ConditionSpec::Kind::none) {
    char cond[24];
    condition_name(spec.condition, cond, sizeof cond);
    s.puts(",\"condition\":\"");
    s.puts(cond);
    s.put('"');
  }
  for (int i = 0; i < n_extra; ++i) {
    s.put(',');
    s.put_json(extra[i].key);
    s.put(':');
    s.put_json(extra[i].value);
  }
  s.put('}');
  u64 off = 0;
  for (int i = 0; i < spec.n_layers; ++i) {
    const u64 rows = static_cast<u64>(spec.sizes[i + 1]);
    const u64 cols = static_cast<u64>(spec.sizes[i]);
    s.puts(",\"layers.");
    s.putu(static_cast<u64>(i));
    s.puts(".weight\":{\"dtype\":\"F32\",\"shape\":[");
    s.putu(rows);
    s.put(',');
    s.putu(cols);
    s.puts("],\"data_offsets\":[");
    s.putu(off);
    s.put(',');
    off += rows * cols * 4;
    s.putu(off);
    s.puts("]},\"layers.");
    s.putu(static_cast<u64>(i));
    s.puts(".bias\":{\"dtype\":\"F32\",\"shape\":[");
    s.putu(rows);
    s.puts("],\"data_offsets\":[");
    s.putu(off);
    s.put(',');
    off += rows * 4;
    s.putu(off);
    s.puts("]}");
  }
  s.put('}');
}

// Header length N (padded so 8 + N is a multiple of 16); 0 if over the limit.
std::size_t padded_header_len(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra) {
  Sink count;
  emit_header(count, mlp, sigma_min, extra, n_extra);
  const std::size_t n = (count.n + 8 + 15) / 16 * 16 - 8;
  return n > kMaxHeaderBytes ? 0 : n;
}


}  // namespace

std::size_t model_file_size(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra) {
  if (check_write(mlp, sigma_min, extra, n_extra, nullptr) != Status::ok) return 0;
  const std::size_t n = padded_header_len(mlp, sigma_min, extra, n_extra);
  if (n == 0) return 0;
  return 8 + n + mlp.spec.param_count() * sizeof(float);
}

Status model_write(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra, unsigned char* out,
                   std::size_t cap, std::size_t* written, Message* msg) {
  if (written != nullptr) *written = 0;
  Status st = check_write(mlp, sigma_min, extra, n_extra, msg);
  if (st != Status::ok) return st;
  const std::size_t n = padded_header_len(mlp, sigma_min, extra, n_extra);
  if (n == 0)
    return fail(msg, Status::invalid_argument, "the header would exceed %zu bytes (extra metadata too long)",
                kMaxHeaderBytes);
  const std::size_t total = 8 + n + mlp.spec.param_count() * sizeof(float);
  if (out == nullptr || cap < total)
    return fail(msg, Status::out_of_memory, "the output buffer has %zu bytes; the file needs %zu", out ? cap : 0,
                total);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<u8>(static_cast<u64>(n) >> (8 * i));
  Sink s{out + 8, n};
  emit_header(s, mlp, sigma_min, extra, n_extra);
  while (s.n < n) s.put(' ');
  u8* d = out + 8 + n;
  for (int i = 0; i < mlp.spec.n_layers; ++i) {
    const std::size_t rows = static_cast<std::size_t>(mlp.spec.sizes[i + 1]);
    const std::size_t cols = static_cast<std::size_t>(mlp.spec.sizes[i]);
    std::memcpy(d, mlp.weight[i], rows * cols * sizeof(float));  // little-endian host: file order
    d += rows * cols * sizeof(float);
    std::memcpy(d, mlp.bias[i], rows * sizeof(float));
    d += rows * sizeof(float);
  }
  if (written != nullptr) *written = total;
  return Status::ok;
}


}  // namespace rill
