// Compiled models (rill.h, "compiled models"): a model `rill export-c
// --compiled` validated on the host, placed in caller memory from const C
// data. Its own translation unit, so that a firmware that places only
// compiled models links none of the safetensors loader (model_io.cpp,
// safetensors_header.cpp, decimal.cpp): `make mcu-size` checks that in the
// map file. Narrow weights (F16, BF16, I8) are bound in place, as the loader
// binds a narrow file's, so they compute the file's bits. Every build: rill.wasm
// opens the models rill.mjs reads through it (rill_model_open_compiled).
#include "rill/capi_compiled.h"

#include <cstdint>
#include <cstring>
#include <new>

#include "rill/capi.h"

using namespace rill;

namespace {

// FNV-1a over bytes, and over 32-bit words as their little-endian bytes, whatever the host's byte order.
struct Fnv {
  std::uint32_t h = 2166136261u;
  void byte(unsigned b) {
    h ^= b & 0xFFu;
    h *= 16777619u;
  }
  void word(std::uint32_t w) {
    for (int i = 0; i < 4; ++i) byte(w >> (8 * i));
  }
  void floats(const void* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      std::uint32_t w;
      std::memcpy(&w, static_cast<const unsigned char*>(p) + 4 * i, sizeof w);
      word(w);
    }
  }
  void bytes(const void* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) byte(static_cast<const unsigned char*>(p)[i]);
  }
};

bool layers_in_range(const rill_compiled_model* c) {
  return c != nullptr && c->layers >= 1 && c->layers <= RILL_COMPILED_MAX_LAYERS;
}
bool misaligned(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 4 != 0; }

Status say(char* err, std::size_t cap, Status s, const char* text) {
  if (err != nullptr && cap > 0) copy_text(text, err, cap);
  return s;
}

// "checksum 0x........ does not match ..." with the two values in hex.
__attribute__((noinline)) Status checksum_mismatch(char* err, std::size_t cap, std::uint32_t stored,
                                                   std::uint32_t computed) {
  char text[] = "compiled model checksum 0x________, its contents give 0x________: the struct or its weights "
                "changed after rill export-c; export the model again";
  const std::uint32_t values[2] = {stored, computed};
  char* at = text;
  for (std::uint32_t v : values) {
    while (at[0] != '_') ++at;
    for (int i = 7; i >= 0; --i, ++at) *at = "0123456789abcdef"[(v >> (4 * i)) & 0xFu];
  }
  return say(err, cap, Status::bad_tensor, text);
}

// Layer pointers: present, floats aligned, scales with I8 weights only.
Status check_pointers(const rill_compiled_model* c, char* err, std::size_t cap) {
  const bool f32 = c->dtype == RILL_F32, i8 = c->dtype == RILL_I8;
  for (int i = 0; i < c->layers; ++i) {
    if (c->weight[i] == nullptr || c->bias[i] == nullptr)
      return say(err, cap, Status::bad_tensor, "a compiled model's weight or bias pointer is null");
    if ((f32 && misaligned(c->weight[i])) || ((f32 || i8) && misaligned(c->bias[i])) ||
        (i8 && misaligned(c->scale[i])))
      return say(err, cap, Status::bad_tensor, "a compiled model's F32 array is not 4-byte aligned");
    if (i8 && c->scale[i] == nullptr)
      return say(err, cap, Status::bad_tensor, "compiled model with I8 weights and no weight_scale");
    if (!i8 && c->scale[i] != nullptr)
      return say(err, cap, Status::bad_tensor, "compiled model with a weight_scale on weights that are not I8");
  }
  return Status::ok;
}

// Every weight_scale finite and >= 0 (formats.md).
Status check_scales(const rill_compiled_model* c, char* err, std::size_t cap) {
  if (c->dtype != RILL_I8) return Status::ok;
  for (int i = 0; i < c->layers; ++i)
    for (int j = 0; j < c->sizes[i + 1]; ++j) {
      const float s = c->scale[i][j];
      if (!(s >= 0.0f && s - s == 0.0f))
        return say(err, cap, Status::non_finite, "a compiled model's weight_scale is negative or not finite");
    }
  return Status::ok;
}

