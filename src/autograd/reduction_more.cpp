// any / all / count_nonzero (built on the Sum reduction of a comparison),
// amax / amin (the Max / Min reductions, gradient shared between ties) and
// the vector norm, with PyTorch 1.13's gradients.
#include <cmath>

#include "autograd/grad_utils.h"
#include "wick/autograd.h"
#include "wick/elementwise.h"

namespace wick {

using autograd::keepdim_form;
using autograd::SavedTensor;
using autograd::TensorList;
using backend::ReduceOp;

namespace {

// How many elements of each reduced group are non-zero (or zero), int64.
Tensor count_where(const char* name, const Tensor& a, const std::vector<bool>& mask, bool keepdim, bool zero) {
  core::check_defined(name, a);
  return core::reduce(name, ReduceOp::Sum, zero ? a.eq(0.0) : a.ne(0.0), mask, keepdim, 1, kInt64);
}

// any: some element non-zero; all: no element zero. uint8 in, uint8 out (PyTorch 1.13).
Tensor truth(const char* name, const Tensor& a, const std::vector<bool>& mask, bool keepdim, bool all) {
  Tensor n = count_where(name, a, mask, keepdim, all);
  Tensor r = all ? n.eq(0.0) : n.gt(0.0);
  return a.dtype() == kUInt8 ? core::to_dtype(r, kUInt8) : r;
}

std::vector<bool> one_dim(const char* name, const Tensor& a, int64_t dim) {
  core::check_defined(name, a);
  return core::reduce_mask(name, {dim}, a.dim());
}

// Max / min (and norms of negative or infinite order) have no identity: no
// reduced dim may be empty.
void check_reduced_nonempty(const char* name, const Tensor& a, const std::vector<bool>& mask) {
  for (int64_t i = 0; i < a.dim(); ++i)
    WICK_CHECK(!mask[i] || a.size(i) > 0, name, ": cannot reduce over dim ", i, " of ", a.describe(),
               ", which is empty (the operation has no identity); reduce over non-empty dims only");
}

Tensor extreme_dims(const char* name, ReduceOp op, const Tensor& a, const Shape& dims, bool keepdim) {
  core::check_defined(name, a);
  const std::vector<bool> mask = core::reduce_mask(name, dims, a.dim());
  check_reduced_nonempty(name, a, mask);
  Tensor out = core::reduce(name, op, a, mask, keepdim, 1, a.dtype());
  if (!autograd::needs_grad(a)) return out;
  // The node's name labels its saved tensors too, so a message about one
  // modified in place names amin or amax, whichever ran.
  const char* node = op == ReduceOp::Max ? "AmaxBackward" : "AminBackward";
  autograd::record(node, {&a}, {&out},
         [node, sx = SavedTensor(a, false), so = SavedTensor(out, true), mask, keepdim](const TensorList& g) -> TensorList {
           // Every element equal to the result shares the gradient evenly.
           Tensor x = sx.get(node);
           Tensor hit = x.eq(keepdim_form(so.get(node), x.sizes(), mask, keepdim)).to(g[0].dtype());
           Tensor ties = core::reduce(node, ReduceOp::Sum, hit, mask, true, 1, hit.dtype());
           return {hit * (keepdim_form(g[0], x.sizes(), mask, keepdim) / ties)};
         });
  return out;
}

// Sum over the masked dims; a 0-d input (no dims) is its own sum.
Tensor sum_over(const Tensor& t, const std::vector<bool>& mask, bool keepdim) {
  Shape dims;
  for (size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) dims.push_back(static_cast<int64_t>(i));
  return dims.empty() ? t : sum(t, dims, keepdim);
}

}  // namespace

Tensor any(const Tensor& a) { return truth("any", a, std::vector<bool>(a.dim(), true), false, false); }
Tensor all(const Tensor& a) { return truth("all", a, std::vector<bool>(a.dim(), true), false, true); }
Tensor any(const Tensor& a, int64_t dim, bool keepdim) { return truth("any", a, one_dim("any", a, dim), keepdim, false); }
Tensor all(const Tensor& a, int64_t dim, bool keepdim) { return truth("all", a, one_dim("all", a, dim), keepdim, true); }

Tensor count_nonzero(const Tensor& a, const Shape& dims) {
  core::check_defined("count_nonzero", a);
  return count_where("count_nonzero", a, core::reduce_mask("count_nonzero", dims, a.dim()), false, false);
}

Tensor amax(const Tensor& a, const Shape& dims, bool keepdim) { return extreme_dims("amax", ReduceOp::Max, a, dims, keepdim); }
Tensor amin(const Tensor& a, const Shape& dims, bool keepdim) { return extreme_dims("amin", ReduceOp::Min, a, dims, keepdim); }

Tensor norm(const Tensor& a, double p, const Shape& dims, bool keepdim) {
  core::check_defined("norm", a);
  WICK_CHECK(is_floating(a.dtype()), "norm: input must be a floating tensor (float32 or float64), got ", a.describe(),
             "; as torch.linalg.vector_norm, norms of integer tensors are not defined — convert with x.to(kFloat32)");
  WICK_CHECK(!std::isnan(p), "norm: the order p is NaN; pass a number, inf or -inf");
  const std::vector<bool> mask = core::reduce_mask("norm", dims, a.dim());
  if (p < 0 || std::isinf(p)) check_reduced_nonempty("norm", a, mask);
  if (std::isinf(p))  // max / min |x|: abs's gradient (sign) times amax's shared gradient
    return extreme_dims("norm", p > 0 ? ReduceOp::Max : ReduceOp::Min, abs(a), dims, keepdim);
  if (p == 1) return sum_over(abs(a), mask, keepdim);
  Tensor out;
  {
    NoGradGuard no_grad;
    Tensor x = abs(a);
    if (p == 0) out = sum_over(x.ne(0.0).to(a.dtype()), mask, keepdim);
    else if (p == 2) out = sqrt(sum_over(x * x, mask, keepdim));
    else out = pow(sum_over(pow(x, p), mask, keepdim), 1.0 / p);
  }
  if (autograd::needs_grad(a))
    autograd::record("NormBackward", {&a}, {&out},
           [sx = SavedTensor(a, false), so = SavedTensor(out, true), p, mask, keepdim](const TensorList& g) -> TensorList {
             if (p == 0) return {Tensor()};  // piecewise constant: no gradient
             Tensor x = sx.get("NormBackward");
             Tensor n = keepdim_form(so.get("NormBackward"), x.sizes(), mask, keepdim);
             // d/dx (sum |x|^p)^(1/p) = sgn(x) |x|^(p-1) / norm^(p-1); 0 where
             // the norm is 0 and at x = 0 (also for p < 1, where |x|^(p-1)
             // is infinite there), as PyTorch.
             Tensor scale = keepdim_form(g[0], x.sizes(), mask, keepdim) / (p == 2 ? n : pow(n, p - 1));
             scale = where(n.eq(0.0), 0.0, scale);
             Tensor dx = p == 2 ? x : where(x.eq(0.0), 0.0, sign(x) * pow(abs(x), p - 1));
             return {dx * scale};
           });
  return out;
}

// ---- Tensor methods ----
Tensor Tensor::any() const { return wick::any(*this); }
Tensor Tensor::any(int64_t d, bool keepdim) const { return wick::any(*this, d, keepdim); }
Tensor Tensor::all() const { return wick::all(*this); }
Tensor Tensor::all(int64_t d, bool keepdim) const { return wick::all(*this, d, keepdim); }
Tensor Tensor::amax(const Shape& dims, bool keepdim) const { return wick::amax(*this, dims, keepdim); }
Tensor Tensor::amin(const Shape& dims, bool keepdim) const { return wick::amin(*this, dims, keepdim); }
Tensor Tensor::count_nonzero(const Shape& dims) const { return wick::count_nonzero(*this, dims); }
Tensor Tensor::norm(double p, const Shape& dims, bool keepdim) const { return wick::norm(*this, p, dims, keepdim); }

}  // namespace wick
