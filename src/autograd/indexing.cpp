// Index ops with their gradients.
#include "wick/indexing.h"

#include "autograd/grad_utils.h"
#include "wick/creation.h"
#include "wick/reduction.h"

namespace wick {

using autograd::needs_grad;
using autograd::record;
using autograd::TensorList;

namespace {
// gather/scatter: index may be smaller than the input in every dim but `dim`.
void check_gather_shape(const char* op, const Tensor& a, int64_t dim, const Tensor& index, const Tensor* src) {
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (d != dim)
      WICK_CHECK(index.size(d) <= a.size(d), op, ": index ", shape_str(index.sizes()), " is larger than the input ",
                 shape_str(a.sizes()), " in dim ", d, " (only dim ", dim, " may differ)");
    if (src)
      WICK_CHECK(index.size(d) <= src->size(d), op, ": index ", shape_str(index.sizes()), " is larger than src ",
                 shape_str(src->sizes()), " in dim ", d);
  }
}
}  // namespace

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  core::check_defined("index_select", a);
  core::check_defined("index_select", index, "index");
  int64_t d = core::wrap_dim("index_select", dim, a.dim());
  core::check_index("index_select", a, d, index, false);
  Tensor out = core::index_select(a, d, index);
  if (needs_grad(a))
    record("IndexSelectBackward", {&a}, {&out}, [in = a.sizes(), d, index](const TensorList& g) -> TensorList {
      Tensor z = zeros(in, {.dtype = g[0].dtype(), .device = g[0].device()});
      if (in.empty()) return {g[0].reshape({})};
      Tensor idx = index.dim() == 0 ? index.reshape({1}) : index;
      core::index_add_into(z, d, idx, core::contiguous(g[0]));
      return {z};
    }, false);
  return out;
}

Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  core::check_defined("gather", a);
  core::check_defined("gather", index, "index");
  int64_t d = core::wrap_dim("gather", dim, a.dim());
  core::check_index("gather", a, d, index, true);
  check_gather_shape("gather", a, d, index, nullptr);
  Tensor out = core::gather(a, d, index);
  if (needs_grad(a))
    record("GatherBackward", {&a}, {&out}, [in = a.sizes(), d, index](const TensorList& g) -> TensorList {
      Tensor z = zeros(in, {.dtype = g[0].dtype(), .device = g[0].device()});
      core::scatter_into(z, d, index, g[0], true);
      return {z};
    }, false);
  return out;
}

namespace {
Tensor scatter_impl(const char* op, const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src, bool add) {
  core::check_defined(op, a);
  core::check_defined(op, index, "index");
  core::check_defined(op, src, "src");
  int64_t d = core::wrap_dim(op, dim, a.dim());
  core::check_index(op, a, d, index, true);
  core::check_same_device(op, a, src);
  WICK_CHECK(src.dim() == a.dim(), op, ": src must have as many dims as the input, got ", src.describe(), " for ",
             a.describe());
  WICK_CHECK(src.dtype() == a.dtype(), op, ": src dtype ", dtype_name(src.dtype()), " must match the input's ",
             dtype_name(a.dtype()));
  check_gather_shape(op, a, d, index, &src);
  Tensor out = core::clone(a);
  // The kernel reads src at the index's positions; a larger src is sliced to it.
  Tensor s = src;
  for (int64_t i = 0; i < s.dim(); ++i)
    if (s.size(i) != index.size(i)) s = core::make_view(s, s.sizes(), s.strides(), s.storage_offset()).narrow(i, 0, index.size(i));
  core::scatter_into(out, d, index, s, add);
  if (needs_grad(a, src))
    record(add ? "ScatterAddBackward" : "ScatterBackward", {&a, &src}, {&out},
           [d, index, add, src_shape = src.sizes()](const TensorList& g) -> TensorList {
             Tensor ga = g[0];
             if (!add) {
               // Overwritten positions get no gradient from the original values.
               ga = core::clone(g[0]);
               Tensor z = zeros(index.sizes(), {.dtype = g[0].dtype(), .device = g[0].device()});
               core::scatter_into(ga, d, index, z, false);
             }
             Tensor gs = zeros(src_shape, {.dtype = g[0].dtype(), .device = g[0].device()});
             Tensor part = core::gather(g[0], d, index);
             Tensor region = gs;
             for (int64_t i = 0; i < gs.dim(); ++i)
               if (gs.size(i) != index.size(i)) region = region.narrow(i, 0, index.size(i));
             core::copy_into(region, part);
             return {ga, gs};
           }, false);
  return out;
}
}  // namespace

Tensor scatter(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl("scatter", a, dim, index, src, false);
}
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl("scatter_add", a, dim, index, src, true);
}

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  core::check_defined("one_hot", indices);
  WICK_CHECK(indices.dtype() == kInt64, "one_hot: class indices must be an int64 tensor, got ", indices.describe());
  if (num_classes < 0) {
    WICK_CHECK(indices.numel() > 0, "one_hot: cannot infer num_classes from an empty tensor; pass num_classes");
    num_classes = max(indices).item<int64_t>() + 1;
  }
  WICK_CHECK(indices.numel() == 0 || min(indices).item<int64_t>() >= 0, "one_hot: class indices must be non-negative");
  WICK_CHECK(indices.numel() == 0 || max(indices).item<int64_t>() < num_classes, "one_hot: class index ",
             max(indices).item<int64_t>(), " is out of range for num_classes ", num_classes);
  Shape s = indices.sizes();
  s.push_back(num_classes);
  Tensor out = zeros(s, {.dtype = kInt64, .device = indices.device()});
  if (indices.numel() == 0) return out;
  Tensor idx = indices.unsqueeze(-1);
  core::scatter_into(out, out.dim() - 1, idx, ones(idx.sizes(), {.dtype = kInt64, .device = indices.device()}), false);
  return out;
}

Tensor Tensor::index_select(int64_t d, const Tensor& index) const { return wick::index_select(*this, d, index); }
Tensor Tensor::gather(int64_t d, const Tensor& index) const { return wick::gather(*this, d, index); }
Tensor Tensor::scatter(int64_t d, const Tensor& index, const Tensor& src) const { return wick::scatter(*this, d, index, src); }
Tensor Tensor::scatter_add(int64_t d, const Tensor& index, const Tensor& src) const {
  return wick::scatter_add(*this, d, index, src);
}

}  // namespace wick
