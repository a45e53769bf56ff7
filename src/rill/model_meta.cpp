// model_meta: the metadata keys rill reads, checked. See model_meta.h.
#include "rill/model_meta.h"

#include <cstring>

#include "rill/datasets.h"
#include "rill/decimal.h"
#include "rill/model_io.h"

namespace rill {
namespace model_meta {

using u8 = unsigned char;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using safetensors::decode;
using safetensors::Str;
using safetensors::str_is;

static_assert(kStep + 1 == kNumRillMetadataKeys && kNumMetaKeys == kNumRillMetadataKeys + kNumCheckedExtraKeys,
              "one MetaKey per key rill reads");
const char* const kMetaNames[kNumMetaKeys] = {"rill.format", "dim",       "activation",     "time_embedding",
                                              "path",        "sigma_min", "condition",      "step_embedding",
                                              "class_names", "source"};

namespace {
bool is_digit(u8 c) { return c >= '0' && c <= '9'; }
}  // namespace

// Strict decimal integer: digits only, no sign, no leading zero; false if > max.
bool parse_uint(const char* s, std::size_t n, u32 max, u32* out) {
  if (n == 0 || n > 10 || (n > 1 && s[0] == '0')) return false;
  u64 v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_digit(static_cast<u8>(s[i]))) return false;
    v = v * 10 + static_cast<u64>(s[i] - '0');
  }
  if (v > max) return false;
  *out = static_cast<u32>(v);
  return true;
}

// Counts the comma-separated names of class_names; false if one is empty.
bool count_names(const u8* header, Str value, int* count) {
  char v[kMaxKeyBytes + 1];
  if (!decode(header, value, v, sizeof v)) return false;
  const std::size_t n = value.decoded;
  int c = 1;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= n; ++i) {
    if (i < n && v[i] != ',') continue;
    if (i == start) return false;
    if (i < n) ++c;
    start = i + 1;
  }
  *count = c;
  return true;
}

// One metadata value decoded for checking: v holds it (zero-terminated) and n
// its length; a value too long for v gets n = kCap, which never equals a valid
// value. read() returns whether the key is present at all.
struct MetaValue {
  static constexpr std::size_t kCap = 64;
  const u8* header;
  const Meta& meta;
  char v[kCap] = {0};
  std::size_t n = 0;
  bool read(int key) {
    const bool fits = decode(header, meta.value[key], v, kCap);
    n = fits ? meta.value[key].decoded : kCap;
    return meta.present[key];
  }
};

// The keys of format 2: condition, step_embedding, class_names, source. In a
// format-1 file `source` and `class_names` are free text, as they were before
// format 2 gave them a meaning (files in use carry e.g. "source": "my lab");
// a condition or a step embedding changes the shapes, so it needs format 2.
static Status check_format2_keys(const u8* header, const Meta& meta, Declared* d, Message* msg) {
  if (d->format < 2) {
    if (meta.present[kCondition])
      return fail(msg, Status::bad_metadata, "a model with a condition is rill.format 2, not %d", d->format);
    if (meta.present[kStep])
      return fail(msg, Status::bad_metadata, "a model with a step_embedding is rill.format 2, not %d", d->format);
    return Status::ok;
  }
  MetaValue m{header, meta};
  const char* v = m.v;
  const std::size_t& n = m.n;
  auto get = [&m](int key) { return m.read(key); };
  if (get(kCondition) && !parse_condition(v, n, &d->condition))
    return fail(msg, Status::bad_metadata, "unknown condition %s (rill reads none, class:C or vector:M, C and M in 1..%d)",
                v, ConditionSpec::kMaxCount);
  if (get(kStep) && !parse_step_embedding(v, n, &d->step))
    return fail(msg, Status::bad_metadata, "unknown step_embedding %s (rill reads none, raw or sin:K, K in 1..%d)", v,
                TimeEmbedding::kMaxK);
  if (get(kSource) && !str_is(v, n, "gaussian")) {
    Dataset ds;
    if (n >= MetaValue::kCap || !parse_dataset(v, &ds))
      return fail(msg, Status::bad_metadata, "unknown source %s (gaussian or a built-in dataset)", v);
    d->source = static_cast<int>(ds);
  }
  if (meta.present[kClassNames]) {
    d->class_names = meta.value[kClassNames];
    d->has_class_names = true;
  }
  return Status::ok;
}

