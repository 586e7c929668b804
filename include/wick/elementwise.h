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
