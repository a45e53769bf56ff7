// Compiled models (rill.h, "compiled models"): a model `rill export-c
// --compiled` validated on the host, placed in caller memory from const C
// data. Its own translation unit, so that a firmware that places only
// compiled models links none of the safetensors loader (model_io.cpp,
// safetensors_header.cpp, decimal.cpp): `make mcu-size` checks that in the
// map file. Native and firmware builds; rill.wasm has no use for it.
#ifndef __EMSCRIPTEN__  // rill.h declares compiled models for native and firmware builds only
#include <cstdint>
#include <cstring>
#include <new>

#include "rill/capi.h"

using namespace rill;

namespace {

// FNV-1a over 32-bit little-endian words, whatever the host's byte order.
struct Fnv {
  std::uint32_t h = 2166136261u;
  void word(std::uint32_t w) {
    for (int i = 0; i < 4; ++i) {
      h ^= (w >> (8 * i)) & 0xFFu;
      h *= 16777619u;
    }
  }
  void floats(const float* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      std::uint32_t w;
      std::memcpy(&w, p + i, sizeof w);
      word(w);
    }
  }
};

bool layers_in_range(const rill_compiled_model* c) {
  return c != nullptr && c->layers >= 1 && c->layers <= RILL_COMPILED_MAX_LAYERS;
}

// Where a failure's reason goes: the caller's buffer, written directly (no Message on the stack), with
// fixed texts (no fail(): its formatter would be most of this path's code).
struct Err {
  char* text;
  std::size_t cap;
};
Status say(Err* e, Status s, const char* text) {
  copy_text(text, e->text, e->cap);
  return s;
}

// "checksum 0x........ does not match ..." with the two values in hex.
__attribute__((noinline)) Status checksum_mismatch(Err* msg, std::uint32_t stored, std::uint32_t computed) {
  char text[] = "compiled model checksum 0x________, its contents give 0x________: the struct or its weights "
                "changed after rill export-c; export the model again";
  const std::uint32_t values[2] = {stored, computed};
  char* at = text;
  for (std::uint32_t v : values) {
    while (at[0] != '_') ++at;
    for (int i = 7; i >= 0; --i, ++at) *at = "0123456789abcdef"[(v >> (4 * i)) & 0xFu];
  }
  return say(msg, Status::bad_tensor, text);
}

// The shapes and encodings as an MlpSpec, checked as MlpSpec::validate does (the host checked them
// too when it wrote the struct; the checksum says nothing changed since).
Status compiled_spec(const rill_compiled_model* c, MlpSpec* spec, Err* msg) {
  if (c->version != RILL_COMPILED_VERSION)
    return say(msg, Status::unsupported, "compiled model of another version (RILL_COMPILED_VERSION): export it again");
  if (c->dtype != 0) return say(msg, Status::unsupported_dtype, "compiled model weights are not F32 (dtype 0)");
  if (c->step_k != -1) return say(msg, Status::unsupported, "compiled model with a step embedding");
  if (!layers_in_range(c)) return say(msg, Status::bad_shape, "compiled model layers outside 1..16");
  if (c->activation < 0 || c->activation >= kActivationCount) return say(msg, Status::bad_metadata, "unknown activation");
  if (c->time_k < 0 || c->time_k > TimeEmbedding::kMaxK) return say(msg, Status::bad_metadata, "time_k outside 0..12");
  const bool none = c->condition_kind == 0;
  if (c->condition_kind < 0 || c->condition_kind > 2 ||
      (none ? c->condition_count != 0 : c->condition_count < 1 || c->condition_count > ConditionSpec::kMaxCount))
    return say(msg, Status::bad_metadata, "bad condition kind or count");
  if (!(c->sigma_min >= 0.0f && c->sigma_min < 1.0f)) return say(msg, Status::bad_metadata, "sigma_min outside [0, 1)");
  spec->dim = c->dim;
  spec->n_layers = c->layers;
  for (int i = 0; i <= c->layers; ++i) {
    if (c->sizes[i] < 1 || c->sizes[i] > kMaxWidth) return say(msg, Status::bad_shape, "layer size outside 1..65536");
    spec->sizes[i] = c->sizes[i];
  }
  spec->activation = static_cast<Activation>(c->activation);
  spec->time.k = c->time_k;
  spec->condition.kind = static_cast<ConditionSpec::Kind>(c->condition_kind);
  spec->condition.count = c->condition_count;
  if (c->dim < 1 || c->dim > kMaxDim || spec->sizes[0] != spec->expected_inputs() || spec->sizes[c->layers] != c->dim)
    return say(msg, Status::bad_shape, "compiled model sizes do not chain from d + features to d");
  for (int i = 0; i < c->layers; ++i)
    if (c->weight[i] == nullptr || c->bias[i] == nullptr ||
        (reinterpret_cast<std::uintptr_t>(c->weight[i]) | reinterpret_cast<std::uintptr_t>(c->bias[i])) % 4 != 0)
      return say(msg, Status::bad_tensor, "a weight or bias pointer is null or not 4-byte aligned");
  const std::uint32_t sum = rill_compiled_checksum(c);
  return sum == c->checksum ? Status::ok : checksum_mismatch(msg, c->checksum, sum);
}

