// Reductions and the softmax family, with their gradients.
#include "wick/reduction.h"

#include <cmath>

#include "autograd/grad_utils.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/indexing.h"

namespace wick {

using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using autograd::TensorList;
using backend::ReduceOp;

namespace {

// Brings a reduced gradient back to the input's shape (undoing !keepdim).
Tensor unreduce(const Tensor& g, const Shape& in, const std::vector<bool>& mask, bool keepdim) {
  return autograd::keepdim_form(g, in, mask, keepdim).expand(in);
}

Tensor sum_impl(const char* name, const Tensor& a, const Shape& dims, bool keepdim, bool mean) {
  core::check_defined(name, a);
  std::vector<bool> mask = core::reduce_mask(name, dims, a.dim());
  int64_t count = 1;
  for (int64_t i = 0; i < a.dim(); ++i)
    if (mask[i]) count *= a.size(i);
  if (mean)
    WICK_CHECK(is_floating(a.dtype()), "mean: input dtype must be floating, got ", a.describe(),
               "; convert with .to(kFloat32) first");
  DType out_dtype = is_floating(a.dtype()) ? a.dtype() : kInt64;
  double scale = mean ? 1.0 / static_cast<double>(count) : 1.0;
  Tensor out = core::reduce(name, ReduceOp::Sum, a, mask, keepdim, scale, out_dtype);
  if (needs_grad(a))
    record(mean ? "MeanBackward" : "SumBackward", {&a}, {&out},
           [in = a.sizes(), mask, keepdim, scale](const TensorList& g) -> TensorList {
             Tensor r = unreduce(g[0], in, mask, keepdim);
             return {scale == 1 ? r : r * scale};
           }, false);
  return out;
}

// Gradient of an overall max/min: split evenly between the tied elements.
Tensor extreme_all(const char* name, ReduceOp op, const Tensor& a) {
  core::check_defined(name, a);
  WICK_CHECK(a.numel() > 0, name, "(): cannot reduce the empty tensor ", a.describe(),
             " (the operation has no identity); check the input's shape");
  std::vector<bool> mask(a.dim(), true);
  Tensor out = core::reduce(name, op, a, mask, false, 1, a.dtype());
  if (needs_grad(a))
    record(op == ReduceOp::Max ? "MaxBackward" : "MinBackward", {&a}, {&out},
           [sx = SavedTensor(a, false), so = SavedTensor(out, true)](const TensorList& g) -> TensorList {
             Tensor hit = sx.get("MaxBackward").eq(so.get("MaxBackward")).to(g[0].dtype());
             return {hit * (g[0] / hit.sum())};
           });
  return out;
}

MaxResult extreme_dim(const char* name, ReduceOp op, const Tensor& a, int64_t dim, bool keepdim) {
  core::check_defined(name, a);
  MaxResult r = core::arg_reduce(name, op, a, dim, keepdim);
  if (needs_grad(a)) {
    int64_t d = core::wrap_dim(name, dim, a.dim());
    record(op == ReduceOp::Max ? "MaxBackward" : "MinBackward", {&a}, {&r.values},
           [in = a.sizes(), idx = r.indices, d, keepdim](const TensorList& g) -> TensorList {
             Tensor gi = g[0], ii = idx;
             if (!keepdim && !in.empty()) {
               gi = gi.unsqueeze(d);
               ii = ii.unsqueeze(d);
             }
             Tensor z = zeros(in, {.dtype = g[0].dtype(), .device = g[0].device()});
             if (in.empty()) return {gi};
             core::scatter_into(z, d, ii, gi, false);
             return {z};
           }, false);
  }
  return r;
}

Tensor arg_all(const char* name, ReduceOp op, const Tensor& a) {
  core::check_defined(name, a);
  Tensor flat = core::contiguous(a);
  flat = core::make_view(flat, {a.numel()}, {1}, flat.storage_offset());
  return core::arg_reduce(name, op, flat, 0, false).indices;
}

}  // namespace

Tensor sum(const Tensor& a) { return sum_impl("sum", a, {}, false, false); }
Tensor sum(const Tensor& a, const Shape& dims, bool keepdim) {
  WICK_CHECK(!dims.empty(), "sum: empty dim list; call sum(t) to reduce every dim");
  return sum_impl("sum", a, dims, keepdim, false);
}
Tensor mean(const Tensor& a) { return sum_impl("mean", a, {}, false, true); }
Tensor mean(const Tensor& a, const Shape& dims, bool keepdim) {
  WICK_CHECK(!dims.empty(), "mean: empty dim list; call mean(t) to reduce every dim");
  return sum_impl("mean", a, dims, keepdim, true);
}

namespace {
Tensor prod_impl(const Tensor& a, const std::vector<bool>& mask, bool keepdim) {
  core::check_defined("prod", a);
  DType out_dtype = is_floating(a.dtype()) ? a.dtype() : kInt64;
  Tensor out = core::reduce("prod", ReduceOp::Prod, a, mask, keepdim, 1, out_dtype);
  if (needs_grad(a))
    record("ProdBackward", {&a}, {&out},
           [sx = SavedTensor(a, false), so = SavedTensor(out, true), mask, keepdim](const TensorList& g) -> TensorList {
             Tensor x = sx.get("ProdBackward");
             Shape in = x.sizes();
             // Zeros make out/x undefined: with one zero in a group its
             // gradient is the product of the others; with two, all are 0.
             Tensor is_zero = x.eq(0.0);
             Tensor ones_where_zero = where(is_zero, 1.0, x);
             Tensor prod_nonzero = core::reduce("prod", ReduceOp::Prod, ones_where_zero, mask, true, 1, x.dtype());
             Tensor zero_count = core::reduce("sum", ReduceOp::Sum, is_zero, mask, true, 1, kInt64);
             Tensor out_k = unreduce(so.get("ProdBackward"), in, mask, keepdim);
             Tensor grad_nz = out_k / ones_where_zero;
             Tensor one_zero = zero_count.eq(1.0).expand(in).logical_and(is_zero);
             Tensor none = zero_count.eq(0.0).expand(in);
             Tensor r = where(none, grad_nz, where(one_zero, prod_nonzero.expand(in), 0.0));
             return {r * unreduce(g[0], in, mask, keepdim)};
           });
  return out;
}
}  // namespace

Tensor prod(const Tensor& a) { return prod_impl(a, std::vector<bool>(a.dim(), true), false); }
Tensor prod(const Tensor& a, int64_t dim, bool keepdim) {
  return prod_impl(a, core::reduce_mask("prod", {dim}, a.dim()), keepdim);
}

Tensor max(const Tensor& a) { return extreme_all("max", ReduceOp::Max, a); }
Tensor min(const Tensor& a) { return extreme_all("min", ReduceOp::Min, a); }
MaxResult max(const Tensor& a, int64_t dim, bool keepdim) { return extreme_dim("max", ReduceOp::Max, a, dim, keepdim); }
MaxResult min(const Tensor& a, int64_t dim, bool keepdim) { return extreme_dim("min", ReduceOp::Min, a, dim, keepdim); }
Tensor argmax(const Tensor& a) { return arg_all("argmax", ReduceOp::Max, a); }
Tensor argmin(const Tensor& a) { return arg_all("argmin", ReduceOp::Min, a); }
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim) {
  core::check_defined("argmax", a);
  return core::arg_reduce("argmax", ReduceOp::Max, a, dim, keepdim).indices;
}
Tensor argmin(const Tensor& a, int64_t dim, bool keepdim) {
  core::check_defined("argmin", a);
  return core::arg_reduce("argmin", ReduceOp::Min, a, dim, keepdim).indices;
}

