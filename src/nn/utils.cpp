#include "wick/nn/utils.h"

#include <cmath>

#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/reduction.h"

namespace wick::nn::utils {

Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, const ClipGradNormOptions& o) {
  WICK_CHECK(max_norm >= 0, "clip_grad_norm_: max_norm must be non-negative, got ", max_norm);
  WICK_CHECK(o.norm_type > 0, "clip_grad_norm_: norm_type must be positive (or infinity), got ", o.norm_type);
  NoGradGuard g;
  const bool inf = std::isinf(o.norm_type);
  double total = 0;
  for (const Tensor& p : parameters) {
    Tensor gr = p.grad();
    if (!gr.defined() || gr.numel() == 0) continue;
    Tensor a = gr.abs().to(kFloat64);
    if (inf) total = std::max(total, max(a).item());
    else total += sum(pow(a, o.norm_type)).item();
  }
  if (!inf) total = std::pow(total, 1.0 / o.norm_type);
  WICK_CHECK(std::isfinite(total) || !o.error_if_nonfinite, "clip_grad_norm_: the total norm of order ", o.norm_type,
             " of the gradients is non-finite (", total, "), so it cannot be clipped; lower the learning rate, "
             "check the inputs for NaN/inf, or pass error_if_nonfinite=false");
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1)
    for (const Tensor& p : parameters) {
      Tensor gr = p.grad();
      if (gr.defined()) gr.mul_(coef);
    }
  return full({}, total, {.dtype = kFloat64});
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  WICK_CHECK(clip_value >= 0, "clip_grad_value_: clip_value must be non-negative, got ", clip_value);
  NoGradGuard g;
  for (const Tensor& p : parameters) {
    Tensor gr = p.grad();
    if (gr.defined()) gr.clamp_(-clip_value, clip_value);
  }
}

}  // namespace wick::nn::utils
