// `rill info`: what a model file holds — architecture, size, cost, metadata.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/describe.h"
#include "cli/fail.h"
#include "cli/model.h"
#include "rill/decimal.h"
#include "rill/model_io.h"

namespace cli {

namespace {

// A metadata key or value as printable text: a file's metadata is anyone's bytes, and control characters
// (ESC sequences, newlines) written raw would drive the terminal or forge lines; they print as \n, \t, \xHH.
std::string printable(const char* s) {
  std::string out;
  for (; *s != '\0'; ++s) {
    const unsigned char c = static_cast<unsigned char>(*s);
    if (c >= 0x20 && c != 0x7f) {
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

void print_meta(const char* key, const char* value, void* ctx) {
  int* count = static_cast<int*>(ctx);
  ++*count;
  std::printf("  %-14s %s\n", printable(key).c_str(), printable(value).c_str());
}

std::string decimal(float v) {
  char buf[32];
  rill::float_to_decimal(v, buf, sizeof buf);
  return buf;
}

// A formula model: what it is, its dimension, and for linear:… the matrix.
int print_formula(const LoadedModel& model) {
  const rill::FormulaModel& f = model.formula;
  const int d = f.dim();
  std::printf("model          %s (a formula: no weights, no file)\n", model.path.c_str());
  std::printf("field          %s\n", f.description());
  std::printf("dimension      %d\n", d);
  if (f.kind() == rill::FormulaModel::Kind::linear) {
    float trace = 0.0f;
    for (int i = 0; i < d; ++i) {
      std::string row;
      for (int j = 0; j < d; ++j) row += (j ? ", " : "") + decimal(f.matrix()[i * d + j]);
      std::printf("%-14s [%s]\n", i == 0 ? "A" : "", row.c_str());
      trace = trace + f.matrix()[i * d + i];
    }
    std::printf("divergence     trace A = %s at every point\n", decimal(trace).c_str());
  } else {
    std::printf("target         8gaussians (shared/spec/datasets.md); log p_1 is the mixture's log-density\n");
  }
  std::printf("source         gaussian (N(0, I) at t = 0)\n");
  return 0;
}

int run_info(const Args& args) {
  const auto model = load_model(args.text("--model"), false);
  if (model->is_formula()) return print_formula(*model);
  const rill::Model& m = model->file.model;
  const rill::MlpSpec& s = m.mlp.spec;
  std::printf("model          %s (%zu bytes)\n", model->path.c_str(), model->file.size);
  std::printf("dimension      %d\n", s.dim);
  std::printf("layers         %s (%d linear layer%s)\n", layers_text(s).c_str(), s.n_layers, s.n_layers == 1 ? "" : "s");
  std::printf("activation     %s\n", rill::activation_name(s.activation));
  if (s.time.k == 0) {
    std::printf("time           raw (t appended after x)\n");
  } else {
    std::printf("time           sin:%d (sin and cos of 2^k pi t, k = 0..%d: %d features after x)\n", s.time.k,
                s.time.k - 1, s.time.features());
  }
  if (s.step.on) {
    char sname[16];
    rill::step_embedding_name(s.step, sname, sizeof sname);
    std::printf("step           %s (the step length h of each solver step, %d feature%s after the time's: the output "
                "is the average velocity over [t, t + h]; forwards only, no log-density)\n",
                sname, s.step.features(), s.step.features() == 1 ? "" : "s");
  }
  char path[64] = "condot";
  rill::model_metadata(m, "path", path, sizeof path);
  char sigma[32];
  rill::float_to_decimal(m.sigma_min, sigma, sizeof sigma);
  std::printf("path           %s, sigma_min %s\n", path, sigma);
  char cname[32];
  rill::condition_name(s.condition, cname, sizeof cname);
  const char* after = s.step.on ? "step" : "time";  // the input row: [x | time | step | condition]
  if (s.condition.kind == rill::ConditionSpec::Kind::cls) {
    char names[4096];
    if (!rill::model_metadata(m, "class_names", names, sizeof names)) {
      std::string list;
      for (int k = 0; k < s.condition.count && k < 64; ++k) list += (k ? "," : "") + std::to_string(k);
      if (s.condition.count > 64) list += ",...";
      std::snprintf(names, sizeof names, "%s", list.c_str());
    }
    std::printf("condition      %s (one-hot after the %s features; --class K), classes %s\n", cname, after, names);
  } else if (s.condition.kind == rill::ConditionSpec::Kind::vector) {
    std::printf("condition      %s (%d value%s and a 1 after the %s features; --cond FILE)\n", cname,
                s.condition.count, s.condition.count == 1 ? "" : "s", after);
  } else {
    std::printf("condition      none\n");
  }
  std::printf("source         %s%s\n", source_name(*model),
              m.source < 0 ? " (N(0, I) at t = 0)" : " (x0 drawn from the dataset; no log-likelihood)");
  char solver[32], steps[32], made_by[64];
  if (rill::model_metadata(m, "sample_solver", solver, sizeof solver) &&
      rill::model_metadata(m, "sample_steps", steps, sizeof steps)) {
    const bool by = rill::model_metadata(m, "made_by", made_by, sizeof made_by);
    std::printf("sampling       %s, %s step%s%s%s%s\n", solver, steps, std::string(steps) == "1" ? "" : "s",
                by ? " (made by " : "", by ? made_by : "", by ? ")" : "");
  }
  std::printf("parameters     %zu\n", s.param_count());
  std::printf("FLOPs          %.0f per field evaluation of one point\n", s.flops());
  if (!m.has_rill_metadata) std::printf("               (no rill metadata: architecture inferred from the tensor shapes)\n");
  std::printf("metadata\n");
  int count = 0;
  rill::model_metadata_each(m, print_meta, &count);
  if (count == 0) std::printf("  (none)\n");
  return 0;
}

}  // namespace

const Command& info_command() {
  static const Command c{
      "info",
      "describe a model: architecture, parameters, FLOPs, metadata",
      "info --model MODEL",
      "Validates the model file and prints its layer sizes, activation, time embedding,\n"
      "condition (none, class:C with its class names, vector:M), source (gaussian or a dataset),\n"
      "the solver and steps it is meant to be sampled with (sample_solver, sample_steps: e.g. a\n"
      "one-step model of rill reflow), parameter count, FLOPs per field evaluation of one point,\n"
      "and every metadata entry.\n"
      "For a formula model (exact:8gaussians, linear:a,b,...) prints what the field is, its\n"
      "dimension and, for linear:, the matrix A and its trace (the divergence).\n",
      {
          {"--model", "MODEL", nullptr, "model file, shipped model name or formula (required)"},
      },
      run_info};
  return c;
}

}  // namespace cli
