// golden: the golden vectors of rill — the same bits on every target.
//
//   golden --check FILE             native results == the committed hashes in FILE
//   golden --write FILE             recompute FILE (after a change that moves the bits on purpose)
//   golden --emit-c OUT.h FILE      firmware data: model bytes, cases and FILE's hashes, damaged files
//   golden --emit-json DIR FILE     DIR/golden.json (+ the model files) for the WebAssembly tests
//   golden --sample-hash MODEL SOLVER STEPS SEED N     one hash (the demo firmware's check)
//   options: --shipped DIR (default web/models), --models a,b (--write: shipped models to include),
//            --synthetic-only (--emit-c: leave the shipped models out, for boards with little flash)
//
// Why it is written this way: FILE (tests/golden/golden.txt) is the contract.
// Every target computes the hashes itself and compares them with FILE, never
// with another target's live output, so a change that moves the bits on all
// targets at once is caught too. The synthetic models are written here, byte by
// byte, from integer formulas (exact floats, no libm), so the test never depends
// on a training run nor on rill's own writer; shipped models are recorded with
// the size and hash of their file, so a retrained model is reported as such.
//
// Only rill.h is used: the native library through its C API, as every other
// target uses it. Both native placements are checked: rill_model_open (chunk
// 256, packed weights, the SIMD kernel) and rill_model_init with chunk 1 and
// no packing (what the firmware does), so a case passes only if both agree.
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "rill/rill.h"

namespace {

// ---------------------------------------------------------------------------
// FNV-1a 64 of bytes (floats are hashed as their little-endian bytes).

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;

std::uint64_t fnv1a(const void* data, std::size_t n, std::uint64_t h = kFnvOffset) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * kFnvPrime;
  return h;
}

std::uint64_t hash_floats(const float* x, std::size_t n) {
  std::uint64_t h = kFnvOffset;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t b;
    std::memcpy(&b, &x[i], 4);
    const unsigned char le[4] = {static_cast<unsigned char>(b), static_cast<unsigned char>(b >> 8),
                                 static_cast<unsigned char>(b >> 16), static_cast<unsigned char>(b >> 24)};
    h = fnv1a(le, 4, h);
  }
  return h;
}

// The fixed input points of field and integrate cases: x[k] = ((7k) mod 33 − 16) / 8, exact in float32.
void fixed_points(float* x, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) x[k] = static_cast<float>(static_cast<int>((7 * k) % 33) - 16) / 8.0f;
}

const char* const kSolvers[] = {"euler", "midpoint", "heun", "rk4"};
int solver_id(const std::string& s) {
  for (int i = 0; i < 4; ++i)
    if (s == kSolvers[i]) return i;
  return -1;
}

// ---------------------------------------------------------------------------
// Synthetic models: safetensors files written here from integer formulas.

struct Synthetic {
  const char* name;
  int dim, width, depth;
  const char* activation;
  const char* time;  // "raw" or "sin:K"
  const char* sigma_min;
};
// Together they exercise every activation, both time embeddings, d = 2, 3, 4,
// widths that are not a multiple of the SIMD block, and depth 1 to 3.
const Synthetic kSynthetic[] = {
    {"s_silu", 2, 37, 2, "silu", "raw", "0"},
    {"s_relu", 4, 10, 2, "relu", "sin:1", "0"},
    {"s_tanh", 2, 16, 2, "tanh", "sin:3", "0"},
    {"s_gelu", 3, 12, 3, "gelu", "sin:2", "0"},
    {"s_gelu_tanh", 2, 8, 1, "gelu_tanh", "raw", "0.001"},
};

// A 32-bit integer hash (the "lowbias32" mixer): weights from (model, layer, index).
std::uint32_t mix(std::uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

// Value q/128 · 2^-p with q in [-127, 127] and 2^p >= sqrt(fan_in): exact in float32.
float synth_value(std::uint32_t model, std::uint32_t layer, std::uint32_t index, int fan_in, bool bias) {
  const std::uint32_t h = mix(mix(mix(model * 0x9e3779b9u + 1u) ^ (layer * 0x85ebca6bu)) ^ index);
  const int q = static_cast<int>(h % 255u) - 127;
  int p2 = 1;
  while (p2 * p2 < fan_in) p2 *= 2;
  const float v = static_cast<float>(q) / (128.0f * static_cast<float>(p2));
  return bias ? v * 0.5f : v;
}

// The layer sizes of a synthetic model: inputs (d + its time features), depth hidden layers, d.
std::vector<int> layer_sizes(int dim, const char* time, int width, int depth) {
  const int k = std::strncmp(time, "sin:", 4) == 0 ? std::atoi(time + 4) : 0;
  std::vector<int> sizes{dim + (k == 0 ? 1 : 2 * k)};
  for (int i = 0; i < depth; ++i) sizes.push_back(width);
  sizes.push_back(dim);
  return sizes;
}

std::vector<unsigned char> synthetic_file(int which) {
  const Synthetic& s = kSynthetic[which];
  const std::vector<int> sizes = layer_sizes(s.dim, s.time, s.width, s.depth);
  const int L = static_cast<int>(sizes.size()) - 1;

  std::vector<float> data;
  std::string json = "{\"__metadata__\":{\"rill.format\":\"1\",\"dim\":\"" + std::to_string(s.dim) +
                     "\",\"activation\":\"" + s.activation + "\",\"time_embedding\":\"" + s.time +
                     "\",\"path\":\"condot\",\"sigma_min\":\"" + s.sigma_min + "\",\"source\":\"rill golden\"}";
  for (int i = 0; i < L; ++i) {
    const int fin = sizes[i], fout = sizes[i + 1];
    const std::size_t w0 = data.size() * 4;
    for (int q = 0; q < fout * fin; ++q)
      data.push_back(synth_value(which, i, static_cast<std::uint32_t>(q), fin, false));
    const std::size_t b0 = data.size() * 4;
    for (int q = 0; q < fout; ++q) data.push_back(synth_value(which, i, 0x100000u + q, fin, true));
    const std::size_t b1 = data.size() * 4;
    json += ",\"layers." + std::to_string(i) + ".weight\":{\"dtype\":\"F32\",\"shape\":[" + std::to_string(fout) +
            "," + std::to_string(fin) + "],\"data_offsets\":[" + std::to_string(w0) + "," + std::to_string(b0) + "]}";
    json += ",\"layers." + std::to_string(i) + ".bias\":{\"dtype\":\"F32\",\"shape\":[" + std::to_string(fout) +
            "],\"data_offsets\":[" + std::to_string(b0) + "," + std::to_string(b1) + "]}";
  }
  json += "}";
  while ((8 + json.size()) % 16 != 0) json += ' ';  // the data buffer starts 16-byte aligned
  std::vector<unsigned char> file(8 + json.size() + data.size() * 4);
  const std::uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) file[i] = static_cast<unsigned char>(n >> (8 * i));
  std::memcpy(file.data() + 8, json.data(), json.size());
  unsigned char* p = file.data() + 8 + json.size();
  for (float f : data) {
    std::uint32_t b;
    std::memcpy(&b, &f, 4);
    for (int i = 0; i < 4; ++i) *p++ = static_cast<unsigned char>(b >> (8 * i));
  }
  return file;
}

