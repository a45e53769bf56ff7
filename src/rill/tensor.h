// Tensor: a non-owning, row-major float32 matrix view (data, rows, cols, stride).
//
// The core never owns memory through a Tensor; the caller (or an Arena) does.
// stride is in floats and is >= cols; rows of a batch are points, columns are
// coordinates.
#pragma once
#include <cstddef>

namespace rill {

struct Tensor {
  float* data = nullptr;
  int rows = 0;
  int cols = 0;
  int stride = 0;

  Tensor() = default;
  Tensor(float* d, int r, int c) : data(d), rows(r), cols(c), stride(c) {}
  Tensor(float* d, int r, int c, int s) : data(d), rows(r), cols(c), stride(s) {}

  float* row(int i) const { return data + static_cast<std::ptrdiff_t>(i) * stride; }
  float& at(int i, int j) const { return row(i)[j]; }
  bool contiguous() const { return stride == cols; }
  std::size_t size() const { return static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols); }
  // Rows [begin, begin + count) as a view.
  Tensor slice_rows(int begin, int count) const { return Tensor(row(begin), count, cols, stride); }
};

}  // namespace rill
