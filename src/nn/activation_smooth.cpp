// The smooth activations SiLU, ELU, Softplus and Mish: nn::functional forms
// and their layers (nn/activation.h).
//
// Implemented as exact GELU is (activation.cpp): a host loop for the forward
// and a hand-written derivative for the backward, not a composition of
// tensor ops. Why: a composition such as softplus = log1p(exp(x)) overflows
// to inf, and its autograd gradient to NaN, for large x, and PyTorch's
// threshold branch of softplus is a per-element choice that where() would
// evaluate on both sides (inf * 0 = NaN in the gradient). Each formula below
// is written so that no intermediate overflows into inf/inf or inf * 0.
// The math runs in double; branch conditions compare in the tensor's own
// dtype, so a float32 input takes the same branch as PyTorch's float32
// kernel. Like GELU these are not fused kernels: a CUDA tensor goes through
// the host (detail::host_map's rule), which a device kernel can replace later.
#include <cmath>
#include <type_traits>

#include "autograd/node.h"
#include "core/core.h"
#include "nn/layers_common.h"
#include "wick/elementwise.h"
#include "wick/nn/activation.h"
#include "wick/nn/functional.h"

namespace wick::nn {

namespace {

// y = f(x) with gradient g * df(x), df evaluated on the saved input.
template <typename F, typename DF>
Tensor unary_op(const char* op, const char* node, const Tensor& x, F f, DF df) {
  core::check_defined(op, x);
  core::check_floating(op, x);
  Tensor y = detail::host_map(x, f);
  if (autograd::needs_grad(x))
    autograd::record(node, {&x}, {&y},
                     [node, df, sx = autograd::SavedTensor(x, false)](const autograd::TensorList& g)
                         -> autograd::TensorList { return {g[0] * detail::host_map(sx.get(node), df)}; });
  return y;
}

// 1 / (1 + e^-v): e^-v is inf for v << 0, giving 0, never inf/inf.
double sigmoid_of(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// log(1 + e^v) = max(v, 0) + log1p(e^-|v|): e^-|v| <= 1 never overflows.
double softplus_of(double v) { return std::max(v, 0.0) + std::log1p(std::exp(-std::abs(v))); }

}  // namespace

namespace functional {

Tensor silu(const Tensor& input) {
  // x * sigmoid(x); derivative s (1 + x (1 - s)). At x = -1e4, s = 0 and
  // both are -0; at x = 1e4, s = 1 and they are x and 1.
  return unary_op(
      "silu", "SiluBackward", input, [](auto v) { return static_cast<double>(v) * sigmoid_of(v); },
      [](auto v) {
        const double x = v, s = sigmoid_of(x);
        return s * (1.0 + x * (1.0 - s));
      });
}

Tensor elu(const Tensor& input, double alpha) {
  // PyTorch tests x <= 0 (so the gradient at 0 is alpha, and a NaN input
  // takes the x branch); expm1 keeps alpha (e^x - 1) accurate near 0.
  return unary_op(
      "elu", "EluBackward", input,
      [alpha](auto v) { return v <= 0 ? alpha * std::expm1(static_cast<double>(v)) : static_cast<double>(v); },
      [alpha](auto v) { return v <= 0 ? alpha * std::exp(static_cast<double>(v)) : 1.0; });
}

Tensor softplus(const Tensor& input, double beta, double threshold) {
  WICK_CHECK(beta != 0 && std::isfinite(beta), "softplus: beta must be a finite nonzero number (it divides the ",
             "result), got beta=", beta, "; beta=1 is the usual softplus");
  // PyTorch's rule: x where beta * x > threshold, else log(1 + e^(beta x)) / beta,
  // with beta, threshold and their product in the input's dtype. The log form
  // is the stable one, so a threshold beyond exp's range (PyTorch gives inf
  // there) still gives finite values and a gradient in [0, 1].
  auto forward = [beta, threshold](auto v) {
    using T = decltype(v);
    const T bx = v * static_cast<T>(beta);
    if (bx > static_cast<T>(threshold)) return static_cast<double>(v);
    return softplus_of(bx) / static_cast<double>(static_cast<T>(beta));
  };
  // d/dx = sigmoid(beta x) below the threshold, 1 above it.
  auto derivative = [beta, threshold](auto v) {
    using T = decltype(v);
    const T bx = v * static_cast<T>(beta);
    return bx > static_cast<T>(threshold) ? 1.0 : sigmoid_of(bx);
  };
  return unary_op("softplus", "SoftplusBackward", input, forward, derivative);
}

Tensor mish(const Tensor& input) {
  // x tanh(sp), sp = softplus(x) (PyTorch's mish has no threshold). The
  // derivative t + x sigmoid(x) sech^2(sp): sech^2 = 1 / cosh^2 rather than
  // 1 - t^2, which loses every digit once t rounds to 1.
  return unary_op(
      "mish", "MishBackward", input, [](auto v) { return static_cast<double>(v) * std::tanh(softplus_of(v)); },
      [](auto v) {
        const double x = v, sp = softplus_of(x), c = std::cosh(sp);
        return std::tanh(sp) + x * sigmoid_of(x) / (c * c);
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
