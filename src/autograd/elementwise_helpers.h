#pragma once
// Helpers of the elementwise ops (elementwise.cpp, math.cpp): operand
// promotion and the pattern of a unary float function with its gradient.
#include <utility>

#include "autograd/grad_utils.h"
#include "wick/creation.h"

namespace wick::autograd {

// Promotes both operands to their result type (division: at least float32).
inline std::pair<Tensor, Tensor> promote(const char* name, const Tensor& a, const Tensor& b, bool to_float = false) {
  core::check_defined(name, a, "first operand");
  core::check_defined(name, b, "second operand");
  core::check_same_device(name, a, b);
  DType t = core::result_type(a, b);
  if (to_float && !is_floating(t)) t = kFloat32;
  return {core::to_dtype(a, t), core::to_dtype(b, t)};
}

inline Tensor float_input(const char* name, const Tensor& a) {
  core::check_defined(name, a);
  // Integer inputs of float functions become float32, as torch.exp(int_tensor).
  return is_floating(a.dtype()) ? a : core::to_dtype(a, kFloat32);
}

// A unary float function y = f(x) whose gradient df(g, saved) needs only x
// (kSavesInput) or only y (kSavesOutput). Saving just that one, as PyTorch
// does, halves the memory kept for backward and leaves the other free to be
// modified in place (y = w.exp(); w.add_(1) is fine: exp's backward uses y).
// alpha and beta are the op's scalars (ELU's alpha, Softplus's beta and
// threshold; see backend::UnaryOp).
enum Saves { kSavesInput, kSavesOutput };
template <typename Df>
inline Tensor unary_float(const char* name, const char* node, backend::UnaryOp op, const Tensor& a, Saves saves, Df df,
                          double alpha = 0, double beta = 0) {
  Tensor x = float_input(name, a);
  Tensor y = core::unary(op, x, alpha, beta);
  if (needs_grad(a))
    record(node, {&a}, {&y},
           [s = saves == kSavesInput ? SavedTensor(x, false) : SavedTensor(y, true), df, node](const TensorList& g)
               -> TensorList { return {df(g[0], s.get(node))}; });
  return y;
}

inline Tensor scalar_like(double v, const Tensor& like) { return full({}, v, {.dtype = like.dtype(), .device = like.device()}); }

}  // namespace wick::autograd
