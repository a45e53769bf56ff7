// svg: scatter plot writer (see svg.h). Axis ticks at 1, 2 or 5 × 10^k.
#include "cli/svg.h"

#include <cmath>
#include <string>
#include <vector>

namespace cli {

namespace {

constexpr double kWidth = 600, kHeight = 620;
constexpr double kLeft = 64, kTop = 44, kSize = 512;  // a square plot area

struct Range {
  double lo = INFINITY, hi = -INFINITY;
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  bool empty() const { return !(lo <= hi); }
};

// A tick spacing of 1, 2 or 5 × 10^k giving about `count` intervals over span.
double nice_step(double span, int count) {
  const double raw = span / count;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  const double m = raw / p;
  return (m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0) * p;
}

// Widens r to whole ticks (and to a non-empty span); returns the tick step.
double fit(Range* r) {
  if (r->empty()) { r->lo = -1; r->hi = 1; }
  if (r->hi - r->lo < 1e-9 * (std::fabs(r->lo) + std::fabs(r->hi)) || r->hi == r->lo) {
    const double pad = r->lo == 0 ? 1.0 : std::fabs(r->lo) * 0.1;
    r->lo -= pad;
    r->hi += pad;
  }
  const double step = nice_step(r->hi - r->lo, 6);
  r->lo = std::floor(r->lo / step) * step;
  r->hi = std::ceil(r->hi / step) * step;
  return step;
}

// Tick positions: the multiples of step in [lo, hi] (at most 50).
std::vector<double> ticks(const Range& r, double step) {
  std::vector<double> out;
  const double k0 = std::ceil(r.lo / step - 1e-6), k1 = std::floor(r.hi / step + 1e-6);
  for (double k = k0; k <= k1 && out.size() < 50; k += 1) out.push_back(k * step);
  return out;
}

std::string tick_label(double v, double step) {
  if (std::fabs(v) < step * 1e-6) v = 0;
  char buf[32];
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  if (std::fabs(v) >= 1e5 || (v != 0 && std::fabs(v) < 1e-4)) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", decimals > 6 ? 6 : decimals, v);
  }
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

}  // namespace

void svg_write(std::FILE* f, const Scatter& plot) {
  const bool one_d = plot.d == 1;
  const std::size_t snap = static_cast<std::size_t>(plot.n) * static_cast<std::size_t>(plot.d);
  const long paths = plot.trajectory == nullptr ? 0 : (plot.n < kMaxPaths ? plot.n : kMaxPaths);
  // Value of point i in snapshot s (s < 0: the final samples) on each axis.
  auto xv = [&](int s, long i) {
    const float* base = s < 0 ? plot.points : plot.trajectory + static_cast<std::size_t>(s) * snap;
    return static_cast<double>(base[static_cast<std::size_t>(i) * plot.d]);
  };
  auto yv = [&](int s, long i) {
    if (one_d) return s < 0 ? 1.0 : static_cast<double>(plot.times[s]);
    const float* base = s < 0 ? plot.points : plot.trajectory + static_cast<std::size_t>(s) * snap;
    return static_cast<double>(base[static_cast<std::size_t>(i) * plot.d + 1]);
  };

  Range rx, ry;
  for (long i = 0; i < plot.n; ++i) { rx.add(xv(-1, i)); ry.add(yv(-1, i)); }
  for (long i = 0; i < paths; ++i)
    for (int s = 0; s <= plot.steps; ++s) { rx.add(xv(s, i)); ry.add(yv(s, i)); }
  if (one_d) {
    ry.lo = 0;
    ry.hi = 1;
  } else if (!rx.empty() && !ry.empty()) {
    // Equal scales: both axes get the larger span, centred on the data.
    const double span = std::fmax(rx.hi - rx.lo, ry.hi - ry.lo);
    const double cx = 0.5 * (rx.lo + rx.hi), cy = 0.5 * (ry.lo + ry.hi);
    rx.lo = cx - 0.5 * span; rx.hi = cx + 0.5 * span;
    ry.lo = cy - 0.5 * span; ry.hi = cy + 0.5 * span;
  }
  const double sx = fit(&rx);
  const double sy = one_d ? 0.2 : fit(&ry);
  const std::vector<double> xt = ticks(rx, sx), yt = ticks(ry, sy);
  auto px = [&](double v) { return kLeft + (v - rx.lo) / (rx.hi - rx.lo) * kSize; };
  auto py = [&](double v) { return kTop + kSize - (v - ry.lo) / (ry.hi - ry.lo) * kSize; };

  std::fprintf(f,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" viewBox=\"0 0 %g %g\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n",
               kWidth, kHeight, kWidth, kHeight);
  std::fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  std::fprintf(f, "<text x=\"%g\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">%s</text>\n", kLeft + kSize / 2,
               escape(plot.title).c_str());
  std::fprintf(f, "<defs><clipPath id=\"plot\"><rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\"/></clipPath></defs>\n",
               kLeft, kTop, kSize, kSize);

  // Grid, ticks and labels.
  std::fprintf(f, "<g stroke=\"#e6e6e6\" stroke-width=\"1\">\n");
  for (double v : xt)
    std::fprintf(f, "<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\"/>\n", px(v), kTop, px(v), kTop + kSize);
  for (double v : yt)
    std::fprintf(f, "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\"/>\n", kLeft, py(v), kLeft + kSize, py(v));
  std::fprintf(f, "</g>\n<g stroke=\"#333\" stroke-width=\"1\">\n");
  std::fprintf(f, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\"/>\n", kLeft, kTop, kSize, kSize);
  for (double v : xt)
    std::fprintf(f, "<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\"/>\n", px(v), kTop + kSize, px(v),
                 kTop + kSize + 5);
  for (double v : yt)
    std::fprintf(f, "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\"/>\n", kLeft - 5, py(v), kLeft, py(v));
  std::fprintf(f, "</g>\n<g fill=\"#333\">\n");
  for (double v : xt)
    std::fprintf(f, "<text x=\"%.1f\" y=\"%g\" text-anchor=\"middle\">%s</text>\n", px(v), kTop + kSize + 19,
                 tick_label(v, sx).c_str());
  for (double v : yt)
    std::fprintf(f, "<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">%s</text>\n",
                 kLeft - 8, py(v), tick_label(v, sy).c_str());
  std::fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">x0</text>\n", kLeft + kSize / 2, kTop + kSize + 40);
  std::fprintf(f, "<text x=\"16\" y=\"%g\" text-anchor=\"middle\" transform=\"rotate(-90 16 %g)\">%s</text>\n",
               kTop + kSize / 2, kTop + kSize / 2, one_d ? "t" : "x1");
  std::fprintf(f, "</g>\n");

