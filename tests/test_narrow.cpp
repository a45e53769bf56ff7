// Narrow weights (shared/spec/formats.md, "Weight dtypes"): the conversions
// against analytic answers, the loader's refusals, and the contract that a
// narrow file computes the bits of the same model converted to float32 first.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "rill/mlp.h"
#include "rill/model_io.h"
#include "rill/narrow.h"
#include "rill/rng.h"
#include "safetensors_files.h"

using namespace rill;
using st_files::Bytes;
using st_files::entry;
using st_files::file_raw;
using st_files::load_bytes;
using st_files::pad_json;

namespace {

std::uint32_t bits(float f) { return st_files::bits_of(f); }

// F16 h as a double by the definition: (-1)^s · m·2^-24 (e = 0) or (1024 + m)·2^(e - 25).
double f16_value(std::uint16_t h) {
  const int e = (h >> 10) & 31, m = h & 1023;
  const double v = e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
  return (h & 0x8000) ? -v : v;
}

MlpSpec small_spec() { return MlpSpec::make(2, 11, 2, Activation::silu, TimeEmbedding{2}); }

std::vector<float> small_weights(const MlpSpec& s, std::uint32_t seed) {
  std::vector<float> w(s.param_count());
  Rng rng(seed, 0);
  for (float& v : w) v = rng.uniform(-0.8f, 0.8f);
  return w;
}

Bytes write_as(const Mlp& mlp, WeightDtype d) {
  const std::size_t size = model_file_size(mlp, 0.0f, nullptr, 0, d);
  REQUIRE(size > 0);
  Bytes out(size);
  std::size_t written = 0;
  Message msg;
  REQUIRE(model_write(mlp, 0.0f, nullptr, 0, out.data(), out.size(), &written, &msg, d) == Status::ok);
  REQUIRE(written == size);
  return out;
}

std::vector<float> forward(const Mlp& mlp, int n) {
  std::vector<float> x(static_cast<std::size_t>(n) * 2), t(static_cast<std::size_t>(n)), out(x.size());
  for (int i = 0; i < n; ++i) {
    x[2 * i] = -1.5f + 0.37f * static_cast<float>(i);
    x[2 * i + 1] = 0.9f - 0.21f * static_cast<float>(i);
    t[i] = static_cast<float>(i) / static_cast<float>(n);
  }
  std::vector<unsigned char> scratch(mlp_forward_scratch(mlp.spec, n) + 256);
  Arena arena(scratch.data(), scratch.size());
  REQUIRE(mlp_forward(mlp, x.data(), 2, t.data(), true, n, out.data(), 2, arena) == Status::ok);
  return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (bits(a[i]) != bits(b[i])) return false;
  return true;
}

}  // namespace

TEST_CASE("f16_to_f32 is exact for every half, and f32_to_f16 round-trips every finite half") {
  int checked = 0;
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const std::uint16_t x = static_cast<std::uint16_t>(h);
    if ((x & 0x7C00) == 0x7C00) {
      CHECK(!std::isfinite(f16_to_f32(x)));
      continue;
    }
    const float f = f16_to_f32(x);
    REQUIRE(static_cast<double>(f) == f16_value(x));
    bool over = true;
    REQUIRE(f32_to_f16(f, &over) == x);
    REQUIRE(!over);
    ++checked;
  }
  CHECK(checked == 63488);
}

TEST_CASE("f32_to_f16 rounds to nearest even and refuses above 65504") {
  bool over = false;
  CHECK(f32_to_f16(1.0f + std::ldexp(1.0f, -11), &over) == 0x3C00);           // tie: to even (1)
  CHECK(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11), &over) == 0x3C02);       // tie: to even (1 + 2^-9)
  CHECK(f32_to_f16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20), &over) == 0x3C01);  // above the tie
  CHECK(f32_to_f16(std::ldexp(1.0f, -25), &over) == 0x0000);                   // half the smallest subnormal: even
  CHECK(f32_to_f16(std::ldexp(3.0f, -26), &over) == 0x0001);                   // 0.75 unit: up
  CHECK(f32_to_f16(-std::ldexp(1.0f, -24), &over) == 0x8001);
  CHECK(f32_to_f16(65504.0f, &over) == 0x7BFF);
  CHECK(!over);
  f32_to_f16(65505.0f, &over);
  CHECK(over);
}

