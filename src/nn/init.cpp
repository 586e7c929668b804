// nn::init: in-place initializers with PyTorch's formulas (fan computation,
// gains). They draw from wick's global generator through core::random, then
// copy into the tensor (which may be a non-contiguous view).
#include "wick/nn/init.h"

#include <cmath>

#include "core/core.h"
#include "nn/layers_common.h"
#include "wick/autograd.h"

namespace wick::nn::init {

namespace {

void check_floating_target(const char* op, const Tensor& t) {
  WICK_CHECK(t.defined(), "nn::init::", op, ": the tensor is undefined (default-constructed); create it first");
  WICK_CHECK(is_floating(t.dtype()), "nn::init::", op, ": the tensor must be floating (float32 or float64), got ",
             t.describe());
}

Tensor fill_random(const char* op, const Tensor& t, backend::RandomOp kind, double a, double b) {
  check_floating_target(op, t);
  if (t.numel() == 0) return t;  // PyTorch warns and does nothing
  NoGradGuard no_grad;
  Tensor r = core::random(kind, t.sizes(), t.dtype(), t.device(), a, b);
  t.copy_(r);
  return t;
}

double fan_for(const char* op, const Tensor& t, const std::string& mode) {
  WICK_CHECK(mode == "fan_in" || mode == "fan_out", "nn::init::", op, ": mode \"", mode,
             "\" not supported, please use one of \"fan_in\", \"fan_out\"");
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return static_cast<double>(mode == "fan_in" ? fan_in : fan_out);
}

}  // namespace

double calculate_gain(const std::string& nonlinearity, std::optional<double> param) {
  for (const char* linear : {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                             "conv_transpose3d", "sigmoid"})
    if (nonlinearity == linear) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw Error("nn::init::calculate_gain: unsupported nonlinearity \"" + nonlinearity +
              "\" (expected linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu or selu)");
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  WICK_CHECK(t.defined(), "nn::init: the tensor is undefined (default-constructed)");
  WICK_CHECK(t.dim() >= 2, "nn::init: fan in and fan out can not be computed for tensor with fewer than 2 dimensions, "
             "got ", t.describe(), " (use normal_/uniform_/constant_ for biases)");
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor kaiming_uniform_(const Tensor& t, const KaimingOptions& o) {
  check_floating_target("kaiming_uniform_", t);
  if (t.numel() == 0) return t;
  double fan = fan_for("kaiming_uniform_", t, o.mode);
  double bound = std::sqrt(3.0) * calculate_gain(o.nonlinearity, o.a) / std::sqrt(fan);
  return fill_random("kaiming_uniform_", t, backend::RandomOp::Uniform, -bound, bound);
}

Tensor kaiming_normal_(const Tensor& t, const KaimingOptions& o) {
  check_floating_target("kaiming_normal_", t);
  if (t.numel() == 0) return t;
  double fan = fan_for("kaiming_normal_", t, o.mode);
  double std = calculate_gain(o.nonlinearity, o.a) / std::sqrt(fan);
  return fill_random("kaiming_normal_", t, backend::RandomOp::Normal, 0.0, std);
}

Tensor xavier_uniform_(const Tensor& t, double gain) {
  check_floating_target("xavier_uniform_", t);
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  double a = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return fill_random("xavier_uniform_", t, backend::RandomOp::Uniform, -a, a);
}

Tensor xavier_normal_(const Tensor& t, double gain) {
  check_floating_target("xavier_normal_", t);
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return fill_random("xavier_normal_", t, backend::RandomOp::Normal, 0.0, std);
}

Tensor normal_(const Tensor& t, double mean, double std) {
  WICK_CHECK(std >= 0, "nn::init::normal_: std must be non-negative, got ", std);
  return fill_random("normal_", t, backend::RandomOp::Normal, mean, std);
}

Tensor uniform_(const Tensor& t, double a, double b) {
  WICK_CHECK(a <= b, "nn::init::uniform_: expects a <= b, got a=", a, " b=", b);
  return fill_random("uniform_", t, backend::RandomOp::Uniform, a, b);
}

Tensor constant_(const Tensor& t, double value) {
  WICK_CHECK(t.defined(), "nn::init::constant_: the tensor is undefined (default-constructed); create it first");
  NoGradGuard no_grad;
  t.fill_(value);
  return t;
}

Tensor zeros_(const Tensor& t) { return constant_(t, 0.0); }
Tensor ones_(const Tensor& t) { return constant_(t, 1.0); }

}  // namespace wick::nn::init