Status check_metadata(const u8* header, const Meta& meta, Declared* d, Message* msg) {
  *d = Declared{};
  if (!meta.present[kFormat]) return Status::ok;  // a foreign file: defaults, architecture from the shapes
  d->rill = true;
  MetaValue m{header, meta};
  const char* v = m.v;
  const std::size_t& n = m.n;
  auto get = [&m](int key) { return m.read(key); };
  get(kFormat);
  u32 format = 0;
  if (!parse_uint(v, n, 1000000u, &format) || format < 1)
    return fail(msg, Status::bad_metadata, "rill.format %s is not a format number", v);
  if (format > static_cast<u32>(kFormatVersion))
    return fail(msg, Status::bad_metadata, "model format %s is newer than this rill (reads 1 and 2)", v);
  d->format = static_cast<int>(format);
  if (get(kDim)) {
    u32 dim;
    if (!parse_uint(v, n, static_cast<u32>(kMaxDim), &dim) || dim < 1)
      return fail(msg, Status::bad_metadata, "dim %s is not an integer in 1..%d", v, kMaxDim);
    d->dim = static_cast<int>(dim);
  }
  if (get(kActivation) && !parse_activation(v, n, &d->activation))
    return fail(msg, Status::bad_metadata, "unknown activation %s (rill reads silu, relu, tanh, gelu, gelu_tanh)",
                v);
  if (get(kTime) && !parse_time_embedding(v, n, &d->time)) {
    if (n > 4 && std::memcmp(v, "sin:", 4) == 0)
      return fail(msg, Status::bad_metadata, "time_embedding %s: K must be an integer in 1..%d", v,
                  TimeEmbedding::kMaxK);
    return fail(msg, Status::bad_metadata, "unknown time_embedding %s (rill reads raw or sin:K)", v);
  }
  if (get(kPath) && !str_is(v, n, "condot"))
    return fail(msg, Status::bad_metadata, "path %s is not supported (rill reads condot)", v);
  if (get(kSigma)) {
    float s = 0.0f;
    if (n >= MetaValue::kCap || !decimal_to_float(v, n, &s) || !(s >= 0.0f && s < 1.0f))
      return fail(msg, Status::bad_metadata, "sigma_min %s is not a decimal in [0, 1)", v);
    d->sigma_min = s + 0.0f;  // -0 -> +0
  }
  return check_format2_keys(header, meta, d, msg);
}

}  // namespace model_meta

// ---------------------------------------------------------------------------
// Metadata of a loaded model (moved here from model_io.cpp to keep it under the size limit)

namespace {
using model_meta::u8;
using model_meta::u32;
using safetensors::decode;
using safetensors::KeyBuffer;
using safetensors::Str;
using safetensors::Visitor;

// Walks the metadata of a loaded model (validated at load, so parsing
// succeeds); meta(ctx, ...) sees each entry, decoded key and raw value.
struct MetaWalk {
  const u8* header;
  void* ctx;
};
void each_meta(const Model& model, Status (*meta)(void* ctx, const char* key, std::size_t n, Str k, Str v),
               MetaWalk* w) {
  if (model.header == nullptr || model.header_len < 2 || model.header_len > kMaxHeaderBytes) return;
  w->header = reinterpret_cast<const u8*>(model.header);
  KeyBuffer key;
  safetensors::walk(w->header, static_cast<u32>(model.header_len), Visitor{w, nullptr, meta}, key, nullptr);
}

}  // namespace

bool model_metadata(const Model& model, const char* key, char* out, std::size_t cap) {
  if (key == nullptr) return false;
  struct Lookup {
    const char* key;
    std::size_t klen;
    char* out;
    std::size_t cap;
    bool found;
  } q{key, std::strlen(key), out, cap, false};
  MetaWalk w{nullptr, &q};
  each_meta(
      model,
      [](void* ctx, const char* k, std::size_t n, Str, Str v) {
        MetaWalk& mw = *static_cast<MetaWalk*>(ctx);
        Lookup& l = *static_cast<Lookup*>(mw.ctx);
        if (n != l.klen || std::memcmp(k, l.key, n) != 0) return Status::ok;
        l.found = l.out != nullptr && decode(mw.header, v, l.out, l.cap);
        if (!l.found && l.out != nullptr && l.cap > 0) l.out[0] = '\0';
        return Status::unsupported;  // found: stop walking (keys are unique)
      },
      &w);
  return q.found;
}

void model_metadata_each(const Model& model, void (*fn)(const char* key, const char* value, void* ctx), void* ctx) {
  if (fn == nullptr) return;
  struct Each {
    void (*fn)(const char*, const char*, void*);
    void* ctx;
  } e{fn, ctx};
  MetaWalk w{nullptr, &e};
  each_meta(
      model,
      [](void* c, const char* k, std::size_t, Str, Str v) {
        MetaWalk& mw = *static_cast<MetaWalk*>(c);
        Each& each = *static_cast<Each*>(mw.ctx);
        char value[kMetadataEachValueBytes];
        decode(mw.header, v, value, sizeof value);
        each.fn(k, value, each.ctx);
        return Status::ok;
      },
      &w);
}

}  // namespace rill
