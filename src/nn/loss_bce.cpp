// Binary cross-entropy on probabilities and on logits.
//
// binary_cross_entropy is one autograd node whose backward is PyTorch's
// formula (x - y) / max(x (1 - x), 1e-12), so gradients at x = 0 or 1 stay
// finite exactly as in PyTorch. binary_cross_entropy_with_logits, on the
// binary-logistic hot path, is one fused node with a single CPU loop forward
// (loss and reduction) and one loop backward; other devices use the composed
// form (detail::bce_with_logits_composed).
#include <algorithm>
#include <cmath>

#include "autograd/node.h"
#include "backend/cpu/fast_math.h"
#include "core/core.h"
#include "nn/loss_common.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/reduction.h"

namespace wick::nn {

using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using autograd::TensorList;
using namespace loss_detail;

namespace {

// Probabilities only: a value outside [0, 1] (or NaN) almost always means
// logits were passed, the seed's sigmoid pitfall.
void check_probabilities(const Tensor& input) {
  if (input.numel() == 0) return;
  double lo, hi;
  {
    NoGradGuard g;
    lo = input.min().item();
    hi = input.max().item();
  }
  if (std::isnan(lo) || std::isnan(hi)) [[unlikely]]
    throw Error(wick::detail::concat(
        "binary_cross_entropy: input holds NaN (", input.describe(), "): the model's output is already NaN, "
        "usually a diverging run; lower the learning rate, clip gradients, or check the inputs for NaN"));
  if (!(lo >= 0 && hi <= 1)) [[unlikely]]
    throw Error(wick::detail::concat(
        "binary_cross_entropy: input must hold probabilities in [0, 1], but its values range from ", lo, " to ", hi,
        " (", input.describe(), "). These look like logits: use binary_cross_entropy_with_logits "
        "(nn::BCEWithLogitsLoss), which applies the sigmoid stably, or pass sigmoid(input)"));
}

}  // namespace

namespace functional {

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& o) {
  const char* op = "binary_cross_entropy";
  check_reduction(op, o.reduction);
  Tensor y = check_same_shape(op, input, target);
  Tensor w = check_weight(op, "weight", o.weight, input, input.sizes());
  check_probabilities(input);

  Tensor loss, log_x, log_1mx;
  {
    NoGradGuard g;
    Tensor x = input.detach();
    // PyTorch clamps each log at -100 so that x = 0 or 1 gives a finite loss.
    log_x = clamp(log(x), -100.0, std::nullopt);
    log_1mx = clamp(log1p(-x), -100.0, std::nullopt);
    loss = (y.detach() - 1.0) * log_1mx - y.detach() * log_x;
    if (w.defined()) loss = loss * w;
  }
  if (needs_grad(input, target)) {
    bool wants_target = target.requires_grad();
    record("BinaryCrossEntropyBackward", {&input, &target}, {&loss},
           [sx = SavedTensor(input, false), sy = SavedTensor(y, false), w, wants_target,
            sl1 = wants_target ? SavedTensor(log_x, false) : SavedTensor(),
            sl0 = wants_target ? SavedTensor(log_1mx, false) : SavedTensor(),
            tdtype = target.dtype()](const TensorList& g) -> TensorList {
             const char* node = "BinaryCrossEntropyBackward";
             Tensor x = sx.get(node), yv = sy.get(node);
             Tensor gw = w.defined() ? g[0] * w : g[0];
             Tensor gi = gw * (x - yv) / clamp((1.0 - x) * x, 1e-12, std::nullopt);
             Tensor gt;
             if (wants_target) {
               gt = gw * (sl0.get(node) - sl1.get(node));
               if (gt.dtype() != tdtype) gt = gt.to(tdtype);
             }
             return {gi, gt};
           });
  }
  return apply_reduction(loss, o.reduction);
}

}  // namespace functional

// ---------------- with logits ----------------

