// model_load on damaged and hostile files: every one gives its own Status and
// a Message naming the problem, never a crash, and leaves nothing behind.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "rill/model_io.h"
#include "safetensors_files.h"

using namespace rill;
using namespace st_files;

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
  {  // a text file: its first 8 bytes read as a length far past the file, which the message points out
    const std::string text = "x,y\n0.5,1.25\n-0.75,2\n";
    add(t, "a text file", Bytes(text.begin(), text.end()), Status::bad_header, "limit (not a safetensors file?)");
  }
  add(t, "header length cut short", with_len(kGood.size() - 1, kGood), Status::bad_json, "");

}

// JSON syntax
void hostile_json(Table& t) {
  add(t, "header not JSON", file("hello, world", {}), Status::bad_json, "not a JSON object");
  add(t, "non-object header", file("[1,2,3]", {}), Status::bad_json, "not a JSON object");
  // JSON whitespace before the object is accepted (test_safetensors_header.cpp); nothing else is.
  add(t, "leading vertical tab", file("\v" + kGood, ramp(8)), Status::bad_json, "not a JSON object");
  add(t, "leading form feed", file("\f" + kGood, ramp(8)), Status::bad_json, "not a JSON object");
  add(t, "leading NUL", file(std::string(1, '\0') + kGood, ramp(8)), Status::bad_json, "not a JSON object");
  add(t, "leading no-break space", file("\xC2\xA0" + kGood, ramp(8)), Status::bad_json, "not a JSON object");
  add(t, "leading byte order mark", file("\xEF\xBB\xBF" + kGood, ramp(8)), Status::bad_json, "not a JSON object");
  add(t, "only whitespace", file(" \t\r\n", {}), Status::bad_json, "not a JSON object");
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
  add(t, "F64 dtype", file("{" + entry("layers.0.weight", "2,3", 0, 48, "F64") + "," + entry("layers.0.bias", "2", 48, 56) + "}",
                        ramp(14)),
      Status::unsupported_dtype, "unsupported dtype F64 (rill reads F32, F16, BF16, I8): layers.0.weight");
  add(t, "F16 weights with a BF16 bias", file("{" + entry("layers.0.weight", "2,3", 0, 12, "F16") + "," +
                                              entry("layers.0.bias", "2", 12, 16, "BF16") + "}", ramp(4)),
      Status::unsupported_dtype, "layers.0.bias is BF16; with F16 weights a bias is F32 or F16");
  add(t, "I32 dtype", file("{" + kW0 + "," + entry("layers.0.bias", "2", 24, 32, "I32") + "}", ramp(8)),
      Status::unsupported_dtype, "unsupported dtype I32 (rill reads F32, F16, BF16, I8)");
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
  add(t, "rill.format 3", tiny_file("\"rill.format\":\"3\""), Status::bad_metadata,
      "model format 3 is newer than this rill (reads 1 and 2)");
  add(t, "rill.format 0", tiny_file("\"rill.format\":\"0\""), Status::bad_metadata, "rill.format 0 is not a format");
  const std::string meta2 = "\"rill.format\":\"2\"";
  add(t, "condition in format 1", tiny_file(kMeta1 + ",\"condition\":\"class:2\""), Status::bad_metadata,
      "a model with a condition is rill.format 2, not 1");
  add(t, "condition class:0", tiny_file(meta2 + ",\"condition\":\"class:0\""), Status::bad_metadata,
      "unknown condition class:0");
  add(t, "condition colour:2", tiny_file(meta2 + ",\"condition\":\"colour:2\""), Status::bad_metadata,
      "unknown condition colour:2");
  add(t, "condition without its inputs", tiny_file(meta2 + ",\"condition\":\"class:2\""), Status::bad_shape,
      "dimension 2 + 1 time features + 2 condition features needs 5");
  add(t, "vector condition without its inputs", tiny_file(meta2 + ",\"condition\":\"vector:1\""), Status::bad_shape,
      "+ 2 condition features needs 5");
  add(t, "unknown source", tiny_file(meta2 + ",\"source\":\"mnist\""), Status::bad_metadata, "unknown source mnist");
  add(t, "class_names without classes", tiny_file(meta2 + ",\"class_names\":\"a,b\""), Status::bad_metadata,
      "class_names given for a model without a class condition");
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
