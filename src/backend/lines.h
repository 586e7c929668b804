#pragma once
// Kernels that treat every line along one dim as an independent problem
// (sort, cumulative scans) iterate over the other dims: line_view drops
// `dim` from an operand, so the usual Layout (CPU) or Geometry (CUDA) of the
// dropped views walks the lines' first elements, and each line is a loop of
// the dim's size and stride from there.
#include "backend/backend.h"

namespace wick::backend {

// v without `dim`, with shape's sizes on the remaining dims (operands of a
// line kernel may differ in size along `dim` only, as topk's output does).
inline View line_view(const View& v, const View& shape, int dim) {
  View out = v;
  out.ndim = 0;
  for (int d = 0; d < v.ndim; ++d) {
    if (d == dim) continue;
    out.sizes[out.ndim] = shape.sizes[d];
    out.strides[out.ndim] = v.strides[d];
    ++out.ndim;
  }
  return out;
}

// The line views of N operands (views[0]'s sizes), and pointers to them in
// the form the CPU's Layout::from_views and CUDA's make_geometry take.
template <int N>
struct Lines {
  View views[N];
  const View* ptrs[N];
  Lines(const View* const (&operands)[N], int dim) {
    for (int k = 0; k < N; ++k) {
      views[k] = line_view(*operands[k], *operands[0], dim);
      ptrs[k] = &views[k];
    }
  }
  Lines(const Lines&) = delete;  // ptrs point into this object
};

}  // namespace wick::backend