// Narrow synthetic models (formats.md "Weight dtypes"): weights written as raw
// F16 / BF16 bit patterns (subnormals included) or I8 q with F32 scales of
// full 23-bit mantissas (so q × scale rounds), to pin the widening everywhere.
struct NarrowSynthetic {
  const char* name;
  int dim, width, depth;
  const char* activation;
  const char* time;
  const char* dtype;       // F16, BF16, I8
  bool narrow_bias;        // F16/BF16 biases (else F32)
};
const NarrowSynthetic kNarrowSynthetic[] = {
    {"s_f16", 2, 19, 2, "silu", "sin:2", "F16", true},
    {"s_bf16", 3, 13, 2, "tanh", "raw", "BF16", false},
    {"s_i8", 2, 23, 3, "silu", "sin:1", "I8", false},
};

// Little-endian bytes of a layer's weights, biases and (I8) scales.
void narrow_layer(const NarrowSynthetic& s, int which, int layer, int fin, int fout, std::vector<unsigned char>* w,
                  std::vector<unsigned char>* b, std::vector<unsigned char>* scale) {
  auto put = [](std::vector<unsigned char>* v, std::uint32_t x, int bytes) {
    for (int i = 0; i < bytes; ++i) v->push_back(static_cast<unsigned char>(x >> (8 * i)));
  };
  const std::string dt = s.dtype;
  const std::uint32_t model = 100u + static_cast<std::uint32_t>(which), lay = static_cast<std::uint32_t>(layer);
  for (int q = 0; q < fout * fin; ++q) {
    const std::uint32_t h = mix(mix(mix(model * 0x9e3779b9u + 1u) ^ (lay * 0x85ebca6bu)) ^ static_cast<std::uint32_t>(q));
    const std::uint32_t sign = h & 1u;
    if (dt == "F16") put(w, (sign << 15) | (((h >> 1) % 14u) << 10) | ((h >> 5) & 0x3FFu), 2);
    else if (dt == "BF16") put(w, (sign << 15) | ((118u + (h >> 1) % 8u) << 7) | ((h >> 5) & 0x7Fu), 2);
    else put(w, static_cast<std::uint32_t>(static_cast<int>(h % 255u) - 127) & 0xFFu, 1);
  }
  for (int j = 0; j < fout; ++j) {
    const std::uint32_t h = mix(mix(model * 0x9e3779b9u + 7u) ^ (lay * 0x85ebca6bu) ^ static_cast<std::uint32_t>(j));
    const float bias = synth_value(which + 100, layer, 0x100000u + j, fin, true);
    std::uint32_t bits;
    std::memcpy(&bits, &bias, 4);
    if (s.narrow_bias) put(b, bits >> 16, 2);  // exact: synth values have 8 significant bits
    else put(b, bits, 4);
    if (dt == "I8") put(scale, 0x3C000000u | (h & 0x7FFFFFu), 4);  // [2^-7, 2^-6), any mantissa
  }
}

std::vector<unsigned char> narrow_synthetic_file(int which) {
  const NarrowSynthetic& s = kNarrowSynthetic[which];
  const std::vector<int> sizes = layer_sizes(s.dim, s.time, s.width, s.depth);
  const int L = static_cast<int>(sizes.size()) - 1;
  std::vector<unsigned char> data;
  std::string json = "{\"__metadata__\":{\"rill.format\":\"2\",\"dim\":\"" + std::to_string(s.dim) +
                     "\",\"activation\":\"" + s.activation + "\",\"time_embedding\":\"" + s.time +
                     "\",\"path\":\"condot\",\"sigma_min\":\"0\"}";
  auto entry = [&](int i, const char* suffix, const char* dtype, const std::string& shape, std::size_t a,
                   std::size_t b) {
    json += ",\"layers." + std::to_string(i) + suffix + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + shape +
            "],\"data_offsets\":[" + std::to_string(a) + "," + std::to_string(b) + "]}";
  };
  for (int i = 0; i < L; ++i) {
    const int fin = sizes[i], fout = sizes[i + 1];
    std::vector<unsigned char> w, b, sc;
    narrow_layer(s, which, i, fin, fout, &w, &b, &sc);
    // Scales, biases, weights: after an I8 layer of odd size the next layer's F32
    // tensors are not 4-byte aligned, on purpose (the loader reads narrow files byte-wise).
    const std::size_t s0 = data.size();
    data.insert(data.end(), sc.begin(), sc.end());
    const std::size_t b0 = data.size();
    data.insert(data.end(), b.begin(), b.end());
    const std::size_t w0 = data.size();
    data.insert(data.end(), w.begin(), w.end());
    const std::size_t w1 = data.size();
    entry(i, ".weight", s.dtype, std::to_string(fout) + "," + std::to_string(fin), w0, w1);
    if (!sc.empty()) entry(i, ".weight_scale", "F32", std::to_string(fout), s0, b0);
    entry(i, ".bias", s.narrow_bias ? s.dtype : "F32", std::to_string(fout), b0, w0);
  }
  json += "}";
  while ((8 + json.size()) % 16 != 0) json += ' ';
  std::vector<unsigned char> file(8);
  const std::uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) file[i] = static_cast<unsigned char>(n >> (8 * i));
  file.insert(file.end(), json.begin(), json.end());
  file.insert(file.end(), data.begin(), data.end());
  return file;
}

bool read_file(const std::string& path, std::vector<unsigned char>* out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  unsigned char buf[65536];
  std::size_t n;
  out->clear();
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->insert(out->end(), buf, buf + n);
  const bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}

// ---------------------------------------------------------------------------
// Models and cases

struct Model {
  std::string name, source;  // source: "synthetic" or a path
  std::vector<unsigned char> bytes;
  std::uint64_t fnv = 0;
  int dim = 0;
  rill_model* open = nullptr;    // rill_model_open: chunk 256, packed
  rill_model* placed = nullptr;  // rill_model_init: chunk 1, in place
  std::vector<float> file_copy;  // 4-byte aligned copy for rill_model_init
  std::vector<float> arena;
};

