// libFuzzer target: model_load on arbitrary bytes.
//
// Build (TOOLCHAIN.md §5):
//   clang++ -std=c++17 -g -O1 -ffp-contract=off -Isrc -fsanitize=fuzzer,address,undefined \
//     -fno-sanitize-recover=all tests/fuzz/fuzz_model_load.cpp src/rill/*.cpp -pthread -o fuzz
//   (or `make fuzz FUZZ_SECONDS=30`; model_load uses model_io, model_write,
//   safetensors_header, decimal, mlp_spec, status and arena)
//   ./fuzz -dict=tests/fuzz/model_load.dict tests/fuzz/corpus
//
// Besides "no crash", it checks what must hold for any input, and it uses
// every result so the optimiser cannot drop the reads (a target whose loads
// go unused can hide the bug):
// - the Message is zero-terminated within its capacity, and set on failure;
// - the same bytes at an odd address (weights copied into the arena) give
//   the same Status, the same message and, on success, the same weights;
// - a loaded model is valid, finite, and writes back to a file that loads to
//   the same spec (step embedding and condition included), weights and
//   sigma_min (a round trip through model_write).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_util.h"

#include "rill/model_io.h"
#include "rill/narrow.h"

namespace {

using fuzz::bits;
using fuzz::check;
using fuzz::g_sink;

// Folds every weight and bias in, checking each is finite.
std::uint32_t touch(const rill::Mlp& mlp) {
  std::uint32_t h = 2166136261u;
  for (int i = 0; i < mlp.spec.n_layers; ++i) {
    const std::size_t rows = static_cast<std::size_t>(mlp.spec.sizes[i + 1]);
    const std::size_t cols = static_cast<std::size_t>(mlp.spec.sizes[i]);
    for (std::size_t k = 0; k < rows * cols; ++k) {
      const std::uint32_t b = bits(mlp.weight[i][k]);
      check((b & 0x7F800000u) != 0x7F800000u);
      h = (h ^ b) * 16777619u;
    }
    for (std::size_t k = 0; k < rows; ++k) {
      const std::uint32_t b = bits(mlp.bias[i][k]);
      check((b & 0x7F800000u) != 0x7F800000u);
      h = (h ^ b) * 16777619u;
    }
  }
  return h;
}

void on_meta(const char* key, const char* value, void* ctx) {
  auto* h = static_cast<std::uint32_t*>(ctx);
  *h += static_cast<std::uint32_t>(std::strlen(key)) * 31u + static_cast<std::uint32_t>(std::strlen(value));
}

bool terminated(const rill::Message& m) { return std::memchr(m.text, 0, rill::Message::kCap) != nullptr; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rill;
  alignas(64) static unsigned char arena_mem[2][1 << 17];

  // The input as given (libFuzzer's copy is malloc-aligned).
  Arena arena(arena_mem[0], sizeof arena_mem[0]);
  Model model;
  Message msg;
  const Status st = model_load(data, size, &arena, &model, &msg);
  check(terminated(msg));
  check(st == Status::ok || msg.text[0] != '\0');

  // The same bytes one byte off alignment.
  std::vector<unsigned char> odd(size + 1);
  if (size > 0) std::memcpy(odd.data() + 1, data, size);
  Arena arena2(arena_mem[1], sizeof arena_mem[1]);
  Model model2;
  Message msg2;
  const Status st2 = model_load(odd.data() + 1, size, &arena2, &model2, &msg2);
  check(st2 == st);
  check(std::strcmp(msg.text, msg2.text) == 0);
  if (st != Status::ok) {
    check(model.mlp.spec.n_layers == 0 && arena.used() == 0 && arena2.used() == 0);
    g_sink = g_sink + static_cast<std::uint32_t>(st) + static_cast<std::uint32_t>(std::strlen(msg.text));
    return 0;
  }

  check(model.mlp.spec.validate(nullptr) == Status::ok);
  check(model.sigma_min >= 0.0f && model.sigma_min < 1.0f);
  // Narrow weights (F16, BF16, I8) are read in place; widened, they are a float32 model.
  check((model.dtype != WeightDtype::f32) == (model.mlp.weight[0] == nullptr));
  std::vector<float> wide(model.dtype != WeightDtype::f32 ? model.mlp.spec.param_count() : 0);
  std::vector<float> wide2(wide.size());
  if (!wide.empty()) {
    mlp_widen(model.mlp, wide.data());
    mlp_widen(model2.mlp, wide2.data());
  }
  const std::uint32_t h = touch(model.mlp);
  check(touch(model2.mlp) == h);
  std::uint32_t mh = h;
  char value[256];
  for (const char* key : {"rill.format", "dim", "activation", "time_embedding", "path", "sigma_min", "dataset"})
    if (model_metadata(model, key, value, sizeof value)) mh += static_cast<std::uint32_t>(std::strlen(value));
  model_metadata_each(model, on_meta, &mh);

  // Round trip through the writer.
  const std::size_t n = model_file_size(model.mlp, model.sigma_min, nullptr, 0);
  check(n > 0);
  std::vector<unsigned char> out(n + 16);
  unsigned char* aligned = out.data() + (16 - reinterpret_cast<std::uintptr_t>(out.data()) % 16) % 16;
  std::size_t written = 0;
  check(model_write(model.mlp, model.sigma_min, nullptr, 0, aligned, n, &written, &msg) == Status::ok);
  check(written == n);
  Model back;
  check(model_load(aligned, written, nullptr, &back, &msg) == Status::ok);
  check(back.in_place && back.has_rill_metadata);
  const MlpSpec& a = model.mlp.spec;
  const MlpSpec& b = back.mlp.spec;
  check(a.dim == b.dim && a.n_layers == b.n_layers && a.activation == b.activation && a.time.k == b.time.k);
  check(a.step.on == b.step.on && a.step.k() == b.step.k());  // step_embedding survives (format 2)
  check(a.condition.kind == b.condition.kind && a.condition.count == b.condition.count);
  for (int i = 0; i <= a.n_layers; ++i) check(a.sizes[i] == b.sizes[i]);
  check(bits(back.sigma_min) == bits(model.sigma_min));
  check(touch(back.mlp) == h);
  g_sink = g_sink + mh;
  return 0;
}
