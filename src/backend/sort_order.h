#pragma once
// The order behind sort / argsort / topk, shared by the CPU loop and the CUDA
// kernel so both backends return the same indices. It is a strict total order
// on (value, position): NaN counts as larger than every number (last when
// ascending, first when descending, as PyTorch), and equal values (-0 and +0,
// two NaNs) keep their input order in both directions, which makes every sort
// stable. Free of std:: calls, so a CUDA build can mark it __host__ __device__.
#include <cstdint>

#ifndef WICK_HOST_DEVICE
#define WICK_HOST_DEVICE
#endif

namespace wick::backend {

// True when (a at position ia) comes before (b at position ib).
template <typename T>
WICK_HOST_DEVICE inline bool sorts_before(T a, int64_t ia, T b, int64_t ib, bool descending) {
  const bool a_nan = a != a, b_nan = b != b;  // always false for integers and bool
  const bool less = (a < b) || (!a_nan && b_nan);
  const bool greater = (b < a) || (a_nan && !b_nan);
  if (less || greater) return descending ? greater : less;
  return ia < ib;
}

}  // namespace wick::backend
