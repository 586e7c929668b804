#pragma once
// Ordering along one dim (negative dims count from the end), as
// torch.sort / torch.argsort / torch.topk.
//
// NaN sorts as larger than every number: last when ascending, first when
// descending. wick's order is always stable (equal values keep their input
// order, in both directions), so `stable` changes nothing here; PyTorch
// guarantees that order only with stable=true, and its topk breaks ties in no
// documented order, so code ported from PyTorch must not depend on either.
// Indices are int64. The gradient of `values` flows back to the positions in
// `indices`.
#include "wick/tensor.h"

namespace wick {

// values and indices of the sorted input; binds as auto [values, indices] = sort(x).
using SortResult = MaxResult;

SortResult sort(const Tensor& a, int64_t dim = -1, bool descending = false, bool stable = false);
Tensor argsort(const Tensor& a, int64_t dim = -1, bool descending = false, bool stable = false);
// The k largest (or smallest) entries along dim, in sorted order (wick always
// sorts them; sorted=false allows any order, as in PyTorch). 0 <= k <= size.
SortResult topk(const Tensor& a, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);

}  // namespace wick
