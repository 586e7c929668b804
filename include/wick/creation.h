#pragma once
// Creation functions, with PyTorch's names and argument order. Options come
// last as designated initializers: zeros({2, 3}, {.dtype = kFloat64}).
#include <initializer_list>
#include <vector>

#include "wick/tensor.h"

namespace wick {

Tensor empty(const Shape& shape, const TensorOptions& options = {});
Tensor zeros(const Shape& shape, const TensorOptions& options = {});
Tensor ones(const Shape& shape, const TensorOptions& options = {});
Tensor full(const Shape& shape, double value, const TensorOptions& options = {});
// Values end-exclusive as Python's range; int64 unless a dtype is given or
// any argument has a fractional part.
Tensor arange(double end, const TensorOptions& options = {});
Tensor arange(double start, double end, double step = 1, const TensorOptions& options = {});
Tensor linspace(double start, double end, int64_t steps, const TensorOptions& options = {});
Tensor eye(int64_t n, const TensorOptions& options = {});
Tensor eye(int64_t n, int64_t m, const TensorOptions& options = {});
// Random tensors draw from the global generator (see random.h).
Tensor rand(const Shape& shape, const TensorOptions& options = {});    // U[0, 1)
Tensor randn(const Shape& shape, const TensorOptions& options = {});   // N(0, 1)
Tensor randint(int64_t low, int64_t high, const Shape& shape, const TensorOptions& options = {});
Tensor randint(int64_t high, const Shape& shape, const TensorOptions& options = {});
Tensor randperm(int64_t n, const TensorOptions& options = {});

// *_like: the shape, dtype and device of `t` unless the options say otherwise.
// (requires_grad is never copied, as in PyTorch.)
Tensor empty_like(const Tensor& t, const TensorOptions& options = {});
Tensor zeros_like(const Tensor& t, const TensorOptions& options = {});
Tensor ones_like(const Tensor& t, const TensorOptions& options = {});
Tensor full_like(const Tensor& t, double value, const TensorOptions& options = {});
Tensor rand_like(const Tensor& t, const TensorOptions& options = {});
Tensor randn_like(const Tensor& t, const TensorOptions& options = {});

// From values: tensor({1.0, 2.0}) is float32 [2], tensor({1, 2}) int64 [2]
// (as torch.tensor); tensor(3.5) is a 0-d tensor.
Tensor tensor(std::initializer_list<double> values, const TensorOptions& options = {});
Tensor tensor(std::initializer_list<float> values, const TensorOptions& options = {});
Tensor tensor(std::initializer_list<int> values, const TensorOptions& options = {});
Tensor tensor(std::initializer_list<int64_t> values, const TensorOptions& options = {});
Tensor tensor(std::initializer_list<bool> values, const TensorOptions& options = {});
Tensor tensor(double value, const TensorOptions& options = {});
// Nested rows: tensor({{1, 2}, {3, 4}}) is [2, 2].
Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, const TensorOptions& options = {});

// Copies `values` into a new tensor of `shape` (default: 1-D). The dtype comes
// from T unless the options give one; throws when the counts differ.
template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape = {}, const TensorOptions& options = {});
// The same from a raw pointer (numel(shape) elements).
Tensor from_blob_copy(const void* data, DType dtype, const Shape& shape, const TensorOptions& options = {});

}  // namespace wick
