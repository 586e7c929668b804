#pragma once
// Device-side view of N operands that share one iteration shape: the shape is
// simplified on the host (size-1 dims dropped, dims that are contiguous with
// each other in every operand merged), so the common cases (contiguous,
// tensor-op-scalar, a transposed operand) reduce to one or two dims and the
// per-element index arithmetic is a couple of divisions.
#include <cstdint>

#include "backend/backend.h"

namespace wick::backend::cuda {

template <int N>
struct Geometry {
  int ndim = 1;
  int64_t numel = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[N][kMaxDims] = {};

  // Element offset of linear index i in each operand.
  __device__ __forceinline__ void offsets(int64_t i, int64_t (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t s = sizes[d];
      const int64_t q = i / s, r = i - q * s;
      i = q;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += r * strides[k][d];
    }
  }
  // True when every operand is contiguous over the whole (1-D) range.
  __host__ __device__ bool flat() const {
    if (ndim != 1) return false;
    for (int k = 0; k < N; ++k)
      if (strides[k][0] != 1) return false;
    return true;
  }
};

// sizes: the common shape; strides[k]: operand k's strides for that shape.
template <int N>
Geometry<N> make_geometry(int ndim, const int64_t* sizes, const int64_t* const strides[N]) {
  Geometry<N> g;
  g.numel = 1;
  for (int d = 0; d < ndim; ++d) g.numel *= sizes[d];
  int nd = 0;
  if (g.numel != 0) {
    for (int d = 0; d < ndim; ++d) {
      if (sizes[d] == 1) continue;
      if (nd > 0) {
        bool merge = true;
        for (int k = 0; k < N; ++k) merge = merge && g.strides[k][nd - 1] == strides[k][d] * sizes[d];
        if (merge) {
          g.sizes[nd - 1] *= sizes[d];
          for (int k = 0; k < N; ++k) g.strides[k][nd - 1] = strides[k][d];
          continue;
        }
      }
      g.sizes[nd] = sizes[d];
      for (int k = 0; k < N; ++k) g.strides[k][nd] = strides[k][d];
      ++nd;
    }
  }
  if (nd == 0) {  // one element or none
    g.ndim = 1;
    g.sizes[0] = g.numel;
    for (int k = 0; k < N; ++k) g.strides[k][0] = 1;
  } else {
    g.ndim = nd;
  }
  return g;
}

// All views have views[0]'s shape.
template <int N>
Geometry<N> make_geometry(const View* const (&views)[N]) {
  const int64_t* strides[N];
  for (int k = 0; k < N; ++k) strides[k] = views[k]->strides;
  return make_geometry<N>(views[0]->ndim, views[0]->sizes, strides);
}

// A grid-stride loop: i runs over [0, n) across the whole grid.
#define GRID_STRIDE(i, n) \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// Launch shape of a grid-stride loop over n elements.
constexpr int kBlock = 256;
inline unsigned grid_for(int64_t n) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  return static_cast<unsigned>(blocks < 65536 * 8 ? (blocks < 1 ? 1 : blocks) : 65536 * 8);
}

}  // namespace wick::backend::cuda