namespace {

struct LogitsArgs {
  Tensor x, y, w, pw;  // contiguous, same numel (w, pw: undefined or expanded)
};

// softplus(-x) = log(1 + exp(-x)), stably.
template <typename T>
inline T softplus_neg(T x) {
  return std::log1p(std::exp(-std::abs(x))) + std::max(-x, T(0));
}

// One pass: the per-element loss (reduction none) or its sum.
template <typename T>
void bce_logits_forward(const LogitsArgs& a, Tensor& out, bool reduce) {
  const int64_t n = a.x.numel();
  const T* x = a.x.data_ptr<T>();
  const T* y = a.y.data_ptr<T>();
  const T* w = a.w.defined() ? a.w.data_ptr<T>() : nullptr;
  const T* pw = a.pw.defined() ? a.pw.data_ptr<T>() : nullptr;
  T* o = out.data_ptr<T>();
  double acc = 0;
  for (int64_t i = 0; i < n; ++i) {
    T sp = softplus_neg(x[i]);
    T l = pw ? (T(1) - y[i]) * x[i] + (T(1) + (pw[i] - T(1)) * y[i]) * sp : (T(1) - y[i]) * x[i] + sp;
    if (w) l *= w[i];
    if (reduce) acc += l;
    else o[i] = l;
  }
  if (reduce) o[0] = static_cast<T>(acc);
}

// gi = w g ((pw y + 1 - y) sigmoid(x) - pw y); gt = w g (-x + (pw - 1) softplus(-x)).
// `g` is either per element or one value (scale folds in the mean's 1/n).
template <typename T>
void bce_logits_backward(const LogitsArgs& a, const Tensor& grad, double scale, Tensor* gi, Tensor* gt) {
  const int64_t n = a.x.numel();
  const T* x = a.x.data_ptr<T>();
  const T* y = a.y.data_ptr<T>();
  const T* w = a.w.defined() ? a.w.data_ptr<T>() : nullptr;
  const T* pw = a.pw.defined() ? a.pw.data_ptr<T>() : nullptr;
  const bool scalar = grad.numel() == 1 && grad.dim() == 0;
  const T* g = grad.data_ptr<T>();
  T* pi = gi ? gi->data_ptr<T>() : nullptr;
  T* pt = gt ? gt->data_ptr<T>() : nullptr;
  for (int64_t i = 0; i < n; ++i) {
    T gv = static_cast<T>((scalar ? g[0] : g[i]) * scale);
    if (w) gv *= w[i];
    if (pi) {
      T s = backend::cpu::fast_sigmoid(x[i]);
      pi[i] = pw ? gv * ((pw[i] * y[i] + T(1) - y[i]) * s - pw[i] * y[i]) : gv * (s - y[i]);
    }
    if (pt) pt[i] = pw ? gv * (-x[i] + (pw[i] - T(1)) * softplus_neg(x[i])) : gv * -x[i];
  }
}

Tensor expanded(const Tensor& t, const Shape& shape) {
  if (!t.defined()) return t;
  return core::contiguous(t.sizes() == shape ? t : t.expand(shape));
}

}  // namespace

namespace detail {

Tensor bce_with_logits_composed(const Tensor& input, const Tensor& y, const BCEWithLogitsLossOptions& o) {
  // PyTorch's form: (1 - y) x + lw (log(exp(-m) + exp(-x - m)) + m), m = max(-x, 0).
  Tensor m = clamp(-input, 0.0, std::nullopt);
  Tensor sp = log(exp(-m) + exp(-input - m)) + m;
  Tensor loss = o.pos_weight.defined() ? (1.0 - y) * input + ((o.pos_weight - 1.0) * y + 1.0) * sp
                                       : (1.0 - y) * input + sp;
  if (o.weight.defined()) loss = loss * o.weight;
  return apply_reduction(loss, o.reduction);
}

}  // namespace detail

namespace functional {

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const BCEWithLogitsLossOptions& o) {
  const char* op = "binary_cross_entropy_with_logits";
  check_reduction(op, o.reduction);
  Tensor y = check_same_shape(op, input, target);
  BCEWithLogitsLossOptions opts = o;
  opts.weight = check_weight(op, "weight", o.weight, input, input.sizes());
  opts.pos_weight = check_weight(op, "pos_weight", o.pos_weight, input, input.sizes());
  if (!input.is_cpu()) return detail::bce_with_logits_composed(input, y, opts);

  LogitsArgs a{core::contiguous(input.detach()), core::contiguous(y.detach()), expanded(opts.weight, input.sizes()),
               expanded(opts.pos_weight, input.sizes())};
  const bool reduce = o.reduction.kind != Reduction::None;
  const double scale = o.reduction.kind == Reduction::Mean ? 1.0 / static_cast<double>(input.numel()) : 1.0;
  Tensor out = core::make_tensor(reduce ? Shape{} : input.sizes(), input.dtype(), input.device());
  if (input.dtype() == kFloat64) bce_logits_forward<double>(a, out, reduce);
  else bce_logits_forward<float>(a, out, reduce);
  if (reduce && scale != 1.0) {
    if (input.dtype() == kFloat64) *out.data_ptr<double>() *= scale;
    else *out.data_ptr<float>() = static_cast<float>(*out.data_ptr<float>() * scale);
  }
  // PyTorch's mean of zero elements is NaN.
  if (reduce && input.numel() == 0 && o.reduction.kind == Reduction::Mean) core::fill(out, NAN);

  if (needs_grad(input, target)) {
    const bool wi = input.requires_grad(), wt = target.requires_grad();
    record("BinaryCrossEntropyWithLogitsBackward", {&input, &target}, {&out},
           [sx = SavedTensor(a.x, false), sy = SavedTensor(a.y, false), w = a.w, pw = a.pw, scale, wi, wt,
            tdtype = target.dtype()](const TensorList& g) -> TensorList {
             const char* node = "BinaryCrossEntropyWithLogitsBackward";
             LogitsArgs args{sx.get(node), sy.get(node), w, pw};
             Tensor grad = core::contiguous(g[0]);
             Tensor gi = wi ? core::make_tensor(args.x.sizes(), args.x.dtype(), args.x.device()) : Tensor();
             Tensor gt = wt ? core::make_tensor(args.x.sizes(), args.x.dtype(), args.x.device()) : Tensor();
             if (args.x.dtype() == kFloat64)
               bce_logits_backward<double>(args, grad, scale, wi ? &gi : nullptr, wt ? &gt : nullptr);
             else
               bce_logits_backward<float>(args, grad, scale, wi ? &gi : nullptr, wt ? &gt : nullptr);
             if (wt && tdtype != gt.dtype()) gt = gt.to(tdtype);
             return {gi, gt};
           });
  }
  return out;
}

}  // namespace functional

}  // namespace wick::nn
