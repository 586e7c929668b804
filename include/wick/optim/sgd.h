#pragma once
// optim::SGD, with PyTorch 1.13's update (torch.optim.SGD):
//   d = grad + weight_decay * p
//   buf = d on the first step, else momentum * buf + (1 - dampening) * d
//   d = nesterov ? d + momentum * buf : buf        (when momentum != 0)
//   p -= lr * d
#include <cmath>
#include <limits>

#include "wick/optim/optimizer.h"

namespace wick::optim {

struct SGDOptions {
  // Required, as in PyTorch: SGD has no default learning rate.
  double lr = std::numeric_limits<double>::quiet_NaN();
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);

  SGDOptions& options() { return options_; }
  const SGDOptions& options() const { return options_; }
  double momentum() const override { return options_.momentum; }
  void set_momentum(double momentum) override { options_.momentum = momentum; }

 protected:
  std::vector<Hyper> hyper_params() override;
  void validate() const override;
  void update(size_t index, const Tensor& param, const Tensor& grad) override;

 private:
  SGDOptions options_;
};

}  // namespace wick::optim