// The shapes and encodings as MlpSpec::validate checks them (the host checked them too when it
// wrote the struct; the checksum says nothing changed since).
Status check_fields(const rill_compiled_model* c, char* err, std::size_t cap) {
  if (c->version != RILL_COMPILED_VERSION)
    return say(err, cap, Status::unsupported, "compiled model of another version (RILL_COMPILED_VERSION): export it again");
  if (c->dtype < RILL_F32 || c->dtype > RILL_I8)
    return say(err, cap, Status::unsupported_dtype, "compiled model dtype is not F32, F16, BF16 or I8 (0..3)");
  if (!layers_in_range(c)) return say(err, cap, Status::bad_shape, "compiled model layers outside 1..16");
  if (c->activation < 0 || c->activation >= kActivationCount)
    return say(err, cap, Status::bad_metadata, "unknown activation");
  if (c->time_k < 0 || c->time_k > TimeEmbedding::kMaxK) return say(err, cap, Status::bad_metadata, "time_k outside 0..12");
  if (c->step_k < -1 || c->step_k > TimeEmbedding::kMaxK)
    return say(err, cap, Status::bad_metadata, "step_k outside -1..12");
  const bool none = c->condition_kind == 0;
  if (c->condition_kind < 0 || c->condition_kind > 2 ||
      (none ? c->condition_count != 0 : c->condition_count < 1 || c->condition_count > ConditionSpec::kMaxCount))
    return say(err, cap, Status::bad_metadata, "bad condition kind or count");
  if (!(c->sigma_min >= 0.0f && c->sigma_min < 1.0f))
    return say(err, cap, Status::bad_metadata, "sigma_min outside [0, 1)");
  for (int i = 0; i <= c->layers; ++i)
    if (c->sizes[i] < 1 || c->sizes[i] > kMaxWidth)
      return say(err, cap, Status::bad_shape, "layer size outside 1..65536");
  const int features = TimeEmbedding{c->time_k}.features() + StepEmbedding::from_k(c->step_k).features();
  const int cond = none ? 0 : c->condition_count + (c->condition_kind == 2 ? 1 : 0);  // vector:M adds a 1
  if (c->dim < 1 || c->dim > kMaxDim || c->sizes[0] != c->dim + features + cond || c->sizes[c->layers] != c->dim)
    return say(err, cap, Status::bad_shape, "compiled model sizes do not chain from d + features to d");
  return check_pointers(c, err, cap);
}

// The shapes and encodings of a checked c as an MlpSpec.
MlpSpec spec_of(const rill_compiled_model* c) {
  MlpSpec spec;
  spec.dim = c->dim;
  spec.n_layers = c->layers;
  for (int i = 0; i <= c->layers; ++i) spec.sizes[i] = c->sizes[i];
  spec.activation = static_cast<Activation>(c->activation);
  spec.time.k = c->time_k;
  spec.step = StepEmbedding::from_k(c->step_k);
  spec.condition.kind = static_cast<ConditionSpec::Kind>(c->condition_kind);
  spec.condition.count = c->condition_count;
  return spec;
}

// model_place_bytes without a Model on the stack: packing a narrow model widens it first (mlp_pack_bytes).
std::size_t place_bytes(const rill_compiled_model* c, const MlpSpec& spec, int chunk, int flags) {
  std::size_t total = Arena::padded(sizeof(rill_model));
  if (flags & RILL_PACK)
    total += mlp_pack_bytes(spec) + (c->dtype != RILL_F32 ? scratch_floats(spec.param_count()) : 0);
  return total + model_scratch_bytes(spec, chunk, flags);
}

// The weights bound in place (narrow ones as the loader binds them) and the model's fields.
void bind(const rill_compiled_model* c, Model* m) {
  const WeightDtype d = static_cast<WeightDtype>(c->dtype);
  m->dtype = d;
  m->mlp.narrow.weight = d;
  m->mlp.narrow.bias = d == WeightDtype::i8 ? WeightDtype::f32 : d;
  for (int i = 0; i < c->layers; ++i) {
    if (d == WeightDtype::f32) {
      m->mlp.weight[i] = static_cast<const float*>(c->weight[i]);
      m->mlp.bias[i] = static_cast<const float*>(c->bias[i]);
    } else {
      m->mlp.narrow.w[i] = static_cast<const unsigned char*>(c->weight[i]);
      m->mlp.narrow.b[i] = static_cast<const unsigned char*>(c->bias[i]);
      m->mlp.narrow.scale[i] = reinterpret_cast<const unsigned char*>(c->scale[i]);
    }
  }
  m->sigma_min = c->sigma_min;
  m->source = c->source;
  m->in_place = true;
}

}  // namespace

