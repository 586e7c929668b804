#pragma once
// nn::functional: the layers as plain functions, as torch.nn.functional.
// Layers (activation.h, dropout.h, batchnorm.h, layernorm.h) call these; the
// losses live in nn/loss.h, in the same namespace.
#include <optional>
#include <string>

#include "wick/tensor.h"

namespace wick::nn::functional {

// ---- activations ----
Tensor relu(const Tensor& input);
// x if x > 0 else negative_slope * x.
Tensor leaky_relu(const Tensor& input, double negative_slope = 0.01);
// approximate = "none": x * Phi(x) with the exact erf; "tanh": PyTorch's
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
Tensor gelu(const Tensor& input, const std::string& approximate = "none");
Tensor sigmoid(const Tensor& input);
Tensor tanh(const Tensor& input);
Tensor softmax(const Tensor& input, int64_t dim);
Tensor log_softmax(const Tensor& input, int64_t dim);

// ---- regularization ----
// In training: zeroes each element with probability p (mask from wick's
// global generator, so manual_seed repeats it) and scales survivors by
// 1/(1-p). Not training, or p == 0: returns `input` itself. p == 1: zeros.
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);

// ---- normalization ----
// Input [N, C] or [N, C, *]. training: normalizes with the batch's statistics
// (biased variance) and, when running_mean/running_var are defined, updates
// them in place: running = (1 - momentum) * running + momentum * batch, with
// the unbiased variance for running_var. Not training: uses the running
// statistics. weight/bias ([C]) may be undefined (affine=False).
// Forward and backward are one fused op each (one pass for the statistics).
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5);
// Normalizes over the last normalized_shape.size() dims, which must equal
// normalized_shape; weight/bias have normalized_shape (or are undefined).
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

// ---- shape and linear ----
// bias + input @ weight.t() (wick::linear).
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());
// As torch.flatten: dims start_dim..end_dim merged into one.
Tensor flatten(const Tensor& input, int64_t start_dim = 0, int64_t end_dim = -1);

}  // namespace wick::nn::functional
