#pragma once
// MaxPool2d and AvgPool2d, as torch.nn's. The stride defaults to the kernel
// size. Options are a struct, as Conv2dOptions, so that MaxPool2d({2, 3})
// is a 2x3 kernel and nothing else:
//   nn::MaxPool2d(2)                                  // 2x2, stride 2
//   nn::MaxPool2d(3, {.stride = 2, .padding = 1, .ceil_mode = true})
//   nn::AvgPool2d(3, {.stride = 1, .padding = 1, .count_include_pad = false})
// Not offered: return_indices (and so MaxUnpool2d). The adaptive pools (an
// output size given, the windows derived from it) are in adaptive_pooling.h.
#include <cstdint>
#include <optional>

#include "wick/nn/module.h"
#include "wick/nn/size2.h"

namespace wick::nn {

struct MaxPool2dOptions {
  std::optional<Size2> stride;  // nullopt: kernel_size
  Size2 padding = 0;            // reads -inf; at most half the kernel
  Size2 dilation = 1;
  // Round the output size up: the last window may hang over the bottom or
  // right edge (it must still start inside the input or the left padding).
  bool ceil_mode = false;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel_size, const MaxPool2dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Size2 kernel_size, stride, padding, dilation;
  bool ceil_mode;
};

struct AvgPool2dOptions {
  std::optional<Size2> stride;  // nullopt: kernel_size
  Size2 padding = 0;            // zeros; at most half the kernel
  bool ceil_mode = false;       // as MaxPool2dOptions::ceil_mode
  // Divide by the whole window, padding included (PyTorch's default), or
  // only by the input pixels it covers. Positions past the padded input
  // (ceil_mode) never count.
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override;  // divide every window by this instead (not 0)
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel_size, const AvgPool2dOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Size2 kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
  std::optional<int64_t> divisor_override;
};

}  // namespace wick::nn
