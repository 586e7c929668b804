#pragma once
// Internal: the adaptive pools (nn/adaptive_pooling.cpp) run a direct kernel
// on CPU tensors and a composed path (gathered windows, reduced by public
// differentiable ops) on every other device. This guard sends CPU tensors
// down the composed path on the calling thread for its lifetime, so the
// tests can hold that path to PyTorch's values without a GPU. Not public
// API.
namespace wick::nn::detail {

class ForceComposedAdaptivePool {
 public:
  ForceComposedAdaptivePool();
  ~ForceComposedAdaptivePool();
  ForceComposedAdaptivePool(const ForceComposedAdaptivePool&) = delete;
  ForceComposedAdaptivePool& operator=(const ForceComposedAdaptivePool&) = delete;

 private:
  bool saved_;
};

}  // namespace wick::nn::detail