TEST_CASE("bf16: exact widening, round to nearest even, overflow flagged") {
  bool over = false;
  CHECK(bf16_to_f32(0x3F80) == 1.0f);
  CHECK(bf16_to_f32(0xC040) == -3.0f);
  CHECK(f32_to_bf16(1.0f + std::ldexp(1.0f, -8), &over) == 0x3F80);      // tie: to even
  CHECK(f32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8), &over) == 0x3F82);  // tie: to even
  CHECK(!over);
  f32_to_bf16(3.4e38f, &over);
  CHECK(over);
}

TEST_CASE("I8: scale is max|W[j]|/127 and q rounds to nearest even") {
  const float W[8] = {127.0f, 2.5f, -3.5f, 0.5f, 0.0f, 0.0f, 0.0f, 0.0f};  // row 1 all zero: scale 0, q 0
  unsigned char q[8];
  unsigned char scale[8];
  REQUIRE(narrow_weights("w", WeightDtype::i8, W, 2, 4, q, scale, nullptr) == Status::ok);
  float s0, s1;
  std::memcpy(&s0, scale, 4);
  std::memcpy(&s1, scale + 4, 4);
  CHECK(s0 == 1.0f);
  CHECK(s1 == 0.0f);
  CHECK(static_cast<signed char>(q[0]) == 127);
  CHECK(static_cast<signed char>(q[1]) == 2);
  CHECK(static_cast<signed char>(q[2]) == -4);
  CHECK(static_cast<signed char>(q[3]) == 0);
  for (int k = 4; k < 8; ++k) CHECK(q[k] == 0);
}

TEST_CASE("a narrow file gives the bits of its float32 widening, in place and packed") {
  const MlpSpec spec = small_spec();
  std::vector<float> w = small_weights(spec, 7);
  Mlp src;
  src.spec = spec;
  src.bind(w.data());
  for (WeightDtype d : {WeightDtype::f16, WeightDtype::bf16, WeightDtype::i8}) {
    CAPTURE(weight_dtype_name(d));
    const Bytes file = write_as(src, d);
    std::vector<float> aligned(file.size() / 4 + 1);
    std::memcpy(aligned.data(), file.data(), file.size());
    Model m;
    Message msg;
    REQUIRE(model_load(aligned.data(), file.size(), nullptr, &m, &msg) == Status::ok);
    CHECK(m.dtype == d);
    CHECK(m.in_place);
    CHECK(m.format == 2);
    CHECK(m.mlp.weight[0] == nullptr);
    // The reference: the whole model widened to float32 first.
    std::vector<float> wide(spec.param_count());
    Mlp ref = m.mlp;
    mlp_widen(ref, wide.data());
    REQUIRE(ref.weight[0] == wide.data());
    const std::vector<float> expect = forward(ref, 9);
    CHECK(same_bits(forward(m.mlp, 9), expect));  // narrow, widened as it computes
    Mlp packed = m.mlp;
    std::vector<unsigned char> pack(mlp_pack_bytes(packed) + 64);
    Arena arena(pack.data(), pack.size());
    REQUIRE(mlp_pack(packed, arena) == Status::ok);
    CHECK(same_bits(forward(packed, 9), expect));
    // The widened weights are the conversion formats.md defines; the error is the dtype's.
    double worst = 0;
    for (std::size_t q = 0; q < wide.size(); ++q) worst = std::fmax(worst, std::fabs(double(wide[q]) - w[q]));
    CHECK(worst < (d == WeightDtype::f16 ? 3e-4 : d == WeightDtype::bf16 ? 2e-3 : 4e-3));
    CHECK(worst > 0);
  }
}

TEST_CASE("f32 writing is unchanged by the dtype parameter") {
  const MlpSpec spec = small_spec();
  std::vector<float> w = small_weights(spec, 3);
  Mlp src;
  src.spec = spec;
  src.bind(w.data());
  CHECK(write_as(src, WeightDtype::f32) == st_files::write_model(src, 0.0f));
}

TEST_CASE("convert refuses an F16 weight above 65504 before writing") {
  const MlpSpec spec = small_spec();
  std::vector<float> w = small_weights(spec, 5);
  w[spec.weight_offset(1) + 3] = 70000.0f;
  Mlp src;
  src.spec = spec;
  src.bind(w.data());
  CHECK(model_file_size(src, 0.0f, nullptr, 0, WeightDtype::f16) == 0);
  Bytes out(1 << 16);
  std::size_t written = 1;
  Message msg;
  CHECK(model_write(src, 0.0f, nullptr, 0, out.data(), out.size(), &written, &msg, WeightDtype::f16) ==
        Status::invalid_argument);
  CHECK(written == 0);
  CHECK(std::string(msg.text) == "layers.1.weight element 3 (70000) is outside the range of F16 (|x| <= 65504)");
  CHECK(model_file_size(src, 0.0f, nullptr, 0, WeightDtype::bf16) > 0);  // BF16 has float32's range
}

