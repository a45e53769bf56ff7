// svg: a scatter plot of points that a person can open in a browser.
//
// Why SVG: plain text, no library, opens anywhere. The plot shows the first
// two coordinates on equal scales (so moons look like moons) with ticked
// axes; with a trajectory, faint paths of up to 200 particles lie behind the
// points. One-dimensional data is drawn against t (paths from t = 0 to 1,
// samples at t = 1), the usual picture of a 1-D flow.
#pragma once
#include <cstdio>
#include <string>

namespace cli {

struct Scatter {
  std::string title;
  const float* points = nullptr;  // n × d: the samples
  long n = 0;
  int d = 0;
  const float* trajectory = nullptr;  // optional: (steps + 1) × n × d, snapshot s at times[s]
  const float* times = nullptr;
  int steps = 0;
};

constexpr int kMaxPaths = 200;

void svg_write(std::FILE* f, const Scatter& plot);

}  // namespace cli
