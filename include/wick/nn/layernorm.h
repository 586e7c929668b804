#pragma once
// LayerNorm, as torch.nn.LayerNorm: normalizes each sample over its last
// dims (normalized_shape) with the biased variance, then scales and shifts
// elementwise.
#include "wick/nn/module.h"

namespace wick::nn {

struct LayerNormOptions {
  double eps = 1e-5;
  bool elementwise_affine = true;
  Device device = Device::cpu();
  DType dtype = kFloat32;
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, const LayerNormOptions& options = {});
  explicit LayerNorm(int64_t normalized_size, const LayerNormOptions& options = {})
      : LayerNorm(Shape{normalized_size}, options) {}
  LayerNorm(const LayerNorm&) = default;
  LayerNorm(LayerNorm&&) noexcept = default;
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "(64,), eps=1e-05, elementwise_affine=True"
  void reset_parameters();

  Shape normalized_shape;
  double eps;
  bool elementwise_affine;
  Tensor weight, bias;
};

}  // namespace wick::nn
