// Tensor methods that touch autograd: conversions, grad access, backward,
// detach, and the in-place ops.
#include <cmath>

#include "autograd/grad_utils.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/elementwise.h"

namespace wick {

using autograd::needs_grad;
using autograd::record;
using autograd::reduce_grad;
using autograd::TensorList;
using backend::BinaryOp;
using backend::UnaryOp;

// ---------------- conversions ----------------

Tensor Tensor::to(Device device) const {
  if (this->device() == device) return *this;
  Tensor out = core::to_device(*this, device);
  if (needs_grad(*this))
    record("ToCopyBackward", {this}, {&out}, [src = this->device()](const TensorList& g) -> TensorList {
      return {core::to_device(g[0], src)};
    }, false);
  return out;
}

Tensor Tensor::to(DType dtype) const {
  if (this->dtype() == dtype) return *this;
  Tensor out = core::to_dtype(*this, dtype);
  // Gradients flow only between floating types (int/bool results have none).
  if (needs_grad(*this) && is_floating(dtype))
    record("ToCopyBackward", {this}, {&out}, [src = this->dtype()](const TensorList& g) -> TensorList {
      return {core::to_dtype(g[0], src)};
    }, false);
  return out;
}

Tensor Tensor::to(Device device, DType dtype) const { return to(dtype).to(device); }

Tensor Tensor::clone() const {
  Tensor out = core::clone(*this);
  if (needs_grad(*this))
    record("CloneBackward", {this}, {&out}, [](const TensorList& g) -> TensorList { return {g[0]}; }, false);
  return out;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

// ---------------- autograd access ----------------

Tensor& Tensor::requires_grad_(bool requires_grad) {
  TensorImpl& i = impl_ref();
  WICK_CHECK(!requires_grad || is_floating(i.dtype), "requires_grad_: only floating tensors can require gradients, "
             "got ", describe(), "; convert with .to(kFloat32) first");
  WICK_CHECK(i.grad_fn == nullptr || requires_grad, "requires_grad_(false): ", describe(),
             " is not a leaf (it was computed by ", grad_fn_name(), "); use .detach() to get a tensor without history");
  i.requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const {
  const TensorImpl& i = impl_ref();
  return i.grad ? Tensor(i.grad) : Tensor();
}

void Tensor::set_grad(const Tensor& g) const {
  TensorImpl& i = impl_ref();
  if (!g.defined()) {
    i.grad.reset();
    return;
  }
  WICK_CHECK(g.sizes() == i.sizes && g.dtype() == i.dtype && g.device() == i.device(), "set_grad: gradient ",
             g.describe(), " must match the tensor ", describe());
  i.grad = g.impl();
}

void Tensor::retain_grad() const {
  TensorImpl& i = impl_ref();
  WICK_CHECK(i.requires_grad, "retain_grad: ", describe(), " does not require grad");
  if (!i.grad_fn) return;  // leaves keep their gradient anyway
  auto& r = i.grad_fn->retained;
  if (r.size() < i.grad_fn->num_outputs) r.resize(i.grad_fn->num_outputs);
  r[i.output_nr] = impl_;
}

std::string Tensor::grad_fn_name() const {
  const TensorImpl& i = impl_ref();
  return i.grad_fn ? i.grad_fn->name() : "";
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  autograd::backward({*this}, {gradient}, retain_graph);
}

Tensor Tensor::detach() const { return core::make_view(*this, sizes(), strides(), storage_offset()); }

Tensor& Tensor::detach_() {
  TensorImpl& i = impl_ref();
  i.grad_fn.reset();
  i.requires_grad = false;
  return *this;
}

// ---------------- in place ----------------

namespace autograd {
bool prepare_inplace(const char* op, const Tensor& self, std::initializer_list<const Tensor*> others) {
  core::check_defined(op, self);
  if (!is_grad_enabled()) return false;
  const TensorImpl& i = self.impl_ref();
  if (i.requires_grad) {
    WICK_CHECK(i.grad_fn != nullptr, op, ": a leaf tensor that requires grad (", self.describe(),
               ") is being used in an in-place operation; wrap the update in NoGradGuard (as optimizers do) "
               "or use an out-of-place op");
    // Other handles on this storage (views, or copies autograd saved) would
    // see the new values behind autograd's back.
    WICK_CHECK(i.storage.use_count() == 1, op, ": ", self.describe(),
               " shares its memory with a view or with a tensor saved for backward, so modifying it in place "
               "while recording gradients would make them wrong; use an out-of-place op (y = y + x) or .clone()");
  }
  const bool record = needs_grad(others) || i.requires_grad;
  // Writing a tensor that requires grad into one that does not: the history
  // goes on this handle only. If another tensor shares the memory (the base
  // this view was taken from, as in `out[0].copy_(w)`, or a view of it), that
  // one shows the new values with no history, and w's gradient is silently
  // lost through it (PyTorch rebases the base's history; wick refuses).
  WICK_CHECK(!record || i.requires_grad || i.storage.use_count() == 1, op, ": writing a tensor that requires grad into ",
             self.describe(), ", which shares its memory with another tensor (the tensor it is a view of, or a view "
             "of it); gradients through that tensor would be lost. Build the result out of place instead "
             "(wick::cat / wick::stack of the rows), or write into a tensor that owns its memory");
  return record;
}
}  // namespace autograd

namespace {

// The dtype an in-place op may write: the result type must fit self's dtype.
void check_castable(const char* op, const Tensor& self, DType result) {
  auto category = [](DType t) { return t == kBool ? 0 : is_integral(t) ? 1 : 2; };
  WICK_CHECK(category(result) <= category(self.dtype()), op, ": result type ", dtype_name(result),
             " can't be cast to the in-place target's dtype ", dtype_name(self.dtype()), " (", self.describe(),
             "); use the out-of-place form or convert the target first");
}

// self op= other, recorded as a node replacing self's history.
Tensor& inplace_binary(const char* op, const char* node, BinaryOp bop, Tensor& self, const Tensor& other, double alpha) {
  core::check_defined(op, other, "other");
  core::check_same_device(op, self, other);
  bool rec = autograd::prepare_inplace(op, self, {&other});
  check_castable(op, self, core::result_type(self, other));
  autograd::check_integral_alpha(op, self.dtype(), alpha);
  Tensor o = core::to_dtype(other, self.dtype());
  if (alpha != 1) o = core::unary(UnaryOp::MulScalar, o, alpha);
  autograd::SavedTensor saved_self, saved_other;
  if (rec && (bop == BinaryOp::Mul || bop == BinaryOp::Div)) {
    saved_self = autograd::SavedTensor(core::clone(self), false);  // the value before the write
    saved_other = autograd::SavedTensor(o, false);
  }
  core::binary_into(op, bop, self, self, o);
  if (rec)
    record(node, {&self, &other}, {&self},
           [bop, alpha, ss = saved_self, so = saved_other, shape = other.sizes(), dt = other.dtype(),
            rs = self.requires_grad(), node](const TensorList& g) -> TensorList {
             switch (bop) {
               case BinaryOp::Add: return {g[0], reduce_grad(alpha == 1 ? g[0] : g[0] * alpha, shape, dt)};
               case BinaryOp::Mul:
                 return {g[0] * so.get(node), reduce_grad(g[0] * ss.get(node), shape, dt)};
               default: {  // Div
                 Tensor ov = so.get(node);
                 return {g[0] / ov, reduce_grad(-(g[0] * ss.get(node)) / (ov * ov), shape, dt)};
               }
             }
           });
  return self;
}

Tensor& inplace_scalar(const char* op, const char* node, UnaryOp uop, Tensor& self, double s, double slope) {
  bool rec = autograd::prepare_inplace(op, self);
  check_castable(op, self, core::result_type(self, s));
  core::unary_into(uop, self, self, s);
  if (rec)
    record(node, {&self}, {&self}, [slope](const TensorList& g) -> TensorList {
      return {slope == 1 ? g[0] : g[0] * slope};
    }, false);
  return self;
}

}  // namespace

Tensor& Tensor::add_(const Tensor& o, double alpha) { return inplace_binary("add_", "AddBackward", BinaryOp::Add, *this, o, alpha); }
Tensor& Tensor::sub_(const Tensor& o, double alpha) { return inplace_binary("sub_", "SubBackward", BinaryOp::Add, *this, o, -alpha); }
Tensor& Tensor::mul_(const Tensor& o) { return inplace_binary("mul_", "MulBackward", BinaryOp::Mul, *this, o, 1); }
Tensor& Tensor::div_(const Tensor& o) {
  WICK_CHECK(is_floating(dtype()), "div_: true division of the integer tensor ", describe(),
             " cannot be stored in place; use the out-of-place a / b (float result)");
  return inplace_binary("div_", "DivBackward", BinaryOp::Div, *this, o, 1);
}
Tensor& Tensor::add_(double o) { return inplace_scalar("add_", "AddBackward", UnaryOp::AddScalar, *this, o, 1); }
Tensor& Tensor::sub_(double o) { return inplace_scalar("sub_", "SubBackward", UnaryOp::AddScalar, *this, -o, 1); }
Tensor& Tensor::mul_(double o) { return inplace_scalar("mul_", "MulBackward", UnaryOp::MulScalar, *this, o, o); }
Tensor& Tensor::div_(double o) {
  WICK_CHECK(is_floating(dtype()), "div_: true division of the integer tensor ", describe(),
             " cannot be stored in place; use the out-of-place a / b (float result)");
  return inplace_scalar("div_", "DivBackward", UnaryOp::MulScalar, *this, 1.0 / o, 1.0 / o);
}

Tensor& Tensor::zero_() { return fill_(0); }

Tensor& Tensor::fill_(double value) {
  bool rec = autograd::prepare_inplace("fill_", *this);
  core::fill(*this, value);
  if (rec)
    record("FillBackward", {this}, {this}, [](const TensorList& g) -> TensorList { return {Tensor()}; }, false);
  return *this;
}

Tensor& Tensor::clamp_(std::optional<double> min, std::optional<double> max) {
  WICK_CHECK(!autograd::prepare_inplace("clamp_", *this), "clamp_: not differentiable in place; "
             "use clamp() while recording gradients");
  WICK_CHECK(min || max, "clamp_: at least one of min and max must be given");
  core::unary_into(UnaryOp::Clamp, *this, *this, min ? *min : NAN, max ? *max : NAN);
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  core::check_defined("copy_", src, "source");
  bool rec = autograd::prepare_inplace("copy_", *this, {&src});
  core::copy_into(*this, src);
  if (rec)
    record("CopyBackward", {this, &src}, {this},
           [shape = src.sizes(), dt = src.dtype(), dev = src.device()](const TensorList& g) -> TensorList {
             Tensor gs = reduce_grad(g[0], shape, dt);
             return {Tensor(), gs.device() == dev ? gs : core::to_device(gs, dev)};
           }, false);
  return *this;
}

Tensor& Tensor::masked_fill_(const Tensor& mask, double value) {
  WICK_CHECK(!autograd::prepare_inplace("masked_fill_", *this), "masked_fill_: not differentiable in place; "
             "use masked_fill() while recording gradients");
  core::check_defined("masked_fill_", mask, "mask");
  WICK_CHECK(mask.dtype() == kBool, "masked_fill_: mask must be a bool tensor, got ", mask.describe());
  Tensor filled = wick::masked_fill(*this, mask, value);
  core::copy_into(*this, filled);
  return *this;
}

}  // namespace wick
