#pragma once
// MaxPool2d and AvgPool2d, as torch.nn's (no ceil_mode; AvgPool2d counts
// padding in the divisor, PyTorch's default). The stride defaults to the
// kernel size. Options are a struct, as Conv2dOptions, so that
// MaxPool2d({2, 3}) is a 2x3 kernel and nothing else:
//   nn::MaxPool2d(2)                                  // 2x2, stride 2
//   nn::MaxPool2d(3, {.stride = 2, .padding = 1})
#include <optional>

#include "wick/nn/module.h"
#include "wick/nn/size2.h"

namespace wick::nn {

struct MaxPool2dOptions {
  std::optional<Size2> stride;  // nullopt: kernel_size
  Size2 padding = 0;            // reads -inf; at most half the kernel
  Size2 dilation = 1;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel_size, const MaxPool2dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Size2 kernel_size, stride, padding, dilation;
};

struct AvgPool2dOptions {
  std::optional<Size2> stride;  // nullopt: kernel_size
  Size2 padding = 0;            // zeros, counted in the divisor
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel_size, const AvgPool2dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Size2 kernel_size, stride, padding;
};

}  // namespace wick::nn
