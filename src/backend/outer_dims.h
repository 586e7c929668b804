#pragma once
// Ops that work along one dim (softmax, max(dim), ...) iterate over every
// other dim: this collects those dims' sizes and each operand's strides, for
// the CPU's Layout and the CUDA backend's Geometry alike.
#include <cstdint>

#include "backend/backend.h"

namespace wick::backend {

// Writes the sizes of every dim of views[0] but `dim`, and views[k]'s strides
// along them into strides[k]; returns how many dims that is.
template <int N>
int outer_dims(const View* const* views, int dim, int64_t sizes[kMaxDims], int64_t strides[N][kMaxDims]) {
  int nd = 0;
  for (int d = 0; d < views[0]->ndim; ++d) {
    if (d == dim) continue;
    sizes[nd] = views[0]->sizes[d];
    for (int k = 0; k < N; ++k) strides[k][nd] = views[k]->strides[d];
    ++nd;
  }
  return nd;
}

}  // namespace wick::backend
