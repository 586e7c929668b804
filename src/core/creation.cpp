// Creation functions. Options follow PyTorch: float32 by default, int64 for
// integer ranges, requires_grad only for floating dtypes.
#include "wick/creation.h"

#include <cmath>
#include <cstring>

#include "core/core.h"
#include "wick/random.h"

namespace wick {

using backend::RandomOp;

namespace {

Tensor finish(Tensor t, const TensorOptions& o) {
  if (o.requires_grad) {
    WICK_CHECK(is_floating(t.dtype()), "requires_grad=true needs a floating dtype, got ", t.describe(),
               "; only floating tensors have gradients");
    t.impl_ref().requires_grad = true;
  }
  return t;
}

Tensor make(const Shape& shape, DType dtype, const TensorOptions& o) {
  check_device_available(o.device);
  return core::make_tensor(shape, dtype, o.device);
}

bool integral(double v) { return std::floor(v) == v; }

}  // namespace

Tensor empty(const Shape& shape, const TensorOptions& o) { return finish(make(shape, o.dtype.value_or(kFloat32), o), o); }

Tensor full(const Shape& shape, double value, const TensorOptions& o) {
  Tensor t = make(shape, o.dtype.value_or(kFloat32), o);
  core::backend_of(t).fill(core::kernel_view(t), value);
  return finish(t, o);
}
Tensor zeros(const Shape& shape, const TensorOptions& o) { return full(shape, 0, o); }
Tensor ones(const Shape& shape, const TensorOptions& o) { return full(shape, 1, o); }

Tensor arange(double end, const TensorOptions& o) { return arange(0, end, 1, o); }

Tensor arange(double start, double end, double step, const TensorOptions& o) {
  WICK_CHECK(step != 0, "arange: step must be nonzero");
  WICK_CHECK(std::isfinite(start) && std::isfinite(end), "arange: start and end must be finite");
  WICK_CHECK((end - start) / step >= 0 || start == end, "arange: the range [", start, ", ", end, ") with step ", step,
             " is empty in the wrong direction; check the sign of step");
  DType dt = o.dtype.value_or(integral(start) && integral(end) && integral(step) ? kInt64 : kFloat32);
  int64_t n = static_cast<int64_t>(std::ceil((end - start) / step));
  n = std::max<int64_t>(n, 0);
  Tensor host = core::make_tensor({n}, kFloat64, Device::cpu());
  double* p = host.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) p[i] = start + static_cast<double>(i) * step;
  return finish(core::to_device(core::to_dtype(host, dt), o.device), o);
}

Tensor linspace(double start, double end, int64_t steps, const TensorOptions& o) {
  WICK_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  Tensor host = core::make_tensor({steps}, kFloat64, Device::cpu());
  double* p = host.data_ptr<double>();
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0;
  if (steps == 1) end = start;  // a single point is `start`, as PyTorch
  // Fill from both ends, as PyTorch, so the last value is exactly `end`.
  for (int64_t i = 0; i < steps; ++i)
    p[i] = i < steps / 2 ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - 1 - i);
  return finish(core::to_device(core::to_dtype(host, o.dtype.value_or(kFloat32)), o.device), o);
}

Tensor eye(int64_t n, const TensorOptions& o) { return eye(n, n, o); }

Tensor eye(int64_t n, int64_t m, const TensorOptions& o) {
  WICK_CHECK(n >= 0 && m >= 0, "eye: sizes must be non-negative, got ", n, " and ", m);
  Tensor t = zeros({n, m}, {.dtype = o.dtype, .device = o.device});
  int64_t k = std::min(n, m);
  if (k > 0) core::fill(core::make_view(t, {k}, {m + 1}, 0), 1);
  return finish(t, o);
}

Tensor rand(const Shape& shape, const TensorOptions& o) {
  DType dt = o.dtype.value_or(kFloat32);
  WICK_CHECK(is_floating(dt), "rand: dtype must be floating, got ", dtype_name(dt), "; use randint() for integers");
  return finish(core::random(RandomOp::Uniform, shape, dt, o.device, 0, 1), o);
}

Tensor randn(const Shape& shape, const TensorOptions& o) {
  DType dt = o.dtype.value_or(kFloat32);
  WICK_CHECK(is_floating(dt), "randn: dtype must be floating, got ", dtype_name(dt));
  return finish(core::random(RandomOp::Normal, shape, dt, o.device, 0, 1), o);
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, const TensorOptions& o) {
  WICK_CHECK(low < high, "randint: low (", low, ") must be less than high (", high, ")");
  return finish(core::random(RandomOp::RandInt, shape, o.dtype.value_or(kInt64), o.device, static_cast<double>(low),
                             static_cast<double>(high)), o);
}

Tensor randint(int64_t high, const Shape& shape, const TensorOptions& o) { return randint(0, high, shape, o); }