Tensor var(const Tensor& a, const Shape& dims, bool unbiased, bool keepdim) {
  core::check_defined("var", a);
  core::check_floating("var", a);
  std::vector<bool> mask = core::reduce_mask("var", dims, a.dim());
  int64_t n = 1;
  for (int64_t i = 0; i < a.dim(); ++i)
    if (mask[i]) n *= a.size(i);
  Shape all;
  for (int64_t i = 0; i < a.dim(); ++i)
    if (mask[i]) all.push_back(i);
  Tensor centered = all.empty() ? a - a : a - mean(a, all, true);
  Tensor ss = all.empty() ? centered * centered : sum(centered * centered, all, keepdim);
  // Fewer samples than degrees of freedom gives NaN/inf, as PyTorch.
  return ss / static_cast<double>(n - (unbiased ? 1 : 0));
}

Tensor std(const Tensor& a, const Shape& dims, bool unbiased, bool keepdim) {
  return sqrt(var(a, dims, unbiased, keepdim));
}

namespace {
Tensor softmax_impl(const char* name, const Tensor& a, int64_t dim, bool log) {
  core::check_defined(name, a);
  // As PyTorch: integer inputs are an error, not silently converted.
  core::check_floating(name, a);
  const Tensor& x = a;
  int64_t d = core::wrap_dim(name, dim, a.dim());
  Tensor out = core::softmax(x, d, log);
  if (needs_grad(a))
    record(log ? "LogSoftmaxBackward" : "SoftmaxBackward", {&a}, {&out},
           [so = SavedTensor(out, true), d, log](const TensorList& g) -> TensorList {
             return {core::softmax_backward(g[0], so.get("SoftmaxBackward"), d, log)};
           });
  return out;
}
}  // namespace

