// assignment: exact linear assignment by shortest augmenting paths, after
// Jonker & Volgenant (LAPJV).
//
// R. Jonker, A. Volgenant, "A shortest augmenting path algorithm for dense and
// sparse linear assignment problems", Computing 38 (1987) 325-340.
//
// Why this shape: the trainer couples every minibatch (n = 256) by an exact
// assignment and the evaluation metrics compute exact W2 on 2000 points, both on
// squared Euclidean costs. Column reduction and reduction transfer (from the
// paper) give the first prices and assignments; then each free row is
// assigned by a Dijkstra shortest augmenting path over the reduced costs
// c[i][j] − v[j], O(n²) per row, O(n³) in the worst case. The paper's third
// phase, augmenting row reduction, is left out on purpose: measured on
// n = 256 (uniform costs and noise-to-dataset squared distances) it cost
// more than the augmentations it saved, at every work cap tried.
//
// Invariant kept throughout (it is what makes the augmentation exact): every
// assigned row i sits at a column of minimum reduced cost,
// c[i][x_i] − v[x_i] = min_j (c[i][j] − v[j]).
//
// Speed: every O(n) pass runs over the columns in index order on pairs of
// doubles (GCC/Clang vector extensions: SSE2 on any x86-64, SIMD128 in
// WebAssembly, NEON), with min/max selects instead of branches; on x86-64 an
// AVX2 copy of the hot loop runs when the caller's Simd level (kernels.h)
// allows AVX2 and the CPU has it, and gives the same bits. Simd::vec4 thus
// makes this machine run the portable loop that WebAssembly and ARM run,
// which is how the tests hold the two to each other.
// The Dijkstra loop keeps no predecessor array; the path is recovered at the
// end by recomputing the (bit-identical) offers, so the hot loop does three
// loads, one store and a handful of arithmetic operations per column pair.
//
// Arithmetic is in double. Integer-valued costs (and costs on any grid fine
// enough that all sums stay exact) give the exact optimum; other costs give
// it up to rounding (a few ulps of n·max|c|). The result depends only on the
// cost matrix: same input, same assignment, on every target.
#include "rill/assignment.h"

#include <cstdint>
#include <cstring>
#include <limits>

#include "rill/kernels.h"

