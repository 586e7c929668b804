// Dropout: statistics and scaling (PyTorch's survivor value), eval identity,
// seeding, the p=0 and p=1 edges, and a float64 gradient check.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "autograd/gradcheck.h"
#include "backend/philox.h"
#include "core/expect_error.h"
#include "nn/layers_test_util.h"
#include "wick/nn/dropout.h"
#include "wick/nn/functional.h"
#include "wick/nn/sequential.h"

namespace wick {
namespace {

namespace F = nn::functional;
using testing::layer_fixture;

TEST(LayersDropout, TrainingZeroesAboutPAndScalesSurvivorsAsPyTorch) {
  auto ref = layer_fixture("dropout_scale").to_vector<float>();  // {p, value of a surviving 1.0}
  const double p = ref[0];
  manual_seed(0);
  const int64_t n = 200000;
  Tensor x = rand({n}) + 0.5f;  // no zeros in the input
  nn::Dropout drop(p);
  Tensor y = drop(x);
  auto xv = x.to_vector<float>(), yv = y.to_vector<float>();
  int64_t zeros_n = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (yv[i] == 0) {
      ++zeros_n;
      continue;
    }
    ASSERT_NEAR(yv[i], xv[i] * ref[1], 1e-6 * std::abs(yv[i])) << "element " << i;
  }
  // Binomial(n, p): 5 standard deviations.
  double sd = std::sqrt(n * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(zeros_n), n * p, 5 * sd);
  // The expected value is preserved.
  EXPECT_NEAR(y.mean().item(), x.mean().item(), 0.01);
}

// The mask rule, rebuilt here from the scalar generator: element i survives
// when word i % 4 of Philox block (offset + i / 4) is >= p * 2^32. Sizes that
// are not a multiple of 4, of 16 blocks or of the kernel's 1024-word chunks.
TEST(LayersDropout, MaskIsTheDocumentedPhiloxRule) {
  const double p = 0.3;
  for (int64_t n : {1, 63, 1000, 2053}) {
    manual_seed(7);
    const GeneratorState s = get_rng_state();
    Tensor y = F::dropout(ones({n}), p, /*training=*/true);
    auto yv = y.to_vector<float>();
    const uint64_t threshold = static_cast<uint64_t>(std::ceil(p * 4294967296.0));
    for (int64_t i = 0; i < n; ++i) {
      uint32_t w[4];
      backend::philox4x32(s.seed, s.offset + static_cast<uint64_t>(i / 4), w);
      const float want = w[i % 4] >= threshold ? static_cast<float>(1.0 / (1.0 - p)) : 0.0f;
      ASSERT_EQ(yv[static_cast<size_t>(i)], want) << "n " << n << " element " << i;
    }
  }
}

TEST(LayersDropout, EvalIsIdentity) {
  nn::Dropout drop(0.5);
  drop.eval();
  Tensor x = randn({4, 5});
  Tensor y = drop(x);
  EXPECT_TRUE(equal(y, x));
  EXPECT_TRUE(F::dropout(x, 0.5, false).is_same(x));
  drop.train();
  EXPECT_FALSE(equal(drop(x), x));
}

TEST(LayersDropout, SeedRepeatsTheMask) {
  Tensor x = ones({64});
  manual_seed(7);
  Tensor a = F::dropout(x, 0.4, true);
  manual_seed(7);
  Tensor b = F::dropout(x, 0.4, true);
  Tensor c = F::dropout(x, 0.4, true);
  EXPECT_TRUE(equal(a, b));
  EXPECT_FALSE(equal(b, c));
}

TEST(LayersDropout, EdgeProbabilities) {
  Tensor x = randn({3, 4});
  EXPECT_TRUE(F::dropout(x, 0.0, true).is_same(x));  // as PyTorch: the input itself
  Tensor z = F::dropout(x, 1.0, true);
  EXPECT_TRUE(equal(z, zeros({3, 4})));
  // p=1 multiplies by zero, so NaN stays NaN (as PyTorch)
  Tensor nan_in = full({2}, std::nan(""));
  EXPECT_TRUE(std::isnan(F::dropout(nan_in, 1.0, true)[0].item()));
  Tensor xg = randn({5}, {.dtype = kFloat64, .requires_grad = true});
  F::dropout(xg, 1.0, true).sum().backward();
  EXPECT_TRUE(equal(xg.grad(), zeros({5}, {.dtype = kFloat64})));
  EXPECT_EQ(F::dropout(zeros({0, 3}), 0.5, true).numel(), 0);
}

TEST(LayersDropout, GradientUsesTheSameMask) {
  manual_seed(3);
  Tensor x = randn({50}, {.dtype = kFloat64, .requires_grad = true});
  Tensor y = F::dropout(x, 0.5, true);
  y.sum().backward();
  // d y / d x is the mask scaled by 2: zero exactly where y is zero.
  auto yv = y.detach().to_vector<double>(), gv = x.grad().to_vector<double>();
  for (size_t i = 0; i < yv.size(); ++i) EXPECT_EQ(gv[i], yv[i] == 0 ? 0.0 : 2.0) << i;
}

TEST(LayersDropout, GradcheckFloat64) {
  Tensor x = randn({4, 6}, {.dtype = kFloat64, .requires_grad = true});
  auto f = [](const std::vector<Tensor>& in) {
    manual_seed(11);  // every evaluation draws the same mask
    return nn::Dropout(0.3)(in[0]);
  };
  auto r = testing::gradcheck("Dropout", f, {x});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(LayersDropout, PrintoutAndErrors) {
  std::ostringstream os;
  os << nn::Dropout(0.2);
  EXPECT_EQ(os.str(), "Dropout(p=0.2, inplace=False)");
  EXPECT_TRUE(testing::message_has(testing::error_message([] { nn::Dropout(1.5); }), {"Dropout", "1.5"}));
  EXPECT_TRUE(testing::message_has(testing::error_message([] { F::dropout(ones({2}), -0.1, true); }),
                                   {"dropout", "-0.1"}));
}

}  // namespace
}  // namespace wick
