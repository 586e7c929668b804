// Dropout2d: the keep rate and PyTorch's survivor value, whole channels
// zeroed or scaled (4-D, and 3-D as PyTorch 1.13's [N, C, L]), the mask as
// Dropout's rule over channels, seeding, eval identity, the gradient,
// the p=0/p=1 edges, and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "core/expect_error.h"
#include "nn/layers_test_util.h"
#include "wick/nn/dropout.h"
#include "wick/nn/functional.h"

namespace wick {
namespace {

namespace F = nn::functional;
using testing::layer_fixture;

// Splits y (and x) into slices of `inner` elements (one per channel) and
// checks each slice is all zero or exactly x * scale; returns the number
// of zeroed slices.
int64_t count_dropped_slices(const Tensor& x, const Tensor& y, int64_t inner, double scale) {
  auto xv = x.detach().to(kFloat64).contiguous().to_vector<double>();
  auto yv = y.detach().to(kFloat64).contiguous().to_vector<double>();
  int64_t dropped = 0;
  for (size_t s = 0; s < yv.size(); s += static_cast<size_t>(inner)) {
    const bool zero = yv[s] == 0;
    dropped += zero;
    for (size_t i = s; i < s + static_cast<size_t>(inner); ++i) {
      if (zero) {
        EXPECT_EQ(yv[i], 0.0) << "slice " << s / inner << " is partly zeroed";
      } else {
        EXPECT_NEAR(yv[i], xv[i] * scale, 1e-6 * std::abs(xv[i] * scale)) << "slice " << s / inner;
      }
      if (::testing::Test::HasFailure()) return -1;
    }
  }
  return dropped;
}

TEST(LayersDropout2d, KeepRateAndScaleAsPyTorch) {
  auto ref = layer_fixture("dropout2d_scale").to_vector<float>();  // {p, value of a surviving 1.0}
  const double p = ref[0];
  manual_seed(0);
  const int64_t n = 64, c = 200;
  Tensor x = rand({n, c, 3, 4}) + 0.5f;  // no zeros in the input
  Tensor y = nn::Dropout2d(p)(x);
  const int64_t dropped = count_dropped_slices(x, y, 12, ref[1]);
  // Binomial(n * c, p): 5 standard deviations.
  const double draws = static_cast<double>(n * c);
  EXPECT_NEAR(static_cast<double>(dropped), draws * p, 5 * std::sqrt(draws * p * (1 - p)));
}

TEST(LayersDropout2d, ThreeDInputIsNclAsPyTorch113) {
  // One draw per (dim 0, dim 1): rows input[i, j, :] are whole, and the dim-0
  // slices get different masks (an unbatched [C, H, W] reading would zero
  // whole input[i] slices instead).
  manual_seed(5);
  Tensor x = rand({8, 16, 5}, {.dtype = kFloat64}) + 0.5;
  Tensor y = F::dropout2d(x, 0.5, true);
  EXPECT_GE(count_dropped_slices(x, y, 5, 2.0), 0);
  Tensor kept = y.ne(0.0).to(kFloat64).sum(2).sum(1);  // kept elements per dim-0 slice
  bool mixed = false;
  for (double k : kept.to_vector<double>()) mixed |= k > 0 && k < 16 * 5;
  EXPECT_TRUE(mixed) << "every dim-0 slice was kept or dropped whole";
}

TEST(LayersDropout2d, MaskIsDropoutsRuleOverChannels) {
  // Channel (n, c) uses draw n * C + c of Dropout's Philox rule, so the
  // channel mask equals dropout of an [N, C] tensor of ones under the same seed.
  for (auto shape : {Shape{3, 5, 2, 2}, Shape{1, 7, 1, 3}, Shape{4, 9, 2}}) {
    manual_seed(9);
    Tensor y = F::dropout2d(ones(shape), 0.4, true);
    manual_seed(9);
    Tensor want = F::dropout(ones({shape[0], shape[1]}), 0.4, true);
    Tensor first = shape.size() == 4 ? y.select(3, 0).select(2, 0) : y.select(2, 0);
    EXPECT_TRUE(equal(first, want)) << shape_str(shape);
  }
}

TEST(LayersDropout2d, SeedRepeatsTheMask) {
  Tensor x = ones({4, 8, 2, 2});
  manual_seed(7);
  Tensor a = F::dropout2d(x, 0.5, true);
  manual_seed(7);
  Tensor b = F::dropout2d(x, 0.5, true);
  Tensor c = F::dropout2d(x, 0.5, true);
  EXPECT_TRUE(equal(a, b));
  EXPECT_FALSE(equal(b, c));
}

TEST(LayersDropout2d, EvalIsIdentity) {
  nn::Dropout2d drop(0.5);
  drop.eval();
  Tensor x = randn({2, 3, 4, 4});
  EXPECT_TRUE(drop(x).is_same(x));
  EXPECT_TRUE(F::dropout2d(x, 0.5, false).is_same(x));
  EXPECT_TRUE(F::dropout2d(x, 0.0, true).is_same(x));
  drop.train();
  EXPECT_FALSE(equal(drop(x), x));
}

TEST(LayersDropout2d, GradientIsMaskTimesScale) {
  manual_seed(3);
  Tensor x = (rand({6, 10, 3, 3}, {.dtype = kFloat64}) + 0.5).requires_grad_();
  Tensor w = randn({6, 10, 3, 3}, {.dtype = kFloat64});
  Tensor y = F::dropout2d(x, 0.25, true);
  (y * w).sum().backward();
  auto yv = y.detach().to_vector<double>(), gv = x.grad().to_vector<double>(), wv = w.to_vector<double>();
  const double scale = 1.0 / 0.75;
  for (size_t i = 0; i < yv.size(); ++i) ASSERT_EQ(gv[i], yv[i] == 0 ? 0.0 : wv[i] * scale) << i;
}

TEST(LayersDropout2d, GradcheckFloat64) {
  Tensor x = randn({2, 4, 3, 2}, {.dtype = kFloat64, .requires_grad = true});
  auto f = [](const std::vector<Tensor>& in) {
    manual_seed(11);  // every evaluation draws the same mask
    return nn::Dropout2d(0.3)(in[0]);
  };
  auto r = testing::gradcheck("Dropout2d", f, {x});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(LayersDropout2d, PEqualOneGivesZeros) {
  Tensor x = randn({2, 3, 2, 2}, {.dtype = kFloat64, .requires_grad = true});
  Tensor y = nn::Dropout2d(1.0)(x);
  EXPECT_TRUE(equal(y, zeros({2, 3, 2, 2}, {.dtype = kFloat64})));
  y.sum().backward();
  EXPECT_TRUE(equal(x.grad(), zeros({2, 3, 2, 2}, {.dtype = kFloat64})));
  // Multiplied by zero, as PyTorch: NaN stays NaN.
  EXPECT_TRUE(std::isnan(F::dropout2d(full({1, 1, 1, 1}, std::nan("")), 1.0, true).item()));
  EXPECT_EQ(F::dropout2d(zeros({0, 3, 2, 2}), 0.5, true).numel(), 0);
}

TEST(LayersDropout2d, Errors) {
  using testing::error_message;
  using testing::message_has;
  EXPECT_TRUE(message_has(error_message([] { nn::Dropout2d(1.5); }), {"Dropout2d", "between 0 and 1", "1.5"}));
  EXPECT_TRUE(message_has(error_message([] { F::dropout2d(ones({1, 2, 2, 2}), -0.1, true); }),
                          {"dropout2d", "-0.1"}));
  // Wrong rank, in training and in eval alike: the fix is named.
  EXPECT_TRUE(message_has(error_message([] { nn::Dropout2d(0.5)(ones({4, 3})); }),
                          {"dropout2d", "4-D", "[4, 3]", "use dropout"}));
  EXPECT_TRUE(message_has(error_message([] { F::dropout2d(ones({1, 2, 3, 4, 5}), 0.5, false); }),
                          {"dropout2d", "[1, 2, 3, 4, 5]"}));
  EXPECT_TRUE(message_has(error_message([] { F::dropout2d(arange(8).reshape({1, 2, 2, 2}), 0.5, true); }),
                          {"dropout2d", "int64"}));
}

}  // namespace
}  // namespace wick
