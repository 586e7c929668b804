#pragma once
// wick::Tensor: a cheap, refcounted handle to (storage, shape, strides, offset,
// dtype, device), as torch::Tensor. Copying a Tensor copies the handle; views
// (reshape, transpose, slice, expand, ...) share storage.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "wick/device.h"
#include "wick/dtype.h"
#include "wick/error.h"
#include "wick/tensor_impl.h"

namespace wick {

// Options of the creation functions, written as designated initializers:
//   randn({3, 3}, {.dtype = kFloat32, .device = device, .requires_grad = true})
// An unset dtype means "the natural one": float32 for floating values, int64
// for integer ranges (arange, randint, randperm), as in PyTorch.
struct TensorOptions {
  std::optional<DType> dtype = std::nullopt;
  Device device = Device::cpu();
  bool requires_grad = false;
};

class Tensor;
using Shape = std::vector<int64_t>;

// What max(dim) / min(dim) return (defined below Tensor).
struct MaxResult;

namespace detail {
// Deep copies of modules (nn/module.h): while a module is copy-constructed,
// its registered Tensor members are copy-constructed into clones instead of
// shared handles. The counter keeps the normal copy to one untaken branch.
extern thread_local int g_pending_member_copies;
void adopt_member_copy(const void* dest, std::shared_ptr<TensorImpl>& impl);
}  // namespace detail

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  Tensor(const Tensor& other) : impl_(other.impl_) {
    if (detail::g_pending_member_copies) [[unlikely]] detail::adopt_member_copy(this, impl_);
  }
  Tensor(Tensor&&) noexcept = default;
  // On a named tensor, `a = b` rebinds the handle (both name one tensor).
  Tensor& operator=(const Tensor&) & = default;
  Tensor& operator=(Tensor&&) & noexcept = default;
  // On a temporary, as in LibTorch and `x[0] = y` in PyTorch, it writes the
  // values into the elements that temporary views: `x[0] = y` is
  // `x[0].copy_(y)` (y broadcast) and `x.slice(0, 1, 3) = 5.0` is `fill_`.
  // Rebinding a temporary would silently do nothing.
  Tensor& operator=(const Tensor& src) && { return copy_(src); }
  Tensor& operator=(double value) && { return fill_(value); }

