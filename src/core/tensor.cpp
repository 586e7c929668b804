// Tensor handle basics: construction of raw tensors and views, metadata,
// host access. Differentiable methods live in autograd/.
#include "wick/tensor.h"

#include <cstring>
#include <ostream>

#include "core/core.h"

namespace wick {

namespace core {

int64_t numel_of(const Shape& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

Shape contiguous_strides(const Shape& sizes) {
  Shape strides(sizes.size());
  int64_t s = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = s;
    s *= std::max<int64_t>(sizes[i], 1);
  }
  return strides;
}

Tensor make_tensor(const Shape& sizes, DType dtype, Device device) {
  int64_t n = 1;
  for (int64_t s : sizes) {
    WICK_CHECK(s >= 0, "cannot create a tensor with a negative dimension: shape ", shape_str(sizes));
    WICK_CHECK(s == 0 || n <= (int64_t{1} << 48) / s, "cannot create a tensor of shape ", shape_str(sizes),
               ": too many elements");
    n *= s;
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::allocate(static_cast<size_t>(n) * element_size(dtype), device);
  impl->sizes = sizes;
  impl->strides = contiguous_strides(sizes);
  impl->numel = n;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, Shape sizes, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  const TensorImpl& b = base.impl_ref();
  impl->storage = b.storage;
  impl->numel = numel_of(sizes);
  impl->sizes = std::move(sizes);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = b.dtype;
  return Tensor(std::move(impl));
}

backend::View kernel_view(const Tensor& t) {
  const TensorImpl& impl = t.impl_ref();
  backend::View v;
  int nd = static_cast<int>(impl.sizes.size());
  WICK_CHECK(nd <= backend::kMaxDims, "wick kernels support tensors of at most ", backend::kMaxDims,
             " dims, got ", t.describe(), "; reshape it to fewer dims first");
  v.data = impl.data();
  v.dtype = impl.dtype;
  v.ndim = nd;
  for (int i = 0; i < nd; ++i) {
    v.sizes[i] = impl.sizes[i];
    v.strides[i] = impl.strides[i];
  }
  return v;
}

backend::View kernel_view(const Tensor& t, const Shape& shape) {
  const TensorImpl& impl = t.impl_ref();
  if (impl.sizes == shape) return kernel_view(t);
  backend::View v;
  int nd = static_cast<int>(shape.size());
  int offset = nd - static_cast<int>(impl.sizes.size());
  WICK_CHECK(nd <= backend::kMaxDims, "wick kernels support tensors of at most ", backend::kMaxDims,
             " dims, got shape ", shape_str(shape));
  v.data = impl.data();
  v.dtype = impl.dtype;
  v.ndim = nd;
  for (int i = 0; i < nd; ++i) {
    v.sizes[i] = shape[i];
    v.strides[i] = (i < offset || impl.sizes[i - offset] == 1) ? 0 : impl.strides[i - offset];
  }
  return v;
}

backend::Backend& backend_of(const Tensor& t) { return backend::get(t.device().type()); }

void bump_version(const Tensor& t) { t.impl_ref().storage->version.fetch_add(1, std::memory_order_relaxed); }

}  // namespace core

TensorImpl& Tensor::impl_ref() const {
  if (!impl_) [[unlikely]]
    throw Error("operation on an undefined tensor (a default-constructed wick::Tensor): assign it first, "
                "e.g. with zeros() or from_vector()");
  return *impl_;
}

int64_t Tensor::size(int64_t d) const { return sizes()[core::wrap_dim("size", d, dim())]; }
int64_t Tensor::stride(int64_t d) const { return strides()[core::wrap_dim("stride", d, dim())]; }

bool Tensor::is_contiguous() const {
  const TensorImpl& i = impl_ref();
  int64_t expected = 1;
  for (size_t d = i.sizes.size(); d-- > 0;) {
    if (i.sizes[d] != 1 && i.strides[d] != expected) return i.numel == 0;
    expected *= i.sizes[d];
  }
  return true;
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << shape_str(shape); }

std::string Tensor::describe() const {
  if (!impl_) return "undefined tensor";
  return "Tensor" + shape_str(sizes()) + ", " + dtype_name(dtype()) + ", " + device().str();
}

template <typename T>
T* Tensor::data_ptr() const {
  const TensorImpl& i = impl_ref();
  WICK_CHECK(i.device().is_cpu(), "data_ptr: the tensor is on ", i.device().str(),
             "; copy it to the host first with .cpu()");
  WICK_CHECK(i.dtype == dtype_of<std::remove_const_t<T>>::value, "data_ptr<", dtype_name(dtype_of<std::remove_const_t<T>>::value),
             ">: the tensor is ", dtype_name(i.dtype), "; use data_ptr<matching type>() or convert with .to()");
  return static_cast<T*>(i.data());
}
template float* Tensor::data_ptr<float>() const;
template double* Tensor::data_ptr<double>() const;
template int64_t* Tensor::data_ptr<int64_t>() const;
template uint8_t* Tensor::data_ptr<uint8_t>() const;
template bool* Tensor::data_ptr<bool>() const;
template const float* Tensor::data_ptr<const float>() const;
template const double* Tensor::data_ptr<const double>() const;
template const int64_t* Tensor::data_ptr<const int64_t>() const;
template const uint8_t* Tensor::data_ptr<const uint8_t>() const;
template const bool* Tensor::data_ptr<const bool>() const;

namespace {
// Reads one element of any dtype as double.
double read_as_double(const void* p, DType t) {
  switch (t) {
    case DType::Float32: return *static_cast<const float*>(p);
    case DType::Float64: return *static_cast<const double*>(p);
    case DType::Int64: return static_cast<double>(*static_cast<const int64_t*>(p));
    case DType::UInt8: return *static_cast<const uint8_t*>(p);
    case DType::Bool: return *static_cast<const bool*>(p) ? 1.0 : 0.0;
  }
  return 0;
}
}  // namespace

double Tensor::item() const {
  const TensorImpl& i = impl_ref();
  WICK_CHECK(i.numel == 1, "item(): only a tensor with one element can be converted to a number, got ",
             describe(), "; reduce it first (e.g. .sum() or .mean()) or index one element");
  if (i.device().is_cpu()) return read_as_double(i.data(), i.dtype);
  alignas(8) unsigned char buf[8];
  core::backend_of(*this).copy_to_host(buf, i.data(), element_size(i.dtype), i.device().normalized_index());
  return read_as_double(buf, i.dtype);
}

template <typename T>
T Tensor::item() const {
  // int64 values above 2^53 do not survive a trip through double: read exactly.
  if constexpr (std::is_same_v<T, int64_t>) {
    const TensorImpl& i = impl_ref();
    if (i.dtype == kInt64 && i.numel == 1) return core::to_device(*this, Device::cpu()).data_ptr<int64_t>()[0];
  }
  return static_cast<T>(item());
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;
template uint8_t Tensor::item<uint8_t>() const;
template bool Tensor::item<bool>() const;
template int Tensor::item<int>() const;

template <typename T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = core::contiguous(core::to_dtype(core::to_device(*this, Device::cpu()), dtype_of<T>::value));
  const T* p = host.data_ptr<T>();
  return std::vector<T>(p, p + host.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;

}  // namespace wick
