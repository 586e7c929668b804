// Dropout: functional::dropout and dropout2d, the nn::Dropout and
// nn::Dropout2d layers.
#include "wick/nn/dropout.h"

#include <algorithm>
#include <cmath>

#include "autograd/node.h"
#include "backend/cpu/philox_blocks.h"
#include "core/core.h"
#include "nn/layers_common.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/nn/functional.h"
#include "wick/random.h"

namespace wick::nn {

namespace {

// The mask in one pass on the host: each Philox block gives four 32-bit
// words, one per element (element i uses word i % 4 of block i / 4), so a
// batch costs n/4 blocks instead of the n that core's bernoulli draws. An
// element survives when its word >= p * 2^32 (probability 1 - p, to 2^-32).
// noise = mask / (1 - p) is both the output factor and the saved gradient.
// The words come 1024 at a time from philox_blocks (vectorized: 16 blocks
// per step), and the mask loop over them vectorizes too.
template <typename T>
void dropout_kernel(const T* x, T* out, T* noise, int64_t n, double p) {
  const uint64_t blocks = static_cast<uint64_t>((n + 3) / 4);
  const GeneratorState s = wick::detail::reserve_random(blocks);
  const uint64_t threshold = static_cast<uint64_t>(std::ceil(p * 4294967296.0));
  // p so close to 1 that p * 2^32 rounds up to 2^32: no word survives.
  const bool none = threshold > 0xFFFFFFFFu;
  const auto t32 = static_cast<uint32_t>(none ? 0 : threshold);
  const T scale = static_cast<T>(1.0 / (1.0 - p));
  constexpr int64_t kChunk = 1024;  // words (elements) per batch of blocks
  alignas(64) uint32_t w[kChunk];
  for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
    const int64_t len = std::min(kChunk, n - i0);
    backend::cpu::philox_blocks(s.seed, s.offset + static_cast<uint64_t>(i0 / 4), (len + 3) / 4, w);
    for (int64_t j = 0; j < len; ++j) {
      const T k = !none && w[j] >= t32 ? scale : T(0);
      noise[i0 + j] = k;
      out[i0 + j] = x[i0 + j] * k;
    }
  }
}

Tensor dropout_cpu(const Tensor& input, double p) {
  Tensor x = core::contiguous(input);
  Tensor out = core::make_tensor(x.sizes(), x.dtype(), x.device());
  Tensor noise = core::make_tensor(x.sizes(), x.dtype(), x.device());
  if (x.dtype() == kFloat64)
    dropout_kernel<double>(x.data_ptr<double>(), out.data_ptr<double>(), noise.data_ptr<double>(), x.numel(), p);
  else
    dropout_kernel<float>(x.data_ptr<float>(), out.data_ptr<float>(), noise.data_ptr<float>(), x.numel(), p);
  if (autograd::needs_grad(input))
    autograd::record("DropoutBackward", {&input}, {&out},
                     [noise](const autograd::TensorList& g) -> autograd::TensorList { return {g[0] * noise}; });
  return out;
}

}  // namespace

namespace functional {

Tensor dropout(const Tensor& input, double p, bool training) {
  core::check_defined("dropout", input);
  WICK_CHECK(p >= 0 && p <= 1, "dropout: probability has to be between 0 and 1, but got p=", p);
  // As PyTorch's CPU path: no copy, no draw, the input itself.
  if (!training || p == 0 || input.numel() == 0) return input;
  core::check_floating("dropout", input);
  // PyTorch multiplies by zero here, so NaN/inf inputs stay NaN.
  if (p == 1) return input * 0.0;
  if (input.is_cpu()) return dropout_cpu(input, p);
  // Other devices: noise = Bernoulli(1-p) / (1-p) through core, one draw per
  // element (a different stream from the host kernel's); gradient g * noise.
  Tensor noise = core::random(backend::RandomOp::Bernoulli, input.sizes(), input.dtype(), input.device(), 1.0 - p, 0);
  core::unary_into(backend::UnaryOp::MulScalar, noise, noise, 1.0 / (1.0 - p));
  return mul(input, noise);
}

Tensor dropout2d(const Tensor& input, double p, bool training) {
  core::check_defined("dropout2d", input);
  WICK_CHECK(p >= 0 && p <= 1, "dropout2d: probability has to be between 0 and 1, but got p=", p);
  WICK_CHECK(input.dim() == 3 || input.dim() == 4, "dropout2d: expected a 4-D input [N, C, H, W] (or 3-D, taken as ",
             "[N, C, L] as PyTorch 1.13 does), got ", input.describe(),
             "; for element-wise dropout use dropout");
  // As dropout (and PyTorch's feature dropout): the input itself.
  if (!training || p == 0 || input.numel() == 0) return input;
  core::check_floating("dropout2d", input);
  if (p == 1) return input * 0.0;
  // The channel mask is dropout's on a [N, C, 1, 1] tensor of ones: noise is
  // 0 or 1/(1-p), drawn with the same Philox rule, and the broadcast product
  // gives both the output and the gradient g * noise.
  Shape noise_shape(static_cast<size_t>(input.dim()), 1);
  noise_shape[0] = input.size(0);
  noise_shape[1] = input.size(1);
  Tensor noise = dropout(ones(noise_shape, {.dtype = input.dtype(), .device = input.device()}), p, true);
  return mul(input, noise);
}

}  // namespace functional

Dropout::Dropout(double p) : p(p) {
  WICK_CHECK(p >= 0 && p <= 1, "Dropout: probability has to be between 0 and 1, but got p=", p);
}

Tensor Dropout::forward(const Tensor& input) { return functional::dropout(input, p, is_training()); }

std::string Dropout::extra_repr() const { return "p=" + detail::python_float(p) + ", inplace=False"; }

Dropout2d::Dropout2d(double p) : p(p) {
  WICK_CHECK(p >= 0 && p <= 1, "Dropout2d: probability has to be between 0 and 1, but got p=", p);
}

Tensor Dropout2d::forward(const Tensor& input) { return functional::dropout2d(input, p, is_training()); }

std::string Dropout2d::extra_repr() const { return "p=" + detail::python_float(p) + ", inplace=False"; }

}  // namespace wick::nn
