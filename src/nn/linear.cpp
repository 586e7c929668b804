#include "wick/nn/linear.h"

#include <cmath>

#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/linalg.h"

namespace wick::nn {

Linear::Linear(int64_t in, int64_t out, const LinearOptions& o) : in_features(in), out_features(out) {
  WICK_CHECK(in > 0 && out > 0, "Linear: in_features and out_features must be positive, got ", in, " and ", out);
  weight = empty({out, in}, {.dtype = o.dtype, .device = o.device});
  register_parameter("weight", weight);
  if (o.bias) {
    bias = empty({out}, {.dtype = o.dtype, .device = o.device});
    register_parameter("bias", bias);
  }
  reset_parameters();
}

void Linear::reset_parameters() {
  // PyTorch: kaiming_uniform_(a=sqrt(5)) on W gives bound 1/sqrt(fan_in),
  // and the bias uses the same bound.
  NoGradGuard g;
  double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  weight.copy_(rand(weight.sizes(), {.dtype = weight.dtype(), .device = weight.device()}) * (2 * bound) - bound);
  if (bias.defined()) bias.copy_(rand(bias.sizes(), {.dtype = bias.dtype(), .device = bias.device()}) * (2 * bound) - bound);
}

Tensor Linear::forward(const Tensor& input) {
  WICK_CHECK(input.defined() && input.dim() >= 1 && input.size(-1) == in_features, "Linear(in_features=", in_features,
             ", out_features=", out_features, "): expected input with ", in_features, " features in the last dim, got ",
             input.describe(), input.dim() >= 2 && input.size(-1) != in_features ? "; a Flatten() before it?" : "");
  return linear(input, weight, bias);
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + (bias.defined() ? "True" : "False");
}

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

}  // namespace wick::nn
