// Layer normalization: functional::layer_norm and the LayerNorm layer.
// Composed from differentiable ops (mean, biased var), so autograd derives
// the gradient; it is not on the MLP benchmark's path.
#include "wick/nn/layernorm.h"

#include "nn/layers_common.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/nn/functional.h"
#include "wick/reduction.h"

namespace wick::nn {

namespace functional {

Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  core::check_defined("layer_norm", input);
  core::check_floating("layer_norm", input);
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  WICK_CHECK(k >= 1, "layer_norm: normalized_shape must have at least one dim");
  bool ok = input.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = input.size(input.dim() - k + i) == normalized_shape[i];
  WICK_CHECK(ok, "layer_norm: expected input with shape [*, ", shape_str(normalized_shape).substr(1),
             " (its last dims equal to normalized_shape), got ", input.describe());
  for (const Tensor* t : {&weight, &bias})
    if (t->defined()) {
      WICK_CHECK(t->sizes() == normalized_shape, "layer_norm: ", t == &weight ? "weight" : "bias",
                 " must have shape normalized_shape ", shape_str(normalized_shape), ", got ", t->describe());
      core::check_same_device("layer_norm", input, *t);
    }
  Shape dims;
  for (int64_t i = input.dim() - k; i < input.dim(); ++i) dims.push_back(i);
  Tensor mean = wick::mean(input, dims, true);
  Tensor centered = input - mean;
  Tensor var = wick::mean(centered * centered, dims, true);  // biased, as PyTorch
  Tensor y = centered * wick::reciprocal(wick::sqrt(var + eps));
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

}  // namespace functional

LayerNorm::LayerNorm(Shape shape, const LayerNormOptions& o)
    : normalized_shape(std::move(shape)), eps(o.eps), elementwise_affine(o.elementwise_affine) {
  WICK_CHECK(!normalized_shape.empty(), "LayerNorm: normalized_shape must have at least one dim");
  for (int64_t s : normalized_shape)
    WICK_CHECK(s > 0, "LayerNorm: normalized_shape must be positive, got ", shape_str(normalized_shape));
  if (elementwise_affine) {
    TensorOptions to{.dtype = o.dtype, .device = o.device};
    weight = ones(normalized_shape, to);
    bias = zeros(normalized_shape, to);
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }
}

void LayerNorm::reset_parameters() {
  if (!elementwise_affine) return;
  NoGradGuard g;
  weight.fill_(1);
  bias.zero_();
}

Tensor LayerNorm::forward(const Tensor& input) {
  return functional::layer_norm(input, normalized_shape, weight, bias, eps);
}

std::string LayerNorm::extra_repr() const {
  return detail::python_tuple(normalized_shape) + ", eps=" + detail::python_float(eps) +
         ", elementwise_affine=" + detail::python_bool(elementwise_affine);
}

}  // namespace wick::nn
