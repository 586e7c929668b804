// LayerNorm against PyTorch (forward and gradients), gradcheck, printout.
#include <gtest/gtest.h>

#include <sstream>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "nn/layers_test_util.h"
#include "wick/nn/functional.h"
#include "wick/nn/layernorm.h"

namespace wick {
namespace {

using testing::close_to;
using testing::layer_fixture;

TEST(LayersLayerNorm, MatchesPyTorch) {
  nn::LayerNorm ln(Shape{4, 5}, {.dtype = kFloat64});
  {
    NoGradGuard g;
    ln.weight.copy_(layer_fixture("ln.weight"));
    ln.bias.copy_(layer_fixture("ln.bias"));
  }
  Tensor x = layer_fixture("ln.x").requires_grad_();
  Tensor y = ln(x);
  EXPECT_TRUE(close_to(y, layer_fixture("ln.y"), 1e-10, 1e-12));
  (y * layer_fixture("ln.gw")).sum().backward();
  EXPECT_TRUE(close_to(x.grad(), layer_fixture("ln.dx"), 1e-9, 1e-11));
  EXPECT_TRUE(close_to(ln.weight.grad(), layer_fixture("ln.dweight"), 1e-10, 1e-12));
  EXPECT_TRUE(close_to(ln.bias.grad(), layer_fixture("ln.dbias"), 1e-10, 1e-12));

  Tensor x32 = layer_fixture("ln_f32.x");
  EXPECT_TRUE(close_to(nn::functional::layer_norm(x32, {6}), layer_fixture("ln_f32.y"), 1e-5, 1e-6));
  EXPECT_TRUE(close_to(nn::LayerNorm(6)(x32), layer_fixture("ln_f32.y"), 1e-5, 1e-6));
}

TEST(LayersLayerNorm, GradcheckFloat64) {
  manual_seed(4);
  nn::LayerNorm ln(Shape{3}, {.dtype = kFloat64});
  {
    NoGradGuard g;
    ln.weight.copy_(rand({3}, {.dtype = kFloat64}) + 0.5);
    ln.bias.copy_(randn({3}, {.dtype = kFloat64}));
  }
  Tensor x = randn({2, 4, 3}, {.dtype = kFloat64, .requires_grad = true});
  auto r = testing::gradcheck("LayerNorm", [&](const std::vector<Tensor>& in) {
    return nn::functional::layer_norm(in[0], {3}, in[1], in[2]);
  }, {x, ln.weight, ln.bias});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(LayersLayerNorm, PrintoutAndErrors) {
  std::ostringstream os;
  os << nn::LayerNorm(64);
  EXPECT_EQ(os.str(), "LayerNorm((64,), eps=1e-05, elementwise_affine=True)");
  EXPECT_EQ(nn::LayerNorm(Shape{3, 4}, {.eps = 1e-4, .elementwise_affine = false}).extra_repr(),
            "(3, 4), eps=0.0001, elementwise_affine=False");
  EXPECT_TRUE(nn::LayerNorm(Shape{3}, {.elementwise_affine = false}).parameters().empty());
  EXPECT_EQ(nn::LayerNorm(8).state_dict().keys(), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_TRUE(testing::message_has(testing::error_message([] { nn::LayerNorm(5)(ones({2, 4})); }),
                                   {"layer_norm", "5", "[2, 4]"}));
}

}  // namespace
}  // namespace wick
