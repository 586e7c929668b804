// The math functions of PyTorch's names (sin ... erfinv, rounding, isnan,
// nan_to_num, atan2, fmod, remainder): forward through core/, gradient next
// to it, with PyTorch 1.13's dtype rules and backward formulas.
#include <cmath>
#include <limits>

#include "autograd/elementwise_helpers.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/elementwise.h"

namespace wick {

using autograd::kSavesInput;
using autograd::kSavesOutput;
using autograd::needs_grad;
using autograd::record;
using autograd::reduce_grad;
using autograd::SavedTensor;
using autograd::TensorList;
using autograd::unary_float;
using backend::BinaryOp;
using backend::UnaryOp;

namespace {
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;  // d/dx erf(x) = this * e^(-x^2)
constexpr double kLn2 = 0.693147180559945309417, kLn10 = 2.30258509299404568402;
}  // namespace

// ---------------- float functions (ints give float32) ----------------

Tensor sin(const Tensor& a) {
  return unary_float("sin", "SinBackward", UnaryOp::Sin, a, kSavesInput,
                     [](const Tensor& g, const Tensor& x) { return g * cos(x); });
}
Tensor cos(const Tensor& a) {
  return unary_float("cos", "CosBackward", UnaryOp::Cos, a, kSavesInput,
                     [](const Tensor& g, const Tensor& x) { return g * -sin(x); });
}
Tensor tan(const Tensor& a) {
  return unary_float("tan", "TanBackward", UnaryOp::Tan, a, kSavesOutput,
                     [](const Tensor& g, const Tensor& y) { return g * (y * y + 1.0); });
}
Tensor atan(const Tensor& a) {
  return unary_float("atan", "AtanBackward", UnaryOp::Atan, a, kSavesInput,
                     [](const Tensor& g, const Tensor& x) { return g / (x * x + 1.0); });
}
Tensor sinh(const Tensor& a) {
  return unary_float("sinh", "SinhBackward", UnaryOp::Sinh, a, kSavesInput,
                     [](const Tensor& g, const Tensor& x) { return g * cosh(x); });
}
Tensor cosh(const Tensor& a) {
  return unary_float("cosh", "CoshBackward", UnaryOp::Cosh, a, kSavesInput,
                     [](const Tensor& g, const Tensor& x) { return g * sinh(x); });
}
Tensor expm1(const Tensor& a) {
  return unary_float("expm1", "Expm1Backward", UnaryOp::Expm1, a, kSavesOutput,
                     [](const Tensor& g, const Tensor& y) { return g * (y + 1.0); });
}
Tensor exp2(const Tensor& a) {
  return unary_float("exp2", "Exp2Backward", UnaryOp::Exp2, a, kSavesOutput,
                     [](const Tensor& g, const Tensor& y) { return g * (y * kLn2); });
}
Tensor log2(const Tensor& a) {
  return unary_float("log2", "Log2Backward", UnaryOp::Log2, a, kSavesInput,
                     [](const Tensor& g, const Tensor& x) { return g / (x * kLn2); });
}
Tensor log10(const Tensor& a) {
  return unary_float("log10", "Log10Backward", UnaryOp::Log10, a, kSavesInput,
                     [](const Tensor& g, const Tensor& x) { return g / (x * kLn10); });
}
Tensor rsqrt(const Tensor& a) {
  return unary_float("rsqrt", "RsqrtBackward", UnaryOp::Rsqrt, a, kSavesOutput,
                     [](const Tensor& g, const Tensor& y) { return g * (y * y * y * -0.5); });
}
Tensor erf(const Tensor& a) {
  return unary_float("erf", "ErfBackward", UnaryOp::Erf, a, kSavesInput,
                     [](const Tensor& g, const Tensor& x) { return g * (exp(-(x * x)) * kTwoOverSqrtPi); });
}
Tensor erfc(const Tensor& a) {
  return unary_float("erfc", "ErfcBackward", UnaryOp::Erfc, a, kSavesInput,
                     [](const Tensor& g, const Tensor& x) { return g * (exp(-(x * x)) * -kTwoOverSqrtPi); });
}
Tensor erfinv(const Tensor& a) {
  return unary_float("erfinv", "ErfinvBackward", UnaryOp::Erfinv, a, kSavesOutput,
                     [](const Tensor& g, const Tensor& y) { return g * (exp(y * y) * (1 / kTwoOverSqrtPi)); });
}

// ---------------- rounding (the dtype stays; gradient zero) ----------------

namespace {
Tensor rounding(const char* name, const char* node, UnaryOp op, const Tensor& a, double alpha = 0) {
  core::check_defined(name, a);
  WICK_CHECK(a.dtype() != kBool, name, ": not defined for bool tensors (got ", a.describe(),
             "), as in PyTorch; convert first, e.g. x.to(wick::kInt64)");
  // Integers are already whole: a copy, as torch.floor(int_tensor).
  Tensor out = is_floating(a.dtype()) ? core::unary(op, a, alpha) : core::clone(a);
  if (needs_grad(a))
    record(node, {&a}, {&out}, [](const TensorList& g) -> TensorList { return {zeros_like(g[0])}; }, false);
  return out;
}
}  // namespace

Tensor floor(const Tensor& a) { return rounding("floor", "FloorBackward", UnaryOp::Floor, a); }
Tensor ceil(const Tensor& a) { return rounding("ceil", "CeilBackward", UnaryOp::Ceil, a); }
Tensor trunc(const Tensor& a) { return rounding("trunc", "TruncBackward", UnaryOp::Trunc, a); }

Tensor round(const Tensor& a, int64_t decimals) {
  core::check_defined("round", a);
  WICK_CHECK(decimals == 0 || is_floating(a.dtype()), "round: decimals=", decimals,
             " needs a floating-point tensor, got ", a.describe(),
             " (PyTorch refuses it too); convert first with x.to(wick::kFloat32)");
  return rounding("round", "RoundBackward", UnaryOp::Round, a, static_cast<double>(decimals));
}

Tensor frac(const Tensor& a) {
  core::check_defined("frac", a);
  WICK_CHECK(is_floating(a.dtype()), "frac: only floating-point tensors are supported, got ", a.describe(),
             " (integers have no fractional part; PyTorch refuses them too)");
  Tensor out = core::unary(UnaryOp::Frac, a);
  if (needs_grad(a)) record("FracBackward", {&a}, {&out}, [](const TensorList& g) -> TensorList { return {g[0]}; }, false);
  return out;
}

// ---------------- predicates and nan_to_num (no gradient through the masks) ----------------

namespace {
// t op value, value a 0-d tensor of t's dtype.
Tensor compare_scalar(const char* name, BinaryOp op, const Tensor& t, double value) {
  return core::binary(name, op, t, autograd::scalar_like(value, t));
}
Tensor all_false(const Tensor& a) { return zeros_like(a, {.dtype = kBool}); }
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

Tensor isnan(const Tensor& a) {
  core::check_defined("isnan", a);
  if (!is_floating(a.dtype())) return all_false(a);
  return core::binary("isnan", BinaryOp::Ne, a, a);  // only NaN differs from itself
}
Tensor isposinf(const Tensor& a) {
  core::check_defined("isposinf", a);
  return is_floating(a.dtype()) ? compare_scalar("isposinf", BinaryOp::Eq, a, kInf) : all_false(a);
}
Tensor isneginf(const Tensor& a) {
  core::check_defined("isneginf", a);
  return is_floating(a.dtype()) ? compare_scalar("isneginf", BinaryOp::Eq, a, -kInf) : all_false(a);
}
Tensor isinf(const Tensor& a) {
  core::check_defined("isinf", a);
  if (!is_floating(a.dtype())) return all_false(a);
  return compare_scalar("isinf", BinaryOp::Eq, core::unary(UnaryOp::Abs, a), kInf);
}

Tensor nan_to_num(const Tensor& a, double nan, std::optional<double> posinf, std::optional<double> neginf) {
  core::check_defined("nan_to_num", a);
  if (!is_floating(a.dtype())) return core::clone(a);  // nothing to replace, as PyTorch
  const bool f32 = a.dtype() == kFloat32;
  // The replacements in the tensor's dtype: a posinf beyond float's range is
  // inf in a float32 tensor, as in PyTorch.
  auto in_dtype = [f32](double v) { return f32 ? static_cast<double>(static_cast<float>(v)) : v; };
  const double hi = in_dtype(posinf.value_or(f32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max()));
  const double lo = in_dtype(neginf.value_or(f32 ? std::numeric_limits<float>::lowest() : std::numeric_limits<double>::lowest()));
  const auto s = [&a](double v) { return autograd::scalar_like(v, a); };
  Tensor out = core::where(isnan(a), s(in_dtype(nan)), a);
  out = core::where(isposinf(a), s(hi), out);
  out = core::where(isneginf(a), s(lo), out);
  if (needs_grad(a))
    record("NanToNumBackward", {&a}, {&out}, [sx = SavedTensor(a, false)](const TensorList& g) -> TensorList {
      // The gradient passes where x is finite: grad * isfinite(x), as PyTorch.
      return {g[0] * core::to_dtype(isfinite(sx.get("NanToNumBackward")), g[0].dtype())};
    });
  return out;
}

// ---------------- binary: atan2, fmod, remainder ----------------

Tensor atan2(const Tensor& a, const Tensor& b) {
  auto [x, y] = autograd::promote("atan2", a, b, true);
  Tensor out = core::binary("atan2", BinaryOp::Atan2, x, y);
  if (needs_grad(a, b))
    record("Atan2Backward", {&a, &b}, {&out},
           [sx = SavedTensor(x, false), sy = SavedTensor(y, false), sa = a.sizes(), sb = b.sizes(), da = a.dtype(),
            db = b.dtype()](const TensorList& g) -> TensorList {
             Tensor xv = sx.get("Atan2Backward"), yv = sy.get("Atan2Backward");
             Tensor gr = g[0] / (xv * xv + yv * yv);  // d/da = b / r^2, d/db = -a / r^2
             return {reduce_grad(gr * yv, sa, da), reduce_grad(-(gr * xv), sb, db)};
           });
  return out;
}

namespace {
// fmod (truncated quotient) and remainder (floored quotient) of promoted
// operands; d/da = 1, d/db = -quotient, as PyTorch's formulas.
Tensor modulo(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  auto [x, y] = autograd::promote(name, a, b);
  WICK_CHECK(x.dtype() != kBool, name, ": not defined for bool tensors (got ", a.describe(), " and ", b.describe(),
             "), as in PyTorch; convert first, e.g. x.to(wick::kInt64)");
  if (!is_floating(x.dtype()) && y.numel() > 0) {
    Tensor zero = core::binary(name, BinaryOp::Eq, y, autograd::scalar_like(0, y));
    const bool any_zero =
        core::reduce(name, backend::ReduceOp::Sum, zero, core::reduce_mask(name, {}, zero.dim()), false, 1, kInt64).item() != 0;
    WICK_CHECK(!any_zero, name, ": integer division by zero: the divisor (", y.describe(),
               ") holds a 0 (PyTorch raises ZeroDivisionError); use float tensors, "
               "x.to(wick::kFloat32), for NaN results, or replace the zeros first");
  }
  Tensor out = core::binary(name, op, x, y);
  const char* node = op == BinaryOp::Fmod ? "FmodBackward" : "RemainderBackward";
  if (needs_grad(a, b))
    record(node, {&a, &b}, {&out},
           [sx = SavedTensor(x, false), sy = SavedTensor(y, false), sa = a.sizes(), sb = b.sizes(), da = a.dtype(),
            db = b.dtype(), rb = b.requires_grad(), op, node](const TensorList& g) -> TensorList {
             Tensor gb;
             if (rb) {
               Tensor q = div(sx.get(node), sy.get(node));
               gb = -(g[0] * (op == BinaryOp::Fmod ? trunc(q) : floor(q)));
             }
             return {reduce_grad(g[0], sa, da), reduce_grad(gb, sb, db)};
           });
  return out;
}
// A scalar operand as a 0-d tensor of the result's dtype (int64 % 2.5 is float32).
Tensor scalar_operand(const Tensor& t, double v) {
  return full({}, v, {.dtype = core::result_type(t, v), .device = t.device()});
}
}  // namespace

Tensor fmod(const Tensor& a, const Tensor& b) { return modulo("fmod", BinaryOp::Fmod, a, b); }
Tensor remainder(const Tensor& a, const Tensor& b) { return modulo("remainder", BinaryOp::Remainder, a, b); }
Tensor fmod(const Tensor& a, double b) {
  core::check_defined("fmod", a);
  return modulo("fmod", BinaryOp::Fmod, a, scalar_operand(a, b));
}
Tensor remainder(const Tensor& a, double b) {
  core::check_defined("remainder", a);
  return modulo("remainder", BinaryOp::Remainder, a, scalar_operand(a, b));
}
Tensor remainder(double a, const Tensor& b) {
  core::check_defined("remainder", b);
  return modulo("remainder", BinaryOp::Remainder, scalar_operand(b, a), b);
}

// ---------------- Tensor methods ----------------

Tensor Tensor::sin() const { return wick::sin(*this); }
Tensor Tensor::cos() const { return wick::cos(*this); }
Tensor Tensor::tan() const { return wick::tan(*this); }
Tensor Tensor::atan() const { return wick::atan(*this); }
Tensor Tensor::sinh() const { return wick::sinh(*this); }
Tensor Tensor::cosh() const { return wick::cosh(*this); }
Tensor Tensor::expm1() const { return wick::expm1(*this); }
Tensor Tensor::exp2() const { return wick::exp2(*this); }
Tensor Tensor::log2() const { return wick::log2(*this); }
Tensor Tensor::log10() const { return wick::log10(*this); }
Tensor Tensor::rsqrt() const { return wick::rsqrt(*this); }
Tensor Tensor::erf() const { return wick::erf(*this); }
Tensor Tensor::erfc() const { return wick::erfc(*this); }
Tensor Tensor::erfinv() const { return wick::erfinv(*this); }
Tensor Tensor::floor() const { return wick::floor(*this); }
Tensor Tensor::ceil() const { return wick::ceil(*this); }
Tensor Tensor::trunc() const { return wick::trunc(*this); }
Tensor Tensor::round(int64_t decimals) const { return wick::round(*this, decimals); }
Tensor Tensor::frac() const { return wick::frac(*this); }
Tensor Tensor::isnan() const { return wick::isnan(*this); }
Tensor Tensor::isinf() const { return wick::isinf(*this); }
Tensor Tensor::isposinf() const { return wick::isposinf(*this); }
Tensor Tensor::isneginf() const { return wick::isneginf(*this); }
Tensor Tensor::nan_to_num(double nan, std::optional<double> posinf, std::optional<double> neginf) const {
  return wick::nan_to_num(*this, nan, posinf, neginf);
}
Tensor Tensor::atan2(const Tensor& other) const { return wick::atan2(*this, other); }
Tensor Tensor::fmod(const Tensor& other) const { return wick::fmod(*this, other); }
Tensor Tensor::fmod(double other) const { return wick::fmod(*this, other); }
Tensor Tensor::remainder(const Tensor& other) const { return wick::remainder(*this, other); }
Tensor Tensor::remainder(double other) const { return wick::remainder(*this, other); }

}  // namespace wick
