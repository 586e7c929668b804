// sort / argsort / topk and the cumulative scans, with their gradients.
#include "wick/sorting.h"

#include "autograd/grad_utils.h"
#include "wick/creation.h"
#include "wick/elementwise.h"

namespace wick {

using autograd::record;
using autograd::TensorList;
using backend::ReduceOp;

namespace {

// Each sorted value came from one input position: its gradient goes back
// there, and the positions topk dropped get 0.
SortResult sort_impl(const char* name, const char* node, const Tensor& a, int64_t dim, bool descending,
                     std::optional<int64_t> k) {
  SortResult r = core::sort(name, a, dim, descending, k);
  if (autograd::needs_grad(a)) {
    const int64_t d = core::wrap_dim(name, dim, a.dim());
    record(node, {&a}, {&r.values},
           [in = a.sizes(), idx = r.indices, d](const TensorList& g) -> TensorList {
             const bool scalar = in.empty();
             Tensor z = zeros(scalar ? Shape{1} : in, {.dtype = g[0].dtype(), .device = g[0].device()});
             Tensor gi = g[0], ii = idx;
             if (scalar) {
               gi = gi.reshape({gi.numel()});
               ii = ii.reshape({ii.numel()});
             }
             core::scatter_into(z, scalar ? 0 : d, ii, gi, false);
             return {scalar ? z.reshape({}) : z};
           }, false);
  }
  return r;
}

// cumsum / cumprod run in the promoted dtype: int64 for integers and bool.
// Sets `d` to the wrapped dim, for the backward.
Tensor scan(const char* name, ReduceOp op, const Tensor& a, int64_t dim, int64_t& d) {
  core::check_defined(name, a);
  d = core::wrap_dim(name, dim, a.dim());
  return core::cumulative(op, core::to_dtype(a, is_floating(a.dtype()) ? a.dtype() : kInt64), d, false);
}

// The sum of g from each position to the end of its line: cumsum's gradient.
Tensor reversed_cumsum(const Tensor& g, int64_t d) { return core::cumulative(ReduceOp::Sum, g, d, true); }

}  // namespace

SortResult sort(const Tensor& a, int64_t dim, bool descending, bool /*stable: always*/) {
  return sort_impl("sort", "SortBackward", a, dim, descending, std::nullopt);
}

Tensor argsort(const Tensor& a, int64_t dim, bool descending, bool /*stable: always*/) {
  return core::sort("argsort", a, dim, descending).indices;
}

SortResult topk(const Tensor& a, int64_t k, int64_t dim, bool largest, bool /*sorted: always*/) {
  return sort_impl("topk", "TopkBackward", a, dim, largest, k);
}

Tensor cumsum(const Tensor& a, int64_t dim) {
  int64_t d = 0;
  Tensor out = scan("cumsum", ReduceOp::Sum, a, dim, d);
  if (autograd::needs_grad(a))
    record("CumsumBackward", {&a}, {&out},
           [d](const TensorList& g) -> TensorList { return {reversed_cumsum(g[0], d)}; }, false);
  return out;
}

Tensor cumprod(const Tensor& a, int64_t dim) {
  int64_t d = 0;
  Tensor out = scan("cumprod", ReduceOp::Prod, a, dim, d);
  if (autograd::needs_grad(a))
    record("CumprodBackward", {&a}, {&out},
           [sx = autograd::SavedTensor(a, false), so = autograd::SavedTensor(out, true), d](const TensorList& g) -> TensorList {
             // d out_j / d x_k = out_j / x_k for j >= k, which divides by zero
             // once x holds zeros. Per line, with z the first zero:
             //   k < z: sum_{j>=k} g_j out_j / x_k       (x_k != 0 there)
             //   k = z: sum_{j>=z} g_j prod_{i<=j, i!=z} x_i
             //          = the same sum over cumprod(x with x_z set to 1)
             //   k > z: 0 (every out_j with j >= k holds the factor x_z = 0).
             Tensor x = sx.get("CumprodBackward"), y = so.get("CumprodBackward");
             Tensor is_zero = x.eq(0.0);
             Tensor zeros_so_far = core::cumulative(ReduceOp::Sum, core::to_dtype(is_zero, kInt64), d, false);
             Tensor before = zeros_so_far.eq(0.0);
             Tensor first_zero = is_zero.logical_and(zeros_so_far.eq(1.0));
             Tensor r_before = reversed_cumsum(g[0] * y, d) / where(before, x, 1.0);
             Tensor x_one = where(first_zero, 1.0, x);
             Tensor r_first = reversed_cumsum(g[0] * cumprod(x_one, d), d);
             return {where(before, r_before, where(first_zero, r_first, 0.0))};
           });
  return out;
}

// ---- Tensor methods ----
SortResult Tensor::sort(int64_t d, bool descending, bool stable) const {
  return wick::sort(*this, d, descending, stable);
}
Tensor Tensor::argsort(int64_t d, bool descending, bool stable) const {
  return wick::argsort(*this, d, descending, stable);
}
SortResult Tensor::topk(int64_t k, int64_t d, bool largest, bool sorted) const {
  return wick::topk(*this, k, d, largest, sorted);
}
Tensor Tensor::cumsum(int64_t d) const { return wick::cumsum(*this, d); }
Tensor Tensor::cumprod(int64_t d) const { return wick::cumprod(*this, d); }

}  // namespace wick
