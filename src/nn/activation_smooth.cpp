// The smooth activations SiLU, ELU, Softplus and Mish: nn::functional forms
// and their layers (nn/activation.h).
//
// Each is one backend kernel forward (backend::UnaryOp::Silu, ...) and one
// backward (BinaryOp::SiluBackward, ... on the saved input; ELU and Softplus,
// whose backward needs their scalars, which binary() cannot carry: grad *
// UnaryOp::EluDerivative / SoftplusDerivative), as exact GELU (activation.cpp),
// not a composition of tensor ops. Why: a composition such as softplus =
// log1p(exp(x)) overflows to inf, and its autograd gradient to NaN, for
// large x, and PyTorch's threshold branch of softplus is a per-element
// choice that where() would evaluate on both sides (inf * 0 = NaN in the
// gradient). The kernels (backend/cpu/fast_math.h, backend/cuda) are written
// so that no intermediate overflows into inf/inf or inf * 0; branch
// conditions compare in the tensor's own dtype, so a float32 input takes the
// same branch as PyTorch's float32 kernel. Float64 runs libm; float32 fast
// polynomial forms, a few ulps from the correctly rounded result.
#include <cmath>

#include "core/core.h"
#include "nn/layers_common.h"
#include "wick/elementwise.h"
#include "wick/nn/activation.h"
#include "wick/nn/functional.h"

namespace wick::nn {

using backend::BinaryOp;
using backend::UnaryOp;

namespace functional {

Tensor silu(const Tensor& input) {
  // x * sigmoid(x); derivative s (1 + x (1 - s)). At x = -1e4, s = 0 and
  // both are -0; at x = 1e4, s = 1 and they are x and 1.
  return detail::activation("silu", "SiluBackward", input, UnaryOp::Silu, 0, 0,
                            [](const Tensor& g, const Tensor& x) {
                              return detail::fused_grad("silu_backward", BinaryOp::SiluBackward, g, x);
                            });
}

Tensor elu(const Tensor& input, double alpha) {
  // PyTorch tests x <= 0 (so the gradient at 0 is alpha, and a NaN input
  // takes the x branch); expm1 keeps alpha (e^x - 1) accurate near 0.
  return detail::activation("elu", "EluBackward", input, UnaryOp::Elu, alpha, 0,
                            [alpha](const Tensor& g, const Tensor& x) {
                              return g * core::unary(UnaryOp::EluDerivative, x, alpha);
                            });
}

Tensor softplus(const Tensor& input, double beta, double threshold) {
  WICK_CHECK(beta != 0 && std::isfinite(beta), "softplus: beta must be a finite nonzero number (it divides the ",
             "result), got beta=", beta, "; beta=1 is the usual softplus");
  // PyTorch's rule: x where beta * x > threshold, else log(1 + e^(beta x)) / beta,
  // with beta, threshold and their product in the input's dtype. The log form
  // is the stable one, so a threshold beyond exp's range (PyTorch gives inf
  // there) still gives finite values and a gradient in [0, 1]: sigmoid(beta x)
  // below the threshold, 1 above it.
  return detail::activation("softplus", "SoftplusBackward", input, UnaryOp::Softplus, beta, threshold,
                            [beta, threshold](const Tensor& g, const Tensor& x) {
                              return g * core::unary(UnaryOp::SoftplusDerivative, x, beta, threshold);
                            });
}

Tensor mish(const Tensor& input) {
  // x tanh(sp), sp = softplus(x) (PyTorch's mish has no threshold). The
  // derivative t + x sigmoid(x) sech^2(sp): sech^2 = 1 / cosh^2 rather than
  // 1 - t^2, which loses every digit once t rounds to 1.
  return detail::activation("mish", "MishBackward", input, UnaryOp::Mish, 0, 0,
                            [](const Tensor& g, const Tensor& x) {
                              return detail::fused_grad("mish_backward", BinaryOp::MishBackward, g, x);
                            });
}

}  // namespace functional

Tensor SiLU::forward(const Tensor& input) { return functional::silu(input); }

Tensor ELU::forward(const Tensor& input) { return functional::elu(input, alpha); }
std::string ELU::extra_repr() const { return "alpha=" + detail::python_float(alpha); }

namespace {
// PyTorch prints Softplus's options as the Python numbers given, and its
// defaults are the ints 1 and 20 ("Softplus(beta=1, threshold=20)"). C++
// cannot tell 1 from 1.0, so whole numbers print as ints, others as floats.
std::string python_number(double v) {
  if (std::isfinite(v) && v == std::trunc(v) && std::abs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  return detail::python_float(v);
}
}  // namespace

Softplus::Softplus(const SoftplusOptions& options) : beta(options.beta), threshold(options.threshold) {
  WICK_CHECK(beta != 0 && std::isfinite(beta), "Softplus: beta must be a finite nonzero number (it divides the ",
             "result), got beta=", beta, "; beta=1 is the usual softplus");
}
Tensor Softplus::forward(const Tensor& input) { return functional::softplus(input, beta, threshold); }
std::string Softplus::extra_repr() const {
  return "beta=" + python_number(beta) + ", threshold=" + python_number(threshold);
}

Tensor Mish::forward(const Tensor& input) { return functional::mish(input); }

}  // namespace wick::nn
