// `rill export-c`: a model file as a C/C++ header of const bytes, for
// firmware. The array is the file itself, aligned to 16 bytes, so the core
// parses it in place (model_load / rill_model_init) and reads the weights
// straight from flash; nothing is converted, so nothing can drift.
#include <cctype>
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/describe.h"
#include "cli/export_compiled.h"
#include "cli/fail.h"
#include "cli/model.h"
#include "cli/output.h"

namespace cli {

namespace {

bool is_identifier(const std::string& s) {
  if (s.empty() || s.size() > 200) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// The keywords of C17 and C++17 (the header is compiled as either): no array may be named so.
bool is_keyword(const std::string& s) {
  static const char* const kWords[] = {
      "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn", "_Static_assert",
      "_Thread_local", "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case",
      "catch", "char", "char16_t", "char32_t", "class", "compl", "const", "const_cast", "constexpr", "continue",
      "decltype", "default", "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern",
      "false", "float", "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new",
      "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
      "reinterpret_cast", "restrict", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast",
      "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
      "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq"};
  for (const char* w : kWords)
    if (s == w) return true;
  return false;
}

// Names rill.h or the C headers a firmware includes beside the array already use: the array, its
// _len and the include guard would clash with them (the header compiled, then failed next to rill.h).
const char* reserved_why(const std::string& s) {
  static const char* const kTaken[] = {"size_t", "ptrdiff_t", "NULL", "int8_t", "int16_t", "int32_t", "int64_t",
                                       "uint8_t", "uint16_t", "uint32_t", "uint64_t", "intptr_t", "uintptr_t",
                                       "offsetof", "main"};
  for (const char* w : kTaken)
    if (s == w) return "a name the C headers (or the program) already define";
  std::string low;
  for (char c : s) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (low.rfind("rill_", 0) == 0) return "in rill.h's namespace (rill_* and RILL_*)";
  if (s.size() >= 2 && s[0] == '_' && (s[1] == '_' || std::isupper(static_cast<unsigned char>(s[1]))))
    return "reserved for the C implementation (__x, _X)";
  return nullptr;
}

std::string default_name(const std::string& path) {
  std::size_t a = path.rfind('/');
  a = a == std::string::npos ? 0 : a + 1;
  std::size_t b = path.find('.', a);
  if (b == std::string::npos) b = path.size();
  std::string s;
  for (char c : path.substr(a, b - a)) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) s = "m_" + s;
  return s + "_model";
}

std::string upper(const std::string& s) {
  std::string u = s;
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

int run_export_c(const Args& args) {
  const std::string out = args.text("--out");
  check_output(args, "--out", Kind::c_header);
  std::string name = args.has("--name") ? args.text("--name") : std::string();
  if (args.has("--name") && !is_identifier(name))
    args.fail("--name '%s' is not a C identifier (letters, digits and _, not starting with a digit)", name.c_str());
  if (is_keyword(name)) args.fail("--name '%s' is a C or C++ keyword; the array needs another name", name.c_str());
  if (const char* why = reserved_why(name)) args.fail("--name '%s' is %s; the array needs another name", name.c_str(), why);
  const auto model = load_model(args.text("--model"), false);  // validates every byte
  if (model->is_formula())
    runtime_error("'%s' is a formula model; formula models have no weights to export", model->path.c_str());
  if (name.empty()) name = default_name(model->path);
  // What the header says it came from: the argument, and where a shipped model's name was found
  // relative to nothing on this machine (its directory differs from checkout to checkout).
  const std::string given = args.text("--model");
  const std::string from = given == model->path ? given : "the shipped model " + given;
  const rill::MlpSpec& s = model->mlp.spec;
  const unsigned char* bytes = model->file.bytes;
  const std::size_t size = model->file.size;

  OutputFile file(out);
  std::FILE* f = file.file();
  if (args.has("--compiled")) {
    // Each form its own guard, the name's case kept: both headers of one name included together fail
    // loudly (the array defined twice) rather than one silently skipping the other.
    write_compiled_header(f, model->file.model, from, name, "RILL_COMPILED_" + name + "_H");
    file.commit();
    return 0;
  }
  std::fprintf(f,
               "/* %s: generated by `rill export-c` from %s.\n"
               " *\n"
               " * The model file itself (safetensors, %zu bytes) as a const array, aligned for\n"
               " * rill to parse it in place: the weights are read straight from flash.\n"
               " *   model: %s, %s, %s, %zu parameters\n"
               " *\n"
               " *   size_t need;\n"
               " *   rill_model_memory(%s, %s_len, 1, 0, &need, err, sizeof err);\n"
               " *   rill_model* m;  // in `need` bytes of RAM that you provide:\n"
               " *   rill_model_init(ram, sizeof ram, %s, %s_len, 1, 0, &m, err, sizeof err);\n"
               " *   rill_sample(m, n, steps, RILL_HEUN, seed, out, NULL);\n"
               " */\n",
               name.c_str(), from.c_str(), size, layers_text(s).c_str(), rill::activation_name(s.activation),
               encodings_text(s).c_str(), s.param_count(), name.c_str(), name.c_str(), name.c_str(), name.c_str());
  const std::string guard = "RILL_EXPORT_" + name + "_H";
  std::fprintf(f, "#ifndef %s\n#define %s\n\n#include <stddef.h>\n", guard.c_str(), guard.c_str());
  std::fprintf(f, "#if !defined(__cplusplus) && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 202311L)\n"
                  "#include <stdalign.h>\n#endif\n\n");
  std::fprintf(f, "alignas(16) static const unsigned char %s[%zu] = {\n", name.c_str(), size);
  for (std::size_t i = 0; i < size; ++i) {
    if (i % 16 == 0) std::fputs("  ", f);
    std::fprintf(f, "0x%02x,", bytes[i]);
    std::fputc(i % 16 == 15 || i + 1 == size ? '\n' : ' ', f);
  }
  std::fprintf(f, "};\nstatic const size_t %s_len = %zu;\n\n", name.c_str(), size);
  // The architecture, for code that binds the weights without the loader.
  const std::string up = upper(name);
  const int depth = s.n_layers - 1;
  bool uniform = true;
  for (int i = 2; i < s.n_layers; ++i) uniform = uniform && s.sizes[i] == s.sizes[1];
  std::fprintf(f,
               "/* The architecture, for the C++ API without the loader:\n"
               " *   rill::MlpSpec::make(%s_DIM, %s_WIDTH, %s_DEPTH, rill::Activation::%s_ACTIVATION,\n"
               " *                       rill::TimeEmbedding{%s_TIME_K})%s */\n",
               up.c_str(), up.c_str(), up.c_str(), up.c_str(), up.c_str(),
               uniform ? "" : "\n * (hidden layers of different widths: no _WIDTH, MlpSpec::make cannot build it)");
  std::fprintf(f, "#define %s_DIM %d\n#define %s_DEPTH %d\n", up.c_str(), s.dim, up.c_str(), depth);
  if (uniform) std::fprintf(f, "#define %s_WIDTH %d\n", up.c_str(), depth > 0 ? s.sizes[1] : 0);
  std::fprintf(f, "#define %s_TIME_K %d\n#define %s_ACTIVATION %s\n", up.c_str(), s.time.k, up.c_str(),
               rill::activation_name(s.activation));
  if (s.step.on)  // a step-conditioned model: rill::StepEmbedding::from_k(NAME_STEP_K) is its MlpSpec::step
    std::fprintf(f, "#define %s_STEP_K %d\n", up.c_str(), s.step.k());
  std::fprintf(f, "\n#endif /* %s */\n", guard.c_str());
  file.commit();
  return 0;
}

}  // namespace

const Command& export_c_command() {
  static const Command c{
      "export-c",
      "write a model as a C header of const bytes (for microcontrollers)",
      "export-c --model MODEL --out FILE.h [--name NAME] [--compiled]",
      "Validates the model, then writes `alignas(16) static const unsigned char NAME[]` (the\n"
      "file's bytes) and `NAME_len`. rill_model_init parses the array in place, so the weights\n"
      "stay in flash. Also defines the architecture (NAME in capitals): NAME_DIM, NAME_DEPTH,\n"
      "NAME_WIDTH (equal hidden widths only), NAME_TIME_K and NAME_ACTIVATION (silu, relu, ...),\n"
      "and NAME_STEP_K for a step-conditioned model (0 raw, K sin:K).\n"
      "Compiles as C11 or C++11 and later.\n"
      "\n"
      "--compiled writes the model as const C data instead: NAME_w0, NAME_b0, ... (F32 as const\n"
      "float arrays; F16, BF16 and I8 weights, from `rill convert`, stay narrow: the file's\n"
      "bytes, with I8's scales as NAME_s0, ...) and `static const rill_compiled_model NAME`\n"
      "(shapes, activation, encodings, dtype, pointers and a checksum), for\n"
      "rill_model_init_compiled: the firmware links no parser. For a Gaussian-noise model it also\n"
      "writes NAME_sample(n, steps, solver, seed, out, scratch, scratch_bytes), the lean path\n"
      "(rill_compiled_check first): the same bits, only the model's activation linked.\n"
      "Include rill.h first; compiles as C11 or C++11 and later.\n",
      {
          {"--model", "MODEL", nullptr, "model file or shipped model name (required; not a formula)"},
          {"--out", "FILE", nullptr, "the header to write (.h), or - for stdout (required)"},
          {"--name", "NAME", nullptr, "C name of the array (default: file name + _model); no keyword, rill_*, RILL_*, size_t, _X"},
          {"--compiled", nullptr, nullptr, "write a rill_compiled_model and weight arrays, not the file's bytes"},
      },
      run_export_c};
  return c;
}

}  // namespace cli
