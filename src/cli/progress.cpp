// progress: progress bar or 10 % lines on stderr (see progress.h).
#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace cli {

std::string format_duration(double s) {
  char buf[32];
  if (!(s >= 0) || s > 1e7) return "?";
  const long t = static_cast<long>(s + 0.5);
  if (s < 9.95) std::snprintf(buf, sizeof buf, "%.1fs", s);
  else if (t < 60) std::snprintf(buf, sizeof buf, "%lds", t);
  else if (t < 3600) std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
  return buf;
}

Progress::Progress(const std::string& label, long total)
    : label_(label), total_(total < 1 ? 1 : total), tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(long step, float loss) {
  const double l = static_cast<double>(loss);
  smooth_ = step == 1 ? l : 0.98 * smooth_ + 0.02 * l;
  window_ += l;
  ++window_n_;
  if (tty_) {
    const auto now = std::chrono::steady_clock::now();
    if (step == total_ || std::chrono::duration<double>(now - last_draw_).count() >= 0.1) {
      last_draw_ = now;
      draw(step, false);
    }
  } else if (step * 10 >= next_mark_ * total_) {
    while (next_mark_ <= 10 && step * 10 >= next_mark_ * total_) ++next_mark_;
    draw(step, true);
    window_ = 0;
    window_n_ = 0;
  }
}

void Progress::draw(long step, bool plain) {
  const double el = seconds();
  const double rate = el > 0 ? static_cast<double>(step) / el : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - step) / rate : -1;
  const int pct = static_cast<int>(100 * step / total_);
  if (plain) {
    const double mean = window_n_ > 0 ? window_ / static_cast<double>(window_n_) : smooth_;
    std::fprintf(stderr, "%s: step %ld/%ld (%d%%)  loss %.4f  %.0f steps/s  ETA %s\n", label_.c_str(), step, total_,
                 pct, mean, rate, format_duration(eta).c_str());
    return;
  }
  constexpr int kBar = 24;
  const int fill = static_cast<int>(kBar * step / total_);
  char bar[kBar + 1];
  for (int i = 0; i < kBar; ++i) bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
  bar[kBar] = '\0';
  std::fprintf(stderr, "\r%s [%s] %ld/%ld  loss %.4f  %.0f steps/s  ETA %s\x1b[K", label_.c_str(), bar, step,
               total_, smooth_, rate, format_duration(eta).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (tty_ && drawn_) std::fputc('\n', stderr);
}

}  // namespace cli
