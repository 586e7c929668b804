// Activation layers and functions against PyTorch fixtures, their gradients
// in float64, and their printouts.
#include <gtest/gtest.h>

#include <sstream>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "nn/layers_test_util.h"
#include "wick/nn/activation.h"
#include "wick/nn/functional.h"

namespace wick {
namespace {

namespace F = nn::functional;
using testing::close_to;
using testing::ActCase;
using testing::layer_fixture;

std::vector<ActCase> act_cases() {
  return {
      {"relu", [](const Tensor& x) { return nn::ReLU()(x); }},
      {"leaky_relu", [](const Tensor& x) { return nn::LeakyReLU()(x); }},
      {"leaky_relu_0.2", [](const Tensor& x) { return nn::LeakyReLU({.negative_slope = 0.2})(x); }},
      {"gelu", [](const Tensor& x) { return nn::GELU()(x); }},
      {"gelu_tanh", [](const Tensor& x) { return nn::GELU({.approximate = "tanh"})(x); }},
      {"sigmoid", [](const Tensor& x) { return nn::Sigmoid()(x); }},
      {"tanh", [](const Tensor& x) { return nn::Tanh()(x); }},
      {"softmax_1", [](const Tensor& x) { return nn::Softmax(1)(x); }},
      {"log_softmax_0", [](const Tensor& x) { return nn::LogSoftmax(0)(x); }},
  };
}

TEST(LayersActivation, MatchesPyTorchFloat32) {
  Tensor x = layer_fixture("act_f32.in");
  for (auto& c : act_cases()) {
    Tensor y = c.fn(x);
    EXPECT_EQ(y.dtype(), kFloat32) << c.name;
    // Exact GELU: wick evaluates erf in double; PyTorch's float32 erf loses
    // ~1e-7 absolutely to cancellation in 1 + erf(x) for x << 0.
    double atol = std::string(c.name) == "gelu" ? 5e-7 : 1e-7;
    EXPECT_TRUE(close_to(y, layer_fixture(std::string("act_") + c.name + "_f32.out"), 2e-6, atol)) << c.name;
  }
}

TEST(LayersActivation, MatchesPyTorchFloat64) {
  Tensor x = layer_fixture("act_f64.in");
  for (auto& c : act_cases()) {
    Tensor y = c.fn(x);
    EXPECT_EQ(y.dtype(), kFloat64) << c.name;
    EXPECT_TRUE(close_to(y, layer_fixture(std::string("act_") + c.name + "_f64.out"), 1e-12, 1e-14)) << c.name;
  }
}

TEST(LayersActivation, FunctionalMatchesLayers) {
  Tensor x = layer_fixture("act_f64.in");
  EXPECT_TRUE(equal(F::relu(x), nn::ReLU()(x)));
  EXPECT_TRUE(equal(F::leaky_relu(x, 0.2), nn::LeakyReLU({.negative_slope = 0.2})(x)));
  EXPECT_TRUE(equal(F::gelu(x), nn::GELU()(x)));
  EXPECT_TRUE(equal(F::gelu(x, "tanh"), nn::GELU({.approximate = "tanh"})(x)));
  EXPECT_TRUE(equal(F::sigmoid(x), nn::Sigmoid()(x)));
  EXPECT_TRUE(equal(F::tanh(x), nn::Tanh()(x)));
  EXPECT_TRUE(equal(F::softmax(x, -1), nn::Softmax(-1)(x)));
  EXPECT_TRUE(equal(F::log_softmax(x, 1), nn::LogSoftmax(1)(x)));
  EXPECT_TRUE(equal(F::flatten(zeros({2, 3, 4})), zeros({24})));
  EXPECT_EQ(F::flatten(zeros({2, 3, 4}), 1).sizes(), (Shape{2, 12}));
  Tensor w = randn({3, 7}, {.dtype = kFloat64}), b = randn({3}, {.dtype = kFloat64});
  EXPECT_TRUE(allclose(F::linear(x, w, b), matmul(x, w.t()) + b, 1e-12, 1e-12));
}

TEST(LayersActivation, GradcheckFloat64) {
  manual_seed(1);
  // Away from the kinks of relu/leaky_relu at 0, where finite differences lie.
  Tensor base = randn({3, 4}, {.dtype = kFloat64});
  base = where(base.abs().lt(0.1), base + 0.3, base);
  for (auto& c : act_cases()) {
    Tensor x = base.clone().detach().requires_grad_();
    auto r = testing::gradcheck(c.name, [&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, {x});
    EXPECT_TRUE(r.ok) << r.message;
  }
}

TEST(LayersActivation, LeakyReluGradientAtZeroIsSlope) {
  Tensor x = zeros({3}, {.dtype = kFloat64, .requires_grad = true});
  nn::LeakyReLU({.negative_slope = 0.2})(x).sum().backward();
  EXPECT_TRUE(allclose(x.grad(), full({3}, 0.2, {.dtype = kFloat64})));
}

TEST(LayersActivation, Printout) {
  auto repr = [](const nn::Module& m) {
    std::ostringstream os;
    os << m;
    return os.str();
  };
  EXPECT_EQ(repr(nn::ReLU()), "ReLU()");
  EXPECT_EQ(repr(nn::LeakyReLU()), "LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(repr(nn::GELU()), "GELU(approximate='none')");
  EXPECT_EQ(repr(nn::GELU({.approximate = "tanh"})), "GELU(approximate='tanh')");
  EXPECT_EQ(repr(nn::Sigmoid()), "Sigmoid()");
  EXPECT_EQ(repr(nn::Tanh()), "Tanh()");
  EXPECT_EQ(repr(nn::Softmax(1)), "Softmax(dim=1)");
  EXPECT_EQ(repr(nn::LogSoftmax(-1)), "LogSoftmax(dim=-1)");
}

TEST(LayersActivation, Errors) {
  EXPECT_TRUE(testing::message_has(testing::error_message([] { nn::GELU({.approximate = "fast"}); }),
                                   {"GELU", "fast", "tanh"}));
  EXPECT_TRUE(testing::message_has(testing::error_message([] { F::gelu(ones({2}), "erf"); }), {"gelu", "erf"}));
  EXPECT_TRUE(testing::message_has(testing::error_message([] { F::gelu(arange(3)); }), {"gelu", "int64"}));
  EXPECT_TRUE(testing::message_has(testing::error_message([] { nn::Softmax(2)(ones({2, 3})); }), {"softmax", "2"}));
}

}  // namespace
}  // namespace wick
