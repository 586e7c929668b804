#pragma once
// Dropout, as torch.nn.Dropout: in training, zeroes each element with
// probability p and scales the survivors by 1/(1-p), so the expected output
// equals the input; in eval, the identity. The mask comes from wick's global
// generator, so manual_seed(s) repeats a run.
#include "wick/nn/module.h"

namespace wick::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "p=0.5, inplace=False"
  double p;
};

}  // namespace wick::nn
