#pragma once
// Matrix products, as the seed notes contrast them:
//   mul    elementwise, broadcasting            [2,3] * [2,3] -> [2,3]
//   mm     2-D matrix product only               [2,3] @ [3,4] -> [2,4]
//   matmul NumPy rules: 1-D, 2-D and batched     [5,2,3] @ [3,4] -> [5,2,4]
// Float tensors only; products go through BLAS (OpenBLAS, cuBLAS).
#include "wick/tensor.h"

namespace wick {

Tensor mm(const Tensor& a, const Tensor& b);
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);  // [B,n,k] @ [B,k,m]
Tensor dot(const Tensor& a, const Tensor& b);  // 1-D . 1-D -> 0-D
Tensor outer(const Tensor& a, const Tensor& b);
// bias + a @ b.t(), the fused linear layer forward (weight is [out, in]).
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace wick
