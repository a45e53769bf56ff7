// model_io: rill models as safetensors files (shared/spec/formats.md).
//
// Why it is written this way:
// - The header is read by safetensors_header's schema-directed JSON walk,
//   in passes instead of building a tree: pass 1 checks syntax, duplicates
//   and collects the metadata values rill uses; then the metadata is checked
//   (so a `rill.format` 2 file is refused for its version, not for a detail a
//   later format may allow); pass 2 checks every tensor; then the offsets are
//   checked to tile the data buffer, the shapes to chain, and the weights to
//   be finite. Nothing is allocated; fixed tables bound the work (kMaxTensors,
//   kMaxMetadata, kMaxKeyBytes).
// - Every size is computed in u64 with overflow checks: shape dimensions and
//   offsets in a hostile file can be anything JSON can spell.
// - Numbers go through decimal.h (exact, no strtod or printf in firmware).
#include "rill/model_io.h"

#include <cstring>

#include "rill/datasets.h"
#include "rill/decimal.h"
#include "rill/model_meta.h"
#include "rill/narrow.h"

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rill model_io uses the little-endian floats of a safetensors file in place; big-endian hosts are not supported"
#endif
static_assert(sizeof(float) == 4, "rill needs IEEE-754 binary32 floats");

namespace rill {

namespace {

using u8 = unsigned char;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using safetensors::decode;
using safetensors::Entry;
using safetensors::KeyBuffer;
using safetensors::Sink;
using safetensors::Span;
using safetensors::Str;
using safetensors::str_is;
using safetensors::Visitor;
using model_meta::Declared;
using model_meta::Meta;
using model_meta::kMetaNames;
using model_meta::kNumMetaKeys;
using model_meta::check_metadata;
using model_meta::count_names;

bool is_digit(u8 c) { return c >= '0' && c <= '9'; }

// ---------------------------------------------------------------------------
// Loading

struct LayerSlot {
  u32 index = 0;
  int w = -1, b = -1, s = -1;  // tensor ordinals (s: an I8 layer's weight_scale)
  u64 w_dims[2] = {0, 0};
  u64 b_len = 0, s_len = 0;
  u64 w_off = 0, b_off = 0, s_off = 0;  // begin offsets in the data buffer
  WeightDtype w_type = WeightDtype::f32, b_type = WeightDtype::f32, s_type = WeightDtype::f32;
};

enum class Part { weight, bias, scale };

// Finds the layer index in `{prefix}{i}.weight` / `.bias` / `.weight_scale`.
bool parse_layer_name(const char* name, std::size_t n, std::size_t* prefix_len, u32* index, Part* part) {
  std::size_t stem;
  if (n >= 7 && std::memcmp(name + n - 7, ".weight", 7) == 0) {
    stem = n - 7;
    *part = Part::weight;
  } else if (n >= 5 && std::memcmp(name + n - 5, ".bias", 5) == 0) {
    stem = n - 5;
    *part = Part::bias;
  } else if (n >= 13 && std::memcmp(name + n - 13, ".weight_scale", 13) == 0) {
    stem = n - 13;
    *part = Part::scale;
  } else {
    return false;
  }
  std::size_t j = stem;
  while (j > 0 && is_digit(static_cast<u8>(name[j - 1]))) --j;
  const std::size_t digits = stem - j;
  if (digits == 0 || digits > 9 || (digits > 1 && name[j] == '0')) return false;
  u32 v = 0;
  for (std::size_t i = j; i < stem; ++i) v = v * 10 + static_cast<u32>(name[i] - '0');
  *prefix_len = j;
  *index = v;
  return true;
}

struct Loader {
  const u8* header;
  const u8* data;
  u64 data_len;
  Message* msg;
  // pass 1
  Str names[kMaxTensors];
  int n_tensors = 0;
  Str meta_keys[kMaxMetadata];
  int n_meta = 0;
  Meta meta;
  // pass 2
  Span spans[kMaxTensors];  // indexed by tensor ordinal (file order)
  int n_spans = 0;
  LayerSlot layers[kMaxLayers];
  int n_layers = 0;
  char prefix[kMaxKeyBytes + 1] = {0};
  std::size_t prefix_len = 0;
  bool have_prefix = false;
  // scratch for names: the key being visited, and two for comparisons and messages
  KeyBuffer key;
  KeyBuffer a;
  KeyBuffer b;

