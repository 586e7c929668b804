#pragma once
// The scan behind max(dim) / min(dim) / argmax: one row of `len` values
// `stride` apart, shared by the CPU loop and the CUDA kernel so both backends
// break ties and treat NaN the same way. Free of std:: calls, so a CUDA
// build can mark it __host__ __device__ (see philox.h).
#include <cstdint>

#ifndef WICK_HOST_DEVICE
#define WICK_HOST_DEVICE
#endif

namespace wick::backend {

// Index of the largest (is_max) or smallest value; its value in *best.
// Strict comparisons keep the first index on ties; the first NaN wins and
// nothing replaces it (best == best fails for NaN), as in PyTorch.
template <typename T>
WICK_HOST_DEVICE inline int64_t arg_best(const T* x, int64_t len, int64_t stride, bool is_max, T* best) {
  T b = x[0];
  int64_t bi = 0;
  for (int64_t i = 1; i < len; ++i) {
    const T y = x[i * stride];
    const bool better = is_max ? (y > b) : (y < b);
    if (better || (y != y && b == b)) {
      b = y;
      bi = i;
    }
  }
  *best = b;
  return bi;
}

}  // namespace wick::backend
