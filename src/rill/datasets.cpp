// datasets: the seven built-in 2-D targets, exactly as shared/spec/datasets.md
// defines them.
//
// Why this file is written the way it is: a dataset draw is part of the
// contract (models are trained and evaluated on these bits), so it must give
// the same float32 values on x86-64, WebAssembly and ARM. Hence float32
// arithmetic only, no <cmath> (sin/cos/sqrt come from rill::mathf), one fixed
// expression per coordinate, and a fixed order of the random draws per point,
// written next to each formula below. Changing any of these changes the bits
// of every shipped sample and golden vector.
//
// Each point uses either no normal draw or exactly two (one Box-Muller pair),
// so a draw of n points in one call gives the same bits as the same n points
// drawn in several consecutive calls on one Rng.
#include "rill/datasets.h"

#include <cstring>

#include "rill/mathf.h"

namespace rill {

namespace {

constexpr const char* kNames[kDatasetCount] = {"gaussian", "8gaussians", "moons",  "checkerboard",
                                               "circles",  "spirals",    "swissroll"};

constexpr float kPi = mathf::kPi;
constexpr float kTwoPi = 2.0f * mathf::kPi;  // exact: a power-of-two multiple
// 3π and 1.5π, correctly rounded to float (not 3·float(π), which may round differently).
constexpr float kThreePi = 9.42477796076937971538f;
constexpr float kOneAndHalfPi = 4.71238898038468985769f;

// A labelled draw: the label's own draw is always consumed (so every point
// takes the same draws), then replaced by the class when one is fixed.
std::uint32_t chosen(std::uint32_t drawn, const DatasetDraw& how) {
  return how.cls < 0 ? drawn : static_cast<std::uint32_t>(how.cls);
}
std::uint32_t chosen_bit(std::uint32_t drawn, const DatasetDraw& how) {
  return how.cls < 0 ? drawn : static_cast<std::uint32_t>(how.cls % 2);
}
void put_label(const DatasetDraw& how, long i, std::uint32_t label) {
  if (how.labels != nullptr) how.labels[i] = static_cast<std::int32_t>(label);
}

// gaussian: x = N(0, 1), y = N(0, 1).
// Draws: normal (x), normal (y).
void gaussian(Rng& rng, float* out, long n, const DatasetDraw&) {
  for (long i = 0; i < n; ++i) {
    out[2 * i] = rng.normal();
    out[2 * i + 1] = rng.normal();
  }
}

// 8gaussians: k = U{0..7}; x = 4·(cos(kπ/4), sin(kπ/4)) + N(0, 0.35²).
// Draws: below(8) (k), normal (x noise), normal (y noise).
// The centres come from eight_gaussians_centres, as the analytic field's do.
void eight_gaussians(Rng& rng, float* out, long n, const DatasetDraw& how) {
  float cx[8], cy[8];
  eight_gaussians_centres(cx, cy);
  for (long i = 0; i < n; ++i) {
    const std::uint32_t k = chosen(rng.below(8), how);
    put_label(how, i, k);
    const float zx = rng.normal();
    const float zy = rng.normal();
    out[2 * i] = cx[k] + kEightGaussiansStd * zx;
    out[2 * i + 1] = cy[k] + kEightGaussiansStd * zy;
  }
}

// moons: b = U{0,1}; u = U(0, π); p = (cos u, sin u) if b = 0, else
// (1 − cos u, 0.5 − sin u); p = p + N(0, 0.1²); x = 2·(p − (0.5, 0.25)).
// Draws: below(2) (b), uniform (u), normal (x noise), normal (y noise).
void moons(Rng& rng, float* out, long n, const DatasetDraw& how) {
  for (long i = 0; i < n; ++i) {
    const std::uint32_t b = chosen(rng.below(2), how);
    put_label(how, i, b);
    const float u = rng.uniform(0.0f, kPi);
    const float zx = rng.normal();
    const float zy = rng.normal();
    const float c = mathf::cos(u), s = mathf::sin(u);
    const float px = b == 0 ? c : 1.0f - c;
    const float py = b == 0 ? s : 0.5f - s;
    out[2 * i] = 2.0f * ((px + 0.1f * zx) - 0.5f);
    out[2 * i + 1] = 2.0f * ((py + 0.1f * zy) - 0.25f);
  }
}

// checkerboard: x1 = U(−2, 2); x2' = U(0, 1) − 2·U{0,1};
// x2 = x2' + (floor(x1) mod 2) with the mod in {0, 1}; x = 2·(x1, x2).
// Draws: uniform (x1), uniform (the U(0, 1) of x2'), below(2) (the U{0,1} of x2').
// Every operation here is exact in float32 (uniforms are multiples of 2^-24).
// Label 2·(floor(x1) + 2) + b. Class K: x1 = (⌊K/2⌋ − 2) + U(0, 1) from the
// same first draw, and b = K mod 2 (datasets.md).
void checkerboard(Rng& rng, float* out, long n, const DatasetDraw& how) {
  for (long i = 0; i < n; ++i) {
    const float x1 = how.cls < 0 ? rng.uniform(-2.0f, 2.0f) : static_cast<float>(how.cls / 2 - 2) + rng.uniform();
    const float u = rng.uniform();
    const std::uint32_t b = chosen_bit(rng.below(2), how);
    int fl = static_cast<int>(x1);  // truncates toward zero; x1 is in [-2, 2)
    if (static_cast<float>(fl) > x1) --fl;
    const float parity = (fl & 1) != 0 ? 1.0f : 0.0f;  // two's complement: (-1 & 1) == 1, (-2 & 1) == 0
    const float x2 = (u - 2.0f * static_cast<float>(b)) + parity;
    out[2 * i] = 2.0f * x1;
    out[2 * i + 1] = 2.0f * x2;
    put_label(how, i, how.cls >= 0 ? static_cast<std::uint32_t>(how.cls) : static_cast<std::uint32_t>(2 * (fl + 2)) + b);
  }
}

// circles: b = U{0,1}; θ = U(0, 2π); r = 3 if b = 0, else 1.5;
// x = r·(cos θ, sin θ) + N(0, 0.24²).
// Draws: below(2) (b), uniform (θ), normal (x noise), normal (y noise).
void circles(Rng& rng, float* out, long n, const DatasetDraw& how) {
  for (long i = 0; i < n; ++i) {
    const std::uint32_t b = chosen(rng.below(2), how);
    put_label(how, i, b);
    const float theta = rng.uniform(0.0f, kTwoPi);
    const float zx = rng.normal();
    const float zy = rng.normal();
    const float r = b == 0 ? 3.0f : 1.5f;
    out[2 * i] = r * mathf::cos(theta) + 0.24f * zx;
    out[2 * i + 1] = r * mathf::sin(theta) + 0.24f * zy;
  }
}

// spirals: s = U(0, 1); n = sqrt(s)·3π; b = U{0,1}; σ = +1 if b = 0, else −1;
// p = σ·(−n·cos n + U(0, 0.5), n·sin n + U(0, 0.5)); x = p / 3.
// Draws: uniform (s), below(2) (b), uniform (x jitter), uniform (y jitter).
void spirals(Rng& rng, float* out, long n, const DatasetDraw& how) {
  for (long i = 0; i < n; ++i) {
    const float s = rng.uniform();
    const std::uint32_t b = chosen(rng.below(2), how);
    put_label(how, i, b);
    const float jx = rng.uniform(0.0f, 0.5f);
    const float jy = rng.uniform(0.0f, 0.5f);
    const float t = mathf::sqrt(s) * kThreePi;
    const float sign = b == 0 ? 1.0f : -1.0f;
    const float px = sign * (-(t * mathf::cos(t)) + jx);
    const float py = sign * (t * mathf::sin(t) + jy);
    out[2 * i] = px / 3.0f;
    out[2 * i + 1] = py / 3.0f;
  }
}

// swissroll: s = U(0, 1); θ = 1.5π·(1 + 2s); p = (θ·cos θ, θ·sin θ) + N(0, 1²); x = p / 5.
// Draws: uniform (s), normal (x noise), normal (y noise). Unlabelled; s is its
// 1-value vector condition (how.condition).
void swissroll(Rng& rng, float* out, long n, const DatasetDraw& how) {
  for (long i = 0; i < n; ++i) {
    const float s = rng.uniform();
    if (how.condition != nullptr) how.condition[i] = s;
    const float zx = rng.normal();
    const float zy = rng.normal();
    const float theta = kOneAndHalfPi * (1.0f + 2.0f * s);
    out[2 * i] = (theta * mathf::cos(theta) + zx) / 5.0f;
    out[2 * i + 1] = (theta * mathf::sin(theta) + zy) / 5.0f;
  }
}

}  // namespace

const char* dataset_name(Dataset d) {
  const int i = static_cast<int>(d);
  if (i < 0 || i >= kDatasetCount) return "unknown";
  return kNames[i];
}

bool parse_dataset(const char* name, Dataset* out) {
  if (name == nullptr) return false;
  for (int i = 0; i < kDatasetCount; ++i) {
    if (std::strcmp(name, kNames[i]) == 0) {
      if (out != nullptr) *out = static_cast<Dataset>(i);
      return true;
    }
  }
  return false;
}

void eight_gaussians_centres(float cx[8], float cy[8]) {
  for (int k = 0; k < 8; ++k) {
    const float a = static_cast<float>(k) * (kPi / 4.0f);
    cx[k] = 4.0f * mathf::cos(a);
    cy[k] = 4.0f * mathf::sin(a);
  }
}

int dataset_draws_per_point(Dataset d) {
  switch (d) {
    case Dataset::gaussian: return 2;         // a normal pair
    case Dataset::eight_gaussians: return 3;  // below(8), a normal pair
    case Dataset::moons: return 4;            // below(2), uniform, a normal pair
    case Dataset::checkerboard: return 3;     // uniform, uniform, below(2)
    case Dataset::circles: return 4;          // below(2), uniform, a normal pair
    case Dataset::spirals: return 4;          // uniform, below(2), uniform, uniform
    case Dataset::swissroll: return 3;        // uniform, a normal pair
  }
  return 0;
}

int dataset_classes(Dataset d) {
  switch (d) {
    case Dataset::eight_gaussians: return 8;
    case Dataset::moons: return 2;
    case Dataset::checkerboard: return 8;
    case Dataset::circles: return 2;
    case Dataset::spirals: return 2;
    case Dataset::gaussian:
    case Dataset::swissroll: return 0;
  }
  return 0;
}

int dataset_condition_dim(Dataset d) { return d == Dataset::swissroll ? 1 : 0; }

void dataset_sample(Dataset d, Rng& rng, float* out, long n) { dataset_draw(d, rng, out, n, DatasetDraw()); }

void dataset_draw(Dataset d, Rng& rng, float* out, long n, const DatasetDraw& how) {
  if (n <= 0 || out == nullptr) return;
  switch (d) {
    case Dataset::gaussian: gaussian(rng, out, n, how); return;
    case Dataset::eight_gaussians: eight_gaussians(rng, out, n, how); return;
    case Dataset::moons: moons(rng, out, n, how); return;
    case Dataset::checkerboard: checkerboard(rng, out, n, how); return;
    case Dataset::circles: circles(rng, out, n, how); return;
    case Dataset::spirals: spirals(rng, out, n, how); return;
    case Dataset::swissroll: swissroll(rng, out, n, how); return;
  }
  // Not a Dataset value: zeros rather than whatever the buffer held.
  for (long i = 0; i < 2 * n; ++i) out[i] = 0.0f;
}

bool finite_set_index(const std::int32_t* labels, long count, int classes, std::int32_t* by_class, long* class_start) {
  for (int c = 0; c <= classes; ++c) class_start[c] = 0;
  for (long i = 0; i < count; ++i) {
    if (labels[i] < 0 || labels[i] >= classes) return false;
    ++class_start[labels[i] + 1];
  }
  for (int c = 0; c < classes; ++c) class_start[c + 1] += class_start[c];
  // A second pass in file order keeps each class's rows in file order.
  for (int c = 0; c < classes; ++c) {
    long k = class_start[c];
    for (long i = 0; i < count; ++i)
      if (labels[i] == c) by_class[k++] = static_cast<std::int32_t>(i);
  }
  return true;
}

bool finite_set_draw(const FiniteSet& s, Rng& rng, float* out, long n, const DatasetDraw& how) {
  long base = 0, size = s.count;
  if (how.cls >= 0) {
    base = s.class_start[how.cls];
    size = s.class_start[how.cls + 1] - base;
  }
  if (size < 1) return false;
  const std::size_t dim = static_cast<std::size_t>(s.dim);
  for (long i = 0; i < n; ++i) {
    const std::uint64_t u = rng.next_u32();
    const long pick = static_cast<long>((u * static_cast<std::uint64_t>(size)) >> 32);
    const long row = how.cls >= 0 ? static_cast<long>(s.by_class[base + pick]) : pick;
    std::memcpy(out + static_cast<std::size_t>(i) * dim, s.rows + static_cast<std::size_t>(row) * dim,
                sizeof(float) * dim);
    if (how.labels != nullptr) how.labels[i] = s.labels != nullptr ? s.labels[row] : -1;
  }
  return true;
}

}  // namespace rill
