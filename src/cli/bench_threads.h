// `rill bench`'s thread scaling: N threads against one, timed in alternation,
// and figures of the pool that do not depend on the machine's load.
#pragma once
#include <cstddef>
#include <vector>

#include "rill/kernels.h"

namespace cli {

struct ThreadScaling {
  struct Pair {
    const char* what;  // "sample" (evaluations/s) or "train" (steps/s)
    int batch;
    double one, many;  // per second on one thread and on `threads`
    // The machine's own ratio in the same rounds: a loop of independent multiplies and adds (no
    // memory) on `threads` threads at once against one — what this machine gives that many threads
    // of pure arithmetic at that moment (a virtual machine's threads may share a core).
    double machine;
  };
  // Where a training step's time goes on `threads` threads (fastest of alternated rounds).
  struct Breakdown {
    double occupancy = 0;  // time the workers spent in tasks, over threads × the step's wall time
    double slowdown = 0;   // the tasks' time side by side over the same tasks' in turn on one thread
  };
  int threads = 2;
  std::vector<Pair> pairs;
  int joins_256 = 0, joins_4096 = 0;  // runs of the pool per training step (joins)
  double empty_run_us = 0;            // one run of empty tasks on the pool, fastest round
  double run_overhead_us = 0;         // a run of busy tasks, less the busy time per worker, fastest round
  // The share of a training step's CPU time outside the pool's runs (the caller alone), at batch 256
  // and 4096: the step split as for `threads` workers, every task run in turn on the calling thread
  // and timed on its CPU clock, so that no other process changes it. Amdahl's bound on `threads`:
  // 1 / (serial + (1 - serial) / threads).
  double serial_256 = 0, serial_4096 = 0;
  Breakdown why_256, why_4096;
  // `threads` trainers of one thread each, stepping side by side, against one of them alone (alternated
  // rounds): their steps per second over one's at batch 256 and 4096. The machine's ratio for this very
  // work — caches, memory and the other cores' load included, where `machine` has only arithmetic — and
  // so about the most a split of one trainer over `threads` threads can reach.
  double independent_256 = 0, independent_4096 = 0;
};

// A loop of independent multiply-and-add chains (the peak's): returns a value that depends on them.
using ArithmeticLoop = double (*)(long iters);

// Times sampling (Euler, batches 256, 4096, 65536; 65536 not with quick) and
// training (CFM + Adam on moons, batches 256 and 4096) on one thread and on
// `threads`, round by round in alternation, each keeping its fastest round;
// counts the joins per training step and times the pool's own cost; with
// each pair, `loop` on one thread and on `threads` in the same rounds.
ThreadScaling measure_thread_scaling(const unsigned char* model, std::size_t size, rill::Simd level, int threads,
                                     bool quick, ArithmeticLoop loop);
void print_thread_scaling(const ThreadScaling& s, bool json);

}  // namespace cli
