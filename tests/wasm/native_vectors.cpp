// native_vectors: the native side of the WebAssembly bit-identity tests.
//
//   native_vectors OUTDIR [model.safetensors ...]
//   native_vectors --layout [model.safetensors ...]   (the structs' native layouts; see layout())
//
// Through the C API of the native library (rill.h) it trains a few small
// models (writing their files and per-step losses), samples every model —
// the ones it trained and any given on the command line — for each solver,
// a few step counts and seeds (with and without a trajectory), evaluates the
// field and the log-density on a grid, and opens damaged copies of a model
// file. The formula models (exact:8gaussians, linear:...) are sampled, and
// their fields and log-densities evaluated, the same way. Every output is
// raw little-endian float32 (or the model file's bytes); OUTDIR/manifest.json
// lists the cases. tests/wasm/bits.test.mjs repeats each case through rill.mjs
// and compares the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "rill/rill.h"
#include "native_util.h"

namespace {

std::string g_dir;
std::string g_manifest;
int g_failures = 0;

void note(const std::string& entry) { g_manifest += (g_manifest.empty() ? "  " : ",\n  ") + entry; }

bool write_file(const std::string& name, const void* data, std::size_t bytes) {
  const std::string path = g_dir + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    ++g_failures;
    return false;
  }
  const bool ok = std::fwrite(data, 1, bytes, f) == bytes;
  if (std::fclose(f) != 0 || !ok) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    ++g_failures;
    return false;
  }
  return true;
}

// JSON string literal (the messages and names here are ASCII).
std::string quote(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
      q += esc;
    } else {
      q += c;
    }
  }
  return q + "\"";
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.17g", v);  // exact for uint32 seeds and float32 values
  return b;
}

const char* const kSolvers[] = {"euler", "midpoint", "heun", "rk4"};
const char* const kDatasets[] = {"gaussian", "8gaussians", "moons", "checkerboard", "circles", "spirals", "swissroll"};
const char* const kActivations[] = {"silu", "relu", "tanh", "gelu", "gelu_tanh"};

// A training case: the native trainer's losses and final file, which rill.mjs must reproduce.
struct TrainCase {
  const char* name;
  int dataset;  // RILL_* or RILL_DATA_POINTS
  int dim;      // for RILL_DATA_POINTS
  int width, depth, activation, time_k, batch, steps, schedule, coupling;
  float lr, ema;
  uint32_t seed;
  int warmup;
  float lr_floor, clip, sigma_min;
};

std::string train(const TrainCase& c) {
  rill_train_config cfg;
  rill_train_config_default(&cfg);
  cfg.width = c.width;
  cfg.depth = c.depth;
  cfg.activation = c.activation;
  cfg.time_k = c.time_k;
  cfg.batch = c.batch;
  cfg.steps = c.steps;
  cfg.schedule = c.schedule;
  cfg.coupling = c.coupling;
  cfg.lr = c.lr;
  cfg.ema = c.ema;
  cfg.seed = c.seed;
  cfg.warmup = c.warmup;
  cfg.lr_floor = c.lr_floor;
  cfg.clip = c.clip;
  cfg.sigma_min = c.sigma_min;
  std::vector<float> points;
  const std::string base = std::string("train_") + c.name;
  if (c.dataset == RILL_DATA_POINTS) {
    // A small fixed cloud (exact binary fractions, so JS can read the same file).
    const int count = 40;
    for (int i = 0; i < count; ++i)
      for (int k = 0; k < c.dim; ++k) points.push_back(static_cast<float>((i * 7 + k * 3) % 17) / 8.0f - 1.0f);
    write_file(base + ".points.f32", points.data(), points.size() * sizeof(float));
  }
  rill_trainer* t = nullptr;
  char err[256];
  if (rill_trainer_new(&cfg, c.dataset, points.empty() ? nullptr : points.data(),
                       static_cast<long>(points.size() / (c.dim > 0 ? c.dim : 1)), c.dim, &t, err, sizeof err) != RILL_OK) {
    std::fprintf(stderr, "trainer %s: %s\n", c.name, err);
    ++g_failures;
    return "";
  }
  std::vector<float> losses(static_cast<std::size_t>(c.steps));
  if (rill_trainer_step(t, c.steps, losses.data()) != RILL_OK) {
    std::fprintf(stderr, "trainer %s: %s\n", c.name, rill_trainer_error(t));
    ++g_failures;
  }
  std::vector<unsigned char> file(rill_trainer_file_size(t));
  std::size_t written = 0;
  if (rill_trainer_write(t, file.data(), file.size(), &written) != RILL_OK) {
    std::fprintf(stderr, "trainer %s: write: %s\n", c.name, rill_trainer_error(t));
    ++g_failures;
  }
  rill_trainer_free(t);
  write_file(base + ".losses.f32", losses.data(), losses.size() * sizeof(float));
  write_file(base + ".safetensors", file.data(), written);
  std::string opts = "{\"width\": " + num(c.width) + ", \"depth\": " + num(c.depth) +
                     ", \"activation\": " + quote(kActivations[c.activation]) + ", \"timeK\": " + num(c.time_k) +
                     ", \"batch\": " + num(c.batch) + ", \"steps\": " + num(c.steps) +
                     ", \"schedule\": " + quote(c.schedule ? "cosine" : "constant") +
                     ", \"coupling\": " + quote(c.coupling ? "ot" : "independent") + ", \"lr\": " + num(c.lr) +
                     ", \"ema\": " + num(c.ema) + ", \"seed\": " + num(c.seed) +
                     ", \"warmup\": " + num(c.warmup) + ", \"lrFloor\": " + num(c.lr_floor) +
                     ", \"clip\": " + num(c.clip) + ", \"sigmaMin\": " + num(c.sigma_min);
  if (c.dataset == RILL_DATA_POINTS)
    opts += ", \"dim\": " + num(c.dim) + "}, \"points\": " + quote(base + ".points.f32");
  else
    opts += ", \"dataset\": " + quote(kDatasets[c.dataset]) + "}";
  note("{\"kind\": \"train\", \"name\": " + quote(c.name) + ", \"options\": " + opts + ", \"k\": " + num(c.steps) +
       ", \"losses\": " + quote(base + ".losses.f32") + ", \"file\": " + quote(base + ".safetensors") + "}");
  return base + ".safetensors";
}

