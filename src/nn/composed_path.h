#pragma once
// Internal: the layers with their own CPU kernels (Conv2d's im2col/oneDNN,
// the adaptive pools) run a composed path of public differentiable ops on
// every other device. This guard sends CPU tensors down those composed paths
// on the calling thread for its lifetime, so the tests can hold them to
// PyTorch's values without a GPU. Not public API.
namespace wick::nn::detail {

inline thread_local bool t_force_composed = false;

class ForceComposedPath {
 public:
  ForceComposedPath() : saved_(t_force_composed) { t_force_composed = true; }
  ~ForceComposedPath() { t_force_composed = saved_; }
  ForceComposedPath(const ForceComposedPath&) = delete;
  ForceComposedPath& operator=(const ForceComposedPath&) = delete;

 private:
  bool saved_;
};

}  // namespace wick::nn::detail
