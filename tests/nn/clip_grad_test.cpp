// Gradient clipping. Expected values are worked by hand: gradients [3, 4] and
// [12] have the 2-norm sqrt(9 + 16 + 144) = 13 and the max-abs norm 12.
#include <gtest/gtest.h>

#include <cmath>

#include "wick/nn/utils.h"
#include "wick/wick.h"

namespace {

using namespace wick;

std::vector<Tensor> params_with_grads() {
  Tensor a = zeros({2}, {.requires_grad = true}), b = zeros({1}, {.requires_grad = true});
  a.set_grad(tensor({3.0, 4.0}));
  b.set_grad(tensor({12.0}));
  Tensor no_grad = zeros({5}, {.requires_grad = true});  // skipped
  return {a, b, no_grad};
}

TEST(ClipGrad, NormScalesAllGradientsTogether) {
  auto ps = params_with_grads();
  Tensor norm = nn::utils::clip_grad_norm_(ps, 6.5);
  EXPECT_NEAR(norm.item(), 13.0, 1e-6);
  const double coef = 6.5 / (13.0 + 1e-6);
  EXPECT_NEAR(ps[0].grad()[0].item(), 3 * coef, 1e-6);
  EXPECT_NEAR(ps[0].grad()[1].item(), 4 * coef, 1e-6);
  EXPECT_NEAR(ps[1].grad()[0].item(), 12 * coef, 1e-5);
  EXPECT_FALSE(ps[2].grad().defined());
}

TEST(ClipGrad, NormBelowTheLimitLeavesGradientsAlone) {
  auto ps = params_with_grads();
  EXPECT_NEAR(nn::utils::clip_grad_norm_(ps, 100).item(), 13.0, 1e-6);
  EXPECT_EQ(ps[1].grad()[0].item(), 12.0);
}

TEST(ClipGrad, InfinityNormIsTheLargestMagnitude) {
  auto ps = params_with_grads();
  Tensor norm = nn::utils::clip_grad_norm_(ps, 6, {.norm_type = INFINITY});
  EXPECT_NEAR(norm.item(), 12.0, 1e-9);
  EXPECT_NEAR(ps[1].grad()[0].item(), 12 * 6 / (12 + 1e-6), 1e-5);
}

TEST(ClipGrad, NonFiniteNormIsAnErrorWhenAsked) {
  auto ps = params_with_grads();
  ps[0].set_grad(tensor({NAN, 1.0}));
  try {
    nn::utils::clip_grad_norm_(ps, 1, {.error_if_nonfinite = true});
    FAIL() << "expected a wick::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite"), std::string::npos) << e.what();
  }
}

TEST(ClipGrad, ValueClampsEachElement) {
  auto ps = params_with_grads();
  nn::utils::clip_grad_value_(ps, 3.5);
  EXPECT_EQ(ps[0].grad().to_vector<float>(), (std::vector<float>{3.0f, 3.5f}));
  EXPECT_EQ(ps[1].grad().to_vector<float>(), (std::vector<float>{3.5f}));
}

}  // namespace
