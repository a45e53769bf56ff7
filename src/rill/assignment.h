// assignment: exact linear assignment (Jonker–Volgenant shortest augmenting
// paths, O(n³)) for minibatch OT coupling and exact W2.
#pragma once
#include <cstddef>

#include "rill/arena.h"
#include "rill/status.h"

namespace rill {

// Scratch for an n × n problem.
std::size_t assignment_scratch(int n);
// cost: n × n row-major (row i = source i). Writes col_of_row[i] = the column
// assigned to row i, minimising Σ cost[i][col_of_row[i]]. Costs must be finite.
Status assignment_solve(const double* cost, int n, int* col_of_row, Arena& arena);

}  // namespace rill
