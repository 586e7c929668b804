#pragma once
// optim::RMSprop, with PyTorch 1.13's update (torch.optim.RMSprop):
//   g = grad + weight_decay * p
//   sq = alpha * sq + (1 - alpha) * g^2
//   centered: ga = alpha * ga + (1 - alpha) * g; avg = sqrt(sq - ga^2) + eps
//   else:     avg = sqrt(sq) + eps
//   momentum > 0: buf = momentum * buf + g / avg; p -= lr * buf
//   else:         p -= lr * g / avg
#include "wick/optim/optimizer.h"

namespace wick::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& options = {});

  RMSpropOptions& options() { return options_; }
  const RMSpropOptions& options() const { return options_; }
  double momentum() const override { return options_.momentum; }
  void set_momentum(double momentum) override { options_.momentum = momentum; }

 protected:
  std::vector<Hyper> hyper_params() override;
  void validate() const override;
  void update(size_t index, const Tensor& param, const Tensor& grad) override;
  DType step_dtype() const override { return kInt64; }

 private:
  RMSpropOptions options_;
};

}  // namespace wick::optim
