#pragma once
// Conv2d: the 2-D convolution layer, as torch.nn.Conv2d (zero padding only:
// padding_mode other than "zeros" is not offered).
#include "wick/nn/module.h"
#include "wick/nn/padding2.h"
#include "wick/nn/size2.h"

namespace wick::nn {

struct Conv2dOptions {
  Size2 stride = 1;
  // Zeros: numbers on each side, or "same" / "valid" (nn/padding2.h):
  // `.padding = 1`, `.padding = {1, 2}`, `.padding = "same"`.
  Padding2 padding = 0;
  Size2 dilation = 1;
  // in_channels and out_channels must both divide by groups (depthwise:
  // groups = in_channels).
  int64_t groups = 1;
  bool bias = true;
  Device device = Device::cpu();  // create the parameters directly there
  DType dtype = kFloat32;
};

// weight [out_channels, in_channels / groups, kh, kw] and bias
// [out_channels], the layout and names of PyTorch's state_dict, with its
// default init: both ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
// fan_in = (in_channels / groups) * kh * kw.
// Input [N, in_channels, H, W] (or [in_channels, H, W]); output
// [N, out_channels, out_h, out_w] (functional::conv2d gives the sizes).
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, const Conv2dOptions& options = {});
  Conv2d(const Conv2d&) = default;
  Conv2d(Conv2d&&) noexcept = default;
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels;
  Size2 kernel_size, stride;
  Padding2 padding;
  Size2 dilation;
  int64_t groups;
  Tensor weight, bias;
};

}  // namespace wick::nn
