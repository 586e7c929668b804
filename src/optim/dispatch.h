#pragma once
// Helpers for the fused optimizer loops: turn runtime flags (weight decay on,
// nesterov, amsgrad, ...) into template parameters, so each loop the compiler
// vectorizes has no branches inside, and pick the element type.
#include <type_traits>
#include <utility>

#include "wick/dtype.h"

namespace wick::optim::detail {

// f(std::true_type{}) or f(std::false_type{}); read the flag as decltype(x)::value.
template <typename F>
void with_flag(bool flag, F&& f) {
  if (flag) f(std::true_type{});
  else f(std::false_type{});
}

// f(float{}) or f(double{}) for a float32 / float64 parameter.
template <typename F>
void with_float_type(DType dtype, F&& f) {
  if (dtype == kFloat32) f(float{});
  else f(double{});
}

// NaN-propagating max, as torch.maximum (std::max would drop a NaN in `b`).
template <typename T>
inline T nan_max(T a, T b) {
  return (a != a || a >= b) ? a : b;
}

}  // namespace wick::optim::detail
