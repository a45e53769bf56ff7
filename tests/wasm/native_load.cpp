// native_load: the native side of tests/wasm/loaders.test.mjs, which checks that the C loader
// (model_io.cpp, through rill_model_open) and rill.mjs's JavaScript one (web/safetensors.mjs)
// accept the same model files and refuse the others with the same status and message.
//
//   native_load < paths     (one file path a line)
//
// rill_model_open binds F32 weights in place and so refuses a file whose data buffer does not start
// 4-byte aligned (out_of_memory, "the weights are not 4-byte aligned in memory ..."), where the CLI
// copies them and rill.mjs copies every tensor: for such a file the helper pads the header with
// trailing spaces (as rill's writer pads it; the same model) and opens that. A file whose tensors
// sit off 4-byte boundaries inside the buffer is then still refused: the helper loads it as the CLI
// does (model_load with an arena to copy into) and prints `ok copied` when that accepts it.
//
// For each file one line: `refused CODE HEX` (the status code and the message's bytes in hex), or
// `ok DIM LAYERS WIDTH ACTIVATION TIME_K STEP_K PARAMS SIGMA_MIN_BITS KIND WIDTH HASH META` where
// HASH is FNV-1a 64 of 16 samples (4 Heun steps, seed 1) and META the metadata keys rill.mjs reads,
// `key=HEX` each (absent keys left out).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "rill/model_io.h"
#include "rill/rill.h"
#include "native_util.h"

namespace {

const char* const kKeys[] = {"rill.format", "dim", "activation", "time_embedding", "path", "sigma_min", "dataset",
                             "steps", "batch", "lr", "seed", "coupling", "ema", "final_loss", "train_seconds",
                             "condition", "class_names", "source", "cfg_dropout", "made_by", "sample_solver",
                             "sample_steps", "teacher", "step_embedding"};

void hex(const char* s) {
  for (; *s; ++s) std::printf("%02x", static_cast<unsigned char>(*s));
}

void report(rill_model* m) {
  rill_model_info info;
  rill_model_get_info(m, &info);
  int kind = 0, width = 0;
  rill_model_condition(m, &kind, &width);
  std::uint32_t sigma;
  std::memcpy(&sigma, &info.sigma_min, 4);
  std::vector<float> x(static_cast<std::size_t>(16 * info.dim));
  std::uint64_t h = 0xcbf29ce484222325ull;
  if (rill_sample(m, 16, 4, RILL_HEUN, 1, x.data(), nullptr) == RILL_OK) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(x.data());
    for (std::size_t i = 0; i < 4 * x.size(); ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  } else {
    h = 0;
  }
  std::printf("ok %d %d %d %d %d %d %u %08x %d %d %016llx", info.dim, info.layers, info.width, info.activation,
              info.time_k, info.step_k, info.params, sigma, kind, width, static_cast<unsigned long long>(h));
  static char value[4096];
  for (const char* key : kKeys) {
    if (rill_model_metadata(m, key, value, sizeof value) != RILL_OK) continue;
    std::printf(" %s=", key);
    hex(value);
  }
  std::printf("\n");
}

}  // namespace

int main() {
  char line[4096];
  while (std::fgets(line, sizeof line, stdin) != nullptr) {
    line[std::strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0') continue;
    std::vector<unsigned char> bytes;
    if (!read_file(line, &bytes)) {
      std::printf("unreadable\n");
      continue;
    }
    rill_model* m = nullptr;
    char err[512] = "";
    int rc = rill_model_open(bytes.data(), bytes.size(), &m, err, sizeof err);
    if (rc == RILL_OUT_OF_MEMORY && std::strstr(err, "not 4-byte aligned") != nullptr) {
      std::uint64_t n = 0;
      for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
      const std::size_t pad = (4 - n % 4) % 4;
      bytes.insert(bytes.begin() + static_cast<long>(8 + n), pad, ' ');
      n += pad;
      for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(n >> (8 * i));
      rc = rill_model_open(bytes.data(), bytes.size(), &m, err, sizeof err);
    }
    if (rc == RILL_OUT_OF_MEMORY && std::strstr(err, "not 4-byte aligned") != nullptr) {
      std::vector<float> arena_mem(1u << 22);
      rill::Arena arena(arena_mem.data(), 4 * arena_mem.size());
      rill::Model model;
      rill::Message msg;
      if (rill::model_load(bytes.data(), bytes.size(), &arena, &model, &msg) == rill::Status::ok) {
        std::printf("ok copied\n");
        continue;
      }
    }
    if (rc != RILL_OK) {
      std::printf("refused %d ", rc);
      hex(err);
      std::printf("\n");
      continue;
    }
    report(m);
    rill_model_free(m);
  }
  return 0;
}
