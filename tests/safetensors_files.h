// Building safetensors files byte by byte for the model_io, hostile-file and
// reference tests: header length, JSON, data; and loading them.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "rill/model_io.h"

namespace st_files {

using namespace rill;

using Bytes = std::vector<unsigned char>;

inline std::uint32_t bits_of(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
inline float float_of(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

// Deterministic weights that exercise the bits: ordinary values, ±0, subnormals, large values.
inline std::vector<float> weights_for(const MlpSpec& spec, std::uint32_t seed) {
  std::vector<float> w(spec.param_count());
  std::uint32_t s = seed * 2654435761u + 12345u;
  for (std::size_t i = 0; i < w.size(); ++i) {
    s = s * 1664525u + 1013904223u;
    switch (s >> 29) {
      case 0: w[i] = float_of(s & 0x807FFFFFu); break;           // subnormal or ±0
      case 1: w[i] = float_of((s & 0x80FFFFFFu) | 0x7E000000u); break;  // large
      default: w[i] = (static_cast<float>(s >> 8) / 16777216.0f - 0.5f) * 4.0f;
    }
  }
  return w;
}

// A byte buffer placed at a chosen offset from a 64-byte boundary.
struct Placed {
  std::vector<unsigned char> storage;
  unsigned char* p = nullptr;
  std::size_t n = 0;
  Placed(const Bytes& b, std::size_t misalign) {
    storage.resize(b.size() + 128);
    const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(storage.data());
    p = storage.data() + ((64 - a % 64) % 64) + misalign;
    n = b.size();
    if (n != 0) std::memcpy(p, b.data(), n);
  }
};

inline Bytes write_model(const Mlp& mlp, float sigma, const KeyValue* extra = nullptr, int n_extra = 0) {
  const std::size_t size = model_file_size(mlp, sigma, extra, n_extra);
  REQUIRE(size > 0);
  Bytes out(size);
  std::size_t written = 0;
  Message msg;
  const Status s = model_write(mlp, sigma, extra, n_extra, out.data(), out.size(), &written, &msg);
  INFO(msg.text);
  REQUIRE(s == Status::ok);
  REQUIRE(written == size);
  return out;
}

inline std::uint64_t header_len_of(const Bytes& b) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | b[static_cast<std::size_t>(i)];
  return n;
}

inline Bytes with_len(std::uint64_t n, const std::string& rest) {
  // Sized once and filled in place (GCC 12 at -O3 warns falsely about insert() here).
  Bytes b(8 + rest.size());
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(n >> (8 * i));
  std::copy(rest.begin(), rest.end(), b.begin() + 8);
  return b;
}

inline Bytes file_raw(const std::string& json, const Bytes& data) {
  Bytes b = with_len(json.size(), json);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

inline Bytes as_bytes(const std::vector<float>& v) {
  Bytes b(v.size() * 4);
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Pads a header with spaces so that 8 + its length is a multiple of `multiple`.
inline std::string pad_json(std::string json, std::size_t multiple) {
  while ((8 + json.size()) % multiple != 0) json += ' ';
  return json;
}

// As the safetensors package writes: the header padded to a multiple of 8.
inline Bytes file(const std::string& json, const std::vector<float>& data) {
  return file_raw(pad_json(json, 8), as_bytes(data));
}

inline std::vector<float> ramp(std::size_t n, float start = 0.5f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = start + 0.25f * static_cast<float>(i);
  return v;
}

inline std::string entry(const std::string& name, const std::string& shape, unsigned long long b, unsigned long long e,
                  const std::string& dtype = "F32") {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + shape + "],\"data_offsets\":[" +
         std::to_string(b) + "," + std::to_string(e) + "]}";
}

// The smallest valid rill model: one layer, d = 2, raw time (3 inputs).
inline const std::string kW0 = entry("layers.0.weight", "2,3", 0, 24);
inline const std::string kB0 = entry("layers.0.bias", "2", 24, 32);
inline std::string with_meta(const std::string& meta) { return "{\"__metadata__\":{" + meta + "}," + kW0 + "," + kB0 + "}"; }
inline Bytes tiny_file(const std::string& meta) { return file(with_meta(meta), ramp(8)); }

struct Loaded {
  Status status = Status::ok;
  std::string msg;
  Model model;
};

inline Loaded load_bytes(const unsigned char* p, std::size_t n, Arena* arena) {
  Loaded r;
  Message msg;
  r.status = model_load(p, n, arena, &r.model, &msg);
  r.msg = msg.text;
  return r;
}

inline std::string meta_of(const Model& m, const char* key) {
  char buf[4096];
  if (!model_metadata(m, key, buf, sizeof buf)) return "<absent>";
  return buf;
}

inline void collect(const char* key, const char* value, void* ctx) {
  auto* v = static_cast<std::vector<std::pair<std::string, std::string>>*>(ctx);
  v->emplace_back(key, value);
}

inline std::vector<std::pair<std::string, std::string>> all_meta(const Model& m) {
  std::vector<std::pair<std::string, std::string>> v;
  model_metadata_each(m, collect, &v);
  return v;
}

inline bool same_weights(const Mlp& a, const Mlp& b) {
  if (a.spec.n_layers != b.spec.n_layers) return false;
  for (int i = 0; i < a.spec.n_layers; ++i) {
    const std::size_t rows = static_cast<std::size_t>(a.spec.sizes[i + 1]);
    const std::size_t cols = static_cast<std::size_t>(a.spec.sizes[i]);
    if (std::memcmp(a.weight[i], b.weight[i], rows * cols * 4) != 0) return false;
    if (std::memcmp(a.bias[i], b.bias[i], rows * 4) != 0) return false;
  }
  return true;
}

inline bool same_spec(const MlpSpec& a, const MlpSpec& b) {
  if (a.dim != b.dim || a.n_layers != b.n_layers || a.activation != b.activation || a.time.k != b.time.k)
    return false;
  for (int i = 0; i <= a.n_layers; ++i)
    if (a.sizes[i] != b.sizes[i]) return false;
  return true;
}

}  // namespace st_files
