// Tensor-scalar arithmetic (t + 0.5, 1 - t, ...) without materializing the
// scalar as a tensor, and the operator overloads.
#include "autograd/grad_utils.h"
#include "wick/creation.h"
#include "wick/elementwise.h"

namespace wick {

using autograd::needs_grad;
using autograd::record;
using autograd::TensorList;
using backend::UnaryOp;

namespace {

// y = op(x, s) where dy/dx = slope (a constant).
Tensor scalar_op(const char* name, const char* node, UnaryOp op, const Tensor& a, double s, double slope,
                 bool to_float = false) {
  core::check_defined(name, a);
  DType t = core::result_type(a, s);
  if (to_float && !is_floating(t)) t = kFloat32;
  Tensor x = core::to_dtype(a, t);
  Tensor out = core::unary(op, x, s);
  if (needs_grad(a))
    record(node, {&a}, {&out}, [slope, da = a.dtype()](const TensorList& g) -> TensorList {
      Tensor r = slope == 1 ? g[0] : core::unary(UnaryOp::MulScalar, g[0], slope);
      return {r.dtype() == da ? r : core::to_dtype(r, da)};
    }, false);
  return out;
}

Tensor rdiv(double s, const Tensor& a) {
  core::check_defined("div", a);
  Tensor x = is_floating(a.dtype()) ? a : core::to_dtype(a, kFloat32);
  Tensor out = core::unary(UnaryOp::RDivScalar, x, s);
  if (needs_grad(a))
    record("DivBackward", {&a}, {&out},
           [sx = autograd::SavedTensor(x, false), s](const TensorList& g) -> TensorList {
             Tensor xv = sx.get("DivBackward");
             return {g[0] * (-s) / (xv * xv)};
           });
  return out;
}

}  // namespace

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return scalar_op("add", "AddBackward", UnaryOp::AddScalar, a, b, 1); }
Tensor operator-(const Tensor& a, double b) { return scalar_op("sub", "SubBackward", UnaryOp::AddScalar, a, -b, 1); }
Tensor operator*(const Tensor& a, double b) { return scalar_op("mul", "MulBackward", UnaryOp::MulScalar, a, b, b); }
Tensor operator/(const Tensor& a, double b) {
  return scalar_op("div", "DivBackward", UnaryOp::MulScalar, a, 1.0 / b, 1.0 / b, true);
}
Tensor operator+(double a, const Tensor& b) { return b + a; }
Tensor operator-(double a, const Tensor& b) {
  return scalar_op("sub", "RsubBackward", UnaryOp::RSubScalar, b, a, -1);
}
Tensor operator*(double a, const Tensor& b) { return b * a; }
Tensor operator/(double a, const Tensor& b) { return rdiv(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }

Tensor& operator+=(Tensor& a, const Tensor& b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return a.div_(b); }
Tensor& operator+=(Tensor& a, double b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, double b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, double b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, double b) { return a.div_(b); }

Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, double b) { return a.eq(b); }
Tensor operator!=(const Tensor& a, double b) { return a.ne(b); }
Tensor operator<(const Tensor& a, double b) { return a.lt(b); }
Tensor operator<=(const Tensor& a, double b) { return a.le(b); }
Tensor operator>(const Tensor& a, double b) { return a.gt(b); }
Tensor operator>=(const Tensor& a, double b) { return a.ge(b); }
Tensor operator==(double a, const Tensor& b) { return b.eq(a); }
Tensor operator!=(double a, const Tensor& b) { return b.ne(a); }
Tensor operator<(double a, const Tensor& b) { return b.gt(a); }
Tensor operator<=(double a, const Tensor& b) { return b.ge(a); }
Tensor operator>(double a, const Tensor& b) { return b.lt(a); }
Tensor operator>=(double a, const Tensor& b) { return b.le(a); }

namespace {
const Tensor& bool_operand(const char* op, const Tensor& t) {
  core::check_defined(op, t);
  WICK_CHECK(t.dtype() == kBool, op, ": ", t.describe(),
             " is not a bool tensor; &, |, ^ and ~ combine masks (bool tensors, e.g. (x > 0) & (x < 1)). "
             "Bitwise ops on integers are not supported; for truth values use logical_and/or/xor/not");
  return t;
}
}  // namespace

