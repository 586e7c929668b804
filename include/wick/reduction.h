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

Tensor softmax(const Tensor& a, int64_t dim);
Tensor log_softmax(const Tensor& a, int64_t dim);
Tensor logsumexp(const Tensor& a, int64_t dim, bool keepdim = false);

// Sums `a` down to `shape` (the reverse of broadcasting): the gradient of an
// op whose input was broadcast.
Tensor sum_to(const Tensor& a, const Shape& shape);

}  // namespace wick
