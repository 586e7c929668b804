// Activation functions (nn::functional) and their layers (nn/activation.h).
#include "wick/nn/activation.h"

#include <cmath>

#include "autograd/node.h"
#include "nn/layers_common.h"
#include "wick/elementwise.h"
#include "wick/nn/functional.h"
#include "wick/reduction.h"

namespace wick::nn {

namespace functional {

Tensor relu(const Tensor& input) { return wick::relu(input); }
Tensor sigmoid(const Tensor& input) { return wick::sigmoid(input); }
Tensor tanh(const Tensor& input) { return wick::tanh(input); }
Tensor softmax(const Tensor& input, int64_t dim) { return wick::softmax(input, dim); }
Tensor log_softmax(const Tensor& input, int64_t dim) { return wick::log_softmax(input, dim); }

Tensor leaky_relu(const Tensor& input, double negative_slope) {
  core::check_defined("leaky_relu", input);
  core::check_floating("leaky_relu", input);
  // where() routes the gradient: 1 where x > 0, negative_slope elsewhere
  // (x == 0 included, as PyTorch).
  return where(input.gt(0.0), input, input * negative_slope);
}

namespace {
constexpr double kSqrt1_2 = 0.70710678118654752440;       // 1/sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;    // 1/sqrt(2 pi)
constexpr double kSqrt2OverPi = 0.79788456080286535588;   // sqrt(2/pi)

// Exact GELU: x * Phi(x); its derivative Phi(x) + x * phi(x). The backend has
// no erf kernel, so both run as host loops (fine: GELU is not on the MLP
// benchmark's path; a fused kernel can replace host_map later).
Tensor gelu_exact(const Tensor& x) {
  Tensor y = detail::host_map(x, [](double v) { return 0.5 * v * (1.0 + std::erf(v * kSqrt1_2)); });
  if (autograd::needs_grad(x))
    autograd::record("GeluBackward", {&x}, {&y},
                     [sx = autograd::SavedTensor(x, false)](const autograd::TensorList& g) -> autograd::TensorList {
                       Tensor xv = sx.get("GeluBackward");
                       Tensor d = detail::host_map(xv, [](double v) {
                         return 0.5 * (1.0 + std::erf(v * kSqrt1_2)) + v * kInvSqrt2Pi * std::exp(-0.5 * v * v);
                       });
                       return {g[0] * d};
                     });
  return y;
}
}  // namespace

Tensor gelu(const Tensor& input, const std::string& approximate) {
  core::check_defined("gelu", input);
  core::check_floating("gelu", input);
  if (approximate == "none") return gelu_exact(input);
  WICK_CHECK(approximate == "tanh", "gelu: approximate must be \"none\" or \"tanh\", got \"", approximate, "\"");
  // PyTorch's tanh form, composed so autograd derives its gradient.
  Tensor inner = (input + input * input * input * 0.044715) * kSqrt2OverPi;
  return input * 0.5 * (wick::tanh(inner) + 1.0);
}

}  // namespace functional

Tensor ReLU::forward(const Tensor& input) { return functional::relu(input); }
Tensor LeakyReLU::forward(const Tensor& input) { return functional::leaky_relu(input, negative_slope); }
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + detail::python_float(negative_slope); }

GELU::GELU(const GELUOptions& options) : approximate(options.approximate) {
  WICK_CHECK(approximate == "none" || approximate == "tanh", "GELU: approximate must be \"none\" or \"tanh\", got \"",
             approximate, "\"");
}
Tensor GELU::forward(const Tensor& input) { return functional::gelu(input, approximate); }
std::string GELU::extra_repr() const { return "approximate='" + approximate + "'"; }

Tensor Sigmoid::forward(const Tensor& input) { return functional::sigmoid(input); }
Tensor Tanh::forward(const Tensor& input) { return functional::tanh(input); }

Tensor Softmax::forward(const Tensor& input) { return functional::softmax(input, dim); }
std::string Softmax::extra_repr() const { return "dim=" + std::to_string(dim); }
Tensor LogSoftmax::forward(const Tensor& input) { return functional::log_softmax(input, dim); }
std::string LogSoftmax::extra_repr() const { return "dim=" + std::to_string(dim); }

}  // namespace wick::nn