struct Case {
  std::string kind;  // sample, field, integrate, logp
  int model = 0;
  int probes = 0;    // logp: 0 exact divergence, K Hutchinson probes (seed: their seed)
  int solver = 0;
  int steps = 0;
  std::uint32_t seed = 0;
  int n = 0;
  float t0 = 0.0f, t1 = 0.0f;  // field and logp: t0; integrate: t0 -> t1
  std::uint64_t hash = 0;
  int line = 0;
};

std::string g_shipped = "web/models";
std::vector<Model> g_models;
std::vector<Case> g_cases;

int find_model(const std::string& name) {
  for (std::size_t i = 0; i < g_models.size(); ++i)
    if (g_models[i].name == name) return static_cast<int>(i);
  return -1;
}

bool open_model(Model& m, std::string* why) {
  char err[256] = "";
  int st = rill_model_open(m.bytes.data(), m.bytes.size(), &m.open, err, sizeof err);
  if (st != RILL_OK) {
    *why = std::string("rill_model_open: ") + rill_status_name(st) + ": " + err;
    return false;
  }
  m.dim = rill_model_dim(m.open);
  m.file_copy.assign((m.bytes.size() + 3) / 4, 0.0f);
  std::memcpy(m.file_copy.data(), m.bytes.data(), m.bytes.size());
  std::size_t need = 0;
  st = rill_model_memory(m.file_copy.data(), m.bytes.size(), 1, RILL_DENSITY, &need, err, sizeof err);
  if (st != RILL_OK) {
    *why = std::string("rill_model_memory: ") + rill_status_name(st) + ": " + err;
    return false;
  }
  // RILL_DENSITY plans the exact divergence; the Hutchinson cases need a little more at chunk 1
  // (with `need` bytes alone rill_log_prob says out_of_memory, as rill.h documents), so 1 KB more,
  // from a 64-byte boundary. (It used to be need + 64 bytes from malloc's 16-byte alignment: whether
  // the probes fitted moved with the heap's layout, and a larger rill_model tipped it over.)
  constexpr std::size_t kProbeSlack = 1024;
  m.arena.assign((need + kProbeSlack) / 4 + 16, 0.0f);
  unsigned char* base = reinterpret_cast<unsigned char*>(m.arena.data());
  base += (64 - reinterpret_cast<std::uintptr_t>(base) % 64) % 64;
  st = rill_model_init(base, need + kProbeSlack, m.file_copy.data(), m.bytes.size(), 1, RILL_DENSITY, &m.placed, err,
                       sizeof err);
  if (st != RILL_OK) {
    *why = std::string("rill_model_init: ") + rill_status_name(st) + ": " + err;
    return false;
  }
  return true;
}

// Loads a model named in the golden file (or chosen by --write).
bool load_model(const std::string& name, const std::string& source, Model* m, std::string* why) {
  m->name = name;
  m->source = source;
  if (source == "synthetic") {
    int which = -1;
    for (std::size_t i = 0; i < sizeof kSynthetic / sizeof kSynthetic[0]; ++i)
      if (name == kSynthetic[i].name) which = static_cast<int>(i);
    int narrow = -1;
    for (std::size_t i = 0; i < sizeof kNarrowSynthetic / sizeof kNarrowSynthetic[0]; ++i)
      if (name == kNarrowSynthetic[i].name) narrow = static_cast<int>(i);
    if (which < 0 && narrow < 0) {
      *why = "no synthetic model named " + name;
      return false;
    }
    m->bytes = which >= 0 ? synthetic_file(which) : narrow_synthetic_file(narrow);
  } else {
    const std::string path = g_shipped + "/" + source;
    if (!read_file(path, &m->bytes)) {
      *why = "cannot read " + path;
      return false;
    }
  }
  m->fnv = fnv1a(m->bytes.data(), m->bytes.size());
  return open_model(*m, why);
}

// Runs one case on one placement; returns the hash (0 and *why on error).
std::uint64_t run_case(const Case& c, rill_model* rm, std::string* why) {
  const int d = rill_model_dim(rm);
  std::vector<float> x(static_cast<std::size_t>(c.n) * d), out(x.size());
  int st;
  if (c.kind == "sample") {
    st = rill_sample(rm, c.n, c.steps, c.solver, c.seed, out.data(), nullptr);
  } else if (c.kind == "field") {
    fixed_points(x.data(), x.size());
    st = rill_field(rm, x.data(), c.n, c.t0, out.data());
  } else if (c.kind == "logp") {
    fixed_points(x.data(), x.size());
    out.resize(static_cast<std::size_t>(c.n));
    rill_run_options o;
    rill_run_options_default(&o);
    o.solver = c.solver;
    o.steps = c.steps;
    o.t = c.t0;
    o.probes = c.probes;
    o.probe_seed = c.seed;
    st = rill_log_prob(rm, x.data(), c.n, &o, out.data());
  } else {
    fixed_points(out.data(), out.size());
    st = rill_integrate(rm, out.data(), c.n, c.steps, c.solver, c.t0, c.t1, nullptr);
  }
  if (st != RILL_OK) {
    *why = std::string(rill_status_name(st)) + ": " + rill_model_error(rm);
    return 0;
  }
  return hash_floats(out.data(), out.size());
}

std::string hex64(std::uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016" PRIx64, v);
  return b;
}

// Shortest exact text of the few times used (0, 0.375, 1, ...): %.9g round-trips a float.
std::string ftext(float f) {
  char b[32];
  std::snprintf(b, sizeof b, "%.9g", static_cast<double>(f));
  return b;
}

std::string case_text(const Case& c) {
  const std::string& m = g_models[c.model].name;
  if (c.kind == "sample")
    return "sample " + m + " " + kSolvers[c.solver] + " " + std::to_string(c.steps) + " " + std::to_string(c.seed) +
           " " + std::to_string(c.n);
  if (c.kind == "field") return "field " + m + " " + ftext(c.t0) + " " + std::to_string(c.n);
  if (c.kind == "logp")
    return "logp " + m + " " + kSolvers[c.solver] + " " + std::to_string(c.steps) + " " + ftext(c.t0) + " " +
           std::to_string(c.probes) + " " + std::to_string(c.seed) + " " + std::to_string(c.n);
  return "integrate " + m + " " + kSolvers[c.solver] + " " + std::to_string(c.steps) + " " + ftext(c.t0) + " " +
         ftext(c.t1) + " " + std::to_string(c.n);
}

// ---------------------------------------------------------------------------
// The golden file

