// capi_layout.cpp: rill_version and the struct layouts bindings read
// (web/rill.mjs), against this compiler's offsetof and sizeof.
#include <doctest/doctest.h>

#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "rill/rill.h"

namespace {
std::vector<std::string> words(const char* s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string w; in >> w;) v.push_back(w);
  return v;
}
}  // namespace

TEST_CASE("rill_version is RILL_VERSION_MAJOR.MINOR.PATCH") {
  const std::string want = std::to_string(RILL_VERSION_MAJOR) + "." + std::to_string(RILL_VERSION_MINOR) + "." +
                           std::to_string(RILL_VERSION_PATCH);
  CHECK(std::string(rill_version()) == want);
}

TEST_CASE("rill_layout_fields/offset describe rill_model_info, rill_train_config and rill_run_options as compiled") {
  CHECK(words(rill_layout_fields(RILL_LAYOUT_MODEL_INFO)) ==
        std::vector<std::string>{"dim:i", "layers:i", "width:i", "activation:i", "time_k:i", "in_place:i", "params:u",
                                 "flops:f", "sigma_min:f", "step_k:i"});
  const std::size_t info[] = {offsetof(rill_model_info, dim),      offsetof(rill_model_info, layers),
                              offsetof(rill_model_info, width),    offsetof(rill_model_info, activation),
                              offsetof(rill_model_info, time_k),   offsetof(rill_model_info, in_place),
                              offsetof(rill_model_info, params),   offsetof(rill_model_info, flops),
                              offsetof(rill_model_info, sigma_min), offsetof(rill_model_info, step_k)};
  for (int i = 0; i < 10; ++i) CHECK(rill_layout_offset(RILL_LAYOUT_MODEL_INFO, i) == static_cast<int>(info[i]));
  CHECK(rill_layout_offset(RILL_LAYOUT_MODEL_INFO, -1) == static_cast<int>(sizeof(rill_model_info)));
  CHECK(rill_layout_offset(RILL_LAYOUT_MODEL_INFO, 10) == -1);

  CHECK(words(rill_layout_fields(RILL_LAYOUT_TRAIN_CONFIG)) ==
        std::vector<std::string>{"width:i", "depth:i", "activation:i", "time_k:i", "steps:i", "batch:i", "lr:f",
                                 "schedule:i", "warmup:i", "lr_floor:f", "clip:f", "ema:f", "coupling:i",
                                 "sigma_min:f", "seed:u", "cfg_dropout:f", "source:i", "condition:i"});
  const std::size_t config[] = {
      offsetof(rill_train_config, width),    offsetof(rill_train_config, depth),  offsetof(rill_train_config, activation),
      offsetof(rill_train_config, time_k),   offsetof(rill_train_config, steps),  offsetof(rill_train_config, batch),
      offsetof(rill_train_config, lr),       offsetof(rill_train_config, schedule), offsetof(rill_train_config, warmup),
      offsetof(rill_train_config, lr_floor), offsetof(rill_train_config, clip),   offsetof(rill_train_config, ema),
      offsetof(rill_train_config, coupling), offsetof(rill_train_config, sigma_min), offsetof(rill_train_config, seed),
      offsetof(rill_train_config, cfg_dropout), offsetof(rill_train_config, source),
      offsetof(rill_train_config, condition)};
  for (int i = 0; i < 18; ++i) CHECK(rill_layout_offset(RILL_LAYOUT_TRAIN_CONFIG, i) == static_cast<int>(config[i]));
  CHECK(rill_layout_offset(RILL_LAYOUT_TRAIN_CONFIG, -1) == static_cast<int>(sizeof(rill_train_config)));
  CHECK(rill_layout_offset(RILL_LAYOUT_TRAIN_CONFIG, 18) == -1);
  CHECK(rill_layout_offset(RILL_LAYOUT_TRAIN_CONFIG, -2) == -1);

  CHECK(words(rill_layout_fields(RILL_LAYOUT_RUN_OPTIONS)) ==
        std::vector<std::string>{"solver:i", "steps:i", "t0:f", "t1:f", "t:f", "class_index:i", "condition:p",
                                 "condition_rows:i", "guidance:f", "probes:i", "probe_seed:u", "h:f"});
  const std::size_t options[] = {offsetof(rill_run_options, solver), offsetof(rill_run_options, steps),
                                 offsetof(rill_run_options, t0), offsetof(rill_run_options, t1),
                                 offsetof(rill_run_options, t),      offsetof(rill_run_options, class_index),
                                 offsetof(rill_run_options, condition), offsetof(rill_run_options, condition_rows),
                                 offsetof(rill_run_options, guidance), offsetof(rill_run_options, probes),
                                 offsetof(rill_run_options, probe_seed), offsetof(rill_run_options, h)};
  for (int i = 0; i < 12; ++i) CHECK(rill_layout_offset(RILL_LAYOUT_RUN_OPTIONS, i) == static_cast<int>(options[i]));
  CHECK(rill_layout_offset(RILL_LAYOUT_RUN_OPTIONS, -1) == static_cast<int>(sizeof(rill_run_options)));
  CHECK(rill_layout_offset(RILL_LAYOUT_RUN_OPTIONS, 12) == -1);
  // The pointer field is a pointer's size: 8 bytes here (64-bit), 4 in rill.wasm (tests/wasm checks that).
  CHECK(rill_layout_offset(RILL_LAYOUT_RUN_OPTIONS, 7) - rill_layout_offset(RILL_LAYOUT_RUN_OPTIONS, 6) ==
        static_cast<int>(sizeof(void*)));

  CHECK(words(rill_layout_fields(RILL_LAYOUT_COMPILED_MODEL)) ==
        std::vector<std::string>{"version:u", "dim:i", "layers:i", "sizes:i", "activation:i", "time_k:i", "step_k:i",
                                 "condition_kind:i", "condition_count:i", "source:i", "sigma_min:f", "dtype:i",
                                 "weight:p", "bias:p", "scale:p", "checksum:u"});
  const std::size_t compiled[] = {
      offsetof(rill_compiled_model, version),        offsetof(rill_compiled_model, dim),
      offsetof(rill_compiled_model, layers),         offsetof(rill_compiled_model, sizes),
      offsetof(rill_compiled_model, activation),     offsetof(rill_compiled_model, time_k),
      offsetof(rill_compiled_model, step_k),         offsetof(rill_compiled_model, condition_kind),
      offsetof(rill_compiled_model, condition_count), offsetof(rill_compiled_model, source),
      offsetof(rill_compiled_model, sigma_min),      offsetof(rill_compiled_model, dtype),
      offsetof(rill_compiled_model, weight),         offsetof(rill_compiled_model, bias),
      offsetof(rill_compiled_model, scale),          offsetof(rill_compiled_model, checksum)};
  for (int i = 0; i < 16; ++i) CHECK(rill_layout_offset(RILL_LAYOUT_COMPILED_MODEL, i) == static_cast<int>(compiled[i]));
  CHECK(rill_layout_offset(RILL_LAYOUT_COMPILED_MODEL, -1) == static_cast<int>(sizeof(rill_compiled_model)));
  CHECK(rill_layout_offset(RILL_LAYOUT_COMPILED_MODEL, 16) == -1);

  CHECK(rill_layout_fields(4) == nullptr);
  CHECK(rill_layout_offset(4, 0) == -1);
  CHECK(rill_layout_offset(-1, -1) == -1);
}
