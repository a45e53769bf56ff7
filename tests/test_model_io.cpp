// Tests for model_io (safetensors read/write; files on disk: test_model_file.cpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "rill/model_io.h"

using namespace rill;

namespace {

using Bytes = std::vector<unsigned char>;

std::uint32_t bits_of(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
float float_of(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

// Deterministic weights that exercise the bits: ordinary values, ±0, subnormals, large values.
std::vector<float> weights_for(const MlpSpec& spec, std::uint32_t seed) {
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

Bytes write_model(const Mlp& mlp, float sigma, const KeyValue* extra = nullptr, int n_extra = 0) {
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

std::uint64_t header_len_of(const Bytes& b) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | b[static_cast<std::size_t>(i)];
  return n;
}

Bytes with_len(std::uint64_t n, const std::string& rest) {
  // Sized once and filled in place (GCC 12 at -O3 warns falsely about insert() here).
  Bytes b(8 + rest.size());
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(n >> (8 * i));
  std::copy(rest.begin(), rest.end(), b.begin() + 8);
  return b;
}

Bytes file_raw(const std::string& json, const Bytes& data) {
  Bytes b = with_len(json.size(), json);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes as_bytes(const std::vector<float>& v) {
  Bytes b(v.size() * 4);
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Pads a header with spaces so that 8 + its length is a multiple of `multiple`.
std::string pad_json(std::string json, std::size_t multiple) {
  while ((8 + json.size()) % multiple != 0) json += ' ';
  return json;
}

// As the safetensors package writes: the header padded to a multiple of 8.
Bytes file(const std::string& json, const std::vector<float>& data) {
  return file_raw(pad_json(json, 8), as_bytes(data));
}

std::vector<float> ramp(std::size_t n, float start = 0.5f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = start + 0.25f * static_cast<float>(i);
  return v;
}

std::string entry(const std::string& name, const std::string& shape, unsigned long long b, unsigned long long e,
                  const std::string& dtype = "F32") {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + shape + "],\"data_offsets\":[" +
         std::to_string(b) + "," + std::to_string(e) + "]}";
}

// The smallest valid rill model: one layer, d = 2, raw time (3 inputs).
const std::string kW0 = entry("layers.0.weight", "2,3", 0, 24);
const std::string kB0 = entry("layers.0.bias", "2", 24, 32);
std::string with_meta(const std::string& meta) { return "{\"__metadata__\":{" + meta + "}," + kW0 + "," + kB0 + "}"; }
Bytes tiny_file(const std::string& meta) { return file(with_meta(meta), ramp(8)); }

struct Loaded {
  Status status = Status::ok;
  std::string msg;
  Model model;
};

Loaded load_bytes(const unsigned char* p, std::size_t n, Arena* arena) {
  Loaded r;
  Message msg;
  r.status = model_load(p, n, arena, &r.model, &msg);
  r.msg = msg.text;
  return r;
}

std::string meta_of(const Model& m, const char* key) {
  char buf[4096];
  if (!model_metadata(m, key, buf, sizeof buf)) return "<absent>";
  return buf;
}

void collect(const char* key, const char* value, void* ctx) {
  auto* v = static_cast<std::vector<std::pair<std::string, std::string>>*>(ctx);
  v->emplace_back(key, value);
}

std::vector<std::pair<std::string, std::string>> all_meta(const Model& m) {
  std::vector<std::pair<std::string, std::string>> v;
  model_metadata_each(m, collect, &v);
  return v;
}

bool same_weights(const Mlp& a, const Mlp& b) {
  if (a.spec.n_layers != b.spec.n_layers) return false;
  for (int i = 0; i < a.spec.n_layers; ++i) {
    const std::size_t rows = static_cast<std::size_t>(a.spec.sizes[i + 1]);
    const std::size_t cols = static_cast<std::size_t>(a.spec.sizes[i]);
    if (std::memcmp(a.weight[i], b.weight[i], rows * cols * 4) != 0) return false;
    if (std::memcmp(a.bias[i], b.bias[i], rows * 4) != 0) return false;
  }
  return true;
}

bool same_spec(const MlpSpec& a, const MlpSpec& b) {
  if (a.dim != b.dim || a.n_layers != b.n_layers || a.activation != b.activation || a.time.k != b.time.k)
    return false;
  for (int i = 0; i <= a.n_layers; ++i)
    if (a.sizes[i] != b.sizes[i]) return false;
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// Round trips

TEST_CASE("model_io: round trip is bit-exact for many architectures") {
  const Activation acts[] = {Activation::silu, Activation::relu, Activation::tanh, Activation::gelu,
                             Activation::gelu_tanh};
  const int ks[] = {0, 1, 3, 12};
  const float sigmas[] = {0.0f, 1e-4f, 0.001f, 1e-5f, 0.1f, 0.5f, 0.99999994f, float_of(1), 3.3e-7f, 0.0123456789f};
  int count = 0;
  for (int dim : {1, 2, 7}) {
    for (int k : ks) {
      for (Activation act : acts) {
        for (int depth = 0; depth <= 4; ++depth) {
          TimeEmbedding te;
          te.k = k;
          const MlpSpec spec = MlpSpec::make(dim, 3 + depth + dim, depth, act, te);
          REQUIRE(spec.validate(nullptr) == Status::ok);
          const std::vector<float> block = weights_for(spec, static_cast<std::uint32_t>(count));
          Mlp mlp;
          mlp.spec = spec;
          mlp.bind(block.data());
          const float sigma = sigmas[count % 10];
          const KeyValue extra[] = {{"dataset", "8gaussians"}, {"steps", "2000"}, {"note", "lr=1e-3 \"quoted\""}};
          const Bytes bytes = write_model(mlp, sigma, extra, count % 4);
          CHECK((8 + header_len_of(bytes)) % 16 == 0);

          Placed placed(bytes, 0);
          const Loaded r = load_bytes(placed.p, placed.n, nullptr);
          INFO("dim ", dim, " k ", k, " act ", activation_name(act), " depth ", depth, ": ", r.msg);
          REQUIRE(r.status == Status::ok);
          CHECK(r.model.in_place);
          CHECK(r.model.has_rill_metadata);
          CHECK(same_spec(r.model.mlp.spec, spec));
          CHECK(same_weights(r.model.mlp, mlp));
          CHECK(bits_of(r.model.sigma_min) == bits_of(sigma));
          CHECK(meta_of(r.model, "rill.format") == "1");
          CHECK(meta_of(r.model, "dim") == std::to_string(dim));
          CHECK(meta_of(r.model, "activation") == activation_name(act));
          CHECK(meta_of(r.model, "time_embedding") == (k == 0 ? std::string("raw") : "sin:" + std::to_string(k)));
          CHECK(meta_of(r.model, "path") == "condot");
          const auto meta = all_meta(r.model);
          REQUIRE(meta.size() == static_cast<std::size_t>(6 + count % 4));
          CHECK(meta[0].first == "rill.format");
          CHECK(meta[5].first == "sigma_min");
          for (int e = 0; e < count % 4; ++e) {
            CHECK(meta[static_cast<std::size_t>(6 + e)].first == extra[e].key);
            CHECK(meta[static_cast<std::size_t>(6 + e)].second == extra[e].value);
          }
          // Writing the loaded model again gives the same bytes.
          const Bytes again = write_model(r.model.mlp, r.model.sigma_min, extra, count % 4);
          CHECK(again == bytes);
          ++count;
        }
      }
    }
  }
  CHECK(count == 300);
}

TEST_CASE("model_io: the written header is the documented one") {
  const MlpSpec spec = MlpSpec::make(2, 4, 1, Activation::relu, TimeEmbedding{2});
  std::vector<float> block(spec.param_count(), 1.0f);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(block.data());
  const KeyValue extra[] = {{"dataset", "moons"}};
  const Bytes b = write_model(mlp, 0.001f, extra, 1);
  const std::size_t n = static_cast<std::size_t>(header_len_of(b));
  std::string header(b.begin() + 8, b.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  const std::string json =
      "{\"__metadata__\":{\"rill.format\":\"1\",\"dim\":\"2\",\"activation\":\"relu\",\"time_embedding\":\"sin:2\","
      "\"path\":\"condot\",\"sigma_min\":\"0.001\",\"dataset\":\"moons\"},"
      "\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[4,6],\"data_offsets\":[0,96]},"
      "\"layers.0.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[96,112]},"
      "\"layers.1.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[112,144]},"
      "\"layers.1.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[144,152]}}";
  REQUIRE(header.size() >= json.size());
  CHECK(header.substr(0, json.size()) == json);
  CHECK(header.find_first_not_of(' ', json.size()) == std::string::npos);
  CHECK(header.size() - json.size() < 16);
  CHECK(b.size() == 8 + n + 152);
  // Floats little-endian: 1.0f = 00 00 80 3f.
  CHECK(b[8 + n] == 0x00);
  CHECK(b[8 + n + 2] == 0x80);
  CHECK(b[8 + n + 3] == 0x3f);
}

TEST_CASE("model_io: in place and arena copy give identical models") {
  const MlpSpec spec = MlpSpec::make(3, 16, 3, Activation::gelu, TimeEmbedding{4});
  const std::vector<float> block = weights_for(spec, 7);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(block.data());
  const Bytes bytes = write_model(mlp, 0.01f);

  Placed aligned(bytes, 0);
  const Loaded a = load_bytes(aligned.p, aligned.n, nullptr);
  REQUIRE(a.status == Status::ok);
  CHECK(a.model.in_place);
  CHECK(reinterpret_cast<const unsigned char*>(a.model.mlp.weight[0]) >= aligned.p);

  for (std::size_t mis : {1, 2, 3}) {
    Placed odd(bytes, mis);
    // Without an arena, or with one too small: out_of_memory, and the arena is left as it was.
    const Loaded none = load_bytes(odd.p, odd.n, nullptr);
    CHECK(none.status == Status::out_of_memory);
    CHECK(none.msg.find("not 4-byte aligned") != std::string::npos);
    std::vector<unsigned char> small(model_copy_bytes(spec) / 2);
    Arena tiny(small.data(), small.size());
    CHECK(load_bytes(odd.p, odd.n, &tiny).status == Status::out_of_memory);
    CHECK(tiny.used() == 0);

    std::vector<unsigned char> mem(model_copy_bytes(spec));
    Arena arena(mem.data(), mem.size());
    const Loaded c = load_bytes(odd.p, odd.n, &arena);
    INFO(c.msg);
    REQUIRE(c.status == Status::ok);
    CHECK(!c.model.in_place);
    CHECK(same_spec(c.model.mlp.spec, a.model.mlp.spec));
    CHECK(same_weights(c.model.mlp, a.model.mlp));
    CHECK(same_weights(c.model.mlp, mlp));
    CHECK(bits_of(c.model.sigma_min) == bits_of(a.model.sigma_min));
    CHECK(all_meta(c.model) == all_meta(a.model));
    CHECK(reinterpret_cast<std::uintptr_t>(c.model.mlp.weight[0]) % 4 == 0);
    CHECK(write_model(c.model.mlp, c.model.sigma_min) == bytes);
  }
}

// ---------------------------------------------------------------------------
// Files written by others

TEST_CASE("model_io: a PyTorch nn.Sequential export loads with defaults") {
  // net = Sequential(Linear(3,4), SiLU(), Linear(4,4), SiLU(), Linear(4,2)); save_file(net.state_dict())
  // Entries in a scrambled order, and the data buffer in yet another order.
  const std::string json = "{" + entry("net.4.bias", "2", 0, 8) + "," + entry("net.0.weight", "4,3", 8, 56) + "," +
                           entry("net.2.weight", "4,4", 56, 120) + "," + entry("net.0.bias", "4", 120, 136) + "," +
                           entry("net.4.weight", "2,4", 136, 168) + "," + entry("net.2.bias", "4", 168, 184) + "}";
  std::vector<float> data = ramp(46, -3.0f);
  const Bytes b = file(json, data);
  Placed placed(b, 0);
  const Loaded r = load_bytes(placed.p, placed.n, nullptr);
  INFO(r.msg);
  REQUIRE(r.status == Status::ok);
  const MlpSpec& s = r.model.mlp.spec;
  CHECK(!r.model.has_rill_metadata);
  CHECK(s.dim == 2);
  CHECK(s.n_layers == 3);
  CHECK(s.sizes[0] == 3);
  CHECK(s.sizes[1] == 4);
  CHECK(s.sizes[2] == 4);
  CHECK(s.sizes[3] == 2);
  CHECK(s.activation == Activation::silu);
  CHECK(s.time.k == 0);
  CHECK(r.model.sigma_min == 0.0f);
  CHECK(r.model.mlp.weight[0][0] == data[2]);   // net.0.weight begins at byte 8
  CHECK(r.model.mlp.bias[2][1] == data[1]);     // net.4.bias at byte 0
  CHECK(r.model.mlp.weight[1][0] == data[14]);  // net.2.weight at byte 56
  CHECK(meta_of(r.model, "dim") == "<absent>");
  CHECK(all_meta(r.model).empty());
}

TEST_CASE("model_io: prefix model.layers., indices ordered as numbers (10 after 9)") {
  // 11 layers: 0..9 are [3, 3], layer 10 is [2, 3]; d = 2, raw time (3 inputs).
  std::string json = "{\"__metadata__\":{\"format\":\"pt\",\"activation\":\"relu\"}";
  std::size_t off = 0;
  for (int i = 10; i >= 0; --i) {  // reverse order in the header
    const int out = i == 10 ? 2 : 3;
    const std::string p = "model.layers." + std::to_string(i);
    json += "," + entry(p + ".weight", std::to_string(out) + ",3", off, off + static_cast<std::size_t>(out) * 12);
    off += static_cast<std::size_t>(out) * 12;
    json += "," + entry(p + ".bias", std::to_string(out), off, off + static_cast<std::size_t>(out) * 4);
    off += static_cast<std::size_t>(out) * 4;
  }
  json += "}";
  const Bytes b = file(json, ramp(off / 4));
  Placed placed(b, 0);
  const Loaded r = load_bytes(placed.p, placed.n, nullptr);
  INFO(r.msg);
  REQUIRE(r.status == Status::ok);
  CHECK(r.model.mlp.spec.n_layers == 11);
  CHECK(r.model.mlp.spec.sizes[11] == 2);
  CHECK(r.model.mlp.spec.dim == 2);
  // Without rill.format the other keys take their defaults: activation stays silu.
  CHECK(r.model.mlp.spec.activation == Activation::silu);
  CHECK(!r.model.has_rill_metadata);
  CHECK(meta_of(r.model, "format") == "pt");
  // Layer 10 is written first in the buffer.
  CHECK(r.model.mlp.weight[10][0] == 0.5f);
}

TEST_CASE("model_io: other accepted spellings") {
  SUBCASE("fc1/fc2 names, __metadata__ null, whitespace, escaped key, rill. extras") {
    const std::string json = "{ \"__metadata__\" : null ,\n\t" + entry("rill.note", "3", 0, 3, "U8") + ",\r\n" +
                             entry("rill.table", "1", 35, 43, "F64") + "," + entry("fc1.weight", "2,3", 3, 27) + "," +
                             "\"fc1.b\\u0069as\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[27,35]} }   ";
    Bytes data = {1, 2, 3};
    const Bytes floats = as_bytes(ramp(8));
    data.insert(data.end(), floats.begin(), floats.end());
    data.resize(data.size() + 8, 0);
    const Bytes b = file_raw(pad_json(json, 16), data);
    for (std::size_t mis : {0, 1}) {
      Placed placed(b, mis);
      std::vector<unsigned char> mem(4096);
      Arena arena(mem.data(), mem.size());
      const Loaded r = load_bytes(placed.p, placed.n, &arena);
      INFO(r.msg);
      REQUIRE(r.status == Status::ok);
      // The U8 extra shifts the F32 tensors off 4-byte alignment when the file itself is aligned.
      CHECK(r.model.in_place == (mis == 1));
      CHECK(r.model.mlp.spec.n_layers == 1);
      CHECK(r.model.mlp.weight[0][0] == 0.5f);
      CHECK(r.model.mlp.bias[0][1] == 0.5f + 0.25f * 7);
    }
  }
  SUBCASE("rill.format without the other keys: defaults") {
    const Bytes b = tiny_file("\"rill.format\":\"1\"");
    Placed placed(b, 0);
    const Loaded r = load_bytes(placed.p, placed.n, nullptr);
    INFO(r.msg);
    REQUIRE(r.status == Status::ok);
    CHECK(r.model.has_rill_metadata);
    CHECK(r.model.mlp.spec.dim == 2);
    CHECK(r.model.mlp.spec.activation == Activation::silu);
  }
  SUBCASE("sigma_min spellings") {
    const char* ok[] = {"0", "0.0", "1e-05", "1E-5", "0.00001", ".5", "5e-1", "+0.25", "-0", "0.999999", "1e-50"};
    const float want[] = {0.0f, 0.0f, 1e-5f, 1e-5f, 1e-5f, 0.5f, 0.5f, 0.25f, 0.0f, 0.999999f, 0.0f};
    for (int i = 0; i < 11; ++i) {
      const Bytes b = tiny_file(std::string("\"rill.format\":\"1\",\"sigma_min\":\"") + ok[i] + "\"");
      Placed placed(b, 0);
      const Loaded r = load_bytes(placed.p, placed.n, nullptr);
      INFO(ok[i], ": ", r.msg);
      REQUIRE(r.status == Status::ok);
      CHECK(bits_of(r.model.sigma_min) == bits_of(want[i]));
    }
  }
}

TEST_CASE("model_io: metadata lookup decodes escapes") {
  const MlpSpec spec = MlpSpec::make(2, 4, 1);
  std::vector<float> block(spec.param_count(), 0.5f);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(block.data());
  const char* tricky = "a \"quoted\" \\ back/slash\nnew\ttab\r\b\f \x01\x1f caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80";
  const KeyValue extra[] = {{"note", tricky}, {"k\xc3\xa9y \"q\"", "v"}, {"empty", ""}};
  const Bytes b = write_model(mlp, 0.0f, extra, 3);
  const std::string header(b.begin() + 8, b.begin() + 8 + static_cast<std::ptrdiff_t>(header_len_of(b)));
  CHECK(header.find("\\u0001") != std::string::npos);
  CHECK(header.find("\\\"quoted\\\"") != std::string::npos);
  Placed placed(b, 0);
  const Loaded r = load_bytes(placed.p, placed.n, nullptr);
  REQUIRE(r.status == Status::ok);
  CHECK(meta_of(r.model, "note") == tricky);
  CHECK(meta_of(r.model, "k\xc3\xa9y \"q\"") == "v");
  CHECK(meta_of(r.model, "empty") == "");
  CHECK(meta_of(r.model, "absent") == "<absent>");
  CHECK(meta_of(r.model, "not") == "<absent>");
  // A value that does not fit: false, and the buffer holds an empty string.
  char small[8] = "xxxxxxx";
  CHECK(!model_metadata(r.model, "note", small, sizeof small));
  CHECK(small[0] == '\0');
  char exact[2];
  CHECK(model_metadata(r.model, "k\xc3\xa9y \"q\"", exact, sizeof exact));
  CHECK(std::string(exact) == "v");
  CHECK(!model_metadata(r.model, "empty", nullptr, 0));
  // An empty Model has no metadata.
  Model none;
  CHECK(meta_of(none, "dim") == "<absent>");
  CHECK(all_meta(none).empty());

  // Escapes written by other writers: \u with a surrogate pair, \/ and an escaped key.
  const Bytes h = tiny_file(
      "\"rill.format\":\"1\",\"s\\u0069gma_min\":\"0.25\",\"emoji\":\"\\ud83d\\ude00 \\u00e9\\/\\u20AC\"");
  Placed ph(h, 0);
  const Loaded rh = load_bytes(ph.p, ph.n, nullptr);
  INFO(rh.msg);
  REQUIRE(rh.status == Status::ok);
  CHECK(rh.model.sigma_min == 0.25f);
  CHECK(meta_of(rh.model, "sigma_min") == "0.25");
  CHECK(meta_of(rh.model, "emoji") == "\xf0\x9f\x98\x80 \xc3\xa9/\xe2\x82\xac");

  // model_metadata_each cuts long values at a character boundary.
  std::string longv;
  for (int i = 0; i < 600; ++i) longv += "\xc3\xa9";  // 1200 bytes
  const KeyValue lv[] = {{"long", longv.c_str()}};
  const Bytes bl = write_model(mlp, 0.0f, lv, 1);
  Placed pl(bl, 0);
  const Loaded rl = load_bytes(pl.p, pl.n, nullptr);
  REQUIRE(rl.status == Status::ok);
  CHECK(meta_of(rl.model, "long") == longv);
  const auto each = all_meta(rl.model);
  REQUIRE(each.size() == 7);
  CHECK(each[6].second.size() == 1022);
  CHECK(longv.compare(0, 1022, each[6].second) == 0);
}

TEST_CASE("model_io: model_write refuses what it cannot write") {
  const MlpSpec spec = MlpSpec::make(2, 4, 1);
  std::vector<float> block(spec.param_count(), 0.5f);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(block.data());
  Bytes out(4096);
  std::size_t written = 123;
  Message msg;
  auto try_write = [&](const Mlp& m, float sigma, const KeyValue* extra, int n) {
    msg = Message{};
    written = 123;
    const Status s = model_write(m, sigma, extra, n, out.data(), out.size(), &written, &msg);
    if (s != Status::ok) {
      CHECK(written == 0);
      CHECK(model_file_size(m, sigma, extra, n) == 0);
    }
    return s;
  };
  CHECK(try_write(mlp, 0.0f, nullptr, 0) == Status::ok);
  CHECK(try_write(mlp, 1.0f, nullptr, 0) == Status::invalid_argument);
  CHECK(try_write(mlp, -0.5f, nullptr, 0) == Status::invalid_argument);
  CHECK(try_write(mlp, std::numeric_limits<float>::quiet_NaN(), nullptr, 0) == Status::invalid_argument);
  const KeyValue reserved[] = {{"dim", "3"}};
  CHECK(try_write(mlp, 0.0f, reserved, 1) == Status::invalid_argument);
  CHECK(std::string(msg.text).find("dim") != std::string::npos);
  const KeyValue twice[] = {{"a", "1"}, {"a", "2"}};
  CHECK(try_write(mlp, 0.0f, twice, 2) == Status::invalid_argument);
  const KeyValue bad_utf8[] = {{"a", "\xff"}};
  CHECK(try_write(mlp, 0.0f, bad_utf8, 1) == Status::invalid_argument);
  const KeyValue empty_key[] = {{"", "x"}};
  CHECK(try_write(mlp, 0.0f, empty_key, 1) == Status::invalid_argument);
  const KeyValue null_value[] = {{"a", nullptr}};
  CHECK(try_write(mlp, 0.0f, null_value, 1) == Status::invalid_argument);
  CHECK(try_write(mlp, 0.0f, nullptr, 1) == Status::invalid_argument);
  const std::string long_key(kMaxKeyBytes + 1, 'k');
  const KeyValue too_long[] = {{long_key.c_str(), "x"}};
  CHECK(try_write(mlp, 0.0f, too_long, 1) == Status::invalid_argument);
  std::vector<KeyValue> many(static_cast<std::size_t>(kMaxMetadata - 5), KeyValue{"x", "y"});
  CHECK(try_write(mlp, 0.0f, many.data(), static_cast<int>(many.size())) == Status::invalid_argument);

  block[5] = std::numeric_limits<float>::quiet_NaN();
  CHECK(try_write(mlp, 0.0f, nullptr, 0) == Status::non_finite);
  CHECK(std::string(msg.text).find("layers.0.weight contains NaN (element 5)") != std::string::npos);
  block[5] = 0.5f;
  block[spec.bias_offset(1)] = -std::numeric_limits<float>::infinity();
  CHECK(try_write(mlp, 0.0f, nullptr, 0) == Status::non_finite);
  CHECK(std::string(msg.text).find("layers.1.bias contains Inf") != std::string::npos);
  block[spec.bias_offset(1)] = 0.5f;

  Mlp bad = mlp;
  bad.spec.sizes[0] = 5;
  CHECK(try_write(bad, 0.0f, nullptr, 0) != Status::ok);
  Mlp missing = mlp;
  missing.bias[1] = nullptr;
  CHECK(try_write(missing, 0.0f, nullptr, 0) == Status::invalid_argument);

  // A buffer one byte short.
  const std::size_t need = model_file_size(mlp, 0.0f, nullptr, 0);
  CHECK(model_write(mlp, 0.0f, nullptr, 0, out.data(), need - 1, &written, &msg) == Status::out_of_memory);
  CHECK(written == 0);
  CHECK(model_write(mlp, 0.0f, nullptr, 0, out.data(), need, &written, &msg) == Status::ok);
  CHECK(written == need);
}

// ---------------------------------------------------------------------------
// Damaged and hostile files

namespace {

struct Hostile {
  const char* name;
  Bytes bytes;
  Status status;
  const char* message;  // a substring of the Message
};

std::string repeat(const std::string& s, int n) {
  std::string r;
  for (int i = 0; i < n; ++i) r += s;
  return r;
}

using Table = std::vector<Hostile>;

void add(Table& t, const char* name, Bytes b, Status s, const char* m) { t.push_back({name, std::move(b), s, m}); }

// The hostile tables' building blocks: the format key alone, and a valid header without metadata.
const std::string kMeta1 = "\"rill.format\":\"1\"";
const std::string kGood = "{" + kW0 + "," + kB0 + "}";

// In sections, so no one function grows too large for the compiler's debug info.
void hostile_framing(Table& t) {
  add(t, "empty file", Bytes{}, Status::truncated, "8-byte header length");
  add(t, "7 bytes", Bytes{2, 0, 0, 0, 0, 0, 0}, Status::truncated, "has 7 bytes");
  add(t, "header length 0", with_len(0, ""), Status::bad_header, "too small");
  add(t, "header length 1", with_len(1, "{"), Status::bad_header, "too small");
  add(t, "header length > file", with_len(1000, kGood), Status::truncated, "claims 1000 bytes");
  add(t, "header length u64 max", with_len(~0ull, kGood), Status::bad_header, "exceeds");
  add(t, "header length 2^64 - 8", with_len(~0ull - 7, kGood), Status::bad_header, "exceeds");
  add(t, "header length just over the limit", with_len(kMaxHeaderBytes + 1, kGood), Status::bad_header, "exceeds");
  add(t, "header length cut short", with_len(kGood.size() - 1, kGood), Status::bad_json, "");

}

// JSON syntax
void hostile_json(Table& t) {
  add(t, "header not JSON", file("hello, world", {}), Status::bad_json, "not a JSON object");
  add(t, "non-object header", file("[1,2,3]", {}), Status::bad_json, "not a JSON object");
  add(t, "leading space", file(" " + kGood, ramp(8)), Status::bad_json, "not a JSON object");
  add(t, "truncated JSON", file("{\"layers.0.weight\":{\"dtype\":\"F32\"", {}), Status::bad_json, "");
  add(t, "unterminated string", file("{\"layers.0.weight", {}), Status::bad_json, "unterminated string");
  add(t, "trailing garbage", file(kGood + "x", ramp(8)), Status::bad_json, "trailing characters");
  add(t, "NUL padding", file(kGood + std::string(3, '\0'), ramp(8)), Status::bad_json, "trailing characters");
  add(t, "second object", file(kGood + kGood, ramp(8)), Status::bad_json, "trailing characters");
  add(t, "trailing comma", file("{" + kW0 + "," + kB0 + ",}", ramp(8)), Status::bad_json, "expected a string");
  add(t, "missing colon", file("{\"a\" {}}", {}), Status::bad_json, "expected ':'");
  add(t, "nesting bomb", file("{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}", {}),
      Status::bad_json, "must be an object");
  add(t, "nesting bomb in a tensor", file("{\"a\":{\"shape\":" + std::string(50000, '[') + "}}", {}), Status::bad_json,
      "expected a number");
  add(t, "nesting bomb in metadata", file("{\"__metadata__\":{\"a\":" + repeat("{\"a\":", 50000) + "}}", {}),
      Status::bad_json, "is not a string");
  add(t, "bad escape", file("{\"__metadata__\":{\"a\":\"\\q\"}}", {}), Status::bad_json, "invalid escape");
  add(t, "short \\u escape", file("{\"__metadata__\":{\"a\":\"\\u12\"}}", {}), Status::bad_json, "invalid \\u escape");
  add(t, "lone high surrogate", file("{\"__metadata__\":{\"a\":\"\\ud800x\"}}", {}), Status::bad_json, "surrogate");
  add(t, "lone low surrogate", file("{\"__metadata__\":{\"a\":\"\\udc00\"}}", {}), Status::bad_json, "surrogate");
  add(t, "\\u0000", file("{\"__metadata__\":{\"a\":\"x\\u0000\"}}", {}), Status::bad_json, "\\u0000");
  add(t, "control character", file("{\"__metadata__\":{\"a\":\"x\ny\"}}", {}), Status::bad_json, "control character");
  add(t, "invalid UTF-8", file("{\"__metadata__\":{\"a\":\"\xc3\x28\"}}", {}), Status::bad_json, "invalid UTF-8");
  add(t, "overlong UTF-8", file("{\"__metadata__\":{\"a\":\"\xc0\xaf\"}}", {}), Status::bad_json, "invalid UTF-8");
  add(t, "UTF-8 surrogate", file("{\"__metadata__\":{\"a\":\"\xed\xa0\x80\"}}", {}), Status::bad_json, "invalid UTF-8");
  add(t, "key too long", file("{\"" + std::string(300, 'k') + "\":{}}", {}), Status::bad_json, "up to 256 bytes");
  add(t, "leading zero", file("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[02,3],\"data_offsets\":[0,24]}}", {}),
      Status::bad_json, "leading zero");
  add(t, "fractional shape", file("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[2.0,3],\"data_offsets\":[0,24]}}", {}),
      Status::bad_json, "expected an integer");
  add(t, "exponent offset", file("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,2.4e1]}}", {}),
      Status::bad_json, "expected an integer");
  add(t, "string shape", file("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":\"2,3\",\"data_offsets\":[0,24]}}", {}),
      Status::bad_json, "must be an array");
  add(t, "dtype not a string", file("{\"layers.0.weight\":{\"dtype\":32,\"shape\":[2,3],\"data_offsets\":[0,24]}}", {}),
      Status::bad_json, "expected a string");
  add(t, "duplicate key in an entry",
      file("{\"layers.0.weight\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", {}),
      Status::bad_json, "duplicate key \"dtype\"");
  add(t, "unknown key in an entry",
      file("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24],\"x\":1}}", {}),
      Status::bad_json, "unknown key");
  add(t, "entry without data_offsets", file("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3]}}", {}),
      Status::bad_json, "without \"data_offsets\"");
  add(t, "metadata not an object", file("{\"__metadata__\":[\"a\"]," + kW0 + "," + kB0 + "}", ramp(8)),
      Status::bad_json, "__metadata__ must be an object");
  add(t, "metadata value a number", tiny_file("\"rill.format\":1"), Status::bad_json, "is not a string");
  add(t, "duplicate __metadata__", file("{\"__metadata__\":{},\"__metadata__\":{}}", {}), Status::bad_json,
      "duplicate __metadata__");
  add(t, "duplicate metadata key", tiny_file("\"a\":\"1\",\"a\":\"2\""), Status::bad_json, "duplicate metadata key a");
  add(t, "duplicate metadata key by escape", tiny_file("\"ab\":\"1\",\"a\\u0062\":\"2\""), Status::bad_json,
      "duplicate metadata key ab");

}

// Tensors
void hostile_tensors(Table& t) {
  add(t, "duplicate tensor", file("{" + kW0 + "," + kW0 + "," + kB0 + "}", ramp(8)), Status::bad_tensor,
      "duplicate tensor layers.0.weight");
  add(t, "F16 dtype", file("{" + entry("layers.0.weight", "2,3", 0, 12, "F16") + "," + entry("layers.0.bias", "2", 12, 20) + "}",
                        ramp(5)),
      Status::unsupported_dtype, "unsupported dtype F16 (rill reads F32)");
  add(t, "I32 dtype", file("{" + kW0 + "," + entry("layers.0.bias", "2", 24, 32, "I32") + "}", ramp(8)),
      Status::unsupported_dtype, "unsupported dtype I32 (rill reads F32)");
  add(t, "unknown dtype", file("{" + entry("layers.0.weight", "2,3", 0, 24, "Q4_K") + "," + kB0 + "}", ramp(8)),
      Status::unsupported_dtype, "unsupported dtype Q4_K");
  add(t, "unknown dtype of a rill. extra", file("{" + entry("rill.x", "1", 32, 33, "Q4") + "," + kW0 + "," + kB0 + "}", ramp(8)),
      Status::unsupported_dtype, "unsupported dtype Q4");
  add(t, "rank-3 weight", file("{" + entry("layers.0.weight", "2,3,1", 0, 24) + "," + kB0 + "}", ramp(8)),
      Status::bad_shape, "rank 3");
  add(t, "rank-2 bias", file("{" + kW0 + "," + entry("layers.0.bias", "2,1", 24, 32) + "}", ramp(8)), Status::bad_shape,
      "rank 2");
  add(t, "rank-0 bias", file("{" + kW0 + "," + entry("layers.0.bias", "", 24, 28) + "}", ramp(7)), Status::bad_shape,
      "rank 0");
  add(t, "negative dimension", file("{" + entry("layers.0.weight", "-2,-3", 0, 24) + "," + kB0 + "}", ramp(8)),
      Status::bad_shape, "negative dimension");
  add(t, "dimension product overflows",
      file("{" + entry("layers.0.weight", "4294967296,4294967296", 0, 24) + "," + kB0 + "}", ramp(8)),
      Status::bad_shape, "too large");
  add(t, "byte size overflows", file("{" + entry("layers.0.weight", "4611686018427387904,1", 0, 24) + "," + kB0 + "}", ramp(8)),
      Status::bad_shape, "too large");
  add(t, "dimension beyond u64",
      file("{" + entry("layers.0.weight", "99999999999999999999999,0", 0, 0) + "," + kB0 + "}", ramp(8)),
      Status::bad_shape, "too large");
  add(t, "weight without bias", file("{" + kW0 + "}", ramp(6)), Status::bad_tensor,
      "layers.0.weight has no matching layers.0.bias");
  add(t, "bias without weight", file("{" + entry("layers.0.bias", "2", 0, 8) + "}", ramp(2)), Status::bad_tensor,
      "layers.0.bias has no matching layers.0.weight");
  add(t, "unknown tensor name", file("{" + kW0 + "," + kB0 + "," + entry("optimizer.state", "1", 32, 36) + "}", ramp(9)),
      Status::bad_tensor, "unexpected tensor optimizer.state");
  add(t, "weight without index", file("{" + entry("encoder.weight", "2,3", 0, 24) + "}", ramp(6)), Status::bad_tensor,
      "unexpected tensor encoder.weight");
  add(t, "index with a leading zero", file("{" + entry("net.01.weight", "2,3", 0, 24) + "}", ramp(6)), Status::bad_tensor,
      "unexpected tensor net.01.weight");
  add(t, "mixed prefixes", file("{" + entry("net.0.weight", "2,3", 0, 24) + "," + entry("model.0.bias", "2", 24, 32) + "}", ramp(8)),
      Status::bad_tensor, "prefix \"net.\"");
  add(t, "no tensors", file("{}", {}), Status::bad_tensor, "no layer tensors");
  add(t, "only rill. tensors", file("{" + entry("rill.x", "2", 0, 8) + "}", ramp(2)), Status::bad_tensor, "no layer tensors");
  {
    std::string many = "{";
    for (int i = 0; i <= kMaxTensors; ++i) many += (i ? "," : "") + entry("rill.t" + std::to_string(i), "0", 0, 0);
    add(t, "65 tensors", file(many + "}", {}), Status::bad_tensor, "more than 64 tensors");
    std::string meta = "{\"__metadata__\":{";
    for (int i = 0; i <= kMaxMetadata; ++i) meta += std::string(i ? "," : "") + "\"k" + std::to_string(i) + "\":\"v\"";
    add(t, "65 metadata entries", file(meta + "}}", {}), Status::bad_metadata, "more than 64 metadata entries");
    std::string deep = "{";
    std::size_t off = 0;
    for (int i = 0; i <= kMaxLayers; ++i) {
      deep += (i ? "," : "") + entry("l" + std::to_string(i) + ".weight", "2,2", off, off + 16);
      deep += "," + entry("l" + std::to_string(i) + ".bias", "2", off + 16, off + 24);
      off += 24;
    }
    add(t, "17 layers", file(deep + "}", ramp(off / 4)), Status::bad_shape, "more than 16 linear layers");
  }

}

// Offsets
void hostile_offsets(Table& t) {
  add(t, "offsets past the end", file("{" + kW0 + "," + entry("layers.0.bias", "2", 1000, 1008) + "}", ramp(8)),
      Status::bad_offsets, "past the end");
  add(t, "offsets overlap", file("{" + entry("layers.0.weight", "2,3", 0, 24) + "," + entry("layers.0.bias", "2", 16, 24) + "}", ramp(8)),
      Status::bad_offsets, "overlap");
  add(t, "gap between tensors", file("{" + kW0 + "," + entry("layers.0.bias", "2", 28, 36) + "}", ramp(9)),
      Status::bad_offsets, "gap in the data buffer: bytes 24..28");
  add(t, "gap at the start", file("{" + entry("layers.0.weight", "2,3", 4, 28) + "," + entry("layers.0.bias", "2", 28, 36) + "}", ramp(9)),
      Status::bad_offsets, "gap in the data buffer: bytes 0..4");
  add(t, "size mismatch", file("{" + entry("layers.0.weight", "2,3", 0, 20) + "," + entry("layers.0.bias", "2", 20, 28) + "}", ramp(7)),
      Status::bad_offsets, "needs 24 bytes");
  add(t, "begin after end", file("{" + entry("layers.0.weight", "2,3", 24, 0) + "," + kB0 + "}", ramp(8)),
      Status::bad_offsets, "begin after end");
  add(t, "three offsets", file("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24,32]}," + kB0 + "}", ramp(8)),
      Status::bad_offsets, "must be [begin, end]");
  add(t, "negative offset", file("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[-24,0]}," + kB0 + "}", ramp(8)),
      Status::bad_offsets, "not offsets");
  add(t, "offset beyond u64", file("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[18446744073709551616,18446744073709551640]}," + kB0 + "}", ramp(8)),
      Status::bad_offsets, "not offsets");
  add(t, "offsets near u64 max",
      file("{" + entry("layers.0.weight", "2,3", 18446744073709551584ull, 18446744073709551608ull) + "," + kB0 + "}", ramp(8)),
      Status::bad_offsets, "past the end");
  add(t, "unused bytes after the tensors", file(kGood, ramp(9)), Status::bad_offsets, "4 bytes at the end");
  add(t, "truncated data buffer", file(kGood, ramp(7)), Status::truncated, "need 32 bytes of data, it has 28");
  add(t, "no data at all", file(kGood, {}), Status::truncated, "it has 0");

}

// Shapes
void hostile_shapes(Table& t) {
  add(t, "shapes do not chain",
      file("{" + entry("net.0.weight", "4,3", 0, 48) + "," + entry("net.0.bias", "4", 48, 64) + "," +
               entry("net.2.weight", "2,5", 64, 104) + "," + entry("net.2.bias", "2", 104, 112) + "}", ramp(28)),
      Status::bad_shape, "layer 1: net.2.weight takes 5 inputs but net.0.weight gives 4 outputs");
  add(t, "bias length differs from weight rows", file("{" + kW0 + "," + entry("layers.0.bias", "3", 24, 36) + "}", ramp(9)),
      Status::bad_shape, "layers.0.bias has 3 values but layers.0.weight has 2 rows");
  add(t, "zero-size layer", file("{" + entry("layers.0.weight", "0,3", 0, 0) + "," + entry("layers.0.bias", "0", 0, 0) + "}", {}),
      Status::bad_shape, "[0, 3]");
  add(t, "layer wider than 65536",
      file("{" + entry("layers.0.weight", "70000,1", 0, 280000) + "," + entry("layers.0.bias", "70000", 280000, 560000) + "}",
           std::vector<float>(140000, 0.0f)),
      Status::bad_shape, "[70000, 1]");
  add(t, "last layer out differs from dim", tiny_file(kMeta1 + ",\"dim\":\"3\""), Status::bad_shape,
      "layers.0.weight gives 2 outputs; the data dimension (dim) is 3");
  add(t, "first layer input differs from d + time features", tiny_file(kMeta1 + ",\"time_embedding\":\"sin:2\""),
      Status::bad_shape, "takes 3 inputs; dimension 2 + 4 time features needs 6");
  add(t, "raw time needs d + 1 inputs", file("{" + entry("layers.0.weight", "2,2", 0, 16) + "," + entry("layers.0.bias", "2", 16, 24) + "}", ramp(6)),
      Status::bad_shape, "dimension 2 + 1 time features needs 3");

}

// Values
void hostile_values(Table& t) {
  {
    std::vector<float> d = ramp(8);
    d[4] = std::numeric_limits<float>::quiet_NaN();
    add(t, "NaN weight", file(kGood, d), Status::non_finite, "layers.0.weight contains NaN (element 4)");
    d = ramp(8);
    d[7] = std::numeric_limits<float>::infinity();
    add(t, "Inf bias", file(kGood, d), Status::non_finite, "layers.0.bias contains Inf (element 1)");
    d = ramp(8);
    d[0] = -std::numeric_limits<float>::infinity();
    add(t, "-Inf weight", file(kGood, d), Status::non_finite, "contains Inf (element 0)");
  }

}

// Metadata
void hostile_metadata(Table& t) {
  add(t, "rill.format 2", tiny_file("\"rill.format\":\"2\""), Status::bad_metadata, "rill.format 2 is not supported");
  add(t, "rill.format 1.0", tiny_file("\"rill.format\":\"1.0\""), Status::bad_metadata, "rill.format 1.0");
  add(t, "unknown activation", tiny_file(kMeta1 + ",\"activation\":\"swish\""), Status::bad_metadata,
      "unknown activation swish");
  add(t, "sin:0", tiny_file(kMeta1 + ",\"time_embedding\":\"sin:0\""), Status::bad_metadata, "sin:0: K must be");
  add(t, "sin:99", tiny_file(kMeta1 + ",\"time_embedding\":\"sin:99\""), Status::bad_metadata, "sin:99: K must be");
  add(t, "sin:", tiny_file(kMeta1 + ",\"time_embedding\":\"sin:\""), Status::bad_metadata, "unknown time_embedding sin:");
  add(t, "fourier time", tiny_file(kMeta1 + ",\"time_embedding\":\"fourier\""), Status::bad_metadata,
      "unknown time_embedding fourier");
  add(t, "sigma_min not a number", tiny_file(kMeta1 + ",\"sigma_min\":\"abc\""), Status::bad_metadata, "sigma_min abc");
  add(t, "sigma_min 1", tiny_file(kMeta1 + ",\"sigma_min\":\"1\""), Status::bad_metadata, "sigma_min 1 is not");
  add(t, "sigma_min rounds to 1", tiny_file(kMeta1 + ",\"sigma_min\":\"0.99999999\""), Status::bad_metadata, "sigma_min");
  add(t, "sigma_min negative", tiny_file(kMeta1 + ",\"sigma_min\":\"-0.1\""), Status::bad_metadata, "sigma_min -0.1");
  add(t, "sigma_min nan", tiny_file(kMeta1 + ",\"sigma_min\":\"nan\""), Status::bad_metadata, "sigma_min nan");
  add(t, "sigma_min with a space", tiny_file(kMeta1 + ",\"sigma_min\":\" 0.1\""), Status::bad_metadata, "sigma_min");
  add(t, "sigma_min huge", tiny_file(kMeta1 + ",\"sigma_min\":\"1e999999999999\""), Status::bad_metadata, "sigma_min");
  add(t, "sigma_min very long", tiny_file(kMeta1 + ",\"sigma_min\":\"0." + std::string(100, '1') + "\""),
      Status::bad_metadata, "sigma_min");
  add(t, "dim 0", tiny_file(kMeta1 + ",\"dim\":\"0\""), Status::bad_metadata, "dim 0 is not");
  add(t, "dim not a number", tiny_file(kMeta1 + ",\"dim\":\"two\""), Status::bad_metadata, "dim two");
  add(t, "dim with leading zero", tiny_file(kMeta1 + ",\"dim\":\"02\""), Status::bad_metadata, "dim 02");
  add(t, "dim huge", tiny_file(kMeta1 + ",\"dim\":\"99999999999\""), Status::bad_metadata, "dim 99999999999");
  add(t, "path vp", tiny_file(kMeta1 + ",\"path\":\"vp\""), Status::bad_metadata, "path vp is not supported");
}

std::vector<Hostile> hostile_files() {
  Table t;
  hostile_framing(t);
  hostile_json(t);
  hostile_tensors(t);
  hostile_offsets(t);
  hostile_shapes(t);
  hostile_values(t);
  hostile_metadata(t);
  return t;
}

}  // namespace

TEST_CASE("model_io: damaged and hostile files give their Status, never a crash") {
  const std::vector<Hostile> table = hostile_files();
  CHECK(table.size() >= 30);
  for (const Hostile& h : table) {
    for (std::size_t mis : {0, 1}) {
      Placed placed(h.bytes, mis);
      std::vector<unsigned char> mem(1 << 16);
      Arena arena(mem.data(), mem.size());
      const Loaded r = load_bytes(h.bytes.empty() ? nullptr : placed.p, placed.n, &arena);
      INFO(std::string(h.name), " (misaligned by ", mis, "): ", std::string(status_name(r.status)), ": ", r.msg);
      CHECK(r.status == h.status);
      CHECK(r.msg.find(h.message) != std::string::npos);
      CHECK(r.model.mlp.spec.n_layers == 0);
      CHECK(r.model.header == nullptr);
      CHECK(arena.used() == 0);
    }
  }
}

TEST_CASE("model_io: every prefix and every byte flip of a valid file is handled") {
  const MlpSpec spec = MlpSpec::make(2, 3, 1, Activation::tanh, TimeEmbedding{1});
  std::vector<float> block = weights_for(spec, 3);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(block.data());
  const KeyValue extra[] = {{"dataset", "8gaussians"}};
  const Bytes b = write_model(mlp, 0.05f, extra, 1);
  std::vector<unsigned char> mem(1 << 14);
  for (std::size_t n = 0; n < b.size(); ++n) {
    Bytes prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    Placed placed(prefix, n % 2);
    Arena arena(mem.data(), mem.size());
    const Loaded r = load_bytes(n == 0 ? nullptr : placed.p, n, &arena);
    INFO("prefix of ", n, " bytes: ", r.msg);
    CHECK(r.status != Status::ok);
  }
  int ok = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    for (unsigned char x : {0x01, 0x80, 0xFF, 0x20}) {
      Bytes m = b;
      m[i] = static_cast<unsigned char>(m[i] ^ x);
      Placed placed(m, i % 2);
      Arena arena(mem.data(), mem.size());
      const Loaded r = load_bytes(placed.p, placed.n, &arena);
      if (r.status == Status::ok) {
        ++ok;
        // Whatever loads is a valid model.
        CHECK(r.model.mlp.spec.validate(nullptr) == Status::ok);
        const std::size_t size = model_file_size(r.model.mlp, r.model.sigma_min, nullptr, 0);
        CHECK(size > 0);
      } else {
        CHECK(!r.msg.empty());
      }
    }
  }
  CHECK(ok > 0);  // flips in the weights, in metadata text, in padding
}

// ---------------------------------------------------------------------------
// Numbers

TEST_CASE("decimal_to_float matches strtof, including halfway cases") {
  const char* cases[] = {"0", "1", "0.1", "0.2", "0.3", "1e-45", "1.4e-45", "7e-46", "7.1e-46", "7.006492321624085e-46",
                         "7.006492321624086e-46", "1.17549435e-38", "1.1754942e-38", "3.4028235e38", "3.40282356e38",
                         "3.4028236e38", "1e39", "1e38", "123456789", "16777217", "16777219", "0.000001",
                         "9.999999e-1", "0.99999997", "0.99999998", "2.5", "1e-10", "4.9e-324", "33554431",
                         "1.00000005960464477539062", "1.000000059604644775390625", "1.00000005960464477539063",
                         "0.1000000000000000000000000000000000000000000000001", "12345678901234567890123456789012345678901234567890e-50",
                         "000000000000000000000000.5", "0.000000000000000000000000000000000000000000000000000001e60",
                         "-0", "-2.5e-3", "+7", "5.", ".5", "1E+2"};
  for (const char* s : cases) {
    float got = -1.0f;
    REQUIRE(decimal_to_float(s, std::strlen(s), &got));
    const float want = std::strtof(s, nullptr);
    INFO(s, " -> ", got, " want ", want);
    CHECK(bits_of(got) == bits_of(want));
  }
  const char* bad[] = {"", "-", ".", "e5", "1e", "1e+", "nan", "inf", "0x1p3", " 1", "1 ", "1..2", "1e5.5", "--1", "1,5"};
  for (const char* s : bad) {
    float f;
    INFO("'", s, "'");
    CHECK(!decimal_to_float(s, std::strlen(s), &f));
  }
  // Exact midpoints between neighbouring floats round to even; a hair above rounds up.
  std::uint32_t state = 99;
  for (int i = 0; i < 20000; ++i) {
    state = state * 1664525u + 1013904223u;
    const std::uint32_t b = state & 0x7F7FFFFEu;
    const double lo = static_cast<double>(float_of(b));
    const double hi = static_cast<double>(float_of(b + 1));
    char buf[256];
    std::snprintf(buf, sizeof buf, "%.130e", (lo + hi) / 2);  // exact in double, and in 131 digits
    float got;
    REQUIRE(decimal_to_float(buf, std::strlen(buf), &got));
    INFO(buf);
    CHECK(bits_of(got) == bits_of(std::strtof(buf, nullptr)));
    CHECK((bits_of(got) & 1u) == 0);  // a tie goes to even
    // The same midpoint with a 1 in the 150th digit: just above, so it rounds up.
    std::string above(buf);
    const std::size_t e = above.find('e');
    above.insert(e, std::string(18, '0') + "1");
    REQUIRE(decimal_to_float(above.c_str(), above.size(), &got));
    CHECK(bits_of(got) == bits_of(std::strtof(above.c_str(), nullptr)));
    CHECK(bits_of(got) == b + 1);
    std::snprintf(buf, sizeof buf, "%.17g", lo + (hi - lo) * 0.49999);
    REQUIRE(decimal_to_float(buf, std::strlen(buf), &got));
    CHECK(bits_of(got) == bits_of(std::strtof(buf, nullptr)));
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(float_of(state & 0xBFFFFFFFu)));
    REQUIRE(decimal_to_float(buf, std::strlen(buf), &got));
    CHECK(bits_of(got) == bits_of(std::strtof(buf, nullptr)));
  }
}

TEST_CASE("float_to_decimal gives the shortest round-trip decimal") {
  // Reference: the fewest digits p for which the p-digit decimal just below or
  // just above the exact value reads back as f (string arithmetic on the exact
  // expansion printf gives; independent of the code under test).
  auto shortest_digits = [](float f) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%.130e", static_cast<double>(f));  // exact
    std::string digits;
    const char* p = buf;
    for (; *p != 'e'; ++p)
      if (*p >= '0' && *p <= '9') digits += *p;
    const int exp10 = std::atoi(p + 1);
    for (int n = 1; n <= 9; ++n) {
      std::string lo = digits.substr(0, static_cast<std::size_t>(n));
      std::string hi = lo;
      int k = n - 1;
      while (k >= 0 && hi[static_cast<std::size_t>(k)] == '9') hi[static_cast<std::size_t>(k--)] = '0';
      int hexp = exp10;
      if (k < 0) {
        hi = "1" + hi.substr(0, static_cast<std::size_t>(n - 1));
        ++hexp;
      } else {
        ++hi[static_cast<std::size_t>(k)];
      }
      for (const auto& cand : {std::make_pair(lo, exp10), std::make_pair(hi, hexp)}) {
        const std::string s = cand.first.substr(0, 1) + "." + cand.first.substr(1) + "e" + std::to_string(cand.second);
        if (std::strtof(s.c_str(), nullptr) == f) return n;
      }
    }
    return 10;
  };
  auto digits_in = [](const char* s) {
    std::string m;
    for (const char* p = s; *p && *p != 'e'; ++p)
      if (*p >= '0' && *p <= '9') m += *p;
    const std::size_t a = m.find_first_not_of('0');
    if (a == std::string::npos) return 1;
    m = m.substr(a);
    while (m.size() > 1 && m.back() == '0') m.pop_back();
    return static_cast<int>(m.size());
  };
  std::vector<std::uint32_t> samples = {0x00000001u, 0x00000002u, 0x007FFFFFu, 0x00800000u, 0x7F7FFFFFu, 0x3F800000u,
                                        0x3F7FFFFFu, 0x3DCCCCCDu, 0x38D1B717u, 0x3727C5ACu, 0x4B800000u, 0x4B800001u,
                                        0x4E6E6B28u, 0x501502F9u};
  std::uint32_t state = 12345;
  for (int i = 0; i < 100000; ++i) {
    state = state * 1664525u + 1013904223u;
    samples.push_back(state & 0x7FFFFFFFu);
  }
  for (std::uint32_t i = 0; i < 254; ++i) samples.push_back(i << 23);  // powers of two
  for (std::uint32_t bits : samples) {
    const float f = float_of(bits);
    if (!std::isfinite(f)) continue;
    char out[16];
    const std::size_t n = float_to_decimal(f, out, sizeof out);
    INFO(bits, " -> ", out);
    REQUIRE(n > 0);
    CHECK(n == std::strlen(out));
    CHECK(bits_of(std::strtof(out, nullptr)) == bits);
    float back;
    CHECK(decimal_to_float(out, n, &back));
    CHECK(bits_of(back) == bits);
    CHECK(digits_in(out) == shortest_digits(f));
    char neg[16];
    CHECK(float_to_decimal(-f, neg, sizeof neg) == n + 1);
    CHECK(std::string(neg) == "-" + std::string(out));
  }
  char out[16];
  CHECK(float_to_decimal(0.001f, out, sizeof out) == 5);
  CHECK(std::string(out) == "0.001");
  float_to_decimal(1e-5f, out, sizeof out);
  CHECK(std::string(out) == "1e-05");
  float_to_decimal(0.0001f, out, sizeof out);
  CHECK(std::string(out) == "0.0001");
  float_to_decimal(0.0f, out, sizeof out);
  CHECK(std::string(out) == "0");
  float_to_decimal(123.5f, out, sizeof out);
  CHECK(std::string(out) == "123.5");
  float_to_decimal(1e9f, out, sizeof out);
  CHECK(std::string(out) == "1e+09");
  float_to_decimal(100000000.0f, out, sizeof out);
  CHECK(std::string(out) == "100000000");
  float_to_decimal(3.4028235e38f, out, sizeof out);
  CHECK(std::string(out) == "3.4028235e+38");
  float_to_decimal(float_of(1), out, sizeof out);
  CHECK(std::string(out) == "1e-45");
  float_to_decimal(-0.0001234f, out, sizeof out);
  CHECK(std::string(out) == "-0.0001234");
  float_to_decimal(std::numeric_limits<float>::infinity(), out, sizeof out);
  CHECK(std::string(out) == "inf");
  float_to_decimal(std::numeric_limits<float>::quiet_NaN(), out, sizeof out);
  CHECK(std::string(out) == "nan");
  CHECK(float_to_decimal(0.001f, out, 5) == 0);  // needs 6 with the terminator
  CHECK(float_to_decimal(0.001f, out, 6) == 5);
  // The longest outputs fit in 16 bytes.
  CHECK(float_to_decimal(-0.000123456789f, out, 16) > 0);
  CHECK(float_to_decimal(-1.17549421e-38f, out, 16) > 0);
}

TEST_CASE("time embedding names: raw and sin:K round-trip; anything else is refused") {
  char buf[16];
  for (int k = 0; k <= TimeEmbedding::kMaxK; ++k) {
    TimeEmbedding t, back;
    t.k = k;
    const std::size_t len = time_embedding_name(t, buf, sizeof buf);
    CHECK(std::strlen(buf) == len);
    CHECK(std::string(buf) == (k == 0 ? std::string("raw") : "sin:" + std::to_string(k)));
    back.k = -1;
    CHECK(parse_time_embedding(buf, len, &back));
    CHECK(back.k == k);
  }
  for (const char* bad : {"", "raw ", "Raw", "sin", "sin:", "sin:0", "sin:13", "sin:04", "sin:1x", "sin:-1",
                          "sin:99999999999", "fourier"}) {
    TimeEmbedding t;
    t.k = 7;
    INFO(bad);
    CHECK_FALSE(parse_time_embedding(bad, std::strlen(bad), &t));
    CHECK(t.k == 7);  // untouched
  }
  TimeEmbedding t;
  t.k = 12;
  CHECK(time_embedding_name(t, buf, 4) == 6);  // truncated, terminated
  CHECK(std::string(buf) == "sin");
}
