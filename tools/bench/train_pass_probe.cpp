// train_pass_probe: a training step's forward and backward pass on threads, one join a layer against
// mlp_train_pass's two joins, round by round in alternation (the same bits).
//
// Build and run (from the repository): `make probes` (or `make unit`, which builds it too), then
//   build/train_pass_probe [batch] [rounds] [threads]      (defaults 256, 150, 2)
// The default model (width 128, depth 3, raw t, random weights) on `batch` random rows; each round
// times 20 passes of each of: one thread (mlp_forward_train + dL/dout + mlp_backward, no executor),
// the same on a ThreadPool (a join for the forward pass and one per layer of the backward pass) and
// mlp_train_pass on the pool (rows forward and back in one join, every layer's weight gradient in a
// second). Prints each one's fastest and median round, µs per pass, and one thread's ÷ each.
// The draw and the update of a training step are not in it (Trainer::step; thread_probe.cpp has the
// whole step join by join). Not a test and not part of the build.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "rill/mlp.h"
#include "rill/rng.h"
#include "rill/thread_pool.h"

namespace {
using Clock = std::chrono::steady_clock;
constexpr int kPasses = 20;  // per round and side
}  // namespace

int main(int argc, char** argv) {
  using namespace rill;
  const int n = argc > 1 ? std::atoi(argv[1]) : 256;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 150;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  if (n < 1 || rounds < 1 || threads < 2) {
    std::fprintf(stderr, "usage: train_pass_probe [batch >= 1] [rounds >= 1] [threads >= 2]\n");
    return 2;
  }
  const MlpSpec s = MlpSpec::make(2);
  std::vector<float> params(s.param_count());
  Rng rng(1, 1);
  mlp_init(s, params.data(), rng);
  Mlp mlp;
  mlp.spec = s;
  mlp.bind(params.data());
  std::vector<unsigned char> pack(mlp_pack_bytes(s) + Arena::kAlign);
  Arena pack_arena(pack.data(), pack.size());
  if (mlp_pack(mlp, pack_arena) != Status::ok) return 1;
  const std::size_t nd = static_cast<std::size_t>(n) * s.dim;
  std::vector<float> x(nd), t(n), target(nd), dout(nd), grad(s.param_count());
  for (float& v : x) v = rng.normal();
  for (float& v : t) v = rng.uniform();
  for (float& v : target) v = rng.normal();
  std::vector<unsigned char> mem(tape_bytes(s, n) + mlp_backward_scratch(s, n) + mlp_train_pass_scratch(s, n) +
                                 4 * Arena::kAlign);
  Arena arena(mem.data(), mem.size());
  Tape tape;
  if (tape_init(s, n, arena, &tape) != Status::ok) return 1;
  ThreadPool pool(threads);
  const float scale = 2.0f / static_cast<float>(nd);
  auto by_layer = [&](Executor* ex) {
    mlp_forward_train(mlp, x.data(), s.dim, t.data(), n, tape, ex);
    const float* pred = tape.post[s.n_layers - 1];
    for (std::size_t q = 0; q < nd; ++q) dout[q] = scale * (pred[q] - target[q]);
    return mlp_backward(mlp, tape, dout.data(), grad.data(), nullptr, nullptr, arena, ex, false);
  };
  auto two_joins = [&](Executor* ex) {
    return mlp_train_pass(mlp, x.data(), s.dim, t.data(), n, tape, {}, target.data(), scale, dout.data(),
                          grad.data(), arena, ex);
  };
  std::vector<double> us[3];
  for (int round = 0; round < rounds; ++round)
    for (int side = 0; side < 3; ++side) {
      const auto t0 = Clock::now();
      for (int i = 0; i < kPasses; ++i) {
        const Status st = side == 0 ? by_layer(nullptr) : side == 1 ? by_layer(&pool) : two_joins(&pool);
        if (st != Status::ok) return 1;
      }
      us[side].push_back(std::chrono::duration<double>(Clock::now() - t0).count() / kPasses * 1e6);
    }
  for (auto& v : us) std::sort(v.begin(), v.end());
  const char* names[3] = {"one thread", "one join a layer", "two joins"};
  std::printf("batch %d, %d threads, %d rounds of %d passes each (alternated): µs per forward + backward pass\n", n,
              threads, rounds, kPasses);
  for (int side = 0; side < 3; ++side) {
    const double best = us[side].front(), median = us[side][us[side].size() / 2];
    std::printf("  %-17s fastest %7.1f (%.2fx)  median %7.1f (%.2fx)\n", names[side], best, us[0].front() / best,
                median, us[0][us[0].size() / 2] / median);
  }
  return 0;
}
