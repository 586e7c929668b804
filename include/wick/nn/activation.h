#pragma once
// Activation layers, as torch.nn: ReLU, LeakyReLU, GELU, Sigmoid, Tanh,
// Softmax, LogSoftmax. Stateless apart from their options; they hold no
// parameters.
#include <string>

#include "wick/nn/module.h"

namespace wick::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

struct LeakyReLUOptions {
  double negative_slope = 0.01;
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(const LeakyReLUOptions& options = {}) : negative_slope(options.negative_slope) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "negative_slope=0.01"
  double negative_slope;
};

struct GELUOptions {
  std::string approximate = "none";  // or "tanh"
};

class GELU : public Module {
 public:
  explicit GELU(const GELUOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "approximate='none'"
  std::string approximate;
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

// PyTorch's implicit dim (dim=None) is deprecated there; here it is required.
class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "dim=1"
  int64_t dim;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t dim;
};

}  // namespace wick::nn