Tensor randperm(int64_t n, const TensorOptions& o) {
  WICK_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  // Fisher-Yates on the host with draws from the global stream.
  Tensor host = core::make_tensor({n}, kInt64, Device::cpu());
  int64_t* p = host.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  if (n > 1) {
    GeneratorState s = detail::reserve_random(static_cast<uint64_t>(n));
    for (int64_t i = n - 1; i > 0; --i) {
      uint32_t r[4];
      detail::philox(s.seed, s.offset + static_cast<uint64_t>(i), r);
      uint64_t x = (static_cast<uint64_t>(r[0]) << 32) | r[1];
      std::swap(p[i], p[x % static_cast<uint64_t>(i + 1)]);
    }
  }
  return finish(core::to_device(core::to_dtype(host, o.dtype.value_or(kInt64)), o.device), o);
}

namespace {
TensorOptions like(const Tensor& t, const TensorOptions& o) {
  TensorOptions r = o;
  if (!r.dtype) r.dtype = t.dtype();
  // An explicit non-CPU device wins; otherwise t's device.
  if (o.device == Device::cpu()) r.device = t.device();
  return r;
}
}  // namespace

Tensor empty_like(const Tensor& t, const TensorOptions& o) { return empty(t.sizes(), like(t, o)); }
Tensor zeros_like(const Tensor& t, const TensorOptions& o) { return zeros(t.sizes(), like(t, o)); }
Tensor ones_like(const Tensor& t, const TensorOptions& o) { return ones(t.sizes(), like(t, o)); }
Tensor full_like(const Tensor& t, double v, const TensorOptions& o) { return full(t.sizes(), v, like(t, o)); }
Tensor rand_like(const Tensor& t, const TensorOptions& o) { return rand(t.sizes(), like(t, o)); }
Tensor randn_like(const Tensor& t, const TensorOptions& o) { return randn(t.sizes(), like(t, o)); }

Tensor from_blob_copy(const void* data, DType dtype, const Shape& shape, const TensorOptions& o) {
  Tensor host = core::make_tensor(shape, dtype, Device::cpu());
  if (host.numel() > 0) std::memcpy(host.raw_data(), data, static_cast<size_t>(host.numel()) * element_size(dtype));
  Tensor t = core::to_dtype(host, o.dtype.value_or(dtype));
  return finish(core::to_device(t, o.device), o);
}

template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, const TensorOptions& o) {
  Shape s = shape.empty() && !values.empty() ? Shape{static_cast<int64_t>(values.size())} : shape;
  if (shape.empty() && values.empty()) s = {0};
  WICK_CHECK(core::numel_of(s) == static_cast<int64_t>(values.size()), "from_vector: ", values.size(),
             " values do not fill the shape ", shape_str(s), " (", core::numel_of(s), " elements)");
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(values.begin(), values.end());
    return from_blob_copy(bytes.data(), kBool, s, o);
  } else {
    return from_blob_copy(values.data(), dtype_of<T>::value, s, o);
  }
}
template Tensor from_vector<float>(const std::vector<float>&, const Shape&, const TensorOptions&);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&, const TensorOptions&);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, const Shape&, const TensorOptions&);
template Tensor from_vector<uint8_t>(const std::vector<uint8_t>&, const Shape&, const TensorOptions&);
template Tensor from_vector<bool>(const std::vector<bool>&, const Shape&, const TensorOptions&);

Tensor tensor(std::initializer_list<double> v, const TensorOptions& o) {
  return from_vector(std::vector<double>(v), {static_cast<int64_t>(v.size())},
                     {.dtype = o.dtype.value_or(kFloat32), .device = o.device, .requires_grad = o.requires_grad});
}
Tensor tensor(std::initializer_list<float> v, const TensorOptions& o) {
  return from_vector(std::vector<float>(v), {static_cast<int64_t>(v.size())}, o);
}
Tensor tensor(std::initializer_list<int> v, const TensorOptions& o) {
  return from_vector(std::vector<int64_t>(v.begin(), v.end()), {static_cast<int64_t>(v.size())}, o);
}
Tensor tensor(std::initializer_list<int64_t> v, const TensorOptions& o) {
  return from_vector(std::vector<int64_t>(v), {static_cast<int64_t>(v.size())}, o);
}
Tensor tensor(std::initializer_list<bool> v, const TensorOptions& o) {
  return from_vector(std::vector<bool>(v), {static_cast<int64_t>(v.size())}, o);
}
Tensor tensor(double value, const TensorOptions& o) {
  return from_vector(std::vector<double>{value}, Shape{1},
                     {.dtype = o.dtype.value_or(kFloat32), .device = o.device, .requires_grad = o.requires_grad})
      .reshape({});
}
Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, const TensorOptions& o) {
  std::vector<double> flat;
  size_t cols = rows.size() ? rows.begin()->size() : 0;
  for (const auto& r : rows) {
    WICK_CHECK(r.size() == cols, "tensor: ragged nested list: expected rows of ", cols, " values, got one of ", r.size());
    flat.insert(flat.end(), r.begin(), r.end());
  }
  return from_vector(flat, {static_cast<int64_t>(rows.size()), static_cast<int64_t>(cols)},
                     {.dtype = o.dtype.value_or(kFloat32), .device = o.device, .requires_grad = o.requires_grad});
}

}  // namespace wick
