// Dropout: functional::dropout and the nn::Dropout layer.
#include "wick/nn/dropout.h"

#include "core/core.h"
#include "nn/layers_common.h"
#include "wick/elementwise.h"
#include "wick/nn/functional.h"

namespace wick::nn {

namespace functional {

Tensor dropout(const Tensor& input, double p, bool training) {
  core::check_defined("dropout", input);
  WICK_CHECK(p >= 0 && p <= 1, "dropout: probability has to be between 0 and 1, but got p=", p);
  // As PyTorch's CPU path: no copy, no draw, the input itself.
  if (!training || p == 0 || input.numel() == 0) return input;
  core::check_floating("dropout", input);
  // PyTorch multiplies by zero here, so NaN/inf inputs stay NaN.
  if (p == 1) return input * 0.0;
  // noise = Bernoulli(1-p) / (1-p), one draw per element from the global
  // generator; the product's gradient is g * noise.
  Tensor noise = core::random(backend::RandomOp::Bernoulli, input.sizes(), input.dtype(), input.device(), 1.0 - p, 0);
  core::unary_into(backend::UnaryOp::MulScalar, noise, noise, 1.0 / (1.0 - p));
  return mul(input, noise);
}

}  // namespace functional

Dropout::Dropout(double p) : p(p) {
  WICK_CHECK(p >= 0 && p <= 1, "Dropout: probability has to be between 0 and 1, but got p=", p);
}

Tensor Dropout::forward(const Tensor& input) { return functional::dropout(input, p, is_training()); }

std::string Dropout::extra_repr() const { return "p=" + detail::python_float(p) + ", inplace=False"; }

}  // namespace wick::nn
