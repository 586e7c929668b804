// Argument checks shared by every op; messages name the op, shapes, dtypes,
// devices and the fix.
#include <cmath>

#include "core/core.h"

namespace wick::core {

void check_defined(const char* op, const Tensor& t, const char* arg) {
  WICK_CHECK(t.defined(), op, ": ", arg, " is an undefined tensor (default-constructed Tensor); "
             "create it first, e.g. with zeros() or from_vector()");
}

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  if (a.device() != b.device()) [[unlikely]]
    throw Error(detail::concat(op, ": expected all tensors on the same device, but found ",
                               a.device().str(), " and ", b.device().str(),
                               " (shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
                               "); move one with .to(device) — the model and its inputs must share a device"));
}

void check_floating(const char* op, const Tensor& t, const char* arg) {
  WICK_CHECK(is_floating(t.dtype()), op, ": ", arg, " must be a floating tensor (float32 or float64), got ",
             t.describe(), "; convert with .to(kFloat32)");
}

int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim) {
  int64_t n = ndim == 0 ? 1 : ndim;  // 0-d tensors accept dim 0 and -1, as PyTorch
  WICK_CHECK(dim >= -n && dim < n, op, ": dimension ", dim, " is out of range for a tensor with ", ndim,
             " dims (expected a dim in [", -n, ", ", n - 1, "])");
  return dim < 0 ? dim + n : dim;
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  if (a == b) return a;
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw Error(detail::concat(op, ": shapes ", shape_str(a), " and ", shape_str(b),
                                 " cannot be broadcast together (dim ", i, " of the result: ", da, " vs ", db,
                                 "); sizes must match or be 1 — reshape or unsqueeze one operand"));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {
int category(DType t) { return t == kBool ? 0 : is_integral(t) ? 1 : 2; }
}  // namespace

DType result_type(const Tensor& a, const Tensor& b) {
  DType da = a.dtype(), db = b.dtype();
  if (da == db) return da;
  bool a_scalar = a.dim() == 0, b_scalar = b.dim() == 0;
  if (a_scalar != b_scalar) {
    // The dimensioned operand wins unless the 0-d one is of a higher category.
    const DType dim_t = a_scalar ? db : da, sc_t = a_scalar ? da : db;
    if (category(sc_t) > category(dim_t)) return category(sc_t) == 2 ? kFloat32 : sc_t;
    return dim_t;
  }
  return promote_types(da, db);
}

DType result_type(const Tensor& t, double scalar) {
  bool integral = std::isfinite(scalar) && std::floor(scalar) == scalar;
  if (is_floating(t.dtype())) return t.dtype();
  if (!integral) return kFloat32;
  return t.dtype() == kBool ? kInt64 : t.dtype();
}

std::vector<bool> reduce_mask(const char* op, const Shape& dims, int64_t ndim) {
  std::vector<bool> mask(ndim, dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(op, d, ndim);
    if (ndim == 0) continue;
    WICK_CHECK(!mask[w] || dims.empty(), op, ": dim ", d, " appears more than once in the dim list");
    mask[w] = true;
  }
  return mask;
}

Shape reduced_shape(const Shape& in, const std::vector<bool>& mask, bool keepdim) {
  Shape out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!mask[i]) out.push_back(in[i]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

void check_index(const char* op, const Tensor& a, int64_t dim, const Tensor& index, bool same_rank) {
  check_same_device(op, a, index);
  WICK_CHECK(index.dtype() == kInt64, op, ": index must be an int64 tensor, got ", index.describe(),
             "; convert it with .to(kInt64)");
  if (same_rank)
    WICK_CHECK(index.dim() == a.dim(), op, ": index must have as many dims as the input (", a.dim(),
               "), got ", shape_str(index.sizes()));
  else
    WICK_CHECK(index.dim() <= 1, op, ": index must be 1-D, got shape ", shape_str(index.sizes()));
  // Values are checked on the host: an out-of-range index would read or write
  // outside the tensor's memory. A CUDA index is checked by the kernel itself
  // (reported at the next synchronization): reading it here would make every
  // indexing op wait for the GPU.
  if (index.numel() == 0 || !index.is_cpu()) return;
  Tensor host = index.is_cpu() ? contiguous(index) : contiguous(to_device(index, Device::cpu()));
  const int64_t* p = host.data_ptr<int64_t>();
  int64_t size = a.dim() == 0 ? 1 : a.size(dim);
  for (int64_t i = 0, n = host.numel(); i < n; ++i)
    if (p[i] < 0 || p[i] >= size) [[unlikely]]
      throw Error(detail::concat(op, ": index ", p[i], " is out of bounds for dim ", dim, " with size ", size,
                                 " (input ", a.describe(), "); valid indices are 0 .. ", size - 1));
}

}  // namespace wick::core
