// Points: n points of dimension d in memory, row-major float32 — what the
// array readers (.npy, .csv) produce and the commands consume.
#pragma once
#include <vector>

namespace cli {

struct Points {
  std::vector<float> values;  // n × d, row-major
  long n = 0;
  int d = 0;
};

// Readers refuse more points than the core's int counts can hold.
constexpr long kMaxPoints = 2147483647L;

}  // namespace cli
