#pragma once
// AdaptiveAvgPool2d and AdaptiveMaxPool2d, as torch.nn's: the caller names
// the output size and the windows follow from the input's. Along a side of
// input size L and output size O, output i pools the input positions
// [floor(i L / O), ceil((i + 1) L / O)): windows may overlap and differ in
// size, and O > L repeats input positions. The classifier head of most CNNs:
//   nn::AdaptiveAvgPool2d(1)                    // global average: [N, C, 1, 1]
//   nn::AdaptiveAvgPool2d({7, 7})
//   nn::AdaptiveMaxPool2d({std::nullopt, 4})    // height kept, width pooled to 4
// Input [N, C, H, W] or [C, H, W]; H and W must be at least 1. An output
// size of 0 gives an empty output, as in PyTorch. The max sends each
// window's gradient to its first maximum, or to its last NaN (PyTorch's
// CPU rule; functional.h). Not offered: return_indices (and so
// MaxUnpool2d).
#include "wick/nn/module.h"
#include "wick/nn/output_size2.h"

namespace wick::nn {

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(OutputSize2 output_size);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  OutputSize2 output_size;
};

class AdaptiveMaxPool2d : public Module {
 public:
  explicit AdaptiveMaxPool2d(OutputSize2 output_size);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  OutputSize2 output_size;
};

}  // namespace wick::nn
