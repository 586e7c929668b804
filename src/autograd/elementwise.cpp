// Elementwise ops: forward through core/, gradient next to it.
#include "wick/elementwise.h"

#include <cmath>

#include "autograd/elementwise_helpers.h"
#include "autograd/grad_utils.h"
#include "wick/autograd.h"
#include "wick/creation.h"

namespace wick {

using autograd::needs_grad;
using autograd::record;
using autograd::reduce_grad;
using autograd::SavedTensor;
using autograd::TensorList;
using backend::BinaryOp;
using backend::UnaryOp;

using autograd::float_input;
using autograd::kSavesInput;
using autograd::kSavesOutput;
using autograd::promote;
using autograd::scalar_like;
using autograd::unary_float;

// ---------------- binary arithmetic ----------------

namespace {
Tensor add_impl(const char* name, const Tensor& a, const Tensor& b, double alpha) {
  auto [x, y] = promote(name, a, b);
  autograd::check_integral_alpha(name, x.dtype(), alpha);
  Tensor out = alpha == 1 ? core::binary(name, BinaryOp::Add, x, y)
                          : core::binary(name, BinaryOp::Add, x, core::unary(UnaryOp::MulScalar, y, alpha));
  if (needs_grad(a, b))
    record("AddBackward", {&a, &b}, {&out},
           [sa = a.sizes(), sb = b.sizes(), da = a.dtype(), db = b.dtype(), alpha](const TensorList& g) -> TensorList {
             return {reduce_grad(g[0], sa, da), reduce_grad(alpha == 1 ? g[0] : g[0] * alpha, sb, db)};
           }, false);
  return out;
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b, double alpha) { return add_impl("add", a, b, alpha); }

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  WICK_CHECK(!a.defined() || !b.defined() || a.dtype() != kBool || b.dtype() != kBool,
             "sub: subtracting two bool tensors is not supported; use logical_xor() instead");
  return add_impl("sub", a, b, -alpha);
}

Tensor mul(const Tensor& a, const Tensor& b) {
  auto [x, y] = promote("mul", a, b);
  Tensor out = core::binary("mul", BinaryOp::Mul, x, y);
  if (needs_grad(a, b))
    record("MulBackward", {&a, &b}, {&out},
           [sx = SavedTensor(x, false), sy = SavedTensor(y, false), sa = a.sizes(), sb = b.sizes(), da = a.dtype(),
            db = b.dtype(), ra = a.requires_grad(), rb = b.requires_grad()](const TensorList& g) -> TensorList {
             return {ra ? reduce_grad(g[0] * sy.get("MulBackward"), sa, da) : Tensor(),
                     rb ? reduce_grad(g[0] * sx.get("MulBackward"), sb, db) : Tensor()};
           });
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  auto [x, y] = promote("div", a, b, true);
  Tensor out = core::binary("div", BinaryOp::Div, x, y);
  if (needs_grad(a, b))
    record("DivBackward", {&a, &b}, {&out},
           [sx = SavedTensor(x, false), sy = SavedTensor(y, false), sa = a.sizes(), sb = b.sizes(), da = a.dtype(),
            db = b.dtype(), rb = b.requires_grad()](const TensorList& g) -> TensorList {
             Tensor yv = sy.get("DivBackward");
             Tensor ga = g[0] / yv;
             Tensor gb = rb ? -(ga * sx.get("DivBackward")) / yv : Tensor();
             return {reduce_grad(ga, sa, da), reduce_grad(gb, sb, db)};
           });
  return out;
}

Tensor pow(const Tensor& a, const Tensor& exponent) {
  auto [x, y] = promote("pow", a, exponent);
  if (!is_floating(x.dtype()))
    WICK_CHECK(core::reduce("pow", backend::ReduceOp::Min, y, core::reduce_mask("pow", {}, y.dim()), false, 1, y.dtype()).item() >= 0 || y.numel() == 0,
               "pow: integers to negative integer powers are not allowed; convert to float with .to(kFloat32)");
  Tensor out = core::binary("pow", BinaryOp::Pow, x, y);
  if (needs_grad(a, exponent))
    record("PowBackward", {&a, &exponent}, {&out},
           [sx = SavedTensor(x, false), sy = SavedTensor(y, false), so = SavedTensor(out, true), sa = a.sizes(),
            sb = exponent.sizes(), da = a.dtype(), db = exponent.dtype(),
            rb = exponent.requires_grad()](const TensorList& g) -> TensorList {
             Tensor xv = sx.get("PowBackward"), yv = sy.get("PowBackward");
             // A zero exponent has zero gradient, even at x = 0 (0 * 0^-1 would be NaN).
             Tensor ga = where(yv.eq(0.0), 0.0, g[0] * yv * pow(xv, yv - 1.0));
             // d/dy x^y = x^y log x; defined as 0 where x == 0 (as PyTorch).
             Tensor gb = rb ? where(xv.eq(0.0), 0.0, g[0] * so.get("PowBackward") * log(xv)) : Tensor();
             return {reduce_grad(ga, sa, da), reduce_grad(gb, sb, db)};
           });
  return out;
}

Tensor pow(const Tensor& a, double exponent) {
  core::check_defined("pow", a);
  DType t = core::result_type(a, exponent);
  WICK_CHECK(is_floating(t) || exponent >= 0, "pow: integers to negative integer powers are not allowed; "
             "convert to float with .to(kFloat32)");
  Tensor x = core::to_dtype(a, t);
  Tensor out = exponent == 2 ? core::unary(UnaryOp::Square, x) : core::unary(UnaryOp::PowScalar, x, exponent);
  if (needs_grad(a))
    record("PowBackward", {&a}, {&out}, [sx = SavedTensor(x, false), exponent](const TensorList& g) -> TensorList {
      Tensor xv = sx.get("PowBackward");
      if (exponent == 0) return {zeros_like(xv)};
      return {g[0] * (exponent * pow(xv, exponent - 1))};
    });
  return out;
}

Tensor pow(double base, const Tensor& exponent) {
  Tensor e = float_input("pow", exponent);
  Tensor out = core::unary(UnaryOp::RPowScalar, e, base);
  if (needs_grad(exponent))
    record("PowBackward", {&exponent}, {&out}, [so = SavedTensor(out, true), base](const TensorList& g) -> TensorList {
      Tensor out = so.get("PowBackward");
      // base 0: d/de 0^e is 0 (PyTorch's convention), not 0 * log(0) = NaN.
      if (base == 0) return {zeros_like(out)};
      return {g[0] * out * std::log(base)};
    });
  return out;
}

namespace {
Tensor max_min(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  auto [x, y] = promote(name, a, b);
  Tensor out = core::binary(name, op, x, y);
  if (needs_grad(a, b))
    record(op == BinaryOp::Maximum ? "MaximumBackward" : "MinimumBackward", {&a, &b}, {&out},
           [sx = SavedTensor(x, false), sy = SavedTensor(y, false), sa = a.sizes(), sb = b.sizes(), da = a.dtype(),
            db = b.dtype(), op](const TensorList& g) -> TensorList {
             Tensor xv = sx.get("MaximumBackward"), yv = sy.get("MaximumBackward");
             // Ties split the gradient evenly, as PyTorch does.
             Tensor pick_a = op == BinaryOp::Maximum ? xv.gt(yv) : xv.lt(yv);
             Tensor tie = xv.eq(yv);
             Tensor wa = pick_a.to(g[0].dtype()) + tie.to(g[0].dtype()) * 0.5;
             Tensor ga = g[0] * wa;
             return {reduce_grad(ga, sa, da), reduce_grad(g[0] - ga, sb, db)};
           });
  return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return max_min("maximum", BinaryOp::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return max_min("minimum", BinaryOp::Minimum, a, b); }

// ---------------- unary ----------------

Tensor neg(const Tensor& a) {
  core::check_defined("neg", a);
  WICK_CHECK(a.dtype() != kBool, "neg: negation of a bool tensor is not supported; use logical_not()");
  Tensor out = core::unary(UnaryOp::Neg, a);
  if (needs_grad(a)) record("NegBackward", {&a}, {&out}, [](const TensorList& g) -> TensorList { return {-g[0]}; }, false);
  return out;
}

Tensor exp(const Tensor& a) {
  return unary_float("exp", "ExpBackward", UnaryOp::Exp, a, kSavesOutput,
                     [](const Tensor& g, const Tensor& y) { return g * y; });
}
Tensor log(const Tensor& a) {
  return unary_float("log", "LogBackward", UnaryOp::Log, a, kSavesInput,
                     [](const Tensor& g, const Tensor& x) { return g / x; });
}
Tensor log1p(const Tensor& a) {
  return unary_float("log1p", "Log1PBackward", UnaryOp::Log1p, a, kSavesInput,
                     [](const Tensor& g, const Tensor& x) { return g / (x + 1.0); });
}
Tensor sqrt(const Tensor& a) {
  return unary_float("sqrt", "SqrtBackward", UnaryOp::Sqrt, a, kSavesOutput,
                     [](const Tensor& g, const Tensor& y) { return g / (y * 2.0); });
}
Tensor sigmoid(const Tensor& a) {
  return unary_float("sigmoid", "SigmoidBackward", UnaryOp::Sigmoid, a, kSavesOutput, [](const Tensor& g, const Tensor& y) {
    return core::binary("sigmoid_backward", BinaryOp::SigmoidBackward, g, y);
  });
}
Tensor tanh(const Tensor& a) {
  return unary_float("tanh", "TanhBackward", UnaryOp::Tanh, a, kSavesOutput, [](const Tensor& g, const Tensor& y) {
    return core::binary("tanh_backward", BinaryOp::TanhBackward, g, y);
  });
}
Tensor reciprocal(const Tensor& a) {
  return unary_float("reciprocal", "ReciprocalBackward", UnaryOp::Reciprocal, a, kSavesOutput,
                     [](const Tensor& g, const Tensor& y) { return -(g * y * y); });
}

Tensor relu(const Tensor& a) {
  core::check_defined("relu", a);
  WICK_CHECK(a.dtype() != kBool, "relu: not defined for bool tensors");
  Tensor out = core::unary(UnaryOp::Relu, a);
  if (needs_grad(a))
    record("ReluBackward", {&a}, {&out}, [sy = SavedTensor(out, true)](const TensorList& g) -> TensorList {
      return {core::binary("relu_backward", BinaryOp::ReluBackward, g[0], sy.get("ReluBackward"))};
    });
  return out;
}

Tensor abs(const Tensor& a) {
  core::check_defined("abs", a);
  Tensor out = a.dtype() == kBool ? core::clone(a) : core::unary(UnaryOp::Abs, a);
  if (needs_grad(a))
    record("AbsBackward", {&a}, {&out}, [sx = SavedTensor(a, false)](const TensorList& g) -> TensorList {
      return {g[0] * sign(sx.get("AbsBackward"))};
    });
  return out;
}

Tensor sign(const Tensor& a) {
  core::check_defined("sign", a);
  Tensor out = a.dtype() == kBool ? core::clone(a) : core::unary(UnaryOp::Sign, a);
  if (needs_grad(a))
    record("SignBackward", {&a}, {&out}, [](const TensorList& g) -> TensorList { return {zeros_like(g[0])}; }, false);
  return out;
}

Tensor square(const Tensor& a) {
  core::check_defined("square", a);
  Tensor x = a.dtype() == kBool ? core::to_dtype(a, kInt64) : a;
  Tensor out = core::unary(UnaryOp::Square, x);
  if (needs_grad(a))
    record("PowBackward", {&a}, {&out}, [sx = SavedTensor(x, false)](const TensorList& g) -> TensorList {
      return {g[0] * sx.get("PowBackward") * 2.0};
    });
  return out;
}

Tensor clamp(const Tensor& a, std::optional<double> min, std::optional<double> max) {
  core::check_defined("clamp", a);
  WICK_CHECK(min || max, "clamp: at least one of min and max must be given");
  WICK_CHECK(a.dtype() != kBool, "clamp: not defined for bool tensors");
  Tensor x = a;
  if (!is_floating(a.dtype()) && ((min && std::floor(*min) != *min) || (max && std::floor(*max) != *max)))
    x = core::to_dtype(a, kFloat32);
  Tensor out = core::unary(UnaryOp::Clamp, x, min ? *min : NAN, max ? *max : NAN);
  if (needs_grad(a))
    record("ClampBackward", {&a}, {&out}, [sx = SavedTensor(x, false), min, max](const TensorList& g) -> TensorList {
      Tensor xv = sx.get("ClampBackward");
      // Gradient passes where min <= x <= max (boundaries included, as PyTorch).
      Tensor keep = ones_like(xv, {.dtype = kBool});
      if (min) keep = keep.logical_and(xv.ge(*min));
      if (max) keep = keep.logical_and(xv.le(*max));
      return {where(keep, g[0], 0.0)};
    });
  return out;
}

Tensor isfinite(const Tensor& a) {
  core::check_defined("isfinite", a);
  if (!is_floating(a.dtype())) return ones_like(a, {.dtype = kBool});
  return core::unary(UnaryOp::IsFinite, a);
}

// ---------------- where / masked_fill ----------------

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  core::check_defined("where", cond, "condition");
  auto [x, y] = promote("where", a, b);
  Tensor out = core::where(cond, x, y);
  if (needs_grad(a, b))
    record("WhereBackward", {&a, &b}, {&out},
           [c = cond, sa = a.sizes(), sb = b.sizes(), da = a.dtype(), db = b.dtype()](const TensorList& g) -> TensorList {
             Tensor zero = zeros({}, {.dtype = g[0].dtype(), .device = g[0].device()});
             return {reduce_grad(core::where(c, g[0], zero), sa, da), reduce_grad(core::where(c, zero, g[0]), sb, db)};
           });
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a, double b) {
  core::check_defined("where", a);
  DType t = core::result_type(a, b);
  return where(cond, a.dtype() == t ? a : a.to(t), scalar_like(b, core::to_dtype(a, t)));
}

Tensor where(const Tensor& cond, double a, const Tensor& b) {
  core::check_defined("where", b);
  DType t = core::result_type(b, a);
  return where(cond, scalar_like(a, core::to_dtype(b, t)), b.dtype() == t ? b : b.to(t));
}

Tensor masked_fill(const Tensor& a, const Tensor& mask, double value) {
  core::check_defined("masked_fill", mask, "mask");
  WICK_CHECK(mask.dtype() == kBool, "masked_fill: mask must be a bool tensor, got ", mask.describe());
  Shape s = core::broadcast_shapes("masked_fill", a.sizes(), mask.sizes());
  WICK_CHECK(s == a.sizes(), "masked_fill: mask of shape ", shape_str(mask.sizes()),
             " cannot be broadcast to the input's shape ", shape_str(a.sizes()));
  return where(mask, scalar_like(value, a), a);
}

// ---------------- comparisons and logic (no gradient) ----------------

namespace {
Tensor compare(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  auto [x, y] = promote(name, a, b);
  return core::binary(name, op, x, y);
}
Tensor logical(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  core::check_defined(name, a);
  core::check_defined(name, b);
  // Any dtypes: nonzero is true. Equal dtypes avoid a conversion pass.
  if (a.dtype() == b.dtype()) return core::binary(name, op, a, b);
  return core::binary(name, op, core::to_dtype(a, kBool), core::to_dtype(b, kBool));
}
}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) { return compare("eq", BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare("ne", BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare("lt", BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return compare("le", BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare("gt", BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare("ge", BinaryOp::Ge, a, b); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return logical("logical_and", BinaryOp::LogicalAnd, a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return logical("logical_or", BinaryOp::LogicalOr, a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return logical("logical_xor", BinaryOp::LogicalXor, a, b); }
Tensor logical_not(const Tensor& a) {
  core::check_defined("logical_not", a);
  return core::unary(UnaryOp::LogicalNot, a);
}

bool equal(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes()) return false;
  if (a.numel() == 0) return true;
  NoGradGuard g;
  return eq(a, b).logical_not().sum().item() == 0;
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  if (a.sizes() != b.sizes()) return false;
  if (a.numel() == 0) return true;
  NoGradGuard g;
  Tensor x = a.to(kFloat64), y = b.to(a.device()).to(kFloat64);
  Tensor ok = (x - y).abs().le((y.abs() * rtol) + atol).logical_or(x.eq(y));
  return ok.logical_not().sum().item() == 0;
}

}  // namespace wick