// ---------------------------------------------------------------------------
// Hostile narrow files: one layer [2, 3], d = 2, raw time.

namespace {

struct Tensor {
  std::string name, dtype, shape;
  Bytes data;
};

Bytes build(const std::vector<Tensor>& ts) {
  std::string json = "{";
  Bytes data;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    json += (i ? "," : "") + entry(ts[i].name, ts[i].shape, data.size(), data.size() + ts[i].data.size(), ts[i].dtype);
    data.insert(data.end(), ts[i].data.begin(), ts[i].data.end());
  }
  return file_raw(pad_json(json + "}", 8), data);
}

Bytes f32s(std::vector<float> v) { return st_files::as_bytes(v); }
Bytes halves(std::vector<std::uint16_t> v) {
  Bytes b;
  for (std::uint16_t h : v) {
    b.push_back(static_cast<unsigned char>(h & 0xFF));
    b.push_back(static_cast<unsigned char>(h >> 8));
  }
  return b;
}
Bytes i8s(std::vector<int> v) {
  Bytes b;
  for (int q : v) b.push_back(static_cast<unsigned char>(q & 0xFF));
  return b;
}

const Tensor kW8{"layers.0.weight", "I8", "2,3", i8s({1, -2, 3, 127, -127, 0})};
const Tensor kScale{"layers.0.weight_scale", "F32", "2", f32s({0.5f, 0.25f})};
const Tensor kBias{"layers.0.bias", "F32", "2", f32s({0.1f, -0.2f})};

std::string refusal(const Bytes& b, Status want) {
  std::vector<float> aligned(b.size() / 4 + 1);
  std::memcpy(aligned.data(), b.data(), b.size());
  const st_files::Loaded r = load_bytes(reinterpret_cast<const unsigned char*>(aligned.data()), b.size(), nullptr);
  CHECK(r.status == want);
  return r.msg;
}

}  // namespace

TEST_CASE("a valid I8 file loads and computes q·scale") {
  const Bytes b = build({kW8, kScale, kBias});
  std::vector<float> aligned(b.size() / 4 + 1);
  std::memcpy(aligned.data(), b.data(), b.size());
  const st_files::Loaded r = load_bytes(reinterpret_cast<const unsigned char*>(aligned.data()), b.size(), nullptr);
  INFO(r.msg);
  REQUIRE(r.status == Status::ok);
  CHECK(narrow_weight(r.model.mlp, 0, 0, 2) == 1.5f);
  CHECK(narrow_weight(r.model.mlp, 0, 1, 0) == 31.75f);
  CHECK(narrow_bias(r.model.mlp, 0, 1) == -0.2f);
}

