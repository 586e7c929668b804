#pragma once
// optim::Adam and optim::AdamW, with PyTorch 1.13's updates. At step t:
//   Adam:  g = grad + weight_decay * p          (L2 penalty in the gradient)
//   AdamW: p *= 1 - lr * weight_decay; g = grad (decoupled decay)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g^2
//   vmax = max(vmax, v)                          (amsgrad; v below is vmax)
//   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#include <utility>

#include "wick/optim/optimizer.h"

namespace wick::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0;
  bool amsgrad = false;
};

// AdamW's default weight decay is 1e-2 (Adam's is 0).
struct AdamWOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = {});

  AdamOptions& options() { return options_; }
  const AdamOptions& options() const { return options_; }
  double momentum() const override { return options_.betas.first; }
  void set_momentum(double beta1) override { options_.betas.first = beta1; }

 protected:
  Adam(std::vector<Tensor> params, const AdamOptions& options, bool decoupled, const char* name);
  std::vector<Hyper> hyper_params() override;
  void validate() const override;
  void update(size_t index, const Tensor& param, const Tensor& grad) override;
  DType step_dtype() const override { return kFloat32; }

 private:
  AdamOptions options_;
  bool decoupled_;  // AdamW
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options = {});
};

}  // namespace wick::optim
