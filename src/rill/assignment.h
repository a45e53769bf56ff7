// assignment: exact linear assignment (Jonker–Volgenant shortest augmenting
// paths, O(n³) worst case) for minibatch OT coupling and exact W2.
#pragma once
#include <cstddef>

#include "rill/arena.h"
#include "rill/kernels.h"
#include "rill/status.h"

namespace rill {

// Scratch bytes for an n × n problem (an exact upper bound, padding included;
// 0 for n < 1).
std::size_t assignment_scratch(int n);
// cost: n × n row-major (row i = source i). Writes col_of_row[i] = the column
// assigned to row i, minimising Σ cost[i][col_of_row[i]] (ties broken
// deterministically: the same matrix gives the same assignment everywhere).
// Errors: invalid_argument (n < 1, null pointers, |cost| > 1e100),
// non_finite (NaN or ±Inf in cost), out_of_memory (arena smaller than
// needed; the arena is left as it was). Scratch is given back on return.
// simd: the instruction set of its hot loop (kernels.h; every level gives the
// same assignment) — the CPU's best unless the caller says otherwise.
Status assignment_solve(const double* cost, int n, int* col_of_row, Arena& arena, Simd simd = simd_best());

}  // namespace rill