namespace rill {

Status compiled_check(const rill_compiled_model* c, bool full, char* err, std::size_t cap) {
  Status st = check_fields(c, err, cap);
  if (st != Status::ok || !full) return st;
  if ((st = check_scales(c, err, cap)) != Status::ok) return st;
  const std::uint32_t sum = rill_compiled_checksum(c);
  return sum == c->checksum ? Status::ok : checksum_mismatch(err, cap, c->checksum, sum);
}

std::size_t compiled_place_bytes(const rill_compiled_model* c, int chunk, int flags) {
  return place_bytes(c, spec_of(c), chunk, flags);
}

std::size_t compiled_sample_floats(const rill_compiled_model* c) {
  int widest = 0;
  for (int i = 1; i < c->layers; ++i) widest = c->sizes[i] > widest ? c->sizes[i] : widest;
  return static_cast<std::size_t>(c->sizes[0]) + 2 * static_cast<std::size_t>(widest) +
         3 * static_cast<std::size_t>(c->dim);
}

}  // namespace rill

extern "C" {

std::uint32_t rill_compiled_checksum(const rill_compiled_model* c) {
  if (!layers_in_range(c)) return 0;
  Fnv f;
  f.word(c->version);
  f.word(static_cast<std::uint32_t>(c->dim));
  f.word(static_cast<std::uint32_t>(c->layers));
  for (int i = 0; i <= RILL_COMPILED_MAX_LAYERS; ++i) f.word(static_cast<std::uint32_t>(c->sizes[i]));
  const std::int32_t ints[] = {c->activation, c->time_k, c->step_k, c->condition_kind, c->condition_count, c->source};
  for (std::int32_t v : ints) f.word(static_cast<std::uint32_t>(v));
  f.floats(&c->sigma_min, 1);
  f.word(static_cast<std::uint32_t>(c->dtype));
  const int bytes = c->dtype == RILL_I8 ? 1 : c->dtype == RILL_F16 || c->dtype == RILL_BF16 ? 2 : 4;
  for (int i = 0; i < c->layers; ++i) {
    const std::size_t out = static_cast<std::uint32_t>(c->sizes[i + 1]), in = static_cast<std::uint32_t>(c->sizes[i]);
    if (out > static_cast<std::size_t>(kMaxWidth) || in > static_cast<std::size_t>(kMaxWidth)) continue;
    if (c->weight[i] != nullptr && bytes == 4) f.floats(c->weight[i], out * in);
    else if (c->weight[i] != nullptr) f.bytes(c->weight[i], out * in * static_cast<std::size_t>(bytes));
    if (c->bias[i] != nullptr && bytes == 2) f.bytes(c->bias[i], out * 2);
    else if (c->bias[i] != nullptr) f.floats(c->bias[i], out);
    if (c->scale[i] != nullptr) f.floats(c->scale[i], out);
  }
  return f.h;
}

int rill_model_memory_compiled(const rill_compiled_model* c, int chunk, int flags, size_t* bytes, char* err,
                               size_t err_cap) {
  if (c == nullptr || bytes == nullptr || chunk < 1)
    return static_cast<int>(say(err, err_cap, Status::invalid_argument, "null argument or chunk < 1"));
  const Status st = compiled_check(c, true, err, err_cap);
  if (st == Status::ok) *bytes = place_bytes(c, spec_of(c), chunk, flags);
  return static_cast<int>(st);
}

int rill_model_init_compiled(void* mem, size_t mem_size, const rill_compiled_model* c, int chunk, int flags,
                             rill_model** out, char* err, size_t err_cap) {
  if (out == nullptr || c == nullptr || chunk < 1)
    return static_cast<int>(say(err, err_cap, Status::invalid_argument, "null argument or chunk < 1"));
  *out = nullptr;
  const Status st = compiled_check(c, true, err, err_cap);
  if (st != Status::ok) return static_cast<int>(st);
  const MlpSpec spec = spec_of(c);
  if (mem == nullptr || mem_size < place_bytes(c, spec, chunk, flags))
    return static_cast<int>(
        say(err, err_cap, Status::out_of_memory, "too little memory for the model: see rill_model_memory_compiled"));
  Arena arena(mem, mem_size);
  rill_model* h = new (arena.alloc(sizeof(rill_model))) rill_model();
  Model& m = h->model;
  m.mlp.spec = spec;
  bind(c, &m);
  if ((flags & RILL_PACK) && mlp_pack(m.mlp, arena) != Status::ok)
    return static_cast<int>(say(err, err_cap, Status::out_of_memory, "no room to pack the weights"));
  h->scratch_bytes = model_scratch_bytes(spec, chunk, flags);
  h->runner = Runner(m.mlp, chunk, arena.take_rest());
  *out = h;
  return RILL_OK;
}

}  // extern "C"
