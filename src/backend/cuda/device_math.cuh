#pragma once
// Shared device helpers: dtype dispatch on the host, value conversion with the
// CPU backend's rules (backend/cpu/loops.h), and scalar arguments saturated as
// the CPU kernels do.
#include <cstdint>
#include <limits>
#include <type_traits>

#include "backend/backend.h"
#include "backend/cuda/kernels.h"
#include "wick/error.h"

namespace wick::backend::cuda {

template <typename T> struct Tag { using type = T; };

template <typename F>
inline void dispatch(DType t, F&& f) {
  switch (t) {
    case DType::Float32: f(Tag<float>{}); return;
    case DType::Float64: f(Tag<double>{}); return;
    case DType::Int64: f(Tag<int64_t>{}); return;
    case DType::UInt8: f(Tag<uint8_t>{}); return;
    case DType::Bool: f(Tag<bool>{}); return;
  }
}

template <typename T> inline constexpr bool kIsFloat = std::is_floating_point_v<T>;

// anything -> bool is `!= 0`; float -> uint8 goes through int64 (wraps).
template <typename To, typename From>
__host__ __device__ __forceinline__ To convert(From x) {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (std::is_same_v<To, bool>) {
    return x != From(0);
  } else if constexpr (std::is_same_v<To, uint8_t> && kIsFloat<From>) {
    return static_cast<uint8_t>(static_cast<int64_t>(x));
  } else {
    return static_cast<To>(x);
  }
}

// Bool arithmetic runs in int64 and converts back.
template <typename T>
using Compute = std::conditional_t<std::is_same_v<T, bool>, int64_t, T>;

}  // namespace wick::backend::cuda
