#pragma once
// Linear, Identity and Flatten: the layers of logistic regression and MLPs.
#include "wick/nn/module.h"

namespace wick::nn {

struct LinearOptions {
  bool bias = true;
  Device device = Device::cpu();  // create the parameters directly there
  DType dtype = kFloat32;
};

// y = x W^T + b with W [out_features, in_features], as torch.nn.Linear, and
// its default init: W, b ~ U(-1/sqrt(in), 1/sqrt(in)).
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, const LinearOptions& options = {});
  Linear(const Linear&) = default;
  Linear(Linear&&) noexcept = default;
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_features, out_features;
  Tensor weight, bias;
};

class Identity : public Module {
 public:
  Tensor forward(const Tensor& input) override { return input; }
};

// Flattens dims start_dim..end_dim (default: all but the batch dim).
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& input) override { return input.flatten(start_dim, end_dim); }
  std::string extra_repr() const override;
  int64_t start_dim, end_dim;
};

}  // namespace wick::nn