TEST_CASE("the loader refuses narrow files the format does not allow, with the reason") {
  CHECK(refusal(build({kW8, kBias}), Status::bad_tensor) ==
        "layers.0.weight is I8 but the file has no layers.0.weight_scale");
  CHECK(refusal(build({kW8, {"layers.0.weight_scale", "F32", "3", f32s({1, 1, 1})}, kBias}), Status::bad_shape) ==
        "layers.0.weight_scale has 3 values but layers.0.weight has 2 rows");
  CHECK(refusal(build({kW8, {"layers.0.weight_scale", "F32", "2", f32s({1, NAN})}, kBias}), Status::non_finite) ==
        "layers.0.weight_scale contains NaN (element 1); a weight_scale is finite and >= 0");
  CHECK(refusal(build({kW8, {"layers.0.weight_scale", "F32", "2", f32s({INFINITY, 1})}, kBias}),
                Status::non_finite) == "layers.0.weight_scale contains Inf (element 0); a weight_scale is finite and >= 0");
  CHECK(refusal(build({kW8, {"layers.0.weight_scale", "F32", "2", f32s({1, -0.5f})}, kBias}), Status::bad_tensor) ==
        "layers.0.weight_scale is negative at element 1; a weight_scale is finite and >= 0");
  // A finite scale whose 127·scale overflows (found by the fuzzer: it widened to Inf); the largest that
  // does not is accepted.
  CHECK(refusal(build({kW8, {"layers.0.weight_scale", "F32", "2", f32s({1, 3e36f})}, kBias}), Status::bad_tensor) ==
        "layers.0.weight_scale is too large at element 1: 127 x scale overflows float32 (a scale is at most 2.68e36)");
  CHECK(refusal(build({kW8, {"layers.0.weight_scale", "F32", "2", f32s({1, 2.6e36f})}, kBias}), Status::ok) == "");
  CHECK(refusal(build({kW8, {"layers.0.weight_scale", "F16", "2", halves({0x3C00, 0x3C00})}, kBias}),
                Status::unsupported_dtype) == "layers.0.weight_scale is F16; a weight_scale is F32");
  CHECK(refusal(build({{"layers.0.weight", "I8", "2,3", i8s({1, -128, 3, 4, 5, 6})}, kScale, kBias}),
                Status::bad_tensor) == "layers.0.weight holds -128 (element 1); I8 weights are in [-127, 127]");
  CHECK(refusal(build({kW8, kScale, {"layers.0.bias", "I8", "2", i8s({1, 2})}}), Status::unsupported_dtype) ==
        "layers.0.bias is I8; with I8 weights a bias is F32");
  const Tensor w16{"layers.0.weight", "F16", "2,3", halves({0x3C00, 0, 0, 0, 0x3C00, 0})};
  CHECK(refusal(build({w16, {"layers.0.bias", "BF16", "2", halves({0, 0})}}), Status::unsupported_dtype) ==
        "layers.0.bias is BF16; with F16 weights a bias is F32 or F16");
  CHECK(refusal(build({w16, kScale, kBias}), Status::bad_tensor) ==
        "layers.0.weight_scale given but layers.0.weight is F16; a weight_scale goes with I8 weights");
  CHECK(refusal(build({{"layers.0.weight", "F16", "2,3", halves({0x3C00, 0x7E00, 0, 0, 0, 0})}, kBias}),
                Status::non_finite) == "layers.0.weight contains NaN (element 1)");
  CHECK(refusal(build({{"layers.0.weight", "BF16", "2,3", halves({0, 0, 0xFF80, 0, 0, 0})}, kBias}),
                Status::non_finite) == "layers.0.weight contains Inf (element 2)");
  CHECK(refusal(build({{"layers.0.weight", "F64", "2,3", Bytes(48)}, kBias}), Status::unsupported_dtype) ==
        "unsupported dtype F64 (rill reads F32, F16, BF16, I8): layers.0.weight");
  CHECK(refusal(build({kScale, kBias}), Status::bad_tensor) ==
        "layers.0.bias has no matching layers.0.weight");
  CHECK(refusal(build({kScale}), Status::bad_tensor) == "layers.0.weight_scale has no matching layers.0.weight");
}

TEST_CASE("one weight dtype and one bias dtype per file") {
  // Two layers: 3 -> 2 -> 2 (d = 2, raw time); layer 1 in another dtype.
  const Tensor w0{"layers.0.weight", "F16", "2,3", halves({0x3C00, 0, 0, 0, 0x3C00, 0})};
  const Tensor b0{"layers.0.bias", "F16", "2", halves({0, 0})};
  const Tensor w1{"layers.1.weight", "BF16", "2,2", halves({0x3F80, 0, 0, 0x3F80})};
  const Tensor w1h{"layers.1.weight", "F16", "2,2", halves({0x3C00, 0, 0, 0x3C00})};
  const Tensor b1{"layers.1.bias", "F32", "2", f32s({0, 0})};
  const Tensor b1h{"layers.1.bias", "F16", "2", halves({0, 0})};
  CHECK(refusal(build({w0, b0, w1, b1h}), Status::unsupported_dtype) ==
        "layers.1.weight is BF16 but layers.0.weight is F16: one weight dtype per file");
  CHECK(refusal(build({w0, b0, w1h, b1}), Status::unsupported_dtype) ==
        "layers.1.bias is F32 but the first layer's bias is F16: one bias dtype per file");
  const Bytes ok = build({w0, b0, w1h, b1h});
  std::vector<float> aligned(ok.size() / 4 + 1);
  std::memcpy(aligned.data(), ok.data(), ok.size());
  CHECK(load_bytes(reinterpret_cast<const unsigned char*>(aligned.data()), ok.size(), nullptr).status == Status::ok);
}
