// `rill convert`: a model file in another weight dtype (shared/spec/formats.md,
// "Weight dtypes"). The conversion is the core's writer (model_write with a
// dtype); the error is measured by reading the written bytes back through the
// loader, so what is reported is what every target will compute with.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/fail.h"
#include "cli/model.h"
#include "cli/output.h"
#include "rill/model_io.h"
#include "rill/narrow.h"

namespace cli {

namespace {

struct Extras {
  std::vector<std::string> keys, values;
};

// The file's own metadata, less the keys rill writes from the architecture, and made_by = convert.
Extras carried_metadata(const rill::Model& model) {
  Extras e;
  rill::model_metadata_each(
      model,
      [](const char* k, const char* v, void* ctx) {
        for (const char* own : rill::kRillMetadataKeys)
          if (std::strcmp(k, own) == 0) return;
        if (std::strcmp(k, "made_by") == 0) return;
        Extras& x = *static_cast<Extras*>(ctx);
        x.keys.push_back(k);
        x.values.push_back(v);
      },
      &e);
  e.keys.push_back("made_by");
  e.values.push_back("convert");
  return e;
}

// Largest |a − b| over every weight and bias of two models of one spec.
double max_abs_error(const rill::Mlp& a, const rill::Mlp& b) {
  double worst = 0.0;
  const rill::MlpSpec& s = a.spec;
  auto see = [&](float x, float y) {
    const double d = static_cast<double>(x) - static_cast<double>(y);
    const double m = d < 0 ? -d : d;
    if (m > worst) worst = m;
  };
  for (int i = 0; i < s.n_layers; ++i) {
    const std::size_t wn = static_cast<std::size_t>(s.sizes[i]) * static_cast<std::size_t>(s.sizes[i + 1]);
    for (std::size_t q = 0; q < wn; ++q) see(a.weight[i][q], b.weight[i][q]);
    for (int j = 0; j < s.sizes[i + 1]; ++j) see(a.bias[i][j], b.bias[i][j]);
  }
  return worst;
}

rill::WeightDtype dtype_flag(const Args& args) {
  const std::string name = args.choice("--dtype", {"f32", "f16", "bf16", "i8"});
  if (name == "f16") return rill::WeightDtype::f16;
  if (name == "bf16") return rill::WeightDtype::bf16;
  if (name == "i8") return rill::WeightDtype::i8;
  return rill::WeightDtype::f32;
}

int run_convert(const Args& args) {
  const std::string out = args.text("--out");
  check_output(args, "--out", Kind::model);
  const rill::WeightDtype dtype = dtype_flag(args);
  const auto model = load_model(args.text("--model"));  // narrow weights widened to float32
  if (model->is_formula())
    runtime_error("'%s' is a formula model; formula models have no weights to convert", model->path.c_str());
  const rill::Model& m = model->file.model;
  Extras e = carried_metadata(m);
  std::vector<rill::KeyValue> extra;
  for (std::size_t i = 0; i < e.keys.size(); ++i) extra.push_back({e.keys[i].c_str(), e.values[i].c_str()});
  const int n_extra = static_cast<int>(extra.size());
  rill::Message msg;
  std::size_t size = rill::model_file_size(model->mlp, m.sigma_min, extra.data(), n_extra, dtype);
  std::vector<float> aligned(size / 4 + 1);  // float-aligned, so the check below reads it in place
  unsigned char* bytes = reinterpret_cast<unsigned char*>(aligned.data());
  rill::Status st = rill::model_write(model->mlp, m.sigma_min, extra.data(), n_extra, bytes, size, &size, &msg, dtype);
  if (st != rill::Status::ok)
    runtime_error("cannot convert %s to %s: %s", model->path.c_str(), rill::weight_dtype_name(dtype),
                  core_reason(st, msg).c_str());
  rill::Model back;
  st = rill::model_load(bytes, size, nullptr, &back, &msg);
  if (st != rill::Status::ok) runtime_error("the converted model does not load: %s", core_reason(st, msg).c_str());
  std::vector<float> wide(back.mlp.spec.param_count());
  if (back.dtype != rill::WeightDtype::f32) rill::mlp_widen(back.mlp, wide.data());
  const double err = max_abs_error(model->mlp, back.mlp);
  OutputFile file(out);
  if (std::fwrite(bytes, 1, size, file.file()) != size) runtime_error("cannot write %s", out.c_str());
  file.commit();
  // The report goes to stderr when the model itself went to stdout (--out -), so that the bytes stay a model file.
  std::fprintf(out == "-" ? stderr : stdout, "max abs weight error %.3g (%s -> %s), %zu bytes\n", err,
               rill::weight_dtype_name(m.dtype), rill::weight_dtype_name(dtype), size);
  return 0;
}

}  // namespace

const Command& convert_command() {
  static const Command c{
      "convert",
      "write a model with F32, F16, BF16 or I8 weights (smaller files, e.g. for flash)",
      "convert --model MODEL --dtype f32|f16|bf16|i8 --out FILE",
      "Writes the model's weights in another dtype (shared/spec/formats.md, \"Weight dtypes\"):\n"
      "f16 and bf16 round to nearest even; i8 stores q in [-127, 127] with one F32 scale per\n"
      "output row (max |W[j]| / 127, q rounded to nearest even; biases stay F32). Every target\n"
      "widens the weights exactly as it computes, so the file gives the same bits everywhere.\n"
      "Prints the largest absolute weight error on standard output. A weight outside the\n"
      "dtype's range (f16: |w| > 65504) exits 1 and writes nothing.\n",
      {
          {"--model", "MODEL", nullptr, "model file or shipped model name (required; not a formula)"},
          {"--dtype", "DTYPE", nullptr, "f32, f16, bf16 or i8 (required)"},
          {"--out", "FILE", nullptr, "the model file to write, or - for stdout (the report then goes to stderr) (required)"},
      },
      run_convert};
  return c;
}

}  // namespace cli
