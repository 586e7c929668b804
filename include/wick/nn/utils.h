#pragma once
// Gradient clipping, as torch.nn.utils: call between backward() and step().
#include <limits>
#include <vector>

#include "wick/tensor.h"

namespace wick::nn::utils {

struct ClipGradNormOptions {
  double norm_type = 2.0;  // p of the p-norm; infinity for the max-abs norm
  bool error_if_nonfinite = false;
};

// Scales all gradients together so that their joint norm is at most
// max_norm (scale max_norm / (norm + 1e-6), as PyTorch). Returns the norm
// before clipping as a 0-d float64 tensor. Parameters without a gradient are
// skipped. error_if_nonfinite: a NaN/inf norm is an error instead of
// silently scaling every gradient to NaN.
Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, const ClipGradNormOptions& options = {});
// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);

}  // namespace wick::nn::utils
