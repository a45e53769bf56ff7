// Tests for model_io (safetensors read/write of rill models; files on disk:
// test_model_file.cpp). Damaged and hostile files: test_model_io_hostile.cpp; the
// JSON header and the reference implementation's cases: test_safetensors_header.cpp;
// numbers: test_decimal.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "rill/datasets.h"
#include "rill/model_io.h"
#include "rill/rng.h"
#include "safetensors_files.h"

using namespace rill;
using namespace st_files;

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

// ---------------------------------------------------------------------------
// Conditions and sources (formats.md: rill.format 2)

TEST_CASE("model_io: a class-conditioned model with class names and a source round-trips as rill.format 2") {
  MlpSpec spec = MlpSpec::make(2, 8, 2, Activation::silu, TimeEmbedding{2}, ConditionSpec::classes(3));
  CHECK(spec.sizes[0] == 2 + 4 + 3);
  std::vector<float> params(spec.param_count());
  Rng rng(1, 1);
  mlp_init(spec, params.data(), rng);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  const KeyValue extra[] = {{"class_names", "red,green,blue"}, {"source", "8gaussians"}, {"dataset", "moons"}};
  std::vector<unsigned char> bytes(model_file_size(mlp, 0.0f, extra, 3));
  REQUIRE(!bytes.empty());
  std::size_t written = 0;
  Message msg;
  REQUIRE(model_write(mlp, 0.0f, extra, 3, bytes.data(), bytes.size(), &written, &msg) == Status::ok);
  Model m;
  REQUIRE(model_load(bytes.data(), bytes.size(), nullptr, &m, &msg) == Status::ok);
  CHECK(m.format == 2);
  CHECK(m.mlp.spec.condition.kind == ConditionSpec::Kind::cls);
  CHECK(m.mlp.spec.condition.count == 3);
  CHECK(m.source == static_cast<int>(Dataset::eight_gaussians));
  char v[64];
  REQUIRE(model_metadata(m, "rill.format", v, sizeof v));
  CHECK(std::string(v) == "2");
  REQUIRE(model_metadata(m, "condition", v, sizeof v));
  CHECK(std::string(v) == "class:3");
  REQUIRE(model_metadata(m, "class_names", v, sizeof v));
  CHECK(std::string(v) == "red,green,blue");
  for (int i = 0; i < spec.n_layers; ++i)
    CHECK(std::memcmp(m.mlp.weight[i], mlp.weight[i], sizeof(float) * spec.sizes[i] * spec.sizes[i + 1]) == 0);
}

TEST_CASE("model_io: a vector condition, and a plain model stays rill.format 1 with no condition key") {
  MlpSpec spec = MlpSpec::make(2, 8, 1, Activation::relu, TimeEmbedding{}, ConditionSpec::vector(1));
  CHECK(spec.sizes[0] == 2 + 1 + 2);  // s, then the 1
  std::vector<float> params(spec.param_count(), 0.25f);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  std::vector<unsigned char> bytes(model_file_size(mlp, 0.0f, nullptr, 0));
  std::size_t written = 0;
  REQUIRE(model_write(mlp, 0.0f, nullptr, 0, bytes.data(), bytes.size(), &written, nullptr) == Status::ok);
  Model m;
  REQUIRE(model_load(bytes.data(), bytes.size(), nullptr, &m, nullptr) == Status::ok);
  CHECK(m.mlp.spec.condition.kind == ConditionSpec::Kind::vector);
  CHECK(m.mlp.spec.condition.count == 1);
  CHECK(m.source == -1);

  MlpSpec plain = MlpSpec::make(2, 8, 1);
  std::vector<float> p2(plain.param_count(), 0.5f);
  Mlp m2;
  m2.spec = plain;
  m2.bind(p2.data());
  std::vector<unsigned char> b2(model_file_size(m2, 0.0f, nullptr, 0));
  REQUIRE(model_write(m2, 0.0f, nullptr, 0, b2.data(), b2.size(), &written, nullptr) == Status::ok);
  const std::string text(b2.begin(), b2.end());
  CHECK(text.find("\"rill.format\":\"1\"") != std::string::npos);
  CHECK(text.find("condition") == std::string::npos);
  const KeyValue gauss[] = {{"source", "gaussian"}};  // the default source keeps format 1
  std::vector<unsigned char> b3(model_file_size(m2, 0.0f, gauss, 1));
  REQUIRE(model_write(m2, 0.0f, gauss, 1, b3.data(), b3.size(), &written, nullptr) == Status::ok);
  CHECK(std::string(b3.begin(), b3.end()).find("\"rill.format\":\"1\"") != std::string::npos);
}

TEST_CASE("model_io: in a format-1 file, source and class_names are free text, as before format 2") {
  const Bytes f = tiny_file("\"rill.format\":\"1\",\"source\":\"my lab\",\"class_names\":\"\"");
  Model m;
  Message msg;
  REQUIRE(model_load(f.data(), f.size(), nullptr, &m, &msg) == Status::ok);
  CHECK(m.source == -1);
  CHECK(m.format == 1);
}

TEST_CASE("model_io: model_write refuses class names that do not fit, and unknown sources") {
  MlpSpec spec = MlpSpec::make(2, 4, 1, Activation::silu, TimeEmbedding{}, ConditionSpec::classes(2));
  std::vector<float> params(spec.param_count(), 0.1f);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(params.data());
  struct Case {
    KeyValue kv;
    const char* reason;
  } cases[] = {{{"class_names", "a,b,c"}, "class_names has 3 names; the condition has 2 classes"},
               {{"class_names", "a,"}, "class_names holds an empty name"},
               {{"source", "mnist"}, "unknown source mnist"},
               {{"condition", "class:2"}, "one rill writes itself"}};
  for (const Case& c : cases) {
    INFO(c.kv.key << "=" << c.kv.value);
    Message msg;
    std::vector<unsigned char> out(4096);
    std::size_t written = 0;
    CHECK(model_file_size(mlp, 0.0f, &c.kv, 1) == 0);
    CHECK(model_write(mlp, 0.0f, &c.kv, 1, out.data(), out.size(), &written, &msg) == Status::invalid_argument);
    CHECK(std::string(msg.text).find(c.reason) != std::string::npos);
  }
}
