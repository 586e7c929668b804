#pragma once
// Small helpers shared by the differentiable ops.
#include "autograd/node.h"
#include "core/core.h"
#include "wick/reduction.h"

namespace wick::autograd {

// The gradient for `input` from a gradient of the broadcast result: summed
// over broadcast dims and cast back to the input's dtype.
inline Tensor reduce_grad(const Tensor& g, const Shape& shape, DType dtype) {
  if (!g.defined()) return g;
  Tensor r = g.sizes() == shape ? g : sum_to(g, shape);
  return r.dtype() == dtype ? r : core::to_dtype(r, dtype);
}

// Before an in-place op on `self`: rejects what would corrupt gradients and
// says whether the op must be recorded.
bool prepare_inplace(const char* op, const Tensor& self, std::initializer_list<const Tensor*> others = {});

}  // namespace wick::autograd
