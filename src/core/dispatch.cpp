// Raw ops: checks done by the caller or here, then one backend call.
#include "core/core.h"
#include "wick/random.h"

namespace wick::core {

using backend::View;

Tensor to_dtype(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = make_tensor(t.sizes(), dtype, t.device());
  backend_of(t).copy(kernel_view(out), kernel_view(t));
  return out;
}

Tensor to_device(const Tensor& t, Device device) {
  if (t.device() == device) return t;
  check_device_available(device);
  Tensor src = contiguous(t);
  Tensor out = make_tensor(t.sizes(), t.dtype(), device);
  size_t nbytes = static_cast<size_t>(t.numel()) * element_size(t.dtype());
  if (nbytes == 0) return out;
  if (src.is_cpu()) {
    backend::get(device.type()).copy_from_host(out.raw_data(), src.raw_data(), nbytes, device.normalized_index());
  } else if (device.is_cpu()) {
    backend_of(src).copy_to_host(out.raw_data(), src.raw_data(), nbytes, src.device().normalized_index());
  } else {
    // Device to device through the host: simple and correct; peer copies can come later.
    Tensor host = to_device(src, Device::cpu());
    backend::get(device.type()).copy_from_host(out.raw_data(), host.raw_data(), nbytes, device.normalized_index());
  }
  return out;
}

Tensor contiguous(const Tensor& t) {
  if (t.is_contiguous()) return t;
  return clone(t);
}

Tensor clone(const Tensor& t) {
  Tensor out = make_tensor(t.sizes(), t.dtype(), t.device());
  backend_of(t).copy(kernel_view(out), kernel_view(t));
  return out;
}

void copy_into(const Tensor& dst, const Tensor& src) {
  Shape shape = broadcast_shapes("copy_", dst.sizes(), src.sizes());
  WICK_CHECK(shape == dst.sizes(), "copy_: source of shape ", shape_str(src.sizes()),
             " cannot be broadcast to the destination's shape ", shape_str(dst.sizes()));
  Tensor s = src;
  if (s.device() != dst.device()) s = to_device(s, dst.device());
  backend_of(dst).copy(kernel_view(dst), kernel_view(s, dst.sizes()));
  bump_version(dst);
}

void fill(const Tensor& t, double value) {
  backend_of(t).fill(kernel_view(t), value);
  bump_version(t);
}

Tensor unary(backend::UnaryOp op, const Tensor& a, double alpha, double beta) {
  bool to_bool = op == backend::UnaryOp::LogicalNot || op == backend::UnaryOp::IsFinite;
  Tensor out = make_tensor(a.sizes(), to_bool ? kBool : a.dtype(), a.device());
  backend_of(a).unary(op, kernel_view(out), kernel_view(a), alpha, beta);
  return out;
}

void unary_into(backend::UnaryOp op, const Tensor& out, const Tensor& a, double alpha, double beta) {
  backend_of(a).unary(op, kernel_view(out), kernel_view(a, out.sizes()), alpha, beta);
  bump_version(out);
}

namespace {
bool returns_bool(backend::BinaryOp op) {
  using B = backend::BinaryOp;
  switch (op) {
    case B::Eq: case B::Ne: case B::Lt: case B::Le: case B::Gt: case B::Ge:
    case B::LogicalAnd: case B::LogicalOr: case B::LogicalXor:
      return true;
    default:
      return false;
  }
}
}  // namespace

Tensor binary(const char* name, backend::BinaryOp op, const Tensor& a, const Tensor& b) {
  check_same_device(name, a, b);
  Shape shape = broadcast_shapes(name, a.sizes(), b.sizes());
  Tensor out = make_tensor(shape, returns_bool(op) ? kBool : a.dtype(), a.device());
  backend_of(a).binary(op, kernel_view(out), kernel_view(a, shape), kernel_view(b, shape));
  return out;
}

void binary_into(const char* name, backend::BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  check_same_device(name, out, b);
  Shape shape = broadcast_shapes(name, a.sizes(), b.sizes());
  WICK_CHECK(shape == out.sizes(), name, ": the result of shape ", shape_str(shape),
             " does not fit the in-place target of shape ", shape_str(out.sizes()),
             "; in-place ops cannot grow a tensor — use the out-of-place form");
  backend_of(out).binary(op, kernel_view(out), kernel_view(a, shape), kernel_view(b, shape));
  bump_version(out);
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_same_device("where", cond, a);
  check_same_device("where", a, b);
  WICK_CHECK(cond.dtype() == kBool, "where: condition must be a bool tensor, got ", cond.describe(),
             "; build it with a comparison such as x.gt(0)");
  Shape shape = broadcast_shapes("where", broadcast_shapes("where", cond.sizes(), a.sizes()), b.sizes());
  Tensor out = make_tensor(shape, a.dtype(), a.device());
  backend_of(a).where(kernel_view(out), kernel_view(cond, shape), kernel_view(a, shape), kernel_view(b, shape));
  return out;
}

Tensor reduce(const char* name, backend::ReduceOp op, const Tensor& a, const std::vector<bool>& mask,
              bool keepdim, double scale, DType out_dtype) {
  Shape keep = reduced_shape(a.sizes(), mask, true);
  Tensor out = make_tensor(keep, out_dtype, a.device());
  backend_of(a).reduce(op, kernel_view(out), kernel_view(a), scale);
  if (!keepdim) out = make_view(out, reduced_shape(a.sizes(), mask, false),
                                contiguous_strides(reduced_shape(a.sizes(), mask, false)), 0);
  return out;
}

MaxResult arg_reduce(const char* name, backend::ReduceOp op, const Tensor& a, int64_t dim, bool keepdim) {
  int64_t d = wrap_dim(name, dim, a.dim());
  // Like PyTorch: empty along the reduced dim has no answer (no identity);
  // empty only along another dim gives empty values and indices.
  WICK_CHECK(a.dim() == 0 || a.size(d) > 0, name, ": cannot reduce over dim ", d, " of ", a.describe(),
             ", which is empty (the operation has no identity)");
  Tensor base = a.dim() == 0 ? make_view(a, {1}, {1}, a.storage_offset()) : a;
  Shape keep = base.sizes();
  keep[d] = 1;
  Tensor values = make_tensor(keep, a.dtype(), a.device());
  Tensor indices = make_tensor(keep, kInt64, a.device());
  if (values.numel() > 0)
    backend_of(a).arg_reduce(op, kernel_view(values), kernel_view(indices), kernel_view(base), static_cast<int>(d));
  if (!keepdim || a.dim() == 0) {
    Shape s = a.sizes();
    if (a.dim() > 0) s.erase(s.begin() + d);
    values = make_view(values, s, contiguous_strides(s), 0);
    indices = make_view(indices, s, contiguous_strides(s), 0);
  }
  return {values, indices};
}

Tensor softmax(const Tensor& a, int64_t dim, bool log) {
  int64_t d = wrap_dim(log ? "log_softmax" : "softmax", dim, a.dim());
  Tensor out = make_tensor(a.sizes(), a.dtype(), a.device());
  if (a.numel() == 0) return out;
  if (a.dim() == 0) {
    fill(out, log ? 0.0 : 1.0);
    return out;
  }
  backend_of(a).softmax(kernel_view(out), kernel_view(a), static_cast<int>(d), log);
  return out;
}

Tensor softmax_backward(const Tensor& grad, const Tensor& out, int64_t dim, bool log) {
  Tensor gi = make_tensor(out.sizes(), out.dtype(), out.device());
  if (out.numel() == 0) return gi;
  if (out.dim() == 0) {
    // softmax of a single value is constant 1: zero gradient; log_softmax likewise.
    fill(gi, 0.0);
    return gi;
  }
  backend_of(out).softmax_backward(kernel_view(gi), kernel_view(grad, out.sizes()), kernel_view(out),
                                   static_cast<int>(dim < 0 ? dim + out.dim() : dim), log);
  return gi;
}

namespace {
// A matrix operand BLAS can read: rows contiguous (or columns, via transpose).
struct GemmOperand {
  Tensor t;
  bool trans;
  int64_t ld;
};
GemmOperand gemm_operand(const Tensor& x, bool trans) {
  int64_t nd = x.dim();
  int64_t r = x.size(nd - 2), c = x.size(nd - 1);
  int64_t sr = x.stride(nd - 2), sc = x.stride(nd - 1);
  // Any batch stride works (0 = a broadcast batch): the backend loops over it.
  const bool batch_ok = true;
  if (batch_ok && (sc == 1 || c == 1) && (sr >= std::max<int64_t>(c, 1) || r == 1))
    return {x, trans, std::max<int64_t>(r == 1 ? c : sr, std::max<int64_t>(c, 1))};
  if (batch_ok && (sr == 1 || r == 1) && (sc >= std::max<int64_t>(r, 1) || c == 1))
    return {x, !trans, std::max<int64_t>(c == 1 ? r : sc, std::max<int64_t>(r, 1))};
  Tensor y = contiguous(x);
  return {y, trans, std::max<int64_t>(c, 1)};
}
}  // namespace

Tensor matmul_raw(const char* name, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  // a: [m,k] or [B,m,k] (or its transpose when trans_a), b likewise.
  int64_t nd = a.dim();
  int64_t m = trans_a ? a.size(nd - 1) : a.size(nd - 2);
  int64_t k = trans_a ? a.size(nd - 2) : a.size(nd - 1);
  int64_t n = trans_b ? b.size(nd - 2) : b.size(nd - 1);
  int64_t batch = nd == 3 ? a.size(0) : 1;
  Shape out_shape = nd == 3 ? Shape{batch, m, n} : Shape{m, n};
  Tensor out = make_tensor(out_shape, a.dtype(), a.device());
  if (out.numel() == 0) return out;
  GemmOperand ga = gemm_operand(a, trans_a), gb = gemm_operand(b, trans_b);
  backend::GemmArgs g;
  g.dtype = a.dtype();
  g.trans_a = ga.trans;
  g.trans_b = gb.trans;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = ga.t.raw_data();
  g.lda = ga.ld;
  g.stride_a = nd == 3 ? ga.t.stride(0) : 0;
  g.b = gb.t.raw_data();
  g.ldb = gb.ld;
  g.stride_b = nd == 3 ? gb.t.stride(0) : 0;
  g.c = out.raw_data();
  g.ldc = std::max<int64_t>(n, 1);
  g.stride_c = m * n;
  g.batch = batch;
  backend_of(a).gemm(g);
  return out;
}

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  Shape s = a.sizes();
  if (a.dim() == 0) s = {};
  else s[dim] = index.numel();
  Tensor out = make_tensor(s, a.dtype(), a.device());
  if (out.numel() == 0) return out;
  Tensor base = a.dim() == 0 ? make_view(a, {1}, {1}, a.storage_offset()) : a;
  Tensor o = a.dim() == 0 ? make_view(out, {1}, {1}, 0) : out;
  Tensor idx = index.dim() == 0 ? make_view(index, {1}, {1}, index.storage_offset()) : index;
  backend_of(a).index_select(kernel_view(o), kernel_view(base), static_cast<int>(dim), kernel_view(idx));
  return out;
}

Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  Tensor out = make_tensor(index.sizes(), a.dtype(), a.device());
  if (out.numel() == 0) return out;
  backend_of(a).gather(kernel_view(out), kernel_view(a), static_cast<int>(dim), kernel_view(index));
  return out;
}

void scatter_into(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate) {
  if (index.numel() == 0) return;
  backend_of(self).scatter(kernel_view(self), static_cast<int>(dim), kernel_view(index), kernel_view(src), accumulate);
  bump_version(self);
}

void index_add_into(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  if (index.numel() == 0) return;
  backend_of(self).index_add(kernel_view(self), static_cast<int>(dim), kernel_view(index), kernel_view(src));
  bump_version(self);
}

Tensor random(backend::RandomOp op, const Shape& shape, DType dtype, Device device, double a, double b) {
  check_device_available(device);
  Tensor out = make_tensor(shape, dtype, device);
  if (out.numel() == 0) return out;
  GeneratorState s = detail::reserve_random(static_cast<uint64_t>(out.numel()));
  backend_of(out).random(op, kernel_view(out), a, b, s.seed, s.offset);
  return out;
}

}  // namespace wick::core

