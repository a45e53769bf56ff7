// Tests for assignment: optimality against brute force (all permutations,
// n <= 8) and against an independent O(n³) Hungarian method (larger n), on
// real costs, integer costs with many ties, constant matrices and squared
// distances; the portable hot loop against the AVX2 one; plus bad input and
// arena sizing.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "rill/arena.h"
#include "rill/assignment.h"
#include "rill/kernels.h"
#include "rill/rng.h"

namespace {

using Matrix = std::vector<double>;

double total(const Matrix& c, int n, const std::vector<int>& col) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += c[static_cast<std::size_t>(i) * n + col[i]];
  return s;
}

bool is_permutation(const std::vector<int>& col, int n) {
  std::vector<char> seen(static_cast<std::size_t>(n), 0);
  for (int i = 0; i < n; ++i) {
    if (col[i] < 0 || col[i] >= n || seen[col[i]]) return false;
    seen[col[i]] = 1;
  }
  return true;
}

double brute_force(const Matrix& c, int n) {
  std::vector<int> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  double best = std::numeric_limits<double>::infinity();
  do best = std::min(best, total(c, n, p));
  while (std::next_permutation(p.begin(), p.end()));
  return best;
}

// The textbook O(n³) Hungarian method with row/column potentials (one row
// added at a time, Dijkstra on reduced costs): an independent reference.
double hungarian(const Matrix& a, int n) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1), v(n + 1);
  std::vector<int> p(n + 1), way(n + 1);
  for (int i = 1; i <= n; ++i) {
    p[0] = i;
    int j0 = 0;
    std::vector<double> minv(n + 1, inf);
    std::vector<char> used(n + 1, 0);
    do {
      used[j0] = 1;
      const int i0 = p[j0];
      int j1 = 0;
      double delta = inf;
      for (int j = 1; j <= n; ++j)
        if (!used[j]) {
          const double cur = a[static_cast<std::size_t>(i0 - 1) * n + j - 1] - u[i0] - v[j];
          if (cur < minv[j]) {
            minv[j] = cur;
            way[j] = j0;
          }
          if (minv[j] < delta) {
            delta = minv[j];
            j1 = j;
          }
        }
      for (int j = 0; j <= n; ++j)
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  double s = 0;
  for (int j = 1; j <= n; ++j) s += a[static_cast<std::size_t>(p[j] - 1) * n + j - 1];
  return s;
}

enum class Kind { uniform, small_ints, constant, wide_ints, sq_dist, rank_one, negative };
constexpr Kind kKinds[] = {Kind::uniform,  Kind::small_ints, Kind::constant, Kind::wide_ints,
                           Kind::sq_dist,  Kind::rank_one,   Kind::negative};

// Integer-valued kinds are exact in double, so their optimum must match exactly.
bool integer_kind(Kind k) { return k == Kind::small_ints || k == Kind::constant || k == Kind::wide_ints; }

Matrix make(Kind kind, int n, rill::Rng& rng) {
  Matrix c(static_cast<std::size_t>(n) * n);
  switch (kind) {
    case Kind::uniform:
      for (double& x : c) x = rng.uniform();
      break;
    case Kind::small_ints:  // many ties
      for (double& x : c) x = rng.below(3);
      break;
    case Kind::constant: {
      const double k = static_cast<double>(rng.below(100)) - 50;
      for (double& x : c) x = k;
      break;
    }
    case Kind::wide_ints:
      for (double& x : c) x = static_cast<double>(rng.below(2000001)) - 1000000.0;
      break;
    case Kind::sq_dist: {  // the OT coupling case: noise against a shifted cloud
      std::vector<float> x(2 * static_cast<std::size_t>(n)), y(2 * static_cast<std::size_t>(n));
      rng.fill_normal(x.data(), 2 * n);
      for (float& t : y) t = rng.uniform(-1.0f, 3.0f);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
          const double dx = static_cast<double>(x[2 * i]) - y[2 * j], dy = static_cast<double>(x[2 * i + 1]) - y[2 * j + 1];
          c[static_cast<std::size_t>(i) * n + j] = dx * dx + dy * dy;
        }
      break;
    }
    case Kind::rank_one: {  // c_ij = a_i·b_j: the optimum pairs large a with small b
      std::vector<double> a(static_cast<std::size_t>(n)), b(static_cast<std::size_t>(n));
      for (double& t : a) t = rng.uniform();
      for (double& t : b) t = rng.uniform();
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) c[static_cast<std::size_t>(i) * n + j] = a[i] * b[j];
      break;
    }
    case Kind::negative:
      for (double& x : c) x = rng.uniform(-1e6f, 1e3f);
      break;
  }
  return c;
}