namespace rill {

namespace {

// Costs beyond this magnitude could overflow the sums of reduced costs along
// an augmenting path (about n · 2·max|c|); 1e100 leaves room for any n that fits in memory.
constexpr double kMaxAbsCost = 1e100;

typedef double v2d __attribute__((vector_size(16)));
typedef long long v2i __attribute__((vector_size(16)));

inline v2d load2(const double* p) {
  v2d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store2(double* p, v2d v) { std::memcpy(p, &v, sizeof v); }
inline v2d splat(double x) { return v2d{x, x}; }
// Lane-wise selects. They keep the scalar NaN semantics of the ternaries
// (a comparison with NaN is false), which the Dijkstra loop relies on.
inline v2d vmin(v2d a, v2d b) { return a < b ? a : b; }  // b if either is NaN
inline v2d vmax(v2d a, v2d b) { return a > b ? a : b; }
inline double smin(double a, double b) { return a < b ? a : b; }
inline double smax(double a, double b) { return a > b ? a : b; }

struct Work {
  double* v;         // column duals (prices)
  double* dist;      // Dijkstra distances; NaN marks a scanned column
  double* scan_h;    // per scan t: c[i][j] − v[j] − mn of the scanned column (candidate offset)
  double* scan_mn;   // per scan t: the distance at which the column was scanned
  long long* amin;   // column reduction: row of each column's minimum
  int* colsol;       // row assigned to column j, or −1
  int* free;         // list of free (unassigned) rows
  int* scan_col;     // per scan t: the scanned column
  int* scan_row;     // per scan t: the row owning it
  int* matches;      // column reduction: times row i was a column minimum
};

inline const double* row_of(const double* cost, int n, int i) {
  return cost + static_cast<std::size_t>(i) * static_cast<std::size_t>(n);
}

// min over j of (c[j] − v[j]).
inline double min_reduced(const double* c, const double* v, int n) {
  const double inf = std::numeric_limits<double>::infinity();
  v2d m0 = splat(inf), m1 = splat(inf);
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    m0 = vmin(load2(c + j) - load2(v + j), m0);
    m1 = vmin(load2(c + j + 2) - load2(v + j + 2), m1);
  }
  double m = smin(smin(m0[0], m0[1]), smin(m1[0], m1[1]));
  for (; j < n; ++j) m = smin(c[j] - v[j], m);
  return m;
}

// Column reduction and reduction transfer. Returns the number of free rows,
// listed in w.free. Needs n >= 2.
int initialise(const double* cost, int n, int* rowsol, Work& w) {
  // Column minima, walking the matrix row by row (contiguous) and keeping the
  // first row that attains each minimum.
  const double* c0 = cost;
  for (int j = 0; j < n; ++j) {
    w.v[j] = c0[j];
    w.amin[j] = 0;
  }
  for (int i = 1; i < n; ++i) {
    const double* ci = row_of(cost, n, i);
    const v2i iv = {i, i};
    int j = 0;
    for (; j + 2 <= n; j += 2) {
      const v2d c = load2(ci + j), m = load2(w.v + j);
      const v2i lt = c < m;
      store2(w.v + j, lt ? c : m);
      v2i a;
      std::memcpy(&a, w.amin + j, sizeof a);
      a = lt ? iv : a;
      std::memcpy(w.amin + j, &a, sizeof a);
    }
    for (; j < n; ++j) {
      if (ci[j] < w.v[j]) {
        w.v[j] = ci[j];
        w.amin[j] = i;
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    w.matches[i] = 0;
    rowsol[i] = -1;
  }
  // Last column first, as Jonker and Volgenant do: a column goes to its
  // minimising row if that row is still unassigned, or if it is cheaper
  // (smaller v) than the row's current column.
  for (int j = n - 1; j >= 0; --j) {
    const int imin = static_cast<int>(w.amin[j]);
    if (++w.matches[imin] == 1) {
      rowsol[imin] = j;
      w.colsol[j] = imin;
    } else if (w.v[j] < w.v[rowsol[imin]]) {
      w.colsol[rowsol[imin]] = -1;
      rowsol[imin] = j;
      w.colsol[j] = imin;
    } else {
      w.colsol[j] = -1;
    }
  }
  // Reduction transfer: a row that won exactly one column lowers that
  // column's price by its second-smallest reduced cost, so that the column
  // stays its minimum. (Setting v[j1] to −inf drops j1 from the minimum.)
  int numfree = 0;
  for (int i = 0; i < n; ++i) {
    if (w.matches[i] == 0) {
      w.free[numfree++] = i;
    } else if (w.matches[i] == 1) {
      const int j1 = rowsol[i];
      const double vj1 = w.v[j1];
      w.v[j1] = -std::numeric_limits<double>::infinity();
      const double mn = min_reduced(row_of(cost, n, i), w.v, n);
      w.v[j1] = vj1 - mn;
    }
  }
  return numfree;
}

// One scan of the Dijkstra loop (the hot loop):
//   dist[k] = min(dist[k], max((c[k] − v[k]) − h, mn)) for every column k,
// returning the new minimum of dist and, in *arg, the first column holding
// it. NaN entries (scanned columns) stay NaN and drop out of the minimum.
// min, max and − are exact IEEE operations and the arg-min rule (smallest
// value, then smallest index) does not depend on the lane layout, so
// relax_avx2 (chosen at run time on x86-64) gives the same bits as relax.
// Column indices ride along as doubles (exact below 2^53).
struct Best {
  double value;
  double index;
};
inline void merge(Best& b, double value, double index) {
  if (value < b.value || (value == b.value && index < b.index)) {
    b.value = value;
    b.index = index;
  }
}

double relax(const double* c, const double* v, double* dist, int n, double h, double mn, int* arg) {
  const double inf = std::numeric_limits<double>::infinity();
  const v2d hv = splat(h), mv = splat(mn), two = splat(2.0), four = splat(4.0);
  v2d m0 = splat(inf), m1 = splat(inf);
  v2d i0 = splat(0.0), i1 = splat(0.0), kv = {0.0, 1.0};
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    const v2d a = vmin(vmax((load2(c + k) - load2(v + k)) - hv, mv), load2(dist + k));
    const v2d b = vmin(vmax((load2(c + k + 2) - load2(v + k + 2)) - hv, mv), load2(dist + k + 2));
    store2(dist + k, a);
    store2(dist + k + 2, b);
    const v2i la = a < m0, lb = b < m1;
    m0 = la ? a : m0;
    i0 = la ? kv : i0;
    m1 = lb ? b : m1;
    i1 = lb ? kv + two : i1;
    kv += four;
  }
  Best best = {inf, 0.0};
  merge(best, m0[0], i0[0]);
  merge(best, m0[1], i0[1]);
  merge(best, m1[0], i1[0]);
  merge(best, m1[1], i1[1]);
  for (; k < n; ++k) {
    const double dk = smin(smax((c[k] - v[k]) - h, mn), dist[k]);
    dist[k] = dk;
    merge(best, dk, static_cast<double>(k));
  }
  *arg = static_cast<int>(best.index);
  return best.value;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(RILL_NO_AVX2)
// relax with 4-lane AVX registers. The 32-byte vector type lives only inside
// this function (none crosses a call, so no ABI question arises).
__attribute__((target("avx2"))) double relax_avx2(const double* c, const double* v, double* dist, int n, double h,
                                                  double mn, int* arg) {
  typedef double v4d __attribute__((vector_size(32)));
  typedef long long v4i __attribute__((vector_size(32)));
  const double inf = std::numeric_limits<double>::infinity();
  const v4d hv = {h, h, h, h}, mv = {mn, mn, mn, mn}, four = {4.0, 4.0, 4.0, 4.0}, eight = four + four;
  v4d m0 = {inf, inf, inf, inf}, m1 = m0;
  v4d i0 = {0.0, 0.0, 0.0, 0.0}, i1 = i0, kv = {0.0, 1.0, 2.0, 3.0};
  int k = 0;
  for (; k + 8 <= n; k += 8) {
    v4d c0, c1, v0, v1, d0, d1;
    std::memcpy(&c0, c + k, sizeof c0);
    std::memcpy(&c1, c + k + 4, sizeof c1);
    std::memcpy(&v0, v + k, sizeof v0);
    std::memcpy(&v1, v + k + 4, sizeof v1);
    std::memcpy(&d0, dist + k, sizeof d0);
    std::memcpy(&d1, dist + k + 4, sizeof d1);
    v4d a = (c0 - v0) - hv, b = (c1 - v1) - hv;
    a = a > mv ? a : mv;
    b = b > mv ? b : mv;
    a = a < d0 ? a : d0;
    b = b < d1 ? b : d1;
    std::memcpy(dist + k, &a, sizeof a);
    std::memcpy(dist + k + 4, &b, sizeof b);
    const v4i la = a < m0, lb = b < m1;
    m0 = la ? a : m0;
    i0 = la ? kv : i0;
    m1 = lb ? b : m1;
    i1 = lb ? kv + four : i1;
    kv += eight;
  }
  Best best = {inf, 0.0};
  for (int l = 0; l < 4; ++l) {
    merge(best, m0[l], i0[l]);
    merge(best, m1[l], i1[l]);
  }
  for (; k < n; ++k) {
    const double dk = smin(smax((c[k] - v[k]) - h, mn), dist[k]);
    dist[k] = dk;
    merge(best, dk, static_cast<double>(k));
  }
  *arg = static_cast<int>(best.index);
  // Clear the upper halves of the YMM registers, as compilers do at -O2 but
  // not always at -O1: left dirty, they slow down every later SSE instruction
  // of the process (measured: 10× on libm's exp in an -O1 ASan build).
  __builtin_ia32_vzeroupper();
  return best.value;
}
// The caller's level, at most what the CPU has (probed once): the tests
// run the portable relax on a machine with AVX2 by asking for Simd::vec4.
inline bool use_avx2(Simd simd) {
  const Simd best = simd_best();
  return (simd < best ? simd : best) >= Simd::avx2;
}
#else
inline bool use_avx2(Simd) { return false; }
inline double relax_avx2(const double* c, const double* v, double* dist, int n, double h, double mn, int* arg) {
  return relax(c, v, dist, n, h, mn, arg);
}
#endif

// Fallback of the path recovery, for a platform whose arithmetic would not
// reproduce the offers bit for bit (none that rill targets): the scan whose
// offer to column j is closest to target, or −1 for freerow.
int closest_offer(const double* cost, int n, const Work& w, const double* cf, int j, double target, int limit) {
  const double vj = w.v[j];
  const double d0 = (cf[j] - vj) - target;
  double best = d0 < 0 ? -d0 : d0;
  int found = -1;
  for (int t = limit - 1; t >= 0; --t) {
    const double offer = smax((row_of(cost, n, w.scan_row[t])[j] - vj) - w.scan_h[t], w.scan_mn[t]);
    const double gap = offer > target ? offer - target : target - offer;
    if (gap < best) {
      best = gap;
      found = t;
    }
  }
  return found;
}

// Shortest augmenting path from one free row, then the price update and the
// flip of the alternating path.
//
// Dijkstra over columns: dist[j] = cost of the cheapest alternating path from
// freerow to column j. Scanning column j1 (owned by row i, at distance mn)
// offers every column j the distance (c[i][j] − v[j]) − h with
// h = (c[i][j1] − v[j1]) − mn; because j1 is row i's cheapest column, the
// offer is >= mn in exact arithmetic, and it is clamped to >= mn so that
// rounding cannot break that. Scanned columns hold NaN: comparisons with NaN
// are false, so the minimum search skips them and no offer replaces them.
void augment(const double* cost, int n, int* rowsol, Work& w, int freerow, bool fast) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double* dist = w.dist;
  const double* cf = row_of(cost, n, freerow);
  // Distances from freerow: (c[f][j] − v[j]); written through relax with
  // dist = +inf and the clamp at −inf, which leaves them exactly that.
  for (int j = 0; j < n; ++j) dist[j] = inf;
  int j1;
  double mn = fast ? relax_avx2(cf, w.v, dist, n, 0.0, -inf, &j1) : relax(cf, w.v, dist, n, 0.0, -inf, &j1);
  int nscan = 0;
  while (w.colsol[j1] >= 0) {
    // Scan j1: relax every column through its row, and find the next minimum.
    const int i = w.colsol[j1];
    const double* ci = row_of(cost, n, i);
    const double h = (ci[j1] - w.v[j1]) - mn;
    w.scan_col[nscan] = j1;
    w.scan_row[nscan] = i;
    w.scan_h[nscan] = h;
    w.scan_mn[nscan] = mn;
    ++nscan;
    dist[j1] = nan;
    mn = fast ? relax_avx2(ci, w.v, dist, n, h, mn, &j1) : relax(ci, w.v, dist, n, h, mn, &j1);
  }
  const int endofpath = j1;
  // Recover the path backwards. Column j's predecessor is a row whose offer
  // equals dist[j]: freerow (offer c[f][j] − v[j]) or the row of a scan made
  // before j was scanned. The offers are recomputed with the same operations,
  // so one matches bit for bit (searched from the latest scan down, where the
  // final offer usually is); positions only decrease, so this ends. Flipping
  // as we go is safe: later steps only read scans before this one.
  int j = endofpath;
  double target = mn;
  int limit = nscan;
  for (;;) {
    const double vj = w.v[j];
    int t_found = -1;
    if (!((cf[j] - vj) == target)) {
      for (int t = limit - 1; t >= 0; --t) {
        const double offer = smax((row_of(cost, n, w.scan_row[t])[j] - vj) - w.scan_h[t], w.scan_mn[t]);
        if (offer == target) {
          t_found = t;
          break;
        }
      }
      if (t_found < 0) t_found = closest_offer(cost, n, w, cf, j, target, limit);
    }
    const int i = t_found < 0 ? freerow : w.scan_row[t_found];
    w.colsol[j] = i;
    rowsol[i] = j;
    if (t_found < 0) break;
    j = w.scan_col[t_found];
    target = w.scan_mn[t_found];
    limit = t_found;
  }
  // Scanned columns' prices rise by how far they were below the final
  // minimum; this keeps every assigned row at a minimum.
  for (int t = 0; t < nscan; ++t) w.v[w.scan_col[t]] += w.scan_mn[t] - mn;
}

}  // namespace

std::size_t assignment_scratch(int n) {
  if (n < 1) return 0;
  const std::size_t un = static_cast<std::size_t>(n);
  if (un > SIZE_MAX / 64) return SIZE_MAX;
  // v, dist, scan_h, scan_mn (double), amin (long long),
  // colsol, free, scan_col, scan_row, matches (int).
  return 4 * Arena::padded(un * sizeof(double)) + Arena::padded(un * sizeof(long long)) +
         5 * Arena::padded(un * sizeof(int));
}

Status assignment_solve(const double* cost, int n, int* col_of_row, Arena& arena, Simd simd) {
  if (n < 1 || cost == nullptr || col_of_row == nullptr) return Status::invalid_argument;
  const std::size_t nn = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  for (std::size_t k = 0; k < nn; ++k) {
    const double c = cost[k];
    if (!(c - c == 0.0)) return Status::non_finite;  // NaN or ±Inf
    if (c > kMaxAbsCost || c < -kMaxAbsCost) return Status::invalid_argument;
  }
  if (n == 1) {
    col_of_row[0] = 0;
    return Status::ok;
  }
  const std::size_t mark = arena.mark();
  const std::size_t un = static_cast<std::size_t>(n);
  Work w;
  w.v = arena.alloc_array<double>(un);
  w.dist = arena.alloc_array<double>(un);
  w.scan_h = arena.alloc_array<double>(un);
  w.scan_mn = arena.alloc_array<double>(un);
  w.amin = arena.alloc_array<long long>(un);
  w.colsol = arena.alloc_array<int>(un);
  w.free = arena.alloc_array<int>(un);
  w.scan_col = arena.alloc_array<int>(un);
  w.scan_row = arena.alloc_array<int>(un);
  w.matches = arena.alloc_array<int>(un);
  if (w.v == nullptr || w.dist == nullptr || w.scan_h == nullptr || w.scan_mn == nullptr || w.amin == nullptr ||
      w.colsol == nullptr || w.free == nullptr || w.scan_col == nullptr || w.scan_row == nullptr ||
      w.matches == nullptr) {
    arena.release(mark);
    return Status::out_of_memory;
  }
  int* rowsol = col_of_row;
  const int numfree = initialise(cost, n, rowsol, w);
  const bool fast = use_avx2(simd);
  for (int f = 0; f < numfree; ++f) augment(cost, n, rowsol, w, w.free[f], fast);
  arena.release(mark);
  return Status::ok;
}

}  // namespace rill
