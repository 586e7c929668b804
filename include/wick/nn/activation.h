#pragma once
// Activation layers, as torch.nn: ReLU, LeakyReLU, GELU, SiLU, ELU,
// Softplus, Mish, Sigmoid, Tanh, Softmax, LogSoftmax. Stateless apart from
// their options; they hold no parameters.
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

// x * sigmoid(x) (also called swish).
class SiLU : public Module {
 public:
  Tensor forward(const Tensor& input) override;
};

struct ELUOptions {
  double alpha = 1.0;
};

// x if x > 0 else alpha * (exp(x) - 1).
class ELU : public Module {
 public:
  explicit ELU(const ELUOptions& options = {}) : alpha(options.alpha) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "alpha=1.0"
  double alpha;
};

struct SoftplusOptions {
  double beta = 1.0;        // nonzero
  double threshold = 20.0;  // beta * x above it: the identity
};

// log(1 + exp(beta * x)) / beta, or x where beta * x > threshold.
class Softplus : public Module {
 public:
  explicit Softplus(const SoftplusOptions& options = {});
  Tensor forward(const Tensor& input) override;
  // "beta=1, threshold=20": whole numbers print as Python ints (PyTorch's
  // defaults are ints), others as floats ("beta=0.5, threshold=10.5").
  std::string extra_repr() const override;
  double beta;
  double threshold;
};

// x * tanh(softplus(x)).
class Mish : public Module {
 public:
  Tensor forward(const Tensor& input) override;
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