// log p_t on the grid (more points than the heap model's chunk) for two solvers and two times.
void logp_of(rill_model* m, const std::string& name, const std::string& tag, const std::vector<float>& grid,
             int count) {
  struct Case {
    int solver, steps;
    float t;
  };
  // A model whose x0 comes from a dataset (a rill.format 2 `source` other than gaussian) has no
  // log-likelihood (formats.md): rill_log_prob refuses it, which test_capi_density checks.
  char format[8] = "", source[64] = "";
  if (rill_model_metadata(m, "rill.format", format, sizeof format) == RILL_OK && std::strcmp(format, "2") == 0 &&
      rill_model_metadata(m, "source", source, sizeof source) == RILL_OK && std::strcmp(source, "gaussian") != 0)
    return;
  const Case cases[] = {{RILL_EULER, 3, 1.0f}, {RILL_RK4, 5, 0.6f}};
  for (const Case& c : cases) {
    rill_run_options o;
    rill_run_options_default(&o);
    o.solver = c.solver;
    o.steps = c.steps;
    o.t = c.t;
    std::vector<float> logp(static_cast<std::size_t>(count));
    if (rill_log_prob(m, grid.data(), count, &o, logp.data()) != RILL_OK) {
      std::fprintf(stderr, "%s: log_prob: %s\n", name.c_str(), rill_model_error(m));
      ++g_failures;
      continue;
    }
    const std::string out = name + ".logp." + kSolvers[c.solver] + "." + num(c.t) + ".f32";
    write_file(out, logp.data(), logp.size() * sizeof(float));
    note("{\"kind\": \"logp\", \"model\": " + quote(name) + tag + ", \"solver\": " + quote(kSolvers[c.solver]) +
         ", \"steps\": " + num(c.steps) + ", \"t\": " + num(c.t) + ", \"points\": " + quote(name + ".grid.f32") +
         ", \"logp\": " + quote(out) + "}");
  }
}

