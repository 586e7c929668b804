#pragma once
// Dropout, as torch.nn.Dropout: in training, zeroes each element with
// probability p and scales the survivors by 1/(1-p), so the expected output
// equals the input; in eval, the identity. The mask comes from wick's global
// generator, so manual_seed(s) repeats a run. Dropout2d drops whole channels.
#include "wick/nn/module.h"

namespace wick::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "p=0.5, inplace=False"
  double p;
};

// Dropout2d, as torch.nn.Dropout2d in PyTorch 1.13: in training, zeroes each
// channel input[n, c] (all of its H x W values) with probability p and
// scales the kept channels by 1/(1-p); in eval, the identity. Input
// [N, C, H, W] or 3-D.
//
// 3-D inputs: PyTorch 1.13 warns and treats them as [N, C, L], one draw per
// (dim 0, dim 1) pair (channel-wise 1-D dropout), not as an unbatched
// [C, H, W] with one draw per channel; a later PyTorch is announced to
// change this. wick matches 1.13, so a model and its seed behave as there;
// for [C, H, W], call it on input.unsqueeze(0). Other ranks, which 1.13
// accepts with a deprecation warning (2-D becomes element dropout), are an
// error here: use Dropout for element dropout.
//
// The mask is Dropout's Philox rule over the N*C draws (draw n*C + c for
// channel (n, c)), from the global generator: same seed, same mask.
class Dropout2d : public Module {
 public:
  explicit Dropout2d(double p = 0.5);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "p=0.5, inplace=False"
  double p;
};

}  // namespace wick::nn
