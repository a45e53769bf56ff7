// progress: what `rill train` shows on stderr while it works.
//
// On a terminal: one line redrawn in place at most ten times a second (step,
// smoothed loss, steps/s, ETA). Elsewhere (a log file, CI): a plain line at
// every 10 % so logs stay short and readable.
#pragma once
#include <chrono>
#include <string>

namespace cli {

class Progress {
 public:
  Progress(const std::string& label, long total);
  // After step `step` (1-based) with this minibatch loss.
  void update(long step, float loss);
  // Ends the bar (a newline on a terminal).
  void finish();
  double seconds() const;  // since construction

 private:
  void draw(long step, bool final_line);
  std::string label_;
  long total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  double smooth_ = 0;    // exponential average of the loss (terminal)
  double window_ = 0;    // sum of losses since the last plain line
  long window_n_ = 0;
  long next_mark_ = 1;   // next 10 % milestone (1..10)
  bool drawn_ = false;
};

std::string format_duration(double seconds);  // "42s", "3m05s", "1h02m"

}  // namespace cli