  void name_of(int tensor, KeyBuffer& buf) const { decode(header, names[tensor], buf, sizeof buf); }
  // Whether the string s decodes to other[0..n) (decoding into a).
  bool same(Str s, const char* other, std::size_t n) {
    if (s.decoded != n) return false;
    decode(header, s, a, sizeof a);
    return std::memcmp(a, other, n) == 0;
  }
};

Status pass1_tensor(Loader& L, const char* name, std::size_t n, Str key) {
  for (int i = 0; i < L.n_tensors; ++i)
    if (L.same(L.names[i], name, n)) return fail(L.msg, Status::bad_tensor, "duplicate tensor %s", name);
  if (L.n_tensors >= kMaxTensors)
    return fail(L.msg, Status::bad_tensor, "more than %d tensors; rill reads up to %d", kMaxTensors, kMaxTensors);
  L.names[L.n_tensors++] = key;
  return Status::ok;
}

Status pass1_meta(Loader& L, const char* key, std::size_t n, Str k, Str v) {
  for (int i = 0; i < L.n_meta; ++i)
    if (L.same(L.meta_keys[i], key, n))
      return fail(L.msg, Status::bad_json, "duplicate metadata key %s", key);
  if (L.n_meta >= kMaxMetadata)
    return fail(L.msg, Status::bad_metadata, "more than %d metadata entries; rill reads up to %d", kMaxMetadata,
                kMaxMetadata);
  L.meta_keys[L.n_meta++] = k;
  for (int i = 0; i < kNumMetaKeys; ++i) {
    if (str_is(key, n, kMetaNames[i])) {
      L.meta.present[i] = true;
      L.meta.value[i] = v;
    }
  }
  return Status::ok;
}


// A layer tensor's dtype: F32, F16, BF16 or I8 (formats.md, "Weight dtypes").
bool parse_dtype(const char* s, WeightDtype* d) {
  const std::size_t n = std::strlen(s);
  if (str_is(s, n, "F32")) *d = WeightDtype::f32;
  else if (str_is(s, n, "F16")) *d = WeightDtype::f16;
  else if (str_is(s, n, "BF16")) *d = WeightDtype::bf16;
  else if (str_is(s, n, "I8")) *d = WeightDtype::i8;
  else return false;
  return true;
}

// Checks one tensor's dtype, shape and offsets: a layer's is F32, F16, BF16
// or I8 of rank 2 (weight) or 1 (bias, weight_scale); every entry, also
// `rill.` ones, follows the format.
Status check_tensor(Loader& L, const char* name, const Entry& e, u32 want_rank, WeightDtype* d) {
  if (want_rank != 0 && !parse_dtype(e.dtype, d))
    return fail(L.msg, Status::unsupported_dtype, "unsupported dtype %s (rill reads F32, F16, BF16, I8): %s", e.dtype,
                name);
  if (want_rank != 0 && e.shape.count != want_rank)
    return fail(L.msg, Status::bad_shape, "%s has rank %u; %s", name, static_cast<unsigned>(e.shape.count),
                want_rank == 2 ? "a weight is [out, in]" : "a bias or weight_scale is [out]");
  return safetensors::check_entry(name, e, L.msg);
}

// Records a tensor in its layer's slot.
void record_part(LayerSlot& s, Part part, int ordinal, const Entry& e, WeightDtype d) {
  if (part == Part::weight) {
    s.w = ordinal;
    s.w_dims[0] = e.shape.first2[0];
    s.w_dims[1] = e.shape.first2[1];
    s.w_off = e.offsets.first2[0];
    s.w_type = d;
  } else if (part == Part::bias) {
    s.b = ordinal;
    s.b_len = e.shape.first2[0];
    s.b_off = e.offsets.first2[0];
    s.b_type = d;
  } else {
    s.s = ordinal;
    s.s_len = e.shape.first2[0];
    s.s_off = e.offsets.first2[0];
    s.s_type = d;
  }
}

Status pass2_tensor(Loader& L, const char* name, std::size_t n, const Entry& e) {
  const int ordinal = L.n_spans;
  Status st;
  WeightDtype d = WeightDtype::f32;
  if (n >= 5 && std::memcmp(name, "rill.", 5) == 0) {
    if ((st = check_tensor(L, name, e, 0, &d)) != Status::ok) return st;
  } else {
    std::size_t plen;
    u32 index;
    Part part;
    if (!parse_layer_name(name, n, &plen, &index, &part))
      return fail(L.msg, Status::bad_tensor,
                  "unexpected tensor %s (rill reads {prefix}{i}.weight, .bias and .weight_scale; other names must "
                  "start with rill.)",
                  name);
    if (!L.have_prefix) {
      std::memcpy(L.prefix, name, plen);
      L.prefix[plen] = '\0';
      L.prefix_len = plen;
      L.have_prefix = true;
    } else if (plen != L.prefix_len || std::memcmp(name, L.prefix, plen) != 0) {
      return fail(L.msg, Status::bad_tensor, "tensor %s does not share the prefix \"%s\" of the other layers", name,
                  L.prefix);
    }
    if ((st = check_tensor(L, name, e, part == Part::weight ? 2 : 1, &d)) != Status::ok) return st;
    int slot = -1;
    for (int i = 0; i < L.n_layers; ++i)
      if (L.layers[i].index == index) slot = i;
    if (slot < 0) {
      if (L.n_layers >= kMaxLayers)
        return fail(L.msg, Status::bad_shape, "more than %d linear layers (at %s); rill supports up to %d", kMaxLayers,
                    name, kMaxLayers);
      slot = L.n_layers++;
      L.layers[slot] = LayerSlot{};
      L.layers[slot].index = index;
    }
    LayerSlot& s = L.layers[slot];
    if ((part == Part::weight ? s.w : part == Part::bias ? s.b : s.s) >= 0)
      return fail(L.msg, Status::bad_tensor, "duplicate tensor %s", name);
    record_part(s, part, ordinal, e, d);
  }
  L.spans[L.n_spans++] = Span{e.offsets.first2[0], e.offsets.first2[1]};
  return Status::ok;
}

// Reads float i of a tensor whatever its alignment.
float load_f32(const u8* p, std::size_t i) {
  float f;
  std::memcpy(&f, p + 4 * i, 4);
  return f;
}


// Step 1: the u64 little-endian header length N, within the limit and the file.
Status read_header_length(const u8* bytes, std::size_t len, u64* n, Message* msg) {
  if (len < 8)
    return fail(msg, Status::truncated,
                "the file has %zu byte%s; a safetensors file starts with an 8-byte header length", len,
                len == 1 ? "" : "s");
  *n = 0;
  for (int i = 7; i >= 0; --i) *n = (*n << 8) | bytes[i];
  if (*n < 2)
    return fail(msg, Status::bad_header, "header length %llu is too small", static_cast<unsigned long long>(*n));
  if (*n > kMaxHeaderBytes)  // longer than the file too: most likely not a safetensors file at all (text, say)
    return fail(msg, Status::bad_header, "header length %llu exceeds the %zu-byte limit%s",
                static_cast<unsigned long long>(*n), kMaxHeaderBytes, *n > len ? " (not a safetensors file?)" : "");
  if (*n > len - 8)
    return fail(msg, Status::truncated, "the header claims %llu bytes but the file has only %zu after the length",
                static_cast<unsigned long long>(*n), len - 8);
  return Status::ok;
}

// Step 2: the header's entries. Pass 1 (syntax, duplicates, the metadata
// values rill uses), the metadata, pass 2 (every tensor's name, dtype, shape
// and offsets), then the offsets must tile the data buffer.
Status read_entries(Loader& L, u32 header_len, Declared* decl) {
  const Visitor pass1{&L,
                      [](void* ctx, const char* name, std::size_t nlen, Str key, const Entry&) {
                        return pass1_tensor(*static_cast<Loader*>(ctx), name, nlen, key);
                      },
                      [](void* ctx, const char* key, std::size_t klen, Str k, Str v) {
                        return pass1_meta(*static_cast<Loader*>(ctx), key, klen, k, v);
                      }};
  Status st = safetensors::walk(L.header, header_len, pass1, L.key, L.msg);
  if (st != Status::ok) return st;
  if ((st = check_metadata(L.header, L.meta, decl, L.msg)) != Status::ok) return st;
  const Visitor pass2{&L,
                      [](void* ctx, const char* name, std::size_t nlen, Str, const Entry& e) {
                        return pass2_tensor(*static_cast<Loader*>(ctx), name, nlen, e);
                      },
                      nullptr};
  if ((st = safetensors::walk(L.header, header_len, pass2, L.key, L.msg)) != Status::ok) return st;
  return safetensors::check_tiling(L.header, L.names, L.spans, L.n_spans, L.data_len, L.a, L.b, L.msg);
}

// Step 3: the layers in index order, each with a weight and a bias.
Status order_layers(Loader& L) {
  if (L.n_layers == 0)
    return fail(L.msg, Status::bad_tensor, "no layer tensors ({prefix}{i}.weight and {prefix}{i}.bias) in the file");
  for (int i = 1; i < L.n_layers; ++i) {
    const LayerSlot s = L.layers[i];
    int j = i - 1;
    while (j >= 0 && L.layers[j].index > s.index) {
      L.layers[j + 1] = L.layers[j];
      --j;
    }
    L.layers[j + 1] = s;
  }
  for (int i = 0; i < L.n_layers; ++i) {
    const LayerSlot& s = L.layers[i];
    if (s.w < 0 && s.b < 0)
      return fail(L.msg, Status::bad_tensor, "%s%u.weight_scale has no matching %s%u.weight", L.prefix,
                  static_cast<unsigned>(s.index), L.prefix, static_cast<unsigned>(s.index));
    if (s.w < 0)
      return fail(L.msg, Status::bad_tensor, "%s%u.bias has no matching %s%u.weight", L.prefix,
                  static_cast<unsigned>(s.index), L.prefix, static_cast<unsigned>(s.index));
    if (s.b < 0)
      return fail(L.msg, Status::bad_tensor, "%s%u.weight has no matching %s%u.bias", L.prefix,
                  static_cast<unsigned>(s.index), L.prefix, static_cast<unsigned>(s.index));
  }
  return Status::ok;
}

// Step 3b: one weight dtype per file; biases F32 or the weights' F16/BF16
// (one bias dtype); I8 weights with an F32 weight_scale [out] in every
// layer, and scales with I8 weights only (formats.md, "Weight dtypes").
Status check_dtypes(Loader& L, WeightDtype* wt, WeightDtype* bt) {
  KeyBuffer& a = L.a;
  KeyBuffer& b = L.b;
  const LayerSlot& first = L.layers[0];
  *wt = first.w_type;
  *bt = first.b_type;
  for (int i = 0; i < L.n_layers; ++i) {
    const LayerSlot& s = L.layers[i];
    L.name_of(s.w, a);
    if (s.w_type != *wt) {
      L.name_of(first.w, b);
      return fail(L.msg, Status::unsupported_dtype, "%s is %s but %s is %s: one weight dtype per file", a,
                  weight_dtype_name(s.w_type), b, weight_dtype_name(*wt));
    }
    L.name_of(s.b, b);
    if (s.b_type != WeightDtype::f32 && (s.b_type != *wt || *wt == WeightDtype::i8))
      return fail(L.msg, Status::unsupported_dtype, "%s is %s; with %s weights a bias is F32%s", b,
                  weight_dtype_name(s.b_type), weight_dtype_name(*wt),
                  *wt == WeightDtype::f16 ? " or F16" : *wt == WeightDtype::bf16 ? " or BF16" : "");
    if (s.b_type != *bt)
      return fail(L.msg, Status::unsupported_dtype, "%s is %s but the first layer's bias is %s: one bias dtype per file",
                  b, weight_dtype_name(s.b_type), weight_dtype_name(*bt));
    if (*wt == WeightDtype::i8 && s.s < 0)
      return fail(L.msg, Status::bad_tensor, "%s is I8 but the file has no %s%u.weight_scale", a, L.prefix,
                  static_cast<unsigned>(s.index));
    if (s.s < 0) continue;
    L.name_of(s.s, b);
    if (*wt != WeightDtype::i8)
      return fail(L.msg, Status::bad_tensor, "%s given but %s is %s; a weight_scale goes with I8 weights", b, a,
                  weight_dtype_name(*wt));
    if (s.s_type != WeightDtype::f32)
      return fail(L.msg, Status::unsupported_dtype, "%s is %s; a weight_scale is F32", b, weight_dtype_name(s.s_type));
    if (s.s_len != s.w_dims[0])
      return fail(L.msg, Status::bad_shape, "%s has %llu values but %s has %llu rows", b,
                  static_cast<unsigned long long>(s.s_len), a, static_cast<unsigned long long>(s.w_dims[0]));
  }
  return Status::ok;
}

// Step 4: the shapes within range, bias = weight rows, chaining layer to
// layer, and agreeing with the declared architecture; gives the MlpSpec.
// class_names against the condition, the source against the dimension; then the spec's ranges.
Status check_declared_extras(Loader& L, const Declared& decl, const MlpSpec& spec) {
  if (decl.has_class_names) {
    int names = 0;
    if (spec.condition.kind != ConditionSpec::Kind::cls)
      return fail(L.msg, Status::bad_metadata, "class_names given for a model without a class condition");
    if (!count_names(L.header, decl.class_names, &names))
      return fail(L.msg, Status::bad_metadata, "class_names holds an empty name");
    if (names != spec.condition.count)
      return fail(L.msg, Status::bad_metadata, "class_names has %d names; the condition has %d classes", names,
                  spec.condition.count);
  }
  if (decl.source >= 0 && spec.dim != kDatasetDim)
    return fail(L.msg, Status::bad_metadata, "source %s is %d-dimensional; the model's dimension is %d",
                dataset_name(static_cast<Dataset>(decl.source)), kDatasetDim, spec.dim);
  return spec.validate(L.msg);
}

Status check_shapes(Loader& L, const Declared& decl, MlpSpec* spec) {
  KeyBuffer& a = L.a;
  KeyBuffer& b = L.b;
  Message* msg = L.msg;
  spec->n_layers = L.n_layers;
  for (int i = 0; i < L.n_layers; ++i) {
    const LayerSlot& s = L.layers[i];
    L.name_of(s.w, a);
    const u64 lim = static_cast<u64>(kMaxWidth);
    if (s.w_dims[0] < 1 || s.w_dims[0] > lim || s.w_dims[1] < 1 || s.w_dims[1] > lim)
      return fail(msg, Status::bad_shape, "%s has shape [%llu, %llu]; rill supports layer sizes 1..%d", a,
                  static_cast<unsigned long long>(s.w_dims[0]), static_cast<unsigned long long>(s.w_dims[1]),
                  kMaxWidth);
    if (s.b_len != s.w_dims[0]) {
      L.name_of(s.b, b);
      return fail(msg, Status::bad_shape, "%s has %llu values but %s has %llu rows", b,
                  static_cast<unsigned long long>(s.b_len), a, static_cast<unsigned long long>(s.w_dims[0]));
    }
    if (i > 0 && s.w_dims[1] != L.layers[i - 1].w_dims[0]) {
      L.name_of(L.layers[i - 1].w, b);
      return fail(msg, Status::bad_shape, "layer %d: %s takes %llu inputs but %s gives %llu outputs", i, a,
                  static_cast<unsigned long long>(s.w_dims[1]), b,
                  static_cast<unsigned long long>(L.layers[i - 1].w_dims[0]));
    }
    if (i == 0) spec->sizes[0] = static_cast<int>(s.w_dims[1]);
    spec->sizes[i + 1] = static_cast<int>(s.w_dims[0]);
  }
  const int last = L.n_layers - 1;
  spec->dim = decl.dim != 0 ? decl.dim : spec->sizes[L.n_layers];
  spec->activation = decl.activation;
  spec->time = decl.time;
  spec->condition = decl.condition;
  spec->step = decl.step;
  if (spec->sizes[L.n_layers] != spec->dim) {
    L.name_of(L.layers[last].w, a);
    return fail(msg, Status::bad_shape, "layer %d: %s gives %d outputs; the data dimension (dim) is %d", last, a,
                spec->sizes[L.n_layers], spec->dim);
  }
  if (spec->sizes[0] != spec->expected_inputs()) {
    L.name_of(L.layers[0].w, a);
    const int sf = spec->step.features(), cf = spec->condition.features();
    if (sf == 0 && cf == 0)
      return fail(msg, Status::bad_shape, "layer 0: %s takes %d inputs; dimension %d + %d time features needs %d", a,
                  spec->sizes[0], spec->dim, spec->time.features(), spec->expected_inputs());
    if (sf == 0)
      return fail(msg, Status::bad_shape,
                  "layer 0: %s takes %d inputs; dimension %d + %d time features + %d condition features needs %d", a,
                  spec->sizes[0], spec->dim, spec->time.features(), cf, spec->expected_inputs());
    return fail(msg, Status::bad_shape,
                "layer 0: %s takes %d inputs; dimension %d + %d time features + %d step features + %d condition "
                "features needs %d",
                a, spec->sizes[0], spec->dim, spec->time.features(), sf, cf, spec->expected_inputs());
  }
  return check_declared_extras(L, decl, *spec);
}

// One tensor's values: F32 and F16/BF16 finite, I8 in [-127, 127].
Status check_values(const char* name, WeightDtype d, const u8* p, std::size_t n, Message* msg) {
  return d == WeightDtype::f32 ? check_finite_f32(name, p, n, msg) : check_narrow_values(name, d, p, n, msg);
}

// Step 5: every weight finite (I8 in range, scales finite and >= 0); *aligned
// tells whether all can be read in place as floats.
Status check_weights(Loader& L, bool* aligned) {
  *aligned = true;
  Status st;
  for (int i = 0; i < L.n_layers; ++i) {
    const LayerSlot& s = L.layers[i];
    const std::size_t wn = static_cast<std::size_t>(s.w_dims[0] * s.w_dims[1]);
    const std::size_t bn = static_cast<std::size_t>(s.b_len);
    L.name_of(s.w, L.a);
    if ((st = check_values(L.a, s.w_type, L.data + s.w_off, wn, L.msg)) != Status::ok) return st;
    L.name_of(s.b, L.a);
    if ((st = check_values(L.a, s.b_type, L.data + s.b_off, bn, L.msg)) != Status::ok) return st;
    if (s.s >= 0) {
      L.name_of(s.s, L.a);
      if ((st = check_scale_values(L.a, L.data + s.s_off, bn, L.msg)) != Status::ok) return st;
    }
    if (reinterpret_cast<std::uintptr_t>(L.data + s.w_off) % alignof(float) != 0 ||
        reinterpret_cast<std::uintptr_t>(L.data + s.b_off) % alignof(float) != 0)
      *aligned = false;
  }
  return Status::ok;
}

// Step 6: points the Mlp at the weights, in place or copied into one arena block.
// Narrow weights (any dtype but F32 weights) are always read in place, byte by byte.
Status bind_layers(const Loader& L, const MlpSpec& spec, bool aligned, Arena* arena, Mlp* mlp) {
  mlp->spec = spec;
  if (L.layers[0].w_type != WeightDtype::f32) {
    mlp->narrow.weight = L.layers[0].w_type;
    mlp->narrow.bias = L.layers[0].b_type;
    for (int i = 0; i < L.n_layers; ++i) {
      const LayerSlot& s = L.layers[i];
      mlp->narrow.w[i] = L.data + s.w_off;
      mlp->narrow.b[i] = L.data + s.b_off;
      mlp->narrow.scale[i] = s.s >= 0 ? L.data + s.s_off : nullptr;
    }
    return Status::ok;
  }
  if (aligned) {
    for (int i = 0; i < L.n_layers; ++i) {
      mlp->weight[i] = reinterpret_cast<const float*>(L.data + L.layers[i].w_off);
      mlp->bias[i] = reinterpret_cast<const float*>(L.data + L.layers[i].b_off);
    }
    return Status::ok;
  }
  const std::size_t count = spec.param_count();
  float* block = arena != nullptr ? arena->alloc_array<float>(count) : nullptr;
  if (block == nullptr)
    return fail(L.msg, Status::out_of_memory,
                "the weights are not 4-byte aligned in memory; copying them needs %zu bytes of arena, %zu are free",
                model_copy_bytes(spec), arena != nullptr ? arena->capacity() - arena->used() : std::size_t{0});
  for (int i = 0; i < L.n_layers; ++i) {
    const LayerSlot& s = L.layers[i];
    float* w = block + spec.weight_offset(i);
    float* bias = block + spec.bias_offset(i);
    const std::size_t wn = static_cast<std::size_t>(s.w_dims[0] * s.w_dims[1]);
    for (std::size_t k = 0; k < wn; ++k) w[k] = load_f32(L.data + s.w_off, k);
    for (std::size_t k = 0; k < static_cast<std::size_t>(s.b_len); ++k) bias[k] = load_f32(L.data + s.b_off, k);
  }
  mlp->bind(block);
  return Status::ok;
}

Status load(const u8* bytes, std::size_t len, Arena* arena, Model* out, Message* msg) {
  u64 n = 0;
  Status st = read_header_length(bytes, len, &n, msg);
  if (st != Status::ok) return st;
  Loader L;
  L.header = bytes + 8;
  L.data = bytes + 8 + n;
  L.data_len = len - 8 - n;
  L.msg = msg;
  Declared decl;
  if ((st = read_entries(L, static_cast<u32>(n), &decl)) != Status::ok) return st;
  if ((st = order_layers(L)) != Status::ok) return st;
  WeightDtype wt, bt;
  if ((st = check_dtypes(L, &wt, &bt)) != Status::ok) return st;
  MlpSpec spec;
  if ((st = check_shapes(L, decl, &spec)) != Status::ok) return st;
  bool aligned = true;
  if ((st = check_weights(L, &aligned)) != Status::ok) return st;
  Model m;
  if ((st = bind_layers(L, spec, aligned, arena, &m.mlp)) != Status::ok) return st;
  m.sigma_min = decl.sigma_min;
  m.source = decl.source;
  m.format = decl.format;
  m.has_rill_metadata = decl.rill;
  m.in_place = aligned || wt != WeightDtype::f32;
  m.dtype = wt;
  m.header = reinterpret_cast<const char*>(L.header);
  m.header_len = static_cast<std::size_t>(n);
  *out = m;
  return Status::ok;
}

}  // namespace

// ---------------------------------------------------------------------------
// Public functions

Status check_finite_f32(const char* name, const void* floats, std::size_t count, Message* msg) {
  const u8* p = static_cast<const u8*>(floats);
  for (std::size_t i = 0; i < count; ++i) {
    u32 bits;
    std::memcpy(&bits, p + 4 * i, 4);
    if ((bits & 0x7F800000u) == 0x7F800000u)
      return fail(msg, Status::non_finite, "%s contains %s (element %zu)", name,
                  (bits & 0x7FFFFFu) != 0 ? "NaN" : "Inf", i);
  }
  return Status::ok;
}

std::size_t model_copy_bytes(const MlpSpec& spec) { return Arena::padded(spec.param_count() * sizeof(float)); }

Status model_load(const void* bytes, std::size_t len, Arena* arena, Model* out, Message* msg) {
  if (out == nullptr) return fail(msg, Status::invalid_argument, "model_load: no Model to load into");
  *out = Model{};
  if (bytes == nullptr && len != 0) return fail(msg, Status::invalid_argument, "model_load: null bytes");
  const std::size_t mark = arena != nullptr ? arena->mark() : 0;
  const Status st = load(static_cast<const u8*>(bytes), len, arena, out, msg);
  if (st != Status::ok) {
    *out = Model{};
    if (arena != nullptr) arena->release(mark);
  }
  return st;
}

}  // namespace rill