std::size_t place_bytes(const MlpSpec& spec, int chunk, int flags) {
  std::size_t total = Arena::padded(sizeof(rill_model));
  if (flags & RILL_PACK) total += mlp_pack_bytes(spec);
  return total + model_scratch_bytes(spec, chunk, flags);
}


}  // namespace

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
  for (int i = 0; i < c->layers; ++i) {
    const std::size_t out = static_cast<std::uint32_t>(c->sizes[i + 1]), in = static_cast<std::uint32_t>(c->sizes[i]);
    if (c->weight[i] != nullptr && out <= static_cast<std::size_t>(kMaxWidth) && in <= static_cast<std::size_t>(kMaxWidth))
      f.floats(c->weight[i], out * in);
    if (c->bias[i] != nullptr && out <= static_cast<std::size_t>(kMaxWidth)) f.floats(c->bias[i], out);
  }
  return f.h;
}

int rill_model_memory_compiled(const rill_compiled_model* c, int chunk, int flags, size_t* bytes, char* err,
                               size_t err_cap) {
  Err e{err, err_cap};
  if (c == nullptr || bytes == nullptr || chunk < 1)
    return static_cast<int>(say(&e, Status::invalid_argument, "null argument or chunk < 1"));
  MlpSpec spec;
  const Status st = compiled_spec(c, &spec, &e);
  if (st == Status::ok) *bytes = place_bytes(spec, chunk, flags);
  return static_cast<int>(st);
}

int rill_model_init_compiled(void* mem, size_t mem_size, const rill_compiled_model* c, int chunk, int flags,
                             rill_model** out, char* err, size_t err_cap) {
  Err e{err, err_cap};
  if (out == nullptr || c == nullptr || chunk < 1)
    return static_cast<int>(say(&e, Status::invalid_argument, "null argument or chunk < 1"));
  *out = nullptr;
  MlpSpec spec;
  const Status st = compiled_spec(c, &spec, &e);
  if (st != Status::ok) return static_cast<int>(st);
  const std::size_t need = place_bytes(spec, chunk, flags);
  if (mem == nullptr || mem_size < need)
    return static_cast<int>(say(&e, Status::out_of_memory, "too little memory for the model: see rill_model_memory_compiled"));
  Arena arena(mem, mem_size);
  rill_model* h = new (arena.alloc(sizeof(rill_model))) rill_model();
  Model& m = h->model;
  m.mlp.spec = spec;
  for (int i = 0; i < c->layers; ++i) {
    m.mlp.weight[i] = c->weight[i];
    m.mlp.bias[i] = c->bias[i];
  }
  m.sigma_min = c->sigma_min;
  m.source = c->source;
  m.in_place = true;
  if ((flags & RILL_PACK) && mlp_pack(m.mlp, arena) != Status::ok)
    return static_cast<int>(say(&e, Status::out_of_memory, "no room to pack the weights"));
  h->scratch_bytes = model_scratch_bytes(spec, chunk, flags);
  h->runner = Runner(m.mlp, chunk, arena.take_rest());
  *out = h;
  return RILL_OK;
}

}  // extern "C"
#endif  // __EMSCRIPTEN__
