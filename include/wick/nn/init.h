#pragma once
// nn::init: in-place initializers, as torch.nn.init. Each runs without
// recording gradients, draws from wick's global generator (repeatable with
// manual_seed; the numbers differ from PyTorch's generator, the
// distributions do not) and returns its argument (the same handle).
// They take const Tensor& as Tensor's in-place ops do: the data changes,
// not the handle, so model.named_parameters().at("w") works too.
#include <optional>
#include <string>
#include <utility>

#include "wick/tensor.h"

namespace wick::nn::init {

// The recommended gain for a nonlinearity: "linear", "conv1d/2d/3d",
// "conv_transpose1d/2d/3d", "sigmoid" -> 1; "tanh" -> 5/3; "relu" -> sqrt(2);
// "leaky_relu" -> sqrt(2 / (1 + slope^2)) (slope = param, default 0.01);
// "selu" -> 3/4.
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);

// (fan_in, fan_out) of a weight of at least 2 dims: size(1) and size(0)
// times the product of the remaining (receptive field) sizes.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

struct KaimingOptions {
  double a = 0;                                // the negative slope of the leaky_relu after this layer
  std::string mode = "fan_in";                 // or "fan_out"
  std::string nonlinearity = "leaky_relu";
};

// U(-bound, bound), bound = gain * sqrt(3 / fan).
Tensor kaiming_uniform_(const Tensor& tensor, const KaimingOptions& options = {});
// N(0, std^2), std = gain / sqrt(fan).
Tensor kaiming_normal_(const Tensor& tensor, const KaimingOptions& options = {});
// U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(const Tensor& tensor, double gain = 1.0);
// N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(const Tensor& tensor, double gain = 1.0);
Tensor normal_(const Tensor& tensor, double mean = 0.0, double std = 1.0);
Tensor uniform_(const Tensor& tensor, double a = 0.0, double b = 1.0);
Tensor constant_(const Tensor& tensor, double value);
Tensor zeros_(const Tensor& tensor);
Tensor ones_(const Tensor& tensor);

}  // namespace wick::nn::init
