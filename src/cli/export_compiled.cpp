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

// The arrays of layer i: NAME_wI, NAME_bI and (I8) NAME_sI.
void write_layer(std::FILE* f, const rill::Model& m, int i, const std::string& name) {
  const rill::MlpSpec& s = m.mlp.spec;
  const std::size_t out = static_cast<std::size_t>(s.sizes[i + 1]), in = static_cast<std::size_t>(s.sizes[i]);
  const std::string at = std::to_string(i);
  if (m.dtype == rill::WeightDtype::f32) {
    write_array(f, name + "_w" + at, m.mlp.weight[i], out * in);
    write_array(f, name + "_b" + at, m.mlp.bias[i], out);
    return;
  }
  const rill::NarrowWeights& nw = m.mlp.narrow;
  write_bytes(f, name + "_w" + at, nw.w[i], out * in * static_cast<std::size_t>(rill::weight_dtype_bytes(nw.weight)));
  if (nw.bias == rill::WeightDtype::f32) write_floats_at(f, name + "_b" + at, nw.b[i], out);
  else write_bytes(f, name + "_b" + at, nw.b[i], out * 2);
  if (nw.scale[i] != nullptr) write_floats_at(f, name + "_s" + at, nw.scale[i], out);
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

rill_compiled_model compiled_model_of(const rill::Model& m) {
  const rill::MlpSpec& s = m.mlp.spec;
  rill_compiled_model c;
  std::memset(&c, 0, sizeof c);
  c.version = RILL_COMPILED_VERSION;
  c.dim = s.dim;
  c.layers = s.n_layers;
  for (int i = 0; i <= s.n_layers; ++i) c.sizes[i] = s.sizes[i];
  c.activation = static_cast<int32_t>(s.activation);
  c.time_k = s.time.k;
  c.step_k = -1;
  c.condition_kind = static_cast<int32_t>(s.condition.kind);
  c.condition_count = s.condition.kind == rill::ConditionSpec::Kind::none ? 0 : s.condition.count;
  c.source = m.source;
  c.sigma_min = m.sigma_min;
  c.dtype = static_cast<int32_t>(m.dtype);
  for (int i = 0; i < s.n_layers; ++i) {
    const bool narrow = m.dtype != rill::WeightDtype::f32;
    c.weight[i] = narrow ? static_cast<const void*>(m.mlp.narrow.w[i]) : m.mlp.weight[i];
    c.bias[i] = narrow ? static_cast<const void*>(m.mlp.narrow.b[i]) : m.mlp.bias[i];
    // (a narrow file's scales may sit at any alignment: the checksum reads them bytewise)
    c.scale[i] = narrow ? reinterpret_cast<const float*>(m.mlp.narrow.scale[i]) : nullptr;
  }
  c.checksum = rill_compiled_checksum(&c);
  return c;
}

void write_compiled_header(std::FILE* f, const rill::Model& m, const std::string& path, const std::string& name,
                           const std::string& guard) {
  const rill::MlpSpec& s = m.mlp.spec;
  const rill_compiled_model c = compiled_model_of(m);
  std::fprintf(f,
               "/* %s: generated by `rill export-c --compiled` from %s.\n"
               " *\n"
               " * The model, validated by rill on the host, as const C data: its weights, biases (and I8\n"
               " * scales) as const arrays (flash; narrow weights stay narrow) and a rill_compiled_model of\n"
               " * its shapes, encodings and a checksum. rill_model_init_compiled places it without parsing.\n"
               " *   model: %s, %s, time %s, %zu parameters, %s weights, checksum 0x%08x\n"
               " *\n"
               " *   size_t need;\n"
               " *   rill_model_memory_compiled(&%s, 1, 0, &need, err, sizeof err);\n"
               " *   rill_model* m;  // in `need` bytes of RAM that you provide:\n"
               " *   rill_model_init_compiled(ram, sizeof ram, &%s, 1, 0, &m, err, sizeof err);\n"
               " *   rill_sample(m, n, steps, RILL_HEUN, seed, out, NULL);\n"
               " */\n",
               name.c_str(), path.c_str(), layers_text(s).c_str(), rill::activation_name(s.activation),
               time_text(s.time).c_str(), s.param_count(), rill::weight_dtype_name(m.dtype),
               static_cast<unsigned>(c.checksum), name.c_str(),
               name.c_str());
  std::fprintf(f, "#ifndef %s\n#define %s\n\n", guard.c_str(), guard.c_str());
  std::fprintf(f, "#ifndef RILL_H\n#error \"include rill.h (rill/rill.h in rill's source tree) before this header\"\n"
                  "#endif\n#if RILL_COMPILED_VERSION != %d\n#error \"this header is for compiled models of version %d\"\n"
                  "#endif\n\n",
               RILL_COMPILED_VERSION, RILL_COMPILED_VERSION);
  for (int i = 0; i < s.n_layers; ++i) write_layer(f, m, i, name);
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
