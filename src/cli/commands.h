// commands: the table of `rill` subcommands.
//
// To add a command (e.g. `bench`): write cmd_bench.cpp defining
// `const Command& bench_command()` (its flags, help and run function; see
// args.h), declare it here, and add it to kCommandTable in commands.cpp.
#pragma once
#include <vector>

#include "cli/args.h"
#include "rill/datasets.h"
#include "rill/solver.h"

namespace cli {

const Command& train_command();
const Command& sample_command();
const Command& field_command();
const Command& data_command();
const Command& eval_command();
const Command& info_command();
const Command& export_c_command();
const Command& convert_command();
const Command& bench_command();
const Command& integrate_command();
const Command& logp_command();
const Command& reflow_command();

// Every command, in the order `rill --help` lists them.
const std::vector<const Command*>& all_commands();

// Flags shared by the commands that sample from a model (sample, eval):
// --steps, --solver, --seed.
std::vector<Flag> sampling_flags();
struct Sampling {
  int steps;
  rill::Solver solver;
  std::uint32_t seed;
};
Sampling parse_sampling(const Args& args);
constexpr long kMaxSampleSteps = 1000000;
// --solver alone (a usage error unless euler, midpoint, heun or rk4).
rill::Solver parse_solver_flag(const Args& args);
// The time of each snapshot of a trajectory from t0 to t1 in `steps` steps:
// t0 + s·h as the solver steps (h = (t1 − t0)/steps), the last exactly t1.
std::vector<float> trajectory_times(float t0, float t1, int steps);
// Floats one command may hold for samples or a trajectory (4 GB).
constexpr double kMaxFloats = 1u << 30;

// A built-in dataset named by flag `name` (one of dataset_list(), else a usage error).
// with_digits: the usage error lists `digits` too (the caller has handled
// digits, a finite set outside rill::Dataset: cli/digits.h).
rill::Dataset dataset_flag(const Args& args, const char* name, bool with_digits = false);
std::string dataset_list();  // "gaussian, 8gaussians, ..."

// --threads N (train, sample, eval): worker threads, 1 .. 64, or 0 for one
// per hardware thread. Any count gives the bits of one thread.
Flag threads_flag();
int parse_threads(const Args& args);

// --exact and --probes K (logp, eval): the divergence of a log-likelihood
// (formats.md "Log-likelihood"). Neither: exact for d <= kExactDimMax, else
// Hutchinson's estimate with kDefaultProbes probes a point. Both: a usage error.
constexpr int kExactDimMax = 16;
constexpr int kDefaultProbes = 1;   // formats.md's default
constexpr int kMaxProbes = 4096;
std::vector<Flag> density_flags();
// probes = 0 (exact) or K >= 1 for a model of dimension d; seed: the probes'.
struct DensityMethod {
  int probes = 0;
  std::uint32_t seed = 0;
  bool estimate() const { return probes > 0; }
};
DensityMethod parse_density_method(const Args& args, int d, std::uint32_t seed);

}  // namespace cli
