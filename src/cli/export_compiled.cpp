// `rill export-c --compiled`: a validated model as const C data for
// rill_model_init_compiled and the lean rill_compiled_sample_* (rill.h): one
// const array per weight, bias and I8 scale (F32 as floats; F16, BF16 and I8
// weights as the file's little-endian bytes, so narrow models stay narrow in
// flash), and a rill_compiled_model struct of shapes, encodings, pointers and
// a checksum, computed here by the core's own rill_compiled_checksum. The
// firmware then links no parser. Floats are written with 9 significant
// digits, which read back as the same float bits (the golden test compares
// the samples of the compiled model with the file's).
#include "cli/export_compiled.h"

#include <cstring>
#include <string>
#include <vector>

#include "cli/describe.h"
#include "rill/narrow.h"
#include "rill/rill.h"

namespace cli {

namespace {

// A float literal that reads back as exactly x (finite: the loader checked).
std::string literal(float x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(x));
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

void write_array(std::FILE* f, const std::string& name, const float* p, std::size_t n) {
  std::fprintf(f, "static const float %s[%zu] = {\n", name.c_str(), n);
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 8 == 0) std::fputs("  ", f);
    std::fprintf(f, "%s,", literal(p[i]).c_str());
    std::fputc(i % 8 == 7 || i + 1 == n ? '\n' : ' ', f);
  }
  std::fputs("};\n", f);
}

// Little-endian F32 values at any alignment (a narrow file's biases and scales).
void write_floats_at(std::FILE* f, const std::string& name, const unsigned char* p, std::size_t n) {
  std::vector<float> v(n);
  if (n > 0) std::memcpy(v.data(), p, 4 * n);
  write_array(f, name, v.data(), n);
}

void write_bytes(std::FILE* f, const std::string& name, const unsigned char* p, std::size_t n) {
  std::fprintf(f, "static const unsigned char %s[%zu] = {\n", name.c_str(), n);
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 16 == 0) std::fputs("  ", f);
    std::fprintf(f, "0x%02x,", p[i]);
    std::fputc(i % 16 == 15 || i + 1 == n ? '\n' : ' ', f);
  }
  std::fputs("};\n", f);
}

// The arrays of layer i as the compiled struct `c` points to them: NAME_wI, NAME_bI and (I8) NAME_sI.
void write_layer(std::FILE* f, const rill_compiled_model& c, int i, const std::string& name) {
  const std::size_t out = static_cast<std::size_t>(c.sizes[i + 1]), in = static_cast<std::size_t>(c.sizes[i]);
  const std::string at = std::to_string(i);
  const auto bytes = [](const void* p) { return static_cast<const unsigned char*>(p); };
  switch (c.dtype) {
    case RILL_F32:  // floats of the model or of CompiledArrays: aligned
      write_array(f, name + "_w" + at, static_cast<const float*>(c.weight[i]), out * in);
      write_array(f, name + "_b" + at, static_cast<const float*>(c.bias[i]), out);
      return;
    case RILL_I8:
      write_bytes(f, name + "_w" + at, bytes(c.weight[i]), out * in);
      write_floats_at(f, name + "_b" + at, bytes(c.bias[i]), out);
      write_floats_at(f, name + "_s" + at, reinterpret_cast<const unsigned char*>(c.scale[i]), out);
      return;
    default:  // F16, BF16: weights and biases as little-endian halves
      write_bytes(f, name + "_w" + at, bytes(c.weight[i]), out * in * 2);
      write_bytes(f, name + "_b" + at, bytes(c.bias[i]), out * 2);
  }
}

// F16/BF16 weights with F32 biases (see CompiledArrays): the biases narrowed if that is exact.
bool narrow_biases_exactly(const rill::Model& m, CompiledArrays* keep) {
  const rill::Mlp& mlp = m.mlp;
  const bool bf = mlp.narrow.weight == rill::WeightDtype::bf16;
  keep->bias16.assign(static_cast<std::size_t>(mlp.spec.n_layers), {});
  for (int i = 0; i < mlp.spec.n_layers; ++i)
    for (int j = 0; j < mlp.spec.sizes[i + 1]; ++j) {
      const float v = rill::narrow_bias(mlp, i, j);
      bool overflow = false;
      const std::uint16_t h = bf ? rill::f32_to_bf16(v, &overflow) : rill::f32_to_f16(v, &overflow);
      const float back = bf ? rill::bf16_to_f32(h) : rill::f16_to_f32(h);
      if (overflow || std::memcmp(&back, &v, sizeof v) != 0) return false;
      keep->bias16[static_cast<std::size_t>(i)].push_back(h);
    }
  return true;
}

