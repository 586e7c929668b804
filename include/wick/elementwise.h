#pragma once
// Elementwise ops with NumPy broadcasting and PyTorch's type promotion
// (bool < uint8 < int64 < float32 < float64). A double scalar never widens a
// float32 tensor. C++ cannot tell 2 from 2.0, so a scalar with an integral
// value keeps an integer tensor's dtype (int64 * 2.0 stays int64) and a
// fractional one makes it float32 (int64 * 0.5 is float32).
#include <optional>

#include "wick/tensor.h"

namespace wick {

Tensor add(const Tensor& a, const Tensor& b, double alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, double alpha = 1);
// mul is elementwise (with broadcasting), not a matrix product: see mm/matmul.
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);  // true division: ints give float32
Tensor pow(const Tensor& a, const Tensor& exponent);
Tensor pow(const Tensor& a, double exponent);
Tensor pow(double base, const Tensor& exponent);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor log1p(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor square(const Tensor& a);
Tensor reciprocal(const Tensor& a);
// Either bound may be omitted: clamp(t, 0, std::nullopt).
Tensor clamp(const Tensor& a, std::optional<double> min, std::optional<double> max);
Tensor isfinite(const Tensor& a);

// ---- math functions, with PyTorch 1.13's names, dtypes and gradients ----
// Float functions: integer and bool inputs give float32 (torch.sin(int_tensor)).
Tensor sin(const Tensor& a);
Tensor cos(const Tensor& a);
Tensor tan(const Tensor& a);
Tensor atan(const Tensor& a);
Tensor sinh(const Tensor& a);
Tensor cosh(const Tensor& a);
Tensor expm1(const Tensor& a);   // e^x - 1, accurate near 0
Tensor exp2(const Tensor& a);    // 2^x
Tensor log2(const Tensor& a);
Tensor log10(const Tensor& a);
Tensor rsqrt(const Tensor& a);   // 1 / sqrt(x)
Tensor erf(const Tensor& a);
Tensor erfc(const Tensor& a);    // 1 - erf(x), accurate for large x
Tensor erfinv(const Tensor& a);  // inverse of erf on (-1, 1); +-1 give +-inf
// Rounding keeps the dtype: integer tensors come back as a copy, bool tensors
// are refused (as PyTorch). The gradient is zero.
Tensor floor(const Tensor& a);
Tensor ceil(const Tensor& a);
Tensor trunc(const Tensor& a);  // toward zero
// Half to even (round(2.5) == 2, as torch.round); with decimals, as
// torch.round(x, decimals=d): nearbyint(x * 10^d) / 10^d, float tensors only.
Tensor round(const Tensor& a, int64_t decimals = 0);
Tensor frac(const Tensor& a);   // x - trunc(x), float tensors only; gradient 1
// Bool results; integer and bool tensors give all false.
Tensor isnan(const Tensor& a);
Tensor isinf(const Tensor& a);
Tensor isposinf(const Tensor& a);
Tensor isneginf(const Tensor& a);
// NaN -> nan, +inf -> posinf, -inf -> neginf (defaults: 0, and the dtype's
// largest and lowest finite values); integer and bool tensors come back as a
// copy. The gradient passes where x is finite.
Tensor nan_to_num(const Tensor& a, double nan = 0, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);
// atan2(a, b): the angle of (b, a), float result (ints give float32); no
// scalar forms, as torch.atan2.
Tensor atan2(const Tensor& a, const Tensor& b);
// fmod: a - trunc(a / b) b, the sign of a (C's fmod); remainder: a - floor(a
// / b) b, the sign of b (Python's %). Integers stay integers; an integer zero
// divisor throws (PyTorch's ZeroDivisionError); bool tensors are refused.
Tensor fmod(const Tensor& a, const Tensor& b);
Tensor fmod(const Tensor& a, double b);
Tensor remainder(const Tensor& a, const Tensor& b);
Tensor remainder(const Tensor& a, double b);
Tensor remainder(double a, const Tensor& b);

// cond ? a : b, broadcasting all three; cond must be bool.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, double b);
Tensor where(const Tensor& cond, double a, const Tensor& b);
Tensor masked_fill(const Tensor& a, const Tensor& mask, double value);

// Comparisons return bool tensors.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& a);
// True when shapes match and every element is equal / close (|a-b| <= atol + rtol*|b|).
bool equal(const Tensor& a, const Tensor& b);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);

}  // namespace wick
