#pragma once
// Transforms applied by the DataLoader to each batch of inputs (CPU tensors
// [N, C, H, W]; Normalize takes any [N, C, ...]). A transform is any callable
// Tensor(const Tensor&), so a lambda works too:
//   .transform = data::Compose({data::RandomCrop(32, 4), data::RandomHorizontalFlip(),
//                               data::Normalize({0.49, 0.48, 0.45}, {0.25, 0.24, 0.26})})
// The random ones draw one number per example from the global generator
// (manual_seed makes them repeatable). Each returns a new tensor.
#include <functional>
#include <vector>

#include "wick/tensor.h"

namespace wick::data {

using Transform = std::function<Tensor(const Tensor&)>;

// (x - mean[c]) / std[c] per channel (dim 1), as torchvision's Normalize.
// One value broadcasts to every channel. Input must be floating.
class Normalize {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std);
  Tensor operator()(const Tensor& x) const;

 private:
  std::vector<double> mean_, std_;
};

// torchvision's RandomCrop(size, padding, fill=...) as designated fields:
//   data::RandomCrop(32, {.padding = 4, .fill = {-1.99, -1.98, -1.71}})
struct RandomCropOptions {
  int64_t padding = 0;               // pixels added on every side
  std::vector<double> fill = {0.0};  // their value: one for all channels, or one per channel
};

// Pads each image (RandomCropOptions), then crops a random size x size (or
// height x width) window, one position per example. On a batch that is
// already normalized, black padding is fill = -mean / std per channel.
class RandomCrop {
 public:
  explicit RandomCrop(int64_t size, int64_t padding = 0) : RandomCrop(size, size, {.padding = padding}) {}
  RandomCrop(int64_t size, RandomCropOptions options) : RandomCrop(size, size, std::move(options)) {}
  RandomCrop(int64_t height, int64_t width, int64_t padding) : RandomCrop(height, width, {.padding = padding}) {}
  RandomCrop(int64_t height, int64_t width, RandomCropOptions options);
  Tensor operator()(const Tensor& x) const;

 private:
  int64_t height_, width_, padding_;
  std::vector<double> fill_;
};

// Mirrors each image left-right with probability p.
class RandomHorizontalFlip {
 public:
  explicit RandomHorizontalFlip(double p = 0.5);
  Tensor operator()(const Tensor& x) const;

 private:
  double p_;
};

// Applies the transforms in order.
class Compose {
 public:
  Compose(std::vector<Transform> transforms) : transforms_(std::move(transforms)) {}
  Tensor operator()(const Tensor& x) const;

 private:
  std::vector<Transform> transforms_;
};

}  // namespace wick::data