// Samples, fields and log-densities of one model file (its name inside OUTDIR), or of a
// formula model (no bytes: `name` is its name, and the cases say "formula": true).
void vectors_of(const std::string& name, const std::vector<unsigned char>& bytes, bool many) {
  rill_model* m = nullptr;
  char err[256];
  const bool formula = bytes.empty();
  const int rc = formula ? rill_model_open_name(name.c_str(), &m, err, sizeof err)
                         : rill_model_open(bytes.data(), bytes.size(), &m, err, sizeof err);
  const std::string tag = formula ? ", \"formula\": true" : "";
  if (rc != RILL_OK) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), err);
    ++g_failures;
    return;
  }
  const int d = rill_model_dim(m);
  const int n = 300;  // more than the heap model's chunk of 256 points
  const int step_counts[] = {1, 7};
  const uint32_t seeds[] = {0u, 4294967295u};
  int c = 0;
  for (int s = RILL_EULER; s <= RILL_RK4; ++s)
    for (int steps : step_counts)
      for (uint32_t seed : seeds) {
        if (!many && (steps != 7 || seed != 0u)) continue;
        const bool with_traj = (c++ % 3) == 0;
        std::vector<float> out(static_cast<std::size_t>(n) * d);
        std::vector<float> traj(with_traj ? static_cast<std::size_t>(steps + 1) * n * d : 0);
        if (rill_sample(m, n, steps, s, seed, out.data(), with_traj ? traj.data() : nullptr) != RILL_OK) {
          std::fprintf(stderr, "%s: sample: %s\n", name.c_str(), rill_model_error(m));
          ++g_failures;
          continue;
        }
        const std::string stem = name + "." + kSolvers[s] + "." + std::to_string(steps) + "." + std::to_string(seed);
        write_file(stem + ".x.f32", out.data(), out.size() * sizeof(float));
        std::string entry = "{\"kind\": \"sample\", \"model\": " + quote(name) + tag + ", \"n\": " + num(n) +
                            ", \"steps\": " + num(steps) + ", \"solver\": " + quote(kSolvers[s]) + ", \"seed\": " +
                            num(seed) + ", \"x\": " + quote(stem + ".x.f32");
        if (with_traj) {
          write_file(stem + ".traj.f32", traj.data(), traj.size() * sizeof(float));
          entry += ", \"trajectory\": " + quote(stem + ".traj.f32");
        }
        note(entry + "}");
      }
  // The field on a grid over [-3, 3]^d (first two coordinates vary, the rest 0.5).
  const int k = 23;
  std::vector<float> grid;
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j)
      for (int q = 0; q < d; ++q)
        grid.push_back(q == 0 ? -3.0f + 6.0f * static_cast<float>(i) / (k - 1)
                              : q == 1 ? -3.0f + 6.0f * static_cast<float>(j) / (k - 1) : 0.5f);
  write_file(name + ".grid.f32", grid.data(), grid.size() * sizeof(float));
  const float times[] = {0.0f, 0.3f, 1.0f};
  for (float t : times) {
    std::vector<float> u(grid.size());
    if (rill_field(m, grid.data(), k * k, t, u.data()) != RILL_OK) {
      std::fprintf(stderr, "%s: field: %s\n", name.c_str(), rill_model_error(m));
      ++g_failures;
      continue;
    }
    const std::string out = name + ".field." + num(t) + ".f32";
    write_file(out, u.data(), u.size() * sizeof(float));
    note("{\"kind\": \"field\", \"model\": " + quote(name) + tag + ", \"t\": " + num(t) + ", \"points\": " +
         quote(name + ".grid.f32") + ", \"u\": " + quote(out) + "}");
  }
  // The same grid × 3000 (±9000), at t = 0.3: pre-activations far past SiLU's clamp of exp's argument
  // (±87 .. 88.8) on both sides, where rill.wasm's SiLU selects with f32x4.pmax/pmin (kernels.cpp).
  std::vector<float> far(grid);
  for (float& v : far) v *= 3000.0f;
  write_file(name + ".far.f32", far.data(), far.size() * sizeof(float));
  std::vector<float> uf(far.size());
  if (rill_field(m, far.data(), k * k, 0.3f, uf.data()) != RILL_OK) {
    std::fprintf(stderr, "%s: field far out: %s\n", name.c_str(), rill_model_error(m));
    ++g_failures;
  } else {
    write_file(name + ".field.far.f32", uf.data(), uf.size() * sizeof(float));
    note("{\"kind\": \"field\", \"model\": " + quote(name) + tag + ", \"t\": 0.3, \"points\": " +
         quote(name + ".far.f32") + ", \"u\": " + quote(name + ".field.far.f32") + "}");
  }
  logp_of(m, name, tag, grid, k * k);
  rill_model_free(m);
}

