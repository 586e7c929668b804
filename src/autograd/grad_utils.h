#pragma once
// Small helpers shared by the differentiable ops.
#include <cmath>

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

// A reduced tensor (keepdim or not) in keepdim form: size 1 on the reduced
// dims, so it broadcasts against the input of shape `in`.
inline Tensor keepdim_form(const Tensor& r, const Shape& in, const std::vector<bool>& mask, bool keepdim) {
  return keepdim ? r : r.reshape(core::reduced_shape(in, mask, true));
}

// add/sub's alpha on an integer result must be a whole number, as in
// PyTorch: a fractional one would be truncated (add(i, j, 0.5) == i).
inline void check_integral_alpha(const char* op, DType result, double alpha) {
  WICK_CHECK(is_floating(result) || alpha == std::trunc(alpha), op, ": alpha ", alpha,
             " is not a whole number, but the result is ", dtype_name(result),
             "; convert the tensors to float first (x.to(wick::kFloat32)) or pass a whole alpha");
}

// Before an in-place op on `self`: rejects what would corrupt gradients and
// says whether the op must be recorded.
bool prepare_inplace(const char* op, const Tensor& self, std::initializer_list<const Tensor*> others = {});

}  // namespace wick::autograd