std::vector<unsigned char>& arena_memory() {
  static std::vector<unsigned char> mem(1 << 22);
  return mem;
}

// Solves at the given instruction set (the CPU's best by default).
rill::Status solve(const Matrix& c, int n, std::vector<int>& col, rill::Simd simd = rill::simd_best()) {
  col.assign(static_cast<std::size_t>(n), -1);
  rill::Arena arena(arena_memory().data(), arena_memory().size());
  const rill::Status st = rill::assignment_solve(c.data(), n, col.data(), arena, simd);
  CHECK(arena.used() == 0);  // scratch is given back
  CHECK(arena.high_water() <= rill::assignment_scratch(n));
  return st;
}

void check_optimal(const Matrix& c, int n, double best, Kind kind) {
  std::vector<int> col;
  REQUIRE(solve(c, n, col) == rill::Status::ok);
  REQUIRE(is_permutation(col, n));
  const double got = total(c, n, col);
  if (integer_kind(kind)) {
    CHECK(got == best);
  } else {
    double scale = 0;
    for (double x : c) scale = std::max(scale, std::fabs(x));
    CHECK(std::fabs(got - best) <= 1e-12 * scale * n);
  }
}

}  // namespace

TEST_CASE("assignment: equals brute force over all permutations, n = 1..8") {
  rill::Rng rng(12345, 1);
  for (int n = 1; n <= 8; ++n) {
    const int trials = n <= 6 ? 30 : (n == 7 ? 8 : 3);
    for (Kind kind : kKinds) {
      for (int t = 0; t < trials; ++t) {
        INFO("n = " << n << ", kind " << static_cast<int>(kind) << ", trial " << t);
        const Matrix c = make(kind, n, rng);
        check_optimal(c, n, brute_force(c, n), kind);
      }
    }
  }
}

TEST_CASE("assignment: equals an independent Hungarian method for larger n") {
  rill::Rng rng(777, 2);
  // Sizes around the vector widths (2, 4, 8, 16 lanes) and the training batch.
  for (int n : {9, 15, 16, 17, 31, 33, 64, 100, 127, 256}) {
    for (Kind kind : kKinds) {
      INFO("n = " << n << ", kind " << static_cast<int>(kind));
      const Matrix c = make(kind, n, rng);
      check_optimal(c, n, hungarian(c, n), kind);
    }
  }
}

TEST_CASE("assignment: known answers") {
  std::vector<int> col;
  SUBCASE("3 x 3") {
    // The scipy.optimize.linear_sum_assignment example: rows 0,1,2 -> columns 1,0,2, cost 5.
    const Matrix c = {4, 1, 3, 2, 0, 5, 3, 2, 2};
    REQUIRE(solve(c, 3, col) == rill::Status::ok);
    CHECK(col == std::vector<int>{1, 0, 2});
    CHECK(total(c, 3, col) == 5);
  }
  SUBCASE("anti-diagonal is the unique optimum") {
    const int n = 37;
    Matrix c(static_cast<std::size_t>(n) * n, 1.0);
    for (int i = 0; i < n; ++i) c[static_cast<std::size_t>(i) * n + (n - 1 - i)] = 0.0;
    REQUIRE(solve(c, n, col) == rill::Status::ok);
    for (int i = 0; i < n; ++i) CHECK(col[i] == n - 1 - i);
  }
  SUBCASE("1-D squared distances: sorted order is optimal") {
    // Rows and columns are points on a line; the optimum matches them in sorted order.
    const int n = 50;
    rill::Rng rng(5, 5);
    std::vector<double> x(n), y(n);
    for (double& t : x) t = rng.uniform(-3.0f, 3.0f);
    for (double& t : y) t = rng.uniform(-1.0f, 5.0f);
    Matrix c(static_cast<std::size_t>(n) * n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) c[static_cast<std::size_t>(i) * n + j] = (x[i] - y[j]) * (x[i] - y[j]);
    std::vector<int> ox(n), oy(n);
    std::iota(ox.begin(), ox.end(), 0);
    std::iota(oy.begin(), oy.end(), 0);
    std::sort(ox.begin(), ox.end(), [&](int a, int b) { return x[a] < x[b]; });
    std::sort(oy.begin(), oy.end(), [&](int a, int b) { return y[a] < y[b]; });
    REQUIRE(solve(c, n, col) == rill::Status::ok);
    for (int k = 0; k < n; ++k) CHECK(col[ox[k]] == oy[k]);
  }
}