// Damaged copies of a model file and the native reason for refusing each.
void damaged(const std::string& name, const std::vector<unsigned char>& good) {
  struct Damage {
    const char* what;
    std::vector<unsigned char> bytes;
  };
  std::vector<Damage> cases;
  cases.push_back({"empty", {}});
  cases.push_back({"seven bytes", std::vector<unsigned char>(good.begin(), good.begin() + 7)});
  cases.push_back({"cut in the header", std::vector<unsigned char>(good.begin(), good.begin() + 40)});
  cases.push_back({"cut in the data", std::vector<unsigned char>(good.begin(), good.end() - 100)});
  std::vector<unsigned char> b = good;
  b[0] = 0xff;
  b[5] = 0x7f;
  cases.push_back({"huge header length", b});
  b = good;
  b[8] = '[';
  cases.push_back({"header not an object", b});
  b = good;
  for (std::size_t i = 8; i + 3 < b.size() && i < 4096; ++i)
    if (std::memcmp(&b[i], "F32", 3) == 0) { b[i] = 'F'; b[i + 1] = '6'; b[i + 2] = '4'; break; }
  cases.push_back({"F64 dtype", b});
  b = good;
  for (std::size_t i = b.size() - 64; i < b.size(); i += 4) { b[i] = 0; b[i + 1] = 0; b[i + 2] = 0xc0; b[i + 3] = 0x7f; }
  cases.push_back({"NaN weights", b});
  cases.push_back({"text", std::vector<unsigned char>({'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!'})});
  int i = 0;
  for (const Damage& c : cases) {
    rill_model* m = nullptr;
    char err[512] = "";
    const int rc = rill_model_open(c.bytes.data(), c.bytes.size(), &m, err, sizeof err);
    if (rc == RILL_OK) {
      rill_model_free(m);
      std::fprintf(stderr, "%s (%s) was accepted\n", name.c_str(), c.what);
      ++g_failures;
      continue;
    }
    const std::string file = name + ".damaged" + std::to_string(i++) + ".bin";
    write_file(file, c.bytes.data(), c.bytes.size());
    note("{\"kind\": \"damaged\", \"what\": " + quote(c.what) + ", \"file\": " + quote(file) + ", \"status\": " +
         quote(rill_status_name(rc)) + ", \"message\": " + quote(err) + "}");
  }
}

}  // namespace