Tensor operator&(const Tensor& a, const Tensor& b) {
  return logical_and(bool_operand("operator&", a), bool_operand("operator&", b));
}
Tensor operator|(const Tensor& a, const Tensor& b) {
  return logical_or(bool_operand("operator|", a), bool_operand("operator|", b));
}
Tensor operator^(const Tensor& a, const Tensor& b) {
  return logical_xor(bool_operand("operator^", a), bool_operand("operator^", b));
}
Tensor operator~(const Tensor& a) { return logical_not(bool_operand("operator~", a)); }

// ---- Tensor methods that forward to the free functions ----
Tensor Tensor::neg() const { return wick::neg(*this); }
Tensor Tensor::exp() const { return wick::exp(*this); }
Tensor Tensor::log() const { return wick::log(*this); }
Tensor Tensor::log1p() const { return wick::log1p(*this); }
Tensor Tensor::sqrt() const { return wick::sqrt(*this); }
Tensor Tensor::abs() const { return wick::abs(*this); }
Tensor Tensor::sigmoid() const { return wick::sigmoid(*this); }
Tensor Tensor::tanh() const { return wick::tanh(*this); }
Tensor Tensor::relu() const { return wick::relu(*this); }
Tensor Tensor::clamp(std::optional<double> min, std::optional<double> max) const { return wick::clamp(*this, min, max); }
Tensor Tensor::pow(double e) const { return wick::pow(*this, e); }
Tensor Tensor::pow(const Tensor& e) const { return wick::pow(*this, e); }
Tensor Tensor::add(const Tensor& o, double alpha) const { return wick::add(*this, o, alpha); }
Tensor Tensor::sub(const Tensor& o, double alpha) const { return wick::sub(*this, o, alpha); }
Tensor Tensor::mul(const Tensor& o) const { return wick::mul(*this, o); }
Tensor Tensor::mul(double o) const { return *this * o; }
Tensor Tensor::div(const Tensor& o) const { return wick::div(*this, o); }
Tensor Tensor::eq(const Tensor& o) const { return wick::eq(*this, o); }
Tensor Tensor::ne(const Tensor& o) const { return wick::ne(*this, o); }
Tensor Tensor::lt(const Tensor& o) const { return wick::lt(*this, o); }
Tensor Tensor::le(const Tensor& o) const { return wick::le(*this, o); }
Tensor Tensor::gt(const Tensor& o) const { return wick::gt(*this, o); }
Tensor Tensor::ge(const Tensor& o) const { return wick::ge(*this, o); }

namespace {
// Comparison with a scalar: the scalar as a 0-d tensor of the tensor's type
// (or float32 for a fractional scalar against integers).
Tensor scalar_for(const Tensor& t, double v) {
  return full({}, v, {.dtype = core::result_type(t, v), .device = t.device()});
}
}  // namespace

Tensor Tensor::eq(double o) const { return wick::eq(*this, scalar_for(*this, o)); }
Tensor Tensor::ne(double o) const { return wick::ne(*this, scalar_for(*this, o)); }
Tensor Tensor::lt(double o) const { return wick::lt(*this, scalar_for(*this, o)); }
Tensor Tensor::le(double o) const { return wick::le(*this, scalar_for(*this, o)); }
Tensor Tensor::gt(double o) const { return wick::gt(*this, scalar_for(*this, o)); }
Tensor Tensor::ge(double o) const { return wick::ge(*this, scalar_for(*this, o)); }
Tensor Tensor::logical_and(const Tensor& o) const { return wick::logical_and(*this, o); }
Tensor Tensor::logical_or(const Tensor& o) const { return wick::logical_or(*this, o); }
Tensor Tensor::logical_xor(const Tensor& o) const { return wick::logical_xor(*this, o); }
Tensor Tensor::logical_not() const { return wick::logical_not(*this); }
Tensor Tensor::masked_fill(const Tensor& mask, double value) const { return wick::masked_fill(*this, mask, value); }

}  // namespace wick
