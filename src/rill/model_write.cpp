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
#include "rill/narrow.h"
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

// 2 when the file uses a condition, a step embedding, a source other than gaussian or a narrow dtype,
// else 1 (formats.md).
u64 format_of(const Mlp& mlp, const KeyValue* extra, int n_extra, WeightDtype dtype) {
  const char* source = extra_value(extra, n_extra, "source");
  const bool v2 = mlp.spec.condition.kind != ConditionSpec::Kind::none || mlp.spec.step.on ||
                  (source != nullptr && std::strcmp(source, "gaussian") != 0) || dtype != WeightDtype::f32;
  return v2 ? 2 : 1;
}

// Where layer i's tensors go in the data buffer. F32, F16, BF16: W0 b0 W1 b1
// ... (the canonical block; F16/BF16 biases in the weights' dtype, the
// smaller file). I8: every F32 tensor first (scales, biases: 4-byte aligned),
// then the I8 weights, so nothing needs copying to be read.
struct Offsets {
  u64 w = 0, b = 0, s = 0, end = 0;
};
Offsets layout(const MlpSpec& spec, WeightDtype dtype, int layer) {
  Offsets o;
  const u64 wb = static_cast<u64>(weight_dtype_bytes(dtype));
  const u64 sb = dtype == WeightDtype::i8 ? 4 : 0;
  u64 f32 = 0, narrow = 0, total_f32 = 0;
  for (int i = 0; i < spec.n_layers; ++i) total_f32 += static_cast<u64>(spec.sizes[i + 1]) * (4 + sb);
  for (int i = 0; i <= layer && i < spec.n_layers; ++i) {
    const u64 rows = static_cast<u64>(spec.sizes[i + 1]), cols = static_cast<u64>(spec.sizes[i]);
    if (dtype != WeightDtype::i8) {
      o.w = f32;
      o.b = f32 + rows * cols * wb;
      f32 = o.b + rows * wb;
      o.end = f32;
      continue;
    }
    o.s = f32;
    o.b = f32 + rows * sb;
    f32 = o.b + rows * 4;
    o.w = total_f32 + narrow;
    narrow += rows * cols * wb;
    o.end = total_f32 + narrow;
  }
  return o;
}
u64 data_bytes(const MlpSpec& spec, WeightDtype dtype) { return layout(spec, dtype, spec.n_layers - 1).end; }

// The weights and biases fit the dtype's range (F16: |w| <= 65504).
Status check_range(const Mlp& mlp, WeightDtype dtype, Message* msg) {
  if (dtype != WeightDtype::f16 && dtype != WeightDtype::bf16) return Status::ok;
  for (int i = 0; i < mlp.spec.n_layers; ++i) {
    const std::size_t rows = static_cast<std::size_t>(mlp.spec.sizes[i + 1]);
    for (int part = 0; part < 2; ++part) {
      const float* v = part == 0 ? mlp.weight[i] : mlp.bias[i];
      const std::size_t count = part == 0 ? rows * static_cast<std::size_t>(mlp.spec.sizes[i]) : rows;
      for (std::size_t q = 0; q < count; ++q) {
        bool over = false;
        if (dtype == WeightDtype::f16) f32_to_f16(v[q], &over);
        else f32_to_bf16(v[q], &over);
        if (!over) continue;
        char text[32];
        float_to_decimal(v[q], text, sizeof text);
        return fail(msg, Status::invalid_argument, "layers.%d.%s element %zu (%s) is outside the range of %s%s", i,
                    part == 0 ? "weight" : "bias", q, text, weight_dtype_name(dtype),
                    dtype == WeightDtype::f16 ? " (|x| <= 65504)" : "");
      }
    }
  }
  return Status::ok;
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

// One tensor entry of the header: ,"layers.{i}{suffix}":{"dtype":...,"shape":[rows(,cols)],"data_offsets":[a,b]}
void emit_entry(Sink& s, int i, const char* suffix, const char* dtype, u64 rows, u64 cols, u64 begin, u64 end) {
  s.puts(",\"layers.");
  s.putu(static_cast<u64>(i));
  s.puts(suffix);
  s.puts("\":{\"dtype\":\"");
  s.puts(dtype);
  s.puts("\",\"shape\":[");
  s.putu(rows);
  if (cols != 0) {
    s.put(',');
    s.putu(cols);
  }
  s.puts("],\"data_offsets\":[");
  s.putu(begin);
  s.put(',');
  s.putu(end);
  s.puts("]}");
}

// The JSON header without padding.
void emit_header(Sink& s, const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra, WeightDtype dtype) {
  const MlpSpec& spec = mlp.spec;
  char sigma[32];
  float_to_decimal(sigma_min + 0.0f, sigma, sizeof sigma);
  s.puts("{\"__metadata__\":{\"rill.format\":\"");
  s.putu(format_of(mlp, extra, n_extra, dtype));
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
  if (spec.step.on) {
    char step[16];
    step_embedding_name(spec.step, step, sizeof step);
    s.puts(",\"step_embedding\":\"");
    s.puts(step);
    s.put('"');
  }
  for (int i = 0; i < n_extra; ++i) {
    s.put(',');
    s.put_json(extra[i].key);
    s.put(':');
    s.put_json(extra[i].value);
  }
  s.put('}');
  const u64 wb = static_cast<u64>(weight_dtype_bytes(dtype));
  for (int i = 0; i < spec.n_layers; ++i) {
    const u64 rows = static_cast<u64>(spec.sizes[i + 1]);
    const u64 cols = static_cast<u64>(spec.sizes[i]);
    const Offsets o = layout(spec, dtype, i);
    emit_entry(s, i, ".weight", weight_dtype_name(dtype), rows, cols, o.w, o.w + rows * cols * wb);
    if (dtype == WeightDtype::i8) emit_entry(s, i, ".weight_scale", "F32", rows, 0, o.s, o.s + rows * 4);
    const bool narrow_bias = dtype == WeightDtype::f16 || dtype == WeightDtype::bf16;
    emit_entry(s, i, ".bias", narrow_bias ? weight_dtype_name(dtype) : "F32", rows, 0, o.b,
               o.b + rows * (narrow_bias ? wb : 4));
  }
  s.put('}');
}

// Header length N (padded so 8 + N is a multiple of 16); 0 if over the limit.
std::size_t padded_header_len(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra, WeightDtype dtype) {
  Sink count;
  emit_header(count, mlp, sigma_min, extra, n_extra, dtype);
  const std::size_t n = (count.n + 8 + 15) / 16 * 16 - 8;
  return n > kMaxHeaderBytes ? 0 : n;
}


}  // namespace