  // Paths behind the points.
  if (paths > 0) {
    std::fprintf(f, "<g clip-path=\"url(#plot)\" fill=\"none\" stroke=\"#ff7f0e\" stroke-opacity=\"0.3\" "
                    "stroke-width=\"0.8\">\n");
    for (long i = 0; i < paths; ++i) {
      std::fprintf(f, "<polyline points=\"");
      bool first = true;
      for (int s = 0; s <= plot.steps; ++s) {
        const double x = xv(s, i), y = yv(s, i);
        if (!std::isfinite(x) || !std::isfinite(y)) break;
        std::fprintf(f, first ? "%.1f,%.1f" : " %.1f,%.1f", px(x), py(y));
        first = false;
      }
      std::fprintf(f, "\"/>\n");
    }
    std::fprintf(f, "</g>\n");
  }

  const double r = plot.n <= 2000 ? 2.0 : plot.n <= 20000 ? 1.3 : 0.8;
  std::fprintf(f, "<g clip-path=\"url(#plot)\" fill=\"#1f77b4\" fill-opacity=\"0.6\">\n");
  for (long i = 0; i < plot.n; ++i) {
    const double x = xv(-1, i), y = yv(-1, i);
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    std::fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%g\"/>\n", px(x), py(y), r);
  }
  std::fprintf(f, "</g>\n</svg>\n");
}

}  // namespace cli