const char* const kHeader =
    "# rill golden vectors: the contract that every target (x86-64, WebAssembly, Cortex-M) computes\n"
    "# the same bits. Made by `make golden` (tests/golden/golden.cpp); checked by `make golden-test`,\n"
    "# `make mcu-test` (QEMU) and the WebAssembly tests. Regenerate it only for a change that moves the\n"
    "# bits on purpose, and say so in the commit (shared/spec/formats.md, \"Golden vectors\").\n"
    "#\n"
    "# hash: FNV-1a 64 (offset 0xcbf29ce484222325, prime 0x100000001b3) of the output as little-endian\n"
    "#   float32 bytes, n x d values in row-major order, written as 16 lowercase hex digits.\n"
    "# model NAME SOURCE BYTES FNV     SOURCE: `synthetic` (written by golden.cpp) or a file in web/models;\n"
    "#                                 BYTES and FNV (of the whole file) pin the exact model bytes.\n"
    "# sample MODEL SOLVER STEPS SEED N HASH      rill_sample(model, N, STEPS, SOLVER, SEED)\n"
    "# field MODEL T N HASH                      rill_field(model, x, N, T)\n"
    "# integrate MODEL SOLVER STEPS T0 T1 N HASH rill_integrate(model, x, N, STEPS, SOLVER, T0, T1)\n"
    "#   x (field, integrate): x[k] = ((7*k) mod 33 - 16) / 8 for k = 0 .. N*d-1 (exact in float32).\n"
    "# logp MODEL SOLVER STEPS T PROBES SEED N HASH  rill_log_prob(model, x, N, {SOLVER, STEPS, t = T,\n"
    "#   probes = PROBES (0: exact divergence), probe_seed = SEED}): N values; x as for field.\n"
    "#   Times are decimals that are exact float32 values.\n"
    "format 1\n";

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> v;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= line.size() || line[i] == '#') break;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    v.push_back(line.substr(i, j - i));
    i = j;
  }
  return v;
}

bool parse_u64(const std::string& s, int base, std::uint64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtoull(s.c_str(), &end, base);
  return *end == '\0';
}

bool parse_float(const std::string& s, float* out) {
  char* end = nullptr;
  *out = std::strtof(s.c_str(), &end);
  return !s.empty() && *end == '\0';
}

// Reads FILE into g_models/g_cases. Models whose files are missing or changed are errors.
bool read_golden(const std::string& path, int* problems) {
  std::vector<unsigned char> text;
  if (!read_file(path, &text)) {
    std::fprintf(stderr, "golden: cannot read %s\n", path.c_str());
    return false;
  }
  std::string all(text.begin(), text.end());
  std::size_t pos = 0;
  int lineno = 0;
  bool have_format = false;
  while (pos < all.size()) {
    std::size_t eol = all.find('\n', pos);
    if (eol == std::string::npos) eol = all.size();
    const std::string line = all.substr(pos, eol - pos);
    pos = eol + 1;
    ++lineno;
    const std::vector<std::string> f = split(line);
    if (f.empty()) continue;
    auto bad = [&](const char* why) {
      std::fprintf(stderr, "%s:%d: %s: %s\n", path.c_str(), lineno, why, line.c_str());
      return false;
    };
    if (f[0] == "format") {
      if (f.size() != 2 || f[1] != "1") return bad("unknown format (this golden reads format 1)");
      have_format = true;
      continue;
    }
    if (f[0] == "model") {
      std::uint64_t bytes, fnv;
      if (f.size() != 5 || !parse_u64(f[3], 10, &bytes) || !parse_u64(f[4], 16, &fnv)) return bad("bad model line");
      Model m;
      std::string why;
      if (!load_model(f[1], f[2], &m, &why)) {
        std::fprintf(stderr, "FAIL %s:%d: model %s: %s\n", path.c_str(), lineno, f[1].c_str(), why.c_str());
        ++*problems;
        m.bytes.clear();
      } else if (m.bytes.size() != bytes || m.fnv != fnv) {
        std::fprintf(stderr,
                     "FAIL %s:%d: model %s: the file is not the one the golden vectors were made with "
                     "(%zu bytes, fnv %s; golden: %" PRIu64 " bytes, fnv %s). A retrained or rewritten model "
                     "needs new golden vectors: run `make golden` and commit %s.\n",
                     path.c_str(), lineno, f[1].c_str(), m.bytes.size(), hex64(m.fnv).c_str(), bytes,
                     hex64(fnv).c_str(), path.c_str());
        ++*problems;
        m.open = nullptr;  // its cases fail as "model unavailable"
      }
      g_models.push_back(std::move(m));
      g_models.back().name = f[1];
      g_models.back().source = f[2];
      continue;
    }
    Case c;
    c.line = lineno;
    c.kind = f[0];
    std::uint64_t v;
    if (f.size() < 2 || (c.model = find_model(f[1])) < 0) return bad("unknown model");
    if (c.kind == "sample") {
      if (f.size() != 7 || (c.solver = solver_id(f[2])) < 0) return bad("bad sample line");
      if (!parse_u64(f[3], 10, &v)) return bad("bad steps");
      c.steps = static_cast<int>(v);
      if (!parse_u64(f[4], 10, &v) || v > 0xffffffffu) return bad("bad seed");
      c.seed = static_cast<std::uint32_t>(v);
      if (!parse_u64(f[5], 10, &v)) return bad("bad n");
      c.n = static_cast<int>(v);
      if (!parse_u64(f[6], 16, &c.hash)) return bad("bad hash");
    } else if (c.kind == "field") {
      if (f.size() != 5 || !parse_float(f[2], &c.t0)) return bad("bad field line");
      if (!parse_u64(f[3], 10, &v)) return bad("bad n");
      c.n = static_cast<int>(v);
      if (!parse_u64(f[4], 16, &c.hash)) return bad("bad hash");
    } else if (c.kind == "logp") {
      if (f.size() != 9 || (c.solver = solver_id(f[2])) < 0) return bad("bad logp line");
      if (!parse_u64(f[3], 10, &v)) return bad("bad steps");
      c.steps = static_cast<int>(v);
      if (!parse_float(f[4], &c.t0)) return bad("bad time");
      if (!parse_u64(f[5], 10, &v) || v > 4096) return bad("bad probes");
      c.probes = static_cast<int>(v);
      if (!parse_u64(f[6], 10, &v) || v > 0xffffffffu) return bad("bad seed");
      c.seed = static_cast<std::uint32_t>(v);
      if (!parse_u64(f[7], 10, &v)) return bad("bad n");
      c.n = static_cast<int>(v);
      if (!parse_u64(f[8], 16, &c.hash)) return bad("bad hash");
    } else if (c.kind == "integrate") {
      if (f.size() != 8 || (c.solver = solver_id(f[2])) < 0) return bad("bad integrate line");
      if (!parse_u64(f[3], 10, &v)) return bad("bad steps");
      c.steps = static_cast<int>(v);
      if (!parse_float(f[4], &c.t0) || !parse_float(f[5], &c.t1)) return bad("bad times");
      if (!parse_u64(f[6], 10, &v)) return bad("bad n");
      c.n = static_cast<int>(v);
      if (!parse_u64(f[7], 16, &c.hash)) return bad("bad hash");
    } else {
      return bad("unknown line");
    }
    g_cases.push_back(c);
  }
  if (!have_format) {
    std::fprintf(stderr, "%s: no `format 1` line\n", path.c_str());
    return false;
  }
  return true;
}