Tensor softmax(const Tensor& a, int64_t dim) { return softmax_impl("softmax", a, dim, false); }
Tensor log_softmax(const Tensor& a, int64_t dim) { return softmax_impl("log_softmax", a, dim, true); }

Tensor logsumexp(const Tensor& a, int64_t dim, bool keepdim) {
  core::check_defined("logsumexp", a);
  Tensor x = is_floating(a.dtype()) ? a : a.to(kFloat32);
  int64_t d = core::wrap_dim("logsumexp", dim, x.dim());
  if (x.dim() == 0) return x.clone();
  Tensor m;
  {
    NoGradGuard g;
    m = core::arg_reduce("logsumexp", ReduceOp::Max, x, d, true).values;
    // All -inf (or inf) rows: shift by 0 so the result is -inf, not NaN.
    m = where(isfinite(m), m, 0.0);
  }
  Tensor r = log(sum(exp(x - m), {d}, true)) + m;
  return keepdim ? r : r.squeeze(d);
}

Tensor sum_to(const Tensor& a, const Shape& shape) {
  if (a.sizes() == shape) return a;
  int64_t lead = a.dim() - static_cast<int64_t>(shape.size());
  WICK_CHECK(lead >= 0, "sum_to: cannot sum ", a.describe(), " to the larger shape ", shape_str(shape));
  Shape dims;
  for (int64_t i = 0; i < a.dim(); ++i)
    if (i < lead || (shape[i - lead] == 1 && a.size(i) != 1)) dims.push_back(i);
  Tensor r = dims.empty() ? a : sum(a, dims, true);
  return r.reshape(shape);
}

// ---- Tensor methods ----
Tensor Tensor::sum() const { return wick::sum(*this); }
Tensor Tensor::sum(int64_t d, bool keepdim) const { return wick::sum(*this, {d}, keepdim); }
Tensor Tensor::sum(const Shape& dims, bool keepdim) const { return wick::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return wick::mean(*this); }
Tensor Tensor::mean(int64_t d, bool keepdim) const { return wick::mean(*this, {d}, keepdim); }
Tensor Tensor::mean(const Shape& dims, bool keepdim) const { return wick::mean(*this, dims, keepdim); }
Tensor Tensor::prod() const { return wick::prod(*this); }
Tensor Tensor::prod(int64_t d, bool keepdim) const { return wick::prod(*this, d, keepdim); }
Tensor Tensor::max() const { return wick::max(*this); }
MaxResult Tensor::max(int64_t d, bool keepdim) const { return wick::max(*this, d, keepdim); }
Tensor Tensor::min() const { return wick::min(*this); }
MaxResult Tensor::min(int64_t d, bool keepdim) const { return wick::min(*this, d, keepdim); }
Tensor Tensor::argmax() const { return wick::argmax(*this); }
Tensor Tensor::argmax(int64_t d, bool keepdim) const { return wick::argmax(*this, d, keepdim); }
Tensor Tensor::argmin() const { return wick::argmin(*this); }
Tensor Tensor::argmin(int64_t d, bool keepdim) const { return wick::argmin(*this, d, keepdim); }
Tensor Tensor::var_all(bool unbiased) const { return wick::var(*this, {}, unbiased, false); }
Tensor Tensor::var(int64_t d, bool unbiased, bool keepdim) const { return wick::var(*this, {d}, unbiased, keepdim); }
Tensor Tensor::std_all(bool unbiased) const { return wick::std(*this, {}, unbiased, false); }
Tensor Tensor::std(int64_t d, bool unbiased, bool keepdim) const { return wick::std(*this, {d}, unbiased, keepdim); }
Tensor Tensor::softmax(int64_t d) const { return wick::softmax(*this, d); }
Tensor Tensor::log_softmax(int64_t d) const { return wick::log_softmax(*this, d); }
Tensor Tensor::logsumexp(int64_t d, bool keepdim) const { return wick::logsumexp(*this, d, keepdim); }

}  // namespace wick
