#pragma once
// Reductions along dims (negative dims count from the end), with keepdim, and
// the numerically stable softmax family.
#include "wick/tensor.h"

namespace wick {

Tensor sum(const Tensor& a);
Tensor sum(const Tensor& a, const Shape& dims, bool keepdim = false);
Tensor mean(const Tensor& a);
Tensor mean(const Tensor& a, const Shape& dims, bool keepdim = false);
Tensor prod(const Tensor& a);
Tensor prod(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor max(const Tensor& a);
MaxResult max(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& a);
MaxResult min(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& a);
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& a);
Tensor argmin(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor var(const Tensor& a, const Shape& dims, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& a, const Shape& dims, bool unbiased = true, bool keepdim = false);

// Inclusive running sum / product along dim. Integer and bool inputs give
// int64 (PyTorch's promotion); floats keep their dtype. cumprod's gradient is
// exact where the input holds zeros.
Tensor cumsum(const Tensor& a, int64_t dim);
Tensor cumprod(const Tensor& a, int64_t dim);

// Truth tests: bool results (uint8 for uint8 input, as PyTorch 1.13). NaN
// counts as true. any of nothing is false, all of nothing is true.
Tensor any(const Tensor& a);
Tensor any(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor all(const Tensor& a);
Tensor all(const Tensor& a, int64_t dim, bool keepdim = false);
// Max / min values over several dims (empty `dims`: all). Unlike max(dim),
// the gradient is shared evenly between tied elements, as torch.amax.
Tensor amax(const Tensor& a, const Shape& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& a, const Shape& dims = {}, bool keepdim = false);
// Number of non-zero elements (NaN counts), int64; empty `dims`: all.
Tensor count_nonzero(const Tensor& a, const Shape& dims = {});
// torch.linalg.vector_norm: (sum |x|^p)^(1/p) over dims (empty: all), for a
// floating input; p = inf / -inf give max / min |x|, p = 0 the count of
// non-zeros. The gradient at x = 0 is 0 (not NaN), as in PyTorch.
Tensor norm(const Tensor& a, double p = 2, const Shape& dims = {}, bool keepdim = false);

Tensor softmax(const Tensor& a, int64_t dim);
Tensor log_softmax(const Tensor& a, int64_t dim);
Tensor logsumexp(const Tensor& a, int64_t dim, bool keepdim = false);

// Sums `a` down to `shape` (the reverse of broadcasting): the gradient of an
// op whose input was broadcast.
Tensor sum_to(const Tensor& a, const Shape& shape);

}  // namespace wick
