// cumsum / cumprod: PyTorch 1.13's outputs, dtypes and gradients (including
// cumprod's gradient where the input holds zeros) from tests/data/sort/,
// gradcheck, errors.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "core/sort_fixtures.h"
#include "wick/wick.h"

namespace wick {
namespace {

using sort_fixtures::Case;
using sort_fixtures::Outputs;

TEST(CumulativeReference, EveryCaseMatchesPyTorch) {
  const std::map<std::string, sort_fixtures::OpFn> table = {
      {"cumsum", [](const Tensor& x, const Case& c) -> Outputs { return {cumsum(x, c.i("dim"))}; }},
      {"cumprod", [](const Tensor& x, const Case& c) -> Outputs { return {x.cumprod(c.i("dim"))}; }},
  };
  EXPECT_EQ(sort_fixtures::run_cases(table), 27);
}

TEST(Cumulative, PromotesIntegersAndBoolToInt64) {
  EXPECT_EQ(cumsum(ones({3}, {.dtype = kBool}), 0).to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(cumprod(full({3}, 200, {.dtype = kUInt8}), 0).to_vector<int64_t>(),
            (std::vector<int64_t>{200, 40000, 8000000}));
  EXPECT_EQ(cumsum(zeros({2}, {.dtype = kFloat32}), 0).dtype(), kFloat32);
}

// cumprod's gradient at zeros, by hand: x = [2, 0, 3, 0, 5], g = 1.
//   d/dx0 = 1 (out0) ; d/dx1 = x0 + x0 x2 = 2 + 6 = 8 (out1, out2; out3+ hold x3 = 0)
//   d/dx2 = 0 ; d/dx3 = x0 x1 x2 (1 + x4) = 0 ; d/dx4 = 0
TEST(Cumulative, CumprodGradientAtZerosIsExact) {
  Tensor x = from_vector<double>({2, 0, 3, 0, 5}).requires_grad_(true);
  cumprod(x, 0).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 8, 0, 0, 0}));
  Tensor y = from_vector<double>({0, 4, 0.5}).requires_grad_(true);
  cumprod(y, 0).sum().backward();  // d/dy0 = 1 + y1 + y1 y2 = 7
  EXPECT_EQ(y.grad().to_vector<double>(), (std::vector<double>{7, 0, 0}));
}

TEST(Cumulative, Gradcheck) {
  manual_seed(5);
  Tensor a = randn({4, 6}, {.dtype = kFloat64, .requires_grad = true});
  Tensor z;
  {
    NoGradGuard g;
    z = randn({3, 5}, {.dtype = kFloat64});
    z.slice(1, 1, 2).fill_(0.0);  // a zero in every line ...
    z.slice(0, 0, 1).slice(1, 3, 4).fill_(0.0);  // ... and two in the first
  }
  z.requires_grad_(true);
  const std::pair<const char*, testing::GradFn> cases[] = {
      {"cumsum dim 1", [](const std::vector<Tensor>& in) { return cumsum(in[0], 1); }},
      {"cumsum dim 0 of a transpose", [](const std::vector<Tensor>& in) { return in[0].t().cumsum(0); }},
      {"cumprod dim 1", [](const std::vector<Tensor>& in) { return cumprod(in[0], 1); }},
      {"cumprod dim -2", [](const std::vector<Tensor>& in) { return cumprod(in[0], -2); }},
  };
  for (const auto& [label, f] : cases) {
    testing::GradcheckResult r = testing::gradcheck(label, f, {a});
    EXPECT_TRUE(r.ok) << r.message;
  }
  testing::GradcheckResult r = testing::gradcheck(
      "cumprod with zeros", [](const std::vector<Tensor>& in) { return cumprod(in[0], 1); }, {z});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(Cumulative, ErrorsNameOpAndDim) {
  Tensor x = zeros({2, 3});
  EXPECT_WICK_ERROR(cumsum(x, 2), {"cumsum", "dimension 2", "2 dims"});
  EXPECT_WICK_ERROR(cumprod(x, -3), {"cumprod", "dimension -3"});
  EXPECT_WICK_ERROR(cumsum(Tensor(), 0), {"cumsum", "undefined"});
}

}  // namespace
}  // namespace wick
