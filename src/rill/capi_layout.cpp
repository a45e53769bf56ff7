// The C API's self-description (rill.h): the library's version, and the layouts
// of the structs rill.h shares with callers, for bindings that cannot include a
// C header (web/rill.mjs reads them at load time instead of copying offsets).
#include <cstddef>

#include "rill/mlp.h"
#include "rill/rill.h"

namespace {

constexpr int num(rill::Activation a) { return static_cast<int>(a); }
static_assert(RILL_SILU == num(rill::Activation::silu) && RILL_RELU == num(rill::Activation::relu) &&
                  RILL_TANH == num(rill::Activation::tanh) && RILL_GELU == num(rill::Activation::gelu) &&
                  RILL_GELU_TANH == num(rill::Activation::gelu_tanh),
              "rill.h activations");

#define RILL_STR2(x) #x
#define RILL_STR(x) RILL_STR2(x)
constexpr const char* kVersion =
    RILL_STR(RILL_VERSION_MAJOR) "." RILL_STR(RILL_VERSION_MINOR) "." RILL_STR(RILL_VERSION_PATCH);

// One list per struct, in declaration order: (field, type letter). The names
// string and the offsets table are both made from it.
#define RILL_INFO_FIELDS(X) \
  X(dim, i) X(layers, i) X(width, i) X(activation, i) X(time_k, i) X(in_place, i) X(params, u) X(flops, f) \
  X(sigma_min, f) X(step_k, i)
#define RILL_CONFIG_FIELDS(X)                                                                                  \
  X(width, i) X(depth, i) X(activation, i) X(time_k, i) X(steps, i) X(batch, i) X(lr, f) X(schedule, i)      \
  X(warmup, i) X(lr_floor, f) X(clip, f) X(ema, f) X(coupling, i) X(sigma_min, f) X(seed, u) X(cfg_dropout, f) \
  X(source, i) X(condition, i)
#define RILL_OPTIONS_FIELDS(X) \
  X(solver, i) X(steps, i) X(t0, f) X(t1, f) X(t, f) X(class_index, i) X(condition, p) X(condition_rows, i) \
  X(guidance, f) X(probes, i) X(probe_seed, u) X(h, f)

#define RILL_NAME(field, type) #field ":" #type " "
#define RILL_INFO_OFFSET(field, type) static_cast<short>(offsetof(rill_model_info, field)),
#define RILL_CONFIG_OFFSET(field, type) static_cast<short>(offsetof(rill_train_config, field)),
#define RILL_OPTIONS_OFFSET(field, type) static_cast<short>(offsetof(rill_run_options, field)),
#define RILL_ONE(field, type) +1
#define RILL_TYPE(field, type) #type[0],

constexpr const char kInfoNames[] = RILL_INFO_FIELDS(RILL_NAME);
constexpr const char kConfigNames[] = RILL_CONFIG_FIELDS(RILL_NAME);
constexpr short kInfoOffsets[] = {RILL_INFO_FIELDS(RILL_INFO_OFFSET)};
constexpr short kConfigOffsets[] = {RILL_CONFIG_FIELDS(RILL_CONFIG_OFFSET)};
constexpr const char kOptionsNames[] = RILL_OPTIONS_FIELDS(RILL_NAME);
constexpr short kOptionsOffsets[] = {RILL_OPTIONS_FIELDS(RILL_OPTIONS_OFFSET)};
constexpr char kInfoTypes[] = {RILL_INFO_FIELDS(RILL_TYPE)};
constexpr char kConfigTypes[] = {RILL_CONFIG_FIELDS(RILL_TYPE)};
constexpr char kOptionsTypes[] = {RILL_OPTIONS_FIELDS(RILL_TYPE)};
constexpr int kInfoCount = 0 RILL_INFO_FIELDS(RILL_ONE);
constexpr int kConfigCount = 0 RILL_CONFIG_FIELDS(RILL_ONE);
constexpr int kOptionsCount = 0 RILL_OPTIONS_FIELDS(RILL_ONE);

// Each field where the C rules put it after the one before (4 bytes, a pointer
// sizeof(void*) at its own alignment) and the struct's size the end of the last,
// rounded to its alignment: a field missing from a list, or listed out of order, fails here.
constexpr int type_size(char t) { return t == 'p' ? static_cast<int>(sizeof(void*)) : 4; }
constexpr bool layout_holds(const char* types, const short* offsets, int count, int size, int align,
                            const short* lengths = nullptr) {
  int end = 0;
  for (int i = 0; i < count; ++i) {
    const int s = type_size(types[i]), at = (end + s - 1) / s * s;
    if (offsets[i] != at) return false;
    end = at + s * (lengths != nullptr ? lengths[i] : 1);
  }
  return (end + align - 1) / align * align == size;
}
static_assert(layout_holds(kInfoTypes, kInfoOffsets, kInfoCount, sizeof(rill_model_info), alignof(rill_model_info)),
              "RILL_INFO_FIELDS lists every field of rill_model_info");
static_assert(layout_holds(kConfigTypes, kConfigOffsets, kConfigCount, sizeof(rill_train_config),
                           alignof(rill_train_config)),
              "RILL_CONFIG_FIELDS lists every field of rill_train_config");
static_assert(layout_holds(kOptionsTypes, kOptionsOffsets, kOptionsCount, sizeof(rill_run_options),
                           alignof(rill_run_options)),
              "RILL_OPTIONS_FIELDS lists every field of rill_run_options");

// rill_compiled_model (rill.mjs fills it): (field, type, elements); an array is named once.
#define RILL_COMPILED_FIELDS(X)                                                                          \
  X(version, u, 1) X(dim, i, 1) X(layers, i, 1) X(sizes, i, RILL_COMPILED_MAX_LAYERS + 1) X(activation, i, 1) \
  X(time_k, i, 1) X(step_k, i, 1) X(condition_kind, i, 1) X(condition_count, i, 1) X(source, i, 1)             \
  X(sigma_min, f, 1) X(dtype, i, 1) X(weight, p, RILL_COMPILED_MAX_LAYERS) X(bias, p, RILL_COMPILED_MAX_LAYERS) \
  X(scale, p, RILL_COMPILED_MAX_LAYERS) X(checksum, u, 1)
#define RILL_NAME3(field, type, n) #field ":" #type " "
#define RILL_COMPILED_OFFSET(field, type, n) static_cast<short>(offsetof(rill_compiled_model, field)),
#define RILL_TYPE3(field, type, n) #type[0],
#define RILL_LENGTH(field, type, n) static_cast<short>(n),
#define RILL_ONE3(field, type, n) +1
constexpr const char kCompiledNames[] = RILL_COMPILED_FIELDS(RILL_NAME3);
constexpr short kCompiledOffsets[] = {RILL_COMPILED_FIELDS(RILL_COMPILED_OFFSET)};
constexpr char kCompiledTypes[] = {RILL_COMPILED_FIELDS(RILL_TYPE3)};
constexpr short kCompiledLengths[] = {RILL_COMPILED_FIELDS(RILL_LENGTH)};
constexpr int kCompiledCount = 0 RILL_COMPILED_FIELDS(RILL_ONE3);
static_assert(layout_holds(kCompiledTypes, kCompiledOffsets, kCompiledCount, sizeof(rill_compiled_model),
                           alignof(rill_compiled_model), kCompiledLengths),
              "RILL_COMPILED_FIELDS lists every field of rill_compiled_model");

// The four structs, by rill.h's RILL_LAYOUT_* number.
struct Layout {
  const char* names;
  const short* offsets;
  int count;
  int size;
};
constexpr Layout kLayouts[] = {
    {kInfoNames, kInfoOffsets, kInfoCount, static_cast<int>(sizeof(rill_model_info))},
    {kConfigNames, kConfigOffsets, kConfigCount, static_cast<int>(sizeof(rill_train_config))},
    {kOptionsNames, kOptionsOffsets, kOptionsCount, static_cast<int>(sizeof(rill_run_options))},
    {kCompiledNames, kCompiledOffsets, kCompiledCount, static_cast<int>(sizeof(rill_compiled_model))},
};
static_assert(RILL_LAYOUT_MODEL_INFO == 0 && RILL_LAYOUT_TRAIN_CONFIG == 1 && RILL_LAYOUT_RUN_OPTIONS == 2 &&
                  RILL_LAYOUT_COMPILED_MODEL == 3,
              "kLayouts is in RILL_LAYOUT_* order");
constexpr int kLayoutCount = sizeof kLayouts / sizeof kLayouts[0];

}  // namespace

extern "C" const char* rill_version(void) { return kVersion; }

extern "C" const char* rill_layout_fields(int which) {
  return which >= 0 && which < kLayoutCount ? kLayouts[which].names : nullptr;
}

extern "C" int rill_layout_offset(int which, int field) {
  if (which < 0 || which >= kLayoutCount) return -1;
  const Layout& l = kLayouts[which];
  if (field == -1) return l.size;
  if (field < 0 || field >= l.count) return -1;
  return l.offsets[field];
}
