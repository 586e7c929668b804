// nn::functional entries that forward to core ops. The rest live next to
// their layers (activation.cpp, dropout.cpp, batchnorm.cpp, layernorm.cpp).
#include "wick/nn/functional.h"

#include "wick/linalg.h"

namespace wick::nn::functional {

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  return wick::linear(input, weight, bias);
}

Tensor flatten(const Tensor& input, int64_t start_dim, int64_t end_dim) {
  return input.flatten(start_dim, end_dim);
}

}  // namespace wick::nn::functional