// The cases --write records for one model.
void add_cases(int mi, bool shipped) {
  auto push = [&](const char* kind, int solver, int steps, std::uint32_t seed, int n, float t0, float t1) {
    Case c;
    c.kind = kind;
    c.model = mi;
    c.solver = solver;
    c.steps = steps;
    c.seed = seed;
    c.n = n;
    c.t0 = t0;
    c.t1 = t1;
    g_cases.push_back(c);
  };
  // log p of the fixed points: exact, and Hutchinson's estimate (pins the probe stream).
  auto logp = [&](int solver, int steps, float t, int probes, std::uint32_t seed, int n) {
    push("logp", solver, steps, seed, n, t, 0);
    g_cases.back().probes = probes;
  };
  if (shipped) {
    // Width 128 models: a few field evaluations per solver keep QEMU fast.
    const int steps[4] = {16, 8, 8, 4};
    for (int s = 0; s < 4; ++s) push("sample", s, steps[s], 7, 4, 0, 0);
    push("sample", 2, 2, 4294967295u, 4, 0, 0);
    push("field", 0, 0, 0, 4, 0.5f, 0);
    push("integrate", 3, 2, 0, 4, 1.0f, 0.0f);
    // Few evaluations: the soft-float firmware (M3, rv32imac) runs these under QEMU's time limit.
    logp(3, 1, 1.0f, 0, 0, 2);
    logp(1, 1, 1.0f, 1, 9, 2);
    return;
  }
  const std::uint32_t seeds[2] = {0u, 4294967295u};
  for (int s = 0; s < 4; ++s)
    for (int steps : {1, 7})
      for (std::uint32_t seed : seeds) push("sample", s, steps, seed, 5, 0, 0);
  if (mi == 0) push("sample", 0, 3, 123456789u, 70, 0, 0);  // more points than a 64-row tile
  for (float t : {0.0f, 0.375f, 1.0f}) push("field", 0, 0, 0, 7, t, 0);
  push("integrate", 2, 5, 0, 7, 1.0f, 0.0f);   // backwards: data to noise
  push("integrate", 3, 3, 0, 7, 0.25f, 0.75f);
  logp(3, 4, 1.0f, 0, 0, 5);
  logp(2, 3, 0.625f, 2, 5, 5);
}

// Computes every case on both native placements. Returns the number of failures
// (cases whose placements disagree, that fail to run, or, if check, that differ from FILE).
int compute(bool check, int* passed) {
  int failed = 0;
  for (Case& c : g_cases) {
    Model& m = g_models[c.model];
    const std::string text = case_text(c);
    if (m.open == nullptr) {
      ++failed;
      std::printf("FAIL %s: model unavailable\n", text.c_str());
      continue;
    }
    std::string why;
    const std::uint64_t a = run_case(c, m.open, &why);
    const std::uint64_t b = why.empty() ? run_case(c, m.placed, &why) : 0;
    if (!why.empty()) {
      ++failed;
      std::printf("FAIL %s: %s\n", text.c_str(), why.c_str());
    } else if (a != b) {
      ++failed;
      std::printf("FAIL %s: rill_model_open gives %s, rill_model_init (chunk 1, unpacked) gives %s\n", text.c_str(),
                  hex64(a).c_str(), hex64(b).c_str());
    } else if (check && a != c.hash) {
      ++failed;
      std::printf("FAIL %s (line %d): native %s, golden %s\n", text.c_str(), c.line, hex64(a).c_str(),
                  hex64(c.hash).c_str());
    } else {
      ++*passed;
      c.hash = a;
    }
  }
  return failed;
}