TEST_CASE("assignment: deterministic") {
  rill::Rng rng(9, 9);
  const int n = 120;
  const Matrix c = make(Kind::small_ints, n, rng);
  std::vector<int> a, b;
  REQUIRE(solve(c, n, a) == rill::Status::ok);
  REQUIRE(solve(c, n, b) == rill::Status::ok);
  CHECK(a == b);
}

TEST_CASE("assignment: the portable loop and the best one give the same assignments") {
  // The portable relax (what WebAssembly and ARM run) is only reached on an
  // AVX2 machine by asking for Simd::vec4; ties (small_ints) make any
  // difference in the arg-min rule show up as a different assignment.
  const rill::Simd best = rill::simd_best();
  if (best < rill::Simd::avx2) {
    MESSAGE("no AVX2 here: both solves run the portable loop, nothing to compare");
    return;
  }
  INFO("best simd level " << static_cast<int>(best));
  rill::Rng rng(4242, 7);
  for (int n : {2, 3, 5, 7, 8, 9, 15, 16, 17, 33, 100, 256, 301}) {
    for (Kind kind : {Kind::sq_dist, Kind::small_ints, Kind::wide_ints, Kind::uniform}) {
      for (int trial = 0; trial < (n <= 17 ? 4 : 1); ++trial) {
        INFO("n = " << n << ", kind " << static_cast<int>(kind) << ", trial " << trial);
        const Matrix c = make(kind, n, rng);
        std::vector<int> portable, fast;
        REQUIRE(solve(c, n, portable, rill::Simd::vec4) == rill::Status::ok);
        REQUIRE(solve(c, n, fast, best) == rill::Status::ok);
        CHECK(is_permutation(portable, n));
        CHECK(portable == fast);
      }
    }
  }
}

TEST_CASE("assignment: bad input is refused") {
  std::vector<unsigned char> mem(1 << 16);
  rill::Arena arena(mem.data(), mem.size());
  double c[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  int col[3];
  CHECK(rill::assignment_solve(c, 0, col, arena) == rill::Status::invalid_argument);
  CHECK(rill::assignment_solve(c, -3, col, arena) == rill::Status::invalid_argument);
  CHECK(rill::assignment_solve(nullptr, 3, col, arena) == rill::Status::invalid_argument);
  CHECK(rill::assignment_solve(c, 3, nullptr, arena) == rill::Status::invalid_argument);
  CHECK(rill::assignment_scratch(0) == 0);
  CHECK(rill::assignment_scratch(-1) == 0);
  const double bad[] = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity()};
  for (double b : bad) {
    for (int where : {0, 4, 8}) {
      double m[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
      m[where] = b;
      CHECK(rill::assignment_solve(m, 3, col, arena) == rill::Status::non_finite);
    }
  }
  double huge[4] = {1, 2, 3, 1e200};
  CHECK(rill::assignment_solve(huge, 2, col, arena) == rill::Status::invalid_argument);
  CHECK(arena.used() == 0);
}

TEST_CASE("assignment: scratch is an exact upper bound; a short arena gives out_of_memory") {
  rill::Rng rng(3, 3);
  for (int n : {2, 3, 7, 16, 33}) {
    INFO("n = " << n);
    const Matrix c = make(Kind::uniform, n, rng);
    const double best = n <= 8 ? brute_force(c, n) : hungarian(c, n);
    const std::size_t need = rill::assignment_scratch(n);
    std::vector<unsigned char> mem(need + 64);
    std::vector<int> col(static_cast<std::size_t>(n));
    // Exactly `need` bytes suffice at every base alignment.
    for (std::size_t offset = 0; offset < 64; offset += 1) {
      rill::Arena arena(mem.data() + offset, need);
      REQUIRE(rill::assignment_solve(c.data(), n, col.data(), arena) == rill::Status::ok);
      CHECK(is_permutation(col, n));
      CHECK(std::fabs(total(c, n, col) - best) <= 1e-12 * n);
    }
    // Any arena short of the actual need fails cleanly, leaving the arena as it was.
    rill::Arena probe(mem.data(), need);
    REQUIRE(rill::assignment_solve(c.data(), n, col.data(), probe) == rill::Status::ok);
    const std::size_t used = probe.high_water();
    for (std::size_t cap = 0; cap < used; cap += 1 + cap / 16) {
      rill::Arena arena(mem.data(), cap);
      CHECK(rill::assignment_solve(c.data(), n, col.data(), arena) == rill::Status::out_of_memory);
      CHECK(arena.used() == 0);
    }
    rill::Arena empty;
    CHECK(rill::assignment_solve(c.data(), n, col.data(), empty) == rill::Status::out_of_memory);
  }
}
