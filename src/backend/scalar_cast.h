#pragma once
// A double scalar argument (alpha, beta of UnaryOp) in a tensor's compute
// type, host side, shared by the CPU and CUDA backends.
//
// Arithmetic wraps, as PyTorch does: on uint8, `u - 1` is u + 255 (mod 256)
// and `u * -1` is 256 - u, so a scalar is taken modulo 2^bits. (Saturating
// made -1 into 0: `u - t` on uint8 tensors returned u unchanged.) Bounds
// saturate: clamp(u8, -5, 300) means "no lower bound below 0, none above 255".
// Both avoid undefined behaviour for NaN and out-of-range doubles.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace wick::backend {

template <typename T>
inline T scalar_saturate(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else {
    if (std::isnan(v)) return T(0);
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  }
}

template <typename T>
inline T scalar_wrap(double v) {
  if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, bool>) {
    return scalar_saturate<T>(v);
  } else {
    // Through int64 (saturated: beyond it a double has no meaningful low
    // bits), then modulo 2^bits by the unsigned conversion.
    const auto wide = static_cast<uint64_t>(scalar_saturate<int64_t>(v));
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(wide));
  }
}

}  // namespace wick::backend