void widen_weights(const rill::Model& m, CompiledArrays* keep) {
  const rill::Mlp& mlp = m.mlp;
  keep->widened = true;
  keep->weight32.assign(static_cast<std::size_t>(mlp.spec.n_layers), {});
  keep->bias32.assign(static_cast<std::size_t>(mlp.spec.n_layers), {});
  for (int i = 0; i < mlp.spec.n_layers; ++i) {
    std::vector<float>& w = keep->weight32[static_cast<std::size_t>(i)];
    std::vector<float>& b = keep->bias32[static_cast<std::size_t>(i)];
    for (int j = 0; j < mlp.spec.sizes[i + 1]; ++j) {
      for (int k = 0; k < mlp.spec.sizes[i]; ++k) w.push_back(rill::narrow_weight(mlp, i, j, k));
      b.push_back(rill::narrow_bias(mlp, i, j));
    }
  }
}

const char* lean_name(rill::Activation a) {
  switch (a) {
    case rill::Activation::relu: return "rill_compiled_sample_relu";
    case rill::Activation::tanh: return "rill_compiled_sample_tanh";
    case rill::Activation::gelu: return "rill_compiled_sample_gelu";
    case rill::Activation::gelu_tanh: return "rill_compiled_sample_gelu_tanh";
    default: return "rill_compiled_sample_silu";
  }
}

}  // namespace

rill_compiled_model compiled_model_of(const rill::Model& m, CompiledArrays* keep) {
  const rill::MlpSpec& s = m.mlp.spec;
  rill_compiled_model c;
  std::memset(&c, 0, sizeof c);
  c.version = RILL_COMPILED_VERSION;
  c.dim = s.dim;
  c.layers = s.n_layers;
  for (int i = 0; i <= s.n_layers; ++i) c.sizes[i] = s.sizes[i];
  c.activation = static_cast<int32_t>(s.activation);
  c.time_k = s.time.k;
  c.step_k = s.step.k();
  c.condition_kind = static_cast<int32_t>(s.condition.kind);
  c.condition_count = s.condition.kind == rill::ConditionSpec::Kind::none ? 0 : s.condition.count;
  c.source = m.source;
  c.sigma_min = m.sigma_min;
  c.dtype = static_cast<int32_t>(m.dtype);
  const bool narrow = m.dtype != rill::WeightDtype::f32;
  const bool half = m.dtype == rill::WeightDtype::f16 || m.dtype == rill::WeightDtype::bf16;
  const bool f32_bias = half && m.mlp.narrow.bias == rill::WeightDtype::f32;
  if (f32_bias && !narrow_biases_exactly(m, keep)) {
    widen_weights(m, keep);
    c.dtype = RILL_F32;
  }
  for (int i = 0; i < s.n_layers; ++i) {
    const std::size_t l = static_cast<std::size_t>(i);
    if (keep->widened) {
      c.weight[i] = keep->weight32[l].data();
      c.bias[i] = keep->bias32[l].data();
      continue;
    }
    c.weight[i] = narrow ? static_cast<const void*>(m.mlp.narrow.w[i]) : m.mlp.weight[i];
    c.bias[i] = f32_bias ? static_cast<const void*>(keep->bias16[l].data())
                         : narrow ? static_cast<const void*>(m.mlp.narrow.b[i]) : m.mlp.bias[i];
    // (a narrow file's scales may sit at any alignment: the checksum reads them bytewise)
    c.scale[i] = narrow ? reinterpret_cast<const float*>(m.mlp.narrow.scale[i]) : nullptr;
  }
  c.checksum = rill_compiled_checksum(&c);
  return c;
}