  bool defined() const { return impl_ != nullptr; }
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }
  TensorImpl& impl_ref() const;  // throws on an undefined tensor

  // ---- metadata ----
  const Shape& sizes() const { return impl_ref().sizes; }
  const Shape& shape() const { return sizes(); }
  int64_t size(int64_t dim) const;
  const Shape& strides() const { return impl_ref().strides; }
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return static_cast<int64_t>(impl_ref().sizes.size()); }
  int64_t ndim() const { return dim(); }
  int64_t numel() const { return impl_ref().numel; }
  DType dtype() const { return impl_ref().dtype; }
  Device device() const { return impl_ref().device(); }
  int64_t storage_offset() const { return impl_ref().offset; }
  bool is_contiguous() const;
  bool is_cpu() const { return device().is_cpu(); }
  bool is_cuda() const { return device().is_cuda(); }
  // Counts in-place writes to this tensor's storage (shared with its views).
  uint32_t version() const { return impl_ref().storage->version.load(std::memory_order_relaxed); }
  // True when both handles point at the same tensor (not merely equal values).
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  // "Tensor[2, 3], float32, cpu" — used in error messages.
  std::string describe() const;

  // ---- host access (CPU tensors) ----
  // Typed pointer to the first element. Throws unless the tensor is on the CPU
  // and T matches its dtype. Strides still apply: use contiguous() first if
  // you want to walk it as a flat array.
  template <typename T> T* data_ptr() const;
  void* raw_data() const { return impl_ref().data(); }
  // The single value, converted to double; throws unless numel() == 1.
  // Synchronizes with the device.
  double item() const;
  template <typename T> T item() const;
  // All values in row-major order, copied to the host.
  template <typename T> std::vector<T> to_vector() const;

  // ---- devices and dtypes ----
  // to() returns a new tensor and leaves this one untouched (unlike
  // Module::to, which moves in place). Same device and dtype: returns *this.
  Tensor to(Device device) const;
  Tensor to(DType dtype) const;
  Tensor to(Device device, DType dtype) const;
  Tensor to(const char* device) const { return to(Device(device)); }
  Tensor to(const std::string& device) const { return to(Device(device)); }
  Tensor cpu() const { return to(Device::cpu()); }
  Tensor cuda() const { return to(Device::cuda()); }
  Tensor clone() const;        // new storage, same values; differentiable
  Tensor contiguous() const;   // *this when already contiguous

  // ---- autograd ----
  bool requires_grad() const { return impl_ref().requires_grad; }
  // Marks a leaf as requiring grad. Throws for non-leaf tensors and for
  // integer or bool tensors (only floating tensors have gradients).
  Tensor& requires_grad_(bool requires_grad = true);
  bool is_leaf() const { return impl_ref().grad_fn == nullptr; }
  // The accumulated gradient; undefined until a backward reaches this leaf.
  Tensor grad() const;
  void set_grad(const Tensor& g) const;
  // Non-leaf tensors keep their .grad() only after retain_grad().
  void retain_grad() const;
  // Name of the node that made this tensor ("MulBackward", ...), or "" for leaves.
  std::string grad_fn_name() const;
  // Scalar tensors need no gradient argument; others need one of their shape.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  // Shares storage, no history, requires_grad false.
  Tensor detach() const;
  Tensor& detach_();

  // ---- views (share storage) ----
  Tensor view(const Shape& shape) const;     // throws if the strides do not allow it
  Tensor reshape(const Shape& shape) const;  // view when possible, else a copy
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor permute(const Shape& dims) const;
  Tensor t() const;  // 2-D transpose (0-D and 1-D unchanged)
  Tensor slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor expand(const Shape& sizes) const;  // -1 keeps a size
  Tensor expand_as(const Tensor& other) const { return expand(other.sizes()); }
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor view_as(const Tensor& other) const { return view(other.sizes()); }
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;

  // ---- elementwise ----
  Tensor neg() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor log1p() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor relu() const;
  // The math functions of elementwise.h (defined in autograd/math.cpp).
  Tensor sin() const;
  Tensor cos() const;
  Tensor tan() const;
  Tensor atan() const;
  Tensor sinh() const;
  Tensor cosh() const;
  Tensor expm1() const;
  Tensor exp2() const;
  Tensor log2() const;
  Tensor log10() const;
  Tensor rsqrt() const;
  Tensor erf() const;
  Tensor erfc() const;
  Tensor erfinv() const;
  Tensor floor() const;
  Tensor ceil() const;
  Tensor trunc() const;
  Tensor round(int64_t decimals = 0) const;
  Tensor frac() const;
  Tensor isnan() const;
  Tensor isinf() const;
  Tensor isposinf() const;
  Tensor isneginf() const;
  Tensor nan_to_num(double nan = 0, std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt) const;
  Tensor atan2(const Tensor& other) const;
  Tensor fmod(const Tensor& other) const;
  Tensor fmod(double other) const;
  Tensor remainder(const Tensor& other) const;
  Tensor remainder(double other) const;
  Tensor clamp(std::optional<double> min, std::optional<double> max) const;
  Tensor pow(double exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor add(const Tensor& other, double alpha = 1) const;
  Tensor sub(const Tensor& other, double alpha = 1) const;
  Tensor mul(const Tensor& other) const;
  Tensor mul(double other) const;
  Tensor div(const Tensor& other) const;
  Tensor eq(const Tensor& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor le(const Tensor& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor ge(const Tensor& other) const;
  Tensor eq(double other) const;
  Tensor ne(double other) const;
  Tensor lt(double other) const;
  Tensor le(double other) const;
  Tensor gt(double other) const;
  Tensor ge(double other) const;
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  Tensor logical_xor(const Tensor& other) const;
  Tensor logical_not() const;
  Tensor masked_fill(const Tensor& mask, double value) const;

  // ---- reductions ----
  Tensor sum() const;
  Tensor sum(int64_t dim, bool keepdim = false) const;
  Tensor sum(const Shape& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(int64_t dim, bool keepdim = false) const;
  Tensor mean(const Shape& dims, bool keepdim = false) const;
  Tensor prod() const;
  Tensor prod(int64_t dim, bool keepdim = false) const;
  Tensor max() const;
  MaxResult max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  MaxResult min(int64_t dim, bool keepdim = false) const;
  Tensor argmax() const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor argmin() const;
  Tensor argmin(int64_t dim, bool keepdim = false) const;
  // unbiased (Bessel's correction) by default, as torch.var.
  // t.var(0) is the variance along dim 0 (as PyTorch); t.var(false) the
  // biased variance of all elements: the bool overload is a template so that
  // an int literal does not find it ambiguous.
  Tensor var() const { return var_all(true); }
  Tensor var(int64_t dim, bool unbiased = true, bool keepdim = false) const;
  template <typename B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
  Tensor var(B unbiased) const { return var_all(unbiased); }
  Tensor std() const { return std_all(true); }
  Tensor std(int64_t dim, bool unbiased = true, bool keepdim = false) const;
  template <typename B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
  Tensor std(B unbiased) const { return std_all(unbiased); }
  Tensor var_all(bool unbiased) const;
  Tensor std_all(bool unbiased) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;
  Tensor logsumexp(int64_t dim, bool keepdim = false) const;
  Tensor cumsum(int64_t dim) const;
  Tensor cumprod(int64_t dim) const;
  Tensor any() const;
  Tensor any(int64_t dim, bool keepdim = false) const;
  Tensor all() const;
  Tensor all(int64_t dim, bool keepdim = false) const;
  Tensor amax(const Shape& dims = {}, bool keepdim = false) const;
  Tensor amin(const Shape& dims = {}, bool keepdim = false) const;
  Tensor count_nonzero(const Shape& dims = {}) const;
  Tensor norm(double p = 2, const Shape& dims = {}, bool keepdim = false) const;

  // ---- ordering (wick/sorting.h) ----
  MaxResult sort(int64_t dim = -1, bool descending = false, bool stable = false) const;
  Tensor argsort(int64_t dim = -1, bool descending = false, bool stable = false) const;
  MaxResult topk(int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true) const;

  // ---- matrix products ----
  Tensor mm(const Tensor& other) const;
  Tensor matmul(const Tensor& other) const;
  Tensor bmm(const Tensor& other) const;
  Tensor dot(const Tensor& other) const;

  // ---- indexing ----
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;

  // ---- in place (bump the version counter) ----
  Tensor& add_(const Tensor& other, double alpha = 1);
  Tensor& add_(double other);
  Tensor& sub_(const Tensor& other, double alpha = 1);
  Tensor& sub_(double other);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(double other);
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& clamp_(std::optional<double> min, std::optional<double> max);
  // Copies values (broadcasting `src` to this shape), converting dtype and
  // crossing devices: the seed's "edit on the host, copy back to the GPU".
  Tensor& copy_(const Tensor& src);
  Tensor& masked_fill_(const Tensor& mask, double value);

  // The in-place ops are const too (as in PyTorch): they change the data, not
  // the handle. These overloads let them run on temporaries.
  const Tensor& add_(const Tensor& o, double alpha = 1) const { return const_cast<Tensor*>(this)->add_(o, alpha); }
  const Tensor& mul_(double o) const { return const_cast<Tensor*>(this)->mul_(o); }
  const Tensor& zero_() const { return const_cast<Tensor*>(this)->zero_(); }
  const Tensor& fill_(double v) const { return const_cast<Tensor*>(this)->fill_(v); }
  const Tensor& copy_(const Tensor& s) const { return const_cast<Tensor*>(this)->copy_(s); }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// Holds max(dim)'s two results; binds as auto [values, indices] = t.max(1).
struct MaxResult {
  Tensor values;
  Tensor indices;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);
// Shape is a std::vector, so this operator is found only after
// `using wick::operator<<;` — or use shape_str(), which always works.
std::ostream& operator<<(std::ostream& os, const Shape& shape);
std::string shape_str(const Shape& shape);

// ---- arithmetic operators, with broadcasting and PyTorch's type promotion ----
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Tensor& b);
Tensor& operator+=(Tensor& a, double b);
Tensor& operator-=(Tensor& a, double b);
Tensor& operator*=(Tensor& a, double b);
Tensor& operator/=(Tensor& a, double b);

// ---- comparisons (bool tensors, as a.eq(b) ...), so PyTorch's
// `(pred == y).sum()` ports as written; `0.5 < t` is `t > 0.5` ----
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, double b);
Tensor operator!=(const Tensor& a, double b);
Tensor operator<(const Tensor& a, double b);
Tensor operator<=(const Tensor& a, double b);
Tensor operator>(const Tensor& a, double b);
Tensor operator>=(const Tensor& a, double b);
Tensor operator==(double a, const Tensor& b);
Tensor operator!=(double a, const Tensor& b);
Tensor operator<(double a, const Tensor& b);
Tensor operator<=(double a, const Tensor& b);
Tensor operator>(double a, const Tensor& b);
Tensor operator>=(double a, const Tensor& b);
// Masks combine with &, | and ^ (and negate with ~), as PyTorch's bool
// tensors do. Bool only: on integers PyTorch's & is bitwise, which wick does
// not offer, so those are refused rather than given logical meaning.
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor operator^(const Tensor& a, const Tensor& b);
Tensor operator~(const Tensor& a);

}  // namespace wick