std::size_t model_file_size(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra, WeightDtype dtype) {
  if (check_write(mlp, sigma_min, extra, n_extra, nullptr) != Status::ok) return 0;
  if (check_range(mlp, dtype, nullptr) != Status::ok) return 0;
  const std::size_t n = padded_header_len(mlp, sigma_min, extra, n_extra, dtype);
  if (n == 0) return 0;
  return 8 + n + static_cast<std::size_t>(data_bytes(mlp.spec, dtype));
}

Status model_write(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra, unsigned char* out,
                   std::size_t cap, std::size_t* written, Message* msg, WeightDtype dtype) {
  if (written != nullptr) *written = 0;
  Status st = check_write(mlp, sigma_min, extra, n_extra, msg);
  if (st != Status::ok) return st;
  if ((st = check_range(mlp, dtype, msg)) != Status::ok) return st;
  const std::size_t n = padded_header_len(mlp, sigma_min, extra, n_extra, dtype);
  if (n == 0)
    return fail(msg, Status::invalid_argument, "the header would exceed %zu bytes (extra metadata too long)",
                kMaxHeaderBytes);
  const std::size_t total = 8 + n + static_cast<std::size_t>(data_bytes(mlp.spec, dtype));
  if (out == nullptr || cap < total)
    return fail(msg, Status::out_of_memory, "the output buffer has %zu bytes; the file needs %zu", out ? cap : 0,
                total);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<u8>(static_cast<u64>(n) >> (8 * i));
  Sink s{out + 8, n};
  emit_header(s, mlp, sigma_min, extra, n_extra, dtype);
  while (s.n < n) s.put(' ');
  u8* d = out + 8 + n;
  for (int i = 0; i < mlp.spec.n_layers; ++i) {
    const std::size_t rows = static_cast<std::size_t>(mlp.spec.sizes[i + 1]);
    const std::size_t cols = static_cast<std::size_t>(mlp.spec.sizes[i]);
    const Offsets o = layout(mlp.spec, dtype, i);
    if (dtype == WeightDtype::f32) {
      std::memcpy(d + o.w, mlp.weight[i], rows * cols * sizeof(float));  // little-endian host: file order
      std::memcpy(d + o.b, mlp.bias[i], rows * sizeof(float));
      continue;
    }
    char name[32];
    layer_name(name, i, ".weight");
    st = narrow_weights(name, dtype, mlp.weight[i], rows, cols, d + o.w, d + o.s, msg);
    if (st == Status::ok && dtype != WeightDtype::i8)
      st = narrow_weights(name, dtype, mlp.bias[i], 1, rows, d + o.b, nullptr, msg);
    if (dtype == WeightDtype::i8) std::memcpy(d + o.b, mlp.bias[i], rows * sizeof(float));
    if (st != Status::ok) return st;  // not reached: check_range refused it before
  }
  if (written != nullptr) *written = total;
  return Status::ok;
}


}  // namespace rill
