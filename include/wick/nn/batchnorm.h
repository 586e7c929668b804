#pragma once
// BatchNorm1d and BatchNorm2d, as torch.nn's, for [N, C] / [N, C, L] and
// [N, C, H, W] inputs (the same per-channel statistics over every other dim).
//
// Training: normalizes with the batch's mean and biased variance, and updates
// running_mean / running_var (the latter with the unbiased variance) and
// num_batches_tracked. Eval: normalizes with the running statistics. Names
// (weight, bias, running_mean, running_var, num_batches_tracked) follow
// PyTorch, so state_dicts move between the two unchanged.
#include <optional>

#include "wick/nn/module.h"

namespace wick::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  // nullopt: a cumulative moving average (momentum 1/num_batches_tracked).
  std::optional<double> momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
  Device device = Device::cpu();
  DType dtype = kFloat32;
};

class BatchNorm1d : public Module {
 public:
  explicit BatchNorm1d(int64_t num_features, const BatchNormOptions& options = {});
  BatchNorm1d(const BatchNorm1d&) = default;
  BatchNorm1d(BatchNorm1d&&) noexcept = default;
  Tensor forward(const Tensor& input) override;
  // "784, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True"
  std::string extra_repr() const override;
  // Running statistics back to mean 0, variance 1, 0 batches.
  void reset_running_stats();
  // The above, and weight = 1, bias = 0.
  void reset_parameters();

  int64_t num_features;
  double eps;
  std::optional<double> momentum;
  bool affine, track_running_stats;
  Tensor weight, bias;                                     // [C] when affine
  Tensor running_mean, running_var, num_batches_tracked;  // when track_running_stats

 protected:
  // The channel check and the normalization, for an input of valid rank.
  Tensor normalize(const Tensor& input);
};

// The per-channel BatchNorm of convolutional nets: input [N, C, H, W].
class BatchNorm2d : public BatchNorm1d {
 public:
  using BatchNorm1d::BatchNorm1d;
  Tensor forward(const Tensor& input) override;
};

}  // namespace wick::nn
