// Float64 finite-difference gradient checks of every loss, with every
// reduction and option that changes the gradient, wrt the input and (where it
// is differentiable) the target.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "wick/nn/loss.h"
#include "wick/wick.h"

namespace {

using namespace wick;
namespace F = wick::nn::functional;
using wick::testing::gradcheck;

const TensorOptions kF64{.dtype = kFloat64};

Tensor leaf(const Tensor& t) { return t.detach().clone().requires_grad_(); }
Tensor randn64(const Shape& s, double scale = 1.0) { return leaf(randn(s, kF64) * scale); }
Tensor uniform64(const Shape& s, double lo, double hi) { return leaf(rand(s, kF64) * (hi - lo) + lo); }
Tensor probs64(const Shape& s, int64_t dim) { return leaf(softmax(randn(s, kF64), dim)); }

const std::vector<nn::Reduction> kReductions{nn::Reduction::None, nn::Reduction::Mean, nn::Reduction::Sum};

// EXPECT_GRADCHECK(label, fn, inputs): variadic because lambdas and braced
// options contain commas the preprocessor would split on.
#define EXPECT_GRADCHECK(label, ...)                   \
  do {                                                 \
    auto r_ = gradcheck(label, __VA_ARGS__);           \
    EXPECT_TRUE(r_.ok) << r_.message;                  \
  } while (0)

TEST(LossGradcheck, Regression) {
  manual_seed(1);
  for (nn::Reduction r : kReductions) {
    std::string tag = std::string("[") + r.str() + "]";
    EXPECT_GRADCHECK("mse_loss" + tag, [r](const auto& v) { return F::mse_loss(v[0], v[1], {.reduction = r}); },
                     (std::vector<Tensor>{randn64({4, 3}), randn64({4, 3})}));
    EXPECT_GRADCHECK("l1_loss" + tag, [r](const auto& v) { return F::l1_loss(v[0], v[1], {.reduction = r}); },
                     (std::vector<Tensor>{randn64({4, 3}), randn64({4, 3})}));
    for (double delta : {1.0, 0.4})
      EXPECT_GRADCHECK("huber_loss" + tag,
                       [r, delta](const auto& v) { return F::huber_loss(v[0], v[1], {.reduction = r, .delta = delta}); },
                       (std::vector<Tensor>{randn64({4, 3}, 2), randn64({4, 3}, 2)}));
    for (double beta : {1.0, 0.3, 0.0})
      EXPECT_GRADCHECK("smooth_l1_loss" + tag,
                       [r, beta](const auto& v) { return F::smooth_l1_loss(v[0], v[1], {.reduction = r, .beta = beta}); },
                       (std::vector<Tensor>{randn64({4, 3}, 2), randn64({4, 3}, 2)}));
  }
}

TEST(LossGradcheck, BinaryCrossEntropy) {
  manual_seed(2);
  Tensor w = rand({3}, kF64) + 0.5;
  for (nn::Reduction r : kReductions)
    for (bool weighted : {false, true}) {
      std::string tag = std::string("[") + r.str() + (weighted ? ", weight]" : "]");
      Tensor wt = weighted ? w : Tensor();
      EXPECT_GRADCHECK("binary_cross_entropy" + tag,
                       [r, wt](const auto& v) { return F::binary_cross_entropy(v[0], v[1], {.weight = wt, .reduction = r}); },
                       (std::vector<Tensor>{uniform64({4, 3}, 0.05, 0.95), uniform64({4, 3}, 0, 1)}));
    }
}

TEST(LossGradcheck, BinaryCrossEntropyWithLogits) {
  manual_seed(3);
  Tensor w = rand({4, 3}, kF64) + 0.5, pw = rand({3}, kF64) * 3 + 0.2;
  for (nn::Reduction r : kReductions)
    for (bool weighted : {false, true})
      for (bool positive : {false, true}) {
        nn::BCEWithLogitsLossOptions o{.weight = weighted ? w : Tensor(), .reduction = r,
                                       .pos_weight = positive ? pw : Tensor()};
        std::string tag = std::string("[") + r.str() + (weighted ? ", weight" : "") + (positive ? ", pos_weight]" : "]");
        EXPECT_GRADCHECK("binary_cross_entropy_with_logits" + tag,
                         [o](const auto& v) { return F::binary_cross_entropy_with_logits(v[0], v[1], o); },
                         (std::vector<Tensor>{randn64({4, 3}, 3), uniform64({4, 3}, 0, 1)}));
        EXPECT_GRADCHECK("bce_with_logits_composed" + tag,
                         [o](const auto& v) { return nn::detail::bce_with_logits_composed(v[0], v[1], o); },
                         (std::vector<Tensor>{randn64({4, 3}, 3), uniform64({4, 3}, 0, 1)}));
      }
}

TEST(LossGradcheck, CrossEntropyClassIndices) {
  manual_seed(4);
  Tensor w = rand({5}, kF64) + 0.5;
  Tensor t = tensor({0, 2, 4, 2, 1, 3});
  Tensor t_spatial = randint(0, 5, {2, 3, 2});
  for (nn::Reduction r : kReductions)
    for (bool weighted : {false, true})
      for (int64_t ignore : {int64_t{-100}, int64_t{2}})
        for (double ls : {0.0, 0.2}) {
          nn::CrossEntropyLossOptions o{.weight = weighted ? w : Tensor(), .ignore_index = ignore, .reduction = r,
                                        .label_smoothing = ls};
          std::string tag = std::string("[") + r.str() + (weighted ? ", weight" : "") +
                            ", ignore_index=" + std::to_string(ignore) + ", ls=" + std::to_string(ls) + "]";
          EXPECT_GRADCHECK("cross_entropy" + tag, [o, t](const auto& v) { return F::cross_entropy(v[0], t, o); },
                           (std::vector<Tensor>{randn64({6, 5}, 2)}));
          EXPECT_GRADCHECK("cross_entropy_composed" + tag,
                           [o, t](const auto& v) { return nn::detail::cross_entropy_composed(v[0], t, o); },
                           (std::vector<Tensor>{randn64({6, 5}, 2)}));
          EXPECT_GRADCHECK("cross_entropy spatial" + tag,
                           [o, t_spatial](const auto& v) { return F::cross_entropy(v[0], t_spatial, o); },
                           (std::vector<Tensor>{randn64({2, 5, 3, 2}, 2)}));
        }
  EXPECT_GRADCHECK("cross_entropy unbatched", [](const auto& v) { return F::cross_entropy(v[0], tensor(3.0).to(kInt64)); },
                   (std::vector<Tensor>{randn64({5})}));
}

TEST(LossGradcheck, CrossEntropyProbabilities) {
  manual_seed(5);
  Tensor w = rand({5}, kF64) + 0.5;
  for (nn::Reduction r : kReductions)
    for (bool weighted : {false, true})
      for (double ls : {0.0, 0.2}) {
        nn::CrossEntropyLossOptions o{.weight = weighted ? w : Tensor(), .reduction = r, .label_smoothing = ls};
        std::string tag = std::string("[") + r.str() + (weighted ? ", weight" : "") + ", ls=" + std::to_string(ls) + "]";
        EXPECT_GRADCHECK("cross_entropy soft" + tag, [o](const auto& v) { return F::cross_entropy(v[0], v[1], o); },
                         (std::vector<Tensor>{randn64({4, 5}, 2), probs64({4, 5}, 1)}));
        EXPECT_GRADCHECK("cross_entropy soft spatial" + tag,
                         [o](const auto& v) { return F::cross_entropy(v[0], v[1], o); },
                         (std::vector<Tensor>{randn64({2, 5, 3}, 2), probs64({2, 5, 3}, 1)}));
      }
}

TEST(LossGradcheck, NllLoss) {
  manual_seed(6);
  Tensor w = rand({5}, kF64) + 0.5;
  Tensor t = tensor({0, 2, 4, 2, 1, 3});
  for (nn::Reduction r : kReductions)
    for (bool weighted : {false, true})
      for (int64_t ignore : {int64_t{-100}, int64_t{2}}) {
        nn::NLLLossOptions o{.weight = weighted ? w : Tensor(), .ignore_index = ignore, .reduction = r};
        EXPECT_GRADCHECK(std::string("nll_loss[") + r.str() + "]", [o, t](const auto& v) { return F::nll_loss(v[0], t, o); },
                         (std::vector<Tensor>{randn64({6, 5})}));
      }
}

TEST(LossGradcheck, KlDiv) {
  manual_seed(7);
  for (nn::Reduction r : {nn::Reduction::None, nn::Reduction::Mean, nn::Reduction::Sum, nn::Reduction::BatchMean})
    for (bool log_target : {false, true}) {
      nn::KLDivLossOptions o{.reduction = r, .log_target = log_target};
      Tensor target = log_target ? leaf(log_softmax(randn({4, 5}, kF64), 1)) : probs64({4, 5}, 1);
      EXPECT_GRADCHECK(std::string("kl_div[") + r.str() + (log_target ? ", log_target]" : "]"),
                       [o](const auto& v) { return F::kl_div(v[0], v[1], o); },
                       (std::vector<Tensor>{leaf(log_softmax(randn({4, 5}, kF64), 1)), target}));
    }
}

}  // namespace
