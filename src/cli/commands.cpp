// commands: the command table and the flags several commands share.
#include "cli/commands.h"

#include "rill/thread_pool.h"

namespace cli {

const std::vector<const Command*>& all_commands() {
  static const std::vector<const Command*> kCommandTable = {
      &train_command(), &sample_command(),   &field_command(), &data_command(),
      &integrate_command(), &logp_command(), &eval_command(), &info_command(), &export_c_command(), &convert_command(),
      &reflow_command(), &bench_command(),
  };
  return kCommandTable;
}

std::vector<Flag> sampling_flags() {
  return {
      {"--steps", "N", "20", "integration steps from t = 0 to 1 (1 .. 1000000)"},
      {"--solver", "NAME", "heun", "euler, midpoint, heun (trapezoid) or rk4"},
      {"--seed", "SEED", "0", "seed of the starting noise x0 (0 .. 4294967295)"},
  };
}

Sampling parse_sampling(const Args& args) {
  Sampling s;
  s.steps = static_cast<int>(args.integer("--steps", 1, kMaxSampleSteps));
  s.solver = parse_solver_flag(args);
  s.seed = args.seed("--seed");
  return s;
}

rill::Solver parse_solver_flag(const Args& args) {
  const std::string name = args.choice("--solver", {"euler", "midpoint", "heun", "rk4"});
  rill::Solver solver = rill::Solver::heun;
  rill::parse_solver(name.c_str(), &solver);
  return solver;
}

std::vector<float> trajectory_times(float t0, float t1, int steps) {
  std::vector<float> times(static_cast<std::size_t>(steps) + 1);
  const float h = (t1 - t0) / static_cast<float>(steps);
  for (int s = 0; s <= steps; ++s) times[static_cast<std::size_t>(s)] = s == steps ? t1 : t0 + static_cast<float>(s) * h;
  return times;
}

std::string dataset_list() {
  std::string s;
  for (int i = 0; i < rill::kDatasetCount; ++i)
    s += (i ? ", " : "") + std::string(rill::dataset_name(static_cast<rill::Dataset>(i)));
  return s;
}

rill::Dataset dataset_flag(const Args& args, const char* name, bool with_digits) {
  std::vector<std::string> names;
  for (int i = 0; i < rill::kDatasetCount; ++i) names.push_back(rill::dataset_name(static_cast<rill::Dataset>(i)));
  if (with_digits) names.push_back("digits");
  rill::Dataset d = rill::Dataset::moons;
  rill::parse_dataset(args.choice(name, names).c_str(), &d);
  return d;
}

Flag threads_flag() {
  return {"--threads", "N", "1", "worker threads, 1 .. 64, or 0 for one per core (same results for any N)"};
}

int parse_threads(const Args& args) {
  const int n = static_cast<int>(args.integer("--threads", 0, 64));
  if (n > 0) return n;
  const int hw = rill::ThreadPool::hardware_threads();
  return hw < 64 ? hw : 64;
}

std::vector<Flag> density_flags() {
  return {
      {"--exact", nullptr, nullptr, "the exact divergence (d Jacobian-vector products), also for d > 16"},
      {"--probes", "K", nullptr, "Hutchinson's estimate with K Rademacher probes a point (1 .. 4096; default 1 for d > 16)"},
  };
}

DensityMethod parse_density_method(const Args& args, int d, std::uint32_t seed) {
  DensityMethod m;
  m.seed = seed;
  if (args.has("--exact") && args.has("--probes")) args.fail("--exact and --probes exclude each other");
  if (args.has("--probes")) m.probes = static_cast<int>(args.integer("--probes", 1, kMaxProbes));
  else if (!args.has("--exact") && d > kExactDimMax) m.probes = kDefaultProbes;
  return m;
}

}  // namespace cli