int cmd_check(const std::string& path) {
  int problems = 0, passed = 0;
  if (!read_golden(path, &problems)) {
    std::printf("0 passed, 1 failed\n");
    return 1;
  }
  const int failed = compute(true, &passed) + problems;
  std::printf("golden: %zu models, %zu cases checked against %s (native, two placements each)\n", g_models.size(),
              g_cases.size(), path.c_str());
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

bool write_text(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "golden: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

int cmd_write(const std::string& path, const std::vector<std::string>& shipped) {
  for (std::size_t i = 0; i < sizeof kSynthetic / sizeof kSynthetic[0]; ++i) {
    Model m;
    std::string why;
    if (!load_model(kSynthetic[i].name, "synthetic", &m, &why)) {
      std::fprintf(stderr, "golden: %s\n", why.c_str());
      return 1;
    }
    g_models.push_back(std::move(m));
    add_cases(static_cast<int>(g_models.size()) - 1, false);
  }
  for (const std::string& name : shipped) {
    Model m;
    std::string why;
    std::vector<unsigned char> probe;
    if (!read_file(g_shipped + "/" + name + ".safetensors", &probe)) {
      std::fprintf(stderr, "golden: no shipped model %s/%s.safetensors, left out\n", g_shipped.c_str(), name.c_str());
      continue;
    }
    if (!load_model(name, name + ".safetensors", &m, &why)) {
      std::fprintf(stderr, "golden: %s\n", why.c_str());
      return 1;
    }
    g_models.push_back(std::move(m));
    add_cases(static_cast<int>(g_models.size()) - 1, true);
  }
  // The narrow-dtype models come after the others' cases (they were added later; the older lines stay as they were).
  const std::size_t first_narrow = g_models.size();
  for (std::size_t i = 0; i < sizeof kNarrowSynthetic / sizeof kNarrowSynthetic[0]; ++i) {
    Model m;
    std::string why;
    if (!load_model(kNarrowSynthetic[i].name, "synthetic", &m, &why)) {
      std::fprintf(stderr, "golden: %s\n", why.c_str());
      return 1;
    }
    g_models.push_back(std::move(m));
    add_cases(static_cast<int>(g_models.size()) - 1, false);
  }
  int passed = 0;
  if (compute(false, &passed) != 0) return 1;
  std::string out = kHeader;
  auto model_line = [&](const Model& m) {
    out += "model " + m.name + " " + m.source + " " + std::to_string(m.bytes.size()) + " " + hex64(m.fnv) + "\n";
  };
  for (std::size_t i = 0; i < first_narrow; ++i) model_line(g_models[i]);
  int last = -1;
  bool narrow_started = false;
  for (const Case& c : g_cases) {
    if (static_cast<std::size_t>(c.model) >= first_narrow && !narrow_started) {
      narrow_started = true;
      out += "\n# narrow weights (formats.md \"Weight dtypes\"): F16, BF16 and I8 synthetic models\n";
      for (std::size_t i = first_narrow; i < g_models.size(); ++i) model_line(g_models[i]);
    }
    if (c.model != last) out += "\n";
    last = c.model;
    out += case_text(c) + " " + hex64(c.hash) + "\n";
  }
  if (!write_text(path, out)) return 1;
  std::printf("golden: wrote %s: %zu models, %zu cases\n", path.c_str(), g_models.size(), g_cases.size());
  return 0;
}

// ---------------------------------------------------------------------------
// Damaged files for the firmware's loader test: a truncation and/or a patch of
// a few bytes, with the status and message the native library gives for them.

struct Damage {
  std::string what;
  int model = 0;
  std::size_t len = 0;     // the damaged file's length
  std::size_t off = 0;     // patch offset (n == 0: no patch)
  std::vector<unsigned char> patch;
  int status = 0;
  std::uint64_t msg_fnv = 0;
  std::string msg;
};

void damage_for(int mi, std::vector<Damage>* out) {
  const std::vector<unsigned char>& b = g_models[mi].bytes;
  std::uint64_t hlen = 0;
  for (int i = 0; i < 8; ++i) hlen |= static_cast<std::uint64_t>(b[i]) << (8 * i);
  const std::string header(b.begin() + 8, b.begin() + 8 + static_cast<std::ptrdiff_t>(hlen));
  auto add = [&](const std::string& what, std::size_t len, std::size_t off, std::vector<unsigned char> patch) {
    Damage d;
    d.what = g_models[mi].name + ": " + what;
    d.model = mi;
    d.len = len;
    d.off = off;
    d.patch = std::move(patch);
    out->push_back(d);
  };
  auto text_patch = [&](const std::string& what, const std::string& find, const std::string& repl) {
    const std::size_t at = header.find(find);
    if (at == std::string::npos) return;
    // Patch only the bytes that differ (find and repl have the same length).
    std::size_t lo = 0, hi = repl.size();
    while (lo < hi && find[lo] == repl[lo]) ++lo;
    while (hi > lo && find[hi - 1] == repl[hi - 1]) --hi;
    add(what, b.size(), 8 + at + lo, std::vector<unsigned char>(repl.begin() + lo, repl.begin() + hi));
  };
  auto le64 = [](std::uint64_t v) {
    std::vector<unsigned char> p(8);
    for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
    return p;
  };
  add("empty file", 0, 0, {});
  add("7 bytes", 7, 0, {});
  add("header only", 8 + hlen, 0, {});
  add("one byte short", b.size() - 1, 0, {});
  add("header length 2^63", b.size(), 0, le64(1ull << 63));
  add("header length past the end", b.size(), 0, le64(b.size()));
  add("header length 0", b.size(), 0, le64(0));
  add("not an object", b.size(), 8, {'['});
  add("NaN weight", b.size(), 8 + hlen, {0x00, 0x00, 0xc0, 0x7f});
  add("Inf bias", b.size(), b.size() - 4, {0x00, 0x00, 0x80, 0xff});
  // Change one character right after `after` (the first occurrence), e.g. a value's first letter.
  auto after_patch = [&](const std::string& what, const std::string& after, unsigned char (*change)(unsigned char)) {
    const std::size_t at = header.find(after);
    if (at == std::string::npos || at + after.size() >= header.size()) return;
    const std::size_t pos = 8 + at + after.size();
    add(what, b.size(), pos, {change(b[pos])});
  };
  text_patch("dtype F16", "\"F32\"", "\"F16\"");
  text_patch("format 2", "\"rill.format\":\"1\"", "\"rill.format\":\"2\"");
  after_patch("unknown activation", "\"activation\":\"", [](unsigned char) -> unsigned char { return 'x'; });
  after_patch("another dim", "\"dim\":\"", [](unsigned char c) -> unsigned char { return c == '9' ? '8' : c + 1; });
  after_patch("unknown time embedding", "\"time_embedding\":\"", [](unsigned char) -> unsigned char { return 'q'; });
  after_patch("shape changed", "\"shape\":[", [](unsigned char c) -> unsigned char { return c == '9' ? '8' : c + 1; });
  text_patch("offset moved", "\"data_offsets\":[0,", "\"data_offsets\":[4,");
  text_patch("unknown tensor", "\"layers.1.bias\"", "\"layers.1.bist\"");
  text_patch("unterminated string", "\"condot\"", "\"condot\\");
  // Deterministic single-byte damage all over the header.
  for (std::uint32_t i = 0; i < 24; ++i) {
    const std::size_t at = 8 + (static_cast<std::size_t>(i) * 7919u + 13u) % hlen;
    const unsigned char v = static_cast<unsigned char>(b[at] ^ (1u << (i % 7)));
    add("header byte " + std::to_string(at) + " ^ " + std::to_string(1u << (i % 7)), b.size(), at, {v});
  }
}

void apply_damage(const Damage& d, std::vector<unsigned char>* file) {
  *file = g_models[d.model].bytes;
  for (std::size_t i = 0; i < d.patch.size(); ++i) (*file)[d.off + i] = d.patch[i];
  file->resize(d.len);
}

void compute_damage(std::vector<Damage>* list) {
  for (Damage& d : *list) {
    std::vector<unsigned char> file;
    apply_damage(d, &file);
    std::vector<float> aligned(file.size() / 4 + 1);
    if (!file.empty()) std::memcpy(aligned.data(), file.data(), file.size());
    char err[256] = "";
    std::size_t need = 0;
    d.status = rill_model_memory(aligned.data(), file.size(), 1, 0, &need, err, sizeof err);
    d.msg = err;
    d.msg_fnv = fnv1a(err, std::strlen(err));
  }
}

std::string c_string(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\';
    if (static_cast<unsigned char>(ch) < 32) continue;
    o += ch;
  }
  return o + "\"";
}

std::uint32_t float_bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// The firmware's data: every model's bytes (aligned, in flash), every case with
// FILE's hash, and damaged-file cases with the native status and message.
bool g_only_synthetic = false;  // --synthetic-only: leave shipped models out (small boards)

// Drops the shipped models and their cases (models keep their indices' order).
void keep_synthetic_only() {
  std::vector<int> remap(g_models.size(), -1);
  std::vector<Model> kept;
  for (std::size_t i = 0; i < g_models.size(); ++i)
    if (g_models[i].source == "synthetic") {
      remap[i] = static_cast<int>(kept.size());
      kept.push_back(std::move(g_models[i]));
    }
  g_models = std::move(kept);
  std::vector<Case> cases;
  for (Case c : g_cases)
    if (remap[c.model] >= 0) {
      c.model = remap[c.model];
      cases.push_back(c);
    }
  g_cases = cases;
}

int cmd_emit_c(const std::string& out, const std::string& golden) {
  int problems = 0;
  if (!read_golden(golden, &problems) || problems != 0) return 1;
  if (g_only_synthetic) keep_synthetic_only();
  std::vector<Damage> damage;
  int smallest = 0;  // damage the smallest model, so the firmware's copy buffer stays small
  for (std::size_t i = 1; i < g_models.size(); ++i)
    if (g_models[i].bytes.size() < g_models[smallest].bytes.size()) smallest = static_cast<int>(i);
  damage_for(smallest, &damage);
  compute_damage(&damage);
  std::string s;
  s += "/* Generated by tests/golden/golden --emit-c from " + golden +
       ": do not edit.\n * The golden models, cases and expected hashes for the firmware tests. */\n";
  s += "#include <stdint.h>\n\n";
  s += "typedef struct { const char* name; const unsigned char* bytes; uint32_t len; uint64_t fnv; } golden_model;\n";
  s += "enum { GOLDEN_SAMPLE = 0, GOLDEN_FIELD = 1, GOLDEN_INTEGRATE = 2, GOLDEN_LOGP = 3 };\n";
  s += "typedef struct { uint8_t kind, model, solver; uint16_t steps; uint32_t seed; int32_t n;\n"
       "                 uint32_t t0_bits, t1_bits; uint64_t hash; const char* text; int32_t probes; } golden_case;\n";
  s += "typedef struct { uint8_t model; uint32_t len, off; uint8_t patch_n; uint8_t patch[8];\n"
       "                 int32_t status; uint64_t msg_fnv; const char* what; const char* msg; } golden_damage;\n\n";
  for (std::size_t i = 0; i < g_models.size(); ++i) {
    const Model& m = g_models[i];
    s += "__attribute__((aligned(16))) static const unsigned char golden_model_" + std::to_string(i) + "[" +
         std::to_string(m.bytes.size()) + "] = {";
    char buf[8];
    for (std::size_t k = 0; k < m.bytes.size(); ++k) {
      if (k % 24 == 0) s += "\n";
      std::snprintf(buf, sizeof buf, "%u,", m.bytes[k]);
      s += buf;
    }
    s += "};\n";
  }
  s += "\nstatic const golden_model golden_models[] = {\n";
  for (std::size_t i = 0; i < g_models.size(); ++i)
    s += "  {" + c_string(g_models[i].name) + ", golden_model_" + std::to_string(i) + ", " +
         std::to_string(g_models[i].bytes.size()) + "u, 0x" + hex64(g_models[i].fnv) + "ull},\n";
  s += "};\nenum { GOLDEN_MODELS = " + std::to_string(g_models.size()) + " };\n\n";
  s += "static const golden_case golden_cases[] = {\n";
  for (const Case& c : g_cases) {
    const int kind = c.kind == "sample" ? 0 : c.kind == "field" ? 1 : c.kind == "logp" ? 3 : 2;
    char buf[160];
    std::snprintf(buf, sizeof buf, "  {%d, %d, %d, %d, %" PRIu32 "u, %d, 0x%08" PRIx32 "u, 0x%08" PRIx32 "u, 0x%sull, ",
                  kind, c.model, c.solver, c.steps, c.seed, c.n, float_bits(c.t0), float_bits(c.t1),
                  hex64(c.hash).c_str());
    s += buf + c_string(case_text(c)) + ", " + std::to_string(c.probes) + "},\n";
  }
  s += "};\nenum { GOLDEN_CASES = " + std::to_string(g_cases.size()) + " };\n\n";
  s += "static const golden_damage golden_damages[] = {\n";
  for (const Damage& d : damage) {
    std::string p = "{";
    for (std::size_t i = 0; i < d.patch.size(); ++i) p += std::to_string(d.patch[i]) + ",";
    p += "}";
    if (d.patch.empty()) p = "{0}";
    s += "  {" + std::to_string(d.model) + ", " + std::to_string(d.len) + "u, " + std::to_string(d.off) + "u, " +
         std::to_string(d.patch.size()) + ", " + p + ", " + std::to_string(d.status) + ", 0x" + hex64(d.msg_fnv) +
         "ull, " + c_string(d.what) + ", " + c_string(d.msg) + "},\n";
  }
  s += "};\nenum { GOLDEN_DAMAGES = " + std::to_string(damage.size()) + " };\n";
  if (!write_text(out, s)) return 1;
  std::printf("golden: wrote %s: %zu models, %zu cases, %zu damaged files\n", out.c_str(), g_models.size(),
              g_cases.size(), damage.size());
  return 0;
}

// The WebAssembly tests' data: DIR/golden.json and the model files beside it.
int cmd_emit_json(const std::string& dir, const std::string& golden) {
  int problems = 0;
  if (!read_golden(golden, &problems) || problems != 0) return 1;
  std::string s = "{\n  \"format\": 1,\n  \"source\": " + c_string(golden) + ",\n";
  s += "  \"hash\": \"FNV-1a 64 of the output as little-endian float32 bytes (n x d, row-major), 16 hex digits\",\n";
  s += "  \"points\": \"field and integrate inputs: x[k] = ((7*k) % 33 - 16) / 8, k = 0 .. n*d-1\",\n";
  s += "  \"models\": [\n";
  for (std::size_t i = 0; i < g_models.size(); ++i) {
    const Model& m = g_models[i];
    const std::string file = m.name + ".safetensors";
    std::string text(m.bytes.begin(), m.bytes.end());
    if (!write_text(dir + "/" + file, text)) return 1;
    s += "    {\"name\": " + c_string(m.name) + ", \"file\": " + c_string(file) + ", \"source\": " +
         c_string(m.source) + ", \"bytes\": " + std::to_string(m.bytes.size()) + ", \"fnv\": \"" + hex64(m.fnv) +
         "\", \"dim\": " + std::to_string(m.dim) + "}" + (i + 1 < g_models.size() ? ",\n" : "\n");
  }
  s += "  ],\n  \"cases\": [\n";
  for (std::size_t i = 0; i < g_cases.size(); ++i) {
    const Case& c = g_cases[i];
    std::string e = "    {\"kind\": \"" + c.kind + "\", \"model\": " + c_string(g_models[c.model].name);
    if (c.kind == "sample")
      e += ", \"solver\": \"" + std::string(kSolvers[c.solver]) + "\", \"steps\": " + std::to_string(c.steps) +
           ", \"seed\": " + std::to_string(c.seed);
    else if (c.kind == "field")
      e += ", \"t\": " + ftext(c.t0);
    else if (c.kind == "logp")
      e += ", \"solver\": \"" + std::string(kSolvers[c.solver]) + "\", \"steps\": " + std::to_string(c.steps) +
           ", \"t\": " + ftext(c.t0) + ", \"probes\": " + std::to_string(c.probes) + ", \"seed\": " +
           std::to_string(c.seed);
    else
      e += ", \"solver\": \"" + std::string(kSolvers[c.solver]) + "\", \"steps\": " + std::to_string(c.steps) +
           ", \"t0\": " + ftext(c.t0) + ", \"t1\": " + ftext(c.t1);
    e += ", \"n\": " + std::to_string(c.n) + ", \"hash\": \"" + hex64(c.hash) + "\"}";
    s += e + (i + 1 < g_cases.size() ? ",\n" : "\n");
  }
  s += "  ]\n}\n";
  if (!write_text(dir + "/golden.json", s)) return 1;
  std::printf("golden: wrote %s/golden.json: %zu models, %zu cases\n", dir.c_str(), g_models.size(), g_cases.size());
  return 0;
}

int cmd_sample_hash(const std::string& path, const std::string& solver, const std::string& steps,
                    const std::string& seed, const std::string& n) {
  Model m;
  if (!read_file(path, &m.bytes)) {
    std::fprintf(stderr, "golden: cannot read %s\n", path.c_str());
    return 1;
  }
  std::string why;
  if (!open_model(m, &why)) {
    std::fprintf(stderr, "golden: %s: %s\n", path.c_str(), why.c_str());
    return 1;
  }
  g_models.push_back(std::move(m));
  Case c;
  c.kind = "sample";
  c.solver = solver_id(solver);
  c.steps = std::atoi(steps.c_str());
  c.seed = static_cast<std::uint32_t>(std::strtoul(seed.c_str(), nullptr, 10));
  c.n = std::atoi(n.c_str());
  if (c.solver < 0) {
    std::fprintf(stderr, "golden: unknown solver %s\n", solver.c_str());
    return 1;
  }
  g_cases.push_back(c);
  int passed = 0;
  if (compute(false, &passed) != 0) return 1;
  std::printf("%s\n", hex64(g_cases[0].hash).c_str());
  return 0;
}

// The demo firmware's log-likelihood line (src/mcu/main.cpp): log p of its
// first sample and of (6, 6), exact divergence, RK4, 16 steps; the hash of the two.
int cmd_demo_logp_hash(const std::string& path, const std::string& solver, const std::string& steps,
                       const std::string& seed, const std::string& n) {
  std::vector<unsigned char> bytes;
  rill_model* m = nullptr;
  char err[256] = "";
  if (!read_file(path, &bytes) || rill_model_open(bytes.data(), bytes.size(), &m, err, sizeof err) != RILL_OK) {
    std::fprintf(stderr, "golden: cannot open %s %s\n", path.c_str(), err);
    return 1;
  }
  const int d = rill_model_dim(m), count = std::atoi(n.c_str());
  std::vector<float> x(static_cast<std::size_t>(count) * d);
  int st = rill_sample(m, count, std::atoi(steps.c_str()), solver_id(solver),
                       static_cast<std::uint32_t>(std::strtoul(seed.c_str(), nullptr, 10)), x.data(), nullptr);
  std::vector<float> points(2 * static_cast<std::size_t>(d), 6.0f);
  for (int j = 0; j < d; ++j) points[j] = x[j];
  float logp[2] = {0, 0};
  rill_run_options o;
  rill_run_options_default(&o);
  o.solver = RILL_RK4;
  o.steps = 16;
  if (st == RILL_OK) st = rill_log_prob(m, points.data(), 2, &o, logp);
  rill_model_free(m);
  if (st != RILL_OK) return 1;
  std::printf("%s\n", hex64(hash_floats(logp, 2)).c_str());
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: golden [--shipped DIR] [--models a,b] [--synthetic-only] --check FILE | --write FILE | --emit-c OUT.h FILE |\n"
               "              --emit-json DIR FILE | --sample-hash MODEL SOLVER STEPS SEED N |\n"
               "              --demo-logp-hash MODEL SOLVER STEPS SEED N\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  std::vector<std::string> shipped = {"moons"};
  for (std::size_t i = 0; i < a.size();) {
    if (a[i] == "--shipped" && i + 1 < a.size()) {
      g_shipped = a[i + 1];
    } else if (a[i] == "--synthetic-only") {
      g_only_synthetic = true;
      a.erase(a.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    } else if (a[i] == "--models" && i + 1 < a.size()) {
      shipped.clear();
      std::string list = a[i + 1];
      std::size_t p = 0;
      while (p <= list.size()) {
        std::size_t q = list.find(',', p);
        if (q == std::string::npos) q = list.size();
        if (q > p) shipped.push_back(list.substr(p, q - p));
        p = q + 1;
      }
    } else {
      ++i;
      continue;
    }
    a.erase(a.begin() + static_cast<std::ptrdiff_t>(i), a.begin() + static_cast<std::ptrdiff_t>(i) + 2);
  }
  if (a.size() == 2 && a[0] == "--check") return cmd_check(a[1]);
  if (a.size() == 2 && a[0] == "--write") return cmd_write(a[1], shipped);
  if (a.size() == 3 && a[0] == "--emit-c") return cmd_emit_c(a[1], a[2]);
  if (a.size() == 3 && a[0] == "--emit-json") return cmd_emit_json(a[1], a[2]);
  if (a.size() == 6 && a[0] == "--demo-logp-hash") return cmd_demo_logp_hash(a[1], a[2], a[3], a[4], a[5]);
  if (a.size() == 6 && a[0] == "--sample-hash") return cmd_sample_hash(a[1], a[2], a[3], a[4], a[5]);
  return usage();
}
