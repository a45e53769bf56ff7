// model: finding, loading and running a model file for the commands.
//
// MODEL on the command line is a path or the name of a shipped model
// (`moons` means web/models/moons.safetensors), looked up in ./web/models/
// and then next to the executable (<exe dir>/../web/models/, or
// <exe dir>/../share/rill/models/ for an installed rill). The model runs
// through the core's rill::Runner over the packed Mlp, as the C API's models
// do: chunk by chunk, on threads if asked (the bits depend on neither).
// The commands check their arguments; these functions take them as valid.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "rill/mlp.h"
#include "rill/model_file.h"
#include "rill/solver.h"

namespace cli {

struct LoadedModel {
  std::string path;       // where it was found
  rill::ModelFile file;   // the validated bytes and the Model pointing into them
  rill::Mlp mlp;          // file.model.mlp, packed for the fast kernel
  std::vector<unsigned char> pack;  // memory of the packed weights
  int dim() const { return mlp.spec.dim; }
};

// The file a MODEL argument names; a runtime error listing the places looked at.
std::string find_model(const std::string& name);
// Finds, reads, validates and (for sampling; `pack`) packs the weights; runtime
// errors carry the core's reason.
std::unique_ptr<LoadedModel> load_model(const std::string& name, bool pack = true);

// Integrates x (n × d, in place) from t0 to t1 (steps >= 1, n >= 0).
// trajectory (optional): (steps + 1) × n × d. threads > 1 integrates ranges
// of rows side by side (rows are independent: the same bits). Runtime error
// if the core fails.
void integrate_points(const LoadedModel& m, rill::Solver solver, int steps, float* x, long n, float t0, float t1,
                      float* trajectory, int threads = 1);
// out = u_t(x) for n points.
void eval_field(const LoadedModel& m, float t, const float* x, long n, float* out);

}  // namespace cli
