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
constexpr double kSqrt2OverPi = 0.79788456080286535588;   // sqrt(2/pi)

// Exact GELU: x * Phi(x); its derivative Phi(x) + x * phi(x). One backend
// kernel each way (UnaryOp::GeluErf, BinaryOp::GeluErfBackward): float32
// evaluates Phi without the 1 + erf cancellation (backend/cpu/fast_math.h).
Tensor gelu_exact(const Tensor& x) {
  return detail::activation("gelu", "GeluBackward", x, backend::UnaryOp::GeluErf, 0, 0,
                            [](const Tensor& g, const Tensor& xv) {
                              return detail::fused_grad("gelu_backward", backend::BinaryOp::GeluErfBackward, g, xv);
                            });
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
