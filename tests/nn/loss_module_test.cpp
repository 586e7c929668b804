// Loss modules and options: reduction spellings, buffers in state_dict,
// to(dtype), deep copies, printing, and that the hot paths are single fused
// nodes. Values against PyTorch are in loss_reference_test.cpp.
#include <gtest/gtest.h>

#include <sstream>

#include "wick/nn/loss.h"
#include "wick/wick.h"

namespace {

using namespace wick;
namespace F = wick::nn::functional;

TEST(LossModule, ReductionFromEnumOrString) {
  EXPECT_EQ(nn::Reduction("none"), nn::Reduction::None);
  EXPECT_EQ(nn::Reduction("mean"), nn::Reduction::Mean);
  EXPECT_EQ(nn::Reduction(std::string("sum")), nn::Reduction::Sum);
  EXPECT_EQ(nn::Reduction("batchmean"), nn::Reduction::BatchMean);
  EXPECT_STREQ(nn::Reduction(nn::Reduction::Sum).str(), "sum");
  Tensor a = tensor({1.0, 2.0, 3.0}), b = tensor({0.0, 0.0, 0.0});
  EXPECT_DOUBLE_EQ(F::mse_loss(a, b, {.reduction = "sum"}).item(), 14.0);
  EXPECT_DOUBLE_EQ(F::mse_loss(a, b, {.reduction = nn::Reduction::Sum}).item(), 14.0);
  EXPECT_NEAR(F::mse_loss(a, b).item(), 14.0 / 3, 1e-6);  // default mean
  EXPECT_EQ(F::mse_loss(a, b, {.reduction = "none"}).sizes(), (Shape{3}));
}

TEST(LossModule, KlDivMeanVersusBatchmean) {
  Tensor logq = log_softmax(randn({4, 5}), 1), p = softmax(randn({4, 5}), 1);
  double sum = F::kl_div(logq, p, {.reduction = "sum"}).item();
  EXPECT_NEAR(F::kl_div(logq, p).item(), sum / 20, 1e-6);  // default "mean": all elements
  EXPECT_NEAR(F::kl_div(logq, p, {.reduction = "batchmean"}).item(), sum / 4, 1e-6);
  EXPECT_EQ(nn::KLDivLoss().options.reduction, nn::Reduction::Mean);
}

TEST(LossModule, WeightsAreBuffers) {
  nn::CrossEntropyLoss ce({.weight = tensor({1.0, 2.0, 3.0}), .label_smoothing = 0.1});
  auto sd = ce.state_dict();
  ASSERT_EQ(sd.count("weight"), 1u);
  EXPECT_TRUE(ce.parameters().empty());
  nn::BCEWithLogitsLoss bce({.pos_weight = tensor({2.0})});
  sd = bce.state_dict();
  EXPECT_EQ(sd.count("pos_weight"), 1u);
  EXPECT_EQ(sd.count("weight"), 0u);  // undefined buffers are skipped, as PyTorch's None
  EXPECT_TRUE(nn::MSELoss().state_dict().empty());

  // to(dtype) converts the weight in place, so a float64 model's loss works.
  ce.to(kFloat64);
  EXPECT_EQ(ce.options.weight.dtype(), kFloat64);
  Tensor z = randn({3, 3}, {.dtype = kFloat64});
  EXPECT_EQ(ce(z, tensor({0, 1, 2})).dtype(), kFloat64);
}

TEST(LossModule, CopiesAreDeep) {
  nn::NLLLoss a({.weight = tensor({1.0, 2.0})});
  nn::NLLLoss b = a;
  EXPECT_FALSE(b.options.weight.is_same(a.options.weight));
  b.options.weight.mul_(3.0);
  EXPECT_FLOAT_EQ(a.options.weight.to_vector<float>()[1], 2.0f);
  EXPECT_FLOAT_EQ(b.options.weight.to_vector<float>()[1], 6.0f);
  EXPECT_EQ(b.state_dict().count("weight"), 1u);
}

TEST(LossModule, Printing) {
  std::ostringstream os;
  os << nn::CrossEntropyLoss({.label_smoothing = 0.1});
  EXPECT_NE(os.str().find("CrossEntropyLoss("), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("label_smoothing=0.1"), std::string::npos) << os.str();
  std::ostringstream hs;
  hs << nn::HuberLoss({.reduction = "sum", .delta = 0.5});
  EXPECT_NE(hs.str().find("reduction=sum, delta=0.5"), std::string::npos) << hs.str();
}

TEST(LossModule, HotPathsAreOneFusedNode) {
  Tensor z = randn({8, 10}, {.requires_grad = true});
  Tensor t = randint(0, 10, {8});
  EXPECT_EQ(F::cross_entropy(z, t).grad_fn_name(), "CrossEntropyBackward");
  EXPECT_EQ(F::cross_entropy(z, t, {.reduction = "none"}).grad_fn_name(), "CrossEntropyBackward");
  Tensor y = rand({8, 10});
  EXPECT_EQ(F::binary_cross_entropy_with_logits(z, y).grad_fn_name(), "BinaryCrossEntropyWithLogitsBackward");
  // No graph at all under NoGradGuard.
  NoGradGuard g;
  EXPECT_FALSE(F::cross_entropy(z, t).requires_grad());
}

TEST(LossModule, FusedAndComposedAgreeOnTheBenchmarkShape) {
  // softmax regression: [128, 10] float32 logits, the seed's hot path.
  manual_seed(11);
  Tensor z1 = (randn({128, 10}) * 3).requires_grad_();
  Tensor z2 = z1.detach().clone().requires_grad_();
  Tensor t = randint(0, 10, {128});
  Tensor a = F::cross_entropy(z1, t, {.label_smoothing = 0.05});
  Tensor b = nn::detail::cross_entropy_composed(z2, t, {.label_smoothing = 0.05});
  EXPECT_NEAR(a.item(), b.item(), 1e-5 * std::abs(b.item()));
  a.backward();
  b.backward();
  EXPECT_TRUE(allclose(z1.grad(), z2.grad(), 1e-4, 1e-7));
}

TEST(LossModule, FusedCrossEntropyOnBigBatchesMatchesComposed) {
  // Enough rows that the fused kernel splits them over threads.
  manual_seed(12);
  for (auto r : {nn::Reduction::Mean, nn::Reduction::None}) {
    Tensor z1 = (randn({2000, 10}, {.dtype = kFloat64}) * 2).requires_grad_();
    Tensor z2 = z1.detach().clone().requires_grad_();
    Tensor t = randint(0, 10, {2000});
    nn::CrossEntropyLossOptions o{.weight = rand({10}, {.dtype = kFloat64}) + 0.5, .ignore_index = 3, .reduction = r,
                                  .label_smoothing = 0.1};
    Tensor a = F::cross_entropy(z1, t, o), b = nn::detail::cross_entropy_composed(z2, t, o);
    EXPECT_TRUE(allclose(a, b, 1e-10, 1e-12));
    Tensor g = randn(a.sizes(), {.dtype = kFloat64});
    a.backward(g);
    b.backward(g);
    EXPECT_TRUE(allclose(z1.grad(), z2.grad(), 1e-10, 1e-14));
  }
}

TEST(LossModule, BackwardTwiceNeedsRetainGraph) {
  Tensor z = randn({4, 3}, {.requires_grad = true});
  Tensor loss = F::cross_entropy(z, tensor({0, 1, 2, 0}));
  loss.backward(Tensor(), true);
  Tensor g1 = z.grad().clone();
  loss.backward();
  EXPECT_TRUE(allclose(z.grad(), g1 * 2.0));
}

// The fused cross-entropy saves the softmax it computed, not the logits (as
// PyTorch's log_softmax saves its output): changing the logits in place after
// the loss leaves its gradient what it was, and PyTorch 1.13 allows the same
// sequence. The gradient is compared with the same loss's, untouched.
TEST(LossModule, LogitsModifiedInPlaceAfterTheLossKeepItsGradient) {
  Tensor w = randn({4, 3}, {.requires_grad = true});
  Tensor t = tensor({0, 1, 2, 0});
  Tensor z = w * 1.0;
  Tensor loss = F::cross_entropy(z, t);
  z.add_(1.0);
  loss.backward();
  Tensor w2 = w.detach().clone().requires_grad_(true);
  F::cross_entropy(w2 * 1.0, t).backward();
  EXPECT_TRUE(allclose(w.grad(), w2.grad(), 0, 0));
}

}  // namespace
