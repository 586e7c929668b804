#pragma once
// Helpers for the fused optimizer loops: turn runtime flags (weight decay on,
// nesterov, amsgrad, ...) into template parameters, so each loop the compiler
// vectorizes has no branches inside, and pick the element type.
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>

#if defined(__AVX__) || defined(__SSE2__)
#include <immintrin.h>
#endif

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

// Elements per block of the fused loops that need square roots: small enough
// that a block's temporaries stay in L1, large enough to amortize the passes.
inline constexpr int64_t kRootBlock = 256;

// x[j] = sqrt(x[j]). Why not std::sqrt inside the fused loops: a negative
// argument sets errno, and with the project's default -fmath-errno that
// possible store keeps GCC from vectorizing any loop that calls sqrt (neither
// `#pragma GCC optimize` nor the function attribute lifts it). Hardware square
// roots are correctly rounded, so the result is bit-identical to std::sqrt.
inline void sqrt_inplace(float* x, int64_t n) {
  int64_t j = 0;
#if defined(__AVX__)
  for (; j + 8 <= n; j += 8) _mm256_storeu_ps(x + j, _mm256_sqrt_ps(_mm256_loadu_ps(x + j)));
#elif defined(__SSE2__)
  for (; j + 4 <= n; j += 4) _mm_storeu_ps(x + j, _mm_sqrt_ps(_mm_loadu_ps(x + j)));
#endif
  for (; j < n; ++j) x[j] = std::sqrt(x[j]);
}

inline void sqrt_inplace(double* x, int64_t n) {
  int64_t j = 0;
#if defined(__AVX__)
  for (; j + 4 <= n; j += 4) _mm256_storeu_pd(x + j, _mm256_sqrt_pd(_mm256_loadu_pd(x + j)));
#elif defined(__SSE2__)
  for (; j + 2 <= n; j += 2) _mm_storeu_pd(x + j, _mm_sqrt_pd(_mm_loadu_pd(x + j)));
#endif
  for (; j < n; ++j) x[j] = std::sqrt(x[j]);
}

}  // namespace wick::optim::detail