void write_compiled_header(std::FILE* f, const rill::Model& m, const std::string& path, const std::string& name,
                           const std::string& guard) {
  const rill::MlpSpec& s = m.mlp.spec;
  CompiledArrays keep;
  const rill_compiled_model c = compiled_model_of(m, &keep);
  if (keep.widened)
    std::fprintf(stderr, "rill export-c: note: %s has %s weights with F32 biases that %s cannot hold exactly; a "
                         "compiled model keeps one dtype, so its weights are written as F32 (the same bits, twice the "
                         "flash; `rill convert --dtype %s` gives a file whose biases are %s too)\n",
                 path.c_str(), rill::weight_dtype_name(m.dtype), rill::weight_dtype_name(m.dtype),
                 rill::weight_dtype_name(m.dtype) == std::string("F16") ? "f16" : "bf16",
                 rill::weight_dtype_name(m.dtype));
  std::fprintf(f,
               "/* %s: generated by `rill export-c --compiled` from %s.\n"
               " *\n"
               " * The model, validated by rill on the host, as const C data: its weights, biases (and I8\n"
               " * scales) as const arrays (flash; narrow weights stay narrow) and a rill_compiled_model of\n"
               " * its shapes, encodings and a checksum. rill_model_init_compiled places it without parsing.\n"
               " *   model: %s, %s, %s, %zu parameters, %s weights, checksum 0x%08x\n"
               " *\n"
               " *   size_t need;\n"
               " *   rill_model_memory_compiled(&%s, 1, 0, &need, err, sizeof err);\n"
               " *   rill_model* m;  // in `need` bytes of RAM that you provide:\n"
               " *   rill_model_init_compiled(ram, sizeof ram, &%s, 1, 0, &m, err, sizeof err);\n"
               " *   rill_sample(m, n, steps, RILL_HEUN, seed, out, NULL);\n"
               " */\n",
               name.c_str(), path.c_str(), layers_text(s).c_str(), rill::activation_name(s.activation),
               encodings_text(s).c_str(), s.param_count(),
               keep.widened ? "F32 (widened from the file's F16/BF16)" : rill::weight_dtype_name(m.dtype),
               static_cast<unsigned>(c.checksum), name.c_str(),
               name.c_str());
  std::fprintf(f, "#ifndef %s\n#define %s\n\n", guard.c_str(), guard.c_str());
  std::fprintf(f, "#ifndef RILL_H\n#error \"include rill.h (rill/rill.h in rill's source tree) before this header\"\n"
                  "#endif\n#if RILL_COMPILED_VERSION != %d\n#error \"this header is for compiled models of version %d\"\n"
                  "#endif\n\n",
               RILL_COMPILED_VERSION, RILL_COMPILED_VERSION);
  for (int i = 0; i < s.n_layers; ++i) write_layer(f, c, i, name);
  std::fprintf(f, "\nstatic const rill_compiled_model %s = {\n  RILL_COMPILED_VERSION, %d, %d,\n  {", name.c_str(),
               c.dim, c.layers);
  for (int i = 0; i <= RILL_COMPILED_MAX_LAYERS; ++i) std::fprintf(f, "%s%d", i ? ", " : "", c.sizes[i]);
  std::fprintf(f, "},\n  %d, %d, %d, %d, %d, %d, %s, %d,\n  {", c.activation, c.time_k, c.step_k, c.condition_kind,
               c.condition_count, c.source, literal(c.sigma_min).c_str(), c.dtype);
  for (int i = 0; i < RILL_COMPILED_MAX_LAYERS; ++i)
    std::fprintf(f, "%s%s", i ? ", " : "", i < s.n_layers ? (name + "_w" + std::to_string(i)).c_str() : "0");
  std::fputs("},\n  {", f);
  for (int i = 0; i < RILL_COMPILED_MAX_LAYERS; ++i)
    std::fprintf(f, "%s%s", i ? ", " : "", i < s.n_layers ? (name + "_b" + std::to_string(i)).c_str() : "0");
  std::fputs("},\n  {", f);
  for (int i = 0; i < RILL_COMPILED_MAX_LAYERS; ++i)
    std::fprintf(f, "%s%s", i ? ", " : "", i < s.n_layers && c.scale[i] ? (name + "_s" + std::to_string(i)).c_str() : "0");
  std::fprintf(f, "},\n  0x%08xu\n};\n", static_cast<unsigned>(c.checksum));
  if (m.source < 0)
    std::fprintf(f,
                 "\n/* The lean path (rill.h): %s links only this model's activation. Check the model once\n"
                 " * with rill_compiled_check(&%s, &scratch_bytes, err, sizeof err). */\n"
                 "static inline int %s_sample(int n, int steps, int solver, uint32_t seed, float* out, void* scratch,\n"
                 "                            size_t scratch_bytes) {\n"
                 "  return %s(&%s, n, steps, solver, seed, out, scratch, scratch_bytes);\n}\n",
                 lean_name(s.activation), name.c_str(), name.c_str(), lean_name(s.activation), name.c_str());
  std::fprintf(f, "\n#endif /* %s */\n", guard.c_str());
}

}  // namespace cli
