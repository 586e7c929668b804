// Regression losses (mse, l1, huber, smooth_l1), kl_div, the reduction
// argument, shared checks, and the loss modules. These compose public ops, so
// their gradients (input and target) come from autograd and they run on any
// device; the classification losses with fused kernels live in loss_bce.cpp
// and loss_cross_entropy.cpp.
#include <cstring>

#include "core/core.h"
#include "nn/loss_common.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/reduction.h"

namespace wick::nn {

// ---------------- Reduction ----------------

Reduction::Reduction(const char* name) {
  WICK_CHECK(name != nullptr, "reduction: expected one of \"none\", \"mean\", \"sum\", \"batchmean\", got a null string");
  if (std::strcmp(name, "none") == 0) kind = None;
  else if (std::strcmp(name, "mean") == 0) kind = Mean;
  else if (std::strcmp(name, "sum") == 0) kind = Sum;
  else if (std::strcmp(name, "batchmean") == 0) kind = BatchMean;
  else
    throw Error(wick::detail::concat("reduction: unknown value \"", name,
                               "\"; expected \"none\", \"mean\" or \"sum\" (or \"batchmean\" for kl_div)"));
}

const char* Reduction::str() const {
  switch (kind) {
    case None: return "none";
    case Mean: return "mean";
    case Sum: return "sum";
    case BatchMean: return "batchmean";
  }
  return "?";
}

// ---------------- shared checks ----------------

namespace loss_detail {

void check_input_target(const char* op, const Tensor& input, const Tensor& target) {
  core::check_defined(op, input, "input");
  core::check_defined(op, target, "target");
  core::check_same_device(op, input, target);
  core::check_floating(op, input, "input");
}

Tensor check_same_shape(const char* op, const Tensor& input, const Tensor& target) {
  check_input_target(op, input, target);
  // PyTorch broadcasts here with only a warning; [N,1] vs [N] silently turns
  // into an [N,N] loss. We refuse (see loss.h).
  WICK_CHECK(input.sizes() == target.sizes(), op, ": input and target must have the same shape, got input ",
             shape_str(input.sizes()), " and target ", shape_str(target.sizes()),
             "; reshape one (e.g. target.view_as(input) or input.squeeze(1)) — wick does not broadcast losses");
  return target.dtype() == input.dtype() ? target : target.to(input.dtype());
}

void check_reduction(const char* op, Reduction r) {
  WICK_CHECK(r.kind != Reduction::BatchMean, op, ": reduction \"batchmean\" is only for kl_div; use \"mean\", ",
             "\"sum\" or \"none\"");
}

Tensor apply_reduction(const Tensor& loss, Reduction r) {
  switch (r.kind) {
    case Reduction::None: return loss;
    case Reduction::Sum: return loss.sum();
    default: return loss.mean();
  }
}

Tensor check_weight(const char* op, const char* arg, const Tensor& weight, const Tensor& input, const Shape& shape) {
  if (!weight.defined()) return weight;
  if (weight.device() != input.device())
    throw Error(wick::detail::concat(op, ": ", arg, " is on ", weight.device().str(), " but input is on ",
                               input.device().str(), "; move the ", arg, " (or the loss module) with .to(device)"));
  core::check_floating(op, weight, arg);
  bool ok = weight.dim() <= static_cast<int64_t>(shape.size());
  for (int64_t i = 1; ok && i <= weight.dim(); ++i) {
    int64_t w = weight.size(-i), s = shape[shape.size() - i];
    ok = w == 1 || w == s;
  }
  WICK_CHECK(ok, op, ": ", arg, " of shape ", shape_str(weight.sizes()), " cannot be broadcast to the input's shape ",
             shape_str(shape));
  return weight.dtype() == input.dtype() ? weight : weight.to(input.dtype());
}

}  // namespace loss_detail

using namespace loss_detail;

// ---------------- regression losses ----------------

namespace functional {

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& o) {
  check_reduction("mse_loss", o.reduction);
  Tensor t = check_same_shape("mse_loss", input, target);
  return apply_reduction(square(input - t), o.reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& o) {
  check_reduction("l1_loss", o.reduction);
  Tensor t = check_same_shape("l1_loss", input, target);
  return apply_reduction(abs(input - t), o.reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossOptions& o) {
  check_reduction("huber_loss", o.reduction);
  WICK_CHECK(o.delta > 0, "huber_loss: delta must be positive, got ", o.delta);
  Tensor t = check_same_shape("huber_loss", input, target);
  Tensor d = input - t;
  Tensor ad = abs(d);
  // Both branches are finite everywhere, so where()'s gradient is exact.
  Tensor loss = where(ad.lt(o.delta), square(d) * 0.5, (ad - 0.5 * o.delta) * o.delta);
  return apply_reduction(loss, o.reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& o) {
  check_reduction("smooth_l1_loss", o.reduction);
  WICK_CHECK(o.beta >= 0, "smooth_l1_loss: beta must be non-negative, got ", o.beta);
  Tensor t = check_same_shape("smooth_l1_loss", input, target);
  Tensor d = input - t;
  Tensor ad = abs(d);
  // beta = 0 is exactly l1_loss, as in PyTorch (and avoids dividing by 0).
  if (o.beta == 0) return apply_reduction(ad, o.reduction);
  Tensor loss = where(ad.lt(o.beta), square(d) * (0.5 / o.beta), ad - 0.5 * o.beta);
  return apply_reduction(loss, o.reduction);
}

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivLossOptions& o) {
  Tensor t = check_same_shape("kl_div", input, target);
  Tensor loss;
  if (o.log_target) {
    loss = exp(t) * (t - input);
  } else {
    // xlogy(t, t) - t * input: 0 log 0 is 0. log() reads 1 where t == 0 so
    // that neither the value nor the gradient sees log(0).
    Tensor zero = t.eq(0.0);
    Tensor safe = where(zero, 1.0, t);
    loss = where(zero, 0.0, t * log(safe)) - t * input;
  }
  switch (o.reduction.kind) {
    case Reduction::None: return loss;
    case Reduction::Sum: return loss.sum();
    case Reduction::Mean: return loss.mean();
    case Reduction::BatchMean: return input.dim() == 0 ? loss.sum() : loss.sum() / static_cast<double>(input.size(0));
  }
  return loss;
}

}  // namespace functional

// ---------------- modules ----------------

Tensor Loss::forward(const Tensor&) {
  throw Error(name() + ": a loss is called with two tensors, loss(input, target)");
}

namespace {
std::string reduction_repr(Reduction r) { return std::string("reduction=") + r.str(); }
std::string num(double v) {
  std::string s = std::to_string(v);
  while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}
}  // namespace

#define WICK_SIMPLE_LOSS(Name, Options, fn, repr)                                                        \
  Name::Name(const Options& o) : options(o) {}                                                           \
  Tensor Name::forward(const Tensor& input, const Tensor& target) { return functional::fn(input, target, options); } \
  std::string Name::extra_repr() const { return repr; }

WICK_SIMPLE_LOSS(MSELoss, MSELossOptions, mse_loss, reduction_repr(options.reduction))
WICK_SIMPLE_LOSS(L1Loss, L1LossOptions, l1_loss, reduction_repr(options.reduction))
WICK_SIMPLE_LOSS(HuberLoss, HuberLossOptions, huber_loss,
                 reduction_repr(options.reduction) + ", delta=" + num(options.delta))
WICK_SIMPLE_LOSS(SmoothL1Loss, SmoothL1LossOptions, smooth_l1_loss,
                 reduction_repr(options.reduction) + ", beta=" + num(options.beta))
WICK_SIMPLE_LOSS(KLDivLoss, KLDivLossOptions, kl_div,
                 reduction_repr(options.reduction) + ", log_target=" + (options.log_target ? "True" : "False"))

// Weighted losses keep weight (and pos_weight) as buffers, as PyTorch's
// _WeightedLoss, so to(device) moves them and state_dict() lists them.
BCELoss::BCELoss(const BCELossOptions& o) : options(o) { register_buffer("weight", options.weight); }
Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy(input, target, options);
}
std::string BCELoss::extra_repr() const { return reduction_repr(options.reduction); }

BCEWithLogitsLoss::BCEWithLogitsLoss(const BCEWithLogitsLossOptions& o) : options(o) {
  register_buffer("weight", options.weight);
  register_buffer("pos_weight", options.pos_weight);
}
Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy_with_logits(input, target, options);
}
std::string BCEWithLogitsLoss::extra_repr() const { return reduction_repr(options.reduction); }

CrossEntropyLoss::CrossEntropyLoss(const CrossEntropyLossOptions& o) : options(o) {
  register_buffer("weight", options.weight);
}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::cross_entropy(input, target, options);
}
std::string CrossEntropyLoss::extra_repr() const {
  return "ignore_index=" + std::to_string(options.ignore_index) + ", " + reduction_repr(options.reduction) +
         ", label_smoothing=" + num(options.label_smoothing);
}

NLLLoss::NLLLoss(const NLLLossOptions& o) : options(o) { register_buffer("weight", options.weight); }
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) { return functional::nll_loss(input, target, options); }
std::string NLLLoss::extra_repr() const {
  return "ignore_index=" + std::to_string(options.ignore_index) + ", " + reduction_repr(options.reduction);
}

}  // namespace wick::nn
