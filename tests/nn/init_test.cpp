// nn::init: bounds and moments of each distribution (the generator is
// wick's, so values differ from PyTorch's; the formulas do not), fan and gain
// computation as PyTorch, seeding, no autograd history, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.h"
#include "wick/nn/init.h"
#include "wick/nn/linear.h"
#include "wick/wick.h"

namespace wick {
namespace {

namespace init = nn::init;

struct Moments {
  double mean, std, min, max;
};
Moments moments(const Tensor& t) {
  Tensor d = t.detach().to(kFloat64);
  return {d.mean().item(), std::sqrt(wick::var(d, {}, false).item()), d.min().item(), d.max().item()};
}

TEST(NnInit, FanAndGainAsPyTorch) {
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(empty({10, 20})), (std::pair<int64_t, int64_t>{20, 10}));
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(empty({8, 3, 5, 5})), (std::pair<int64_t, int64_t>{75, 200}));
  EXPECT_DOUBLE_EQ(init::calculate_gain("linear"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("sigmoid"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("conv2d"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("tanh"), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu"), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu", std::sqrt(5.0)), std::sqrt(2.0 / 6.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("selu"), 0.75);
}

TEST(NnInit, KaimingUniformBoundsAndMoments) {
  manual_seed(0);
  Tensor w = empty({256, 400});
  init::kaiming_uniform_(w);
  // a = 0 is the slope: leaky_relu gain sqrt(2 / (1 + 0^2)) (as PyTorch)
  double bound = std::sqrt(2.0) * std::sqrt(3.0 / 400);
  Moments m = moments(w);
  EXPECT_GE(m.min, -bound * (1 + 1e-6));  // float32 rounding of the bound
  EXPECT_LE(m.max, bound * (1 + 1e-6));
  EXPECT_GT(m.max, bound * 0.99);  // fills the interval
  EXPECT_NEAR(m.mean, 0, 0.01 * bound);
  EXPECT_NEAR(m.std, bound / std::sqrt(3.0), 0.01 * bound);
  // fan_out and relu; a = sqrt(5) gives Linear's default bound 1/sqrt(fan_in).
  init::kaiming_uniform_(w, {.mode = "fan_out", .nonlinearity = "relu"});
  EXPECT_LE(moments(w).max, std::sqrt(2.0) * std::sqrt(3.0 / 256) * (1 + 1e-6));
  EXPECT_GT(moments(w).max, 0.99 * std::sqrt(2.0) * std::sqrt(3.0 / 256));
  init::kaiming_uniform_(w, {.a = std::sqrt(5.0)});
  EXPECT_LE(moments(w).max, 1 / std::sqrt(400.0) + 1e-7);
}

TEST(NnInit, KaimingNormalStd) {
  manual_seed(1);
  Tensor w = empty({300, 500}, {.dtype = kFloat64});
  init::kaiming_normal_(w, {.mode = "fan_in", .nonlinearity = "relu"});
  double std = std::sqrt(2.0) / std::sqrt(500.0);
  Moments m = moments(w);
  EXPECT_NEAR(m.mean, 0, 0.01 * std);
  EXPECT_NEAR(m.std, std, 0.01 * std);
}

TEST(NnInit, XavierUniformAndNormal) {
  manual_seed(2);
  Tensor w = empty({200, 300});
  init::xavier_uniform_(w, 2.0);
  double a = 2.0 * std::sqrt(6.0 / 500);
  Moments m = moments(w);
  EXPECT_GE(m.min, -a * (1 + 1e-6));
  EXPECT_LE(m.max, a * (1 + 1e-6));
  EXPECT_GT(m.max, 0.99 * a);
  EXPECT_NEAR(m.std, a / std::sqrt(3.0), 0.01 * a);
  init::xavier_normal_(w);
  EXPECT_NEAR(moments(w).std, std::sqrt(2.0 / 500), 0.02 * std::sqrt(2.0 / 500));
}

TEST(NnInit, NormalUniformConstant) {
  manual_seed(3);
  Tensor t = empty({100000});
  init::normal_(t, 2.0, 0.5);
  Moments m = moments(t);
  EXPECT_NEAR(m.mean, 2.0, 0.01);
  EXPECT_NEAR(m.std, 0.5, 0.01);
  init::uniform_(t, -3, 1);
  m = moments(t);
  EXPECT_GE(m.min, -3);
  EXPECT_LT(m.max, 1);
  EXPECT_NEAR(m.mean, -1, 0.02);
  init::constant_(t, 0.25);
  EXPECT_TRUE(equal(t, full({100000}, 0.25)));
  init::zeros_(t);
  EXPECT_TRUE(equal(t, zeros({100000})));
  init::ones_(t);
  EXPECT_TRUE(equal(t, ones({100000})));
}

TEST(NnInit, RepeatableWithManualSeedAndInPlace) {
  Tensor a = empty({5, 7}), b = empty({5, 7});
  Tensor handle = a;
  manual_seed(42);
  Tensor r = init::kaiming_normal_(a);
  manual_seed(42);
  init::kaiming_normal_(b);
  EXPECT_TRUE(equal(a, b));
  EXPECT_TRUE(r.is_same(a));
  EXPECT_TRUE(equal(handle, a));  // same storage
  init::kaiming_normal_(b);
  EXPECT_FALSE(equal(a, b));
}

TEST(NnInit, OnParametersWithoutHistory) {
  nn::Linear fc(4, 3);
  init::xavier_uniform_(fc.weight);
  init::zeros_(fc.bias);
  EXPECT_TRUE(fc.weight.is_leaf());
  EXPECT_TRUE(fc.weight.requires_grad());
  EXPECT_TRUE(equal(fc.bias, zeros({3})));
  // Through the state's handles too, and on a non-contiguous view.
  init::ones_(fc.named_parameters().at("bias"));
  EXPECT_TRUE(equal(fc.bias, ones({3})));
  Tensor w = zeros({4, 6});
  init::constant_(w.slice(1, 0, 6, 2), 3.0);
  EXPECT_EQ(w.sum().item(), 36.0);
  init::uniform_(w.t(), 5, 6);
  EXPECT_GE(w.min().item(), 5.0);
}

TEST(NnInit, Errors) {
  using testing::error_message;
  using testing::message_has;
  EXPECT_TRUE(message_has(error_message([] { init::kaiming_uniform_(empty({5})); }), {"fewer than 2 dimensions"}));
  EXPECT_TRUE(message_has(error_message([] { init::kaiming_uniform_(empty({5, 5}), {.mode = "fan_avg"}); }),
                          {"kaiming_uniform_", "fan_avg"}));
  EXPECT_TRUE(message_has(error_message([] { init::calculate_gain("swish"); }), {"calculate_gain", "swish"}));
  EXPECT_TRUE(message_has(error_message([] { init::normal_(zeros({3}, {.dtype = kInt64})); }), {"normal_", "int64"}));
  EXPECT_TRUE(message_has(error_message([] { init::uniform_(empty({3}), 2, 1); }), {"uniform_"}));
  Tensor undefined;
  EXPECT_TRUE(message_has(error_message([&] { init::zeros_(undefined); }), {"undefined"}));
}

}  // namespace
}  // namespace wick
