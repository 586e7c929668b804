// Raw sort / topk and cumulative scans: argument checks, output allocation,
// one backend call. A 0-d input is handled as one element along dim 0.
#include "core/core.h"

namespace wick::core {

namespace {
// A 0-d tensor as one element along dim 0 (the kernels work on lines).
Tensor as_line(const Tensor& t) { return t.dim() == 0 ? make_view(t, {1}, {1}, t.storage_offset()) : t; }
}  // namespace

MaxResult sort(const char* name, const Tensor& a, int64_t dim, bool descending, std::optional<int64_t> k_arg) {
  check_defined(name, a);
  const int64_t d = wrap_dim(name, dim, a.dim());
  const int64_t n = a.dim() == 0 ? 1 : a.size(d);
  const int64_t k = k_arg.value_or(n);
  WICK_CHECK(k >= 0 && k <= n, name, ": k = ", k, " is out of range for dim ", d, " of size ", n, " (input ", a.describe(),
               "); pass a k between 0 and ", n, ", e.g. std::min<int64_t>(k, x.size(", d, "))");
  Tensor base = as_line(a);
  Shape s = base.sizes();
  s[d] = k;
  Tensor values = make_tensor(s, a.dtype(), a.device());
  Tensor indices = make_tensor(s, kInt64, a.device());
  if (values.numel() > 0)
    backend_of(a).sort(kernel_view(values), kernel_view(indices), kernel_view(base), static_cast<int>(d),
                       descending);
  if (a.dim() == 0 && k == 1) {
    values = make_view(values, {}, {}, 0);
    indices = make_view(indices, {}, {}, 0);
  }
  return {values, indices};
}

Tensor cumulative(backend::ReduceOp op, const Tensor& a, int64_t dim, bool reverse) {
  const int64_t d = wrap_dim(op == backend::ReduceOp::Prod ? "cumprod" : "cumsum", dim, a.dim());
  Tensor out = make_tensor(a.sizes(), a.dtype(), a.device());
  if (out.numel() == 0) return out;
  backend_of(a).cumulative(op, kernel_view(as_line(out)), kernel_view(as_line(a)), static_cast<int>(d), reverse);
  return out;
}

}  // namespace wick::core
