#pragma once
// Argument checks and the reduction step shared by the loss implementations.
#include "wick/nn/loss.h"

namespace wick::nn::loss_detail {

// Input defined and floating, target defined and on the input's device.
void check_input_target(const char* op, const Tensor& input, const Tensor& target);
// The above plus equal shapes; returns the target in the input's dtype.
Tensor check_same_shape(const char* op, const Tensor& input, const Tensor& target);
// Rejects BatchMean outside kl_div.
void check_reduction(const char* op, Reduction r);
// none: `loss` itself; mean: loss.mean(); sum: loss.sum().
Tensor apply_reduction(const Tensor& loss, Reduction r);
// An optional weight-like tensor (weight, pos_weight): on the input's device,
// floating, in the input's dtype, and broadcastable to `shape`.
Tensor check_weight(const char* op, const char* arg, const Tensor& weight, const Tensor& input, const Shape& shape);

}  // namespace wick::nn::loss_detail
