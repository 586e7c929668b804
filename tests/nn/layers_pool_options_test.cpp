// The pools' options beyond PyTorch's defaults: ceil_mode (both pools),
// count_include_pad=False and divisor_override (AvgPool2d), against PyTorch
// 1.13 fixtures (tests/reference/make_conv_fixtures.py), float64 gradient
// checks, the modules' printouts and the errors.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "nn/conv_test_util.h"
#include "wick/nn.h"

namespace wick {
namespace {

namespace F = nn::functional;
using namespace testing::conv;  // NOLINT: the fixture helpers

TEST(PoolOptionsReference, MaxPool2dCeilModeMatchesPyTorch) {
  // k2 in float64 and float32 on odd sizes: the 2x2 kernels (the float32 one
  // vectorized) must leave a window hanging over the edge to the general loop.
  for (const char* c : {"maxpool_ceil_k2", "maxpool_ceil_k3_s2_p1", "maxpool_ceil_k2_s2_d2", "maxpool_ceil_f32",
                        "maxpool_ceil_dropped"}) {
    check_case(c, max_pool);
    check_case(c, [](const Tensor& x, const Args& a) {
      return nn::MaxPool2d(a.kernel, {.stride = a.stride, .padding = a.padding, .dilation = a.dilation,
                                      .ceil_mode = a.ceil_mode})(x);
    });
    check_case(c, composed_max_pool);  // what other devices run
  }
}

TEST(PoolOptionsReference, AvgPool2dOptionsMatchPyTorch) {
  for (const char* c : {"avgpool_ceil_k2", "avgpool_ceil_k3_s2_p1", "avgpool_nopad_k3_s1_p1",
                        "avgpool_ceil_nopad_k3_s2_p1", "avgpool_divisor3_k2_p1", "avgpool_ceil_f32"}) {
    check_case(c, avg_pool);
    check_case(c, [](const Tensor& x, const Args& a) {
      return nn::AvgPool2d(a.kernel, {.stride = a.stride, .padding = a.padding, .ceil_mode = a.ceil_mode,
                                      .count_include_pad = a.count_include_pad,
                                      .divisor_override = a.divisor_override})(x);
    });
  }
}

// Output sizes PyTorch 1.13 gives for the same calls.
TEST(PoolOptionsReference, CeilModeOutputSizes) {
  EXPECT_EQ(F::max_pool2d(zeros({1, 1, 5, 5}), 2, std::nullopt, 0, 1, true).sizes(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(F::max_pool2d(zeros({1, 1, 5, 5}), 3, 2, 1, 1, true).sizes(), (Shape{1, 1, 3, 3}));
  // A kernel larger than the input still has one window when rounding up.
  EXPECT_EQ(F::max_pool2d(zeros({1, 1, 1, 1}), 2, std::nullopt, 0, 1, true).sizes(), (Shape{1, 1, 1, 1}));
  EXPECT_EQ(F::max_pool2d(zeros({1, 1, 1, 1}), 3, std::nullopt, 0, 1, true).sizes(), (Shape{1, 1, 1, 1}));
  EXPECT_EQ(F::avg_pool2d(zeros({1, 1, 1, 1}), 2, std::nullopt, 0, true).sizes(), (Shape{1, 1, 1, 1}));
  // Without ceil_mode the same kernel does not fit.
  EXPECT_WICK_ERROR(F::max_pool2d(zeros({1, 1, 1, 1}), 2), {"max_pool2d", "kernel"});
}

void expect_gradcheck(const testing::GradcheckResult& r) { EXPECT_TRUE(r.ok) << r.message; }

TEST(PoolOptionsGradcheck, Float64) {
  manual_seed(16);
  // Distinct values 0.1 apart: the finite-difference step never changes a
  // window's maximum.
  Tensor xm = (randperm(2 * 2 * 7 * 5).to(kFloat64) * 0.1).reshape({2, 2, 7, 5}).requires_grad_();
  expect_gradcheck(testing::gradcheck("max_pool2d k3 s2 p1 ceil", [](const std::vector<Tensor>& in) {
    return F::max_pool2d(in[0], 3, 2, 1, 1, true);
  }, {xm}));
  Tensor x = randn({2, 2, 7, 5}, {.dtype = kFloat64, .requires_grad = true});
  expect_gradcheck(testing::gradcheck("avg_pool2d k3 s2 p1 ceil, count_include_pad=False",
                                      [](const std::vector<Tensor>& in) {
                                        return F::avg_pool2d(in[0], 3, 2, 1, true, false);
                                      },
                                      {x}));
  expect_gradcheck(testing::gradcheck("avg_pool2d k2 s1 divisor_override 3", [](const std::vector<Tensor>& in) {
    return F::avg_pool2d(in[0], 2, 1, 0, false, true, 3);
  }, {x}));
}

std::string printed(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

// The strings are repr() of the same layers in PyTorch 1.13, which prints a
// size as it was given.
TEST(PoolOptionsModule, PrintoutMatchesPyTorch) {
  EXPECT_EQ(printed(nn::MaxPool2d({2, 2})),
            "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(printed(nn::MaxPool2d(2, {.ceil_mode = true})),
            "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=True)");
  EXPECT_EQ(printed(nn::MaxPool2d(3, {.stride = nn::Size2{2, 2}, .padding = {1, 1}})),
            "MaxPool2d(kernel_size=3, stride=(2, 2), padding=(1, 1), dilation=1, ceil_mode=False)");
  // AvgPool2d prints three fields whatever its other options.
  EXPECT_EQ(printed(nn::AvgPool2d({2, 2}, {.ceil_mode = true, .count_include_pad = false, .divisor_override = 3})),
            "AvgPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0)");
  // Comparisons ignore how a size was given.
  EXPECT_EQ(nn::Size2(2), nn::Size2(2, 2));
}

TEST(PoolOptionsErrors, DivisorOverrideZero) {
  EXPECT_WICK_ERROR(F::avg_pool2d(randn({1, 1, 4, 4}), 2, std::nullopt, 0, false, true, 0),
                    {"avg_pool2d", "divisor_override", "0"});
  EXPECT_WICK_ERROR(nn::AvgPool2d(2, {.divisor_override = 0})(randn({1, 1, 4, 4})), {"avg_pool2d", "divisor_override"});
}

}  // namespace
}  // namespace wick