// `native_vectors --layout [model ...]`: rill_model_info and rill_train_config as this
// (native) compiler lays them out, and each model's rill_model_info, as JSON on stdout.
#define FIELD(s, f) "\"" #f "\": " + num(static_cast<double>(offsetof(s, f)))
int layout(int argc, char** argv) {
  std::string out = "{\"info\": {\"size\": " + num(sizeof(rill_model_info)) + ", " + FIELD(rill_model_info, dim) +
                    ", " + FIELD(rill_model_info, layers) + ", " + FIELD(rill_model_info, width) + ", " +
                    FIELD(rill_model_info, activation) + ", " + FIELD(rill_model_info, time_k) + ", " +
                    FIELD(rill_model_info, in_place) + ", " + FIELD(rill_model_info, params) + ", " +
                    FIELD(rill_model_info, flops) + ", " + FIELD(rill_model_info, sigma_min) + ", " +
                    FIELD(rill_model_info, step_k) + "},\n";
  out += " \"config\": {\"size\": " + num(sizeof(rill_train_config)) + ", " + FIELD(rill_train_config, width) + ", " +
         FIELD(rill_train_config, depth) + ", " + FIELD(rill_train_config, activation) + ", " +
         FIELD(rill_train_config, time_k) + ", " + FIELD(rill_train_config, steps) + ", " +
         FIELD(rill_train_config, batch) + ", " + FIELD(rill_train_config, lr) + ", " +
         FIELD(rill_train_config, schedule) + ", " + FIELD(rill_train_config, warmup) + ", " +
         FIELD(rill_train_config, lr_floor) + ", " + FIELD(rill_train_config, clip) + ", " +
         FIELD(rill_train_config, ema) + ", " + FIELD(rill_train_config, coupling) + ", " +
         FIELD(rill_train_config, sigma_min) + ", " + FIELD(rill_train_config, seed) + ", " +
         FIELD(rill_train_config, cfg_dropout) + ", " + FIELD(rill_train_config, source) + ", " +
         FIELD(rill_train_config, condition) + "},\n";
  out += " \"options\": {\"size\": " + num(sizeof(rill_run_options)) + ", " + FIELD(rill_run_options, solver) + ", " +
         FIELD(rill_run_options, steps) + ", " + FIELD(rill_run_options, t0) + ", " + FIELD(rill_run_options, t1) +
         ", " + FIELD(rill_run_options, t) + ", " + FIELD(rill_run_options, class_index) + ", " +
         FIELD(rill_run_options, condition) + ", " + FIELD(rill_run_options, condition_rows) + ", " +
         FIELD(rill_run_options, guidance) + ", " + FIELD(rill_run_options, probes) + ", " +
         FIELD(rill_run_options, probe_seed) + ", " + FIELD(rill_run_options, h) + "},\n \"models\": {";
  for (int i = 2; i < argc; ++i) {
    std::vector<unsigned char> bytes;
    rill_model* m = nullptr;
    rill_model_info info;
    if (!read_file(argv[i], &bytes) || rill_model_open(bytes.data(), bytes.size(), &m, nullptr, 0) != RILL_OK ||
        rill_model_get_info(m, &info) != RILL_OK) {
      std::fprintf(stderr, "cannot open %s\n", argv[i]);
      return 1;
    }
    rill_model_free(m);
    out += std::string(i > 2 ? ",\n  " : "\n  ") + quote(argv[i]) + ": {\"dim\": " + num(info.dim) +
           ", \"layers\": " + num(info.layers) + ", \"width\": " + num(info.width) +
           ", \"activation\": " + quote(kActivations[info.activation]) + ", \"timeK\": " + num(info.time_k) +
           ", \"params\": " + num(info.params) + ", \"flops\": " + num(info.flops) +
           ", \"sigmaMin\": " + num(info.sigma_min) + ", \"stepK\": " + num(info.step_k) + "}";
  }
  std::printf("%s}}\n", out.c_str());
  return 0;
}
#undef FIELD

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--layout") == 0) return layout(argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: native_vectors OUTDIR [model.safetensors ...]\n");
    return 2;
  }
  g_dir = argv[1];
  const TrainCase cases[] = {
      // name      dataset          dim width depth act         tk batch steps sched coup lr     ema    seed
      //   warmup lr_floor clip sigma_min
      {"moons", RILL_MOONS, 2, 32, 2, RILL_SILU, 0, 64, 40, 0, 0, 2e-3f, 0.0f, 5u, 0, 0.0f, 0.0f, 0.0f},
      {"8g_ot_gelu", RILL_8GAUSSIANS, 2, 24, 3, RILL_GELU, 4, 48, 25, 1, 1, 1e-3f, 0.9f, 4000000000u, 0, 0.0f, 0.0f, 0.0f},
      {"points3d", RILL_DATA_POINTS, 3, 16, 1, RILL_TANH, 0, 32, 30, 0, 0, 5e-3f, 0.0f, 0u, 0, 0.0f, 0.0f, 0.0f},
      {"spirals_relu", RILL_SPIRALS, 2, 20, 2, RILL_RELU, 2, 40, 20, 1, 0, 3e-3f, 0.5f, 77u, 0, 0.0f, 0.0f, 0.0f},
      // over 256 rows: the gradient by blocks (train.cpp, kGradBlock), the last one short
      {"moons_b600", RILL_MOONS, 2, 16, 2, RILL_SILU, 0, 600, 4, 0, 0, 2e-3f, 0.0f, 9u, 0, 0.0f, 0.0f, 0.0f},
      // every field of rill_train_config away from its default: rill.mjs writes each one where C reads it
      {"every_field", RILL_CIRCLES, 2, 12, 2, RILL_GELU_TANH, 3, 24, 12, 1, 1, 4e-3f, 0.8f, 123456u, 3, 0.25f, 0.5f,
       0.01f},
  };
  std::vector<std::string> models;
  for (const TrainCase& c : cases) {
    const std::string file = train(c);
    if (!file.empty()) models.push_back(file);
  }
  for (const std::string& file : models) {
    std::vector<unsigned char> bytes;
    if (!read_file((g_dir + "/" + file).c_str(), &bytes)) {
      ++g_failures;
      continue;
    }
    vectors_of(file, bytes, file == models[0]);
    if (file == models[0]) damaged(file, bytes);
  }
  for (int i = 2; i < argc; ++i) {
    std::vector<unsigned char> bytes;
    if (!read_file(argv[i], &bytes)) {
      std::fprintf(stderr, "cannot read %s\n", argv[i]);
      ++g_failures;
      continue;
    }
    std::string base = argv[i];
    const std::size_t slash = base.find_last_of('/');
    if (slash != std::string::npos) base = base.substr(slash + 1);
    base = "shipped_" + base;
    write_file(base, bytes.data(), bytes.size());
    vectors_of(base, bytes, false);
  }
  // The formula models, opened by name.
  for (const char* name : {"exact:8gaussians", "linear:-0.5,1,-1,-0.25"}) vectors_of(name, {}, false);
  const std::string manifest = "[\n" + g_manifest + "\n]\n";
  write_file("manifest.json", manifest.data(), manifest.size());
  return g_failures == 0 ? 0 : 1;
}
