#pragma once
// nn::functional: the layers as plain functions, as torch.nn.functional.
// Layers (activation.h, dropout.h, batchnorm.h, layernorm.h) call these; the
// losses live in nn/loss.h, in the same namespace.
#include <optional>
#include <string>

#include "wick/nn/output_size2.h"
#include "wick/nn/padding2.h"
#include "wick/nn/size2.h"
#include "wick/tensor.h"

namespace wick::nn::functional {

// ---- activations ----
Tensor relu(const Tensor& input);
// x if x > 0 else negative_slope * x.
Tensor leaky_relu(const Tensor& input, double negative_slope = 0.01);
// approximate = "none": x * Phi(x) with the exact erf; "tanh": PyTorch's
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
Tensor gelu(const Tensor& input, const std::string& approximate = "none");
// x * sigmoid(x).
Tensor silu(const Tensor& input);
// x if x > 0 else alpha * (exp(x) - 1); the gradient at 0 is alpha (PyTorch).
Tensor elu(const Tensor& input, double alpha = 1.0);
// log(1 + exp(beta x)) / beta, or x where beta * x > threshold (compared in
// the input's dtype, as PyTorch). beta must be nonzero.
Tensor softplus(const Tensor& input, double beta = 1.0, double threshold = 20.0);
// x * tanh(softplus(x)). silu, elu, softplus and mish give finite values and
// finite gradients for every finite input (no inf/inf at |x| = 1e4).
Tensor mish(const Tensor& input);
Tensor sigmoid(const Tensor& input);
Tensor tanh(const Tensor& input);
Tensor softmax(const Tensor& input, int64_t dim);
Tensor log_softmax(const Tensor& input, int64_t dim);

// ---- regularization ----
// In training: zeroes each element with probability p (mask from wick's
// global generator, so manual_seed repeats it) and scales survivors by
// 1/(1-p). Not training, or p == 0: returns `input` itself. p == 1: zeros.
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);
// Channel dropout, as torch.nn.functional.dropout2d in PyTorch 1.13: one
// keep/drop draw per (dim 0, dim 1) pair, applied to the whole slice
// input[i, j], survivors scaled by 1/(1-p). Input [N, C, H, W]; a 3-D input
// is taken as [N, C, L], as PyTorch 1.13 does (not as an unbatched
// [C, H, W]: nn/dropout.h). Other ranks are an error. Not training, or
// p == 0: returns `input` itself; p == 1: zeros.
Tensor dropout2d(const Tensor& input, double p = 0.5, bool training = true);

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

// ---- convolution and pooling (input [N, C, H, W], or [C, H, W] unbatched) ----
// The sliding windows ("im2col") as torch.nn.functional.unfold: [N, C*kh*kw, L]
// with L = out_h * out_w windows, each column one window's values in
// (channel, row, column) order; padding reads zeros. Differentiable (its
// backward adds overlapping windows back, as fold does).
Tensor unfold(const Tensor& input, Size2 kernel_size, Size2 dilation = 1, Size2 padding = 0, Size2 stride = 1);
// Cross-correlation, as torch.nn.functional.conv2d: weight
// [out_channels, in_channels / groups, kh, kw], bias [out_channels] or
// undefined. groups splits the input channels and the output channels into
// that many equal parts, each output part seeing only its input part (both
// channel counts must divide by groups; groups == in_channels is a depthwise
// convolution). padding: numbers, "valid" (none) or "same" (stride 1 only;
// output H x W, an odd total padding puts its extra row/column at the
// bottom/right, as PyTorch; nn/padding2.h).
// out_h = (H + 2 padding - dilation (kh - 1) - 1) / stride + 1, likewise out_w.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), Size2 stride = 1,
              Padding2 padding = 0, Size2 dilation = 1, int64_t groups = 1);
// Each window's maximum; stride defaults to kernel_size, padding reads -inf
// and may be at most half the kernel (PyTorch's rule). The gradient goes to
// the first maximum of each window. ceil_mode rounds the output size up
// (pooling.h); return_indices is not offered.
Tensor max_pool2d(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride = std::nullopt,
                  Size2 padding = 0, Size2 dilation = 1, bool ceil_mode = false);
// Each window's mean. The divisor, as PyTorch's: the window clipped to the
// padded input (count_include_pad, the default) or to the input alone, or
// divisor_override (nonzero) for every window. Arguments in PyTorch's order.
Tensor avg_pool2d(const Tensor& input, Size2 kernel_size, std::optional<Size2> stride = std::nullopt,
                  Size2 padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
// The adaptive pools (nn/adaptive_pooling.h): output_size fixes the output's
// H x W (a side std::nullopt keeps the input's), and output i of a side of
// input size L and output size O pools [floor(i L / O), ceil((i + 1) L / O)).
// The average of a 1 x 1 output is the plain mean over H and W, as PyTorch
// computes it. The max sends each window's gradient to its first maximum in
// (row, column) order, or to its last NaN, as PyTorch's CPU kernel; off the
// CPU a window with two NaNs sends it to the first NaN instead.
Tensor adaptive_avg_pool2d(const Tensor& input, OutputSize2 output_size);
Tensor adaptive_max_pool2d(const Tensor& input, OutputSize2 output_size);

}  // namespace wick::nn::functional
